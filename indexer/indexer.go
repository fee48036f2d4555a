// Package indexer keeps the search index in step with the store. The
// index lives beside the database file and records the graph version it
// reflects: at start a stale or missing index is rebuilt (in the
// background, for a service that must answer at once), and while the
// service runs every committed change reaches it, within milliseconds of
// the commit.
package indexer

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"tupu"
	"tupu/search"
	"tupu/store"
)

// Indexer applies the store's changes to a search index.
type Indexer struct {
	ix      *search.Index
	dir     string
	s       *store.Store
	log     *slog.Logger
	lastSeq uint64        // the newest change the index reflects
	applied atomic.Uint64 // the graph version the index reflects
	ready   atomic.Bool   // false while a rebuild runs in the background
}

// Open opens the index in dir and brings it up to the store's graph
// version, rebuilding it whole if it reflects another version.
func Open(dir string, s *store.Store, log *slog.Logger) (*Indexer, error) {
	ix, err := search.Open(dir)
	if err != nil {
		return nil, err
	}
	x := &Indexer{ix: ix, dir: dir, s: s, log: log}
	if err := x.catchUp(context.Background()); err != nil {
		ix.Close()
		return nil, err
	}
	x.ready.Store(true)
	return x, nil
}

// Start opens the index in dir like Open, but leaves a rebuild to Follow,
// so that a service on a large graph starts answering at once; until the
// rebuild is done, Search is UNAVAILABLE. An index ahead of the store is
// refused here, at once.
func Start(dir string, s *store.Store, log *slog.Logger) (*Indexer, error) {
	ix, err := search.Open(dir)
	if err != nil {
		return nil, err
	}
	x := &Indexer{ix: ix, dir: dir, s: s, log: log}
	current, err := x.check()
	if err != nil {
		ix.Close()
		return nil, err
	}
	x.ready.Store(current)
	return x, nil
}

// check compares the index's version with the store's: whether the index
// is current, or an error when it is ahead.
func (x *Indexer) check() (current bool, err error) {
	have, err := x.ix.Version()
	if err != nil {
		return false, err
	}
	err = x.s.View(func(tx *store.Tx) error {
		want := tx.GraphVersion()
		if have > want {
			return x.ahead(have, want)
		}
		current = have == want && want != 0
		if current {
			x.lastSeq = tx.LastSeq()
			x.applied.Store(want)
		}
		return nil
	})
	return current, err
}

// ahead is the error of an index that saw commits the database no longer
// has: its newest meta page was lost, and with it the last writes.
func (x *Indexer) ahead(have, want uint64) error {
	return fmt.Errorf("the database %s is at graph version %d but its search index saw version %d: "+
		"the database lost committed writes (a damaged file?); restore it from a backup, "+
		"or delete the index directory %s to accept the loss", x.s.Path(), want, have, x.dir)
}

// Search runs a query on the index; UNAVAILABLE while it is being rebuilt.
func (x *Indexer) Search(q search.Query) (*search.Result, error) {
	if !x.ready.Load() {
		return nil, tupu.Errorf(tupu.Unavailable, "the search index is being built; try again shortly")
	}
	return x.ix.Search(q)
}

// Applied returns the graph version the index reflects, without reading
// the index: what caches of search answers key on.
func (x *Indexer) Applied() uint64 { return x.applied.Load() }

// Close closes the index.
func (x *Indexer) Close() error { return x.ix.Close() }

// catchUp rebuilds the index unless it reflects the graph as it is; it
// gives up when ctx ends.
func (x *Indexer) catchUp(ctx context.Context) error {
	have, err := x.ix.Version()
	if err != nil {
		return err
	}
	return x.s.View(func(tx *store.Tx) error {
		want := tx.GraphVersion()
		x.lastSeq = tx.LastSeq()
		if have > want {
			return x.ahead(have, want)
		}
		if have == want && want != 0 {
			x.applied.Store(want)
			return nil
		}
		x.log.Info("rebuilding the search index", "index_version", have, "graph_version", want)
		entities, failed := tx.AllEntities()
		if err := x.ix.Rebuild(ctx, entities, want); err != nil {
			return err
		}
		x.applied.Store(want)
		return failed()
	})
}

// Follow applies committed changes to the index until ctx ends. The change
// feed only wakes it: what to index it reads from the history, in the same
// transaction as the entities and the graph version it records, so the
// index never claims a version whose changes it lacks.
func (x *Indexer) Follow(ctx context.Context) {
	changes := x.s.Subscribe(ctx)
	// What was committed between Open and the subscription woke nobody:
	// apply it now (the history has it).
	if x.ready.Load() {
		if err := x.apply(); err != nil {
			x.log.Error("updating the search index", "error", err)
		}
	}
	if !x.ready.Load() {
		start := time.Now()
		if err := x.catchUp(ctx); err != nil {
			if ctx.Err() != nil {
				return // stopping: the next start builds it again
			}
			x.log.Error("building the search index; search stays unavailable", "error", err)
			return
		}
		x.ready.Store(true)
		x.log.Info("the search index is built", "took", time.Since(start).Round(time.Millisecond))
		if err := x.apply(); err != nil { // what was written meanwhile
			x.log.Error("updating the search index", "error", err)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-changes:
			if !ok {
				if ctx.Err() != nil {
					return
				}
				// The feed dropped us for lagging behind; the history has
				// everything, so resubscribe and carry on from it.
				changes = x.s.Subscribe(ctx)
			}
			drain(changes)
			if err := x.apply(); err != nil {
				x.log.Error("updating the search index", "error", err)
			}
		}
	}
}

// drain takes whatever else has arrived: one apply covers it all.
func drain(changes <-chan tupu.Change) {
	for {
		select {
		case _, ok := <-changes:
			if !ok {
				return
			}
		default:
			return
		}
	}
}

// apply indexes the entities that changes since lastSeq touched.
func (x *Indexer) apply() error {
	var changed []*tupu.Entity
	var deleted []string
	var version, last uint64
	err := x.s.View(func(tx *store.Tx) error {
		keys := map[string]bool{}
		for after := x.lastSeq; ; {
			p, err := tx.Changes(after, 1000)
			if err != nil {
				return err
			}
			for _, c := range p.Changes {
				switch c.Op {
				case store.OpCreateEntity, store.OpUpdateEntity, store.OpDeleteEntity:
					keys[c.Entity] = true
				}
				after = c.Seq
			}
			if !p.HasNext {
				last = after
				break
			}
		}
		for k := range keys {
			e, err := tx.Entity(k)
			switch {
			case err == nil:
				changed = append(changed, e)
			case tupu.ErrorCode(err) == tupu.NotFound:
				deleted = append(deleted, k)
			default:
				return err
			}
		}
		version = tx.GraphVersion()
		return nil
	})
	if err != nil {
		return err
	}
	if err := x.ix.Update(changed, deleted, version); err != nil {
		return err
	}
	x.lastSeq = last
	x.applied.Store(version)
	return nil
}
