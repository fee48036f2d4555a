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

// Check is a part of the service that readiness reports on.
type Check struct {
	// Name names the part in the answer ("store", "search").
	Name string
	// Optional parts do not make the service unready: it answers
	// without them (reads go on while the search index is built), and
	// says so. GET /readyz?all counts them too.
	Optional bool
	// Probe says whether the part is ready, and its state in a few words
	// that are safe to show to whoever asks ("ready", "building: 42%
	// ..."). It gets the request's context, bounded by ReadyTimeout.
	Probe func(ctx context.Context) (ready bool, state string)
}

// Ready returns the readiness handler, for /readyz. It answers 200 when
// every check that is not optional is ready, else 503; with the query
// parameter all (/readyz?all), optional checks count too, for a load
// balancer that should send traffic only to an instance that serves
// everything. The body's first line is "ready" or "not ready", and each
// check follows on a line of its own: "store: ready", "search: building:
// 42% (420 of 1000 entities)". A state is cut to its first line and 200
// bytes. /healthz stays the liveness probe: a failing readiness check
// should take the instance out of rotation, not restart it.
func Ready(checks ...Check) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
		defer cancel()
		all := r.URL.Query().Has("all")
		ready := true
		var b strings.Builder
		for _, c := range checks {
			ok, state := c.Probe(ctx)
			if !ok && (!c.Optional || all) {
				ready = false
			}
			state, _, _ = strings.Cut(state, "\n")
			b.WriteString(c.Name + ": " + truncate(state, 200) + "\n")
		}
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		if !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "not ready\n"+b.String())
			return
		}
		io.WriteString(w, "ready\n"+b.String())
	})
}
