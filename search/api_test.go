package search_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tupu/httpapi"
	"tupu/httpapi/apitest"
	"tupu/indexer"
	"tupu/store"
)

// searchHit is a search result as these tests read it.
type searchHit struct {
	Entity     struct{ Key string }
	Tier       string
	Field      string
	Matched    string
	Highlights []struct {
		Text       string
		Start, End int
	}
}

// searchFor runs a search through the API and returns its total and hits.
func searchFor(tb testing.TB, s *apitest.Server, q string, first int) (int, []searchHit) {
	tb.Helper()
	var r struct {
		Search struct {
			TotalCount int
			Nodes      []searchHit
		}
	}
	s.MustQuery(tb, `query($q: String!, $n: Int) { search(query: $q, first: $n) {
	  totalCount nodes { entity { key } tier field matched highlights { text start end } } } }`,
		map[string]any{"q": q, "n": first}, &r)
	return r.Search.TotalCount, r.Search.Nodes
}

// Chinese as readers type it: each query ranks first the entity its
// simplified, plain-pinyin form ranks first, in the same tier.
func TestSearch_asTyped(t *testing.T) {
	s := apitest.Serve(t, httpapi.Options{})
	for _, c := range []struct{ typed, plain, key string }{
		// Traditional characters.
		{"渝北區", "渝北区", "yubei-district"},
		{"仙桃數據谷", "仙桃数据谷", "xiantao-data-valley"},
		{"數據谷", "数据谷", "xiantao-data-valley"},
		{"重慶郵電大學", "重庆邮电大学", "cqupt"},
		{"雲陽縣", "云阳县", "yunyang-county"},
		{"德州儀器", "德州仪器", "texas-instruments"},
		{"智能座艙", "智能座舱", "smart-cockpit-joint-lab"},
		// Pinyin with tone marks, tone numbers, capitals, full width.
		{"xiāntáo", "xiantao", "xiantao-data-valley"},
		{"Yúběi", "yubei", "yubei-district"},
		{"xian1tao2", "xiantao", "xiantao-data-valley"},
		{"ｘｉａｎｔａｏ", "xiantao", "xiantao-data-valley"},
		// Pinyin mixed with characters.
		{"xiantao数据谷", "xiantaoshujugu", "xiantao-data-valley"},
		{"yubei区", "yubeiqu", "yubei-district"},
	} {
		_, want := searchFor(t, s, c.plain, 5)
		if len(want) == 0 || want[0].Entity.Key != c.key {
			t.Errorf("%q: %+v, want %s first", c.plain, want, c.key)
			continue
		}
		_, got := searchFor(t, s, c.typed, 5)
		if len(got) == 0 || got[0].Entity.Key != c.key || got[0].Tier != want[0].Tier {
			t.Errorf("%q: %+v, want %s first in tier %s as for %q", c.typed, got, c.key, want[0].Tier, c.plain)
			continue
		}
		// Highlights mark the stored text, whichever script the query used.
		h := got[0]
		if len(h.Highlights) == 0 || h.Highlights[0].Text != h.Matched || h.Highlights[0].End <= h.Highlights[0].Start {
			t.Errorf("%q: highlights %+v of %q", c.typed, h.Highlights, h.Matched)
		}
	}
}

// A curator's document in traditional characters: the entities named in
// it, as it writes them, are found in either script, and its quotes are
// checked verbatim against its text: nothing folds them.
func TestSearch_traditionalDocument(t *testing.T) {
	s := apitest.Serve(t, httpapi.Options{})
	admin := s.Token(t, "root", store.RoleAdmin)
	editor := s.Token(t, "alice", store.RoleEditor)
	mustAs := func(secret, q string, vars map[string]any) {
		t.Helper()
		if r := s.As(t, secret, q, vars); len(r.Errors) > 0 {
			t.Fatalf("%s: %s", q, r.Raw)
		}
	}
	mustAs(admin, `mutation($in: AddDocumentInput!) { addDocument(input: $in) { document { key } } }`, map[string]any{"in": map[string]any{
		"key": "hk-2021", "title": "渝北數據谷見聞", "language": "zh-Hant",
		"text": "位於渝北區的仙桃數據谷，今年新設「車載語音聯合實驗室」，與香港科技大學合作。\n",
	}})
	mustAs(editor, `mutation { createEntity(input: {key: "voice-lab", kind: LAB, name: "車載語音聯合實驗室",
	  source: {document: "hk-2021", quote: "今年新設「車載語音聯合實驗室」"}}) { entity { key } } }`, nil)

	// The quote in the other script is not the document's text.
	r := s.As(t, editor, `mutation { setFact(input: {entity: "voice-lab", property: "founded", text: "今年",
	  source: {document: "hk-2021", quote: "今年新设「车载语音联合实验室」"}}) { fact { property } } }`, nil)
	if len(r.Errors) == 0 || r.Code() != "BAD_USER_INPUT" {
		t.Errorf("a quote in simplified characters for a traditional document: %s, want BAD_USER_INPUT", r.Raw)
	}
	mustAs(editor, `mutation { setFact(input: {entity: "voice-lab", property: "founded", text: "今年",
	  source: {document: "hk-2021", quote: "今年新設「車載語音聯合實驗室」"}}) { fact { property } } }`, nil)

	for _, q := range []string{"车载语音联合实验室", "車載語音聯合實驗室", "车载语音", "語音", "chezaiyuyin"} {
		found := false
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, hits := searchFor(t, s, q, 1); len(hits) > 0 && hits[0].Entity.Key == "voice-lab" {
				if hits[0].Matched != "車載語音聯合實驗室" {
					t.Errorf("%q: matched %q, want the name as stored", q, hits[0].Matched)
				}
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%q does not find the lab named in the traditional document", q)
		}
	}
}

// rankingCase is a line of testdata/ranking.tsv.
type rankingCase struct {
	kind, query, key, note string
}

func loadRanking(tb testing.TB) []rankingCase {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "ranking.tsv"))
	if err != nil {
		tb.Fatal(err)
	}
	var cs []rankingCase
	for i, line := range strings.Split(string(raw), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 3 || len(f) > 4 || f[1] == "" || f[2] == "" {
			tb.Fatalf("ranking.tsv:%d: want kind, query, key and an optional note, tab-separated: %q", i+1, line)
		}
		c := rankingCase{kind: f[0], query: f[1], key: f[2]}
		if len(f) == 4 {
			c.note = f[3]
		}
		cs = append(cs, c)
	}
	return cs
}

// The ranking set: what people type and the entity they expect first,
// searched through the API. It reports the mean reciprocal rank (the
// mean of 1/rank of the expected entity in the first 10 results, 0 when
// it is not among them), overall and by kind of query, and the misses;
// it fails below minMRR. Run with -v to see the report.
func TestSearch_ranking(t *testing.T) {
	const minMRR = 0.9
	cases := loadRanking(t)
	if len(cases) < 60 {
		t.Fatalf("the ranking set has %d queries, want at least 60", len(cases))
	}
	s := apitest.Serve(t, httpapi.Options{})
	known := map[string]bool{}
	for _, c := range cases {
		if _, ok := known[c.key]; !ok {
			var one struct{ Entity *struct{ Key string } }
			s.MustQuery(t, `query($k: String!) { entity(key: $k) { key } }`, map[string]any{"k": c.key}, &one)
			known[c.key] = one.Entity != nil
		}
	}
	type tally struct {
		n   int
		sum float64
	}
	byKind := map[string]*tally{}
	var kinds []string
	var all tally
	var misses []string
	for _, c := range cases {
		if !known[c.key] {
			t.Errorf("%q expects %s, which the seed does not have", c.query, c.key)
			continue
		}
		_, hits := searchFor(t, s, c.query, 10)
		rr, rank := 0.0, 0
		for i, h := range hits {
			if h.Entity.Key == c.key {
				rank = i + 1
				rr = 1 / float64(rank)
				break
			}
		}
		if byKind[c.kind] == nil {
			byKind[c.kind] = &tally{}
			kinds = append(kinds, c.kind)
		}
		byKind[c.kind].n++
		byKind[c.kind].sum += rr
		all.n++
		all.sum += rr
		if rank != 1 {
			first := "nothing"
			if len(hits) > 0 {
				first = hits[0].Entity.Key + " (" + hits[0].Tier + ")"
			}
			where := "not in the first 10"
			if rank > 0 {
				where = fmt.Sprintf("rank %d", rank)
			}
			miss := fmt.Sprintf("%s %q: %s at %s, first %s", c.kind, c.query, c.key, where, first)
			if c.note != "" {
				miss += "; " + c.note
			}
			misses = append(misses, miss)
		}
	}
	mrr := all.sum / float64(all.n)
	t.Logf("mean reciprocal rank %.3f over %d queries, %d not first", mrr, all.n, len(misses))
	for _, k := range kinds {
		t.Logf("  %-12s %.3f (%d)", k, byKind[k].sum/float64(byKind[k].n), byKind[k].n)
	}
	for _, m := range misses {
		t.Logf("  miss: %s", m)
	}
	if mrr < minMRR {
		t.Errorf("mean reciprocal rank %.3f, want at least %.2f", mrr, minMRR)
	}
}

// TestSearch_indexBehind: the index follows the graph a moment behind
// (on a cluster, behind another server's writes too). A search in that
// moment that hits an entity the graph no longer holds answers without
// it, not with an error for the whole search. The index here does not
// follow the store at all, so the moment lasts.
func TestSearch_indexBehind(t *testing.T) {
	s := apitest.SeededStore(t, filepath.Join(t.TempDir(), "tupu.db"))
	x, err := indexer.Open(filepath.Join(t.TempDir(), "search"), s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	h, err := httpapi.New(s, httpapi.Options{Search: x})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	api := &apitest.Server{Store: s, URL: ts.URL}

	total, hits := searchFor(t, api, "德州仪器", 10)
	if len(hits) == 0 || hits[0].Entity.Key != "texas-instruments" {
		t.Fatalf("before the delete: %+v", hits)
	}
	err = s.Update(context.Background(), func(tx *store.Tx) error { // as deleteEntity with cascade does
		e, err := tx.Entity("texas-instruments")
		if err != nil {
			return err
		}
		_, err = tx.RemoveEntity("curator", e.Key, e.Version, true)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r := api.Post(t, `query($q: String!) { search(query: $q, first: 10) { totalCount nodes { entity { key } } } }`, map[string]any{"q": "德州仪器"})
	if len(r.Errors) > 0 {
		t.Fatalf("a search whose index is behind a delete: %s", r.Errors)
	}
	after, hitsAfter := searchFor(t, api, "德州仪器", 10)
	for _, h := range hitsAfter {
		if h.Entity.Key == "texas-instruments" {
			t.Errorf("the deleted entity is among the hits: %+v", hitsAfter)
		}
	}
	if len(hitsAfter) != len(hits)-1 || after != total-1 {
		t.Errorf("after the delete: %d of %d hits, want %d of %d", len(hitsAfter), after, len(hits)-1, total-1)
	}
}
