package observe

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"
)

// ReadyTimeout bounds one readiness check.
const ReadyTimeout = 2 * time.Second

// Ready returns the readiness handler, for /readyz: it answers 200 "ready"
// when check returns nil, and 503 with "not ready: " and the error's message
// (first line, at most 200 bytes) otherwise. Since the reason is shown to
// whoever asks, check should return a short message that is safe to show,
// such as "store unavailable". check gets the request's context, bounded by
// ReadyTimeout. /healthz stays the liveness probe: a failing readiness check
// should take the instance out of rotation, not restart it.
func Ready(check func(ctx context.Context) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
		defer cancel()
		err := check(ctx)
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		if err != nil {
			reason, _, _ := strings.Cut(err.Error(), "\n")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "not ready: "+truncate(reason, 200)+"\n")
			return
		}
		io.WriteString(w, "ready\n")
	})
}
