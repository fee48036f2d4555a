package httpapi

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"tupu"
	"tupu/graph"
	"tupu/store"
)

// operations runs every operation, on every transport, under what it may
// use: a query or mutation gets the request deadline (a subscription lives
// as long as its stream); a subscription takes a slot of the server's and
// of its WebSocket connection's; and every response reads the graph
// through one graph.Reads, opened for it and closed when it is complete.
// It is an executor extension (AroundOperations), so no transport can
// bring an operation in around it.
type operations struct {
	store   *store.Store
	timeout time.Duration
	// subscriptions bounds the subscriptions open at once on the server.
	subscriptions *slots
}

// slots is a counting bound: at most max held at once.
type slots struct {
	max  int64
	held atomic.Int64
}

// take takes a slot, and reports whether there was one.
func (s *slots) take() bool {
	if s.held.Add(1) > s.max {
		s.held.Add(-1)
		return false
	}
	return true
}

func (s *slots) give() { s.held.Add(-1) }

func (o *operations) intercept(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	kind := oc.Operation.Operation
	req := requestFrom(ctx)
	var deadline time.Time
	if kind == ast.Subscription {
		release, err := o.takeSubscription(ctx)
		if err != nil {
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{err}})
		}
		// The operation's context ends with its stream, on every transport.
		context.AfterFunc(ctx, release)
	} else {
		// A deadline for the operation, not for each of its responses.
		deadline = time.Now().Add(o.timeout)
	}
	// A query with @defer fragments whose client reads answers in parts
	// gets them in parts; any other is answered whole.
	inParts := kind == ast.Query && req != nil && req.deferred && req.parts
	responses := next(ctx)

	var (
		asked   bool         // a response was asked for before
		reads   *graph.Reads // the reads of the answer, across its parts
		parts   *graph.Parts // an answer in parts
		cancels []context.CancelFunc
	)
	return func(ctx context.Context) *graphql.Response {
		if !deadline.IsZero() {
			// Set on the context the response is resolved in, whichever
			// the transport passes. It ends with the answer's last part,
			// or with the request when the client goes away.
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, deadline)
			cancels = append(cancels, cancel)
		}
		switch {
		case reads == nil:
			// Each event of a subscription reads the graph as it is when
			// the event is sent; the parts of an answer read it as it was
			// at its first.
			ctx, reads = graph.BeginReads(ctx, o.store)
			if inParts {
				ctx, parts = graph.InParts(ctx)
				context.AfterFunc(ctx, reads.Close) // the client went away mid-answer
			}
		case parts != nil:
			parts.Start() // the transport sent the first part before asking for more
		}
		resp := responses(ctx)
		if parts != nil && resp != nil {
			parts.Trim(resp)
		}
		if resp == nil && !asked && !deadline.IsZero() && ctx.Err() != nil {
			// gqlgen ends an operation whose context is done before it
			// starts without a word; its client gets the reason.
			resp = &graphql.Response{Errors: gqlerror.List{coded(string(tupu.Unavailable), "the request was cancelled or ran out of time")}}
		}
		asked = true
		if resp != nil && resp.HasNext != nil && *resp.HasNext {
			return resp // more parts to come, on the same reads
		}
		reads.Close()
		if req != nil && kind != ast.Subscription {
			req.reads = reads
		}
		reads = nil
		for _, cancel := range cancels {
			cancel()
		}
		cancels = cancels[:0]
		return resp
	}
}

// takeSubscription takes a slot for a subscription on the server and, over
// a WebSocket, on its connection; release gives them back, once.
func (o *operations) takeSubscription(ctx context.Context) (release func(), err *gqlerror.Error) {
	if !o.subscriptions.take() {
		return nil, coded("SUBSCRIPTION_LIMIT", "the server has as many subscriptions open as it allows; try again later")
	}
	conn := connectionFrom(ctx)
	if conn != nil && !conn.subscriptions.take() {
		o.subscriptions.give()
		return nil, coded("SUBSCRIPTION_LIMIT", "this connection has as many subscriptions open as it may; complete one first")
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			o.subscriptions.give()
			if conn != nil {
				conn.subscriptions.give()
			}
		})
	}, nil
}
