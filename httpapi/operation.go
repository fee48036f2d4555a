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
	"tupu/observe"
	"tupu/store"
)

// operations runs every operation, on every transport, under what it may
// use: a query or mutation gets the request deadline (a subscription lives
// as long as its stream); an operation over a WebSocket takes a slot of
// its connection's, a subscription one of the server's; and every
// response reads the graph through one graph.Reads, opened for it and
// closed when it is complete (the last part of an answer in parts).
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
	release, err := o.takeSlots(ctx, kind)
	if err != nil {
		resp := &graphql.Response{Errors: gqlerror.List{err}}
		if connectionFrom(ctx) != nil {
			(&operationLog{oc: oc, start: time.Now()}).saw(ctx, resp, true)
		}
		return graphql.OneShot(resp)
	}
	if release != nil {
		// The operation's context ends with it, on every transport: with
		// the request, or with the WebSocket operation.
		context.AfterFunc(ctx, release)
	}
	op := &operation{store: o.store, kind: kind}
	switch req := requestFrom(ctx); {
	case req != nil && req.transport != transportWebsocket:
		op.req = req
	case connectionFrom(ctx) != nil:
		// A WebSocket's request is its connection's, shared by the
		// operations it runs at once: none is recorded in it, nor in its
		// access log line; each has a line of its own.
		op.log = &operationLog{oc: oc, start: time.Now()}
	}
	if kind != ast.Subscription {
		// A deadline for the operation, not for each of its responses.
		op.deadline = time.Now().Add(o.timeout)
	}
	// A query with @defer fragments whose client reads answers in parts
	// gets them in parts; any other is answered whole.
	op.inParts = kind == ast.Query && op.req != nil && op.req.deferred && op.req.parts
	op.responses = next(ctx)
	return op.respond
}

// operation is one operation's run, across its responses.
type operation struct {
	store     *store.Store
	kind      ast.Operation
	req       *request // nil outside the request path, and over a WebSocket
	deadline  time.Time
	inParts   bool
	responses graphql.ResponseHandler

	log    *operationLog // the operation's own access log line (over a WebSocket)
	asked  bool          // a response was asked for before
	reads  *graph.Reads  // the reads of the answer, across its parts
	parts  *graph.Parts  // an answer in parts
	cancel []context.CancelFunc
}

// respond makes the operation's next response.
func (op *operation) respond(ctx context.Context) *graphql.Response {
	if !op.deadline.IsZero() {
		// Set on the context the response is resolved in, whichever the
		// transport passes. It ends with the answer's last part, or with
		// the request when the client goes away.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, op.deadline)
		op.cancel = append(op.cancel, cancel)
	}
	switch {
	case op.reads == nil:
		// Each event of a subscription reads the graph as it is when the
		// event is sent; the parts of an answer read it as it was at its
		// first.
		ctx, op.reads = graph.BeginReads(ctx, op.store)
		if op.inParts {
			ctx, op.parts = graph.InParts(ctx)
			context.AfterFunc(ctx, op.reads.Close) // the client went away mid-answer
		}
	case op.parts != nil:
		op.parts.Start() // the transport sent the first part before asking for more
	}
	if op.log != nil {
		ctx = context.WithValue(ctx, operationLogKey{}, op.log)
	}
	resp := op.responses(ctx)
	if op.parts != nil && resp != nil {
		op.parts.Send(resp)
	}
	if resp == nil && !op.asked && !op.deadline.IsZero() && ctx.Err() != nil {
		// gqlgen ends an operation whose context is done before it starts
		// without a word; its client gets the reason.
		resp = &graphql.Response{Errors: gqlerror.List{coded(string(tupu.Unavailable), "the request was cancelled or ran out of time")}}
	}
	op.asked = true
	if op.log != nil {
		op.log.saw(ctx, resp, resp == nil || op.kind != ast.Subscription && (resp.HasNext == nil || !*resp.HasNext))
	}
	if resp != nil && resp.HasNext != nil && *resp.HasNext {
		return resp // more parts to come, on the same reads
	}
	op.reads.Close()
	if op.req != nil && op.kind != ast.Subscription {
		op.req.reads = op.reads
	}
	op.reads = nil
	for _, cancel := range op.cancel {
		cancel()
	}
	op.cancel = op.cancel[:0]
	return resp
}

// takeSlots takes what the operation holds while it runs: a slot of its
// WebSocket connection's, if it came over one, and for a subscription one
// of the server's. release gives them back, once; it is nil when the
// operation took none.
func (o *operations) takeSlots(ctx context.Context, kind ast.Operation) (release func(), err *gqlerror.Error) {
	conn := connectionFrom(ctx)
	subscription := kind == ast.Subscription
	if conn == nil && !subscription {
		return nil, nil
	}
	if conn != nil && !conn.operations.take() {
		return nil, coded("SUBSCRIPTION_LIMIT", "this connection runs as many operations at once as it may; complete one first")
	}
	if subscription && !o.subscriptions.take() {
		if conn != nil {
			conn.operations.give()
		}
		return nil, coded("SUBSCRIPTION_LIMIT", "the server has as many subscriptions open as it allows; try again later")
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			if subscription {
				o.subscriptions.give()
			}
			if conn != nil {
				conn.operations.give()
			}
		})
	}, nil
}

// operationLog is the access log line of an operation that has none of
// its own request's: one over a WebSocket. It is written once the
// operation's last response is made: the answer of a query or mutation,
// the end of a subscription's stream.
type operationLog struct {
	oc        *graphql.OperationContext
	start     time.Time
	op        *observe.Operation // what the first response said
	responses int
	written   bool
}

// saw counts resp, the operation's next response (nil at the end of its
// responses), and writes the line when it is the last.
func (l *operationLog) saw(ctx context.Context, resp *graphql.Response, last bool) {
	if l.written {
		return
	}
	if l.op == nil && (resp != nil || last) {
		name := ""
		if l.oc != nil {
			name = l.oc.OperationName
		}
		l.op = operationOf(name, l.oc, resp)
	}
	if resp != nil {
		l.responses++
	}
	if last {
		l.written = true
		observe.LogOperation(ctx, l.op, l.responses, time.Since(l.start))
	}
}

type operationLogKey struct{}

// unrun logs the response to a WebSocket request that never became an
// operation (a document that does not parse or validate, variables that
// do not fit): gqlgen answers it without running intercept. Over HTTP the
// request's own line tells of it (noteOperation).
func (o *operations) unrun(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if connectionFrom(ctx) == nil || ctx.Value(operationLogKey{}) != nil {
		return resp
	}
	var oc *graphql.OperationContext
	if graphql.HasOperationContext(ctx) {
		oc = graphql.GetOperationContext(ctx)
	}
	l := &operationLog{oc: oc, start: time.Now()}
	if oc != nil && !oc.Stats.OperationStart.IsZero() {
		l.start = oc.Stats.OperationStart
	}
	l.saw(ctx, resp, true)
	return resp
}
