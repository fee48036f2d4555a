package store

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"tupu"
)

// OrderBy names what a list is sorted by.
type OrderBy int

// The orders of entity lists.
const (
	ByKey       OrderBy = iota // the entity's key
	ByName                     // the canonical name, Latin letters folded
	ByFactValue                // the normalized value of a fact (Order.Property)
)

// Order sorts a list.
type Order struct {
	By       OrderBy
	Property string // for ByFactValue
	Desc     bool
}

// EntityFilter narrows a list of entities; zero fields select all.
type EntityFilter struct {
	NameContains string // inside the name, English name or an alias
	NamePrefix   string // at the start of one of them
	Kinds        []tupu.Kind
	// The entity has a relation: with RelatedTo (a key) if set, of
	// RelatedPredicate if set, with the entity at RelatedDirection's end.
	RelatedTo        string
	RelatedPredicate tupu.Predicate
	RelatedDirection tupu.Direction
	// The entity has a fact of FactProperty, with a normalized value
	// within [FactMin, FactMax] when they are set.
	FactProperty     string
	FactMin, FactMax *float64
}

func (f *EntityFilter) isZero() bool {
	return f.NameContains == "" && f.NamePrefix == "" && len(f.Kinds) == 0 && f.RelatedTo == "" &&
		f.RelatedPredicate == "" && f.FactProperty == ""
}

// matches reports whether e passes the filter.
func (t *Tx) matches(e *tupu.Entity, f *EntityFilter) (bool, error) {
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, e.Kind) {
		return false, nil
	}
	if f.NameContains != "" || f.NamePrefix != "" {
		contains, prefix := tupu.NormalizeName(f.NameContains), tupu.NormalizeName(f.NamePrefix)
		ok := false
		for _, n := range e.Names() {
			n = tupu.NormalizeName(n)
			if strings.Contains(n, contains) && strings.HasPrefix(n, prefix) {
				ok = true
				break
			}
		}
		if !ok {
			return false, nil
		}
	}
	if f.RelatedTo != "" || f.RelatedPredicate != "" {
		ef := EdgeFilter{Direction: f.RelatedDirection}
		if f.RelatedPredicate != "" {
			ef.Predicates = []tupu.Predicate{f.RelatedPredicate}
		}
		if f.RelatedTo == "" {
			if t.CountEdges(e.Key, ef) == 0 {
				return false, nil
			}
		} else {
			other, err := t.Entity(f.RelatedTo)
			if tupu.ErrorCode(err) == tupu.NotFound {
				return false, nil
			}
			if err != nil {
				return false, err
			}
			ef.Kind = other.Kind
			found := false
			groups, _ := t.edgeGroups(e.Key, ef)
			for _, g := range groups {
				if t.get(bucketEdges, edgeKey(e.Key, g.id, other.Key)) != nil {
					found = true
					break
				}
			}
			if !found {
				return false, nil
			}
		}
	}
	if f.FactProperty != "" {
		if _, ok, err := t.factValue(e.Key, f.FactProperty, f.FactMin, f.FactMax); err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// factValue returns the normalized value of the first fact of entity with
// property (in period order) whose value lies within [min, max].
func (t *Tx) factValue(entity, property string, min, max *float64) (float64, bool, error) {
	facts, err := t.Facts(entity, property, "")
	if err != nil {
		return 0, false, err
	}
	for _, f := range facts {
		v, ok := factNumber(&f)
		if ok && (min == nil || v >= *min) && (max == nil || v <= *max) {
			return v, true, nil
		}
	}
	return 0, false, nil
}

// factNumber is a fact's value in its base unit, or as written when its
// unit is not one Normalize knows.
func factNumber(f *tupu.Fact) (float64, bool) {
	if n, _, ok := f.Normalized(); ok {
		return n, true
	}
	if f.Value != nil {
		return *f.Value, true
	}
	return 0, false
}

// FilteredPage is a page of a filtered, ordered list, read forward.
type FilteredPage struct {
	Entities []*tupu.Entity
	Cursors  [][]byte
	Total    int
	HasNext  bool
	HasPrev  bool
}

// QueryEntities pages forward through the entities of a kind (all kinds
// when empty) that pass the filter, in the given order. With ByFactValue
// only entities that have the fact are listed, once per period of it.
// The total counts every match; without a filter it reads a counter.
func (t *Tx) QueryEntities(kind tupu.Kind, f EntityFilter, o Order, first int, after []byte) (*FilteredPage, error) {
	if kind != "" {
		if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, kind) {
			return &FilteredPage{}, nil // the filter's kinds exclude the list's kind
		}
		f.Kinds = []tupu.Kind{kind}
	}
	var r *ranges
	var keyOf func(k []byte) (string, bool)
	switch o.By {
	case ByKey:
		if kind != "" {
			r = newRanges(t, bucketKinds, kindsPrefix(kind))
			keyOf = func(k []byte) (string, bool) {
				_, entity, ok := decodeKindsKey(k)
				return string(entity), ok
			}
		} else {
			r = newRanges(t, bucketEntities, nil)
			keyOf = func(k []byte) (string, bool) { return string(k), true }
		}
	case ByName:
		k := allKinds
		if kind != "" {
			k = string(kind)
		}
		r = newRanges(t, bucketByName, byNamePrefix(k))
		keyOf = func(k []byte) (string, bool) { return string(byNameEntity(k)), true }
	case ByFactValue:
		if o.Property == "" {
			return nil, tupu.Errorf(tupu.BadUserInput, "ordering by a fact's value needs the fact's property")
		}
		r = newRanges(t, bucketFactValues, factValuesPrefix(o.Property))
		keyOf = func(k []byte) (string, bool) {
			fv, ok := decodeFactValueKey(k)
			return string(fv.entity), ok && (len(f.Kinds) == 0 || slices.Contains(f.Kinds, tupu.Kind(fv.kind)))
		}
	default:
		return nil, fmt.Errorf("unknown order %d", o.By)
	}
	if err := checkCursors(PageArgs{After: after}, func(c []byte) bool {
		if len(r.prefixes[0]) == 0 { // every entity by key: the cursor is a key
			return tupu.ValidateKey("cursor", string(c)) == nil
		}
		return bytes.HasPrefix(c, r.prefixes[0])
	}); err != nil {
		return nil, err
	}

	out := &FilteredPage{}
	match := func(k []byte) (*tupu.Entity, error) {
		key, ok := keyOf(k)
		if !ok {
			return nil, nil
		}
		e, err := t.Entity(key)
		if err != nil {
			return nil, err
		}
		if ok, err := t.matches(e, &f); err != nil || !ok {
			return nil, err
		}
		return e, nil
	}
	err := r.walk(after, o.Desc, func(k, _ []byte) (bool, error) {
		e, err := match(k)
		if err != nil || e == nil {
			return true, err
		}
		if len(out.Entities) == first {
			out.HasNext = true
			return false, nil
		}
		out.Entities = append(out.Entities, e)
		out.Cursors = append(out.Cursors, slices.Clone(k))
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if after != nil {
		err = r.walk(after, !o.Desc, func(k, _ []byte) (bool, error) {
			if bytes.Equal(k, after) {
				return true, nil
			}
			e, err := match(k)
			out.HasPrev = e != nil
			return e == nil, err
		})
		if err != nil {
			return nil, err
		}
		if !out.HasPrev && r.has(after) {
			e, err := match(after)
			if err != nil {
				return nil, err
			}
			out.HasPrev = e != nil
		}
	}
	if o.By != ByFactValue && onlyKinds(&f) {
		// Only kinds filter: the counters know the total.
		if len(f.Kinds) == 0 {
			out.Total = t.CountEntities("")
		}
		for _, k := range slices.Compact(slices.Sorted(slices.Values(f.Kinds))) {
			out.Total += t.CountEntities(k)
		}
		return out, nil
	}
	err = r.walk(nil, false, func(k, _ []byte) (bool, error) {
		e, err := match(k)
		if e != nil {
			out.Total++
		}
		return true, err
	})
	return out, err
}

// onlyKinds reports whether f filters by nothing but kinds.
func onlyKinds(f *EntityFilter) bool {
	g := *f
	g.Kinds = nil
	return g.isZero()
}

// MaxSortedEdges bounds how many edges of one entity a filtered or
// reordered relation list sorts in memory.
const MaxSortedEdges = 10000

// QueryEdges pages forward through the edges of entity that the edge
// filter selects and whose far end passes the entity filter, in the given
// order of the far ends. Relations are sorted in memory, so an entity with
// more than MaxSortedEdges edges fails with COMPLEXITY_LIMIT.
func (t *Tx) QueryEdges(entity string, ef EdgeFilter, f EntityFilter, o Order, first int, after []byte) (*EdgePage, error) {
	type sorted struct {
		sortKey []byte
		edge    Edge
	}
	var all []sorted
	err := t.eachEdge(entity, ef, func(e rawEdge) error {
		if len(all) >= MaxSortedEdges {
			return tupu.Errorf(tupu.ComplexityLimit, "%s has more than %d such relations to filter or sort; page through them in key order", entity, MaxSortedEdges)
		}
		other, err := t.Entity(e.other)
		if err != nil {
			return err
		}
		if ok, err := t.matches(other, &f); err != nil || !ok {
			return err
		}
		key := edgeKey(entity, edgeGroupID{e.dir, e.pred, e.kind}, e.other)
		dir := tupu.Out
		if e.dir == dirIn {
			dir = tupu.In
		}
		var sortKey []byte
		switch o.By {
		case ByName:
			sortKey = []byte(tupu.NormalizeName(other.Name))
		case ByFactValue:
			n, ok, err := t.factValue(other.Key, o.Property, nil, nil)
			if err != nil || !ok {
				return err
			}
			sortKey = sortableFloat(n)
		}
		sortKey = sortedEdgeCursor(sortKey, key)
		all = append(all, sorted{sortKey, Edge{Predicate: e.pred, Direction: dir, Other: other, value: e.value}})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b sorted) int {
		if o.Desc {
			return bytes.Compare(b.sortKey, a.sortKey)
		}
		return bytes.Compare(a.sortKey, b.sortKey)
	})
	start := 0
	if after != nil {
		start, _ = slices.BinarySearchFunc(all, after, func(s sorted, c []byte) int {
			if o.Desc {
				return bytes.Compare(c, s.sortKey)
			}
			return bytes.Compare(s.sortKey, c)
		})
		if start < len(all) && bytes.Equal(all[start].sortKey, after) {
			start++
		}
	}
	end := min(start+first, len(all))
	out := &EdgePage{Total: len(all), HasNext: end < len(all), HasPrev: start > 0}
	for _, s := range all[start:end] {
		s.edge.Cursor = s.sortKey
		out.Edges = append(out.Edges, s.edge)
	}
	return out, nil
}

// FactQuery selects facts across the graph; zero fields select all.
type FactQuery struct {
	Property             string
	Kinds                []tupu.Kind // the kinds of the entities the facts are about
	PeriodFrom, PeriodTo string      // facts whose period overlaps [PeriodFrom, PeriodTo]
	Min, Max             *float64    // bounds on the normalized value
	OrderByValue         bool        // needs Property; else by entity, property, period
	Desc                 bool
}

// FactPage is a page of facts.
type FactPage struct {
	Facts   []tupu.Fact
	Cursors [][]byte
	Total   int
	HasNext bool
}

// QueryFacts pages forward through the facts the query selects.
func (t *Tx) QueryFacts(q FactQuery, first int, after []byte) (*FactPage, error) {
	for _, p := range []string{q.PeriodFrom, q.PeriodTo} {
		if err := tupu.ValidatePeriod("period", p); err != nil {
			return nil, err
		}
	}
	var r *ranges
	var load func(k []byte) (*tupu.Fact, tupu.Kind, error)
	fact := func(entity, property, period string) (*tupu.Fact, tupu.Kind, error) {
		v := t.get(bucketFacts, factKey(entity, property, period))
		if v == nil {
			return nil, "", fmt.Errorf("index points at a missing fact %s %s %s", entity, property, period)
		}
		var f tupu.Fact
		if err := json.Unmarshal(v, &f); err != nil {
			return nil, "", err
		}
		e, err := t.Entity(entity)
		if err != nil {
			return nil, "", err
		}
		return &f, e.Kind, nil
	}
	switch {
	case q.OrderByValue && q.Property == "":
		return nil, tupu.Errorf(tupu.BadUserInput, "ordering facts by value needs a property: values of different properties do not compare")
	case q.OrderByValue:
		r = newRanges(t, bucketFactValues, factValuesPrefix(q.Property))
		load = func(k []byte) (*tupu.Fact, tupu.Kind, error) {
			fv, ok := decodeFactValueKey(k)
			if !ok {
				return nil, "", fmt.Errorf("malformed fact index key %q", k)
			}
			return fact(string(fv.entity), q.Property, string(fv.period))
		}
	case q.Property != "":
		r = newRanges(t, bucketFactProps, factPropsPrefix(q.Property))
		load = func(k []byte) (*tupu.Fact, tupu.Kind, error) {
			_, entity, period, ok := decodeFactPropKey(k)
			if !ok {
				return nil, "", fmt.Errorf("malformed fact index key %q", k)
			}
			return fact(string(entity), q.Property, string(period))
		}
	default:
		r = newRanges(t, bucketFacts, nil)
		load = func(k []byte) (*tupu.Fact, tupu.Kind, error) {
			entity, property, period, ok := decodeFactKey(k)
			if !ok {
				return nil, "", fmt.Errorf("malformed fact key %q", k)
			}
			return fact(string(entity), string(property), string(period))
		}
	}
	if err := checkCursors(PageArgs{After: after}, func(c []byte) bool {
		if len(r.prefixes[0]) == 0 { // every fact by key: entity, property, period
			entity, _, _, ok := decodeFactKey(c)
			return ok && tupu.ValidateKey("cursor", string(entity)) == nil
		}
		return bytes.HasPrefix(c, r.prefixes[0])
	}); err != nil {
		return nil, err
	}
	from, _ := tupu.PeriodBounds(cmp.Or(q.PeriodFrom, "0000"))
	_, to := tupu.PeriodBounds(cmp.Or(q.PeriodTo, "9999"))
	keep := func(k []byte) (*tupu.Fact, error) {
		f, kind, err := load(k)
		if err != nil {
			return nil, err
		}
		if len(q.Kinds) > 0 && !slices.Contains(q.Kinds, kind) {
			return nil, nil
		}
		if q.PeriodFrom != "" || q.PeriodTo != "" {
			if f.Period == "" {
				return nil, nil
			}
			first, last := tupu.PeriodBounds(f.Period)
			if first > to || last < from {
				return nil, nil
			}
		}
		if q.Min != nil || q.Max != nil {
			n, ok := factNumber(f)
			if !ok || (q.Min != nil && n < *q.Min) || (q.Max != nil && n > *q.Max) {
				return nil, nil
			}
		}
		return f, nil
	}
	out := &FactPage{}
	err := r.walk(nil, q.Desc, func(k, _ []byte) (bool, error) {
		f, err := keep(k)
		if err != nil || f == nil {
			return true, err
		}
		out.Total++
		if after != nil && !past(k, after, q.Desc) {
			return true, nil
		}
		if len(out.Facts) == first {
			out.HasNext = true
			return true, nil
		}
		out.Facts = append(out.Facts, *f)
		out.Cursors = append(out.Cursors, slices.Clone(k))
		return true, nil
	})
	return out, err
}

// past reports whether key k lies beyond cursor c in the walking order.
func past(k, c []byte, desc bool) bool {
	if desc {
		return bytes.Compare(k, c) < 0
	}
	return bytes.Compare(k, c) > 0
}

// Property describes a property facts use: its Chinese label, the units
// its facts are written in, how many facts use it.
type Property struct {
	Property string
	Label    string
	Units    []string
	Count    int
}

// Properties returns the catalogue of properties, in name order. It reads
// every fact: callers cache it by graph version.
func (t *Tx) Properties() ([]Property, error) {
	byName := map[string]*Property{}
	err := t.each(bucketFacts, func(_, v []byte) error {
		var f tupu.Fact
		if err := json.Unmarshal(v, &f); err != nil {
			return err
		}
		p := byName[f.Property]
		if p == nil {
			p = &Property{Property: f.Property, Label: f.Label}
			byName[f.Property] = p
		}
		p.Count++
		if f.Unit != "" && !slices.Contains(p.Units, f.Unit) {
			p.Units = append(p.Units, f.Unit)
		}
		return nil
	})
	out := make([]Property, 0, len(byName))
	for _, p := range byName {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Property) int { return strings.Compare(a.Property, b.Property) })
	return out, err
}
