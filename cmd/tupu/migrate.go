package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"tupu/store"
)

const migrateUsage = `tupu migrate copies a whole graph between a file and an etcd cluster (or
between two of either): the graph, its history and epoch, the record of
seeding and the tokens. The target must hold no graph; until the copy is
whole no server serves it (a cluster's servers answer UNAVAILABLE, and
one starting waits). An export after the move is byte-identical to one
before.

Usage:
  tupu migrate --from PATH|etcd://... --to etcd://...|PATH

A file must not be in use (stop its server); a cluster may be: the copy
is read from it at one revision.
`

// runMigrate copies a graph from one store to another.
func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("tupu migrate", migrateUsage)
	from := fs.String("from", "", "the store to copy: a database file, or a cluster's etcd:// URL")
	to := fs.String("to", "", "the store to fill: a new or empty database file, or a cluster's etcd:// URL")
	quiet := fs.Bool("quiet", false, "print only the summary")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("migrate: unexpected arguments %v", fs.Args())
	case *from == "" || *to == "":
		return usagef("migrate: name both stores: --from and --to (see tupu migrate --help)")
	case *from == *to:
		return usagef("migrate: --from and --to name the same store")
	}
	if err := mustExist(*from); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	src, err := store.Open(*from, store.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer src.Close()
	dst, err := store.Open(*to, store.Options{})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer dst.Close()
	var opts store.CopyOptions
	if !*quiet {
		opts.Progress = copyProgress(stderr)
	}
	start := time.Now()
	if err := store.Copy(ctx, dst, src, opts); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var entities int
	if err := dst.View(func(tx *store.Tx) error { entities = tx.CountEntities(""); return nil }); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(stdout, "copied %s to %s: %d entities, with their relations, facts, documents, history and tokens, in %s\n",
		src.Path(), dst.Path(), entities, time.Since(start).Round(time.Millisecond))
	return nil
}

// copyProgress prints a copy's progress (store.Copy's) to w once a
// second, and nothing for a copy shorter than that.
func copyProgress(w io.Writer) func(store.CopyStats) {
	last := time.Now()
	return func(st store.CopyStats) {
		if time.Since(last) < time.Second {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "  %d keys, %.1f MB in %s (now %s)\n", st.Keys, float64(st.Bytes)/(1<<20), st.Elapsed.Round(time.Millisecond), st.Bucket)
	}
}
