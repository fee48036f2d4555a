package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"tupu"
)

// Limits of traversal. A traversal that would pass one fails with
// COMPLEXITY_LIMIT as soon as it does, instead of walking on.
const (
	MaxTraversalDepth = 4
	MaxPathHops       = 6
)

// rawEdge is an edge as the index holds it, before anything is decoded.
type rawEdge struct {
	dir   byte
	pred  tupu.Predicate
	kind  tupu.Kind
	other string
	value []byte
}

// eachEdge calls fn for each edge of entity the filter selects, in index
// order, reading keys only (values are handed over undecoded).
func (t *Tx) eachEdge(entity string, f EdgeFilter, fn func(rawEdge) error) error {
	groups, _ := t.edgeGroups(entity, f)
	c := t.bucket(bucketEdges).Cursor()
	for _, g := range groups {
		for k, v := c.Seek(g); k != nil && bytes.HasPrefix(k, g); k, v = c.Next() {
			parts := bytes.SplitN(k[len(entity)+1:], []byte{sep}, 4)
			if len(parts) != 4 {
				return fmt.Errorf("malformed edge key %q", k)
			}
			if err := fn(rawEdge{parts[0][0], tupu.Predicate(parts[1]), tupu.Kind(parts[2]), string(parts[3]), v}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Subgraph is a set of entities and the relations between them, ready to
// draw.
type Subgraph struct {
	Entities  []*tupu.Entity
	Relations []tupu.Relation
}

// Neighborhood returns the entities within depth hops of start and the
// relations that reach them, following only the given predicates (all when
// empty) and entering only entities of the given kinds (all when empty;
// start is always in). It fails with COMPLEXITY_LIMIT once more than
// maxNodes entities would be in the answer, and BAD_USER_INPUT for a depth
// outside 0..MaxTraversalDepth.
func (t *Tx) Neighborhood(start string, depth int, preds []tupu.Predicate, kinds []tupu.Kind, maxNodes int) (*Subgraph, error) {
	if depth < 0 || depth > MaxTraversalDepth {
		return nil, tupu.Errorf(tupu.BadUserInput, "depth must be between 0 and %d, got %d", MaxTraversalDepth, depth)
	}
	first, err := t.Entity(start)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{start: true}
	order := []string{start}
	seenRel := map[string]bool{}
	g := &Subgraph{Entities: []*tupu.Entity{first}}
	frontier := []string{start}
	for d := 0; d < depth && len(frontier) > 0; d++ {
		var next []string
		for _, key := range frontier {
			err := t.eachEdge(key, EdgeFilter{Predicates: preds}, func(e rawEdge) error {
				if len(kinds) > 0 && !slices.Contains(kinds, e.kind) && !seen[e.other] {
					return nil
				}
				r := tupu.Relation{Subject: key, Predicate: e.pred, Object: e.other}
				if e.dir == dirIn {
					r.Subject, r.Object = e.other, key
				}
				id := string(join(r.Subject, string(r.Predicate), r.Object))
				if seenRel[id] {
					return nil
				}
				if !seen[e.other] {
					if len(order) >= maxNodes {
						return tupu.Errorf(tupu.ComplexityLimit, "the neighborhood of %s at depth %d holds more than %d entities; lower the depth or filter by predicates or kinds", start, depth, maxNodes)
					}
					seen[e.other] = true
					order = append(order, e.other)
					next = append(next, e.other)
				}
				seenRel[id] = true
				var v edgeValue
				if err := json.Unmarshal(e.value, &v); err != nil {
					return fmt.Errorf("decode edge: %w", err)
				}
				r.Source, r.Note = v.Source, v.Note
				g.Relations = append(g.Relations, r)
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		frontier = next
	}
	for _, key := range order[1:] {
		e, err := t.Entity(key)
		if err != nil {
			return nil, err
		}
		g.Entities = append(g.Entities, e)
	}
	return g, nil
}

// Step is one hop of a path: from one entity to the next over a relation,
// in either of its directions.
type Step struct {
	From, To  string
	Predicate tupu.Predicate
	Direction tupu.Direction // Out: From is the relation's subject
	Source    *tupu.Source
	Note      string
}

// Paths returns up to limit shortest paths from one entity to another of
// at most maxHops steps, following only the given predicates (all when
// empty), in either direction. No path within maxHops is an empty answer,
// not an error. It fails with COMPLEXITY_LIMIT once the search has visited
// more than maxVisited entities.
func (t *Tx) Paths(from, to string, maxHops int, preds []tupu.Predicate, limit, maxVisited int) ([][]Step, error) {
	if maxHops < 1 || maxHops > MaxPathHops {
		return nil, tupu.Errorf(tupu.BadUserInput, "maxHops must be between 1 and %d, got %d", MaxPathHops, maxHops)
	}
	for _, k := range []string{from, to} {
		if _, err := t.Entity(k); err != nil {
			return nil, err
		}
	}
	if from == to {
		return [][]Step{{}}, nil
	}
	// Breadth first from `from`, keeping every shortest way into each
	// entity, until the level that reaches `to`. A step's provenance is
	// kept undecoded (it lives as long as the transaction) and decoded only
	// for the steps of the paths returned.
	type parent struct {
		step  Step
		value []byte
	}
	dist := map[string]int{from: 0}
	parents := map[string][]parent{}
	frontier := []string{from}
	for hop := 1; hop <= maxHops && len(frontier) > 0 && parents[to] == nil; hop++ {
		var next []string
		for _, key := range frontier {
			err := t.eachEdge(key, EdgeFilter{Predicates: preds}, func(e rawEdge) error {
				d, known := dist[e.other]
				if known && d < hop {
					return nil
				}
				if !known {
					if len(dist) >= maxVisited {
						return tupu.Errorf(tupu.ComplexityLimit, "the search for paths from %s to %s visited more than %d entities; lower maxHops or filter by predicates", from, to, maxVisited)
					}
					dist[e.other] = hop
					next = append(next, e.other)
				}
				dir := tupu.Out
				if e.dir == dirIn {
					dir = tupu.In
				}
				parents[e.other] = append(parents[e.other], parent{Step{From: key, To: e.other, Predicate: e.pred, Direction: dir}, e.value})
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		frontier = next
	}
	if parents[to] == nil {
		return [][]Step{}, nil
	}
	// Walk the parents back from `to`, in index order, up to limit paths.
	var paths [][]Step
	var walkErr error
	var walk func(key string, suffix []Step)
	walk = func(key string, suffix []Step) {
		if len(paths) >= limit || walkErr != nil {
			return
		}
		if key == from {
			paths = append(paths, slices.Clone(suffix))
			return
		}
		for _, p := range parents[key] {
			var v edgeValue
			if err := json.Unmarshal(p.value, &v); err != nil {
				walkErr = fmt.Errorf("decode edge: %w", err)
				return
			}
			st := p.step
			st.Source, st.Note = v.Source, v.Note
			walk(st.From, append([]Step{st}, suffix...))
		}
	}
	walk(to, nil)
	return paths, walkErr
}
