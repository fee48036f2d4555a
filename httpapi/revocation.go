package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"

	"tupu"
	"tupu/store"
)

// A stream (a WebSocket, server-sent events) authenticates once, when it
// opens; it may then live for hours. When its token is revoked on the
// server, it ends: its context is cancelled with errRevoked as the cause,
// which ends its subscriptions. An event stream says why in a last event
// before "complete"; a WebSocket is closed with code 4403 and the reason,
// as graphql-transport-ws closes a connection whose init is refused (a
// client that reconnects with the token is refused so).

// errRevoked is why a stream whose token was revoked ends.
var errRevoked = tupu.Errorf(tupu.Unauthenticated, "the token this stream was opened with was revoked")

// untilRevoked returns a context that ends, with the cause errRevoked,
// when tok is revoked (at once if it already was).
func untilRevoked(ctx context.Context, s *store.Store, tok *store.Token) context.Context {
	ctx, cancel := context.WithCancelCause(ctx)
	st, _ := ctx.Value(streamKey{}).(*stream)
	stop := s.AfterRevoke(tok, func() {
		if st != nil {
			st.revoked.Store(true) // before the connection closes on the cancellation
		}
		cancel(errRevoked)
	})
	context.AfterFunc(ctx, func() { stop() }) // the stream ended first
	return ctx
}

// revoked reports whether ctx ended because its token was revoked.
func revoked(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), errRevoked)
}

// stream is what a stream's request carries from the start, for what
// learns later that its token was revoked.
type stream struct {
	revoked atomic.Bool
}

type streamKey struct{}

// withStream returns ctx carrying a new stream.
func withStream(ctx context.Context) context.Context {
	return context.WithValue(ctx, streamKey{}, &stream{})
}

// closeOnRevoke is the WebSocket implementation that closes a connection
// whose token was revoked with 4403 and the reason. gqlgen closes a
// connection whose context ended with 1000 "terminated" whatever the
// cause; the connection it accepts is wrapped to say the cause instead.
type closeOnRevoke struct {
	gqltransport.WebsocketImplementation
}

func (i closeOnRevoke) Accept(w http.ResponseWriter, r *http.Request, opts gqltransport.WebsocketAcceptOptions) (gqltransport.WebsocketConn, error) {
	conn, err := i.WebsocketImplementation.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	st, _ := r.Context().Value(streamKey{}).(*stream)
	full, ok := conn.(fullConn)
	if st == nil || !ok {
		return conn, nil
	}
	return revocableConn{full, st}, nil
}

// fullConn is a WebSocket connection with the optional parts gqlgen uses
// (a read limit, read deadlines), all of which the wrapper must keep.
type fullConn interface {
	gqltransport.WebsocketConn
	gqltransport.WebsocketReadLimiter
	gqltransport.WebsocketReadDeadliner
}

type revocableConn struct {
	fullConn
	stream *stream
}

func (c revocableConn) WriteClose(code int, message string) error {
	if c.stream.revoked.Load() {
		code, message = 4403, string(tupu.ErrorCode(errRevoked))+": "+tupu.ErrorMessage(errRevoked)
	}
	return c.fullConn.WriteClose(code, message)
}
