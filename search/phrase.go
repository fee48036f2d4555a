package search

import (
	"context"
	"math"
	"slices"

	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	bsearcher "github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// phraseQuery is bleve's multi-phrase query (query.MultiPhraseQuery,
// without fuzziness or synonyms) with a cheaper check of the phrase: it
// matches the same documents with the same scores, but checks the terms'
// positions on the locations the conjunction of its terms gathers,
// instead of building bleve's maps of them for every candidate. The
// terms are those of runTerms: alternatives at each position, [""] where
// any term will do, never [""] first.
type phraseQuery struct {
	terms [][]string
	field string
}

func (q *phraseQuery) Searcher(ctx context.Context, r index.IndexReader, _ mapping.IndexMapping, options bsearch.SearcherOptions) (bsearch.Searcher, error) {
	// As searcher.NewMultiPhraseSearcher builds its conjunction.
	options.IncludeTermVectors = true
	var parts []bsearch.Searcher
	closeAll := func() {
		for _, s := range parts {
			_ = s.Close()
		}
	}
	for _, at := range q.terms {
		if len(at) == 1 && at[0] != "" {
			ts, err := bsearcher.NewTermSearcher(ctx, r, at[0], q.field, 1, options)
			if err != nil {
				closeAll()
				return nil, err
			}
			parts = append(parts, ts)
		} else if len(at) > 1 {
			var alts []bsearch.Searcher
			for _, t := range at {
				if t == "" {
					continue
				}
				ts, err := bsearcher.NewTermSearcher(ctx, r, t, q.field, 1, options)
				if err != nil {
					for _, s := range alts {
						_ = s.Close()
					}
					closeAll()
					return nil, err
				}
				alts = append(alts, ts)
			}
			ds, err := bsearcher.NewDisjunctionSearcher(ctx, r, alts, 1, options)
			if err != nil {
				closeAll()
				return nil, err
			}
			parts = append(parts, ds)
		}
	}
	must, err := bsearcher.NewConjunctionSearcher(ctx, r, parts, options)
	if err != nil {
		closeAll()
		return nil, err
	}
	// As PhraseSearcher.computeQueryNorm.
	must.SetQueryNorm(1 / math.Sqrt(must.Weight()))
	return &phraseSearcher{must: must, terms: q.terms}, nil
}

// phraseSearcher streams the matches of its conjunction whose term
// locations hold the phrase.
type phraseSearcher struct {
	must  bsearch.Searcher
	terms [][]string
}

func (s *phraseSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	for {
		dm, err := s.must.Next(ctx)
		if dm == nil || err != nil {
			return nil, err
		}
		if hasPhrase(dm.FieldTermLocations, s.terms) {
			return dm, nil
		}
		ctx.DocumentMatchPool.Put(dm)
	}
}

func (s *phraseSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	dm, err := s.must.Advance(ctx, id)
	if dm == nil || err != nil {
		return nil, err
	}
	if hasPhrase(dm.FieldTermLocations, s.terms) {
		return dm, nil
	}
	ctx.DocumentMatchPool.Put(dm)
	return s.Next(ctx)
}

func (s *phraseSearcher) Close() error               { return s.must.Close() }
func (s *phraseSearcher) Weight() float64            { return s.must.Weight() }
func (s *phraseSearcher) SetQueryNorm(qnorm float64) { s.must.SetQueryNorm(qnorm) }
func (s *phraseSearcher) Count() uint64              { return s.must.Count() }
func (s *phraseSearcher) Min() int                   { return 0 }
func (s *phraseSearcher) Size() int                  { return s.must.Size() + 64 }
func (s *phraseSearcher) DocumentMatchPoolSize() int { return s.must.DocumentMatchPoolSize() + 1 }

// hasPhrase reports whether locs, a document's locations of the phrase's
// terms in one field, hold the phrase: a location of one of terms[0] and,
// in the same value of the field, one of terms[i] i positions later for
// each i, where terms[i] is not [""].
func hasPhrase(locs []bsearch.FieldTermLocation, terms [][]string) bool {
	for _, a := range locs {
		if !slices.Contains(terms[0], a.Term) {
			continue
		}
		ok := true
		for i := 1; i < len(terms) && ok; i++ {
			at := terms[i]
			if len(at) == 0 || (len(at) == 1 && at[0] == "") {
				continue
			}
			ok = false
			for _, b := range locs {
				if b.Location.Pos == a.Location.Pos+uint64(i) && slices.Contains(at, b.Term) &&
					b.Field == a.Field && b.Location.ArrayPositions.Equals(a.Location.ArrayPositions) {
					ok = true
					break
				}
			}
		}
		if ok {
			return true
		}
	}
	return false
}
