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
	"sync"
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
// Two goroutines share the work: a producer reads the source, encodes and
// sorts, and hands over one sorted bucket at a time; the writer appends
// each bucket as soon as it comes, and does nothing else (bbolt is the
// part that cannot run in parallel). Memory stays bounded by reading the
// source twice, each pass for a set of buckets:
//
//  1. entities, kinds (and kindcounts, counted from kinds); facts,
//     factprops, factvalues; documents, names, byname
//  2. edges (and edgecounts, counted from edges)
//
// The producer reads the second pass while the writer appends the
// buckets of the first; each bucket is freed once written.
// Source yields a dataset in chunks, calling yield once per chunk and
// stopping at the first error it returns. Load calls a source once per
// pass (twice), so it must yield the same data every time. Chunks come in
// dependency order: the relations and facts of a chunk point at entities
// of that chunk or of earlier ones (as synth.Generate's do). Load applies
// the rules of every statement to it (see Load). A chunk is not kept after
// yield returns.
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

// loadSyncBytes is how much a load writes between two background fsyncs:
// the data reaches the disk while the load runs, so that the fsync at the
// end has little left to do.
const loadSyncBytes = 256 << 20

// readyParts is how many sorted parts may wait for the writer.
const readyParts = 4

// loadingSchema stands in the meta bucket for the schema version while a
// load runs: a file left by a load that did not finish (the process or
// the machine died) has no valid schema version, so Open refuses it
// instead of serving part of a graph.
var loadingSchema = []byte("loading")

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
// A store that holds anything is CONFLICT. Load normalizes each
// statement's text and checks it with the rules every way in applies
// (tupu.CheckDocument, CheckEntity, CheckRelation, CheckFact), looking up
// the documents and entities of the dataset read so far; keys, relations
// and facts (entity, property, period) must not repeat. The first problem
// stops it, naming the statement (BAD_USER_INPUT). To look them up, it
// keeps every document's text and every entity's names until it is done.
//
// Load is meant for a new file: it skips fsync until its last commit,
// sets the garbage collector's target while it runs (see loadGCPercent;
// any soft memory limit is lifted meanwhile), and no one else may write
// to the store meanwhile. On an error, cancellation included, it empties
// the store again. While it runs, the file's schema version is replaced
// by a marker (loadingSchema), restored by the last commit: if the process
// or the machine dies during a Load, Open refuses the file (delete it and
// load again) rather than open a partial graph.
//
// Into a cluster, Load builds the graph in a temporary file and copies it
// in (see throughFile).
func (s *Store) Load(ctx context.Context, src Source, opts LoadOptions) (LoadStats, error) {
	if !s.IsFile() {
		var st LoadStats
		err := s.throughFile(ctx, func(tmp *Store) error {
			var err error
			st, err = tmp.Load(ctx, src, opts)
			return err
		})
		return st, err
	}
	start := time.Now()
	if opts.TxKeys <= 0 {
		opts.TxKeys = DefaultLoadTxKeys
	}
	l := &loader{s: s, opts: opts, start: start, entities: map[string]loadedEntity{}, documents: map[string]*tupu.Document{}}
	l.quoted.fetch = l.document
	l.stats.Kinds = map[tupu.Kind]int{}
	l.db = s.eng.(*boltEngine).db
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
	db := l.db
	noSync, noGrowSync, allocSize := db.NoSync, db.NoGrowSync, db.AllocSize
	db.NoSync, db.NoGrowSync, db.AllocSize = true, true, loadAllocSize
	defer func() { db.NoSync, db.NoGrowSync, db.AllocSize = noSync, noGrowSync, allocSize }()

	// Background fsyncs while the writer goes on (see loadSyncBytes).
	syncs := make(chan struct{}, 1)
	synced := make(chan error, 1)
	go func() {
		var err error
		for range syncs {
			if err == nil {
				err = db.Sync()
			}
		}
		synced <- err
	}()
	l.syncs = syncs

	// The producer prepares bucket after bucket (reads the source,
	// encodes, sorts) while this goroutine writes the ones before.
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A few parts sorted ahead of the writer, no more: the rest of the
	// producer's time goes to reading the next pass.
	ready := make(chan *kvbuf, readyParts)
	produced := make(chan error, 1)
	go func() {
		defer close(ready)
		produced <- l.produce(pctx, src, ready)
	}()
	var err error
	for b := range ready {
		if err == nil {
			if b.pass != nil {
				b.pass.addTo(&l.stats)
			}
			if err = l.writeBucket(ctx, b); err != nil {
				cancel()
			}
		}
		b.free()
	}
	if perr := <-produced; err == nil {
		err = perr
	}
	close(syncs)
	if serr := <-synced; err == nil {
		err = serr
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
var dataBuckets = []bucket{bucketDocuments, bucketEntities, bucketKinds, bucketNames, bucketFacts,
	bucketEdges, bucketEdgeCounts, bucketKindCounts, bucketByName, bucketFactProps, bucketFactValues,
	bucketHistory, bucketHistoryIndex, bucketStats}

// checkEmpty returns CONFLICT unless the graph buckets are empty.
func (t *Tx) checkEmpty() error {
	for _, b := range dataBuckets {
		if !t.empty(b) {
			return tupu.Errorf(tupu.Conflict, "load needs an empty database (bucket %s holds data)", b.name())
		}
	}
	return nil
}

type loader struct {
	s     *Store
	db    *bolt.DB // the store's file
	opts  LoadOptions
	start time.Time
	stats LoadStats

	marked   bool            // the schema version is loadingSchema
	syncs    chan<- struct{} // asks for a background fsync
	unsynced int             // bytes written since the last one was asked for

	// Filled during the first pass, read by the second (the producer
	// makes the passes one after another).
	kinds    []tupu.Kind             // kinds by index
	entities map[string]loadedEntity // every entity read so far
	known    map[tupu.Kind]int       // kind -> index in kinds, or -1 when unknown
	// Every document read so far, with its quotable text as its text
	// (tupu.Document.QuotableText, computed once), and the last few looked
	// up indexed for quotes (a chunk's statements cite a few documents).
	documents map[string]*tupu.Document
	quoted    quotedDocuments
}

// loadedEntity is what the loader keeps of an entity: what the rules of
// the relations and facts that point at it look up (its key, kind and
// names), and its kind's index.
type loadedEntity struct {
	e    *tupu.Entity
	kind uint8
}

// Entity and Document make the loader a tupu.Graph of what it has read.
var _ tupu.Graph = (*loader)(nil)

func (l *loader) Entity(key string) (*tupu.Entity, error) {
	if le, ok := l.entities[key]; ok {
		return le.e, nil
	}
	return nil, tupu.Errorf(tupu.NotFound, "no entity has key %q (of this chunk or an earlier one)", key)
}

func (l *loader) Document(key string) (*tupu.Document, error) { return l.quoted.Document(key) }

// document is the loader's own lookup of the documents it has read.
func (l *loader) document(key string) (*tupu.Document, error) {
	if d, ok := l.documents[key]; ok {
		return d, nil
	}
	return nil, tupu.Errorf(tupu.NotFound, "no document has key %q (of this chunk or an earlier one)", key)
}

// pass is a set of buckets filled from one reading of the source.
type pass struct {
	bufs    []*kvbuf
	collect func(d *tupu.Dataset, p *pass) error
	// what the pass read, added to the stats when its first bucket is
	// written
	documents, entities, relations, facts int
	kinds                                 map[tupu.Kind]int
}

func (p *pass) addTo(s *LoadStats) {
	s.Documents += p.documents
	s.Entities += p.entities
	s.Relations += p.relations
	s.Facts += p.facts
	for k, n := range p.kinds {
		s.Kinds[k] += n
	}
}

// The buffers of each pass, by index in pass.bufs.
const (
	// pass 1
	bufKinds = iota
	bufFactProps
	bufFactValues
	bufFacts
	bufEntities
	bufDocuments
	bufByName
	bufNames
)

const (
	// pass 2
	bufEdges = iota
)

// passes returns the passes over the source. A pass's buffers are sorted
// and handed to the writer in order: a small one first, so that writing
// starts early.
func (l *loader) passes() []*pass {
	kinds := newKVBuf(bucketKinds, "")
	kinds.counter, kinds.countKey = bucketKindCounts, kindCountKeyOf
	edges := newKVBuf(bucketEdges, "relation")
	edges.counter, edges.countKey = bucketEdgeCounts, edgeCountKeyOf
	first := make([]*kvbuf, bufNames+1)
	first[bufKinds] = kinds
	first[bufFactProps] = newKVBuf(bucketFactProps, "")
	first[bufFactValues] = newKVBuf(bucketFactValues, "")
	first[bufFacts] = newKVBuf(bucketFacts, "fact")
	first[bufEntities] = newKVBuf(bucketEntities, "entity")
	first[bufDocuments] = newKVBuf(bucketDocuments, "document")
	first[bufByName] = newKVBuf(bucketByName, "")
	first[bufNames] = newKVBuf(bucketNames, "")
	return []*pass{
		{bufs: first, collect: l.collectFirst, kinds: map[tupu.Kind]int{}},
		{bufs: []*kvbuf{edges}, collect: l.collectEdges},
	}
}

// produce makes the passes, and sends every bucket in sorted parts,
// followed by the counters counted from it, if any. A goroutine of its
// own sorts: the next pass reads the source while the buckets of the one
// before are sorted and written.
func (l *loader) produce(ctx context.Context, src Source, ready chan<- *kvbuf) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The first error stops both goroutines, and is the one returned.
	var (
		once  sync.Once
		first error
	)
	fail := func(err error) {
		once.Do(func() { first = err })
		cancel()
	}
	collected := make(chan *pass, 2)
	sorted := make(chan struct{})
	go func() {
		defer close(sorted)
		for p := range collected {
			if ctx.Err() == nil {
				if err := l.sortPass(ctx, p, ready); err != nil {
					fail(err)
				}
			}
			for _, b := range p.bufs {
				if b != nil {
					b.free()
				}
			}
		}
	}()
	for _, p := range l.passes() {
		err := src(func(d *tupu.Dataset) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return p.collect(d, p)
		})
		if err != nil {
			fail(err)
			break
		}
		collected <- p
		l.documents, l.quoted.recent = nil, nil // the first pass checked every citation
	}
	close(collected)
	<-sorted
	return first
}

// sortPass sends the buckets of a pass in sorted parts.
func (l *loader) sortPass(ctx context.Context, p *pass, ready chan<- *kvbuf) error {
	first := true
	for i, b := range p.bufs {
		p.bufs[i] = nil
		err := b.split(func(part *kvbuf) error {
			if first {
				part.pass, first = p, false
			}
			select {
			case ready <- part:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		b.free()
		if err != nil {
			return err
		}
	}
	return nil
}

// collectFirst fills the first pass: a chunk's documents first, which
// its statements cite, then its entities, so that its facts find them.
// It checks the chunk's relations too, which the second pass encodes:
// each document is then indexed for quotes once, while its chunk is read.
func (l *loader) collectFirst(d *tupu.Dataset, p *pass) error {
	d.Normalize()
	if err := l.collectDocuments(d, p); err != nil {
		return err
	}
	if err := l.collectEntities(d, p); err != nil {
		return err
	}
	if err := l.collectFacts(d, p); err != nil {
		return err
	}
	for i := range d.Relations {
		r := &d.Relations[i]
		if err := tupu.CheckRelation(l, r); err != nil {
			return fmt.Errorf("relation %s %s %s: %w", r.Subject, r.Predicate, r.Object, err)
		}
	}
	return l.collectNames(d, p)
}

func (l *loader) collectEntities(d *tupu.Dataset, p *pass) error {
	if l.known == nil {
		l.known = map[tupu.Kind]int{}
	}
	entities, kinds := p.bufs[bufEntities], p.bufs[bufKinds]
	for i := range d.Entities {
		e := d.Entities[i] // a copy: the version may be set
		if err := tupu.CheckEntity(l, &e); err != nil {
			return fmt.Errorf("entity %q: %w", e.Key, err)
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
		if _, dup := l.entities[e.Key]; dup {
			return tupu.Errorf(tupu.BadUserInput, "entity %q: key: repeats", e.Key)
		}
		l.entities[e.Key] = loadedEntity{&tupu.Entity{Key: e.Key, Kind: e.Kind, Name: e.Name, NameEn: e.NameEn, Aliases: e.Aliases}, uint8(ki)}
		if e.Version == 0 {
			e.Version = 1
		}
		v, err := json.Marshal(&e)
		if err != nil {
			return err
		}
		entities.add(v, appendEntityKey(entities.kbuf(), e.Key))
		kinds.add(nil, appendKindsKey(kinds.kbuf(), e.Kind, e.Key))
		p.kinds[e.Kind]++
	}
	p.entities += len(d.Entities)
	return nil
}

func (l *loader) collectDocuments(d *tupu.Dataset, p *pass) error {
	documents := p.bufs[bufDocuments]
	for i := range d.Documents {
		doc := &d.Documents[i]
		if err := tupu.CheckDocument(doc); err != nil {
			return fmt.Errorf("document %q: %w", doc.Key, err)
		}
		if _, dup := l.documents[doc.Key]; dup {
			return tupu.Errorf(tupu.BadUserInput, "document %q: key: repeats", doc.Key)
		}
		l.documents[doc.Key] = &tupu.Document{Key: doc.Key, Text: doc.QuotableText()}
		v, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		documents.add(v, appendDocumentKey(documents.kbuf(), doc.Key))
	}
	p.documents += len(d.Documents)
	return nil
}

func (l *loader) collectNames(d *tupu.Dataset, p *pass) error {
	names, byname := p.bufs[bufNames], p.bufs[bufByName]
	if names.ranks == nil {
		// The three values, once: every key of the index points at one.
		for _, v := range rankValues {
			names.ranks = append(names.ranks, names.vals.put(v))
		}
	}
	var ranks []nameRank
	for i := range d.Entities {
		e := &d.Entities[i]
		n := tupu.NormalizeName(e.Name)
		byname.add(nil, appendByNameKey(byname.kbuf(), string(e.Kind), n, e.Key))
		byname.add(nil, appendByNameKey(byname.kbuf(), allKinds, n, e.Key))
		ranks = appendNameRanks(ranks[:0], e)
		for _, r := range ranks {
			names.addRef(names.ranks[r.rank], 1, appendNamesKey(names.kbuf(), r.name, e.Key))
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
	le, ok := l.entities[key]
	if !ok {
		return "", false
	}
	return l.kinds[le.kind], true
}

func (l *loader) collectEdges(d *tupu.Dataset, p *pass) error {
	edges := p.bufs[bufEdges]
	// Relations citing the same *Source (a sentence stating several) with
	// no note have the same value: encode and keep it once per chunk.
	type encoded struct {
		ref ref
		n   int
	}
	bySource := map[*tupu.Source]encoded{}
	for i := range d.Relations {
		r := &d.Relations[i]
		r.Normalize() // as the first pass did, which checked it
		subjKind, subjOK := l.kindOfEntity(r.Subject)
		objKind, objOK := l.kindOfEntity(r.Object)
		if !subjOK || !objOK {
			return fmt.Errorf("relation %s %s %s: the source gave other entities in its first pass", r.Subject, r.Predicate, r.Object)
		}
		// Both ends hold the same value: stored once in memory.
		e, ok := bySource[r.Source]
		if !ok || r.Source == nil || r.Note != "" {
			v, err := json.Marshal(edgeValue{Source: r.Source, Note: r.Note})
			if err != nil {
				return err
			}
			e = encoded{edges.vals.put(v), len(v)}
			if r.Source != nil && r.Note == "" {
				bySource[r.Source] = e
			}
		}
		edges.addRef(e.ref, e.n, appendEdgeKey(edges.kbuf(), r.Subject, edgeGroupID{dirOut, r.Predicate, objKind}, r.Object))
		edges.addRef(e.ref, e.n, appendEdgeKey(edges.kbuf(), r.Object, edgeGroupID{dirIn, r.Predicate, subjKind}, r.Subject))
	}
	p.relations += len(d.Relations)
	return nil
}

func (l *loader) collectFacts(d *tupu.Dataset, p *pass) error {
	facts, factprops, factvalues := p.bufs[bufFacts], p.bufs[bufFactProps], p.bufs[bufFactValues]
	for i := range d.Facts {
		f := &d.Facts[i]
		if err := tupu.CheckFact(l, f); err != nil {
			return fmt.Errorf("fact %s %s %s: %w", f.Entity, f.Property, f.Period, err)
		}
		kind, _ := l.kindOfEntity(f.Entity)
		v, err := json.Marshal(f)
		if err != nil {
			return err
		}
		facts.add(v, appendFactKey(facts.kbuf(), f.Entity, f.Property, f.Period))
		factprops.add(nil, appendFactPropKey(factprops.kbuf(), f.Property, f.Entity, f.Period))
		if n, _, ok := f.Normalized(); ok {
			factvalues.add(nil, appendFactValueKey(factvalues.kbuf(), f.Property, kind, n, f.Entity, f.Period))
		}
	}
	p.facts += len(d.Facts)
	return nil
}

// writeBucket appends a sorted bucket in transactions of about TxKeys
// keys. The producer did all it could beforehand (sorted, checked, laid
// the keys out in order): this loop is all bbolt.
func (l *loader) writeBucket(ctx context.Context, b *kvbuf) error {
	for i := 0; i < len(b.ents); {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(i+l.opts.TxKeys, len(b.ents))
		size := 0
		marking := !l.marked
		if marking {
			// The marker goes in with the first keys, durably: this
			// commit syncs.
			l.db.NoSync = false
		}
		// Straight into bbolt, not through the engine: the keys of a load
		// are no commits of the graph (the last, finish, is one), and bbolt
		// packs pages full only when told keys come in order.
		err := l.db.Update(func(tx *bolt.Tx) error {
			if marking {
				if err := tx.Bucket([]byte(bucketMeta.name())).Put(keySchemaVersion, loadingSchema); err != nil {
					return err
				}
			}
			bk := tx.Bucket([]byte(b.bucket.name()))
			bk.FillPercent = 1.0 // keys arrive in order: pack the pages full
			for j := i; j < end; j++ {
				k, v := b.key(j), b.value(j)
				if err := bk.Put(k, v); err != nil {
					return err
				}
				size += len(k) + len(v)
			}
			return nil
		})
		l.db.NoSync = true
		if err != nil {
			return err
		}
		l.marked = true
		l.stats.Keys += end - i
		l.stats.Transactions++
		i = end
		if l.unsynced += size; l.unsynced >= loadSyncBytes {
			l.unsynced = 0
			select {
			case l.syncs <- struct{}{}:
			default: // one is running: the next one will take this too
			}
		}
		if l.opts.Progress != nil {
			l.stats.Elapsed = time.Since(l.start)
			l.opts.Progress(l.stats)
		}
	}
	return nil
}

// finish makes the load durable, then, in one last commit, computes the
// graph statistics, restores the schema version and sets the graph
// version, as Import does: one version for the whole load.
// It is a commit of the engine: the store learns the new version and
// statistics from it, and that it starts a new graph.
func (l *loader) finish(noSync bool) error {
	if err := l.db.Sync(); err != nil {
		return err
	}
	l.db.NoSync = noSync // the last commit syncs as every commit does
	err := l.s.eng.update(context.Background(), func(w writeTx) error {
		t := &Tx{r: w, w: w}
		err := writeStatistics(t, func(entity []byte) (tupu.Kind, bool) {
			return l.kindOfEntity(string(entity))
		})
		if err != nil {
			return err
		}
		if err := t.put(bucketMeta, keySchemaVersion, u64(schemaVersion)); err != nil {
			return err
		}
		if err := markRulesPassed(w); err != nil { // every statement was checked
			return err
		}
		return t.put(bucketMeta, keyGraphVersion, u64(t.GraphVersion()+1))
	})
	if err != nil {
		return err
	}
	l.stats.Transactions++
	return nil
}

// clear empties the buckets a failed load may have written, and restores
// the schema version.
func (l *loader) clear() error {
	return l.s.eng.update(context.Background(), func(w writeTx) error {
		t := &Tx{r: w, w: w}
		for _, b := range dataBuckets {
			if err := t.clear(b); err != nil {
				return err
			}
		}
		return t.put(bucketMeta, keySchemaVersion, u64(schemaVersion))
	})
}

// kvbuf holds one bucket's keys and values in memory, in arenas of large
// blocks without pointers (cheap for the garbage collector), with a small
// entry per key to sort. The producer fills one per bucket, then splits
// it into parts, sorted kvbufs of their own that the writer appends one
// after another (see split).
type kvbuf struct {
	bucket   bucket
	what     string // what a key stands for, to report repeats; "" for an index
	counter  bucket // the bucket counting keys by countKey, if countKey is set
	countKey func(k []byte) []byte
	pass     *pass // set on the first part of a pass: its stats

	keys   arena  // the keys: as they come, or a part's in order
	vals   *arena // the values, which keys may share, as do parts
	ranks  []ref  // the names index's values in vals, by rank
	blocks [][]kv // entries as they come, in blocks (no regrowing a huge slice)
	ents   []kv   // a part's entries, sorted

	scratch []byte // see kbuf
}

const kvBlock = 1 << 15

// partKeys is about how many keys a part holds: the writer starts on a
// bucket once its first part is sorted, not the whole bucket.
var partKeys = 1 << 18

// kv is one key and its value, as arena references.
type kv struct {
	cache uint64 // 8 bytes of the key at the depth being sorted
	k, v  ref
	klen  uint32
	vlen  uint32
}

func newKVBuf(bucket bucket, what string) *kvbuf {
	return &kvbuf{bucket: bucket, what: what, vals: &arena{}}
}

func (b *kvbuf) free() { *b = kvbuf{} }

// kbuf returns the buffer's scratch space for building a key (with the
// codec's append forms) to hand to add or addRef, which copy it.
func (b *kvbuf) kbuf() []byte { return b.scratch[:0] }

// add adds key k with value v, both copied.
func (b *kvbuf) add(v, k []byte) {
	var vr ref
	if len(v) > 0 {
		vr = b.vals.put(v)
	}
	b.addRef(vr, len(v), k)
}

// addRef adds key k (copied) with a value already in vals.
func (b *kvbuf) addRef(v ref, vlen int, k []byte) {
	b.push(kv{k: b.keys.put(k), klen: uint32(len(k)), v: v, vlen: uint32(vlen)})
	b.scratch = k
}

func (b *kvbuf) push(e kv) {
	last := len(b.blocks) - 1
	if last < 0 || len(b.blocks[last]) == kvBlock {
		b.blocks = append(b.blocks, make([]kv, 0, kvBlock))
		last++
	}
	b.blocks[last] = append(b.blocks[last], e)
}

func (b *kvbuf) key(i int) []byte { return b.keys.get(b.ents[i].k, b.ents[i].klen) }

func (b *kvbuf) value(i int) []byte {
	if b.ents[i].vlen == 0 {
		return nil
	}
	return b.vals.get(b.ents[i].v, b.ents[i].vlen)
}

// repeats reports a key that does not follow the one before: after
// sorting, a key that repeats.
func (b *kvbuf) repeats(k []byte) error {
	what := b.what
	if what == "" {
		what = "key of " + b.bucket.name()
	}
	return tupu.Errorf(tupu.BadUserInput, "%s %s repeats", what, describeKey(k))
}

// split hands the buffer's keys to emit in parts, in key order: it cuts
// the key space into ranges of about partKeys keys (at keys drawn from a
// sample), and sorts one range at a time. Each part has its keys copied
// in order into an arena of its own, so that the writer reads memory in
// order, not all over the heap. split checks that no key repeats, and
// counts the keys into the counter bucket's buffer, emitted last (one
// part, already in order).
func (b *kvbuf) split(emit func(*kvbuf) error) error {
	var counts *counter
	if b.countKey != nil {
		counts = &counter{buf: newKVBuf(b.counter, "")}
	}
	var prev []byte // the last key of the part before
	for _, es := range b.partition() {
		b.sortFrom(es, 0, true)
		p := &kvbuf{bucket: b.bucket, what: b.what, vals: b.vals, ents: es}
		n := 0
		for i := range es {
			n += int(es[i].klen)
		}
		p.keys.blocks = [][]byte{make([]byte, 0, n)}
		for i := range es {
			e := &es[i]
			r, k := p.keys.alloc(int(e.klen))
			copy(k, b.keys.get(e.k, e.klen))
			e.k = r
			if prev != nil {
				switch c := bytes.Compare(prev, k); {
				case c == 0:
					return b.repeats(k)
				case c > 0:
					return fmt.Errorf("load: keys of %s out of order after sorting: %q after %q", b.bucket.name(), k, prev)
				}
			}
			prev = k
			if counts != nil {
				if err := counts.count(b.countKey(k)); err != nil {
					return err
				}
			}
		}
		prev = append([]byte(nil), prev...) // the part is the writer's now
		if err := emit(p); err != nil {
			return err
		}
	}
	b.keys = arena{}
	if counts != nil {
		counts.flush()
		return emit(counts.buf)
	}
	return nil
}

// counter counts sorted keys by their counter key into a buffer of
// counters, in order.
type counter struct {
	buf *kvbuf
	key []byte // the counter being counted, nil if none
	n   uint64
}

func (c *counter) count(k []byte) error {
	if c.key != nil && bytes.Equal(k, c.key) {
		c.n++
		return nil
	}
	if c.key != nil {
		if bytes.Compare(c.key, k) > 0 {
			return fmt.Errorf("load: counters of %s out of order: %q after %q", c.buf.bucket.name(), k, c.key)
		}
		c.flush()
	}
	c.key, c.n = append(c.key[:0], k...), 1
	return nil
}

func (c *counter) flush() {
	if c.key == nil {
		return
	}
	r := c.buf.keys.put(c.key)
	v := c.buf.vals.put(u64(c.n))
	c.buf.ents = append(c.buf.ents, kv{k: r, klen: uint32(len(c.key)), v: v, vlen: 8})
}

// partition deals the entries into ranges of keys, in order, each
// holding about partKeys keys, with every entry's cache set at depth 0.
// Equal keys fall in the same range.
func (b *kvbuf) partition() [][]kv {
	n := 0
	for _, blk := range b.blocks {
		n += len(blk)
		for i := range blk {
			blk[i].cache = b.chunk(&blk[i], 0)
		}
	}
	parts := (n + partKeys - 1) / partKeys
	if parts <= 1 {
		es := make([]kv, 0, n)
		for i, blk := range b.blocks {
			es = append(es, blk...)
			b.blocks[i] = nil
		}
		b.blocks = nil
		return [][]kv{es}
	}
	// Splitters: every part's first key (but the first part's), from a
	// sorted sample.
	sample := make([]kv, 0, 64*parts)
	for i := 0; i < cap(sample); i++ {
		j := int(uint64(i) * uint64(n) / uint64(cap(sample)))
		sample = append(sample, b.blocks[j/kvBlock][j%kvBlock])
	}
	slices.SortFunc(sample, b.compare)
	var splitters []kv
	for i := 1; i < parts; i++ {
		s := sample[i*len(sample)/parts]
		if len(splitters) == 0 || b.compare(splitters[len(splitters)-1], s) < 0 {
			splitters = append(splitters, s)
		}
	}
	// which is the part of an entry: how many splitters are not above it
	which := func(e kv) int {
		lo, hi := 0, len(splitters)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if b.compare(splitters[m], e) <= 0 {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return lo
	}
	idx := make([]uint16, n) // part of every entry, computed once
	sizes := make([]int, len(splitters)+1)
	for bi, blk := range b.blocks {
		for i := range blk {
			p := which(blk[i])
			idx[bi*kvBlock+i] = uint16(p)
			sizes[p]++
		}
	}
	out := make([][]kv, len(sizes))
	for p, size := range sizes {
		out[p] = make([]kv, 0, size)
	}
	for bi, blk := range b.blocks {
		for i := range blk {
			p := idx[bi*kvBlock+i]
			out[p] = append(out[p], blk[i])
		}
		b.blocks[bi] = nil
	}
	b.blocks = nil
	return out
}

// compare orders two entries by key, their caches set at depth 0.
func (b *kvbuf) compare(x, y kv) int {
	if c := cmp.Compare(x.cache, y.cache); c != 0 {
		return c
	}
	return bytes.Compare(b.keys.get(x.k, x.klen), b.keys.get(y.k, y.klen))
}

// sortFrom orders entries whose keys are equal before depth: a
// most-significant-digit radix sort on 8 bytes at a time, cached in the
// entries, so that comparisons rarely leave the entries for the arena.
// cached says the caches are set at depth already.
func (b *kvbuf) sortFrom(es []kv, depth int, cached bool) {
	if !cached {
		for i := range es {
			es[i].cache = b.chunk(&es[i], depth)
		}
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
			b.sortFrom(es[i:j], depth+8, false)
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
	k := b.keys.get(e.k, e.klen)[depth:]
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
