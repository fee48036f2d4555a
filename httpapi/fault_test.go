package httpapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"tupu/httpapi"
	"tupu/httpapi/apitest"
)

// TestPanicBecomesInternal serves over no store at all: every resolver
// that reads panics. The client gets INTERNAL and nothing of the panic;
// the log gets the stack.
func TestPanicBecomesInternal(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	h, err := httpapi.New(nil, httpapi.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"query": "{ districts { totalCount } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if !strings.Contains(body.String(), `"code":"INTERNAL"`) || !strings.Contains(body.String(), `"message":"internal error"`) {
		t.Errorf("response: %s", body.String())
	}
	for _, leak := range []string{"goroutine", ".go:", "nil pointer", "runtime"} {
		if strings.Contains(body.String(), leak) {
			t.Errorf("the response leaks %q: %s", leak, body.String())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "panic in resolver") || !strings.Contains(logs.String(), "stack=") {
		t.Errorf("the log lacks the panic and its stack:\n%s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// FuzzGraphQL throws arbitrary bodies at the real handler over a seeded
// store: whatever arrives, the handler answers with JSON, a status from a
// known set, a bounded size, and never a crash. CI runs it for a bounded
// time (.ci/run); `go test` runs the seed corpus.
func FuzzGraphQL(f *testing.F) {
	s := apitest.SeededStore(f, filepath.Join(f.TempDir(), "tupu.db"))
	h, err := httpapi.New(s, httpapi.Options{})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		`{"query": "{ districts { nodes { name parks { nodes { name } } } } }"}`,
		`{"query": "query($k: String) { entity(key: $k) { name } }", "variables": {"k": "yubei-district"}}`,
		`{"query": "{ search(query: \"数据谷\") { nodes { score } } }"}`,
		`{"query": "{ paths(from: \"yunyang-county\", to: \"qualcomm\") { length } }"}`,
		`{"query": "{ neighborhood(id: \"xiantao-data-valley\", depth: 2) { nodes { key } } }"}`,
		`{"query": "{ facts(filter: {min: 1}, orderBy: {field: ENTITY}) { totalCount } }"}`,
		`{"query": "{ parks(first: 2, after: \"AAAA\") { totalCount } }"}`,
		`{"query": "{ node(id: \"RTp4\") { id } }"}`,
		`{"query": "fragment F on Query { ...F } { ...F }"}`,
		`{"query": "{ __schema { types { name } } }"}`,
		`{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00"}}}`,
		`{"query": 1}`, `[]`, `null`, `{"query": "{", "variables": "x"}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 405, 406, 413, 415:
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body.String())
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("not JSON for %q: %s", body, rec.Body.String())
		}
		if strings.Contains(rec.Body.String(), `"code":"INTERNAL"`) {
			t.Fatalf("an internal error for %q: %s", body, rec.Body.String())
		}
	})
}
