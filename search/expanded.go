package search

import (
	"context"

	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	bsearcher "github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// expandedQuery is bleve's prefix query with its terms already read from
// the snapshot it searches: searcher.NewTermPrefixSearcher reads the
// terms of the prefix from the field's dictionary and then searches them
// as this does, so both match the same documents with the same scores,
// but a search that has read the terms to bound them (searcher.prefix)
// does not read them twice. (Bleve's also adds the synonyms a search
// context may carry; tupu's searches carry none.)
type expandedQuery struct {
	prefix string
	terms  []string // every term of field that starts with prefix, in term order
	field  string
}

func (q *expandedQuery) Searcher(ctx context.Context, r index.IndexReader, _ mapping.IndexMapping, options bsearch.SearcherOptions) (bsearch.Searcher, error) {
	// As NewTermPrefixSearcher, with the boost of a query that sets none.
	if len(q.terms) == 0 || (len(q.terms) == 1 && q.terms[0] == q.prefix) {
		return bsearcher.NewTermSearcher(ctx, r, q.prefix, q.field, 1, options)
	}
	return bsearcher.NewMultiTermSearcher(ctx, r, q.terms, q.field, 1, options, true)
}
