package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"tupu/graph"
	"tupu/internal/syncbuf"
)

var servingURL = regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+/)`)

// waitForURL waits until the log says where the server listens.
func waitForURL(tb testing.TB, log func() string, exited <-chan error) string {
	tb.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if m := servingURL.FindStringSubmatch(log()); m != nil {
			return m[1]
		}
		select {
		case err := <-exited:
			tb.Fatalf("the program exited before serving: %v\n%s", err, log())
		case <-deadline:
			tb.Fatalf("the program did not start serving:\n%s", log())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func get(tb testing.TB, url string) (int, string) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func postQuery(tb testing.TB, url, query string) map[string]any {
	tb.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	resp, err := http.Post(url+"graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		tb.Fatal(err)
	}
	if out["errors"] != nil {
		tb.Fatalf("errors: %v", out["errors"])
	}
	return out
}

// TestRun starts the program in-process on a fresh database: it seeds it,
// serves the playground, the health check and the example query, and stops
// cleanly when its context ends.
func TestRun(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sub", "tupu.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncbuf.Buffer
	exited := make(chan error, 1)
	go func() {
		exited <- run(ctx, []string{"--addr", "127.0.0.1:0"}, func(name string) string {
			return map[string]string{"TUPU_DB": db}[name] // the database path from the environment
		}, io.Discard, &stderr)
	}()
	url := waitForURL(t, stderr.String, exited)

	if status, body := get(t, url+"healthz"); status != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", status, body)
	}
	status, page := get(t, url)
	if status != 200 || !strings.Contains(page, "GraphiQL") || !strings.Contains(page, "DistrictToPartners") {
		t.Errorf("playground: status %d, page without GraphiQL or the example query", status)
	}
	data := postQuery(t, url, graph.ExampleQuery)
	if !strings.Contains(mustJSON(t, data), "智能座舱联合实验室") {
		t.Errorf("the example query does not reach the labs: %s", mustJSON(t, data))
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("database not created at TUPU_DB: %v", err)
	}
	// A request whose headers pass the 64 KiB limit is refused whole.
	big, _ := http.NewRequest("GET", url+"healthz", nil)
	big.Header.Set("X-Padding", strings.Repeat("x", 100<<10))
	if resp, err := http.DefaultClient.Do(big); err != nil {
		t.Errorf("oversized headers: %v", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("oversized headers: status %d, want 431", resp.StatusCode)
		}
	}
	if status, body := get(t, url+"readyz"); status != 200 || !regexp.MustCompile(`^ready\nstore: ready\nsearch: (ready|building: \d+% \(\d+ of \d+ entities\)|waiting to be built)\n$`).MatchString(body) {
		t.Errorf("readyz: %d %q", status, body)
	}
	resp, err := http.Get(url + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if id := resp.Header.Get("X-Request-Id"); id == "" {
		t.Error("no X-Request-Id on a response")
	}
	// Operation names a client makes up add no series: they are "other".
	series := func() int {
		_, metrics := get(t, url+"metrics")
		return strings.Count(metrics, "\ntupu_graphql_requests_total{") + strings.Count(metrics, "\ntupu_graphql_request_duration_seconds_count{")
	}
	postQuery(t, url, "query MadeUp { __typename }")
	before := series()
	for i := range 1000 {
		postQuery(t, url, fmt.Sprintf("query Op_%d_%x { __typename }", i, rand.Uint64()))
	}
	if after := series(); after != before {
		t.Errorf("1,000 requests with random operation names: %d series, %d before", after, before)
	}
	_, metrics := get(t, url+"metrics")
	for _, want := range []string{
		`tupu_graphql_requests_total{code="",operation="DistrictToPartners",outcome="ok"} 1`,
		`tupu_graphql_requests_total{code="",operation="other",outcome="ok"} 1001`,
		`tupu_build_info{goversion="go1.`,
		`tupu_search_index_build_progress `,
		`tupu_search_index_lag_versions `,
		`tupu_search_index_ready `,
		`tupu_store_transaction_duration_seconds_count{kind="read"}`,
		`tupu_http_requests_total{method="POST",path="/graphql",status="200"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	cancel()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("run returned %v after shutdown", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no clean stop in the log:\n%s", stderr.String())
	}
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestRun_badFlags(t *testing.T) {
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"--nope"}, func(string) string { return "" }, io.Discard, &stderr)
	var usage *usageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), "-nope") || !strings.Contains(err.Error(), "tupu serve --help") {
		t.Errorf("unknown flag: err %v, want a usage error naming the flag and the help", err)
	}
}

// The program's own checks (tupu verify, which restore and backup run in
// a process of their own) run the built program, not the test binary.
func init() { self = buildBinary }

// buildBinary builds the real program once per test run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "tupu-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "tupu")
	// As the container image builds it: what the tests run is what ships.
	out, err := exec.Command("../../packaging/build", bin).CombinedOutput()
	if err != nil {
		return "", &buildError{out}
	}
	return bin, nil
})

type buildError struct{ out []byte }

func (e *buildError) Error() string { return "go build: " + string(e.out) }

// start runs the built program with args and returns it with its log and
// a channel that receives its exit status once.
func start(tb testing.TB, args ...string) (*exec.Cmd, *syncbuf.Buffer, <-chan error) {
	tb.Helper()
	bin, err := buildBinary()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	var log syncbuf.Buffer
	cmd.Stderr, cmd.Stdout = &log, &log
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	exited := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		exited <- cmd.Wait()
		close(done)
	}()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	return cmd, &log, exited
}

// TestBinary_signals runs the real binary, checks that a second process on
// the same database fails fast with a clear error, and that SIGTERM and
// SIGINT each stop the server cleanly.
func TestBinary_signals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "tupu.db")
			cmd, log, exited := start(t, "serve", "--addr", "127.0.0.1:0", "--db", db)
			url := waitForURL(t, log.String, exited)
			postQuery(t, url, `{ districts { totalCount } }`)

			second, secondLog, secondExited := start(t, "--addr", "127.0.0.1:0", "--db", db)
			select {
			case err := <-secondExited:
				if err == nil || !strings.Contains(secondLog.String(), "in use by another process") {
					t.Errorf("second process on the same database: %v\n%s", err, secondLog.String())
				}
			case <-time.After(10 * time.Second):
				second.Process.Kill()
				t.Errorf("a second process on the same database hangs instead of failing")
			}

			cmd.Process.Signal(sig)
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("exit after %v: %v\n%s", sig, err, log.String())
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("no exit after %v", sig)
			}
			if !strings.Contains(log.String(), "stopped") {
				t.Errorf("no clean stop in the log:\n%s", log.String())
			}
		})
	}
}

// TestBinary_seed runs `tupu seed` twice: the second run changes nothing.
func TestBinary_seed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db := filepath.Join(t.TempDir(), "tupu.db")
	var lines []string
	for range 2 {
		_, log, exited := start(t, "seed", "--db", db)
		if err := <-exited; err != nil {
			t.Fatalf("tupu seed: %v\n%s", err, log.String())
		}
		sc := bufio.NewScanner(strings.NewReader(log.String()))
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
	}
	if len(lines) != 2 || !strings.Contains(lines[1], " 0 added, 0 updated, 0 removed") || strings.Contains(lines[0], " 0 added") {
		t.Errorf("seeding twice:\n%s", strings.Join(lines, "\n"))
	}
}

// TestBinary_profiler checks that --debug-addr serves Go's profiler on its
// own listener and that the public address does not.
func TestBinary_profiler(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db := filepath.Join(t.TempDir(), "tupu.db")
	_, log, exited := start(t, "serve", "--addr", "127.0.0.1:0", "--debug-addr", "127.0.0.1:0", "--db", db)
	url := waitForURL(t, log.String, exited)
	m := regexp.MustCompile(`profiler listening" addr=(\S+)`).FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("no profiler address in the log:\n%s", log.String())
	}
	if code, body := get(t, "http://"+m[1]+"/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "goroutine profile") {
		t.Errorf("profiler: %d %.200s", code, body)
	}
	if code, _ := get(t, url+"debug/pprof/"); code == 200 {
		t.Errorf("the public address serves the profiler")
	}
}

// TestRun_accessLog: with JSON logs, each GraphQL request's line says
// which operation ran, its type, its outcome's code, its cost figures and
// whether the response cache answered, with the duration in seconds.
func TestRun_accessLog(t *testing.T) {
	url, stderr, stop := runJSONLogged(t)
	postQuery(t, url, graph.ExampleQuery)
	postQuery(t, url, graph.ExampleQuery) // from the response cache
	body, _ := json.Marshal(map[string]string{"query": "query Nope { nope }", "operationName": "Nope"})
	if resp, err := http.Post(url+"graphql", "application/json", bytes.NewReader(body)); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	forged, _ := http.NewRequest("POST", url+"graphql", strings.NewReader(`{"query":"{ __typename }"}`))
	forged.Header.Set("Content-Type", "application/json")
	forged.Header.Set("Authorization", "Bearer tupu_forged")
	if resp, err := http.DefaultClient.Do(forged); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	get(t, url+"healthz")
	stop()

	lines := logRecords(stderr.String(), "http request")
	if len(lines) != 5 {
		t.Fatalf("%d access lines, want 5:\n%s", len(lines), stderr.String())
	}
	for i, want := range []map[string]any{
		{"operation": "DistrictToPartners", "operation_type": "query", "code": "", "cache_hit": false},
		{"operation": "DistrictToPartners", "operation_type": "query", "code": "", "cache_hit": true},
		{"operation": "Nope", "code": "GRAPHQL_VALIDATION_FAILED", "cache_hit": false, "cost_estimate": float64(0)},
		{"status": float64(401), "operation": "", "code": "UNAUTHENTICATED"}, // refused before GraphQL
		{"path": "/healthz", "operation": nil},
	} {
		for k, v := range want {
			if lines[i][k] != v {
				t.Errorf("access line %d: %s = %v, want %v\n%v", i, k, lines[i][k], v, lines[i])
			}
		}
		if d, ok := lines[i]["duration"].(float64); !ok || d <= 0 || d > 10 {
			t.Errorf("access line %d: duration %v, want seconds as a float", i, lines[i]["duration"])
		}
	}
	// The answer's figures, the same from the cache.
	for _, rec := range lines[:2] {
		if e, o := rec["cost_estimate"].(float64), rec["cost_objects"].(float64); e <= 0 || o <= 0 || o > e || rec["bytes"].(float64) <= 0 {
			t.Errorf("cost figures of the example query: %v", rec)
		}
	}
	if lines[0]["cost_objects"] != lines[1]["cost_objects"] {
		t.Errorf("the cached answer's line has other figures: %v, %v", lines[0], lines[1])
	}
}

// runJSONLogged runs the program on a new database with JSON logs, and
// returns its URL, its log, and what stops it and waits until it has.
func runJSONLogged(t *testing.T) (url string, log *syncbuf.Buffer, stop func()) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "tupu.db")
	ctx, cancel := context.WithCancel(context.Background())
	log = &syncbuf.Buffer{}
	exited := make(chan error, 1)
	go func() {
		exited <- run(ctx, []string{"--addr", "127.0.0.1:0", "--db", db, "--log-format", "json"}, func(string) string { return "" }, io.Discard, log)
	}()
	stop = sync.OnceFunc(func() {
		cancel()
		<-exited
	})
	t.Cleanup(stop)
	for deadline := time.Now().Add(20 * time.Second); url == ""; time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`"url":"(http://127\.0\.0\.1:\d+/)"`).FindStringSubmatch(log.String()); m != nil {
			url = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("not serving:\n%s", log.String())
		}
	}
	return url, log, stop
}

// logRecords returns the JSON log's records whose msg is msg.
func logRecords(log, msg string) []map[string]any {
	var recs []map[string]any
	for _, line := range strings.Split(log, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			recs = append(recs, rec)
		}
	}
	return recs
}

// TestRun_websocketAccessLog: each operation over a WebSocket gets an
// access log line of its own, "graphql operation", with the connection's
// request_id and what an "http request" line says of an operation: a
// query when it is answered, a subscription when its stream ends, and an
// operation that fails validation.
func TestRun_websocketAccessLog(t *testing.T) {
	url, stderr, stop := runJSONLogged(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	send := func(m map[string]any) {
		b, _ := json.Marshal(m)
		if err := c.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	// next reads messages until one of type typ for id.
	next := func(typ, id string) {
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				t.Fatalf("waiting for %s %s: %v", typ, id, err)
			}
			var m struct{ Type, ID string }
			json.Unmarshal(b, &m)
			if m.Type == typ && m.ID == id {
				return
			}
		}
	}
	send(map[string]any{"type": "connection_init"})
	next("connection_ack", "")
	send(map[string]any{"type": "subscribe", "id": "q", "payload": map[string]any{"query": graph.ExampleQuery}})
	next("complete", "q")
	send(map[string]any{"type": "subscribe", "id": "s", "payload": map[string]any{"query": `subscription Watch { entityChanged { entityKey } }`}})
	send(map[string]any{"type": "subscribe", "id": "bad", "payload": map[string]any{"query": `query Nope { nope }`, "operationName": "Nope"}})
	next("error", "bad")
	send(map[string]any{"type": "complete", "id": "s"})
	// The subscription's line is written when its stream ends, which the
	// client's complete starts; the connection's when it closes.
	for deadline := time.Now().Add(10 * time.Second); len(logRecords(stderr.String(), "graphql operation")) < 3; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("operation lines:\n%s", stderr.String())
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
	stop()

	conns := logRecords(stderr.String(), "http request")
	if len(conns) != 1 || conns[0]["status"] != float64(101) {
		t.Fatalf("connection lines %v, want one with status 101", conns)
	}
	ops := map[string]map[string]any{}
	for _, rec := range logRecords(stderr.String(), "graphql operation") {
		if rec["request_id"] != conns[0]["request_id"] || rec["transport"] != "websocket" {
			t.Errorf("operation line %v: not the connection's request_id %v over websocket", rec, conns[0]["request_id"])
		}
		ops[fmt.Sprint(rec["operation"])] = rec
	}
	for name, want := range map[string]map[string]any{
		"DistrictToPartners": {"operation_type": "query", "code": "", "responses": float64(1)},
		"Watch":              {"operation_type": "subscription", "code": "", "responses": float64(0)},
		"Nope":               {"code": "GRAPHQL_VALIDATION_FAILED", "responses": float64(1)},
	} {
		rec, ok := ops[name]
		if !ok {
			t.Errorf("no operation line for %s:\n%s", name, stderr.String())
			continue
		}
		for k, v := range want {
			if rec[k] != v {
				t.Errorf("%s: %s = %v, want %v (%v)", name, k, rec[k], v, rec)
			}
		}
		if d, ok := rec["duration"].(float64); !ok || d <= 0 || d > 10 {
			t.Errorf("%s: duration %v, want seconds as a float", name, rec["duration"])
		}
	}
	if e, o := ops["DistrictToPartners"]["cost_estimate"].(float64), ops["DistrictToPartners"]["cost_objects"].(float64); e <= 0 || o <= 0 {
		t.Errorf("the query's line has no cost figures: %v", ops["DistrictToPartners"])
	}
}
