package store

// The storage schema: every bucket and key layout lives in this file.
//
// Keys are byte strings that sort the way pages are walked. Parts of a
// composite key are joined by sep (0x00), which keys, kinds, predicates
// and properties can never contain (the domain validates them).
//
//	meta        "schema"                                  -> uint64 schema version
//	            "graph"                                   -> uint64 graph version, +1 per write
//	documents   docKey                                    -> JSON tupu.Document
//	entities    entKey                                    -> JSON tupu.Entity
//	kinds       kind 0 entKey                             -> nil
//	names       normalizedName 0 entKey                   -> rank (0 name, 1 English name, 2 alias)
//	facts       entKey 0 property 0 period                -> JSON tupu.Fact
//	edges       entKey 0 dir 0 predicate 0 kind 0 other   -> JSON edgeValue
//	edgecounts  entKey 0 dir 0 predicate 0 kind           -> uint64 number of edges under that prefix
//	kindcounts  kind                                      -> uint64 number of entities of the kind
//
// Every relation is written twice in edges, once from each end (dir 'O'
// from the subject, 'I' from the object), so both directions are one
// prefix scan. The far end's kind sits in the key so that a named relation
// ("a park's companies") is one prefix scan too, and its count one read.

const schemaVersion = 1

var (
	bucketMeta       = []byte("meta")
	bucketDocuments  = []byte("documents")
	bucketEntities   = []byte("entities")
	bucketKinds      = []byte("kinds")
	bucketNames      = []byte("names")
	bucketFacts      = []byte("facts")
	bucketEdges      = []byte("edges")
	bucketEdgeCounts = []byte("edgecounts")
	bucketKindCounts = []byte("kindcounts")

	allBuckets = [][]byte{bucketMeta, bucketDocuments, bucketEntities, bucketKinds, bucketNames,
		bucketFacts, bucketEdges, bucketEdgeCounts, bucketKindCounts}

	keySchemaVersion = []byte("schema")
	keyGraphVersion  = []byte("graph")
)

const sep = 0x00

// Direction bytes inside edge keys; 'I' sorts before 'O'.
const (
	dirIn  = 'I'
	dirOut = 'O'
)

// Name ranks inside the names index: lower wins a lookup.
const (
	rankName   = 0
	rankNameEn = 1
	rankAlias  = 2
)

// join builds a composite key: parts joined by sep.
func join(parts ...string) []byte {
	n := len(parts)
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			b = append(b, sep)
		}
		b = append(b, p...)
	}
	return b
}

// prefix is join plus a trailing sep, so that "a" does not match "ab".
func prefix(parts ...string) []byte {
	return append(join(parts...), sep)
}
