package observe_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/testserver"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"tupu/observe"
)

// logBuffer collects JSON log lines written from server goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the decoded log records with the given msg, waiting a
// little for n of them: the access line is written as the handler ends,
// which may be just after the client has its response.
func (b *logBuffer) lines(t *testing.T, msg string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
			if l == "" {
				continue
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Fatalf("log line %q: %v", l, err)
			}
			if rec["msg"] == msg {
				out = append(out, rec)
			}
		}
		if len(out) >= n || time.Now().After(deadline) {
			if len(out) != n {
				t.Fatalf("got %d %q log lines, want %d:\n%s", len(out), msg, n, b.String())
			}
			return out
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewJSONHandler(b, nil)), b
}

func TestRequestID(t *testing.T) {
	m := observe.NewMetrics()
	log, logs := newLogger()
	var mu sync.Mutex
	var seen []string
	h := m.Middleware(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := observe.RequestID(r.Context())
		mu.Lock()
		seen = append(seen, id)
		mu.Unlock()
		if got := w.Header().Get("X-Request-Id"); got != id {
			t.Errorf("response header before the handler writes = %q, want %q", got, id)
		}
		observe.Logger(r.Context()).Info("inner")
		io.WriteString(w, "hello")
	}))
	ts := httptest.NewServer(h)
	defer ts.Close()

	hex16 := regexp.MustCompile(`^[0-9a-f]{16}$`)
	cases := []struct {
		name, sent string
		keep       bool
	}{
		{"none", "", false},
		{"valid", "abc-123.X_y", true},
		{"valid 64", strings.Repeat("a", 64), true},
		{"too long", strings.Repeat("a", 65), false},
		{"space", "has space", false},
		{"non-ascii", "ünï", false},
		{"slash", "a/b", false},
	}
	const secret = "query{ secretField(password: \"hunter2\") }"
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.URL+"/graphql?query="+url.QueryEscape(secret), nil)
			if c.sent != "" {
				req.Header.Set("X-Request-Id", c.sent)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			got := res.Header.Get("X-Request-Id")
			if c.keep && got != c.sent {
				t.Errorf("X-Request-Id = %q, want the client's %q", got, c.sent)
			}
			if !c.keep && !hex16.MatchString(got) {
				t.Errorf("X-Request-Id = %q, want 16 generated hex characters", got)
			}
			mu.Lock()
			inHandler := seen[i]
			mu.Unlock()
			if inHandler != got {
				t.Errorf("RequestID(ctx) = %q, response header %q", inHandler, got)
			}
		})
	}

	access := logs.lines(t, "http request", len(cases))
	inner := logs.lines(t, "inner", len(cases))
	for i, rec := range access {
		if rec["request_id"] != seen[i] || inner[i]["request_id"] != seen[i] {
			t.Errorf("request %d: access log request_id %v, inner %v, want %q", i, rec["request_id"], inner[i]["request_id"], seen[i])
		}
		if rec["path"] != "/graphql" || rec["method"] != "GET" || rec["status"] != float64(200) || rec["bytes"] != float64(5) {
			t.Errorf("access line %v", rec)
		}
		for _, k := range []string{"duration", "remote"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("access line lacks %s: %v", k, rec)
			}
		}
	}
	all := logs.String()
	for _, leak := range []string{"secretField", "hunter2", "query=", "?"} {
		if strings.Contains(all, leak) {
			t.Errorf("log holds %q from the query string:\n%s", leak, all)
		}
	}
}

// limitExt rejects the operation named Heavy as a complexity limit would.
type limitExt struct{}

func (limitExt) ExtensionName() string                   { return "TestLimit" }
func (limitExt) Validate(graphql.ExecutableSchema) error { return nil }
func (limitExt) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if opCtx.OperationName == "Heavy" {
		return &gqlerror.Error{Message: "too complex", Extensions: map[string]any{"code": "COMPLEXITY_LIMIT"}}
	}
	return nil
}

func post(t *testing.T, url, query, operationName string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": operationName})
	res, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("Content-Type %q, want the text exposition format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// value returns the counter value, or the histogram's sample count, of the
// series of family name whose labels are exactly want; -1 when absent.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, mt := range f.GetMetric() {
		if len(mt.GetLabel()) != len(want) {
			continue
		}
		for _, l := range mt.GetLabel() {
			if v, ok := want[l.GetName()]; !ok || v != l.GetValue() {
				continue next
			}
		}
		switch {
		case mt.Counter != nil:
			return mt.GetCounter().GetValue()
		case mt.Histogram != nil:
			return float64(mt.GetHistogram().GetSampleCount())
		case mt.Gauge != nil:
			return mt.GetGauge().GetValue()
		}
	}
	return -1
}

func labelValues(fams map[string]*dto.MetricFamily, name, label string) map[string]bool {
	out := map[string]bool{}
	if f := fams[name]; f != nil {
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == label {
					out[l.GetValue()] = true
				}
			}
		}
	}
	return out
}

func newService(t *testing.T, m *observe.Metrics) *httptest.Server {
	t.Helper()
	gql := testserver.New()
	gql.AddTransport(transport.GET{})
	gql.AddTransport(transport.POST{})
	gql.Use(m.GraphQL())
	gql.Use(limitExt{})
	mux := http.NewServeMux()
	mux.Handle("/graphql", gql)
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("GET /readyz", observe.Ready(observe.Check{Name: "store", Probe: func(context.Context) (bool, string) { return true, "ready" }}))
	log, _ := newLogger()
	ts := httptest.NewServer(m.Middleware(log, mux))
	t.Cleanup(ts.Close)
	return ts
}

func TestGraphQLMetrics(t *testing.T) {
	m := observe.NewMetrics()
	// The server's own documents; Unknown's name is not among them.
	m.KnowOperations("query Hello { name } query Broken { nope }", "query Heavy { name }", "mutation Change { name }", "query ViaGet { name }", "query {")
	ts := newService(t, m)
	gqlURL := ts.URL + "/graphql"

	if code, body := post(t, gqlURL, "query Hello { name }", "Hello"); code != 200 || strings.Contains(body, "errors") {
		t.Fatalf("Hello: %d %s", code, body)
	}
	if code, body := post(t, gqlURL, "query Hello { name }", ""); code != 200 || strings.Contains(body, "errors") {
		t.Fatalf("Hello without operationName: %d %s", code, body)
	}
	if code, body := post(t, gqlURL, "{ name }", ""); code != 200 || strings.Contains(body, "errors") {
		t.Fatalf("anonymous: %d %s", code, body)
	}
	if code, body := post(t, gqlURL, "query Broken { nope }", "Broken"); code != 422 || !strings.Contains(body, "GRAPHQL_VALIDATION_FAILED") {
		t.Fatalf("Broken: %d %s", code, body)
	}
	if code, body := post(t, gqlURL, "query {", "bad name!"); code != 422 || !strings.Contains(body, "GRAPHQL_PARSE_FAILED") {
		t.Fatalf("parse failure: %d %s", code, body)
	}
	if _, body := post(t, gqlURL, "query Heavy { name }", "Heavy"); !strings.Contains(body, "COMPLEXITY_LIMIT") {
		t.Fatalf("Heavy: %s", body)
	}
	// The test server answers a mutation with an error that has no code.
	if _, body := post(t, gqlURL, "mutation Change { name }", "Change"); !strings.Contains(body, "not supported") {
		t.Fatalf("Change: %s", body)
	}
	// A name the server does not know is "other".
	if code, body := post(t, gqlURL, "query Unknown { name }", "Unknown"); code != 200 || strings.Contains(body, "errors") {
		t.Fatalf("Unknown: %d %s", code, body)
	}
	// A GET also counts.
	res, err := http.Get(gqlURL + "?query=" + url.QueryEscape("query ViaGet { name }"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()

	fams := scrape(t, ts.URL+"/metrics")
	req := func(op, outcome, code string) float64 {
		return value(fams, "tupu_graphql_requests_total", map[string]string{"operation": op, "outcome": outcome, "code": code})
	}
	for _, c := range []struct {
		op, outcome, code string
		want              float64
	}{
		{"Hello", "ok", "", 2}, // once each, not once per interceptor
		{"anonymous", "ok", "", 1},
		{"Broken", "error", "GRAPHQL_VALIDATION_FAILED", 1},
		{"other", "error", "GRAPHQL_PARSE_FAILED", 1},
		{"other", "ok", "", 1}, // Unknown
		{"Heavy", "error", "COMPLEXITY_LIMIT", 1},
		{"Change", "error", "UNKNOWN", 1},
		{"ViaGet", "ok", "", 1},
	} {
		if got := req(c.op, c.outcome, c.code); got != c.want {
			t.Errorf("tupu_graphql_requests_total{operation=%q,outcome=%q,code=%q} = %v, want %v", c.op, c.outcome, c.code, got, c.want)
		}
	}
	if f := fams["tupu_graphql_requests_total"]; f == nil || len(f.GetMetric()) != 8 {
		t.Errorf("tupu_graphql_requests_total has unexpected series: %v", f)
	}
	for op, want := range map[string]float64{"Hello": 2, "anonymous": 1, "Broken": 1, "other": 2, "Heavy": 1, "Change": 1} {
		if got := value(fams, "tupu_graphql_request_duration_seconds", map[string]string{"operation": op}); got != want {
			t.Errorf("tupu_graphql_request_duration_seconds{operation=%q} count = %v, want %v", op, got, want)
		}
	}
	if got := value(fams, "tupu_graphql_limit_rejections_total", map[string]string{"limit": "complexity"}); got != 1 {
		t.Errorf(`tupu_graphql_limit_rejections_total{limit="complexity"} = %v, want 1`, got)
	}
	if got := labelValues(fams, "tupu_graphql_limit_rejections_total", "limit"); len(got) != 1 {
		t.Errorf("limit labels %v, want only complexity", got)
	}
	if got := value(fams, "tupu_http_requests_total", map[string]string{"method": "POST", "path": "/graphql", "status": "200"}); got != 6 {
		t.Errorf(`tupu_http_requests_total{method="POST",path="/graphql",status="200"} = %v, want 6`, got)
	}
	if got := value(fams, "tupu_http_requests_total", map[string]string{"method": "POST", "path": "/graphql", "status": "422"}); got != 2 {
		t.Errorf(`tupu_http_requests_total{method="POST",path="/graphql",status="422"} = %v, want 2`, got)
	}
	if got := value(fams, "tupu_http_request_duration_seconds", map[string]string{"path": "/graphql"}); got != 9 {
		t.Errorf(`tupu_http_request_duration_seconds{path="/graphql"} count = %v, want 9`, got)
	}
	if fams["go_goroutines"] == nil {
		t.Error("the Go runtime collector is missing")
	}
}

func TestPathCardinality(t *testing.T) {
	m := observe.NewMetrics()
	ts := newService(t, m)
	const n = 40
	for i := range n {
		p := fmt.Sprintf("/%x/%d", rand.Uint64(), i)
		method := "GET"
		if i%2 == 1 {
			method = fmt.Sprintf("M%d", i) // a made-up method
		}
		req, _ := http.NewRequest(method, ts.URL+p, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	for _, p := range []string{"/readyz", "/playground/assets/a.js", "/playground/assets/b/c.css"} {
		res, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	fams := scrape(t, ts.URL+"/metrics")
	paths := labelValues(fams, "tupu_http_requests_total", "path")
	for p := range paths {
		switch p {
		case "other", "/readyz", "/playground/assets/":
		default:
			t.Errorf("unexpected path label %q", p)
		}
	}
	if len(paths) != 3 {
		t.Errorf("path labels %v", paths)
	}
	methods := labelValues(fams, "tupu_http_requests_total", "method")
	if len(methods) != 2 || !methods["GET"] || !methods["OTHER"] {
		t.Errorf("method labels %v, want GET and OTHER", methods)
	}
	if got := value(fams, "tupu_http_request_duration_seconds", map[string]string{"path": "other"}); got != n {
		t.Errorf(`duration count for path "other" = %v, want %d`, got, n)
	}
	if got := value(fams, "tupu_http_request_duration_seconds", map[string]string{"path": "/playground/assets/"}); got != 2 {
		t.Errorf(`duration count for path "/playground/assets/" = %v, want 2`, got)
	}
}

func TestStoreAndCacheMetrics(t *testing.T) {
	m := observe.NewMetrics()
	var hook func(string, time.Duration) = m.ObserveStoreTx // what the store takes
	hook("read", 3*time.Millisecond)
	hook("read", 20*time.Microsecond)
	hook("write", 40*time.Millisecond)
	hook("something else", time.Millisecond)
	m.CacheHit("entity")
	m.CacheHit("entity")
	m.CacheMiss("entity")
	m.CacheMiss("query doc") // not an identifier: "other"

	var nilMetrics *observe.Metrics // no-ops, no panic
	nilMetrics.ObserveStoreTx("read", time.Second)
	nilMetrics.CacheHit("entity")
	nilMetrics.CacheMiss("entity")

	ts := httptest.NewServer(m.Handler())
	defer ts.Close()
	fams := scrape(t, ts.URL)
	for kind, want := range map[string]float64{"read": 2, "write": 1, "other": 1} {
		if got := value(fams, "tupu_store_transaction_duration_seconds", map[string]string{"kind": kind}); got != want {
			t.Errorf("store tx count{kind=%q} = %v, want %v", kind, got, want)
		}
	}
	h := fams["tupu_store_transaction_duration_seconds"]
	for _, mt := range h.GetMetric() {
		if mt.GetLabel()[0].GetValue() == "write" && mt.GetHistogram().GetSampleSum() != 0.04 {
			t.Errorf("write sum = %v, want 0.04", mt.GetHistogram().GetSampleSum())
		}
	}
	for _, c := range []struct {
		cache, result string
		want          float64
	}{{"entity", "hit", 2}, {"entity", "miss", 1}, {"other", "miss", 1}} {
		if got := value(fams, "tupu_cache_requests_total", map[string]string{"cache": c.cache, "result": c.result}); got != c.want {
			t.Errorf("tupu_cache_requests_total{cache=%q,result=%q} = %v, want %v", c.cache, c.result, got, c.want)
		}
	}
}

func TestFlusherThroughMiddleware(t *testing.T) {
	m := observe.NewMetrics()
	log, logs := newLogger()
	release := make(chan struct{})
	ts := httptest.NewServer(m.Middleware(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := w.(http.Flusher) // how gqlgen's SSE transport asks
		if !ok {
			t.Error("the wrapped writer is not an http.Flusher")
			return
		}
		rc := http.NewResponseController(w) // and the modern way, through Unwrap
		if err := rc.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Errorf("SetWriteDeadline through the wrapper: %v", err)
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		f.Flush()
		<-release // the client must see "one" before the handler returns
		io.WriteString(w, "data: two\n\n")
		if err := rc.Flush(); err != nil {
			t.Errorf("ResponseController.Flush: %v", err)
		}
	})))
	defer ts.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	res, err := http.Get(ts.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	got := make(chan string, 1)
	go func() {
		l, _ := br.ReadString('\n')
		got <- l
	}()
	select {
	case l := <-got:
		if l != "data: one\n" {
			t.Fatalf("first line %q", l)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the flushed event did not reach the client before the handler returned")
	}
	close(release)
	rest, _ := io.ReadAll(br)
	if string(rest) != "\ndata: two\n\n" {
		t.Errorf("rest %q", rest)
	}
	rec := logs.lines(t, "http request", 1)[0]
	if rec["status"] != float64(200) || rec["bytes"] != float64(len("data: one\n\ndata: two\n\n")) || rec["path"] != "/events" {
		t.Errorf("access line %v", rec)
	}
}

func TestPanicIsLoggedAs500(t *testing.T) {
	m := observe.NewMetrics()
	log, logs := newLogger()
	ts := httptest.NewServer(m.Middleware(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler) // net/http aborts quietly
	})))
	defer ts.Close()
	if res, err := http.Get(ts.URL + "/graphql"); err == nil {
		res.Body.Close()
	}
	rec := logs.lines(t, "http request", 1)[0]
	if rec["status"] != float64(500) || rec["level"] != "WARN" {
		t.Errorf("access line %v", rec)
	}
}

// TestReady: readiness reports each part apart; an optional part that is
// not ready leaves the service ready unless ?all asks for everything.
func TestReady(t *testing.T) {
	var mu sync.Mutex
	storeOK, searchOK := true, false
	probe := func(ok *bool, state string) func(context.Context) (bool, string) {
		return func(ctx context.Context) (bool, string) {
			if _, ok := ctx.Deadline(); !ok {
				t.Error("the check has no deadline")
			}
			mu.Lock()
			defer mu.Unlock()
			if *ok {
				return true, "ready"
			}
			return false, state
		}
	}
	ts := httptest.NewServer(observe.Ready(
		observe.Check{Name: "store", Probe: probe(&storeOK, "unavailable\nwith a second line that is not shown")},
		observe.Check{Name: "search", Optional: true, Probe: probe(&searchOK, "building: 42% (42 of 100 entities)")},
	))
	defer ts.Close()
	get := func(path string) (int, string) {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type %q", ct)
		}
		return res.StatusCode, string(b)
	}
	set := func(store, search bool) {
		mu.Lock()
		defer mu.Unlock()
		storeOK, searchOK = store, search
	}
	for _, c := range []struct {
		store, search bool
		path          string
		code          int
		body          string
	}{
		{true, false, "/readyz", 200, "ready\nstore: ready\nsearch: building: 42% (42 of 100 entities)\n"},
		{true, false, "/readyz?all", 503, "not ready\nstore: ready\nsearch: building: 42% (42 of 100 entities)\n"},
		{true, true, "/readyz?all", 200, "ready\nstore: ready\nsearch: ready\n"},
		{false, true, "/readyz", 503, "not ready\nstore: unavailable\nsearch: ready\n"},
	} {
		set(c.store, c.search)
		if code, body := get(c.path); code != c.code || body != c.body {
			t.Errorf("store %v, search %v, GET %s: %d %q, want %d %q", c.store, c.search, c.path, code, body, c.code, c.body)
		}
	}
}

func TestLoggerOutsideARequest(t *testing.T) {
	if observe.Logger(context.Background()) != slog.Default() {
		t.Error("Logger outside a request is not slog.Default()")
	}
	if id := observe.RequestID(context.Background()); id != "" {
		t.Errorf("RequestID outside a request = %q", id)
	}
	log, logs := newLogger()
	ctx := observe.WithRequestID(context.Background(), log, "job-1")
	observe.Logger(ctx).Info("inner")
	if rec := logs.lines(t, "inner", 1)[0]; rec["request_id"] != "job-1" || observe.RequestID(ctx) != "job-1" {
		t.Errorf("line %v", rec)
	}
}
