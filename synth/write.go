package synth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"tupu"
	"tupu/store"
)

// DefaultBatch is how many entities one write transaction holds (with
// their relations, facts and documents) unless WriteOptions say otherwise.
//
// Bigger is not faster here: bbolt splits a node only at commit, so inside
// one transaction every insertion into the middle of a leaf shifts all the
// keys that leaf gained in the transaction, and the edge and name indexes
// take their keys in no useful order. Measured at 100,000 entities on 2
// cores: 1,000 per transaction 13 s, 5,000 11 s, 20,000 21 s, 50,000 90 s,
// all in one 416 s.
const DefaultBatch = 5000

// WriteOptions tune Write.
type WriteOptions struct {
	// Batch is how many entities a write transaction holds, at least:
	// a transaction takes whole districts. Zero means DefaultBatch.
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

func (s *Stats) add(d *tupu.Dataset) {
	s.Entities += len(d.Entities)
	s.Relations += len(d.Relations)
	s.Facts += len(d.Facts)
	s.Documents += len(d.Documents)
	if s.Kinds == nil {
		s.Kinds = map[tupu.Kind]int{}
	}
	for i := range d.Entities {
		s.Kinds[d.Entities[i].Kind]++
	}
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

// Write generates the graph into s, which must hold no entities, in
// transactions of about opts.Batch entities. Generation runs in a
// goroutine of its own, ahead of the writes. Each transaction commits
// whole districts, so a cancelled or failed Write leaves a graph whose
// relations all have both ends.
func Write(ctx context.Context, s *store.Store, gen Options, opts WriteOptions) (Stats, error) {
	start := time.Now()
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	var stats Stats
	empty := false
	if err := s.View(func(tx *store.Tx) error { empty = tx.CountEntities("") == 0; return nil }); err != nil {
		return stats, err
	}
	if !empty {
		return stats, ErrNotEmpty
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan *tupu.Dataset, 256)
	genErr := make(chan error, 1)
	go func() {
		defer close(chunks)
		genErr <- Generate(gen, func(d *tupu.Dataset) error {
			select {
			case chunks <- d:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()

	var batch []*tupu.Dataset
	pending := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.Update(func(tx *store.Tx) error {
			for _, d := range batch {
				if err := writeChunk(tx, d); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, d := range batch {
			stats.add(d)
		}
		stats.Transactions++
		stats.Elapsed = time.Since(start)
		if opts.Progress != nil {
			opts.Progress(stats)
		}
		batch, pending = batch[:0], 0
		return ctx.Err()
	}
	for d := range chunks {
		batch = append(batch, d)
		pending += len(d.Entities)
		if pending >= opts.Batch {
			if err := flush(); err != nil {
				cancel()
				for range chunks { // let the generator finish
				}
				return stats, err
			}
		}
	}
	if err := <-genErr; err != nil {
		return stats, err
	}
	if err := flush(); err != nil {
		return stats, err
	}
	stats.Elapsed = time.Since(start)
	return stats, nil
}

// writeChunk writes one chunk: documents, then entities, then what points
// at them.
func writeChunk(tx *store.Tx, d *tupu.Dataset) error {
	for i := range d.Documents {
		if err := tx.PutDocument(&d.Documents[i]); err != nil {
			return err
		}
	}
	for i := range d.Entities {
		if err := tx.PutEntity(&d.Entities[i]); err != nil {
			return fmt.Errorf("entity %s: %w", d.Entities[i].Key, err)
		}
	}
	for i := range d.Relations {
		if err := tx.PutRelation(&d.Relations[i]); err != nil {
			r := &d.Relations[i]
			return fmt.Errorf("relation %s %s %s: %w", r.Subject, r.Predicate, r.Object, err)
		}
	}
	for i := range d.Facts {
		if err := tx.PutFact(&d.Facts[i]); err != nil {
			return fmt.Errorf("fact %s %s: %w", d.Facts[i].Entity, d.Facts[i].Property, err)
		}
	}
	return nil
}
