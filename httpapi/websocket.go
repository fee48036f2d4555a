package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"tupu"
	"tupu/graph"
	"tupu/store"
)

// isWebsocket reports whether r asks to upgrade to a WebSocket.
func isWebsocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// websocketInit authenticates a graphql-ws connection at connection_init:
// the payload may carry the token as "Authorization" ("Bearer ...") or
// "authToken". Without one the connection is anonymous, which is enough
// to subscribe unless reads need a token.
func websocketInit(s *store.Store, readsNeedToken bool) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		secret := payload.Authorization()
		if secret == "" {
			secret = payload.GetString("authToken")
		}
		secret = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(secret, "Bearer "), "bearer "))
		if secret == "" {
			if readsNeedToken {
				return ctx, nil, tupu.Errorf(tupu.Unauthenticated, "this server needs a token: send it in connection_init")
			}
			return ctx, nil, nil
		}
		var tok *store.Token
		err := s.View(func(tx *store.Tx) error {
			var err error
			tok, err = tx.Authenticate(secret)
			return err
		})
		if err != nil {
			return ctx, nil, err
		}
		return graph.WithToken(ctx, tok), nil, nil
	}
}
