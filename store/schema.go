package store

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"

	"tupu"
)

// The storage schema: every bucket and key layout lives in this file,
// with the codec that builds and splits its keys (below the layouts).
//
// Keys are byte strings that sort the way pages are walked. Parts of a
// composite key are joined by sep (0x00), which keys, kinds, predicates
// and properties can never contain (the domain validates them).
//
//	meta        "schema"                                  -> uint64 schema version
//	            "graph"                                   -> uint64 graph version, +1 per commit that
//	            changes the graph or its history (see versioned)
//	            "epoch"                                   -> the history's epoch, 16 hex digits (absent in
//	            files made before epochs: the empty epoch)
//	            "rules"                                   -> uint64 the version of the statements' rules
//	            (tupu.RulesVersion) every stored statement passed when last checked (check.go)
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
//	history     seq(8)                                    -> JSON Change (append-only; the last key
//	            holds the last seq)
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
// added the stats bucket. Version 5 keeps the history's last sequence
// number in its last key alone, as every engine can (a bbolt bucket's own
// sequence, which version 4 kept too, is left at what it was): a program
// that reads version 4 would number its next change from the stale bucket
// sequence, so it must not open a version 5 file. A file of an older
// version is migrated when opened for writing (see migrations), and read
// as it is when opened read-only.
const schemaVersion = 5

// migrations bring a store of an older schema version to the next one,
// keyed by the version they migrate from. Each runs in the transaction
// that opens the store.
var migrations = map[uint64]func(*Tx) error{
	3: computeStatistics,
	4: func(*Tx) error { return nil }, // nothing moves: see schemaVersion
}

// bucket names a bucket of the layout.
type bucket uint8

// The buckets, in the order of the layout above.
const (
	bucketMeta bucket = iota
	bucketDocuments
	bucketEntities
	bucketKinds
	bucketNames
	bucketFacts
	bucketEdges
	bucketEdgeCounts
	bucketKindCounts
	bucketByName
	bucketFactProps
	bucketFactValues
	bucketHistory
	bucketHistoryIndex
	bucketTokens
	bucketTokenHashes
	bucketStats
	bucketSeeded
	numBuckets
)

var bucketNameList = [numBuckets]string{"meta", "documents", "entities", "kinds", "names", "facts", "edges",
	"edgecounts", "kindcounts", "byname", "factprops", "factvalues", "history", "historyidx", "tokens",
	"tokenhashes", "stats", "seeded"}

// name returns the bucket's name: the bbolt bucket's, and the middle of
// its keys' names in etcd.
func (b bucket) name() string { return bucketNameList[b] }

// versioned reports whether a write to bucket b changes the graph or its
// history, and so raises the graph version: every bucket but the tokens
// and the record of seeding, which no reader of the graph sees (a new
// token must not make every cached answer and the search index stale).
func versioned(b bucket) bool {
	return b != bucketTokens && b != bucketTokenHashes && b != bucketSeeded
}

// holdsEmptyValues reports whether bucket b has keys with an empty value:
// the indexes above whose keys say everything (-> nil). A read of any
// other bucket that finds no value found no key.
func holdsEmptyValues(b bucket) bool {
	switch b {
	case bucketKinds, bucketByName, bucketFactProps, bucketFactValues, bucketHistoryIndex, bucketStats:
		return true
	}
	return false
}

// allBuckets lists every bucket.
var allBuckets = func() []bucket {
	all := make([]bucket, numBuckets)
	for i := range all {
		all[i] = bucket(i)
	}
	return all
}()

var (
	keySchemaVersion = []byte("schema")
	keyGraphVersion  = []byte("graph")
	keyHistoryEpoch  = []byte("epoch")
	keyRulesChecked  = []byte("rules")
)

// sep joins the parts of a composite key.
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

// Name ranks inside the names index: how an entity holds a name.
const (
	rankName   = 0
	rankNameEn = 1
	rankAlias  = 2
)

// The first part of the stats bucket's keys.
const (
	statDegree     = "degree"
	statFacts      = "facts"
	statFanout     = "fanout"
	statProperties = "properties" // the number of property keys
	statProperty   = "property"
)

// The key codec.
//
// Every key layout above has its encoders and decoders below, and no
// other code builds or splits a key: a second engine, a migration or a
// change of layout has one place to read. Encoders return fresh slices
// (the append forms append to dst); decoders return parts that alias the
// key they split, so a caller that keeps one past its transaction copies
// it (string conversions do). A decoder's ok is false for a key that does
// not have the layout's shape.

// compose appends parts to dst joined by sep.
func compose(dst []byte, parts ...string) []byte {
	for i, p := range parts {
		if i > 0 {
			dst = append(dst, sep)
		}
		dst = append(dst, p...)
	}
	return dst
}

// composeKey is compose into a new slice of the right size.
func composeKey(parts ...string) []byte {
	n := len(parts)
	for _, p := range parts {
		n += len(p)
	}
	return compose(make([]byte, 0, n), parts...)
}

// composePrefix is composeKey plus a trailing sep, so that "a" does not
// match "ab".
func composePrefix(parts ...string) []byte {
	n := len(parts)
	for _, p := range parts {
		n += len(p)
	}
	return append(compose(make([]byte, 0, n+1), parts...), sep)
}

// cut splits k at its first sep.
func cut(k []byte) (before, after []byte, found bool) {
	return bytes.Cut(k, []byte{sep})
}

// splitParts splits k into exactly n parts, the last of which may hold
// sep only when last is true; ok is false otherwise.
func splitParts(k []byte, n int, parts [][]byte) bool {
	for i := 0; i < n-1; i++ {
		p, rest, ok := cut(k)
		if !ok {
			return false
		}
		parts[i], k = p, rest
	}
	if bytes.IndexByte(k, sep) >= 0 {
		return false
	}
	parts[n-1] = k
	return true
}

// describeKey writes a composite key for people: its parts with spaces.
func describeKey(k []byte) string {
	return string(bytes.ReplaceAll(k, []byte{sep}, []byte{' '}))
}

// meta: fixed keys (keySchemaVersion, keyGraphVersion, keyHistoryEpoch).

// documents: docKey.

func documentKey(key string) []byte { return []byte(key) }

func decodeDocumentKey(k []byte) string { return string(k) }

// appendDocumentKey is documentKey appending to dst.
func appendDocumentKey(dst []byte, key string) []byte { return append(dst, key...) }

// entities: entKey.

func entityKey(key string) []byte { return []byte(key) }

func decodeEntityKey(k []byte) string { return string(k) }

// appendEntityKey is entityKey appending to dst.
func appendEntityKey(dst []byte, key string) []byte { return append(dst, key...) }

// kinds: kind 0 entKey.

func kindsKey(kind tupu.Kind, entity string) []byte { return composeKey(string(kind), entity) }

// appendKindsKey is kindsKey appending to dst.
func appendKindsKey(dst []byte, kind tupu.Kind, entity string) []byte {
	return compose(dst, string(kind), entity)
}

// kindsPrefix is the prefix of the kinds keys of one kind.
func kindsPrefix(kind tupu.Kind) []byte { return composePrefix(string(kind)) }

func decodeKindsKey(k []byte) (kind, entity []byte, ok bool) {
	var parts [2][]byte
	ok = splitParts(k, 2, parts[:])
	return parts[0], parts[1], ok
}

// names: normalizedName 0 entKey -> rank.

func namesKey(name, entity string) []byte { return composeKey(name, entity) }

// appendNamesKey is namesKey appending to dst.
func appendNamesKey(dst []byte, name, entity string) []byte { return compose(dst, name, entity) }

// namesPrefix is the prefix of the names keys of one normalized name.
func namesPrefix(name string) []byte { return composePrefix(name) }

func decodeNamesKey(k []byte) (name, entity []byte, ok bool) {
	var parts [2][]byte
	ok = splitParts(k, 2, parts[:])
	return parts[0], parts[1], ok
}

// rankValues are the values of the names index, one per rank.
var rankValues = [][]byte{rankName: {rankName}, rankNameEn: {rankNameEn}, rankAlias: {rankAlias}}

// facts: entKey 0 property 0 period.

func factKey(entity, property, period string) []byte { return composeKey(entity, property, period) }

// appendFactKey is factKey appending to dst.
func appendFactKey(dst []byte, entity, property, period string) []byte {
	return compose(dst, entity, property, period)
}

// factsPrefix is the prefix of the facts of an entity, or of an entity's
// facts of one property when property is not empty.
func factsPrefix(entity, property string) []byte {
	if property == "" {
		return composePrefix(entity)
	}
	return composePrefix(entity, property)
}

func decodeFactKey(k []byte) (entity, property, period []byte, ok bool) {
	var parts [3][]byte
	ok = splitParts(k, 3, parts[:])
	return parts[0], parts[1], parts[2], ok
}

// edges: entKey 0 group 0 other, where group is dir 0 predicate 0 kind
// (the far end's). edgecounts: entKey 0 group. The stats bucket's fan-out
// keys hold a group too.

// edgeGroupID is the group of an edge seen from one end: its direction,
// predicate and the far end's kind.
type edgeGroupID struct {
	dir  byte
	pred tupu.Predicate
	far  tupu.Kind
}

func (g edgeGroupID) appendTo(dst []byte) []byte {
	dst = append(dst, g.dir, sep)
	return compose(dst, string(g.pred), string(g.far))
}

// decodeEdgeGroup decodes the group part of a key: dir 0 predicate 0 kind.
func decodeEdgeGroup(b []byte) (dir byte, pred, far []byte, ok bool) {
	var parts [3][]byte
	if !splitParts(b, 3, parts[:]) || len(parts[0]) != 1 {
		return 0, nil, nil, false
	}
	return parts[0][0], parts[1], parts[2], true
}

// edgeKey is the key of the edge from entity to other in group g.
func edgeKey(entity string, g edgeGroupID, other string) []byte {
	return appendEdgeKey(make([]byte, 0, len(entity)+len(g.pred)+len(g.far)+len(other)+6), entity, g, other)
}

// appendEdgeKey is edgeKey appending to dst.
func appendEdgeKey(dst []byte, entity string, g edgeGroupID, other string) []byte {
	dst = append(append(dst, entity...), sep)
	dst = append(g.appendTo(dst), sep)
	return append(dst, other...)
}

// edgeParts is an edge key split.
type edgeParts struct {
	entity, pred, far, other []byte
	dir                      byte
}

func decodeEdgeKey(k []byte) (edgeParts, bool) {
	var parts [5][]byte
	if !splitParts(k, 5, parts[:]) || len(parts[1]) != 1 {
		return edgeParts{}, false
	}
	return edgeParts{entity: parts[0], dir: parts[1][0], pred: parts[2], far: parts[3], other: parts[4]}, true
}

// edgeCountKeyOf returns the edgecounts key of an edge key: all of it but
// the far end's key.
func edgeCountKeyOf(edge []byte) []byte {
	if i := bytes.LastIndexByte(edge, sep); i >= 0 {
		return edge[:i]
	}
	return edge
}

// edgeCountKey is the edgecounts key of entity's edges in group g.
func edgeCountKey(entity string, g edgeGroupID) []byte {
	return g.appendTo(append(append(make([]byte, 0, len(entity)+len(g.pred)+len(g.far)+5), entity...), sep))
}

// edgeCountsPrefix is the prefix of every edgecounts key of entity.
func edgeCountsPrefix(entity string) []byte { return composePrefix(entity) }

// decodeEdgeCountKey splits an edgecounts key into its entity and its
// group, still encoded (see decodeEdgeGroup).
func decodeEdgeCountKey(k []byte) (entity, group []byte, ok bool) {
	entity, group, ok = cut(k)
	return entity, group, ok && len(group) > 0
}

// edgeGroupPrefix is the prefix of the edge keys in an edgecounts key's
// group: the counter's key and a sep.
func edgeGroupPrefix(countKey []byte) []byte {
	return append(append(make([]byte, 0, len(countKey)+1), countKey...), sep)
}

// edgeOther returns the far end's key of an edge key that has the group
// prefix p (see edgeGroupPrefix).
func edgeOther(p, edge []byte) []byte { return edge[len(p):] }

// sortedEdgeCursor is the cursor of an edge in a list of edges sorted in
// memory (QueryEdges): the sort key, sep and the edge's key.
func sortedEdgeCursor(sortKey, edge []byte) []byte {
	return append(append(sortKey, sep), edge...)
}

// kindcounts: kind -> uint64.

func kindCountKey(kind tupu.Kind) []byte { return []byte(kind) }

// kindCountKeyOf returns the kindcounts key of a kinds key: its kind.
func kindCountKeyOf(kinds []byte) []byte {
	if i := bytes.IndexByte(kinds, sep); i >= 0 {
		return kinds[:i]
	}
	return kinds
}

func decodeKindCountKey(k []byte) tupu.Kind { return tupu.Kind(k) }

// byname: kind 0 normalizedName 0 entKey, kind allKinds for every entity.

func byNameKey(kind, name, entity string) []byte { return composeKey(kind, name, entity) }

// appendByNameKey is byNameKey appending to dst.
func appendByNameKey(dst []byte, kind, name, entity string) []byte {
	return compose(dst, kind, name, entity)
}

// byNamePrefix is the prefix of the byname keys of a kind (or allKinds).
func byNamePrefix(kind string) []byte { return composePrefix(kind) }

// byNameEntity returns the entity key of a byname key: its last part
// (names may hold nothing but a key cannot hold sep).
func byNameEntity(k []byte) []byte { return k[bytes.LastIndexByte(k, sep)+1:] }

// factprops: property 0 entKey 0 period.

func factPropKey(property, entity, period string) []byte { return composeKey(property, entity, period) }

// appendFactPropKey is factPropKey appending to dst.
func appendFactPropKey(dst []byte, property, entity, period string) []byte {
	return compose(dst, property, entity, period)
}

// factPropsPrefix is the prefix of the factprops keys of one property.
func factPropsPrefix(property string) []byte { return composePrefix(property) }

func decodeFactPropKey(k []byte) (property, entity, period []byte, ok bool) {
	var parts [3][]byte
	ok = splitParts(k, 3, parts[:])
	return parts[0], parts[1], parts[2], ok
}

// factvalues: property 0 value(8) 0 kind 0 entKey 0 period.

func factValueKey(property string, kind tupu.Kind, value float64, entity, period string) []byte {
	return appendFactValueKey(nil, property, kind, value, entity, period)
}

// appendFactValueKey is factValueKey appending to dst.
func appendFactValueKey(dst []byte, property string, kind tupu.Kind, value float64, entity, period string) []byte {
	dst = append(append(dst, property...), sep)
	dst = append(appendSortableFloat(dst, value), sep)
	return compose(dst, string(kind), entity, period)
}

// factValuesPrefix is the prefix of the factvalues keys of one property.
func factValuesPrefix(property string) []byte { return composePrefix(property) }

// factValueParts is a factvalues key split.
type factValueParts struct {
	property, kind, entity, period []byte
	value                          float64
}

func decodeFactValueKey(k []byte) (factValueParts, bool) {
	property, rest, ok := cut(k)
	if !ok || len(rest) < 9 || rest[8] != sep {
		return factValueParts{}, false
	}
	var parts [3][]byte
	if !splitParts(rest[9:], 3, parts[:]) {
		return factValueParts{}, false
	}
	return factValueParts{property: property, value: readSortableFloat(rest[:8]), kind: parts[0], entity: parts[1], period: parts[2]}, true
}

// history: seq(8).

func historyKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func decodeHistoryKey(k []byte) uint64 { return binary.BigEndian.Uint64(k) }

// historyidx: entKey 0 seq(8).

func historyIndexKey(entity string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(historyIndexPrefix(entity), seq)
}

// historyIndexPrefix is the prefix of the historyidx keys of an entity.
func historyIndexPrefix(entity string) []byte { return composePrefix(entity) }

// decodeHistoryIndexKey splits a historyidx key. The entity comes first
// and holds no sep; the sequence number may.
func decodeHistoryIndexKey(k []byte) (entity []byte, seq uint64, ok bool) {
	entity, rest, ok := cut(k)
	if !ok || len(rest) != 8 {
		return nil, 0, false
	}
	return entity, binary.BigEndian.Uint64(rest), true
}

// tokens: name. tokenhashes: sha256(secret) in hex.

func tokenKey(name string) []byte     { return []byte(name) }
func tokenHashKey(hash string) []byte { return []byte(hash) }

func decodeTokenHashKey(k []byte) string { return string(k) }

// stats: see the layout above.

func fanoutStatKey(kind tupu.Kind, group []byte) []byte {
	return append(append(composeKey(statFanout, string(kind)), sep), group...)
}

func degreeStatKey(kind tupu.Kind, dir byte) []byte {
	return composeKey(statDegree, string(kind), string(rune(dir)))
}

func factsStatKey(kind tupu.Kind) []byte { return composeKey(statFacts, string(kind)) }

func propertyStatKey(property string) []byte { return composeKey(statProperty, property) }

var propertiesStatKey = []byte(statProperties)

// statParts is a stats key split: what it counts (statDegree...) and
// the parts that follow.
type statParts struct {
	stat     string
	kind     tupu.Kind
	dir      byte // statDegree, statFanout
	pred     tupu.Predicate
	far      tupu.Kind // statFanout
	property string    // statProperty
}

func decodeStatKey(k []byte) (statParts, bool) {
	parts := bytes.Split(k, []byte{sep})
	st := statParts{stat: string(parts[0])}
	switch st.stat {
	case statDegree:
		if len(parts) != 3 || len(parts[2]) != 1 {
			return st, false
		}
		st.kind, st.dir = tupu.Kind(parts[1]), parts[2][0]
	case statFacts:
		if len(parts) != 2 {
			return st, false
		}
		st.kind = tupu.Kind(parts[1])
	case statFanout:
		if len(parts) != 5 || len(parts[2]) != 1 {
			return st, false
		}
		st.kind, st.dir, st.pred, st.far = tupu.Kind(parts[1]), parts[2][0], tupu.Predicate(parts[3]), tupu.Kind(parts[4])
	case statProperty:
		if len(parts) != 2 {
			return st, false
		}
		st.property = string(parts[1])
	case statProperties:
		return st, len(parts) == 1
	default:
		return st, false
	}
	return st, true
}

// In etcd every bucket's key lives under the store's prefix (its URL's
// path, "/tupu/" by default) as prefix + bucket name + "/" + key, so that
// a bucket is a range of keys that sorts as the bucket does. One more key,
// prefix + "commit", is the engine's own (see etcdEngine): every commit
// writes it, and compares it first.

// etcdKey is the etcd key of key k of bucket b under prefix.
func etcdKey(prefix string, b bucket, k []byte) string {
	return prefix + b.name() + "/" + string(k)
}

// etcdBucketPrefix is the etcd prefix of bucket b's keys.
func etcdBucketPrefix(prefix string, b bucket) string { return prefix + b.name() + "/" }

// etcdCommitKey is the key every commit of the engine writes.
func etcdCommitKey(prefix string) string { return prefix + "commit" }

// etcdServersPrefix is where the servers over a cluster say they run (see
// Store.Announce): a key each, outside every bucket.
func etcdServersPrefix(prefix string) string { return prefix + "servers/" }

// bucketsByName finds a bucket by its name.
var bucketsByName = func() map[string]bucket {
	m := make(map[string]bucket, numBuckets)
	for _, b := range allBuckets {
		m[b.name()] = b
	}
	return m
}()

// decodeEtcdKey splits an etcd key under prefix into its bucket and key;
// ok is false for a key that is no bucket's (the commit key).
func decodeEtcdKey(prefix string, key []byte) (b bucket, k []byte, ok bool) {
	if !bytes.HasPrefix(key, []byte(prefix)) {
		return 0, nil, false
	}
	name, k, found := bytes.Cut(key[len(prefix):], []byte{'/'})
	if !found {
		return 0, nil, false
	}
	b, ok = bucketsByName[string(name)]
	return b, k, ok
}

// seeded: statement kind 0 its identity's parts (see stmt).

func seededKey(s stmt) []byte {
	return composeKey(append([]string{string(rune(s.kind))}, s.parts...)...)
}

func decodeSeededKey(k []byte) (stmt, bool) {
	parts := strings.Split(string(k), string(rune(sep)))
	want := map[string]int{"d": 2, "e": 2, "r": 4, "f": 4}[parts[0]]
	if want == 0 || len(parts) != want {
		return stmt{}, false
	}
	return stmt{kind: parts[0][0], parts: parts[1:]}, true
}

// sortableFloat encodes f in 8 bytes that sort as the numbers do: the sign
// bit flipped for positive numbers, every bit flipped for negative ones.
func sortableFloat(f float64) []byte { return appendSortableFloat(nil, f) }

// appendSortableFloat is sortableFloat appending to dst.
func appendSortableFloat(dst []byte, f float64) []byte {
	bits := math.Float64bits(f)
	if bits&(1<<63) == 0 {
		bits |= 1 << 63
	} else {
		bits = ^bits
	}
	return binary.BigEndian.AppendUint64(dst, bits)
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
