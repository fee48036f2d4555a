package store

import "sync"

// What each recent commit touched, so that a cache of answers can keep an
// answer across commits that changed nothing it read.
//
// A commit touches the entities whose record or relations (at either end)
// it wrote, the facts of an entity (as FactsDependency) and the documents
// (as DocumentDependency) it wrote: touchedBy reads that off the keys it
// wrote, so it is the same for a commit of this process and one another
// process made on a shared engine. A commit that starts a new graph or
// history (a load, an import, a restore) touches everything.

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

// touchedBy returns what a write of key k in bucket b touches, if
// anything: the records, relations, facts and documents answers show.
// Indexes, counters, history and tokens follow from those writes or are
// not shown.
func touchedBy(b bucket, k []byte) (string, bool) {
	switch b {
	case bucketEntities:
		return decodeEntityKey(k), true
	case bucketEdges:
		// Each end's key, from the edge written at that end.
		if e, ok := decodeEdgeKey(k); ok {
			return string(e.entity), true
		}
	case bucketFacts:
		if entity, _, _, ok := decodeFactKey(k); ok {
			return FactsDependency(string(entity)), true
		}
	case bucketDocuments:
		return DocumentDependency(decodeDocumentKey(k)), true
	}
	return "", false
}

// recentCommits is how many commits' touched keys the store remembers.
const recentCommits = 256

type commitLog struct {
	mu      sync.Mutex
	commits [recentCommits]touchedAt // ring, indexed by version % recentCommits
}

type touchedAt struct {
	version uint64
	touched []string // nil: everything
}

func (l *commitLog) add(version uint64, touched []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.commits[version%recentCommits] = touchedAt{version: version, touched: touched}
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
