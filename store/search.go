package store

import (
	"bytes"
	"cmp"
	"slices"
	"strings"

	"tupu"
)

// Match is an entity whose name, English name or alias matches a search.
type Match struct {
	Entity  *tupu.Entity
	Matched string  // the name that matched, as the entity writes it
	Score   float64 // 4 exact name, 3 exact English name or alias, 2 prefix, 1 inside
}

// SearchNames finds the entities whose names contain query (Latin letters
// case-insensitively), best first: exact canonical name, exact other name,
// prefix, inside; ties in key order. kinds, when not empty, restricts the
// kinds. It scans the name index, so its cost grows with the graph.
func (t *Tx) SearchNames(query string, kinds []tupu.Kind) ([]Match, error) {
	q := tupu.NormalizeName(query)
	if q == "" {
		return nil, tupu.Errorf(tupu.BadUserInput, "search query is empty")
	}
	best := map[string]float64{}
	c := t.tx.Bucket(bucketNames).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		i := bytes.LastIndexByte(k, sep)
		name, key := string(k[:i]), string(k[i+1:])
		var score float64
		switch {
		case name == q && len(v) == 1 && v[0] == rankName:
			score = 4
		case name == q:
			score = 3
		case strings.HasPrefix(name, q):
			score = 2
		case strings.Contains(name, q):
			score = 1
		default:
			continue
		}
		if score > best[key] {
			best[key] = score
		}
	}
	matches := make([]Match, 0, len(best))
	for key, score := range best {
		e, err := t.Entity(key)
		if err != nil {
			return nil, err
		}
		if len(kinds) > 0 && !slices.Contains(kinds, e.Kind) {
			continue
		}
		matches = append(matches, Match{Entity: e, Matched: matchedName(e, q), Score: score})
	}
	slices.SortFunc(matches, func(a, b Match) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.Entity.Key, b.Entity.Key)
	})
	return matches, nil
}

// matchedName returns the entity's best-matching name for q.
func matchedName(e *tupu.Entity, q string) string {
	names := e.Names()
	for _, test := range []func(string) bool{
		func(n string) bool { return n == q },
		func(n string) bool { return strings.HasPrefix(n, q) },
		func(n string) bool { return strings.Contains(n, q) },
	} {
		for _, n := range names {
			if test(tupu.NormalizeName(n)) {
				return n
			}
		}
	}
	return e.Name
}
