package store

import (
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// Snapshot is one read transaction held across many reads: every read
// through it sees the graph as it was when the snapshot began, whatever
// commits meanwhile. A GraphQL response reads through one snapshot, so
// that it shows one version of the graph and pays for one transaction.
//
// Hold a snapshot for the length of one response, not longer: while it is
// open the pages it sees cannot be reused, and a writer that must grow the
// file's mapping waits for it. Never start a write (Update) on a goroutine
// that holds an open snapshot; Close it first.
type Snapshot struct {
	store *Store
	mu    sync.Mutex // reads may come from several goroutines
	snap  snapshot   // the engine's, while one is open
	tx    *Tx
	begun time.Time
	// version is the graph version the first read saw; later reads after
	// a Close may see a newer one, and version is then zero: unknown.
	version uint64
	closed  bool
}

// Snapshot begins a snapshot; the read transaction starts with its first
// read, so a snapshot nothing reads through costs nothing.
func (s *Store) Snapshot() *Snapshot { return &Snapshot{store: s} }

// Read runs fn on the snapshot. Faults of a damaged file come back as
// errors, as from View.
func (sn *Snapshot) Read(fn func(*Tx) error) (err error) {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.snap == nil {
		snap, err := sn.store.eng.begin()
		if err != nil {
			return err
		}
		sn.snap, sn.tx = snap, nil
		sn.store.reads.Add(1)
		sn.begun = time.Now()
	}
	// As guard does, without a closure: fn would escape through one, and
	// so would every closure the resolvers hand to Read.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = sn.store.damaged(fmt.Errorf("%w: %v", errDamaged, r))
		}
	}()
	if sn.tx == nil {
		sn.tx = sn.store.readTx(sn.snap.tx())
		if sn.closed {
			sn.version = 0
		} else {
			sn.version = sn.tx.GraphVersion()
		}
	}
	return fn(sn.tx)
}

// Version returns the graph version every read through the snapshot saw,
// or false when it read nothing yet or read more than one version (it was
// closed between reads).
func (sn *Snapshot) Version() (uint64, bool) {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	return sn.version, sn.version != 0
}

// Close ends the read transaction, if one began. A read after Close begins
// a new one, which sees every commit made before it.
func (sn *Snapshot) Close() {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.snap == nil {
		return
	}
	sn.snap.end()
	sn.closed = true
	if sn.store.observe != nil {
		sn.store.observe("read", time.Since(sn.begun))
	}
	sn.snap, sn.tx = nil, nil
}
