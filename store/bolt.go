package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"tupu"
)

// boltEngine keeps the buckets in a bbolt file, one bbolt bucket each.
// Its writers are one at a time (bbolt's), so a transaction never has to
// run again; a commit reaches the store before the next one starts.
type boltEngine struct {
	db      *bolt.DB
	deliver func(commit)
	// mu orders commits and their delivery: bbolt runs its commit
	// handlers after it lets the next writer in.
	mu sync.Mutex
}

// openBolt opens or creates the bbolt file at path, with the buckets of
// the layout, and hands each commit to deliver. It returns UNAVAILABLE
// when another process holds the file.
func openBolt(path string, opts Options, deliver func(commit)) (*boltEngine, error) {
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
	e := &boltEngine{db: db, deliver: deliver}
	// Read-only, bbolt has read only the meta pages so far: the first
	// pages past them may be what a damaged file faults on.
	err = guard(func() error {
		if opts.ReadOnly {
			return db.View(func(tx *bolt.Tx) error {
				if tx.Bucket([]byte(bucketMeta.name())) == nil {
					return errors.New("not a tupu database (no meta bucket)")
				}
				return nil
			})
		}
		return db.Update(createBuckets)
	})
	if errors.Is(err, errDamaged) {
		db.Close()
		return nil, fmt.Errorf("database %s is damaged or truncated (%w); restore it from a backup", path, err)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return e, nil
}

// createBuckets creates the buckets of the layout that the file lacks. A
// file with buckets but no meta bucket belongs to another program.
func createBuckets(tx *bolt.Tx) error {
	if tx.Bucket([]byte(bucketMeta.name())) == nil {
		empty := true
		tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		if !empty {
			return errors.New("not a tupu database (no meta bucket)")
		}
	}
	for _, b := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists([]byte(b.name())); err != nil {
			return err
		}
	}
	return nil
}

func (e *boltEngine) location() string { return e.db.Path() }

func (e *boltEngine) close() error { return e.db.Close() }

func (e *boltEngine) view(fn func(readTx) error) error {
	return e.damaged(guard(func() error {
		return e.db.View(func(tx *bolt.Tx) error { return fn(&boltTx{tx: tx}) })
	}))
}

func (e *boltEngine) begin() (snapshot, error) {
	var tx *bolt.Tx
	err := e.damaged(guard(func() error {
		var err error
		tx, err = e.db.Begin(false)
		return err
	}))
	if err != nil {
		return nil, err
	}
	return &boltSnapshot{e: e, t: &boltTx{tx: tx}}, nil
}

func (e *boltEngine) update(ctx context.Context, fn func(writeTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var c commit
	err := e.damaged(guard(func() error {
		return e.db.Update(func(tx *bolt.Tx) error {
			r := &recorder{writeTx: &boltTx{tx: tx}}
			if err := fn(r); err != nil {
				return err
			}
			c.ops = r.ops
			return nil
		})
	}))
	if err == nil && len(c.ops) > 0 {
		e.deliver(c)
	}
	return err
}

// damaged turns errDamaged into an error a client may see; the file's
// name and the fault go to the caller's log through the wrapped error.
func (e *boltEngine) damaged(err error) error {
	if errors.Is(err, errDamaged) {
		return &damagedError{path: e.db.Path(), cause: err}
	}
	return err
}

// backup writes a consistent copy of the whole file to w; size, when not
// nil, learns the copy's size before its first byte.
func (e *boltEngine) backup(w io.Writer, size func(int64)) (int64, error) {
	var n int64
	err := e.db.View(func(tx *bolt.Tx) error {
		if size != nil {
			size(tx.Size())
		}
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// check runs bbolt's consistency check over the whole file and returns
// the first problems found, at most ten.
func (e *boltEngine) check() error {
	return e.db.View(func(tx *bolt.Tx) error {
		var problems []string
		for err := range tx.Check() {
			if len(problems) < 10 {
				problems = append(problems, err.Error())
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("the file fails bbolt's consistency check: %s", strings.Join(problems, "; "))
		}
		return nil
	})
}

type boltSnapshot struct {
	e *boltEngine
	t *boltTx
}

func (s *boltSnapshot) tx() readTx { return s.t }

func (s *boltSnapshot) end() { s.t.tx.Rollback() }

// boltTx is a bbolt transaction as a readTx, and a writeTx when it is
// writable.
type boltTx struct {
	tx *bolt.Tx
	// buckets caches the buckets the transaction has opened: bbolt caches
	// them only for writes, and opening one is a search from the root,
	// which a response's snapshot would otherwise repeat per read.
	buckets [numBuckets]*bolt.Bucket
}

func (t *boltTx) bucket(b bucket) *bolt.Bucket {
	if bk := t.buckets[b]; bk != nil {
		return bk
	}
	bk := t.tx.Bucket([]byte(b.name()))
	if bk == nil {
		// Opened read-only, an older file may lack a bucket (stats, before
		// version 4): it reads as empty.
		return nil
	}
	t.buckets[b] = bk
	return bk
}

func (t *boltTx) get(b bucket, k []byte) ([]byte, bool) {
	bk := t.bucket(b)
	if bk == nil {
		return nil, false
	}
	if v := bk.Get(k); v != nil || !holdsEmptyValues(b) {
		return v, v != nil
	}
	// bbolt's Get says nil for an empty value as for no key at all: a
	// bucket that holds empty values needs a look at the key.
	if found, v := bk.Cursor().Seek(k); found != nil && bytes.Equal(found, k) {
		return v, true
	}
	return nil, false
}

func (t *boltTx) cursor(b bucket) cursor {
	bk := t.bucket(b)
	if bk == nil {
		return emptyCursor{}
	}
	return bk.Cursor()
}

func (t *boltTx) put(b bucket, k, v []byte) error { return t.bucket(b).Put(k, v) }

func (t *boltTx) delete(b bucket, k []byte) error { return t.bucket(b).Delete(k) }

func (t *boltTx) clear(b bucket) error {
	t.buckets[b] = nil // deleted with the bucket
	name := []byte(b.name())
	if err := t.tx.DeleteBucket(name); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
		return err
	}
	_, err := t.tx.CreateBucket(name)
	return err
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
