package synth

import (
	"context"
	"errors"
	"time"

	"tupu"
	"tupu/store"
)

// DefaultBatch is how many keys one write transaction holds unless
// WriteOptions say otherwise: see store.DefaultLoadTxKeys.
//
// Write used to put entities, relations and facts one by one, in
// transactions of 5,000 entities; bigger was slower, as bbolt splits nodes
// only at commit and the edge and name indexes took their keys in no
// useful order. It now bulk-loads (store.Load): every bucket's keys are
// sorted first and appended in order, so a transaction's size hardly
// matters.
const DefaultBatch = store.DefaultLoadTxKeys

// WriteOptions tune Write.
type WriteOptions struct {
	// Batch is how many keys (over all buckets) a write transaction
	// holds. Zero means DefaultBatch.
	Batch int
	// Progress, when set, is called after every transaction.
	Progress func(Stats)
}

// Stats count what was generated and written.
type Stats struct {
	Entities, Relations, Facts, Documents int
	Kinds                                 map[tupu.Kind]int
	Transactions                          int
	Elapsed                               time.Duration
}

// Dataset generates the whole graph in memory, as one dataset.
func Dataset(opts Options) (*tupu.Dataset, error) {
	all := &tupu.Dataset{}
	err := Generate(opts, func(d *tupu.Dataset) error {
		all.Documents = append(all.Documents, d.Documents...)
		all.Entities = append(all.Entities, d.Entities...)
		all.Relations = append(all.Relations, d.Relations...)
		all.Facts = append(all.Facts, d.Facts...)
		return nil
	})
	return all, err
}

// ErrNotEmpty is returned by Write when the store already holds entities.
var ErrNotEmpty = errors.New("synth: the database already holds entities; generate into a new file")

// Source is the generated graph as a store.Source: it generates the graph
// again each time it is called, the same every time. It generates on a
// goroutine of its own, a few chunks ahead of yield, so that generating
// and loading share the cores.
func Source(gen Options) store.Source {
	return func(yield func(*tupu.Dataset) error) error {
		chunks := make(chan *tupu.Dataset, sourceAhead)
		stop := make(chan struct{})
		generated := make(chan error, 1)
		go func() {
			defer close(chunks)
			generated <- Generate(gen, func(d *tupu.Dataset) error {
				select {
				case chunks <- d:
					return nil
				case <-stop:
					return errStopped
				}
			})
		}()
		var err error
		for d := range chunks {
			if err = yield(d); err != nil {
				break
			}
		}
		close(stop)
		for range chunks { // let the generator see stop and finish
		}
		if gerr := <-generated; err == nil && gerr != errStopped {
			err = gerr
		}
		return err
	}
}

// sourceAhead is how many chunks Source may generate ahead of yield.
const sourceAhead = 8

var errStopped = errors.New("synth: stopped")

// Write generates the graph into s, which must be empty, with the bulk
// loader (store.Load): it generates the graph once per group of buckets
// the loader writes, which costs less than holding it all in memory. A
// cancelled or failed Write leaves the store empty.
func Write(ctx context.Context, s *store.Store, gen Options, opts WriteOptions) (Stats, error) {
	if gen.Entities <= 0 {
		return Stats{}, errors.New("synth: the number of entities must be positive")
	}
	empty := false
	if err := s.View(func(tx *store.Tx) error { empty = tx.CountEntities("") == 0; return nil }); err != nil {
		return Stats{}, err
	}
	if !empty {
		return Stats{}, ErrNotEmpty
	}
	lo := store.LoadOptions{TxKeys: opts.Batch}
	if opts.Progress != nil {
		lo.Progress = func(ls store.LoadStats) { opts.Progress(statsOf(ls)) }
	}
	ls, err := s.Load(ctx, Source(gen), lo)
	return statsOf(ls), err
}

func statsOf(ls store.LoadStats) Stats {
	return Stats{
		Entities: ls.Entities, Relations: ls.Relations, Facts: ls.Facts, Documents: ls.Documents,
		Kinds: ls.Kinds, Transactions: ls.Transactions, Elapsed: ls.Elapsed,
	}
}
