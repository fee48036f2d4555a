package store

import (
	"encoding/binary"
	"math"

	bolt "go.etcd.io/bbolt"
)

// The storage schema: every bucket and key layout lives in this file.
//
// Keys are byte strings that sort the way pages are walked. Parts of a
// composite key are joined by sep (0x00), which keys, kinds, predicates
// and properties can never contain (the domain validates them).
//
//	meta        "schema"                                  -> uint64 schema version
//	            "graph"                                   -> uint64 graph version, +1 per write
//	            "epoch"                                   -> the history's epoch, 16 hex digits (absent in
//	            files made before epochs: the empty epoch)
//	documents   docKey                                    -> JSON tupu.Document
//	entities    entKey                                    -> JSON tupu.Entity
//	kinds       kind 0 entKey                             -> nil
//	names       normalizedName 0 entKey                   -> rank (0 name, 1 English name, 2 alias)
//	facts       entKey 0 property 0 period                -> JSON tupu.Fact
//	edges       entKey 0 dir 0 predicate 0 kind 0 other   -> JSON edgeValue
//	edgecounts  entKey 0 dir 0 predicate 0 kind           -> uint64 number of edges under that prefix
//	kindcounts  kind                                      -> uint64 number of entities of the kind
//	byname      kind 0 normalizedName 0 entKey            -> nil (entities of a kind in name order;
//	            kind "*" holds every entity)
//	factprops   property 0 entKey 0 period                -> nil (every fact of a property)
//	factvalues  property 0 value(8) 0 kind 0 entKey 0 period -> nil (numeric facts in value order;
//	            value is the normalized value as a sortable float, see sortableFloat)
//	history     seq(8)                                    -> JSON Change (append-only; the bucket's
//	            sequence is the last seq)
//	historyidx  entKey 0 seq(8)                           -> nil (the changes that touched an entity)
//	tokens      name                                      -> JSON Token (the secret is never stored)
//	tokenhashes sha256(secret)                            -> name
//	stats       "fanout" 0 kind 0 dir 0 predicate 0 farKind -> uint64 the most edges one entity of kind has
//	            under that edgecounts group
//	            "degree" 0 kind 0 dir                      -> uint64 the most edges one entity of kind has in
//	            direction dir ('I', 'O', or 'B' for both)
//	            "facts" 0 kind                             -> uint64 the most facts one entity of kind has
//	            "property" 0 property                      -> nil (a property some fact has used)
//	            "properties"                               -> uint64 how many property keys there are
//	seeded      statement                                 -> JSON of the statement as seeding last wrote it
//	            (entities without their version); statement is 'd' 0 docKey,
//	            'e' 0 entKey, 'r' 0 subject 0 predicate 0 object or 'f' 0 entKey 0 property 0 period
//
// Every relation is written twice in edges, once from each end (dir 'O'
// from the subject, 'I' from the object), so both directions are one
// prefix scan. The far end's kind sits in the key so that a named relation
// ("a park's companies") is one prefix scan too, and its count one read.
//
// The stats bucket bounds what one entity can hold, for the cost model
// (see statistics.go). Its maxima are raised by every commit and never
// lowered by one: a maximum may stay above the graph after deletions,
// until the statistics are computed afresh (a migration, a Load).

// schemaVersion is the layout this program reads and writes. Version 4
// added the stats bucket; a version 3 file is migrated when opened for
// writing (see migrations), and read as it is when opened read-only.
const schemaVersion = 4

// migrations bring a file of an older schema version to the next one,
// keyed by the version they migrate from. Each runs in the transaction
// that opens the file.
var migrations = map[uint64]func(*bolt.Tx) error{
	3: computeStatistics,
}

var (
	bucketMeta         = []byte("meta")
	bucketDocuments    = []byte("documents")
	bucketEntities     = []byte("entities")
	bucketKinds        = []byte("kinds")
	bucketNames        = []byte("names")
	bucketFacts        = []byte("facts")
	bucketEdges        = []byte("edges")
	bucketEdgeCounts   = []byte("edgecounts")
	bucketKindCounts   = []byte("kindcounts")
	bucketByName       = []byte("byname")
	bucketFactProps    = []byte("factprops")
	bucketFactValues   = []byte("factvalues")
	bucketHistory      = []byte("history")
	bucketHistoryIndex = []byte("historyidx")
	bucketTokens       = []byte("tokens")
	bucketTokenHashes  = []byte("tokenhashes")
	bucketStats        = []byte("stats")
	bucketSeeded       = []byte("seeded")

	allBuckets = [][]byte{bucketMeta, bucketDocuments, bucketEntities, bucketKinds, bucketNames,
		bucketFacts, bucketEdges, bucketEdgeCounts, bucketKindCounts, bucketByName, bucketFactProps,
		bucketFactValues, bucketHistory, bucketHistoryIndex, bucketTokens, bucketTokenHashes, bucketStats, bucketSeeded}

	keySchemaVersion = []byte("schema")
	keyGraphVersion  = []byte("graph")
	keyHistoryEpoch  = []byte("epoch")
)

const sep = 0x00

// The kinds of statement in the seeded bucket's keys.
const (
	stmtDocument = 'd'
	stmtEntity   = 'e'
	stmtRelation = 'r'
	stmtFact     = 'f'
)

// Direction bytes inside edge keys; 'I' sorts before 'O'.
const (
	dirIn   = 'I'
	dirOut  = 'O'
	dirBoth = 'B' // in the stats bucket only: both directions
)

// allKinds stands for every kind in the byname index; no kind is spelt so.
const allKinds = "*"

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

// sortableFloat encodes f in 8 bytes that sort as the numbers do: the sign
// bit flipped for positive numbers, every bit flipped for negative ones.
func sortableFloat(f float64) []byte {
	bits := math.Float64bits(f)
	if bits&(1<<63) == 0 {
		bits |= 1 << 63
	} else {
		bits = ^bits
	}
	return binary.BigEndian.AppendUint64(nil, bits)
}

// readSortableFloat decodes sortableFloat.
func readSortableFloat(b []byte) float64 {
	bits := binary.BigEndian.Uint64(b)
	if bits&(1<<63) != 0 {
		bits &^= 1 << 63
	} else {
		bits = ^bits
	}
	return math.Float64frombits(bits)
}
