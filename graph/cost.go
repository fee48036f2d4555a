package graph

import (
	"tupu"
	"tupu/graph/limits"
	"tupu/graph/model"
	"tupu/search"
	"tupu/store"
)

// CostModel is the cost model of graph/limits for this schema: it bounds
// what each field can give from the statistics the store keeps of the
// graph (store.Statistics), read afresh for every operation. A relation
// followed from an entity holds at most the most such edges one entity of
// its kind has; a root list of a kind at most the entities of that kind;
// an entity's facts at most the most facts one entity of its kind has;
// each also at most the page asked for. The lists that are not the
// graph's are bounded by their arguments (the ids of nodes, the maxNodes
// of a neighbourhood, the first and maxHops of paths) or by the
// vocabulary (kinds, predicates).
func CostModel(s *store.Store) limits.Graph { return costModel{s} }

type costModel struct{ store *store.Store }

var _ limits.Graph = costModel{}

// Kind implements limits.Graph.
func (costModel) Kind(typeName string) string { return string(model.KindOfType(typeName)) }

// Bound implements limits.Graph.
func (m costModel) Bound(s limits.Scope, f limits.Field) limits.Bound {
	st := m.store.Statistics()
	kind := tupu.Kind(s.Kind)
	name := f.Object() + "." + f.Name()
	if rule, ok := fieldBounds[name]; ok {
		return rule(st, kind, f)
	}
	if f.Implements("Entity") {
		if rule, ok := fieldBounds["Entity."+f.Name()]; ok {
			return rule(st, kind, f)
		}
	}
	if n, ok := namedRelations[name]; ok {
		return relationBound(st, kind, n.filter(), f)
	}
	if k, ok := rootKinds[name]; ok {
		return pageBound(k, st.Entities(k), f)
	}
	return limits.Pages{}.Bound(s, f)
}

// boundRule bounds one field on an object of kind kind ("" when unknown).
type boundRule func(st *store.Statistics, kind tupu.Kind, f limits.Field) limits.Bound

// fieldBounds are the fields the rules of Bound do not cover by their
// shape alone, by "Type.field" ("Entity.field" for every entity type).
var fieldBounds = map[string]boundRule{
	"Entity.facts": func(st *store.Statistics, kind tupu.Kind, _ limits.Field) limits.Bound {
		return limits.Bound{N: st.Facts(kind)}
	},
	"Entity.relations": func(st *store.Statistics, kind tupu.Kind, f limits.Field) limits.Bound {
		var pred *string
		if p, ok := f.String("predicate"); ok {
			pred = &p
		}
		var dir *model.Direction
		if d, ok := f.String("direction"); ok {
			dir = (*model.Direction)(&d)
		}
		var far *model.EntityKind
		if k, ok := f.String("kind"); ok {
			far = (*model.EntityKind)(&k)
		}
		filter, err := relationsFilter(pred, dir, far)
		if err != nil {
			return limits.Bound{N: 1} // refused by the resolver: no items
		}
		return relationBound(st, kind, filter, f)
	},
	"Query.entities": func(st *store.Statistics, _ tupu.Kind, f limits.Field) limits.Bound {
		k, _ := f.String("kind")
		return pageBound(tupu.Kind(k), st.Entities(tupu.Kind(k)), f)
	},
	"Query.search": func(st *store.Statistics, _ tupu.Kind, f limits.Field) limits.Bound {
		kinds, _ := f.Strings("kinds")
		if len(kinds) == 0 {
			return pageBound("", st.Entities(""), f)
		}
		n := 0
		for _, k := range kinds {
			n += st.Entities(tupu.Kind(k))
		}
		one := tupu.Kind("")
		if len(kinds) == 1 {
			one = tupu.Kind(kinds[0])
		}
		return pageBound(one, n, f)
	},
	"SearchResult.entity": func(_ *store.Statistics, kind tupu.Kind, _ limits.Field) limits.Bound {
		return limits.Bound{N: 1, Child: limits.Scope{Kind: string(kind)}}
	},
	// Each highlight marks what one word of the query matched.
	"SearchResult.highlights": func(*store.Statistics, tupu.Kind, limits.Field) limits.Bound {
		return limits.Bound{N: search.MaxQueryRunes}
	},
	"Query.neighborhood": func(_ *store.Statistics, _ tupu.Kind, f limits.Field) limits.Bound {
		n, ok := f.Int("maxNodes")
		if !ok || n < 1 || n > maxNeighborhoodNodes {
			n = maxNeighborhoodNodes // refused by the resolver
		}
		return limits.Bound{N: 1, Child: limits.Scope{Items: n}}
	},
	// A neighbourhood holds at most maxNodes entities (its scope's items)
	// and MaxRelationsPerEntity relations per entity allowed.
	"Subgraph.nodes": func(*store.Statistics, tupu.Kind, limits.Field) limits.Bound {
		return limits.Bound{N: 1, PerItem: true}
	},
	"Subgraph.edges": func(*store.Statistics, tupu.Kind, limits.Field) limits.Bound {
		return limits.Bound{N: store.MaxRelationsPerEntity, PerItem: true}
	},
	"Query.paths": func(_ *store.Statistics, _ tupu.Kind, f limits.Field) limits.Bound {
		n, ok := f.Int("first")
		if !ok || n < 1 || n > maxPaths {
			n = maxPaths
		}
		hops, ok := f.Int("maxHops")
		if !ok || hops < 1 || hops > store.MaxPathHops {
			hops = store.MaxPathHops
		}
		return limits.Bound{N: n, Child: limits.Scope{Items: hops}}
	},
	"Path.steps": func(*store.Statistics, tupu.Kind, limits.Field) limits.Bound {
		return limits.Bound{N: 1, PerItem: true}
	},
	"Query.properties": func(st *store.Statistics, _ tupu.Kind, _ limits.Field) limits.Bound {
		return limits.Bound{N: st.Properties()}
	},
	// A series is facts of one entity.
	"Query.series": func(st *store.Statistics, _ tupu.Kind, _ limits.Field) limits.Bound {
		return limits.Bound{N: st.Facts("")}
	},
	// A document's suggestions are refused past maxSuggestions of each.
	"DocumentSuggestions.mentions": func(*store.Statistics, tupu.Kind, limits.Field) limits.Bound {
		return limits.Bound{N: maxSuggestions}
	},
	"DocumentSuggestions.facts": func(*store.Statistics, tupu.Kind, limits.Field) limits.Bound {
		return limits.Bound{N: maxSuggestions}
	},
	"Query.kinds": func(*store.Statistics, tupu.Kind, limits.Field) limits.Bound {
		return limits.Bound{N: len(tupu.Kinds)}
	},
	"Query.predicates": func(*store.Statistics, tupu.Kind, limits.Field) limits.Bound {
		return limits.Bound{N: len(tupu.Predicates)}
	},
	"Query.tokens": func(*store.Statistics, tupu.Kind, limits.Field) limits.Bound {
		return limits.Bound{N: store.MaxTokens}
	},
}

// rootKinds are the root lists of one kind, by "Query.field".
var rootKinds = map[string]tupu.Kind{
	"Query.districts":      tupu.KindDistrict,
	"Query.parks":          tupu.KindPark,
	"Query.companies":      tupu.KindCompany,
	"Query.labs":           tupu.KindLab,
	"Query.talentPrograms": tupu.KindTalentProgram,
	"Query.counties":       tupu.KindCounty,
}

// relationBound bounds a relation of an entity of kind kind: a connection
// of at most the page asked for and at most the most edges the filter
// selects one entity of that kind has; or one entity (a single-valued
// named relation).
func relationBound(st *store.Statistics, kind tupu.Kind, filter store.EdgeFilter, f limits.Field) limits.Bound {
	if !f.Paged() {
		return limits.Bound{N: 1, Child: limits.Scope{Kind: string(filter.Kind)}}
	}
	return limits.Bound{N: 1, Child: limits.Scope{Kind: string(filter.Kind), Items: min(f.Page(), st.Fanout(kind, filter))}}
}

// pageBound bounds a connection over at most n entities of kind kind ("" for
// several kinds).
func pageBound(kind tupu.Kind, n int, f limits.Field) limits.Bound {
	return limits.Bound{N: 1, Child: limits.Scope{Kind: string(kind), Items: min(f.Page(), n)}}
}
