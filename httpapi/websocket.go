package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"

	"tupu"
	"tupu/graph"
	"tupu/store"
)

// connection is what one WebSocket connection may hold: it travels in the
// connection's context, set at connection_init.
type connection struct {
	operations *slots
}

type connectionKey struct{}

func connectionFrom(ctx context.Context) *connection {
	c, _ := ctx.Value(connectionKey{}).(*connection)
	return c
}

// newWebsocket returns gqlgen's graphql-ws transport as tupu runs it: a
// message is at most maxMessage bytes, a client that sends no
// connection_init within initTimeout is closed, init authenticates (the
// token in the payload as "Authorization" or "authToken"; without one the
// connection is anonymous, enough to subscribe unless reads need a
// token), each connection holds at most perConnection operations, and it
// is pinged every keepAlive.
// Origins are checked before (see originAllowed), so the upgrade itself
// skips coder/websocket's check.
func newWebsocket(s *store.Store, readsNeedToken bool, maxMessage int64, initTimeout, keepAlive time.Duration, perConnection int64, log *slog.Logger) gqltransport.Websocket {
	return gqltransport.Websocket{
		KeepAlivePingInterval: keepAlive,
		InitTimeout:           initTimeout,
		PayloadReadLimit:      &maxMessage,
		Implementation: closeOnRevoke{gqltransport.CoderWebsocketImplementation{
			AcceptOptions: websocket.AcceptOptions{InsecureSkipVerify: true},
		}},
		InitFunc: func(ctx context.Context, payload gqltransport.InitPayload) (context.Context, *gqltransport.InitPayload, error) {
			ctx = context.WithValue(ctx, connectionKey{}, &connection{operations: &slots{max: perConnection}})
			secret := payload.Authorization()
			if secret == "" {
				secret = payload.GetString("authToken")
			}
			secret = strings.TrimSpace(secret)
			if scheme, rest, ok := strings.Cut(secret, " "); ok && strings.EqualFold(scheme, "Bearer") {
				secret = strings.TrimSpace(rest)
			}
			if secret == "" {
				if requestFrom(ctx).token == nil && readsNeedToken {
					return refuse(ctx, tupu.Errorf(tupu.Unauthenticated, "this server needs a token: send it in connection_init"))
				}
				return ctx, nil, nil
			}
			tok, err := s.Authenticate(ctx, secret, readsNeedToken)
			if err != nil {
				return refuse(ctx, err)
			}
			return untilRevoked(graph.WithToken(ctx, tok), s, tok), nil, nil
		},
		ErrorFunc: func(ctx context.Context, err error) {
			if !errors.Is(err, context.Canceled) {
				log.Debug("websocket", "error", err.Error())
			}
		},
	}
}

// refuse ends a connection at init with err, as graphql-ws asks for an
// unauthorized one: close code 4403, and the error's code and message as
// the reason (cut to what a close frame holds).
func refuse(ctx context.Context, err error) (context.Context, *gqltransport.InitPayload, error) {
	reason := string(tupu.ErrorCode(err)) + ": " + tupu.ErrorMessage(err)
	if len(reason) > 120 {
		reason = strings.ToValidUTF8(reason[:120], "")
	}
	ctx = gqltransport.AppendCloseReason(ctx, reason)
	return gqltransport.WithWebsocketCloseCode(ctx, 4403), nil, err
}

// originAllowed reports whether a browser page at r's Origin may open a
// WebSocket: one from the server's own host, or from a host matching one
// of patterns (path.Match, case-insensitively: "app.example.com",
// "*.example.com"). A request without an Origin is not from a browser
// page.
func originAllowed(r *http.Request, patterns []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Host)
	if host == strings.ToLower(r.Host) {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(strings.ToLower(p), host); ok {
			return true
		}
	}
	return false
}
