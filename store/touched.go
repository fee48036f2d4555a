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

// commitLog is a ring of the last commits that changed the graph, in
// commit order. Each remembers the version it came after: graph versions
// grow with every commit but need not grow by one (over a cluster they
// are etcd's revisions, which other keys' commits move too), so the log
// knows it holds every commit between two versions only when their
// links join.
type commitLog struct {
	mu      sync.Mutex
	commits [recentCommits]touchedAt
	next    int // where the next commit goes
}

type touchedAt struct {
	after   uint64   // the version before this commit
	version uint64   // 0: no commit here yet
	touched []string // nil: everything
}

func (l *commitLog) add(after, version uint64, touched []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.commits[l.next] = touchedAt{after: after, version: version, touched: touched}
	l.next = (l.next + 1) % recentCommits
}

// Touched returns the keys touched by the commits after graph version
// since, up to and including until, and whether the store knows them all:
// false when one of those commits is no longer remembered, was not made
// through Update (a bulk load), or touched everything.
func (s *Store) Touched(since, until uint64) ([]string, bool) {
	if until < since {
		return nil, false
	}
	if until == since {
		return nil, true
	}
	l := &s.commits
	l.mu.Lock()
	defer l.mu.Unlock()
	var keys []string
	want := until // the version of the commit to find next, newest first
	for i := range recentCommits {
		c := l.commits[(l.next-1-i+2*recentCommits)%recentCommits]
		switch {
		case c.version == 0 || c.version < want:
			return nil, false // forgotten, or never known
		case c.version > want:
			if want != until {
				return nil, false
			}
			continue // after until
		case c.touched == nil || c.after >= c.version:
			return nil, false
		}
		keys = append(keys, c.touched...)
		if c.after == since {
			return keys, true
		}
		if c.after < since {
			return nil, false
		}
		want = c.after
	}
	return nil, false
}
