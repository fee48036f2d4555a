package search

import (
	"context"
	"slices"

	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
)

// docSet is a set of documents of one index snapshot, by internal ID:
// the entities of the stages a search has run, which the later stages
// exclude. A stage that runs (or is counted) is streamed whole, or else
// the later stages are left out, so the set holds exactly the entities
// that match an earlier stage's query (and the wanted kinds): excluding
// it is excluding those queries, without running them again.
type docSet struct {
	ids   []string // internal IDs; sorted (bytewise, bleve's order) unless dirty
	dirty bool
}

func (d *docSet) add(iid string) {
	d.ids = append(d.ids, iid)
	d.dirty = true
}

func (d *docSet) len() int { return len(d.ids) }

// query returns a query matching the documents of the set, to be used as
// a MustNot clause within the snapshot the IDs come from. The set must
// not change while the query's searcher is in use.
func (d *docSet) query() *docSetQuery {
	if d.dirty {
		slices.Sort(d.ids)
		d.ids = slices.Compact(d.ids)
		d.dirty = false
	}
	return &docSetQuery{ids: d.ids}
}

// docSetQuery is a bleve query for documents given by internal ID.
type docSetQuery struct{ ids []string }

func (q *docSetQuery) Searcher(_ context.Context, _ index.IndexReader, _ mapping.IndexMapping, _ bsearch.SearcherOptions) (bsearch.Searcher, error) {
	return &docSetSearcher{ids: q.ids}, nil
}

// docSetSearcher streams the documents of a docSetQuery in index order.
// It scores nothing: it serves only as a MustNot clause.
type docSetSearcher struct {
	ids []string
	i   int
}

func (s *docSetSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	if s.i >= len(s.ids) {
		return nil, nil
	}
	dm := ctx.DocumentMatchPool.Get()
	dm.IndexInternalID = append(dm.IndexInternalID[:0], s.ids[s.i]...)
	s.i++
	return dm, nil
}

func (s *docSetSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	j, _ := slices.BinarySearch(s.ids[s.i:], string(id))
	s.i += j
	return s.Next(ctx)
}

func (s *docSetSearcher) Close() error               { return nil }
func (s *docSetSearcher) Weight() float64            { return 0 }
func (s *docSetSearcher) SetQueryNorm(float64)       {}
func (s *docSetSearcher) Count() uint64              { return uint64(len(s.ids)) }
func (s *docSetSearcher) Min() int                   { return 0 }
func (s *docSetSearcher) Size() int                  { return 64 }
func (s *docSetSearcher) DocumentMatchPoolSize() int { return 1 }
