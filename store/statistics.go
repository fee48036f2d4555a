package store

import (
	"bytes"
	"strings"

	"tupu"
)

// Graph statistics: how much one entity can hold, by its kind, for a cost
// model that bounds what a query can return before running it.
//
// For every edge group (an edgecounts key: an entity's edges in one
// direction, with one predicate, to entities of one kind), the stats
// bucket keeps the most edges any entity of the same kind has in such a
// group; also the most edges one entity of a kind has in each direction
// and in both, the most facts one entity of a kind has, and the set of
// properties facts have used. See schema.go for the keys.
//
// Every commit raises them from what it touched (see raiseStatistics), in
// its own transaction, so they are never below the graph. No commit lowers
// them: after deletions a maximum may stay above every entity's count,
// which keeps it an upper bound; computeStatistics, run by the migration
// to schema version 4 and by Load, computes them afresh.

// Statistics bound what one entity of a kind holds, as of one graph
// version. They are read-only; Store.Statistics returns the latest.
type Statistics struct {
	version    uint64
	fanout     map[tupu.Kind][]fanoutGroup
	degree     map[tupu.Kind][3]int // by dirIndex
	facts      map[tupu.Kind]int
	entities   map[tupu.Kind]int
	total      int // entities of every kind
	properties int
}

// fanoutGroup is the most edges one entity of a kind has in one group.
type fanoutGroup struct {
	dir  byte // dirIn or dirOut
	pred tupu.Predicate
	far  tupu.Kind
	max  int
}

// dirIndex is where a direction's degree sits in Statistics.degree.
func dirIndex(dir byte) int {
	switch dir {
	case dirIn:
		return 0
	case dirOut:
		return 1
	}
	return 2 // dirBoth
}

var degreeDirs = [3]byte{dirIn, dirOut, dirBoth}

// Statistics returns the statistics of the last commit. Reading them
// takes no transaction.
func (s *Store) Statistics() *Statistics { return s.stats.Load() }

// setStatistics keeps st unless newer statistics are kept already:
// commits may publish theirs out of order.
func (s *Store) setStatistics(st *Statistics) {
	for {
		old := s.stats.Load()
		if old != nil && old.version >= st.version {
			return
		}
		if s.stats.CompareAndSwap(old, st) {
			return
		}
	}
}

// Version returns the graph version the statistics were read at.
func (st *Statistics) Version() uint64 { return st.version }

// Fanout returns the most edges that f selects one entity of kind has, or
// one entity of any kind when kind is empty: the sum of the maxima of the
// groups f selects, capped by the most edges one entity has in f's
// direction.
func (st *Statistics) Fanout(kind tupu.Kind, f EdgeFilter) int {
	if kind != "" {
		return st.fanoutOf(kind, f)
	}
	n := 0
	for k := range st.degree {
		n = max(n, st.fanoutOf(k, f))
	}
	return n
}

func (st *Statistics) fanoutOf(kind tupu.Kind, f EdgeFilter) int {
	sum := 0
	for _, g := range st.fanout[kind] {
		if f.selectsGroup(g.dir, g.pred, g.far) {
			sum += g.max
		}
	}
	dir := byte(dirBoth)
	switch f.Direction {
	case tupu.In:
		dir = dirIn
	case tupu.Out:
		dir = dirOut
	}
	return min(sum, st.degree[kind][dirIndex(dir)])
}

// Facts returns the most facts one entity of kind has, or one entity of
// any kind when kind is empty.
func (st *Statistics) Facts(kind tupu.Kind) int {
	if kind != "" {
		return st.facts[kind]
	}
	n := 0
	for _, m := range st.facts {
		n = max(n, m)
	}
	return n
}

// Entities returns how many entities of kind there are, or of every kind
// when kind is empty.
func (st *Statistics) Entities(kind tupu.Kind) int {
	if kind == "" {
		return st.total
	}
	return st.entities[kind]
}

// Properties returns how many properties facts have used: at least as
// many as they use now.
func (st *Statistics) Properties() int { return st.properties }

// readStatistics reads the statistics of the graph version t sees. A
// file without a stats bucket (an older schema, read-only) has none.
func readStatistics(t *Tx) *Statistics {
	st := &Statistics{
		version:  t.GraphVersion(),
		fanout:   map[tupu.Kind][]fanoutGroup{},
		degree:   map[tupu.Kind][3]int{},
		facts:    map[tupu.Kind]int{},
		entities: map[tupu.Kind]int{},
	}
	t.each(bucketKindCounts, func(k, v []byte) error {
		st.entities[decodeKindCountKey(k)] = int(readU64(v))
		st.total += int(readU64(v))
		return nil
	})
	scan(t.r, bucketStats, nil, nil, false, func(k, v []byte) (bool, error) {
		sk, ok := decodeStatKey(k)
		if !ok {
			return true, nil
		}
		n := int(readU64(v))
		switch sk.stat {
		case statDegree:
			d := st.degree[sk.kind]
			d[dirIndex(sk.dir)] = n
			st.degree[sk.kind] = d
		case statFacts:
			st.facts[sk.kind] = n
		case statFanout:
			st.fanout[sk.kind] = append(st.fanout[sk.kind], fanoutGroup{sk.dir, sk.pred, sk.far, n})
		case statProperties:
			st.properties = n
		case statProperty:
			// The set of properties, counted by the key above, sorts
			// last: nothing more to read.
			return false, nil
		}
		return true, nil
	})
	return st
}

// raiseStatistics raises the statistics to what the entities this
// transaction touched hold now.
func (t *Tx) raiseStatistics() error {
	seen := make(map[string]bool, len(t.touched))
	for _, k := range t.touched {
		if seen[k] || strings.HasPrefix(k, documentDependency) {
			continue
		}
		seen[k] = true
		key, facts := strings.CutPrefix(k, factsDependency)
		e, err := t.Entity(key)
		if tupu.ErrorCode(err) == tupu.NotFound {
			continue // deleted: what it held raised nothing
		}
		if err != nil {
			return err
		}
		if facts {
			err = t.raiseFactStatistics(e)
		} else {
			err = t.raiseEdgeStatistics(e)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// raiseEdgeStatistics raises the fan-out and degree maxima of e's kind to
// e's edge counts.
func (t *Tx) raiseEdgeStatistics(e *tupu.Entity) error {
	var degree [3]int
	for _, g := range t.allEdgeGroups(e.Key) {
		if err := t.raiseStat(fanoutStatKey(e.Kind, g.id.appendTo(nil)), g.count); err != nil {
			return err
		}
		degree[dirIndex(g.id.dir)] += g.count
		degree[dirIndex(dirBoth)] += g.count
	}
	for i, n := range degree {
		if err := t.raiseStat(degreeStatKey(e.Kind, degreeDirs[i]), n); err != nil {
			return err
		}
	}
	return nil
}

// raiseFactStatistics raises the facts maximum of e's kind to e's number
// of facts, and adds the properties they use.
func (t *Tx) raiseFactStatistics(e *tupu.Entity) error {
	var props []string
	n := 0
	r := newRanges(t, bucketFacts, factsPrefix(e.Key, ""))
	for k, _ := r.after(nil); k != nil; k, _ = r.after(k) {
		n++
		_, prop, _, _ := decodeFactKey(k)
		if len(props) == 0 || props[len(props)-1] != string(prop) {
			props = append(props, string(prop))
		}
	}
	if err := t.raiseStat(factsStatKey(e.Kind), n); err != nil {
		return err
	}
	added := 0
	for _, p := range props {
		if k := propertyStatKey(p); !t.has(bucketStats, k) {
			if err := t.put(bucketStats, k, nil); err != nil {
				return err
			}
			added++
		}
	}
	if added > 0 {
		k := propertiesStatKey
		if err := t.put(bucketStats, k, u64(readU64(t.get(bucketStats, k))+uint64(added))); err != nil {
			return err
		}
	}
	return nil
}

// raiseStat sets the statistic at key to n if n is more.
func (t *Tx) raiseStat(key []byte, n int) error {
	if n <= int(readU64(t.get(bucketStats, key))) {
		return nil
	}
	return t.put(bucketStats, key, u64(uint64(n)))
}

// computeStatistics computes the statistics of the whole graph afresh,
// replacing the stats bucket: the migration to schema version 4. The
// kinds of entities come from the kinds index.
func computeStatistics(t *Tx) error {
	kinds := map[string]tupu.Kind{}
	err := t.each(bucketKinds, func(k, _ []byte) error {
		kind, key, ok := decodeKindsKey(k)
		if ok {
			kinds[string(key)] = tupu.Kind(kind)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeStatistics(t, func(entity []byte) (tupu.Kind, bool) {
		k, ok := kinds[string(entity)]
		return k, ok
	})
}

// writeStatistics computes the statistics of the whole graph from the
// edge counters and the facts, given each entity's kind, and writes them
// into an empty stats bucket. Both buckets are read in key order, one
// entity after another; nothing is allocated per key but the maxima.
func writeStatistics(t *Tx, kindOf func(entity []byte) (tupu.Kind, bool)) error {
	fanout := map[tupu.Kind]map[string]int{} // kind -> group (dir 0 predicate 0 farKind) -> max
	degree := map[tupu.Kind][3]int{}
	facts := map[tupu.Kind]int{}

	// Edge counters: entity 0 dir 0 predicate 0 farKind -> count.
	var (
		entity []byte
		kind   tupu.Kind
		known  bool
		groups map[string]int // fanout[kind]
		deg    [3]int         // the entity's
	)
	flushDegree := func() {
		if known {
			d := degree[kind]
			for i, n := range deg {
				d[i] = max(d[i], n)
			}
			degree[kind] = d
		}
		deg = [3]int{}
	}
	err := t.each(bucketEdgeCounts, func(k, v []byte) error {
		e, group, ok := decodeEdgeCountKey(k)
		if !ok {
			return nil
		}
		dir, _, _, ok := decodeEdgeGroup(group)
		if !ok {
			return nil
		}
		if !bytes.Equal(e, entity) {
			flushDegree()
			entity = append(entity[:0], e...)
			if kind, known = kindOf(e); known {
				if groups = fanout[kind]; groups == nil {
					groups = map[string]int{}
					fanout[kind] = groups
				}
			}
		}
		if !known {
			return nil
		}
		n := int(readU64(v))
		if n > groups[string(group)] {
			groups[string(group)] = n
		}
		deg[dirIndex(dir)] += n
		deg[dirIndex(dirBoth)] += n
		return nil
	})
	if err != nil {
		return err
	}
	flushDegree()

	// Facts: entity 0 property 0 period.
	properties := map[string]bool{}
	entity, n := entity[:0], 0
	flushFacts := func() {
		if n == 0 {
			return
		}
		if k, ok := kindOf(entity); ok {
			facts[k] = max(facts[k], n)
		}
		n = 0
	}
	err = t.each(bucketFacts, func(k, _ []byte) error {
		e, prop, _, ok := decodeFactKey(k)
		if !ok {
			return nil
		}
		if !bytes.Equal(e, entity) {
			flushFacts()
			entity = append(entity[:0], e...)
		}
		n++
		if !properties[string(prop)] {
			properties[string(prop)] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	flushFacts()

	if err := t.clear(bucketStats); err != nil {
		return err
	}
	put := func(k []byte, n int) error {
		if n == 0 {
			return nil // as raiseStat: nothing above zero to keep
		}
		return t.put(bucketStats, k, u64(uint64(n)))
	}
	for kind, d := range degree {
		for i, n := range d {
			if err := put(degreeStatKey(kind, degreeDirs[i]), n); err != nil {
				return err
			}
		}
	}
	for kind, n := range facts {
		if err := put(factsStatKey(kind), n); err != nil {
			return err
		}
	}
	for kind, groups := range fanout {
		for g, n := range groups {
			if err := put(fanoutStatKey(kind, []byte(g)), n); err != nil {
				return err
			}
		}
	}
	if len(properties) > 0 {
		if err := t.put(bucketStats, propertiesStatKey, u64(uint64(len(properties)))); err != nil {
			return err
		}
	}
	for p := range properties {
		if err := t.put(bucketStats, propertyStatKey(p), nil); err != nil {
			return err
		}
	}
	return nil
}
