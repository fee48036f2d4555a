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

// Limits of traversal. A traversal that would pass one fails with
// COMPLEXITY_LIMIT as soon as it does, instead of walking on.
const (
	MaxTraversalDepth = 4
	MaxPathHops       = 6
	// MaxRelationsPerEntity bounds the relations of a neighbourhood by
	// its entities allowed (maxNodes): 4 per entity, where the seed has
	// at most 1.4 and a generated graph of 100,000 entities 2.4. It makes
	// the size of an answer known from its arguments (the cost model
	// counts on it).
	MaxRelationsPerEntity = 4
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
	c := t.r.cursor(bucketEdges)
	for _, g := range groups {
		for k, v := c.Seek(g.prefix); k != nil && bytes.HasPrefix(k, g.prefix); k, v = c.Next() {
			if err := fn(rawEdge{g.id.dir, g.id.pred, g.id.far, string(edgeOther(g.prefix, k)), v}); err != nil {
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
// maxNodes entities, or more than MaxRelationsPerEntity × maxNodes
// relations, would be in the answer, and BAD_USER_INPUT for a depth
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
	type relationID struct {
		subject, object string
		pred            tupu.Predicate
	}
	seenRel := map[relationID]bool{}
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
				id := relationID{r.Subject, r.Object, r.Predicate}
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
				if len(g.Relations) >= MaxRelationsPerEntity*maxNodes {
					return tupu.Errorf(tupu.ComplexityLimit, "the neighborhood of %s at depth %d holds more than %d relations; lower the depth or filter by predicates or kinds", start, depth, MaxRelationsPerEntity*maxNodes)
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
// not an error; from == to is one empty path. It fails with
// COMPLEXITY_LIMIT once the search has visited more than maxVisited
// entities (from and to included).
//
// The paths are distinct and in a fixed order: lexicographic over their
// steps, a step ordered by the key of the entity it reaches, then its
// predicate, then its direction (IN before OUT). Paths that reach the
// same entities in turn come together, ordered by those keys; the first
// limit paths of that order are returned.
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
	tooMany := func() error {
		return tupu.Errorf(tupu.ComplexityLimit, "the search for paths from %s to %s visited more than %d entities; lower maxHops or filter by predicates", from, to, maxVisited)
	}
	// Breadth first from both ends, a whole level at a time, on the side
	// whose frontier is smaller (from's on a tie). A side's dist holds the
	// entities it has reached with their distance to its end. Until the
	// sides meet, the shortest path is longer than both depths together;
	// the first level that reaches entities of the other side (which all
	// lie on its last level) gives the shortest length, and every shortest
	// path passes through one of those meeting entities. Once one is
	// found, the rest of the level only looks for more of them. Visited
	// entities count over both sides.
	visited := 2
	if visited > maxVisited {
		return nil, tooMany()
	}
	fwd := &pathSide{dist: map[string]int{from: 0}, frontier: []string{from}}
	bwd := &pathSide{dist: map[string]int{to: 0}, frontier: []string{to}}
	var meet []string
	for fwd.depth+bwd.depth < maxHops && len(fwd.frontier) > 0 && len(bwd.frontier) > 0 && len(meet) == 0 {
		a, b := fwd, bwd
		if len(bwd.frontier) < len(fwd.frontier) {
			a, b = bwd, fwd
		}
		hop := a.depth + 1
		var next []string
		for _, key := range a.frontier {
			err := t.scanEdges(key, preds, func(_ byte, _ tupu.Predicate, other, _ []byte) error {
				if _, known := a.dist[string(other)]; known {
					return nil
				}
				_, met := b.dist[string(other)]
				if !met {
					if len(meet) > 0 {
						return nil
					}
					if visited >= maxVisited {
						return tooMany()
					}
					visited++
				}
				k := string(other)
				a.dist[k] = hop
				if met {
					meet = append(meet, k)
				} else {
					next = append(next, k)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		a.frontier, a.depth = next, hop
	}
	if len(meet) == 0 || limit < 1 {
		return [][]Step{}, nil
	}
	// The steps of the shortest paths, by the entity they leave: read
	// again from the index at the entities on those paths only, from the
	// meeting entities back to from and on to to. A step's provenance is
	// kept undecoded (it lives as long as the transaction) and decoded only
	// for the steps of the paths returned.
	next := map[string][]*pathStep{}
	level := meet
	for len(level) > 0 {
		var up []string
		for _, x := range level {
			k := fwd.dist[x]
			if k == 0 {
				continue
			}
			err := t.scanEdges(x, preds, func(dir byte, pred tupu.Predicate, other, value []byte) error {
				if d, ok := fwd.dist[string(other)]; !ok || d != k-1 {
					return nil
				}
				y := string(other)
				// The edge is seen from x; the step runs from y to x.
				d := tupu.Out
				if dir == dirOut {
					d = tupu.In
				}
				if next[y] == nil {
					up = append(up, y)
				}
				next[y] = append(next[y], &pathStep{Step: Step{From: y, To: x, Predicate: pred, Direction: d}, value: value})
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		level = up
	}
	seen := map[string]bool{}
	level = meet
	for len(level) > 0 {
		var down []string
		for _, x := range level {
			k := bwd.dist[x]
			if k == 0 {
				continue
			}
			err := t.scanEdges(x, preds, func(dir byte, pred tupu.Predicate, other, value []byte) error {
				if d, ok := bwd.dist[string(other)]; !ok || d != k-1 {
					return nil
				}
				y := string(other)
				d := tupu.Out
				if dir == dirIn {
					d = tupu.In
				}
				if !seen[y] {
					seen[y] = true
					down = append(down, y)
				}
				next[x] = append(next[x], &pathStep{Step: Step{From: x, To: y, Predicate: pred, Direction: d}, value: value})
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		level = down
	}
	for _, steps := range next {
		slices.SortFunc(steps, func(a, b *pathStep) int {
			return cmp.Or(strings.Compare(a.To, b.To), strings.Compare(string(a.Predicate), string(b.Predicate)),
				strings.Compare(string(a.Direction), string(b.Direction)))
		})
	}
	// Every step in next leads on to `to` in as many steps as are left:
	// walk them depth first from `from`, in order, up to limit paths.
	paths := [][]Step{}
	var trail []*pathStep
	var walk func(key string) error
	walk = func(key string) error {
		if key == to {
			p := make([]Step, len(trail))
			for i, st := range trail {
				if !st.decoded {
					var v edgeValue
					if err := json.Unmarshal(st.value, &v); err != nil {
						return fmt.Errorf("decode edge: %w", err)
					}
					st.Source, st.Note, st.decoded = v.Source, v.Note, true
				}
				p[i] = st.Step
			}
			paths = append(paths, p)
			return nil
		}
		for _, st := range next[key] {
			if len(paths) >= limit {
				return nil
			}
			trail = append(trail, st)
			if err := walk(st.To); err != nil {
				return err
			}
			trail = trail[:len(trail)-1]
		}
		return nil
	}
	if err := walk(from); err != nil {
		return nil, err
	}
	return paths, nil
}

// pathSide is one side of the search for paths: the entities it has
// reached with their distance to its end, and its last level.
type pathSide struct {
	dist     map[string]int
	frontier []string
	depth    int
}

// pathStep is a step of a shortest path with its provenance, decoded the
// first time a returned path holds the step.
type pathStep struct {
	Step
	value   []byte
	decoded bool
}

// scanEdges calls fn for each edge of entity with one of the predicates
// (all when empty), in index order, with the edge's direction seen from
// entity (dirIn or dirOut), its predicate, the far end's key and the
// undecoded value. It decodes and copies nothing: the slices are the
// index's own, valid for the transaction, and must not be changed.
func (t *Tx) scanEdges(entity string, preds []tupu.Predicate, fn func(dir byte, pred tupu.Predicate, other, value []byte) error) error {
	groups, _ := t.edgeGroups(entity, EdgeFilter{Predicates: preds})
	c := t.r.cursor(bucketEdges)
	for _, g := range groups {
		for k, v := c.Seek(g.prefix); k != nil && bytes.HasPrefix(k, g.prefix); k, v = c.Next() {
			if err := fn(g.id.dir, g.id.pred, edgeOther(g.prefix, k), v); err != nil {
				return err
			}
		}
	}
	return nil
}
