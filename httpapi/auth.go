package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"tupu"
	"tupu/graph"
	"tupu/observe"
	"tupu/store"
)

// authenticate reads the request's bearer token, if any. A request
// without one is anonymous (nil, nil); one with a token that is not valid
// is refused with UNAUTHENTICATED, even for reads. fresh asks that a token
// revoked a moment ago on another server be refused too (see
// store.Authenticate): where reads need a token; a write confirms its
// token anyway (graph.Authorize).
func authenticate(s *store.Store, r *http.Request, fresh bool) (*store.Token, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, nil
	}
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return nil, tupu.Errorf(tupu.Unauthenticated, "send the token as Authorization: Bearer <token>")
	}
	return s.Authenticate(r.Context(), strings.TrimSpace(secret), fresh)
}

// BackupHandler streams a consistent copy of the database to an admin:
// GET /admin/backup with an admin token. The copy is taken in one read
// transaction while the service goes on serving and writing.
func BackupHandler(s *store.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := authenticate(s, r, false) // an admin's rights are confirmed
		if err == nil {
			_, err = graph.Authorize(graph.WithToken(r.Context(), tok), s, store.RoleAdmin)
		}
		if err != nil {
			status := http.StatusUnauthorized
			if tupu.ErrorCode(err) == tupu.Forbidden {
				status = http.StatusForbidden
			}
			writeError(w, r, mediaJSON, status, string(tupu.ErrorCode(err)), tupu.ErrorMessage(err))
			return
		}
		// A large copy to a slow client takes longer than the server's
		// write timeout, which is for answers, not for this stream.
		http.NewResponseController(w).SetWriteDeadline(time.Time{})
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="tupu.db"`)
		_, err = s.Backup(w, func(size int64) {
			// With the length known, any client can tell a cut copy.
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		})
		if err != nil {
			observe.Logger(r.Context()).Error("backup cut short", "error", err)
			panic(http.ErrAbortHandler) // the client sees a short body and fails
		}
	})
}
