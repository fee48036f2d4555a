package httpapi

import (
	"context"
	"errors"

	"tupu"
	"tupu/store"
)

// A stream (a WebSocket, server-sent events) authenticates once, when it
// opens; it may then live for hours. When its token is revoked on the
// server, it ends: its context is cancelled with errRevoked as the cause,
// which ends its subscriptions. An event stream says why in a last event
// before "complete"; a WebSocket is closed (graphql-transport-ws has no
// message for it), and a client that reconnects with the token is
// refused at connection_init with close code 4403 and the reason.

// errRevoked is why a stream whose token was revoked ends.
var errRevoked = tupu.Errorf(tupu.Unauthenticated, "the token this stream was opened with was revoked")

// untilRevoked returns a context that ends, with the cause errRevoked,
// when tok is revoked (at once if it already was).
func untilRevoked(ctx context.Context, s *store.Store, tok *store.Token) context.Context {
	ctx, cancel := context.WithCancelCause(ctx)
	stop := s.AfterRevoke(tok, func() { cancel(errRevoked) })
	context.AfterFunc(ctx, func() { stop() }) // the stream ended first
	return ctx
}

// revoked reports whether ctx ended because its token was revoked.
func revoked(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), errRevoked)
}
