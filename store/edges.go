package store

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"tupu"
)

// edgeValue is what an edge key maps to: the provenance of the relation.
type edgeValue struct {
	Source *tupu.Source `json:"source,omitempty"`
	Note   string       `json:"note,omitempty"`
}

// Edge is a relation seen from one of its ends.
type Edge struct {
	Predicate tupu.Predicate
	Direction tupu.Direction // Out: the entity is the subject
	Other     *tupu.Entity   // the far end
	Cursor    []byte
	value     []byte // the provenance, decoded on request
}

// Provenance returns where the relation is stated and the curator's note.
// Most readers never ask, so it is decoded only here.
func (e *Edge) Provenance() (*tupu.Source, string, error) {
	var v edgeValue
	if err := json.Unmarshal(e.value, &v); err != nil {
		return nil, "", fmt.Errorf("decode edge: %w", err)
	}
	return v.Source, v.Note, nil
}

// EdgeFilter selects the edges of an entity. Empty fields select all.
type EdgeFilter struct {
	Direction  tupu.Direction // Out, In, or Both (or empty)
	Predicates []tupu.Predicate
	Kind       tupu.Kind // the far end's kind
}

// EdgePage is one page of an entity's edges with their total count.
type EdgePage struct {
	Edges   []Edge
	Total   int
	HasNext bool
	HasPrev bool
}

// edgeGroups returns the edge groups of entity that the filter selects,
// with how many edges they hold together.
// The groups are shared with the transaction's cache: do not modify them.
func (t *Tx) edgeGroups(entity string, f EdgeFilter) (groups []edgeGroup, total int) {
	all := t.allEdgeGroups(entity)
	for i, g := range all {
		if !f.selectsGroup(g.id.dir, g.id.pred, g.id.far) {
			if groups == nil {
				groups = slices.Clip(all[:i]) // a copy from here on
			}
			continue
		}
		if groups != nil {
			groups = append(groups, g)
		}
		total += g.count
	}
	if groups == nil {
		return all, total // every group: no copy
	}
	return groups, total
}

// edgeGroup is one edge counter of an entity: the group (direction,
// predicate, far kind), the prefix of its edge keys and their number.
type edgeGroup struct {
	id     edgeGroupID
	prefix []byte
	count  int
}

// prefixes returns the edge key prefixes of groups.
func prefixes(groups []edgeGroup) [][]byte {
	p := make([][]byte, len(groups))
	for i, g := range groups {
		p[i] = g.prefix
	}
	return p
}

// allEdgeGroups returns every edge group of entity, from the cache of the
// transaction's graph version when it has them.
func (t *Tx) allEdgeGroups(entity string) []edgeGroup {
	if t.cache != nil {
		if g, ok := t.cache.getGroups(t.cacheVersion, entity); ok {
			return g
		}
	}
	var groups []edgeGroup
	r := newRanges(t, bucketEdgeCounts, edgeCountsPrefix(entity))
	for k, v := r.after(nil); k != nil; k, v = r.after(k) {
		_, group, ok := decodeEdgeCountKey(k)
		if !ok {
			continue
		}
		dir, pred, far, ok := decodeEdgeGroup(group)
		if !ok {
			continue
		}
		groups = append(groups, edgeGroup{
			id:     edgeGroupID{dir: dir, pred: tupu.Predicate(pred), far: tupu.Kind(far)},
			prefix: edgeGroupPrefix(k),
			count:  int(readU64(v)),
		})
	}
	if t.cache != nil {
		t.cache.putGroups(t.cacheVersion, entity, groups)
	}
	return groups
}

// selectsGroup reports whether the filter selects the edges in direction
// dir (dirIn or dirOut) with predicate pred whose far end is of kind far.
func (f EdgeFilter) selectsGroup(dir byte, pred tupu.Predicate, far tupu.Kind) bool {
	switch {
	case dir != dirIn && dir != dirOut,
		f.Direction == tupu.Out && dir != dirOut,
		f.Direction == tupu.In && dir != dirIn,
		len(f.Predicates) > 0 && !slices.Contains(f.Predicates, pred),
		f.Kind != "" && f.Kind != far:
		return false
	}
	return true
}

// CountEdges returns how many edges of entity the filter selects. It reads
// counters, not the edges.
func (t *Tx) CountEdges(entity string, f EdgeFilter) int {
	_, n := t.edgeGroups(entity, f)
	return n
}

// Edges pages through the edges of entity that the filter selects, ordered
// by direction (IN first), predicate, the far end's kind, the far end's key.
// The far end of each edge is loaded in the same transaction.
func (t *Tx) Edges(entity string, f EdgeFilter, args PageArgs) (*EdgePage, error) {
	// A cursor is checked against the filter, not the groups that hold
	// edges now: the group of a cursor may have lost its last edge since.
	err := checkCursors(args, func(c []byte) bool {
		p, ok := decodeEdgeKey(c)
		return ok && string(p.entity) == entity && f.selectsGroup(p.dir, tupu.Predicate(p.pred), tupu.Kind(p.far))
	})
	if err != nil {
		return nil, err
	}
	groups, total := t.edgeGroups(entity, f)
	out := &EdgePage{Total: total}
	if len(groups) == 0 {
		return out, nil
	}
	p, err := newRanges(t, bucketEdges, prefixes(groups)...).page(args)
	if err != nil {
		return nil, err
	}
	out.HasNext, out.HasPrev = p.hasNext, p.hasPrev
	out.Edges = make([]Edge, 0, len(p.items))
	for _, it := range p.items {
		ek, ok := decodeEdgeKey(it.key)
		if !ok {
			return nil, fmt.Errorf("malformed edge key %q", it.key)
		}
		other, err := t.Entity(string(ek.other))
		if err != nil {
			return nil, fmt.Errorf("edge %q points at a missing entity: %w", it.key, err)
		}
		dir := tupu.Out
		if ek.dir == dirIn {
			dir = tupu.In
		}
		out.Edges = append(out.Edges, Edge{
			Predicate: tupu.Predicate(ek.pred),
			Direction: dir,
			Other:     other,
			Cursor:    it.key,
			value:     it.value,
		})
	}
	return out, nil
}

// Relation returns the relation (subject, predicate, object), or NOT_FOUND.
func (t *Tx) Relation(subject string, pred tupu.Predicate, object string) (*tupu.Relation, error) {
	obj, err := t.Entity(object)
	if err != nil {
		return nil, err
	}
	v := t.get(bucketEdges, edgeKey(subject, edgeGroupID{dirOut, pred, obj.Kind}, object))
	if v == nil {
		return nil, tupu.Errorf(tupu.NotFound, "no relation %s %s %s", subject, pred, object)
	}
	var ev edgeValue
	if err := json.Unmarshal(v, &ev); err != nil {
		return nil, fmt.Errorf("decode edge: %w", err)
	}
	return &tupu.Relation{Subject: subject, Predicate: pred, Object: object, Source: ev.Source, Note: ev.Note}, nil
}

// PutRelation writes a relation at both of its ends. Both entities must exist.
func (t *Tx) PutRelation(r *tupu.Relation) error {
	subj, err := t.Entity(r.Subject)
	if err != nil {
		return err
	}
	obj, err := t.Entity(r.Object)
	if err != nil {
		return err
	}
	v, err := json.Marshal(edgeValue{Source: r.Source, Note: r.Note})
	if err != nil {
		return err
	}
	if r.Subject == r.Object {
		return tupu.Errorf(tupu.BadUserInput, "relation %s %s %s: an entity cannot relate to itself", r.Subject, r.Predicate, r.Object)
	}
	for _, e := range []struct {
		from, to string
		group    edgeGroupID
	}{{subj.Key, obj.Key, edgeGroupID{dirOut, r.Predicate, obj.Kind}}, {obj.Key, subj.Key, edgeGroupID{dirIn, r.Predicate, subj.Kind}}} {
		k := edgeKey(e.from, e.group, e.to)
		if t.get(bucketEdges, k) == nil {
			if err := t.addCount(bucketEdgeCounts, edgeCountKey(e.from, e.group), 1); err != nil {
				return err
			}
		}
		if err := t.put(bucketEdges, k, v); err != nil {
			return err
		}
	}
	return nil
}

// DeleteRelation removes a relation from both of its ends, or returns
// NOT_FOUND.
func (t *Tx) DeleteRelation(subject string, pred tupu.Predicate, object string) error {
	subj, err := t.Entity(subject)
	if err != nil {
		return err
	}
	obj, err := t.Entity(object)
	if err != nil {
		return err
	}
	outGroup, inGroup := edgeGroupID{dirOut, pred, obj.Kind}, edgeGroupID{dirIn, pred, subj.Kind}
	out := edgeKey(subject, outGroup, object)
	if t.get(bucketEdges, out) == nil {
		return tupu.Errorf(tupu.NotFound, "no relation %s %s %s", subject, pred, object)
	}
	for _, e := range []struct {
		key   []byte
		count []byte
	}{
		{out, edgeCountKey(subject, outGroup)},
		{edgeKey(object, inGroup, subject), edgeCountKey(object, inGroup)},
	} {
		if err := t.del(bucketEdges, e.key); err != nil {
			return err
		}
		if err := t.addCount(bucketEdgeCounts, e.count, -1); err != nil {
			return err
		}
	}
	return nil
}

// relationsOf returns every relation that touches entity, each once,
// with its source and note.
func (t *Tx) relationsOf(entity string) ([]tupu.Relation, error) {
	var rels []tupu.Relation
	var after []byte
	for {
		p, err := t.Edges(entity, EdgeFilter{}, PageArgs{First: 100, After: after})
		if err != nil {
			return nil, err
		}
		for _, e := range p.Edges {
			src, note, err := e.Provenance()
			if err != nil {
				return nil, err
			}
			r := tupu.Relation{Subject: entity, Predicate: e.Predicate, Object: e.Other.Key, Source: src, Note: note}
			if e.Direction == tupu.In {
				r.Subject, r.Object = e.Other.Key, entity
			}
			rels = append(rels, r)
			after = e.Cursor
		}
		if !p.HasNext {
			return rels, nil
		}
	}
}

// sortRelations orders relations by subject, predicate and object.
func sortRelations(rs []tupu.Relation) {
	slices.SortFunc(rs, func(a, b tupu.Relation) int {
		return cmp.Or(strings.Compare(a.Subject, b.Subject), strings.Compare(string(a.Predicate), string(b.Predicate)),
			strings.Compare(a.Object, b.Object))
	})
}
