package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"tupu"
)

// Bulk loading.
//
// Writing a big graph through PutEntity, PutRelation and PutFact is slow:
// every relation and fact decodes its entities to learn their kinds, the
// edge and name indexes take their keys in no useful order (bbolt then
// searches, shifts and splits at every insert, and leaves pages half
// full), and every commit waits for fsync. Load writes the same buckets,
// keys, values and counters (schema.go is the contract) another way: it
// computes every key and value in memory, sorts each bucket's keys, and
// appends them in ascending order into pages packed full
// (Bucket.FillPercent = 1), in transactions that skip fsync; one fsync at
// the end makes the whole load durable.
//
// Memory stays bounded by loading in groups of buckets, each from a pass
// of its own over the source, while the writer appends the group before:
//
//	1. entities, kinds (and kindcounts, counted from kinds);
//	   facts, factprops, factvalues
//	2. documents, names, byname
//	3. edges (and edgecounts, counted from edges)
//
// At most two groups are in memory at once: the one being written (each
// bucket freed once written) and the one being prepared.

// Source yields a dataset in chunks, calling yield once per chunk and
// stopping at the first error it returns. Load calls a source once per
// group of buckets (three times), so it must yield the same data every
// time. Chunks come in dependency order: the relations and facts of a
// chunk point at entities of that chunk or of earlier ones (as
// synth.Generate's do). Across all its chunks, the data must be a dataset
// that Dataset.Validate accepts; Load checks only what the store itself
// needs (see Load). A chunk is not kept after yield returns.
type Source func(yield func(*tupu.Dataset) error) error

// DatasetSource is a Source of one dataset held in memory.
func DatasetSource(d *tupu.Dataset) Source {
	return func(yield func(*tupu.Dataset) error) error { return yield(d) }
}

// DefaultLoadTxKeys is how many keys a Load transaction writes unless
// LoadOptions say otherwise. With keys appended in order, a transaction's
// cost hardly depends on its size beyond a few thousand keys; this bounds
// the memory a transaction holds (its dirty pages).
const DefaultLoadTxKeys = 50_000

// loadGCPercent is the garbage collector's target while Load runs: the
// sorted keys and values are one large live heap that holds no pointers,
// so collecting often is cheap, and the default (100) would let the
// garbage of the source grow as large as all of them.
const loadGCPercent = 25

// loadAllocSize is how much the file grows at a time during a load.
const loadAllocSize = 128 << 20

// LoadOptions tune Load.
type LoadOptions struct {
	// TxKeys is how many keys a write transaction holds; zero means
	// DefaultLoadTxKeys.
	TxKeys int
	// Progress, when set, is called after every transaction, from the
	// goroutine that called Load. Its Kinds map must not be changed.
	Progress func(LoadStats)
}

// LoadStats count what Load read and wrote.
type LoadStats struct {
	Documents, Entities, Relations, Facts int
	Kinds                                 map[tupu.Kind]int // entities per kind
	Keys                                  int               // keys written, over every bucket
	Transactions                          int
	Elapsed                               time.Duration
}

// Load writes a whole dataset into an empty store: exactly the buckets,
// keys, values and counters that writing it with PutDocument, PutEntity,
// PutRelation and PutFact would leave, several times faster and into a
// smaller file. Entities of version 0 are stored at version 1. It records
// no history; the graph version is 1 afterwards, as after Import.
//
// A store that holds anything is CONFLICT. Load checks what the store's
// layout needs, cheaply: keys are well formed and unique (documents,
// entities, relations, facts), kinds and predicates are known, relations
// and facts point at entities of the dataset, no entity relates to
// itself, numbers are finite. It does not check citations (that the quotes
// are in their documents): Dataset.Validate does, and over a large graph
// it costs more than the load itself.
//
// Load is meant for a new file: it skips fsync until its last commit,
// sets the garbage collector's target while it runs (see loadGCPercent;
// any soft memory limit is lifted meanwhile), and no one else may write
// to the store meanwhile. On an
// error, cancellation included, it empties the store again; if the process
// or machine dies during a Load, delete the file and load again.
func (s *Store) Load(ctx context.Context, src Source, opts LoadOptions) (LoadStats, error) {
	start := time.Now()
	if opts.TxKeys <= 0 {
		opts.TxKeys = DefaultLoadTxKeys
	}
	l := &loader{s: s, opts: opts, start: start, kindOf: map[string]uint8{}}
	l.stats.Kinds = map[tupu.Kind]int{}
	if err := s.View(func(t *Tx) error { return t.checkEmpty() }); err != nil {
		return l.stats, err
	}

	// The sorted keys are a large live heap: collect at loadGCPercent, and
	// lift any soft memory limit (a service's, tuned for a small live
	// heap, would have the collector run without pause).
	defer debug.SetGCPercent(debug.SetGCPercent(loadGCPercent))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	// No fsync until the end: not at commits (NoSync), and not each time
	// the file grows (NoGrowSync; bbolt grows it AllocSize at a time, and
	// would otherwise flush everything written so far every 16 MB).
	noSync, noGrowSync, allocSize := s.db.NoSync, s.db.NoGrowSync, s.db.AllocSize
	s.db.NoSync, s.db.NoGrowSync, s.db.AllocSize = true, true, loadAllocSize
	defer func() { s.db.NoSync, s.db.NoGrowSync, s.db.AllocSize = noSync, noGrowSync, allocSize }()

	// The producer prepares group after group (reads the source, encodes,
	// sorts) while this goroutine writes the one before.
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready := make(chan *group)
	produced := make(chan error, 1)
	go func() {
		defer close(ready)
		for _, g := range l.groups() {
			if err := l.prepare(pctx, src, g); err != nil {
				produced <- err
				return
			}
			select {
			case ready <- g:
			case <-pctx.Done():
				produced <- pctx.Err()
				return
			}
		}
		produced <- nil
	}()
	var err error
	for g := range ready {
		if err == nil {
			g.addTo(&l.stats)
			if err = l.write(ctx, g); err != nil {
				cancel()
			}
		}
		g.free()
	}
	if perr := <-produced; err == nil {
		err = perr
	}
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = l.finish(noSync)
	}
	l.stats.Elapsed = time.Since(start)
	if err != nil {
		if cerr := l.clear(); cerr != nil {
			return l.stats, fmt.Errorf("%w (and emptying the store again failed: %v)", err, cerr)
		}
		return l.stats, err
	}
	return l.stats, nil
}

// dataBuckets are the buckets a load writes or a failed load empties:
// all but meta and the tokens, which are not part of a graph.
var dataBuckets = [][]byte{bucketDocuments, bucketEntities, bucketKinds, bucketNames, bucketFacts,
	bucketEdges, bucketEdgeCounts, bucketKindCounts, bucketByName, bucketFactProps, bucketFactValues,
	bucketHistory, bucketHistoryIndex}

// checkEmpty returns CONFLICT unless the graph buckets are empty.
func (t *Tx) checkEmpty() error {
	for _, name := range dataBuckets {
		b := t.tx.Bucket(name)
		if k, _ := b.Cursor().First(); k != nil || b.Sequence() > 0 {
			return tupu.Errorf(tupu.Conflict, "load needs an empty database (bucket %s holds data)", name)
		}
	}
	return nil
}

type loader struct {
	s     *Store
	opts  LoadOptions
	start time.Time
	stats LoadStats

	// Filled while preparing group 1, read by later groups (the producer
	// prepares groups one after another).
	kinds  []tupu.Kind       // kinds by index
	kindOf map[string]uint8  // entity key -> index in kinds
	known  map[tupu.Kind]int // kind -> index in kinds, or -1 when unknown
	preds  map[tupu.Predicate]bool
}

// group is a set of buckets filled from one pass over the source.
type group struct {
	bufs    []*kvbuf
	collect func(d *tupu.Dataset, g *group) error
	// what the pass read, added to the stats when the group is written
	documents, entities, relations, facts int
	kinds                                 map[tupu.Kind]int
}

func (g *group) addTo(s *LoadStats) {
	s.Documents += g.documents
	s.Entities += g.entities
	s.Relations += g.relations
	s.Facts += g.facts
	for k, n := range g.kinds {
		s.Kinds[k] += n
	}
}

func (g *group) free() {
	for _, b := range g.bufs {
		b.free()
	}
}

func (l *loader) groups() []*group {
	entities, kinds := newKVBuf(bucketEntities, "entity"), newKVBuf(bucketKinds, "")
	kinds.counter, kinds.countKey = bucketKindCounts, firstPart
	documents := newKVBuf(bucketDocuments, "document")
	names, byname := newKVBuf(bucketNames, ""), newKVBuf(bucketByName, "")
	edges := newKVBuf(bucketEdges, "relation")
	edges.counter, edges.countKey = bucketEdgeCounts, allButLastPart
	facts, factprops, factvalues := newKVBuf(bucketFacts, "fact"), newKVBuf(bucketFactProps, ""), newKVBuf(bucketFactValues, "")
	return []*group{
		{bufs: []*kvbuf{entities, kinds, facts, factprops, factvalues}, collect: l.collectEntitiesAndFacts, kinds: map[tupu.Kind]int{}},
		{bufs: []*kvbuf{documents, names, byname}, collect: l.collectNames},
		{bufs: []*kvbuf{edges}, collect: l.collectEdges},
	}
}

// prepare fills a group from a pass over the source and sorts its buckets.
func (l *loader) prepare(ctx context.Context, src Source, g *group) error {
	err := src(func(d *tupu.Dataset) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return g.collect(d, g)
	})
	if err != nil {
		return err
	}
	for _, b := range g.bufs {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.sort()
	}
	return nil
}

// collectEntitiesAndFacts fills group 1: a chunk's entities first, so
// that its facts find their kinds.
func (l *loader) collectEntitiesAndFacts(d *tupu.Dataset, g *group) error {
	if err := l.collectEntities(d, g); err != nil {
		return err
	}
	return l.collectFacts(d, g)
}

func (l *loader) collectEntities(d *tupu.Dataset, g *group) error {
	if l.known == nil {
		l.known = map[tupu.Kind]int{}
	}
	entities, kinds := g.bufs[0], g.bufs[1]
	for i := range d.Entities {
		e := d.Entities[i] // a copy: the version may be set
		if !isKey(e.Key) {
			return fmt.Errorf("entity %q: %w", e.Key, tupu.ValidateKey("key", e.Key))
		}
		ki, ok := l.known[e.Kind]
		if !ok {
			ki = -1
			if _, valid := tupu.KindByName(string(e.Kind)); valid && len(l.kinds) < math.MaxUint8 {
				ki = len(l.kinds)
				l.kinds = append(l.kinds, e.Kind)
			}
			l.known[e.Kind] = ki
		}
		if ki < 0 {
			return tupu.Errorf(tupu.BadUserInput, "entity %q: kind %q is unknown", e.Key, e.Kind)
		}
		if _, dup := l.kindOf[e.Key]; dup {
			return tupu.Errorf(tupu.BadUserInput, "entity %q: key repeats", e.Key)
		}
		l.kindOf[e.Key] = uint8(ki)
		if e.Version == 0 {
			e.Version = 1
		}
		v, err := json.Marshal(&e)
		if err != nil {
			return err
		}
		entities.add(v, e.Key)
		kinds.add(nil, string(e.Kind), e.Key)
		g.kinds[e.Kind]++
	}
	g.entities += len(d.Entities)
	return nil
}

func (l *loader) collectNames(d *tupu.Dataset, g *group) error {
	documents, names, byname := g.bufs[0], g.bufs[1], g.bufs[2]
	for i := range d.Documents {
		doc := &d.Documents[i]
		if !isKey(doc.Key) {
			return fmt.Errorf("document %q: %w", doc.Key, tupu.ValidateKey("key", doc.Key))
		}
		v, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		documents.add(v, doc.Key)
	}
	g.documents += len(d.Documents)
	var ranks []nameRank
	for i := range d.Entities {
		e := &d.Entities[i]
		n := tupu.NormalizeName(e.Name)
		byname.add(nil, string(e.Kind), n, e.Key)
		byname.add(nil, allKinds, n, e.Key)
		ranks = appendNameRanks(ranks[:0], e)
		for _, r := range ranks {
			names.add([]byte{r.rank}, r.name, e.Key)
		}
	}
	return nil
}

type nameRank struct {
	name string
	rank byte
}

// appendNameRanks is nameRanks without a map: each normalized name of e
// once, with its best rank.
func appendNameRanks(out []nameRank, e *tupu.Entity) []nameRank {
	add := func(n string, rank byte) {
		n = tupu.NormalizeName(n)
		if n == "" {
			return
		}
		for i := range out {
			if out[i].name == n {
				out[i].rank = min(out[i].rank, rank)
				return
			}
		}
		out = append(out, nameRank{n, rank})
	}
	add(e.Name, rankName)
	add(e.NameEn, rankNameEn)
	for _, a := range e.Aliases {
		add(a, rankAlias)
	}
	return out
}

// kindOfEntity returns the kind of an entity of the dataset.
func (l *loader) kindOfEntity(key string) (tupu.Kind, bool) {
	i, ok := l.kindOf[key]
	if !ok {
		return "", false
	}
	return l.kinds[i], true
}

func (l *loader) collectEdges(d *tupu.Dataset, g *group) error {
	if l.preds == nil {
		l.preds = map[tupu.Predicate]bool{}
	}
	edges := g.bufs[0]
	// Relations citing the same *Source (a sentence stating several) with
	// no note have the same value: encode and keep it once per chunk.
	type encoded struct {
		ref ref
		n   int
	}
	bySource := map[*tupu.Source]encoded{}
	for i := range d.Relations {
		r := &d.Relations[i]
		valid, seen := l.preds[r.Predicate]
		if !seen {
			_, valid = tupu.PredicateByName(string(r.Predicate))
			l.preds[r.Predicate] = valid
		}
		subjKind, subjOK := l.kindOfEntity(r.Subject)
		objKind, objOK := l.kindOfEntity(r.Object)
		var problem string
		switch {
		case !valid:
			problem = fmt.Sprintf("predicate %q is unknown", r.Predicate)
		case !subjOK:
			problem = fmt.Sprintf("subject %q is not an entity", r.Subject)
		case !objOK:
			problem = fmt.Sprintf("object %q is not an entity", r.Object)
		case r.Subject == r.Object:
			problem = "an entity cannot relate to itself"
		}
		if problem != "" {
			return tupu.Errorf(tupu.BadUserInput, "relation %s %s %s: %s", r.Subject, r.Predicate, r.Object, problem)
		}
		// Both ends hold the same value: stored once in memory.
		e, ok := bySource[r.Source]
		if !ok || r.Source == nil || r.Note != "" {
			v, err := json.Marshal(edgeValue{Source: r.Source, Note: r.Note})
			if err != nil {
				return err
			}
			e = encoded{edges.arena.put(v), len(v)}
			if r.Source != nil && r.Note == "" {
				bySource[r.Source] = e
			}
		}
		edges.addRef(e.ref, e.n, r.Subject, string(rune(dirOut)), string(r.Predicate), string(objKind), r.Object)
		edges.addRef(e.ref, e.n, r.Object, string(rune(dirIn)), string(r.Predicate), string(subjKind), r.Subject)
	}
	g.relations += len(d.Relations)
	return nil
}

func (l *loader) collectFacts(d *tupu.Dataset, g *group) error {
	facts, factprops, factvalues := g.bufs[2], g.bufs[3], g.bufs[4]
	for i := range d.Facts {
		f := &d.Facts[i]
		kind, ok := l.kindOfEntity(f.Entity)
		var problem string
		switch {
		case !ok:
			problem = fmt.Sprintf("entity %q is not an entity (of this chunk or an earlier one)", f.Entity)
		case f.Property == "" || strings.IndexByte(f.Property, sep) >= 0:
			problem = fmt.Sprintf("property %q is not snake_case", f.Property)
		case strings.IndexByte(f.Period, sep) >= 0:
			problem = fmt.Sprintf("period %q is not a period", f.Period)
		case f.Value != nil && (math.IsInf(*f.Value, 0) || math.IsNaN(*f.Value)):
			problem = fmt.Sprintf("value %v is not a finite number", *f.Value)
		}
		if problem != "" {
			return tupu.Errorf(tupu.BadUserInput, "fact %s %s %s: %s", f.Entity, f.Property, f.Period, problem)
		}
		v, err := json.Marshal(f)
		if err != nil {
			return err
		}
		facts.add(v, f.Entity, f.Property, f.Period)
		factprops.add(nil, f.Property, f.Entity, f.Period)
		if n, _, ok := f.Normalized(); ok {
			factvalues.addKey(factValueKey(f.Property, kind, n, f.Entity, f.Period))
		}
	}
	g.facts += len(d.Facts)
	return nil
}

// isKey is tupu.ValidateKey's test without a regular expression: lowercase
// ASCII words of a-z and 0-9 joined by single '-'.
func isKey(k string) bool {
	if len(k) == 0 || len(k) > tupu.MaxKeyLength || k[0] == '-' || k[len(k)-1] == '-' {
		return false
	}
	for i := 0; i < len(k); i++ {
		switch c := k[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && k[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

// firstPart is the kindcounts key of a kinds key: the kind.
func firstPart(k []byte) []byte {
	if i := bytes.IndexByte(k, sep); i >= 0 {
		return k[:i]
	}
	return k
}

// allButLastPart is the edgecounts key of an edge key: entity, direction,
// predicate and the far end's kind.
func allButLastPart(k []byte) []byte {
	if i := bytes.LastIndexByte(k, sep); i >= 0 {
		return k[:i]
	}
	return k
}

// write appends a prepared group's buckets to the store.
func (l *loader) write(ctx context.Context, g *group) error {
	for _, b := range g.bufs {
		if err := l.writeBucket(ctx, b); err != nil {
			return err
		}
		b.free()
	}
	return nil
}

// writeBucket appends a sorted bucket, and the counters derived from its
// keys, in transactions of about TxKeys keys.
func (l *loader) writeBucket(ctx context.Context, b *kvbuf) error {
	var (
		i        int
		prev     []byte // the last key written
		countKey []byte // the counter being counted, nil if none
		count    uint64
	)
	for i < len(b.ents) || countKey != nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := 0
		err := l.s.db.Update(func(tx *bolt.Tx) error {
			bk := tx.Bucket(b.bucket)
			bk.FillPercent = 1.0 // keys arrive in order: pack the pages full
			var counters *bolt.Bucket
			if b.counter != nil {
				counters = tx.Bucket(b.counter)
				counters.FillPercent = 1.0
			}
			for ; i < len(b.ents) && n < l.opts.TxKeys; i++ {
				k, v := b.key(i), b.value(i)
				if prev != nil && bytes.Compare(prev, k) >= 0 {
					return b.repeats(k)
				}
				if err := bk.Put(k, v); err != nil {
					return err
				}
				prev = k
				n++
				if counters == nil {
					continue
				}
				if ck := b.countKey(k); !bytes.Equal(ck, countKey) {
					if countKey != nil {
						if err := counters.Put(countKey, u64(count)); err != nil {
							return err
						}
						n++
					}
					countKey, count = ck, 0
				}
				count++
			}
			if i == len(b.ents) && countKey != nil {
				if err := counters.Put(countKey, u64(count)); err != nil {
					return err
				}
				countKey = nil
				n++
			}
			return nil
		})
		if err != nil {
			return err
		}
		l.stats.Keys += n
		l.stats.Transactions++
		if l.opts.Progress != nil {
			l.stats.Elapsed = time.Since(l.start)
			l.opts.Progress(l.stats)
		}
	}
	return nil
}

// finish makes the load durable and sets the graph version, as Import
// does: one version for the whole load.
func (l *loader) finish(noSync bool) error {
	if err := l.s.db.Sync(); err != nil {
		return err
	}
	l.s.db.NoSync = noSync // the last commit syncs as every commit does
	var v uint64
	err := l.s.db.Update(func(tx *bolt.Tx) error {
		if err := bumpGraphVersion(tx); err != nil {
			return err
		}
		v = readU64(tx.Bucket(bucketMeta).Get(keyGraphVersion))
		return nil
	})
	if err != nil {
		return err
	}
	l.stats.Transactions++
	l.s.version.Store(v)
	return nil
}

// clear empties the buckets a failed load may have written.
func (l *loader) clear() error {
	return l.s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range dataBuckets {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
}

// kvbuf holds one bucket's keys and values in memory, in an arena of
// large blocks without pointers (cheap for the garbage collector), with a
// small entry per key to sort.
type kvbuf struct {
	bucket   []byte
	what     string // what a key stands for, to report repeats; "" for an index
	counter  []byte // the bucket counting keys by countKey, or nil
	countKey func(k []byte) []byte
	arena    arena
	blocks   [][]kv // entries as they come, in blocks (no regrowing a huge slice)
	ents     []kv   // all entries, sorted: filled by sort
}

const kvBlock = 1 << 15

// kv is one key and its value, as arena references.
type kv struct {
	cache uint64 // 8 bytes of the key at the depth being sorted
	k, v  ref
	klen  uint32
	vlen  uint32
}

func newKVBuf(bucket []byte, what string) *kvbuf { return &kvbuf{bucket: bucket, what: what} }

func (b *kvbuf) free() { *b = kvbuf{} }

// add adds the key parts joined by sep, with value v (copied).
func (b *kvbuf) add(v []byte, parts ...string) {
	var vr ref
	if len(v) > 0 {
		vr = b.arena.put(v)
	}
	b.addRef(vr, len(v), parts...)
}

// addRef adds the key parts joined by sep, with a value already in the
// arena.
func (b *kvbuf) addRef(v ref, vlen int, parts ...string) {
	n := len(parts) - 1
	for _, p := range parts {
		n += len(p)
	}
	r, buf := b.arena.alloc(n)
	buf = buf[:0]
	for i, p := range parts {
		if i > 0 {
			buf = append(buf, sep)
		}
		buf = append(buf, p...)
	}
	b.push(kv{k: r, klen: uint32(n), v: v, vlen: uint32(vlen)})
}

// addKey adds a key (copied) with no value.
func (b *kvbuf) addKey(k []byte) {
	b.push(kv{k: b.arena.put(k), klen: uint32(len(k))})
}

func (b *kvbuf) push(e kv) {
	last := len(b.blocks) - 1
	if last < 0 || len(b.blocks[last]) == kvBlock {
		b.blocks = append(b.blocks, make([]kv, 0, kvBlock))
		last++
	}
	b.blocks[last] = append(b.blocks[last], e)
}

func (b *kvbuf) key(i int) []byte { return b.arena.get(b.ents[i].k, b.ents[i].klen) }

func (b *kvbuf) value(i int) []byte {
	if b.ents[i].vlen == 0 {
		return nil
	}
	return b.arena.get(b.ents[i].v, b.ents[i].vlen)
}

// repeats reports a key that does not follow the one before: after
// sorting, a key that repeats.
func (b *kvbuf) repeats(k []byte) error {
	what := b.what
	if what == "" {
		what = "key of " + string(b.bucket)
	}
	return tupu.Errorf(tupu.BadUserInput, "%s %s repeats", what, strings.ReplaceAll(string(k), "\x00", " "))
}

// sort orders the entries by key: a most-significant-digit radix sort on
// 8 bytes at a time, cached in the entries, so that comparisons rarely
// leave the entries for the arena.
func (b *kvbuf) sort() {
	n := 0
	for _, blk := range b.blocks {
		n += len(blk)
	}
	b.ents = make([]kv, 0, n)
	for i, blk := range b.blocks {
		b.ents = append(b.ents, blk...)
		b.blocks[i] = nil
	}
	b.blocks = nil
	b.sortFrom(b.ents, 0)
}

func (b *kvbuf) sortFrom(es []kv, depth int) {
	for i := range es {
		es[i].cache = b.chunk(&es[i], depth)
	}
	// rest is how many key bytes are left from depth, capped at 9: equal
	// caches with rest 9 need the next 8 bytes to decide.
	rest := func(e *kv) int { return min(max(int(e.klen)-depth, 0), 9) }
	slices.SortFunc(es, func(x, y kv) int {
		return cmp.Or(cmp.Compare(x.cache, y.cache), cmp.Compare(rest(&x), rest(&y)))
	})
	for i := 0; i < len(es); {
		j := i + 1
		for j < len(es) && es[j].cache == es[i].cache && rest(&es[j]) == rest(&es[i]) {
			j++
		}
		if j-i > 1 && rest(&es[i]) > 8 {
			b.sortFrom(es[i:j], depth+8)
		}
		i = j
	}
}

// chunk returns the key's 8 bytes at depth as a big-endian number, padded
// with zeros past the key's end.
func (b *kvbuf) chunk(e *kv, depth int) uint64 {
	if int(e.klen) <= depth {
		return 0
	}
	k := b.arena.get(e.k, e.klen)[depth:]
	if len(k) >= 8 {
		return binary.BigEndian.Uint64(k)
	}
	var pad [8]byte
	copy(pad[:], k)
	return binary.BigEndian.Uint64(pad[:])
}

// ref is a place in an arena: block index and offset.
type ref uint64

const arenaBlock = 8 << 20

// arena hands out byte slices from large blocks that hold no pointers.
type arena struct{ blocks [][]byte }

// alloc returns n bytes of the arena and where they are.
func (a *arena) alloc(n int) (ref, []byte) {
	last := len(a.blocks) - 1
	if last < 0 || len(a.blocks[last])+n > cap(a.blocks[last]) {
		a.blocks = append(a.blocks, make([]byte, 0, max(arenaBlock, n)))
		last++
	}
	blk := a.blocks[last]
	off := len(blk)
	a.blocks[last] = blk[:off+n]
	return ref(uint64(last)<<32 | uint64(off)), blk[off : off+n : off+n]
}

// put copies b into the arena.
func (a *arena) put(b []byte) ref {
	r, buf := a.alloc(len(b))
	copy(buf, b)
	return r
}

func (a *arena) get(r ref, n uint32) []byte {
	off := uint64(r) & math.MaxUint32
	return a.blocks[r>>32][off : off+uint64(n) : off+uint64(n)]
}
