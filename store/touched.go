package store

import "sync"

// What each recent commit touched, so that a cache of answers can keep an
// answer across commits that changed nothing it read.
//
// A commit touches the entities whose record or relations (at either end)
// it wrote, the facts of an entity (as FactsDependency) and the documents
// (as DocumentDependency) it wrote.
// A commit that changed the graph without naming what it touched counts
// as touching everything.

// The prefixes of touched keys that are not entity keys (which never
// hold a 0 byte).
const (
	documentDependency = "document\x00"
	factsDependency    = "facts\x00"
)

// DocumentDependency is how a document's key is named among touched keys,
// apart from entity keys.
func DocumentDependency(key string) string { return documentDependency + key }

// FactsDependency is how the facts of an entity are named among touched
// keys: a fact changes neither the entity's record nor its relations.
func FactsDependency(entity string) string { return factsDependency + entity }

// touch records that this transaction changed the graph at keys.
func (t *Tx) touch(keys ...string) {
	t.changed = true
	t.touched = append(t.touched, keys...)
}

// recentCommits is how many commits' touched keys the store remembers.
const recentCommits = 256

type commitLog struct {
	mu      sync.Mutex
	commits [recentCommits]commit // ring, indexed by version % recentCommits
}

type commit struct {
	version uint64
	touched []string // nil: everything
}

func (l *commitLog) add(version uint64, touched []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.commits[version%recentCommits] = commit{version: version, touched: touched}
}

// Touched returns the keys touched by the commits after graph version
// since, up to and including until, and whether the store knows them all:
// false when one of those commits is no longer remembered, was not made
// through Update (a bulk load), or touched everything.
func (s *Store) Touched(since, until uint64) ([]string, bool) {
	if until < since || until-since > recentCommits {
		return nil, false
	}
	s.commits.mu.Lock()
	defer s.commits.mu.Unlock()
	var keys []string
	for v := since + 1; v <= until; v++ {
		c := s.commits.commits[v%recentCommits]
		if c.version != v || c.touched == nil {
			return nil, false
		}
		keys = append(keys, c.touched...)
	}
	return keys, true
}
