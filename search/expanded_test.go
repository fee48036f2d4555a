package search

import (
	"context"
	"testing"

	"github.com/blevesearch/bleve/v2"
	index "github.com/blevesearch/bleve_index_api"
)

// TestExpandedQuery: a prefix whose terms the search has read (its
// expandedQuery) matches what bleve's prefix query matches, with the
// same scores, on every field a search expands prefixes of.
func TestExpandedQuery(t *testing.T) {
	ix := seedIndex(t)
	bi, r := readerOf(t, ix)
	matches := func(t *testing.T, s *searcher, p, field string) map[string]float64 {
		t.Helper()
		hits, _, _, err := s.collect(s.prefix(p, field), true, 10_000)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]float64{}
		for _, h := range hits {
			m[string(h.iid)] = h.score
		}
		return m
	}
	expanded, matched := 0, 0
	for _, tt := range []struct{ prefix, field string }{
		{"数", fNames}, {"qual", fNames}, {"仙桃", fXName}, {"qualcomm", fXName}, {"重庆", fXAlias},
		{"yub", fPyName}, {"cq", fPyAlias}, {"shuju", fPyInner}, {"labor", fStem}, {"nothing", fNames},
	} {
		t.Run(tt.field+"/"+tt.prefix, func(t *testing.T) {
			s := &searcher{ctx: context.Background(), bi: bi, r: r}
			q := s.prefix(tt.prefix, tt.field)
			if _, ok := q.(*expandedQuery); !ok {
				t.Skipf("%T: more terms than a search expands", q)
			}
			expanded++
			got := matches(t, s, tt.prefix, tt.field)
			want := map[string]float64{}
			hits, _, _, err := (&searcher{ctx: context.Background(), bi: bi, r: r}).collect(prefix(tt.prefix, tt.field), true, 10_000)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hits {
				want[string(h.iid)] = h.score
			}
			if len(want) > 0 {
				matched++
			}
			if len(got) != len(want) {
				t.Fatalf("%d matches, bleve's prefix query %d", len(got), len(want))
			}
			for id, score := range want {
				if g, ok := got[id]; !ok || g != score {
					t.Errorf("document %x: score %v (matched %v), bleve's prefix query %v", id, g, ok, score)
				}
			}
		})
	}
	if expanded < 8 || matched < 7 {
		t.Errorf("%d prefixes expanded, %d matched: too few to compare", expanded, matched)
	}
}

// readerOf returns ix's bleve index and a reader of its snapshot, both
// released when the test ends.
func readerOf(t *testing.T, ix *Index) (bleve.Index, index.IndexReader) {
	t.Helper()
	bi, release, err := ix.index()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	adv, err := bi.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return bi, r
}
