package search

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// TestPhraseQueryMatchesBleve checks that phraseQuery matches the same
// documents with the same scores as bleve's multi-phrase query, on runs
// of the names, words and descriptions of a generated graph.
func TestPhraseQueryMatchesBleve(t *testing.T) {
	es := synthetic(5000)
	ix, err := Open(filepath.Join(t.TempDir(), "search"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() }) // after the reader is released
	if err := ix.Rebuild(context.Background(), slices.Values(es), 1); err != nil {
		t.Fatal(err)
	}
	bi, r := readerOf(t, ix)
	ana := bi.Mapping().AnalyzerNamed(textAna)
	stream := func(q query.Query) []scored {
		t.Helper()
		sr, err := q.Searcher(context.Background(), r, bi.Mapping(), bsearch.SearcherOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer sr.Close()
		sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(sr.DocumentMatchPoolSize()+1, 0), IndexReader: r}
		var out []scored
		for {
			dm, err := sr.Next(sctx)
			if err != nil {
				t.Fatal(err)
			}
			if dm == nil {
				return out
			}
			out = append(out, scored{iid: string(dm.IndexInternalID), score: dm.Score})
			sctx.DocumentMatchPool.Put(dm)
		}
	}
	texts := []string{"实验室", "数据谷", "joint laboratory", "data valley", "科技有限公司", "co ltd", "重庆 数据", "a data valley in"}
	for i, e := range es[:150] {
		name := []rune(e.Name)
		texts = append(texts, e.Name, string(name[i%2:i%2+2]), string(name[1:]), e.NameEn,
			strings.Join(strings.Fields(e.NameEn)[1:], " "), e.Description)
	}
	checked := 0
	for _, text := range texts {
		terms := runTerms(ana, text)
		if len(terms) < 2 {
			continue
		}
		for _, field := range []string{fNames, fDesc} {
			want := stream(query.NewMultiPhraseQuery(terms, field))
			got := stream(&phraseQuery{terms: terms, field: field})
			if !slices.Equal(got, want) {
				t.Errorf("%q in %s: %d matches, bleve's phrase query %d", text, field, len(got), len(want))
			}
			checked++
		}
	}
	if checked < 500 {
		t.Errorf("only %d phrases checked", checked)
	}
}
