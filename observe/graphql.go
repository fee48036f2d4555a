package observe

import (
	"context"
	"maps"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// GraphQL returns a gqlgen handler extension that records, once per
// operation, tupu_graphql_requests_total{operation,outcome,code},
// tupu_graphql_request_duration_seconds{operation} and, when the first
// error's code names a limit, tupu_graphql_limit_rejections_total{limit}.
//
// Use it first (srv.Use(m.GraphQL()) before other extensions): the first
// extension is the outermost, so it also sees operations that a later
// extension rejects without calling next.
//
// The operation is the operation's name when it is one the server knows
// (KnowOperations: the trusted documents, the explorer's and the
// playground's own), "anonymous" when it has none, and "other" for any
// other name: a client may send any name, and a label a client chooses
// freely is a time series it creates freely. The outcome is "ok" when the
// response has no errors, else "error" with the first error's
// extensions.code as the code label ("UNKNOWN" when it has none, "OTHER"
// when it is not an upper-case identifier). The duration runs from the start
// of the HTTP request in gqlgen (so it includes reading, parsing and
// validating) to the first response. A streamed operation (@defer,
// subscriptions) is counted once, on its first response.
func (m *Metrics) GraphQL() graphql.HandlerExtension { return gqlExtension{m} }

type gqlExtension struct{ m *Metrics }

var (
	_ graphql.HandlerExtension     = gqlExtension{}
	_ graphql.OperationInterceptor = gqlExtension{}
	_ graphql.ResponseInterceptor  = gqlExtension{}
)

func (gqlExtension) ExtensionName() string                   { return "TupuMetrics" }
func (gqlExtension) Validate(graphql.ExecutableSchema) error { return nil }

// countedKey marks the context of a response that InterceptOperation
// counts, so that InterceptResponse does not count it again.
type countedKey struct{}

// InterceptOperation counts operations that passed validation. It wraps the
// response handler rather than using InterceptResponse alone because gqlgen
// returns errors that Exec raised up front without running the response
// interceptors.
func (e gqlExtension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	opCtx := graphql.GetOperationContext(ctx)
	name := e.m.operationLabel(operationName(opCtx))
	start := opCtx.Stats.OperationStart
	if start.IsZero() {
		start = startTime(ctx)
	}
	h := next(ctx)
	var done atomic.Bool
	return func(ctx context.Context) *graphql.Response {
		resp := h(context.WithValue(ctx, countedKey{}, true))
		if resp != nil && done.CompareAndSwap(false, true) {
			e.m.recordOperation(name, start, resp.Errors)
		}
		return resp
	}
}

// InterceptResponse counts the responses that never reached an operation:
// parse and validation errors, limits enforced while creating the operation
// context (complexity, for one), bodies that failed to decode.
func (e gqlExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || ctx.Value(countedKey{}) != nil {
		return resp
	}
	var opCtx *graphql.OperationContext
	if graphql.HasOperationContext(ctx) {
		opCtx = graphql.GetOperationContext(ctx)
	}
	var start time.Time
	if opCtx != nil {
		start = opCtx.Stats.OperationStart
	}
	if start.IsZero() {
		start = startTime(ctx)
	}
	e.m.recordOperation(e.m.operationLabel(operationName(opCtx)), start, resp.Errors)
	return resp
}

func (m *Metrics) recordOperation(op string, start time.Time, errs gqlerror.List) {
	if m == nil {
		return
	}
	outcome, code := "ok", ""
	if len(errs) > 0 {
		outcome, code = "error", errorCode(errs[0])
		if limit := limitName(code, errs[0]); limit != "" {
			m.gqlLimits.WithLabelValues(limit).Inc()
		}
	}
	m.gqlRequests.WithLabelValues(op, outcome, code).Inc()
	if !start.IsZero() {
		m.gqlDuration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	}
}

// operationName is the name of opCtx's operation: "anonymous" when it has
// none, "other" when it is not shaped as a GraphQL name of at most 64
// bytes. A client chooses it: metrics label it with operationLabel.
func operationName(opCtx *graphql.OperationContext) string {
	if opCtx == nil {
		return "anonymous"
	}
	name := opCtx.OperationName
	if opCtx.Operation != nil && opCtx.Operation.Name != "" {
		name = opCtx.Operation.Name // the one named operation of a document sent without operationName
	}
	if name == "" {
		return "anonymous"
	}
	return boundedName(name)
}

// errorCode is the bounded code label of err.
func errorCode(err *gqlerror.Error) string {
	if err == nil {
		return "UNKNOWN"
	}
	code, _ := err.Extensions["code"].(string)
	if code == "" {
		return "UNKNOWN"
	}
	if len(code) > 64 {
		return "OTHER"
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !(c == '_' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' && i > 0) {
			return "OTHER"
		}
	}
	return code
}

// limitName returns the limit label for an error with the given (bounded)
// code, or "" when the error is not a limit rejection: PAYLOAD_TOO_LARGE is
// "payload", a code FOO_LIMIT or FOO_LIMIT_EXCEEDED (COMPLEXITY_LIMIT,
// DEPTH_LIMIT, ALIAS_LIMIT, DIRECTIVE_LIMIT, gqlgen's
// COMPLEXITY_LIMIT_EXCEEDED, ...) is "foo", and the parser's token limit,
// which gqlparser reports as a parse failure, is "token".
func limitName(code string, err *gqlerror.Error) string {
	switch code {
	case "PAYLOAD_TOO_LARGE":
		return "payload"
	case "GRAPHQL_PARSE_FAILED":
		if err != nil && strings.Contains(err.Message, "token limit") {
			return "token"
		}
		return ""
	case "OTHER", "UNKNOWN":
		return ""
	}
	stem, ok := strings.CutSuffix(code, "_LIMIT_EXCEEDED")
	if !ok {
		stem, ok = strings.CutSuffix(code, "_LIMIT")
	}
	if !ok || stem == "" {
		return ""
	}
	return strings.ToLower(stem)
}

// startTime is gqlgen's start of the request, or the zero time when ctx
// has none (graphql.GetStartTime panics then).
func startTime(ctx context.Context) (t time.Time) {
	defer func() {
		if recover() != nil {
			t = time.Time{}
		}
	}()
	return graphql.GetStartTime(ctx)
}

// KnowOperations adds the names of the operations in documents to those
// the metrics label by name; any other name is labelled "other". The
// documents are the server's own (trusted documents, the explorer's and
// the playground's), so the set is bounded by what the operator
// deploys. A document that does not parse adds nothing: it cannot run.
// It does nothing on a nil *Metrics.
func (m *Metrics) KnowOperations(documents ...string) {
	if m == nil {
		return
	}
	m.knownMu.Lock()
	defer m.knownMu.Unlock()
	known := map[string]bool{}
	if old := m.known.Load(); old != nil {
		maps.Copy(known, *old)
	}
	for _, d := range documents {
		doc, err := parser.ParseQuery(&ast.Source{Input: d})
		if err != nil {
			continue
		}
		for _, op := range doc.Operations {
			if op.Name != "" && boundedName(op.Name) == op.Name {
				known[op.Name] = true
			}
		}
	}
	m.known.Store(&known)
}

// operationLabel is the metrics label of an operation named name (as
// operationName returns it): the name if the server knows it, else
// "other".
func (m *Metrics) operationLabel(name string) string {
	if name == "anonymous" || name == "other" {
		return name
	}
	if known := m.known.Load(); known != nil && (*known)[name] {
		return name
	}
	return "other"
}
