package observe

// OpenTelemetry tracing, on only when the environment configures it.
//
// The choices, and why:
//
//   - Off unless OTEL_EXPORTER_OTLP_ENDPOINT or
//     OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set: a service that nobody
//     collects traces from should not pay for them, nor try to reach a
//     collector on localhost:4318. Off, StartTracing installs nothing, and
//     TraceHTTP, Tracing and StoreSpan cost a pointer comparison or a
//     context lookup per request, operation or resolver.
//   - On, spans go to an OTLP/HTTP exporter through a batch processor. The
//     SDK reads the other standard variables itself, from the process
//     environment: OTEL_EXPORTER_OTLP_[TRACES_]HEADERS, _TIMEOUT,
//     _COMPRESSION, _CERTIFICATE, OTEL_TRACES_SAMPLER[_ARG], OTEL_BSP_*,
//     OTEL_RESOURCE_ATTRIBUTES.
//   - The HTTP server span comes from otelhttp (semantic conventions,
//     W3C traceparent and baggage). Its name and http.route use the same
//     fixed set of paths as the metrics, so a client cannot mint span
//     names; liveness, readiness and metrics scrapes are not traced.
//   - The GraphQL operation span is named by the operation (bounded as the
//     metric label is), carries graphql.operation.type and .name, the cost
//     the limits extension measured, and on failure the first error's
//     extensions.code (graphql.error.code and error.type) with an error
//     status. Operations refused before they ran (parse, validation,
//     limits) get a span too.
//   - A span per resolver (a field with a resolver of its own, not a plain
//     read of a struct field) is made only under a recording (sampled)
//     operation span, and at most 500 per operation by default: a list of
//     100 companies must not turn into a trace of thousands of spans. The
//     spans nest as the fields do (Park.companies under District.parks).
//   - No document, no variables and no error messages go into operation
//     spans: they may hold what clients sent (names, tokens, personal
//     data). Resolver spans record the resolver's error, as the log does.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"reflect"
	"runtime/debug"
	"strings"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"tupu/clientaddr"
)

// TracerName is the instrumentation scope of the spans this package makes.
const TracerName = "tupu/observe"

// DefaultServiceName is service.name when OTEL_SERVICE_NAME is not set.
const DefaultServiceName = "tupu"

// Attribute keys of tupu's own (not in the semantic conventions).
const (
	attrErrorCode     = attribute.Key("graphql.error.code")
	attrCost          = attribute.Key("tupu.graphql.cost")
	attrFieldsDropped = attribute.Key("tupu.graphql.resolver_spans_dropped")
	attrFieldPath     = attribute.Key("graphql.field.path")
	attrFieldName     = attribute.Key("graphql.field.name")
	attrFieldParent   = attribute.Key("graphql.field.parent_type")
	attrRequestID     = attribute.Key("tupu.request_id")
	attrStoreKind     = attribute.Key("tupu.store.kind")
)

// limitsExtension is graph/limits.ExtensionName, the key under which the
// limits extension keeps its Stats (with an int field Cost) in an
// operation's graphql.Stats. It is repeated here, and read by reflection,
// so that this package imports nothing of tupu's; a test checks it.
const limitsExtension = "OperationLimits"

// defaultTracerProvider is the global provider before anything installs
// one: otel's delegating no-op. While it is still the global provider,
// tracing is off.
var defaultTracerProvider = otel.GetTracerProvider()

// tracer returns the global tracer, or false when no provider has been
// installed (then nothing should be traced, at no cost).
func tracer() (trace.Tracer, bool) {
	tp := otel.GetTracerProvider()
	if tp == defaultTracerProvider {
		return nil, false
	}
	return tp.Tracer(TracerName), true
}

// StartTracing installs a tracer provider when the environment configures
// one, and returns a shutdown func that flushes the spans still buffered and
// stops the exporter (call it once, at exit, with a deadline). When the
// environment does not configure tracing it installs nothing and returns a
// no-op shutdown with enabled false.
//
// Tracing is configured when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as it
// is) or OTEL_EXPORTER_OTLP_ENDPOINT (with /v1/traces appended to its path)
// is an http or https URL, unless OTEL_SDK_DISABLED is true or
// OTEL_TRACES_EXPORTER is none. The protocol may be http/protobuf (the
// default) or http/json; grpc is refused. The service name is
// OTEL_SERVICE_NAME, else service.name in OTEL_RESOURCE_ATTRIBUTES, else
// "tupu". The global propagator becomes W3C trace context and baggage.
//
// getenv (nil means os.Getenv) decides whether tracing is on, and gives
// the endpoint, protocol and service name; the SDK reads the other OTEL_*
// variables from the process environment.
func StartTracing(ctx context.Context, getenv func(string) string) (shutdown func(context.Context) error, enabled bool, err error) {
	noop := func(context.Context) error { return nil }
	if getenv == nil {
		getenv = os.Getenv
	}
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	if strings.EqualFold(env("OTEL_SDK_DISABLED"), "true") {
		return noop, false, nil
	}
	switch exp := strings.ToLower(env("OTEL_TRACES_EXPORTER")); exp {
	case "", "otlp":
	case "none":
		return noop, false, nil
	default:
		return noop, false, fmt.Errorf("OTEL_TRACES_EXPORTER=%s: tupu exports traces with otlp only", exp)
	}
	endpoint, err := tracesEndpoint(env)
	if err != nil || endpoint == "" {
		return noop, false, err
	}

	opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(endpoint)}
	protocol := env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = env("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch protocol {
	case "", "http/protobuf":
		opts = append(opts, otlptracehttp.WithEncoding(otlptracehttp.EncodingProtobuf))
	case "http/json":
		opts = append(opts, otlptracehttp.WithEncoding(otlptracehttp.EncodingJSON))
	default:
		return noop, false, fmt.Errorf("OTLP protocol %q: tupu exports traces over http/protobuf or http/json only (for grpc, point it at the collector's OTLP/HTTP port, usually 4318)", protocol)
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return noop, false, fmt.Errorf("otlp trace exporter: %w", err)
	}

	res, err := tracingResource(ctx, env("OTEL_SERVICE_NAME"))
	if err != nil {
		_ = exp.Shutdown(ctx)
		return noop, false, err
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
	)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	var once atomic.Bool
	return func(ctx context.Context) error {
		if !once.CompareAndSwap(false, true) {
			return nil
		}
		return tp.Shutdown(ctx)
	}, true, nil
}

// tracesEndpoint is the URL spans are posted to, or "" when the
// environment names none.
func tracesEndpoint(env func(string) string) (string, error) {
	name, raw := "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	perSignal := raw != ""
	if !perSignal {
		name, raw = "OTEL_EXPORTER_OTLP_ENDPOINT", env("OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%s=%q: want an http:// or https:// URL such as http://127.0.0.1:4318", name, raw)
	}
	if !perSignal {
		// The base endpoint: signals go to paths below it.
		u.Path = path.Join("/", u.Path, "v1/traces")
		u.RawPath = ""
	}
	return u.String(), nil
}

// tracingResource describes this process: service.name (serviceName, else
// OTEL_RESOURCE_ATTRIBUTES', else "tupu"), service.version when the binary
// was built from a module version, the host and the SDK.
func tracingResource(ctx context.Context, serviceName string) (*resource.Resource, error) {
	opts := []resource.Option{
		resource.WithAttributes(semconv.ServiceName(DefaultServiceName)),
		resource.WithFromEnv(),
		resource.WithHost(),
		resource.WithTelemetrySDK(),
	}
	if serviceName != "" {
		opts = append(opts, resource.WithAttributes(semconv.ServiceName(serviceName)))
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		opts = append(opts, resource.WithAttributes(semconv.ServiceVersion(bi.Main.Version)))
	}
	res, err := resource.New(ctx, opts...)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	return res, nil
}

// TraceHTTP wraps next with a server span per request, continuing the
// trace of an incoming W3C traceparent header (with the global
// propagator). The span is named "METHOD route", route being one of the
// paths the metrics know ("/graphql", "/", "/playground/assets/"), or just
// "METHOD" for any other path; it carries the semantic conventions' HTTP
// attributes (method, route, status, sizes), an error status for a 5xx
// response, and tupu.request_id when an inner handler set X-Request-Id on
// the response. GET /healthz, /readyz and /metrics are not traced.
//
// Put it outermost (around Metrics.Middleware), so that the span covers the
// whole request and inner handlers see it in the request's context. When
// no tracer provider is installed it calls next directly.
func TraceHTTP(next http.Handler) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		span := trace.SpanFromContext(r.Context())
		if !span.IsRecording() {
			next.ServeHTTP(w, r)
			return
		}
		if route := httpRoute(r); route != "" {
			span.SetAttributes(semconv.HTTPRoute(route))
		}
		// otelhttp takes client.address from the left-most X-Forwarded-For,
		// which any client can write; the decision every rule uses wins.
		if c := clientaddr.Of(r); c.Addr.IsValid() {
			span.SetAttributes(semconv.ClientAddress(c.Addr.String()))
		}
		defer func() {
			if id := w.Header().Get(RequestIDHeader); id != "" {
				span.SetAttributes(attrRequestID.String(id))
			}
		}()
		next.ServeHTTP(w, r)
	})
	traced := otelhttp.NewHandler(inner, "tupu",
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if route := httpRoute(r); route != "" {
				return methodLabel(r.Method) + " " + route
			}
			return methodLabel(r.Method)
		}),
		otelhttp.WithFilter(func(r *http.Request) bool {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				return true
			}
			switch r.URL.Path {
			case "/healthz", "/readyz", "/metrics":
				return false
			}
			return true
		}),
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if otel.GetTracerProvider() == defaultTracerProvider {
			next.ServeHTTP(w, r)
			return
		}
		traced.ServeHTTP(w, r)
	})
}

// httpRoute is the route of r: the pattern a ServeMux matched, when
// TraceHTTP runs inside one, else the path's label when it is one of the
// known paths, else "".
func httpRoute(r *http.Request) string {
	if p := r.Pattern; p != "" {
		if _, rest, ok := strings.Cut(p, " "); ok {
			p = rest // "GET /readyz"
		}
		if i := strings.IndexByte(p, '/'); i > 0 {
			p = p[i:] // "host/path"
		}
		return p
	}
	if l := pathLabel(r.URL.Path); l != "other" {
		return l
	}
	return ""
}

// TracingOption changes what Tracing records.
type TracingOption func(*tracingExt)

// TraceResolvers sets how many resolver spans one operation may make; 0 or
// less turns resolver spans off. The default is 500. The operation span
// counts the ones left out in tupu.graphql.resolver_spans_dropped.
func TraceResolvers(n int) TracingOption {
	return func(e *tracingExt) { e.maxFields = int32(min(max(n, 0), 1<<30)) }
}

// Tracing returns a gqlgen extension that makes a span per GraphQL
// operation and, below it, a span per resolver: see the file's comment.
//
// Add it after Metrics.GraphQL and before the other extensions, so that
// its span also covers operations that a later extension refuses. With no
// tracer provider installed, an operation costs a pointer comparison and a
// resolver a context lookup.
func Tracing(opts ...TracingOption) graphql.HandlerExtension {
	e := &tracingExt{maxFields: 500}
	for _, o := range opts {
		o(e)
	}
	return e
}

type tracingExt struct {
	maxFields int32
}

var (
	_ graphql.HandlerExtension     = (*tracingExt)(nil)
	_ graphql.OperationInterceptor = (*tracingExt)(nil)
	_ graphql.ResponseInterceptor  = (*tracingExt)(nil)
	_ graphql.FieldInterceptor     = (*tracingExt)(nil)
)

func (*tracingExt) ExtensionName() string                   { return "TupuTracing" }
func (*tracingExt) Validate(graphql.ExecutableSchema) error { return nil }

// opTraceKey keys the *opTrace of an operation being traced.
type opTraceKey struct{}

// opTrace is an operation's span and its budget of resolver spans.
type opTrace struct {
	tracer    trace.Tracer
	span      trace.Span
	recording bool         // the span is sampled: its resolvers get spans
	fields    atomic.Int32 // resolver spans started
	dropped   atomic.Int32 // resolver spans left out
	failed    atomic.Bool  // the error code is recorded
	ended     atomic.Bool
}

// InterceptOperation starts the operation's span (at gqlgen's start of the
// request) and ends it with the last response: the first one of a query or
// mutation without @defer, the one with hasNext false of a deferred one,
// and the end of the stream of a subscription.
func (e *tracingExt) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	tr, ok := tracer()
	if !ok {
		return next(ctx)
	}
	opCtx := graphql.GetOperationContext(ctx)
	start := opCtx.Stats.OperationStart
	if start.IsZero() {
		start = startTime(ctx)
	}
	name := operationName(opCtx)
	attrs := make([]attribute.KeyValue, 0, 3)
	attrs = append(attrs, semconv.GraphQLOperationName(name))
	subscription := false
	if opCtx.Operation != nil {
		switch opCtx.Operation.Operation {
		case ast.Query:
			attrs = append(attrs, semconv.GraphQLOperationTypeQuery)
		case ast.Mutation:
			attrs = append(attrs, semconv.GraphQLOperationTypeMutation)
		case ast.Subscription:
			attrs = append(attrs, semconv.GraphQLOperationTypeSubscription)
			subscription = true
		}
	}
	if cost, ok := operationCost(&opCtx.Stats); ok {
		attrs = append(attrs, attrCost.Int64(cost))
	}
	sopts := []trace.SpanStartOption{trace.WithAttributes(attrs...)}
	if !start.IsZero() {
		sopts = append(sopts, trace.WithTimestamp(start))
	}
	ctx, span := tr.Start(ctx, name, sopts...)
	st := &opTrace{tracer: tr, span: span, recording: span.IsRecording()}
	ctx = context.WithValue(ctx, opTraceKey{}, st)
	h := next(ctx)
	return func(rctx context.Context) *graphql.Response {
		// The transports pass the context DispatchOperation returned, which
		// holds the span; make sure of it, as resolvers run in here.
		rctx = trace.ContextWithSpan(rctx, span)
		rctx = context.WithValue(rctx, opTraceKey{}, st)
		resp := h(rctx)
		if resp == nil {
			st.end()
			return nil
		}
		if len(resp.Errors) > 0 {
			st.fail(resp.Errors[0])
		}
		if !subscription && (resp.HasNext == nil || !*resp.HasNext) {
			st.end()
		}
		return resp
	}
}

// fail records the code of an operation's first error, once.
func (st *opTrace) fail(err *gqlerror.Error) {
	if st.failed.CompareAndSwap(false, true) {
		recordErrorCode(st.span, errorCode(err))
	}
}

func (st *opTrace) end() {
	if !st.ended.CompareAndSwap(false, true) {
		return
	}
	if n := st.dropped.Load(); n > 0 {
		st.span.SetAttributes(attrFieldsDropped.Int64(int64(n)))
	}
	st.span.End()
}

func recordErrorCode(span trace.Span, code string) {
	span.SetAttributes(attrErrorCode.String(code), semconv.ErrorTypeKey.String(code))
	span.SetStatus(codes.Error, code)
}

// InterceptResponse makes the span of a request that never became an
// operation: a parse or validation failure, a limit enforced while
// creating the operation context, a body that failed to decode.
func (e *tracingExt) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if ctx.Value(opTraceKey{}) != nil {
		return next(ctx) // an operation's response: its span is InterceptOperation's
	}
	tr, ok := tracer()
	if !ok {
		return next(ctx)
	}
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	var opCtx *graphql.OperationContext
	if graphql.HasOperationContext(ctx) {
		opCtx = graphql.GetOperationContext(ctx)
	}
	name := operationName(opCtx)
	attrs := []attribute.KeyValue{semconv.GraphQLOperationName(name)}
	start := startTime(ctx)
	if opCtx != nil {
		if !opCtx.Stats.OperationStart.IsZero() {
			start = opCtx.Stats.OperationStart
		}
		if opCtx.Operation != nil && opCtx.Operation.Operation != "" {
			attrs = append(attrs, semconv.GraphQLOperationTypeKey.String(string(opCtx.Operation.Operation)))
		}
		if cost, ok := operationCost(&opCtx.Stats); ok {
			attrs = append(attrs, attrCost.Int64(cost))
		}
	}
	sopts := []trace.SpanStartOption{trace.WithAttributes(attrs...)}
	if !start.IsZero() {
		sopts = append(sopts, trace.WithTimestamp(start))
	}
	_, span := tr.Start(ctx, name, sopts...)
	if len(resp.Errors) > 0 {
		recordErrorCode(span, errorCode(resp.Errors[0]))
	}
	span.End()
	return resp
}

// InterceptField makes a span for a resolver of a traced operation, within
// the operation's budget. Plain reads of struct fields (IsResolver false)
// are not traced. gqlgen resolves a field's children with the context its
// resolver was given, so a resolver's span is the parent of the spans of
// the resolvers below it, although they run after it has returned.
func (e *tracingExt) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	if e.maxFields <= 0 {
		return next(ctx)
	}
	st, _ := ctx.Value(opTraceKey{}).(*opTrace)
	if st == nil || !st.recording {
		return next(ctx)
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver || fc.Field.Field == nil {
		return next(ctx)
	}
	if st.fields.Add(1) > e.maxFields {
		st.dropped.Add(1)
		return next(ctx)
	}
	ctx, span := st.tracer.Start(ctx, fc.Object+"."+fc.Field.Name, trace.WithAttributes(
		attrFieldParent.String(fc.Object),
		attrFieldName.String(fc.Field.Name),
		attrFieldPath.String(fc.Path().String()),
	))
	defer span.End()
	res, err := next(ctx)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	return res, err
}

// operationCost is the cost that the limits extension recorded in stats.
func operationCost(stats *graphql.Stats) (int64, bool) {
	v := reflect.ValueOf(stats.GetExtension(limitsExtension))
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 0, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return 0, false
	}
	f := v.FieldByName("Cost")
	if !f.IsValid() || !f.CanInt() {
		return 0, false
	}
	return f.Int(), true
}

// StoreSpan starts a span for a store transaction of kind "read" or
// "write" (anything else is "other") under the span of ctx, and returns the
// func that ends it. When ctx carries no recording span it starts nothing,
// and the func does nothing. Its shape, func(context.Context, string)
// func(), lets the store take it as a hook without importing this package.
func StoreSpan(ctx context.Context, kind string) (end func()) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return noEnd
	}
	tr, ok := tracer()
	if !ok {
		return noEnd
	}
	switch kind {
	case "read", "write":
	default:
		kind = "other"
	}
	_, span := tr.Start(ctx, "store."+kind, trace.WithAttributes(attrStoreKind.String(kind)))
	return func() { span.End() }
}

func noEnd() {}
