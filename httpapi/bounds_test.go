package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	dto "github.com/prometheus/client_model/go"

	"tupu/httpapi"
	"tupu/httpapi/apitest"
	"tupu/observe"
	"tupu/store"
)

// The tests below reproduce, each through the real endpoint, what an
// attacker found open before the request path was one: every one now
// fails closed.

// TestBounds_trustedDocumentsOverStreams: with --trusted-documents and
// introspection off, a query over server-sent events and an editor's
// mutation over a WebSocket used to run whatever they were; they are
// refused, and the graph is unchanged.
func TestBounds_trustedDocumentsOverStreams(t *testing.T) {
	const registered = `{ districts { totalCount } }`
	manifest, _ := json.Marshal(map[string]string{sha(registered): registered})
	s := apitest.Serve(t, httpapi.Options{TrustedDocuments: manifest, NoIntrospection: true})
	editor := s.Token(t, "mallory", store.RoleEditor)

	if o := doSSE(t, s.URL, operation{query: `{ __schema { types { name } } }`}); o.code() != "PERSISTED_QUERY_NOT_FOUND" || o.ran() {
		t.Errorf("introspection over SSE: %s", o.raw)
	}
	const write = `mutation { updateEntity(input: {id: "yubei-district", expectedVersion: 1, note: "pwned"}) { entity { version } } }`
	for _, tr := range []transportClient{{name: "SSE", do: doSSE}, {name: "WebSocket", do: doWebsocket}} {
		if o := tr.do(t, s.URL, operation{query: write, token: editor}); o.code() != "PERSISTED_QUERY_NOT_FOUND" || o.ran() {
			t.Errorf("%s: an editor's unregistered mutation: %s", tr.name, o.raw)
		}
	}
	if o := doWebsocket(t, s.URL, operation{query: registered}); !o.ran() {
		t.Errorf("a registered query over a WebSocket: %s", o.raw)
	}
	var note string
	s.Store.View(func(tx *store.Tx) error {
		e, err := tx.Entity("yubei-district")
		if err == nil {
			note = e.Note
		}
		return err
	})
	if note == "pwned" {
		t.Error("the mutation ran")
	}
}

// countingReader counts what the server read of a body.
type countingReader struct {
	mu   sync.Mutex
	n    int64
	left int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.left == 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), r.left))
	for i := range n {
		p[i] = ' '
	}
	r.n += int64(n)
	r.left -= int64(n)
	return n, nil
}

// TestBounds_streamBodies: a 30 MB body that a plain POST refused ran over
// server-sent events (the process went from 49 to 246 MB); every POST
// transport now reads at most the bound, and says 413.
func TestBounds_streamBodies(t *testing.T) {
	s := apitest.Serve(t, httpapi.Options{})
	for _, accept := range []string{"application/json", "text/event-stream", "multipart/mixed, application/json"} {
		body := &countingReader{left: 30 << 20}
		req, _ := http.NewRequest("POST", s.URL, io.MultiReader(strings.NewReader(`{"query": "{ districts { totalCount } }", "x": "`), body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			// The server may close the connection once it has answered.
			t.Logf("%s: %v", accept, err)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "PAYLOAD_TOO_LARGE") {
			t.Errorf("%s: %d %s", accept, resp.StatusCode, b)
		}
		body.mu.Lock()
		if body.n > 8<<20 {
			t.Errorf("%s: the client sent %d bytes before the answer; the server reads 64 KiB", accept, body.n)
		}
		body.mu.Unlock()
	}
}

// TestBounds_malformedStreamBodies: malformed JSON over server-sent events
// was echoed whole in the answer and written raw to stderr, where a body
// with a newline forged a log line. Now the answer names the fault without
// the body, nothing reaches the standard logger, and the service's own
// log carries no line the body made.
func TestBounds_malformedStreamBodies(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var stdlog bytes.Buffer
	log.SetOutput(&stdlog)
	defer log.SetOutput(io.Discard) // tests log nothing through it
	s := apitest.Serve(t, httpapi.Options{Logger: logger})

	forged := "\nlevel=ERROR msg=\"forged by the client\"\n"
	body := `{"query": "{ districts { totalCount } }"` + forged + strings.Repeat("x", 60<<10)
	o := doSSE(t, s.URL, operation{body: []byte(body)})
	if o.code() != "BAD_REQUEST" || strings.Contains(o.raw, "forged") || strings.Contains(o.raw, "xxxx") || len(o.raw) > 1024 {
		t.Errorf("answer: %.500s", o.raw)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.HasPrefix(line, "level=ERROR msg=\"forged") {
			t.Errorf("the body forged a log line: %s", line)
		}
	}
	if strings.Contains(logs.String(), "xxxx") {
		t.Errorf("the body reached the log")
	}
	if stdlog.Len() > 0 {
		t.Errorf("written outside slog: %.300s", stdlog.String())
	}
}

// subscribe opens n entityChanged subscriptions on one graphql-ws
// connection and returns the first message answering each, by id.
func subscribe(t *testing.T, ctx context.Context, url string, n int) map[string]map[string]any {
	t.Helper()
	c, _, err := dial(t, ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	send(t, ctx, c, map[string]any{"type": "connection_init"})
	if m, err := read(t, ctx, c); err != nil || m["type"] != "connection_ack" {
		t.Fatalf("init: %v %v", m, err)
	}
	for i := range n {
		send(t, ctx, c, map[string]any{"id": fmt.Sprint(i), "type": "subscribe", "payload": map[string]any{
			"query": `subscription { entityChanged { entityKey } }`}})
	}
	// Open subscriptions answer nothing until a change; the refused ones
	// answer at once. A read whose context ends closes the connection, so
	// reads go on in the background until the connection does.
	msgs := make(chan map[string]any, n)
	go func() {
		for {
			m, err := read(t, context.Background(), c)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- m
		}
	}()
	answers := map[string]map[string]any{}
	quiet := time.After(2 * time.Second)
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				return answers
			}
			if id, ok := m["id"].(string); ok && answers[id] == nil {
				answers[id] = m
			}
		case <-quiet:
			return answers
		}
	}
}

// TestBounds_subscriptions: one anonymous connection opened 30,000
// subscriptions (90,018 goroutines, 213 → 680 MB). A connection now holds
// at most MaxOperationsPerConnection, the server MaxSubscriptions, and a
// subscription past either is refused with SUBSCRIPTION_LIMIT.
func TestBounds_subscriptions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("per connection", func(t *testing.T) {
		s := apitest.Serve(t, httpapi.Options{MaxOperationsPerConnection: 5})
		answers := subscribe(t, ctx, s.URL, 8)
		refused := 0
		for _, m := range answers {
			b, _ := json.Marshal(m)
			if strings.Contains(string(b), "SUBSCRIPTION_LIMIT") {
				refused++
			}
		}
		if refused != 3 {
			t.Errorf("%d of 8 refused on a connection that holds 5: %v", refused, answers)
		}
	})

	t.Run("on the server", func(t *testing.T) {
		s := apitest.Serve(t, httpapi.Options{MaxSubscriptions: 4})
		if answers := subscribe(t, ctx, s.URL, 4); len(answers) != 0 {
			t.Fatalf("4 of 4 allowed: %v", answers)
		}
		// The bound is the server's, whatever the transport.
		for _, tr := range []transportClient{{name: "SSE", do: doSSE}, {name: "WebSocket", do: doWebsocket}} {
			if o := tr.do(t, s.URL, operation{query: `subscription { entityChanged { entityKey } }`}); o.code() != "SUBSCRIPTION_LIMIT" {
				t.Errorf("%s, past the server's bound: %s", tr.name, o.raw)
			}
		}
	})
}

// TestBounds_streamsPerClient: one address holds at most
// MaxStreamsPerClient WebSockets and event streams at once.
func TestBounds_streamsPerClient(t *testing.T) {
	s := apitest.Serve(t, httpapi.Options{MaxStreamsPerClient: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for range 2 {
		c, _, err := dial(t, ctx, s.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
	}
	_, resp, err := dial(t, ctx, s.URL, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a third WebSocket: %v %v", resp, err)
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL, strings.NewReader(`{"query": "subscription { entityChanged { entityKey } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(b), "TOO_MANY_STREAMS") {
		t.Errorf("a third stream, over SSE: %d %s", r.StatusCode, b)
	}
	// Plain requests are not streams.
	s.MustQuery(t, `{ districts { totalCount } }`, nil, nil)
}

// gauge reads a gauge of m.
func gauge(t *testing.T, m *observe.Metrics, name string) float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			var g *dto.Gauge = f.GetMetric()[0].GetGauge()
			return g.GetValue()
		}
	}
	t.Fatalf("no gauge %s", name)
	return 0
}

// TestBounds_responseCacheBytes: the cache held 1,000 answers of up to
// 1 MB each, and anonymous clients varying an alias could fill about
// 1 GB. It is bounded in bytes now, by default an eighth of the service's
// memory limit, and answers past the bound push out the oldest.
func TestBounds_responseCacheBytes(t *testing.T) {
	if httpapi.DefaultResponseCacheBytes > 256<<20/8 {
		t.Errorf("the default cache, %d bytes, is over an eighth of the 256 MiB memory limit", httpapi.DefaultResponseCacheBytes)
	}
	m := observe.NewMetrics()
	const bound = 256 << 10
	s := apitest.Serve(t, httpapi.Options{ResponseCacheBytes: bound, Metrics: m})
	total := 0
	for i := range 200 {
		q := fmt.Sprintf(`{ a%d: entities(first: 30) { nodes { key name nameEn description } } }`, i)
		_, b := rawPost(t, s.URL, "", apitest.QueryBody(q))
		if !strings.Contains(string(b), `"data":{"a`) {
			t.Fatalf("%s: %s", q, b)
		}
		total += len(b)
	}
	held := gauge(t, m, "tupu_response_cache_bytes")
	answers := gauge(t, m, "tupu_response_cache_answers")
	t.Logf("answered %d bytes; the cache holds %.0f bytes in %.0f answers", total, held, answers)
	if total < 4*bound {
		t.Fatalf("the answers, %d bytes, do not fill the cache", total)
	}
	if held > bound || answers < 2 {
		t.Errorf("the cache holds %.0f bytes (%.0f answers), bound %d", held, answers, bound)
	}
	// The newest answer is kept, the oldest went.
	if x, _ := rawPost(t, s.URL, "", apitest.QueryBody(`{ a199: entities(first: 30) { nodes { key name nameEn description } } }`)); x != "hit" {
		t.Errorf("the newest answer is not kept: %q", x)
	}
	if x, _ := rawPost(t, s.URL, "", apitest.QueryBody(`{ a0: entities(first: 30) { nodes { key name nameEn description } } }`)); x == "hit" {
		t.Errorf("the oldest answer is still kept")
	}
}

// TestBounds_deadline: an SSE POST that also sent Upgrade: websocket got
// no deadline, and queries and mutations over a WebSocket never did. The
// deadline is the operation's now, on every transport (the policy test
// runs it on each); this is the upgrade header.
func TestBounds_deadline(t *testing.T) {
	s := apitest.Serve(t, httpapi.Options{Timeout: time.Nanosecond})
	op := operation{query: `{ districts { totalCount } }`, header: http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}}
	for _, tr := range []transportClient{{name: "POST", do: doPOST}, {name: "SSE", do: doSSE}} {
		if o := tr.do(t, s.URL, op); o.code() != "UNAVAILABLE" || o.ran() {
			t.Errorf("%s with Upgrade: websocket: %s", tr.name, o.raw)
		}
	}
	// A subscription is not a request with a deadline: it lives as long as
	// its stream.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := dial(t, ctx, s.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	send(t, ctx, c, map[string]any{"type": "connection_init"})
	read(t, ctx, c)
	send(t, ctx, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": `subscription { entityChanged { entityKey } }`}})
	quiet, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	defer stop()
	if m, err := read(t, quiet, c); err == nil {
		t.Errorf("the subscription ended at the deadline: %v", m)
	} else if websocket.CloseStatus(err) != -1 {
		t.Errorf("the connection closed: %v", err)
	}
}
