package graph_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"tupu/store"
)

func rawPost(t *testing.T, url, secret, body string) (string, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.Header.Get("X-Cache"), b
}

// TestResponseCache: a repeated read is answered from the cache with the
// same bytes, until the graph changes; writes and errors are never kept.
func TestResponseCache(t *testing.T) {
	s := mustServe(t)
	editor := s.token(t, "alice", store.RoleEditor)
	const read = `{"query": "{ entity(key: \"yubei-district\") { version note } }"}`
	first, a := rawPost(t, s.url, "", read)
	second, b := rawPost(t, s.url, "", read)
	if first == "hit" || second != "hit" || !bytes.Equal(a, b) {
		t.Fatalf("repeat: %q then %q; same bytes %v", first, second, bytes.Equal(a, b))
	}

	const write = `{"query": "mutation { updateEntity(input: {id: \"yubei-district\", expectedVersion: 1, note: \"seen\"}) { entity { version } } }"}`
	if x, body := rawPost(t, s.url, editor, write); x == "hit" || !strings.Contains(string(body), `"version":2`) {
		t.Fatalf("first write: %q %s", x, body)
	}
	if x, body := rawPost(t, s.url, editor, write); x == "hit" || !strings.Contains(string(body), "CONFLICT") {
		t.Errorf("the same write again must run again (and conflict): %q %s", x, body)
	}
	x, c := rawPost(t, s.url, "", read)
	if x == "hit" || !strings.Contains(string(c), `"note":"seen"`) {
		t.Errorf("after a write the read is stale: %q %s", x, c)
	}

	// The same body without its media type is refused, not answered from
	// the cache.
	req, _ := http.NewRequest("POST", s.url, strings.NewReader(read))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("no Content-Type: status %d, want 415", resp.StatusCode)
	}

	// What is kept is decided by the operation that ran: the query of a
	// document that also holds a mutation is kept, the mutation never.
	const mixed = `"query": "query Q { districts { totalCount } } mutation M { updateEntity(input: {id: \"yubei-district\", expectedVersion: 2, note: \"again\"}) { entity { note } } }"`
	rawPost(t, s.url, "", `{`+mixed+`, "operationName": "Q"}`)
	if x, _ := rawPost(t, s.url, "", `{`+mixed+`, "operationName": "Q"}`); x != "hit" {
		t.Errorf("a query of a mixed document: %q, want a hit", x)
	}
	if x, body := rawPost(t, s.url, editor, `{`+mixed+`, "operationName": "M"}`); x == "hit" || !strings.Contains(string(body), `"again"`) {
		t.Errorf("a mutation of a mixed document: %q %s", x, body)
	}
	if x, body := rawPost(t, s.url, editor, `{`+mixed+`, "operationName": "M"}`); x == "hit" || !strings.Contains(string(body), "CONFLICT") {
		t.Errorf("a mutation of a mixed document was answered from the cache: %q %s", x, body)
	}

	const bad = `{"query": "{ parks(first: 1000) { totalCount } }"}`
	rawPost(t, s.url, "", bad)
	if x, _ := rawPost(t, s.url, "", bad); x == "hit" {
		t.Error("an answer with errors was cached")
	}
}
