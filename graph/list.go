package graph

import (
	"tupu"
	"tupu/graph/model"
	"tupu/store"
)

// listQuery is a filter and an order for a list of entities.
type listQuery struct {
	Filter store.EntityFilter
	Order  store.Order
}

// newListQuery converts GraphQL filter and order arguments; nil means a
// plain list in key order. Filtered and ordered lists page forward only.
func newListQuery(filter *model.EntityFilter, orderBy *model.EntityOrder, args store.PageArgs) (*listQuery, error) {
	if filter == nil && orderBy == nil {
		return nil, nil
	}
	if args.Last > 0 || args.Before != nil {
		return nil, tupu.Errorf(tupu.BadUserInput, "with filter or orderBy, page forward with first and after")
	}
	q := &listQuery{}
	if f := filter; f != nil {
		q.Filter.NameContains = deref(f.NameContains)
		q.Filter.NamePrefix = deref(f.NamePrefix)
		for _, k := range f.Kinds {
			q.Filter.Kinds = append(q.Filter.Kinds, tupu.Kind(k))
		}
		if f.RelatedTo != nil {
			q.Filter.RelatedTo = keyOf(*f.RelatedTo)
		}
		if f.RelatedPredicate != nil {
			p, ok := tupu.PredicateByName(*f.RelatedPredicate)
			if !ok {
				return nil, tupu.Errorf(tupu.BadUserInput, "filter.relatedPredicate: predicate %q is unknown", *f.RelatedPredicate)
			}
			q.Filter.RelatedPredicate = p
		}
		if f.RelatedDirection != nil {
			q.Filter.RelatedDirection = tupu.Direction(*f.RelatedDirection)
		}
		if f.Fact != nil {
			q.Filter.FactProperty, q.Filter.FactMin, q.Filter.FactMax = f.Fact.Property, f.Fact.Min, f.Fact.Max
		}
	}
	if o := orderBy; o != nil {
		switch o.Field {
		case model.EntityOrderFieldName:
			q.Order.By = store.ByName
		case model.EntityOrderFieldFactValue:
			if o.Property == nil || *o.Property == "" {
				return nil, tupu.Errorf(tupu.BadUserInput, "orderBy: FACT_VALUE needs a property")
			}
			q.Order.By, q.Order.Property = store.ByFactValue, *o.Property
		}
		q.Order.Desc = o.Direction != nil && *o.Direction == model.OrderDirectionDesc
	}
	return q, nil
}

// keyOf reads an argument that may be a global ID or a key.
func keyOf(idOrKey string) string {
	if key, isEntity, err := model.ParseID(idOrKey); err == nil && isEntity {
		return key
	}
	return idOrKey
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
