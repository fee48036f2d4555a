package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
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
	editor := s.Token(t, "alice", store.RoleEditor)
	const read = `{"query": "{ entity(key: \"yubei-district\") { version note } }"}`
	first, a := rawPost(t, s.URL, "", read)
	second, b := rawPost(t, s.URL, "", read)
	if first == "hit" || second != "hit" || !bytes.Equal(a, b) {
		t.Fatalf("repeat: %q then %q; same bytes %v", first, second, bytes.Equal(a, b))
	}

	const write = `{"query": "mutation { updateEntity(input: {id: \"yubei-district\", expectedVersion: 1, note: \"seen\"}) { entity { version } } }"}`
	if x, body := rawPost(t, s.URL, editor, write); x == "hit" || !strings.Contains(string(body), `"version":2`) {
		t.Fatalf("first write: %q %s", x, body)
	}
	if x, body := rawPost(t, s.URL, editor, write); x == "hit" || !strings.Contains(string(body), "CONFLICT") {
		t.Errorf("the same write again must run again (and conflict): %q %s", x, body)
	}
	x, c := rawPost(t, s.URL, "", read)
	if x == "hit" || !strings.Contains(string(c), `"note":"seen"`) {
		t.Errorf("after a write the read is stale: %q %s", x, c)
	}

	// The same body without its media type is refused, not answered from
	// the cache.
	req, _ := http.NewRequest("POST", s.URL, strings.NewReader(read))
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
	const mixed = `"query": "query Q { entity(key: \"xiantao-data-valley\") { name } } mutation M { updateEntity(input: {id: \"yubei-district\", expectedVersion: 2, note: \"again\"}) { entity { note } } }"`
	rawPost(t, s.URL, "", `{`+mixed+`, "operationName": "Q"}`)
	if x, _ := rawPost(t, s.URL, "", `{`+mixed+`, "operationName": "Q"}`); x != "hit" {
		t.Errorf("a query of a mixed document: %q, want a hit", x)
	}
	if x, body := rawPost(t, s.URL, editor, `{`+mixed+`, "operationName": "M"}`); x == "hit" || !strings.Contains(string(body), `"again"`) {
		t.Errorf("a mutation of a mixed document: %q %s", x, body)
	}
	if x, body := rawPost(t, s.URL, editor, `{`+mixed+`, "operationName": "M"}`); x == "hit" || !strings.Contains(string(body), "CONFLICT") {
		t.Errorf("a mutation of a mixed document was answered from the cache: %q %s", x, body)
	}

	const bad = `{"query": "{ parks(first: 1000) { totalCount } }"}`
	rawPost(t, s.URL, "", bad)
	if x, _ := rawPost(t, s.URL, "", bad); x == "hit" {
		t.Error("an answer with errors was cached")
	}
}

// TestResponseCache_acrossWrites checks that an answer outlives a write
// that changed nothing it shows, and never one that did: the entity it
// shows, an entity at the far end of a relation it lists, or anything at
// all for an answer that read more than keys (a list of a kind).
func TestResponseCache_acrossWrites(t *testing.T) {
	s := mustServe(t)
	editor := s.Token(t, "alice", store.RoleEditor)
	const park = `{"query": "{ entity(key: \"xiantao-data-valley\") { ... on Park { version companies(first: 3) { totalCount nodes { key version } } } } }"}`
	const district = `{"query": "{ entity(key: \"yubei-district\") { version note } }"}`
	const list = `{"query": "{ districts { totalCount nodes { key version } } }"}`
	for _, q := range []string{park, district, list} {
		rawPost(t, s.URL, "", q)
		if x, _ := rawPost(t, s.URL, "", q); x != "hit" {
			t.Fatalf("%s: not kept", q)
		}
	}
	update := func(key string, version int, note string) {
		t.Helper()
		m := fmt.Sprintf(`{"query": "mutation { updateEntity(input: {id: \"%s\", expectedVersion: %d, note: \"%s\"}) { entity { version } } }"}`, key, version, note)
		if _, body := rawPost(t, s.URL, editor, m); !strings.Contains(string(body), `"version":`) || strings.Contains(string(body), `"errors"`) {
			t.Fatalf("update %s: %s", key, body)
		}
	}

	// The district is not in the park's answer.
	update("yubei-district", 1, "edited")
	if x, _ := rawPost(t, s.URL, "", park); x != "hit" {
		t.Errorf("the park's answer went with an edit of the district: %q", x)
	}
	if x, body := rawPost(t, s.URL, "", district); x == "hit" || !strings.Contains(string(body), `"edited"`) {
		t.Errorf("the district's answer after its edit: %q %s", x, body)
	}
	if x, _ := rawPost(t, s.URL, "", list); x == "hit" {
		t.Errorf("a list of a kind was served after a write")
	}

	// A company the park's answer lists is.
	_, body := rawPost(t, s.URL, "", park)
	var answer struct {
		Data struct {
			Entity struct {
				Companies struct {
					Nodes []struct {
						Key     string
						Version int
					}
				}
			}
		}
	}
	if err := json.Unmarshal(body, &answer); err != nil || len(answer.Data.Entity.Companies.Nodes) == 0 {
		t.Fatalf("park: %v %s", err, body)
	}
	c := answer.Data.Entity.Companies.Nodes[0]
	update(c.Key, c.Version, "edited")
	x, body := rawPost(t, s.URL, "", park)
	if want := fmt.Sprintf(`{"key":"%s","version":%d}`, c.Key, c.Version+1); x == "hit" || !strings.Contains(string(body), want) {
		t.Errorf("the park's answer after an edit of %s: %q %s, want %s", c.Key, x, body, want)
	}
	if x, _ := rawPost(t, s.URL, "", park); x != "hit" {
		t.Errorf("the park's new answer is not kept: %q", x)
	}

	// A fact of that company changes neither its record nor its
	// relations: only answers that show its facts go.
	facts := fmt.Sprintf(`{"query": "{ entity(key: \"%s\") { facts { property value } } }"}`, c.Key)
	rawPost(t, s.URL, "", facts)
	var src struct {
		Data struct {
			Entity struct {
				ID     string
				Source struct {
					Quote    string
					Document struct{ ID string }
				}
			}
		}
	}
	_, body = rawPost(t, s.URL, "", fmt.Sprintf(`{"query": "{ entity(key: \"%s\") { id source { quote document { id } } } }"}`, c.Key))
	if err := json.Unmarshal(body, &src); err != nil || src.Data.Entity.Source.Quote == "" {
		t.Fatalf("source of %s: %v %s", c.Key, err, body)
	}
	setFact, _ := json.Marshal(map[string]any{
		"query": `mutation($in: SetFactInput!) { setFact(input: $in) { fact { value } } }`,
		"variables": map[string]any{"in": map[string]any{
			"entity": src.Data.Entity.ID, "property": "cache_test", "text": src.Data.Entity.Source.Quote, "period": "2021",
			"source": map[string]any{"document": src.Data.Entity.Source.Document.ID, "quote": src.Data.Entity.Source.Quote},
		}},
	})
	if _, body := rawPost(t, s.URL, editor, string(setFact)); strings.Contains(string(body), `"errors"`) {
		t.Fatalf("setFact: %s", body)
	}
	if x, _ := rawPost(t, s.URL, "", park); x != "hit" {
		t.Errorf("the park's answer went with a fact it does not show: %q", x)
	}
	if x, body := rawPost(t, s.URL, "", facts); x == "hit" || !strings.Contains(string(body), `"cache_test"`) {
		t.Errorf("the facts of %s after setFact: %q %s", c.Key, x, body)
	}
}
