package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"tupu/httpapi"
	"tupu/httpapi/apitest"
)

// deferQuery asks for a park at once and its companies, and their labs,
// in later parts: a fragment deferred inside a deferred one.
const deferQuery = `query Park {
  entity(key: "xiantao-data-valley") {
    key
    name
    ... on Park @defer(label: "companies") {
      companies(first: 3) {
        totalCount
        nodes { key ... on Company @defer(label: "labs") { labs(first: 5) { totalCount } } }
      }
    }
  }
}`

// wholeQuery is deferQuery without @defer: what its parts add up to.
var wholeQuery = strings.NewReplacer(` @defer(label: "companies")`, "", ` @defer(label: "labs")`, "").Replace(deferQuery)

type part struct {
	Data        map[string]any `json:"data"`
	Errors      []any          `json:"errors"`
	HasNext     *bool          `json:"hasNext"`
	Incremental []struct {
		Data  map[string]any `json:"data"`
		Path  []any          `json:"path"`
		Label string         `json:"label"`
	} `json:"incremental"`
}

// merge applies the parts as a client does: each incremental payload's
// data into the object at its path.
func merge(t *testing.T, parts []part) map[string]any {
	t.Helper()
	data := parts[0].Data
	if data == nil {
		t.Fatalf("the first part has no data: %+v", parts[0])
	}
	for i, p := range parts[1:] {
		for _, inc := range p.Incremental {
			var at any = data
			for _, step := range inc.Path {
				switch s := step.(type) {
				case string:
					obj, _ := at.(map[string]any)
					at = obj[s]
				case float64:
					list, _ := at.([]any)
					if int(s) >= len(list) {
						at = nil
						break
					}
					at = list[int(s)]
				}
			}
			obj, ok := at.(map[string]any)
			if !ok || obj == nil {
				t.Fatalf("part %d (%q) adds to %v, which the parts before it do not bring: %+v", i+1, inc.Label, inc.Path, parts)
			}
			for k, v := range inc.Data {
				obj[k] = v
			}
		}
	}
	return data
}

func decodeParts(t *testing.T, raw [][]byte) []part {
	t.Helper()
	parts := make([]part, len(raw))
	for i, b := range raw {
		if err := json.Unmarshal(b, &parts[i]); err != nil {
			t.Fatalf("part %d is not JSON: %s", i, b)
		}
	}
	return parts
}

// checkParts checks an answer in parts: the first without the deferred
// fields (absent, not null), the later ones with them at their paths, the
// last saying there is no more, and all of them adding up to the answer
// of the same query without @defer.
func checkParts(t *testing.T, parts []part, whole map[string]any) {
	t.Helper()
	if len(parts) < 3 {
		t.Fatalf("%d parts, want the first and at least one per deferred fragment: %+v", len(parts), parts)
	}
	entity, _ := parts[0].Data["entity"].(map[string]any)
	if entity["name"] != "重庆仙桃数据谷" {
		t.Errorf("the first part lacks what is not deferred: %v", parts[0].Data)
	}
	if _, ok := entity["companies"]; ok {
		t.Errorf("the first part has the deferred field: %v", entity)
	}
	if parts[0].HasNext == nil || !*parts[0].HasNext {
		t.Errorf("the first part does not say more follow")
	}
	labels := map[string]bool{}
	for i, p := range parts[1:] {
		if len(p.Incremental) == 0 || p.HasNext == nil {
			t.Errorf("part %d: %+v", i+1, p)
		}
		for _, inc := range p.Incremental {
			labels[inc.Label] = true
		}
	}
	if last := parts[len(parts)-1]; last.HasNext == nil || *last.HasNext {
		t.Errorf("the last part does not end the answer")
	}
	if !labels["companies"] || !labels["labs"] {
		t.Errorf("labels %v, want companies and labs", labels)
	}
	got, _ := json.Marshal(merge(t, parts))
	want, _ := json.Marshal(whole)
	if string(got) != string(want) {
		t.Errorf("the parts add up to\n%s\nwant\n%s", got, want)
	}
}

// TestDefer_multipart: a query with @defer, from a client that reads
// multipart/mixed, is answered in parts (deferSpec=20220824), read in one
// snapshot of the graph.
func TestDefer_multipart(t *testing.T) {
	s := apitest.Serve(t, httpapi.Options{})
	var whole map[string]any
	s.MustQuery(t, wholeQuery, nil, &whole)

	reads := uint64(1 << 62)
	for range 3 {
		before := s.Store.ReadTransactions()
		raw, o := postParts(t, s.URL, operation{query: deferQuery})
		if o.status != http.StatusOK || len(raw) == 0 {
			t.Fatalf("%d %s", o.status, o.raw)
		}
		checkParts(t, decodeParts(t, raw), whole)
		// The search indexer reads the same store in the background: the
		// fewest of a few runs is the answer's own.
		reads = min(reads, s.Store.ReadTransactions()-before)
	}
	if reads != 1 {
		t.Errorf("the parts read %d transactions, want 1: one version of the graph", reads)
	}
}

// TestDefer_events: over server-sent events the parts are "next" events.
func TestDefer_events(t *testing.T) {
	s := apitest.Serve(t, httpapi.Options{})
	var whole map[string]any
	s.MustQuery(t, wholeQuery, nil, &whole)
	events := sseEvents(t, s.URL, operation{query: deferQuery})
	parts := make([]part, len(events))
	for i, e := range events {
		if err := json.Unmarshal([]byte(e), &parts[i]); err != nil {
			t.Fatalf("event %d: %s", i, e)
		}
	}
	checkParts(t, parts, whole)
}

// TestDefer_whole: a client that does not read parts (plain JSON, a
// WebSocket) gets the answer whole, the deferred fragments in place; such
// an answer is not kept by the response cache, which goes on keeping
// answers to queries without @defer.
func TestDefer_whole(t *testing.T) {
	s := apitest.Serve(t, httpapi.Options{})
	var whole map[string]any
	s.MustQuery(t, wholeQuery, nil, &whole)
	want, _ := json.Marshal(map[string]any{"data": whole})
	for _, tr := range []transportClient{{name: "POST", do: doPOST}, {name: "GET", do: doGET}, {name: "WebSocket", do: doWebsocket}} {
		o := tr.do(t, s.URL, operation{query: deferQuery})
		var got struct {
			Data any `json:"data"` // the extensions hold the cost figures
		}
		json.Unmarshal([]byte(o.raw), &got)
		if b, _ := json.Marshal(map[string]any{"data": got.Data}); string(b) != string(want) {
			t.Errorf("%s: %s\nwant %s", tr.name, o.raw, want)
		}
	}
	body := apitest.QueryBody(deferQuery)
	for range 2 {
		if x, _ := rawPost(t, s.URL, "", body); x == "hit" {
			t.Error("an answer to a query with @defer came from the cache")
		}
	}
	rawPost(t, s.URL, "", apitest.QueryBody(wholeQuery))
	if x, _ := rawPost(t, s.URL, "", apitest.QueryBody(wholeQuery)); x != "hit" {
		t.Error("the same query without @defer is not kept")
	}
}
