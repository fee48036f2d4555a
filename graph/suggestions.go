package graph

import (
	"context"
	"strings"

	"tupu"
	"tupu/graph/model"
	"tupu/store"
	"tupu/suggest"
)

// maxSuggestions bounds the mentions, and the figures, one answer of
// Query.suggestions holds, so that the cost model can count them before
// the query runs. A news article gives a few hundred; a document that
// gives more is refused whole (COMPLEXITY_LIMIT), never cut.
const maxSuggestions = 5000

// Suggestions reads a document for what a curator may take from it (see
// package suggest), against every entity of the graph: the answer
// depends on the whole graph.
func (r *queryResolver) Suggestions(ctx context.Context, document string) (*model.DocumentSuggestions, error) {
	var doc *tupu.Document
	var entities []*tupu.Entity
	err := read(ctx, func(tx *store.Tx) error {
		d, err := tx.Document(document)
		if err != nil {
			return err
		}
		doc = d
		all, failed := tx.AllEntities()
		for e := range all {
			entities = append(entities, e)
		}
		return failed()
	})
	if tupu.ErrorCode(err) == tupu.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	found := suggest.Read(doc, entities)
	if n := max(len(found.Mentions), len(found.Figures)); n > maxSuggestions {
		return nil, tupu.Errorf(tupu.ComplexityLimit, "document %q gives %d suggestions, more than %d in one answer; split it into shorter documents", document, n, maxSuggestions)
	}
	byKey := make(map[string]*tupu.Entity, len(entities))
	for _, e := range entities {
		byKey[e.Key] = e
	}
	out := &model.DocumentSuggestions{Document: model.NewDocument(doc), Mentions: []*model.Mention{}, Facts: []*model.FactSuggestion{}}
	for _, m := range found.Mentions {
		out.Mentions = append(out.Mentions, &model.Mention{Entity: model.NewEntity(byKey[m.Entity]), Name: m.Name, Start: m.Start, End: m.End})
	}
	for _, f := range found.Figures {
		s := &model.FactSuggestion{Value: f.Value, Written: f.Written, Start: f.Start, End: f.End,
			Unit: optionalString(f.Unit), Period: optionalString(f.Period), PeriodText: optionalString(f.PeriodText),
			Source: &model.Source{DocumentKey: doc.Key, Quote: f.Quote}}
		if e := byKey[f.Entity]; e != nil {
			s.Entity = model.NewEntity(e)
		}
		if f.Qualifier != "" {
			q := model.Qualifier(strings.ToUpper(string(f.Qualifier)))
			s.Qualifier = &q
		}
		if f.PeriodBasis != "" {
			b := model.PeriodBasis(strings.ToUpper(string(f.PeriodBasis)))
			s.PeriodBasis = &b
		}
		out.Facts = append(out.Facts, s)
	}
	return out, nil
}
