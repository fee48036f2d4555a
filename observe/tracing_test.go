package observe_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/testserver"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2"
	gqlast "github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"tupu/observe"
)

// recordSpans installs an SDK tracer provider that keeps finished spans in
// memory, with the W3C propagator, until the test ends.
func recordSpans(t *testing.T) *tracetest.InMemoryExporter {
	t.Helper()
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
		tp.Shutdown(context.Background())
	})
	return exp
}

// fakeLimits stands in for graph/limits, whose init would change the HTTP
// status of limit errors for the other tests of this package: it records
// Stats with a Cost under the same extension name, and refuses more than
// one alias with ALIAS_LIMIT.
type fakeLimits struct{}

type fakeStats struct{ Cost, Aliases int }

func (fakeLimits) ExtensionName() string                   { return "OperationLimits" }
func (fakeLimits) Validate(graphql.ExecutableSchema) error { return nil }
func (fakeLimits) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	s := &fakeStats{}
	for _, sel := range rc.Operation.SelectionSet {
		if f, ok := sel.(*gqlast.Field); ok {
			s.Cost++
			if f.Alias != f.Name {
				s.Aliases++
			}
		}
	}
	rc.Stats.SetExtension("OperationLimits", s)
	if s.Aliases > 1 {
		e := gqlerror.Errorf("too many aliases")
		e.Extensions = map[string]any{"code": "ALIAS_LIMIT"}
		return e
	}
	return nil
}

// The cost is read, by name and by reflection, from what graph/limits
// records: check that it still records it so.
func TestLimitsStatsShape(t *testing.T) {
	paths, err := filepath.Glob("../graph/limits/*.go")
	if err != nil || len(paths) == 0 {
		t.Fatalf("graph/limits sources: %v %v", paths, err)
	}
	var name string
	var cost bool
	fset := token.NewFileSet()
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		{
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.ValueSpec:
					for i, id := range n.Names {
						if id.Name == "ExtensionName" && i < len(n.Values) {
							if lit, ok := n.Values[i].(*ast.BasicLit); ok {
								name = strings.Trim(lit.Value, "`\"")
							}
						}
					}
				case *ast.TypeSpec:
					if st, ok := n.Type.(*ast.StructType); ok && n.Name.Name == "Stats" {
						for _, fld := range st.Fields.List {
							for _, id := range fld.Names {
								if typ, ok := fld.Type.(*ast.Ident); ok && id.Name == "Cost" && typ.Name == "int" {
									cost = true
								}
							}
						}
					}
				}
				return true
			})
		}
	}
	if name != "OperationLimits" || !cost {
		t.Errorf("graph/limits: ExtensionName = %q, Stats.Cost int: %v; want \"OperationLimits\" and true (observe/tracing.go reads them)", name, cost)
	}
}

// restoreTracing puts back the global provider and propagator when the
// test ends (StartTracing replaces them). Call it once per test: it compares
// the saved values with the current ones, which must not both be composite
// propagators (uncomparable).
func restoreTracing(t *testing.T) {
	t.Helper()
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() {
		if otel.GetTracerProvider() != prevTP {
			otel.SetTracerProvider(prevTP)
		}
		if otel.GetTextMapPropagator() != prevProp {
			otel.SetTextMapPropagator(prevProp)
		}
	})
}

// waitSpans waits for n finished spans: the server span ends after the
// client has read the response.
func waitSpans(t *testing.T, exp *tracetest.InMemoryExporter, n int) tracetest.SpanStubs {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		spans := exp.GetSpans()
		if len(spans) >= n {
			if len(spans) > n {
				t.Errorf("%d spans, want %d: %v", len(spans), n, spanNames(spans))
			}
			return spans
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d spans after 5 s, want %d: %v", len(spans), n, spanNames(spans))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func spanNames(spans tracetest.SpanStubs) []string {
	var names []string
	for _, s := range spans {
		names = append(names, s.Name)
	}
	return names
}

func findSpan(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range spans {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no span %q in %v", name, spanNames(spans))
	return tracetest.SpanStub{}
}

func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

func wantAttr(t *testing.T, s tracetest.SpanStub, key, want string) {
	t.Helper()
	v, ok := attrs(s)[attribute.Key(key)]
	if !ok {
		t.Errorf("span %q has no %s; attributes %v", s.Name, key, s.Attributes)
		return
	}
	if got := v.Emit(); got != want {
		t.Errorf("span %q: %s = %q, want %q", s.Name, key, got, want)
	}
}

func noAttr(t *testing.T, s tracetest.SpanStub, key string) {
	t.Helper()
	if v, ok := attrs(s)[attribute.Key(key)]; ok {
		t.Errorf("span %q: %s = %q, want none", s.Name, key, v.Emit())
	}
}

// tracePost posts a GraphQL request and returns the status and body.
func tracePost(t *testing.T, url, query, operationName string, header http.Header) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": operationName})
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// tracedService is the test server's schema behind Tracing, fakeLimits
// and TraceHTTP around a mux, as tupu wires them.
func tracedService(t *testing.T) string {
	t.Helper()
	gql := testserver.New()
	gql.AddTransport(transport.POST{})
	gql.Use(observe.Tracing())
	gql.Use(fakeLimits{})
	mux := http.NewServeMux()
	mux.Handle("/graphql", gql)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts := httptest.NewServer(observe.TraceHTTP(observe.NewMetrics().Middleware(log, mux)))
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestTracingOperation(t *testing.T) {
	exp := recordSpans(t)
	url := tracedService(t)

	if code, body := tracePost(t, url+"/graphql", "query Hello { name }", "Hello", nil); code != 200 || strings.Contains(body, "errors") {
		t.Fatalf("Hello: %d %s", code, body)
	}
	spans := waitSpans(t, exp, 2)
	srv := findSpan(t, spans, "POST /graphql")
	op := findSpan(t, spans, "Hello")
	if srv.SpanKind != trace.SpanKindServer {
		t.Errorf("server span kind = %v", srv.SpanKind)
	}
	wantAttr(t, srv, "http.request.method", "POST")
	wantAttr(t, srv, "http.route", "/graphql")
	wantAttr(t, srv, "http.response.status_code", "200")
	if id := attrs(srv)["tupu.request_id"].AsString(); len(id) != 16 {
		t.Errorf("tupu.request_id = %q, want the middleware's id", id)
	}
	if srv.Parent.IsValid() {
		t.Errorf("server span has a parent %v without a traceparent", srv.Parent)
	}
	if op.Parent.SpanID() != srv.SpanContext.SpanID() || op.SpanContext.TraceID() != srv.SpanContext.TraceID() {
		t.Errorf("operation span's parent = %v, want the server span %v", op.Parent, srv.SpanContext)
	}
	wantAttr(t, op, "graphql.operation.type", "query")
	wantAttr(t, op, "graphql.operation.name", "Hello")
	wantAttr(t, op, "tupu.graphql.cost", "1") // fakeLimits' cost of { name }
	noAttr(t, op, "graphql.error.code")
	if op.Status.Code != codes.Unset {
		t.Errorf("operation status = %v", op.Status)
	}
	if !op.StartTime.After(srv.StartTime) || op.EndTime.After(srv.EndTime) {
		t.Errorf("operation span [%v, %v] is not inside the server span [%v, %v]", op.StartTime, op.EndTime, srv.StartTime, srv.EndTime)
	}

	// Without operationName the document's one operation names the span;
	// an anonymous one is "anonymous".
	exp.Reset()
	tracePost(t, url+"/graphql", "{ name }", "", nil)
	op = findSpan(t, waitSpans(t, exp, 2), "anonymous")
	wantAttr(t, op, "graphql.operation.name", "anonymous")

	// Probes are not traced.
	exp.Reset()
	res, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	time.Sleep(20 * time.Millisecond)
	if spans := exp.GetSpans(); len(spans) != 0 {
		t.Errorf("GET /healthz made spans %v", spanNames(spans))
	}
}

func TestTracingErrors(t *testing.T) {
	exp := recordSpans(t)
	url := tracedService(t)

	cases := []struct {
		query, name string
		status      int
		opType      string // "" when the operation never ran
		code        string
		cost        bool
	}{
		// Refused by the limits extension before it ran, with its cost.
		{"query Heavy { a: name b: name }", "Heavy", 0, "query", "ALIAS_LIMIT", true},
		// Refused by validation.
		{"query Broken { nope }", "Broken", 422, "", "GRAPHQL_VALIDATION_FAILED", false},
		// Failed to parse: the name comes from operationName, bounded.
		{"query {", "bad name!", 422, "", "GRAPHQL_PARSE_FAILED", false},
		// Ran and failed: the test server's error has no code.
		{"mutation Change { name }", "Change", 200, "mutation", "UNKNOWN", true},
	}
	for _, c := range cases {
		exp.Reset()
		code, body := tracePost(t, url+"/graphql", c.query, c.name, nil)
		if c.status != 0 && code != c.status {
			t.Errorf("%s: HTTP %d, want %d: %s", c.name, code, c.status, body)
		}
		spans := waitSpans(t, exp, 2)
		srv := findSpan(t, spans, "POST /graphql")
		want := c.name
		if want == "bad name!" {
			want = "other"
		}
		op := findSpan(t, spans, want)
		if op.Parent.SpanID() != srv.SpanContext.SpanID() {
			t.Errorf("%s: operation span is not the server span's child", c.name)
		}
		wantAttr(t, op, "graphql.error.code", c.code)
		wantAttr(t, op, "error.type", c.code)
		if op.Status.Code != codes.Error || op.Status.Description != c.code {
			t.Errorf("%s: status = %v, want Error %s", c.name, op.Status, c.code)
		}
		if c.opType != "" {
			wantAttr(t, op, "graphql.operation.type", c.opType)
		} else {
			noAttr(t, op, "graphql.operation.type")
		}
		if _, ok := attrs(op)["tupu.graphql.cost"]; ok != c.cost {
			t.Errorf("%s: has tupu.graphql.cost = %v, want %v", c.name, ok, c.cost)
		}
		if c.status == 422 {
			wantAttr(t, srv, "http.response.status_code", "422")
		}
	}
}

func TestTraceHTTPContinuesTraceparent(t *testing.T) {
	exp := recordSpans(t)
	url := tracedService(t)

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	h := http.Header{"Traceparent": {"00-" + traceID + "-" + parentID + "-01"}}
	if code, body := tracePost(t, url+"/graphql", "query Hello { name }", "Hello", h); code != 200 {
		t.Fatalf("Hello: %d %s", code, body)
	}
	spans := waitSpans(t, exp, 2)
	srv, op := findSpan(t, spans, "POST /graphql"), findSpan(t, spans, "Hello")
	if got := srv.SpanContext.TraceID().String(); got != traceID {
		t.Errorf("server span's trace id = %s, want %s", got, traceID)
	}
	if got := srv.Parent.SpanID().String(); got != parentID || !srv.Parent.IsRemote() {
		t.Errorf("server span's parent = %s (remote %v), want the remote %s", got, srv.Parent.IsRemote(), parentID)
	}
	if got := op.SpanContext.TraceID().String(); got != traceID {
		t.Errorf("operation span's trace id = %s, want %s", got, traceID)
	}
}

// resolverSchema runs, for any query, the resolver fields Query.a, Query.b
// and Query.c and the plain field Query.name through the resolver
// middleware, and then the resolver field A.d below a, as generated code
// does: a field's children get the context its resolver was given. c fails.
func resolverSchema(t *testing.T, sawSpan *trace.SpanContext) *handler.Server {
	schema := gqlparser.MustLoadSchema(&gqlast.Source{Input: `type Query { a: A b: Int c: Int name: String } type A { d: Int }`})
	var mu sync.Mutex
	field := func(ctx context.Context, object, name string, resolver bool) context.Context {
		fc := &graphql.FieldContext{
			Parent:     graphql.GetFieldContext(ctx),
			Object:     object,
			IsResolver: resolver,
			IsMethod:   resolver,
			Field: graphql.CollectedField{Field: &gqlast.Field{
				Name: name, Alias: name, Definition: schema.Types[object].Fields.ForName(name),
			}},
		}
		ctx = graphql.WithFieldContext(ctx, fc)
		graphql.GetOperationContext(ctx).ResolverMiddleware(ctx, func(rctx context.Context) (any, error) {
			ctx = rctx // as gqlgen's resolveField does
			if name == "a" && sawSpan != nil {
				mu.Lock()
				*sawSpan = trace.SpanContextFromContext(rctx)
				mu.Unlock()
			}
			if name == "c" {
				return nil, io.ErrUnexpectedEOF
			}
			return 1, nil
		})
		return ctx
	}
	srv := handler.New(&graphql.ExecutableSchemaMock{
		SchemaFunc: func() *gqlast.Schema { return schema },
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			ran := false
			return func(ctx context.Context) *graphql.Response {
				if ran {
					return nil
				}
				ran = true
				actx := field(ctx, "Query", "a", true)
				field(ctx, "Query", "b", true)
				field(ctx, "Query", "c", true)
				field(ctx, "Query", "name", false)
				field(actx, "A", "d", true)
				return &graphql.Response{Data: []byte(`{"a":{"d":1},"b":1,"c":null,"name":"x"}`)}
			}
		},
	})
	srv.AddTransport(transport.POST{})
	return srv
}

func TestTracingResolvers(t *testing.T) {
	exp := recordSpans(t)
	gql := resolverSchema(t, nil)
	gql.Use(observe.Tracing())
	ts := httptest.NewServer(observe.TraceHTTP(gql))
	defer ts.Close()

	tracePost(t, ts.URL, "query Q { a { d } b c name }", "Q", nil)
	spans := waitSpans(t, exp, 6) // server, operation, a, b, c, d
	op := findSpan(t, spans, "Q")
	for _, name := range []string{"a", "b", "c"} {
		f := findSpan(t, spans, "Query."+name)
		if f.Parent.SpanID() != op.SpanContext.SpanID() {
			t.Errorf("Query.%s's parent is not the operation span", name)
		}
		wantAttr(t, f, "graphql.field.name", name)
		wantAttr(t, f, "graphql.field.path", name)
		wantAttr(t, f, "graphql.field.parent_type", "Query")
		if wantErr := name == "c"; (f.Status.Code == codes.Error) != wantErr {
			t.Errorf("Query.%s status = %v", name, f.Status)
		}
	}
	// A resolver below another is its child, though it runs after the
	// parent's resolver returned.
	d := findSpan(t, spans, "A.d")
	if d.Parent.SpanID() != findSpan(t, spans, "Query.a").SpanContext.SpanID() {
		t.Errorf("A.d's parent is not Query.a")
	}
	wantAttr(t, d, "graphql.field.path", "a.d")
	noAttr(t, op, "tupu.graphql.resolver_spans_dropped")

	// A budget of 1 resolver span per operation.
	exp.Reset()
	gql = resolverSchema(t, nil)
	gql.Use(observe.Tracing(observe.TraceResolvers(1)))
	ts2 := httptest.NewServer(observe.TraceHTTP(gql))
	defer ts2.Close()
	tracePost(t, ts2.URL, "query Q { a { d } b c name }", "Q", nil)
	spans = waitSpans(t, exp, 3)
	findSpan(t, spans, "Query.a")
	wantAttr(t, findSpan(t, spans, "Q"), "tupu.graphql.resolver_spans_dropped", "3")

	// Resolver spans off.
	exp.Reset()
	gql = resolverSchema(t, nil)
	gql.Use(observe.Tracing(observe.TraceResolvers(0)))
	ts3 := httptest.NewServer(observe.TraceHTTP(gql))
	defer ts3.Close()
	tracePost(t, ts3.URL, "query Q { a { d } b c name }", "Q", nil)
	waitSpans(t, exp, 2)
}

func TestStoreSpan(t *testing.T) {
	observe.StoreSpan(context.Background(), "read")() // no span, no provider: nothing

	exp := recordSpans(t)
	observe.StoreSpan(context.Background(), "read")() // no parent span: nothing
	ctx, parent := otel.Tracer("test").Start(context.Background(), "parent")
	observe.StoreSpan(ctx, "write")()
	observe.StoreSpan(ctx, "drop table")()
	parent.End()
	spans := waitSpans(t, exp, 3)
	w := findSpan(t, spans, "store.write")
	if w.Parent.SpanID() != parent.SpanContext().SpanID() {
		t.Error("store.write is not the parent's child")
	}
	wantAttr(t, findSpan(t, spans, "store.other"), "tupu.store.kind", "other")
}

// With no provider installed, nothing is traced and a resolver costs no
// allocation.
func TestTracingOff(t *testing.T) {
	var saw trace.SpanContext
	gql := resolverSchema(t, &saw)
	gql.Use(observe.Tracing())
	var inner trace.SpanContext
	ts := httptest.NewServer(observe.TraceHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner = trace.SpanContextFromContext(r.Context())
		gql.ServeHTTP(w, r)
	})))
	defer ts.Close()
	h := http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}
	if code, body := tracePost(t, ts.URL, "query Q { a { d } }", "Q", h); code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if inner.IsValid() || saw.IsValid() {
		t.Errorf("a span context with tracing off: handler %v, resolver %v", inner, saw)
	}

	ext := observe.Tracing().(graphql.FieldInterceptor)
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{
		Object: "Query", IsResolver: true,
		Field: graphql.CollectedField{Field: &gqlast.Field{Name: "a", Alias: "a"}},
	})
	next := func(context.Context) (any, error) { return nil, nil }
	if n := testing.AllocsPerRun(100, func() { ext.InterceptField(ctx, next) }); n != 0 {
		t.Errorf("InterceptField with tracing off allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { observe.StoreSpan(ctx, "read")() }); n != 0 {
		t.Errorf("StoreSpan with tracing off allocates %v times", n)
	}
}

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestStartTracingOff(t *testing.T) {
	restoreTracing(t)
	before := otel.GetTracerProvider()
	for _, vars := range []map[string]string{
		{},
		{"OTEL_SERVICE_NAME": "x"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_SDK_DISABLED": "TRUE"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_TRACES_EXPORTER": "none"},
	} {
		shutdown, enabled, err := observe.StartTracing(context.Background(), env(vars))
		if err != nil || enabled {
			t.Errorf("%v: enabled %v, err %v", vars, enabled, err)
		}
		if err := shutdown(context.Background()); err != nil {
			t.Errorf("%v: shutdown: %v", vars, err)
		}
		if otel.GetTracerProvider() != before {
			t.Fatalf("%v: StartTracing installed a provider", vars)
		}
	}
	for _, vars := range []map[string]string{
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "127.0.0.1:4318"},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "ftp://127.0.0.1"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_TRACES_EXPORTER": "zipkin"},
	} {
		shutdown, enabled, err := observe.StartTracing(context.Background(), env(vars))
		if err == nil || enabled || shutdown == nil {
			t.Errorf("%v: enabled %v, err %v; want an error", vars, enabled, err)
		}
		if otel.GetTracerProvider() != before {
			t.Fatalf("%v: StartTracing installed a provider", vars)
		}
	}
}

// collector counts OTLP/HTTP trace exports and keeps the spans' names and
// service names.
type collector struct {
	mu       sync.Mutex
	posts    map[string]int // by path
	spans    []string
	services []string
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		body = zr
	}
	b, _ := io.ReadAll(body)
	var req collectortrace.ExportTraceServiceRequest
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-protobuf" || proto.Unmarshal(b, &req) != nil {
		http.Error(w, "want a protobuf POST", 400)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.posts[r.URL.Path]++
	for _, rs := range req.GetResourceSpans() {
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				c.services = append(c.services, kv.GetValue().GetStringValue())
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				c.spans = append(c.spans, s.GetName())
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(nil)
}

func TestStartTracingExports(t *testing.T) {
	c := &collector{posts: map[string]int{}}
	ts := httptest.NewServer(c) // loopback
	defer ts.Close()

	cases := []struct {
		vars     map[string]string
		path     string
		services string
	}{
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": ts.URL}, "/v1/traces", "tupu"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": ts.URL + "/otlp/", "OTEL_SERVICE_NAME": "tupu-test"}, "/otlp/v1/traces", "tupu-test"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": ts.URL + "/custom", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}, "/custom", "tupu"},
	}
	restoreTracing(t)
	for _, tc := range cases {
		c.mu.Lock()
		clear(c.posts)
		c.spans, c.services = nil, nil
		c.mu.Unlock()

		shutdown, enabled, err := observe.StartTracing(context.Background(), env(tc.vars))
		if err != nil || !enabled {
			t.Fatalf("%v: enabled %v, err %v", tc.vars, enabled, err)
		}
		// A request through TraceHTTP makes a server span with the
		// installed provider.
		h := observe.TraceHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, s := otel.Tracer("test").Start(r.Context(), "inner")
			s.End()
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/graphql", nil))

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := shutdown(ctx); err != nil {
			t.Errorf("%v: shutdown: %v", tc.vars, err)
		}
		cancel()
		if err := shutdown(context.Background()); err != nil {
			t.Errorf("second shutdown: %v", err)
		}
		c.mu.Lock()
		if c.posts[tc.path] == 0 || len(c.posts) != 1 {
			t.Errorf("%v: posts %v, want to %s", tc.vars, c.posts, tc.path)
		}
		if got := strings.Join(c.spans, ","); !strings.Contains(got, "inner") || !strings.Contains(got, "POST /graphql") {
			t.Errorf("%v: exported spans %v", tc.vars, c.spans)
		}
		for _, s := range c.services {
			if s != tc.services {
				t.Errorf("%v: service.name %q, want %q", tc.vars, s, tc.services)
			}
		}
		if len(c.services) == 0 {
			t.Errorf("%v: no service.name", tc.vars)
		}
		c.mu.Unlock()
	}
}
