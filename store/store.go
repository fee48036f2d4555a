// Package store keeps the graph: entities, facts, relations indexed from
// both ends, a name index and a per-kind index, with keyset paging over
// all of them, over an engine of ordered keys (engine.go): a bbolt file,
// or an etcd cluster. It speaks in the domain's types; nothing about
// either engine leaks past it.
package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync/atomic"
	"time"

	"tupu"
)

// Store is an open graph database. It is safe for concurrent use.
type Store struct {
	eng      engine
	readOnly bool
	reads    atomic.Uint64
	observe  func(kind string, d time.Duration)
	feed     feed
	version  atomic.Uint64 // the graph version of the last commit
	cache    entityCache
	commits  commitLog // what recent commits touched
	stats    atomic.Pointer[Statistics]
	// rulesPassed is a version of the rules every stored statement was
	// found to pass, for the next write transaction to record (see
	// RulesPassed); 0 when there is none to record.
	rulesPassed atomic.Uint64
	// revocations are the streams to end when their token is revoked.
	revocations revocations
}

// Options tune Open.
type Options struct {
	// Timeout bounds the wait for the file lock another process holds.
	// Zero means one second: a second server on the same file should
	// fail fast, not hang.
	Timeout time.Duration
	// ReadOnly opens the file without taking the write lock.
	ReadOnly bool
	// ObserveTx, when set, is told how long each transaction took, kind
	// "read" or "write": the hook metrics hang on.
	ObserveTx func(kind string, d time.Duration)
	// Getenv reads the environment (TUPU_ETCD_PASSWORD, for a cluster);
	// nil means os.Getenv.
	Getenv func(string) string
	// MirrorDir is the directory a cluster's mirror (the copy reads come
	// from) is kept in when the cluster's URL sets no mirror=: a server's
	// own, which it reuses at every start, so that a server killed
	// leaves one behind at most. Empty: a new temporary directory,
	// removed at close (for commands that are not servers).
	MirrorDir string
}

// Open opens or creates the database at loc: a file's path, or a
// cluster's URL (etcd://..., see etcdurl.go). It returns UNAVAILABLE when
// another process holds the file or the cluster does not answer, and an
// error when the store was written by an incompatible version of the
// storage schema.
func Open(loc string, opts Options) (*Store, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	s := &Store{observe: opts.ObserveTx, readOnly: opts.ReadOnly}
	var err error
	if IsClusterURL(loc) {
		var e *etcdEngine
		if e, err = openEtcd(loc, opts, s.apply); err == nil {
			s.eng = e
			if err = e.run(); err != nil {
				e.close()
			}
		}
	} else {
		s.eng, err = openBolt(loc, opts, s.apply)
	}
	if err != nil {
		return nil, err
	}
	afterRun(s)
	err = s.start()
	if e, ok := s.eng.(*etcdEngine); ok {
		// Another process may have begun loading a graph into the
		// cluster after run waited for loads (two servers started at once
		// on an empty cluster, one seeding it): wait for that load too.
		for IsLoading(err) {
			if err = e.awaitLoad(); err == nil {
				err = s.start()
			}
		}
	}
	if err != nil {
		s.eng.close()
		return nil, fmt.Errorf("open %s: %w", s.eng.location(), err)
	}
	return s, nil
}

// afterRun is called by Open between the engine's start and the store's:
// tests make that the moment another process begins a load.
var afterRun = func(*Store) {}

// IsFile reports whether the store is a bbolt file (not a cluster).
func (s *Store) IsFile() bool {
	_, ok := s.eng.(*boltEngine)
	return ok
}

// CatchUp waits until this process sees every commit made before the
// call, by any process: on a cluster, reads come from a copy the
// cluster's changes reach a few milliseconds after they commit, which is
// too late for a token another server has just revoked. On a file it
// returns at once. On a cluster it needs the cluster's leader: when there
// is none for catchUpTimeout (the cluster lost its quorum), it returns
// UNAVAILABLE, so that a request with a token is answered, not held.
func (s *Store) CatchUp(ctx context.Context) error {
	if e, ok := s.eng.(*etcdEngine); ok {
		ctx, cancel := context.WithTimeout(ctx, catchUpTimeout)
		defer cancel()
		return e.catchUp(ctx)
	}
	return nil
}

// catchUpTimeout bounds CatchUp: far longer than a cluster takes to elect
// a leader (a second or two), and as long as a request may work (the
// server's default --timeout).
const catchUpTimeout = 10 * time.Second

// start brings the storage schema up to date (or, read-only, checks that
// it can be read) and reads the graph version and statistics.
func (s *Store) start() error {
	var err error
	if s.readOnly {
		err = s.eng.view(func(r readTx) error { return checkReadable(r) })
	} else {
		err = s.eng.update(context.Background(), func(w writeTx) error { return initSchema(&Tx{r: w, w: w}) })
	}
	if err != nil {
		return err
	}
	return s.eng.view(func(r readTx) error {
		t := &Tx{r: r}
		// Raised, never lowered: on a cluster, a newer commit may have
		// been applied meanwhile.
		for v := s.version.Load(); v < t.GraphVersion() && !s.version.CompareAndSwap(v, t.GraphVersion()); v = s.version.Load() {
		}
		s.stats.Store(readStatistics(t))
		return nil
	})
}

func initSchema(t *Tx) error {
	if !t.has(bucketMeta, keySchemaVersion) {
		if err := t.put(bucketMeta, keyHistoryEpoch, newEpoch()); err != nil {
			return err
		}
		return t.put(bucketMeta, keySchemaVersion, u64(schemaVersion))
	}
	v, err := storeSchema(t.r)
	if err != nil {
		return err
	}
	for ; v < schemaVersion; v++ {
		migrate := migrations[v]
		if migrate == nil {
			return fmt.Errorf("storage schema version is %d, this program reads version %d", v, schemaVersion)
		}
		if err := migrate(t); err != nil {
			return fmt.Errorf("migrate the storage schema from version %d: %w", v, err)
		}
		if err := t.put(bucketMeta, keySchemaVersion, u64(v+1)); err != nil {
			return err
		}
	}
	return checkSchema(t.r)
}

// storeSchema returns the store's schema version.
func storeSchema(r readTx) (uint64, error) {
	v, ok := r.get(bucketMeta, keySchemaVersion)
	if !ok {
		return 0, errors.New("not a tupu database (no schema version)")
	}
	if string(v) == string(loadingSchema) {
		return 0, errLoading
	}
	if len(v) != 8 {
		return 0, errors.New("not a tupu database (no schema version)")
	}
	return binary.BigEndian.Uint64(v), nil
}

// errLoading is the schema version of a store a load is filling, or was
// filling when it stopped.
var errLoading = errors.New("a load into this database did not finish (or is still running); delete it and load again")

func checkSchema(r readTx) error {
	got, err := storeSchema(r)
	if err != nil {
		return err
	}
	if got != schemaVersion {
		return fmt.Errorf("storage schema version is %d, this program reads version %d", got, schemaVersion)
	}
	return nil
}

// checkReadable accepts what a read-only open can read: this schema
// version, or one a migration would bring to it without changing what is
// already there (the file then has no statistics, which only serving
// needs).
func checkReadable(r readTx) error {
	got, err := storeSchema(r)
	if err != nil {
		return err
	}
	if got != schemaVersion && migrations[got] == nil {
		return fmt.Errorf("storage schema version is %d, this program reads version %d", got, schemaVersion)
	}
	return nil
}

// damaged turns errDamaged into an error a client may see, naming the
// store for the log.
func (s *Store) damaged(err error) error {
	if errors.Is(err, errDamaged) {
		return &damagedError{path: s.Path(), cause: err}
	}
	return err
}

// Close closes the database.
func (s *Store) Close() error { return s.eng.close() }

// Path returns where the database is: its file's path, or its cluster's
// endpoints and prefix.
func (s *Store) Path() string { return s.eng.location() }

// View runs fn in a read transaction. The Tx is only valid inside fn.
func (s *Store) View(fn func(*Tx) error) error {
	s.reads.Add(1)
	defer s.timed("read")()
	return s.eng.view(func(r readTx) error { return fn(s.readTx(r)) })
}

// readTx makes the Tx of a read transaction, with the entity cache when
// it sees the newest committed version.
func (s *Store) readTx(r readTx) *Tx {
	t := &Tx{r: r}
	if v := t.GraphVersion(); v == s.version.Load() {
		t.cache, t.cacheVersion = &s.cache, v
	}
	return t
}

// timed starts timing a transaction; call what it returns at the end.
func (s *Store) timed(kind string) func() {
	if s.observe == nil {
		return func() {}
	}
	start := time.Now()
	return func() { s.observe(kind, time.Since(start)) }
}

// Update runs fn in a write transaction: all of fn's writes commit, or
// none. A commit that changes the graph or its history raises the graph
// version (see versioned): by one on a file; on a cluster to the commit's
// revision (the value written is only what makes the commit touch the
// version's key).
// On an engine shared by several processes, fn may run more than once:
// when another process committed first, it runs again on the graph as
// that left it (so that, say, a version checked in fn is checked again);
// fn must not do anything but read and write through its Tx.
// The write ends with ctx (a request's): when ctx has ended, nothing is
// written; on a cluster, a commit under way when it ends is answered
// UNAVAILABLE, saying that it may yet be made.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	if s.readOnly {
		return errors.New("the database is open read-only")
	}
	defer s.timed("write")()
	rules := s.rulesPassed.Load()
	err := s.eng.update(ctx, func(w writeTx) error {
		t := &Tx{r: w, w: w}
		if err := fn(t); err != nil {
			return err
		}
		if rules != 0 {
			if err := markRulesPassed(w); err != nil {
				return err
			}
		}
		if !t.changed {
			return nil
		}
		if err := t.raiseStatistics(); err != nil {
			return err
		}
		return t.put(bucketMeta, keyGraphVersion, u64(t.GraphVersion()+1))
	})
	if err == nil && rules != 0 {
		s.rulesPassed.CompareAndSwap(rules, 0)
	}
	return err
}

// apply takes a commit in: the engine hands over every commit, in commit
// order, before the write that made it returns (and, on a shared engine,
// the commits of other processes as they arrive). The graph version, what
// the commit touched, the changes it recorded and the statistics all
// follow from what it wrote.
func (s *Store) apply(c commit) {
	var (
		version    uint64
		versioned  bool
		everything bool // a new graph or history: a load, an import, a restore
		statistics bool
		touched    []string
		changes    []Change
		revoked    []string // hashes of the tokens the commit revoked
	)
	for _, o := range c.ops {
		switch o.bucket {
		case bucketMeta:
			switch {
			case string(o.key) == string(keyGraphVersion) && !o.delete:
				version, versioned = readU64(o.value), true
			case string(o.key) == string(keyRulesChecked):
				// A record of a check: nothing a reader sees.
			default:
				everything = true
			}
		case bucketHistory:
			var ch Change
			if !o.delete && json.Unmarshal(o.value, &ch) == nil {
				changes = append(changes, ch)
			}
		case bucketStats, bucketKindCounts:
			statistics = true
		case bucketTokenHashes:
			if o.delete {
				revoked = append(revoked, decodeTokenHashKey(o.key))
			}
		}
		if d, ok := touchedBy(o.bucket, o.key); ok {
			touched = append(touched, d)
		}
	}
	if everything {
		// A new graph: whatever version it has, nothing cached of another
		// may stand.
		touched = nil
		if !versioned {
			s.eng.view(func(r readTx) error {
				version, versioned = (&Tx{r: r}).GraphVersion(), true
				return nil
			})
		}
	} else if touched == nil {
		touched = []string{}
	}
	if versioned {
		s.commits.add(s.version.Swap(version), version, touched)
	}
	if statistics || everything {
		s.eng.view(func(r readTx) error {
			s.setStatistics(readStatistics(&Tx{r: r}))
			return nil
		})
	}
	if len(revoked) > 0 {
		s.revocations.revoked(revoked)
	}
	if !everything && len(changes) > 0 {
		slices.SortFunc(changes, func(a, b Change) int { return cmp.Compare(a.Seq, b.Seq) })
		s.feed.publish(changes)
	}
}

// Version returns the graph version of the last commit, without a
// transaction: what caches key on.
func (s *Store) Version() uint64 { return s.version.Load() }

// ReadTransactions returns how many read transactions the store has run:
// the measure of how well callers batch their reads.
func (s *Store) ReadTransactions() uint64 { return s.reads.Load() }

// GraphVersion returns a number that grows with every committed change:
// on a cluster, the etcd revision of the last commit that changed the
// graph.
func (s *Store) GraphVersion() (uint64, error) {
	var v uint64
	err := s.eng.view(func(r readTx) error {
		v = (&Tx{r: r}).GraphVersion()
		return nil
	})
	return v, err
}

// Verify opens the database file at path read-only and checks it whole:
// a tupu database of a schema version this program reads, and bbolt's
// consistency check over every page. It returns what it found, or an error
// naming the first problems. The check can crash the process on a
// damaged file (see Check): run it in a process of its own.
func Verify(path string) (VerifyReport, error) {
	var r VerifyReport
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		return r, err
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		return r, err
	}
	err = s.View(func(t *Tx) error {
		r.Schema, _ = storeSchema(t.r)
		r.GraphVersion, r.LastChange, r.Epoch, r.Entities = t.GraphVersion(), t.LastSeq(), t.HistoryEpoch(), t.CountEntities("")
		return nil
	})
	return r, err
}

// VerifyReport says what a verified file holds.
type VerifyReport struct {
	Schema       uint64
	GraphVersion uint64
	LastChange   uint64 // the history's last sequence number
	Epoch        string // the history's epoch
	Entities     int
}

// Check runs bbolt's consistency check over the whole file and returns the
// first problems found. On a damaged data page bbolt's check can panic in
// a goroutine of its own, which no recover here can catch: check a file of
// unknown health in a process of its own.
func (s *Store) Check() error {
	if e, ok := s.eng.(interface{ check() error }); ok {
		return e.check()
	}
	return nil
}

// Tx is a transaction on the store. It is only valid inside the function
// given to View or Update; values it returns are copies and outlive it.
type Tx struct {
	r readTx
	w writeTx // nil in a read transaction
	// changed is whether the transaction wrote the graph or its history
	// (see versioned): a commit that did raises the graph version.
	changed bool
	// cache, when set, holds decoded entities of cacheVersion, the
	// version this read transaction sees; write transactions have none.
	cache        *entityCache
	cacheVersion uint64
	clock        func() time.Time // nil: the wall clock
	touched      []string         // what this write touched (see touchedBy), for the statistics
}

// get returns the value of key k in bucket b, nil when there is none.
func (t *Tx) get(b bucket, k []byte) []byte {
	v, _ := t.r.get(b, k)
	return v
}

// has reports whether bucket b holds key k (whose value may be empty).
func (t *Tx) has(b bucket, k []byte) bool {
	_, ok := t.r.get(b, k)
	return ok
}

// errReadOnly is a write in a read transaction: a bug.
var errReadOnly = errors.New("a write in a read transaction")

// put sets key k of bucket b to v.
func (t *Tx) put(b bucket, k, v []byte) error {
	if t.w == nil {
		return errReadOnly
	}
	t.changed = t.changed || versioned(b)
	if d, ok := touchedBy(b, k); ok {
		t.touched = append(t.touched, d)
	}
	return t.w.put(b, k, v)
}

// del deletes key k of bucket b.
func (t *Tx) del(b bucket, k []byte) error {
	if t.w == nil {
		return errReadOnly
	}
	t.changed = t.changed || versioned(b)
	if d, ok := touchedBy(b, k); ok {
		t.touched = append(t.touched, d)
	}
	return t.w.delete(b, k)
}

// clear deletes every key of bucket b.
func (t *Tx) clear(b bucket) error {
	if t.w == nil {
		return errReadOnly
	}
	t.changed = t.changed || versioned(b)
	return t.w.clear(b)
}

// each calls fn with every key of bucket b in order, until fn returns an
// error.
func (t *Tx) each(b bucket, fn func(k, v []byte) error) error {
	return scan(t.r, b, nil, nil, false, func(k, v []byte) (bool, error) { return true, fn(k, v) })
}

// empty reports whether bucket b holds no key.
func (t *Tx) empty(b bucket) bool {
	empty := true
	scan(t.r, b, nil, nil, false, func([]byte, []byte) (bool, error) { empty = false; return false, nil })
	return empty
}

func u64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, v)
}

func readU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// Backup writes a consistent copy of the whole database file to w while
// readers and writers go on: bbolt copies it inside one read transaction.
// The copy is a database file of its own: to restore, stop the service
// and put the copy where --db points.
// size, when not nil, learns the copy's size before its first byte.
func (s *Store) Backup(w io.Writer, size func(int64)) (int64, error) {
	e, ok := s.eng.(*boltEngine)
	if !ok {
		return 0, tupu.Errorf(tupu.Unavailable, "backups of %s are not a file copy", s.Path())
	}
	return e.backup(w, size)
}

// GraphVersion returns the graph version this transaction sees.
func (t *Tx) GraphVersion() uint64 {
	return readU64(t.get(bucketMeta, keyGraphVersion))
}
