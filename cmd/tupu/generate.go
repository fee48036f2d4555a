package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"tupu/store"
	"tupu/synth"
)

const generateUsage = `tupu generate writes a synthetic graph of about N entities (districts,
parks, companies, labs and their partners, universities, talent programs,
counties, with facts and the reports that state them) into a new database,
for load tests. The same seed gives the same graph.

Usage:
  tupu generate (--db FILE | --store URL) --entities N [--seed 1] [--batch 50000]
`

// runGenerate is the generate command.
func runGenerate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("tupu generate", generateUsage)
	db := fs.String("db", envOr(getenv, "TUPU_DB", "./data/tupu.db"), "path of the database file, which must hold no entities [TUPU_DB]")
	cluster := storeFlag(fs, getenv)
	entities := fs.Int("entities", 0, "about how many entities to generate (required)")
	seed := fs.Uint64("seed", 1, "the seed: the same seed gives the same graph")
	batch := fs.Int("batch", synth.DefaultBatch, "keys per write transaction (over all buckets)")
	quiet := fs.Bool("quiet", false, "print only the summary")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("generate: unexpected arguments %v", fs.Args())
	}
	if *entities <= 0 {
		return usagef("generate: --entities must be a positive number (see tupu generate --help)")
	}
	loc, err := location(*db, *cluster)
	if err != nil {
		return usagef("generate: %v", err)
	}
	s, err := store.Open(loc, store.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	where := s.Path()
	opts := synth.WriteOptions{Batch: *batch}
	if !*quiet {
		opts.Progress = func(st synth.Stats) {
			fmt.Fprintf(stderr, "  %d entities, %d relations, %d facts in %s\n",
				st.Entities, st.Relations, st.Facts, st.Elapsed.Round(time.Millisecond))
		}
	}
	st, err := synth.Write(ctx, s, synth.Options{Entities: *entities, Seed: *seed}, opts)
	if err != nil {
		return err
	}
	if err := s.Close(); err != nil {
		return err
	}
	size := int64(0)
	if fi, err := os.Stat(loc); err == nil && !store.IsClusterURL(loc) {
		size = fi.Size()
	}
	kinds := make([]string, 0, len(st.Kinds))
	for k, n := range st.Kinds {
		kinds = append(kinds, fmt.Sprintf("%s %d", strings.ToLower(string(k)), n))
	}
	slices.Sort(kinds)
	secs := st.Elapsed.Seconds()
	fmt.Fprintf(stdout, "generated %s (seed %d): %d entities (%s), %d relations, %d facts, %d documents in %d transactions, %.2fs, %.0f entities/s, %.1f MB\n",
		where, *seed, st.Entities, strings.Join(kinds, ", "), st.Relations, st.Facts, st.Documents,
		st.Transactions, secs, float64(st.Entities)/secs, float64(size)/(1<<20))
	return nil
}
