package graph

import (
	"context"
	"slices"

	"tupu"
	"tupu/graph/exec"
	"tupu/graph/model"
	"tupu/store"
)

// The resolvers for exploring the graph beyond typed navigation:
// traversal, and facts across entities.

// Caps on traversal answers; the store fails with COMPLEXITY_LIMIT past them.
const (
	maxNeighborhoodNodes = 2000
	maxPathsVisited      = 100000
	maxPaths             = 100
)

func predicates(names []string) ([]tupu.Predicate, error) {
	out := make([]tupu.Predicate, len(names))
	for i, n := range names {
		p, ok := tupu.PredicateByName(n)
		if !ok {
			return nil, tupu.Errorf(tupu.BadUserInput, "predicate %q is unknown", n)
		}
		out[i] = p
	}
	return out, nil
}

func (r *queryResolver) Neighborhood(ctx context.Context, id string, depth *int, preds []string, kinds []model.EntityKind, maxNodes *int) (*model.Subgraph, error) {
	ps, err := predicates(preds)
	if err != nil {
		return nil, err
	}
	limit := *maxNodes
	if limit < 1 || limit > maxNeighborhoodNodes {
		return nil, tupu.Errorf(tupu.BadUserInput, "maxNodes must be between 1 and %d, got %d", maxNeighborhoodNodes, limit)
	}
	ks := make([]tupu.Kind, len(kinds))
	for i, k := range kinds {
		ks[i] = tupu.Kind(k)
	}
	var g *store.Subgraph
	err = read(ctx, func(tx *store.Tx) error {
		g, err = tx.Neighborhood(keyOf(id), *depth, ps, ks, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &model.Subgraph{Nodes: make([]model.Entity, len(g.Entities)), Edges: make([]*model.SubgraphEdge, len(g.Relations))}
	for i, e := range g.Entities {
		out.Nodes[i] = model.NewEntity(e)
	}
	for i, rel := range g.Relations {
		out.Edges[i] = &model.SubgraphEdge{From: model.EntityID(rel.Subject), To: model.EntityID(rel.Object),
			Predicate: string(rel.Predicate), Source: model.NewSource(rel.Source)}
	}
	return out, nil
}

func (r *queryResolver) Paths(ctx context.Context, from, to string, maxHops *int, preds []string, first *int) ([]*model.Path, error) {
	ps, err := predicates(preds)
	if err != nil {
		return nil, err
	}
	if *first < 1 || *first > maxPaths {
		return nil, tupu.Errorf(tupu.BadUserInput, "first must be between 1 and %d, got %d", maxPaths, *first)
	}
	var paths [][]store.Step
	entities := map[string]*tupu.Entity{}
	err = read(ctx, func(tx *store.Tx) error {
		paths, err = tx.Paths(keyOf(from), keyOf(to), *maxHops, ps, *first, maxPathsVisited)
		if err != nil {
			return err
		}
		for _, p := range paths {
			for _, s := range p {
				for _, k := range []string{s.From, s.To} {
					if entities[k] == nil {
						if entities[k], err = tx.Entity(k); err != nil {
							return err
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*model.Path, len(paths))
	for i, p := range paths {
		steps := make([]*model.PathStep, len(p))
		for j, s := range p {
			steps[j] = &model.PathStep{From: model.NewEntity(entities[s.From]), Predicate: string(s.Predicate),
				Direction: model.Direction(s.Direction), To: model.NewEntity(entities[s.To]), Source: model.NewSource(s.Source)}
		}
		out[i] = &model.Path{Length: len(p), Steps: steps}
	}
	return out, nil
}

func (r *queryResolver) Facts(ctx context.Context, filter *model.FactFilter, orderBy *model.FactOrder, first *int, after *string) (*model.FactConnection, error) {
	args, err := pageArgs(first, after, nil, nil)
	if err != nil {
		return nil, err
	}
	var q store.FactQuery
	if f := filter; f != nil {
		q.Property, q.PeriodFrom, q.PeriodTo, q.Min, q.Max = deref(f.Property), deref(f.PeriodFrom), deref(f.PeriodTo), f.Min, f.Max
		for _, k := range f.Kinds {
			q.Kinds = append(q.Kinds, tupu.Kind(k))
		}
	}
	if o := orderBy; o != nil {
		q.OrderByValue = o.Field == model.FactOrderFieldValue
		q.Desc = o.Direction != nil && *o.Direction == model.OrderDirectionDesc
	}
	var p *store.FactPage
	err = read(ctx, func(tx *store.Tx) error {
		p, err = tx.QueryFacts(q, args.First, args.After)
		return err
	})
	if err != nil {
		return nil, err
	}
	c := &model.FactConnection{TotalCount: p.Total, PageInfo: pageInfo(p.Cursors, p.HasNext, args.After != nil && p.Total > 0),
		Edges: make([]*model.FactEdge, len(p.Facts)), Nodes: make([]*model.Fact, len(p.Facts))}
	for i := range p.Facts {
		f := model.NewFact(&p.Facts[i])
		c.Nodes[i] = f
		c.Edges[i] = &model.FactEdge{Cursor: encodeCursor(p.Cursors[i]), Node: f}
	}
	return c, nil
}

func (r *queryResolver) Properties(ctx context.Context) ([]*model.PropertyInfo, error) {
	var props []store.Property
	err := read(ctx, func(tx *store.Tx) error {
		var err error
		props, err = tx.Properties()
		return err
	})
	out := make([]*model.PropertyInfo, len(props))
	for i, p := range props {
		out[i] = &model.PropertyInfo{Property: p.Property, LabelZh: p.Label, Units: slices.Clip(p.Units), Count: p.Count}
		if out[i].Units == nil {
			out[i].Units = []string{}
		}
	}
	return out, err
}

func (r *queryResolver) Series(ctx context.Context, entity string, property string) ([]*model.Fact, error) {
	var facts []tupu.Fact
	err := read(ctx, func(tx *store.Tx) error {
		key := keyOf(entity)
		if _, err := tx.Entity(key); err != nil {
			return err
		}
		var err error
		facts, err = tx.Facts(key, property, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]*model.Fact, len(facts))
	for i := range facts {
		out[i] = model.NewFact(&facts[i])
	}
	return out, nil
}

type factResolver struct{ *Resolver }

var _ exec.FactResolver = (*factResolver)(nil)

// Fact returns the resolver of Fact's fields.
func (r *Resolver) Fact() exec.FactResolver { return &factResolver{r} }

func (r *factResolver) Entity(ctx context.Context, obj *model.Fact) (model.Entity, error) {
	e, err := loadEntity(ctx, obj.EntityKey())
	if err != nil {
		return nil, err
	}
	return model.NewEntity(e), nil
}
