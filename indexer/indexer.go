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
	"iter"
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
	// built and toBuild count the entities of a rebuild in progress:
	// indexed so far, and in all (0 when none runs).
	built, toBuild atomic.Uint64
	// progressEvery is how often a rebuild logs its progress.
	progressEvery time.Duration
}

// ProgressInterval is how often a rebuild of the index logs how far it
// is: a graph of a million entities takes about nine minutes, and an
// operator watching the log should see it move.
const ProgressInterval = 10 * time.Second

// State is what the index says of itself, for readiness and metrics.
type State struct {
	// Ready: searches are answered (no rebuild runs).
	Ready bool
	// Built and ToBuild are the entities a rebuild in progress indexed
	// so far, and has to index in all; both 0 when none runs.
	Built, ToBuild uint64
	// Applied is the graph version the index reflects.
	Applied uint64
}

// Progress is the share of a rebuild done, from 0 to 1: 1 when the index
// is ready, 0 when its rebuild has not started.
func (s State) Progress() float64 {
	switch {
	case s.Ready:
		return 1
	case s.ToBuild == 0:
		return 0
	}
	return min(float64(s.Built)/float64(s.ToBuild), 1)
}

// String says the state in a few words, for /readyz: "ready", "building:
// 42% (420 of 1000 entities)", or "waiting to be built".
func (s State) String() string {
	switch {
	case s.Ready:
		return "ready"
	case s.ToBuild == 0:
		return "waiting to be built"
	}
	return fmt.Sprintf("building: %d%% (%d of %d entities)", percent(s.Built, s.ToBuild), s.Built, s.ToBuild)
}

// State returns the index's state, without reading the index.
func (x *Indexer) State() State {
	st := State{Ready: x.ready.Load(), Applied: x.applied.Load()}
	if !st.Ready {
		st.Built, st.ToBuild = x.built.Load(), x.toBuild.Load()
	}
	return st
}

// Documents returns how many entities the index holds.
func (x *Indexer) Documents() (uint64, error) { return x.ix.Documents() }

// Open opens the index in dir and brings it up to the store's graph
// version, rebuilding it whole if it reflects another version.
func Open(dir string, s *store.Store, log *slog.Logger) (*Indexer, error) {
	ix, err := search.Open(dir)
	if err != nil {
		return nil, err
	}
	x := &Indexer{ix: ix, dir: dir, s: s, log: log, progressEvery: ProgressInterval}
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
	x := &Indexer{ix: ix, dir: dir, s: s, log: log, progressEvery: ProgressInterval}
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
			return x.ahead(have, want) // nil over a cluster: rebuilt
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
// has: its newest meta page was lost, and with it the last writes. Over a
// cluster, whose graph versions are etcd's revisions, it is nil: the
// cluster is another one at the same address (made anew, or restored
// from a snapshot), whose graph the index is rebuilt for.
func (x *Indexer) ahead(have, want uint64) error {
	if !x.s.IsFile() {
		x.log.Warn("the search index saw a later graph version than the cluster holds (a cluster made anew or restored at this address): rebuilding it",
			"index_version", have, "graph_version", want, "cluster", x.s.Path())
		return nil
	}
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
			if err := x.ahead(have, want); err != nil {
				return err
			}
		}
		if have == want && want != 0 {
			x.applied.Store(want)
			return nil
		}
		total := uint64(tx.CountEntities(""))
		x.log.Info("rebuilding the search index", "index_version", have, "graph_version", want, "entities", total)
		entities, failed := tx.AllEntities()
		x.built.Store(0)
		x.toBuild.Store(total)
		defer x.toBuild.Store(0)
		if err := x.ix.Rebuild(ctx, x.counted(entities, total), want); err != nil {
			return err
		}
		x.applied.Store(want)
		return failed()
	})
}

// counted yields entities, counting them in x.built and logging the
// progress of the rebuild every progressEvery.
func (x *Indexer) counted(entities iter.Seq[*tupu.Entity], total uint64) iter.Seq[*tupu.Entity] {
	return func(yield func(*tupu.Entity) bool) {
		start := time.Now()
		next := start.Add(x.progressEvery)
		var n uint64
		for e := range entities {
			if !yield(e) {
				return
			}
			n++
			x.built.Store(n)
			if n%256 == 0 && time.Now().After(next) {
				next = time.Now().Add(x.progressEvery)
				rate := float64(n) / time.Since(start).Seconds()
				attrs := []any{"entities", n, "of", total, "percent", percent(n, total)}
				if n < total && rate > 0 {
					attrs = append(attrs, "remaining_seconds", int(float64(total-n)/rate))
				}
				x.log.Info("building the search index", attrs...)
			}
		}
	}
}

// percent is n of total as a whole percentage, at most 100.
func percent(n, total uint64) int {
	if total == 0 {
		return 100
	}
	return int(min(100*n/total, 100))
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
		x.log.Info("the search index is built", "entities", x.built.Load(), "took", time.Since(start).Round(time.Millisecond))
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
