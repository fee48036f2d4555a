// Package store keeps the graph in a bbolt file: entities, facts, relations
// indexed from both ends, a name index and a per-kind index, with keyset
// paging over all of them. It speaks in the domain's types; nothing about
// bbolt leaks past it, so another backend can take its place.
package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"tupu"
)

// Store is an open graph database. It is safe for concurrent use.
type Store struct {
	db      *bolt.DB
	reads   atomic.Uint64
	observe func(kind string, d time.Duration)
	feed    feed
	version atomic.Uint64 // the graph version of the last commit
	cache   entityCache
	commits commitLog // what recent commits touched
	stats   atomic.Pointer[Statistics]
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
}

// Open opens or creates the database at path. It returns UNAVAILABLE when
// another process holds the file, and an error when the file was written
// by an incompatible version of the storage schema.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	// A large initial mmap (address space, not memory) means the file
	// rarely has to be remapped as it grows, and a remap waits for every
	// open read transaction: a long backup would stall writes.
	var db *bolt.DB
	err := guard(func() error {
		var err error
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, ReadOnly: opts.ReadOnly, InitialMmapSize: 1 << 30})
		return err
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, tupu.Errorf(tupu.Unavailable, "database %s is in use by another process (gave up after %s)", path, opts.Timeout)
	}
	if errors.Is(err, errDamaged) {
		return nil, fmt.Errorf("database %s is damaged or truncated (%w); restore it from a backup", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s := &Store{db: db, observe: opts.ObserveTx}
	// Read-only, bbolt has read only the meta pages so far: the first
	// pages past them may be what a damaged file faults on.
	err = guard(func() error {
		if opts.ReadOnly {
			return db.View(checkReadable)
		}
		return db.Update(initSchema)
	})
	if errors.Is(err, errDamaged) {
		db.Close()
		return nil, fmt.Errorf("database %s is damaged or truncated (%w); restore it from a backup", path, err)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	err = s.damaged(guard(func() error {
		return db.View(func(tx *bolt.Tx) error {
			s.version.Store(readU64(tx.Bucket(bucketMeta).Get(keyGraphVersion)))
			s.stats.Store(readStatistics(tx))
			return nil
		})
	}))
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func initSchema(tx *bolt.Tx) error {
	if tx.Bucket(bucketMeta) == nil {
		// Only a file with no buckets at all is ours to initialise; any
		// other belongs to another program.
		empty := true
		tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		if !empty {
			return errors.New("not a tupu database (no meta bucket)")
		}
	}
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	if meta.Get(keySchemaVersion) == nil {
		if err := meta.Put(keyHistoryEpoch, newEpoch()); err != nil {
			return err
		}
		return meta.Put(keySchemaVersion, u64(schemaVersion))
	}
	v, err := fileSchema(tx)
	if err != nil {
		return err
	}
	for ; v < schemaVersion; v++ {
		migrate := migrations[v]
		if migrate == nil {
			return fmt.Errorf("storage schema version is %d, this program reads version %d", v, schemaVersion)
		}
		if err := migrate(tx); err != nil {
			return fmt.Errorf("migrate the storage schema from version %d: %w", v, err)
		}
		if err := meta.Put(keySchemaVersion, u64(v+1)); err != nil {
			return err
		}
	}
	return checkSchema(tx)
}

// fileSchema returns the file's schema version.
func fileSchema(tx *bolt.Tx) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, errors.New("not a tupu database (no meta bucket)")
	}
	v := meta.Get(keySchemaVersion)
	if len(v) != 8 {
		return 0, errors.New("not a tupu database (no schema version)")
	}
	return binary.BigEndian.Uint64(v), nil
}

func checkSchema(tx *bolt.Tx) error {
	got, err := fileSchema(tx)
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
func checkReadable(tx *bolt.Tx) error {
	got, err := fileSchema(tx)
	if err != nil {
		return err
	}
	if got != schemaVersion && migrations[got] == nil {
		return fmt.Errorf("storage schema version is %d, this program reads version %d", got, schemaVersion)
	}
	return nil
}

// Close closes the database file.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the database file's path.
func (s *Store) Path() string { return s.db.Path() }

// View runs fn in a read transaction. The Tx is only valid inside fn.
func (s *Store) View(fn func(*Tx) error) error {
	s.reads.Add(1)
	defer s.timed("read")()
	return s.damaged(guard(func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			t := &Tx{tx: tx}
			if v := t.GraphVersion(); v == s.version.Load() {
				t.cache, t.cacheVersion = &s.cache, v
			}
			return fn(t)
		})
	}))
}

// errDamaged marks a fault in reading the file: a page that is not what
// its parent says, or a read past the end of a truncated file.
var errDamaged = errors.New("damaged database page")

// guard runs fn turning the faults of a damaged file into errDamaged:
// bbolt panics on a page that fails its checks, and a read of a mapped
// page the file no longer holds is a memory fault, which SetPanicOnFault
// makes a panic this goroutine can recover.
func guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errDamaged, r)
		}
	}()
	return fn()
}

// damaged turns errDamaged into an error a client may see; the file's
// name and the fault go to the caller's log through the wrapped error.
func (s *Store) damaged(err error) error {
	if errors.Is(err, errDamaged) {
		return &damagedError{path: s.db.Path(), cause: err}
	}
	return err
}

// damagedError is UNAVAILABLE to clients, with the file and the fault
// kept for logs.
type damagedError struct {
	path  string
	cause error
}

func (e *damagedError) Error() string {
	return fmt.Sprintf("database %s is damaged: %v", e.path, e.cause)
}

func (e *damagedError) Unwrap() []error {
	return []error{tupu.Errorf(tupu.Unavailable, "the database is damaged; the operator must restore it from a backup"), e.cause}
}

// timed starts timing a transaction; call what it returns at the end.
func (s *Store) timed(kind string) func() {
	if s.observe == nil {
		return func() {}
	}
	start := time.Now()
	return func() { s.observe(kind, time.Since(start)) }
}

// Update runs fn in a write transaction: all of fn's writes commit, or none.
func (s *Store) Update(fn func(*Tx) error) error {
	defer s.timed("write")()
	var changes []Change
	err := guard(func() error { return s.updateTx(fn, &changes) })
	if err == nil && len(changes) > 0 {
		s.feed.publish(changes)
	}
	return s.damaged(err)
}

func (s *Store) updateTx(fn func(*Tx) error, changes *[]Change) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		t := &Tx{tx: tx}
		if err := fn(t); err != nil {
			return err
		}
		*changes = t.changes
		if revoked := t.revoked; len(revoked) > 0 {
			tx.OnCommit(func() { s.revocations.revoked(revoked) })
		}
		if v := s.rulesPassed.Load(); v != 0 {
			if err := tx.Bucket(bucketMeta).Put(keyRulesChecked, u64(v)); err != nil {
				return err
			}
			tx.OnCommit(func() { s.rulesPassed.CompareAndSwap(v, 0) })
		}
		if t.changed {
			if err := bumpGraphVersion(tx); err != nil {
				return err
			}
			stats, err := t.raiseStatistics()
			if err != nil {
				return err
			}
			v := t.GraphVersion()
			touched := t.touched // nil: changed without saying where, so everything
			tx.OnCommit(func() {
				s.commits.add(v, touched)
				s.version.Store(v)
				if stats != nil {
					s.setStatistics(stats)
				}
			})
		}
		return nil
	})
}

// Version returns the graph version of the last commit, without a
// transaction: what caches key on.
func (s *Store) Version() uint64 { return s.version.Load() }

// ReadTransactions returns how many read transactions the store has run:
// the measure of how well callers batch their reads.
func (s *Store) ReadTransactions() uint64 { return s.reads.Load() }

// GraphVersion returns a number that grows with every committed change.
func (s *Store) GraphVersion() (uint64, error) {
	var v uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		v = readU64(tx.Bucket(bucketMeta).Get(keyGraphVersion))
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
	err = s.db.View(func(tx *bolt.Tx) error {
		var problems []string
		for e := range tx.Check() {
			if len(problems) < 10 {
				problems = append(problems, e.Error())
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("the file fails bbolt's consistency check: %s", strings.Join(problems, "; "))
		}
		r.Schema, _ = fileSchema(tx)
		return nil
	})
	if err != nil {
		return r, err
	}
	err = s.View(func(t *Tx) error {
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
// first problem found. On a damaged data page bbolt's check can panic in a
// goroutine of its own, which no recover here can catch: check a file of
// unknown health in a process of its own.
func (s *Store) Check() error {
	return s.db.View(func(tx *bolt.Tx) error {
		for e := range tx.Check() {
			return e
		}
		return nil
	})
}

// Tx is a transaction on the store. It is only valid inside the function
// given to View or Update; values it returns are copies and outlive it.
type Tx struct {
	tx      *bolt.Tx
	changed bool
	// cache, when set, holds decoded entities of cacheVersion, the
	// version this read transaction sees; write transactions have none.
	cache        *entityCache
	cacheVersion uint64
	changes      []Change         // recorded in this transaction
	clock        func() time.Time // nil: the wall clock
	touched      []string         // keys whose data this write changed, see touch
	kindsChanged bool             // an entity was created or deleted: the kind counts moved
	revoked      []string         // hashes of the tokens this write revoked
	// buckets caches the buckets a read transaction has opened: bbolt
	// caches them only for writes, and opening one is a search from the
	// root, which a response's snapshot would otherwise repeat per read.
	buckets map[string]*bolt.Bucket
}

// bucket returns the top-level bucket name.
func (t *Tx) bucket(name []byte) *bolt.Bucket {
	if t.tx.Writable() {
		return t.tx.Bucket(name)
	}
	if b, ok := t.buckets[string(name)]; ok {
		return b
	}
	b := t.tx.Bucket(name)
	if b != nil {
		if t.buckets == nil {
			t.buckets = make(map[string]*bolt.Bucket, 8)
		}
		t.buckets[string(name)] = b
	}
	return b
}

func bumpGraphVersion(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	return meta.Put(keyGraphVersion, u64(readU64(meta.Get(keyGraphVersion))+1))
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
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		if size != nil {
			size(tx.Size())
		}
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// GraphVersion returns the graph version this transaction sees.
func (t *Tx) GraphVersion() uint64 {
	return readU64(t.tx.Bucket(bucketMeta).Get(keyGraphVersion))
}
