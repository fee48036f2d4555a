package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"tupu"
	"tupu/export"
	"tupu/store"
)

// runExport writes the whole graph, with its documents and history:
//
//	tupu export [--format json|jsonld|ntriples] [--base IRI] [--db PATH] [--out FILE]
//
// json is the lossless form `tupu import` reads; jsonld and ntriples are
// RDF for other tools (see package export). It writes to standard output
// unless --out names a file, which is then written whole or not at all.
// It opens the database read-only, but a running server holds its lock:
// stop the server first (the error says so).
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tupu export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "json", "json (lossless, what import reads), jsonld or ntriples")
	db := fs.String("db", envOr(getenv, "TUPU_DB", "./data/tupu.db"), "path of the database file [TUPU_DB]")
	out := fs.String("out", "", "file to write (default: standard output)")
	base := fs.String("base", export.DefaultBase, "base IRI of the graph's entities, documents, facts and relations in jsonld and ntriples")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export: unexpected argument %q", fs.Arg(0))
	}
	opts := export.Options{Base: *base}
	var write func(io.Writer, *export.Graph) (string, error)
	switch *format {
	case "json":
		write = func(w io.Writer, g *export.Graph) (string, error) {
			return fmt.Sprintf("%d documents, %d entities, %d relations, %d facts, %d changes",
				len(g.Dataset.Documents), len(g.Dataset.Entities), len(g.Dataset.Relations), len(g.Dataset.Facts), len(g.History)), export.WriteJSON(w, g)
		}
	case "jsonld":
		write = func(w io.Writer, g *export.Graph) (string, error) { return "JSON-LD", export.WriteJSONLD(w, g, opts) }
	case "ntriples":
		write = func(w io.Writer, g *export.Graph) (string, error) {
			n, err := export.WriteNTriples(w, g, opts)
			return fmt.Sprintf("%d triples", n), err
		}
	default:
		return fmt.Errorf("export: --format %q: say json, jsonld or ntriples", *format)
	}
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("export: --base: %w", err)
	}

	// Read-only: exporting from a path that does not exist must not
	// create a database there.
	s, err := store.Open(*db, store.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	var d *store.Dump
	err = s.View(func(tx *store.Tx) error {
		d, err = tx.Dump()
		return err
	})
	s.Close()
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	g := (*export.Graph)(d)
	warnProblems(stderr, *db, &g.Dataset)

	if *out == "" {
		w := bufio.NewWriter(stdout)
		if _, err := write(w, g); err != nil {
			return err
		}
		return w.Flush()
	}
	// Write next to the target and rename, so FILE is never half written.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".tupu-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	what, err := write(w, g)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s (%s) from %s\n", *out, what, *db)
	return nil
}

// runImport reads a JSON export into an empty database:
//
//	tupu import FILE [--db PATH]      (FILE - reads standard input)
//
// It checks the whole file first (its form, then the data set) and
// writes nothing unless all of it is sound; then it writes everything in
// one transaction, keeping entity versions and history. A database that
// holds anything is refused, as is one a running server has open.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tupu import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", envOr(getenv, "TUPU_DB", "./data/tupu.db"), "path of the database file to create or fill; it must be empty [TUPU_DB]")
	var file string
	if len(args) > 0 && (args[0] == "-" || !strings.HasPrefix(args[0], "-")) {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil { // flags after FILE
			return err
		}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("import: unexpected argument %q", fs.Arg(0))
	}
	if file == "" {
		return errors.New("import: name the file to read: tupu import FILE [--db PATH]")
	}

	var in io.Reader = os.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		in = f
	}
	g, err := export.ReadJSON(in)
	if err != nil {
		return fmt.Errorf("import %s: %w", file, err)
	}
	g.Dataset.Normalize()
	if err := g.Dataset.Validate(); err != nil {
		return fmt.Errorf("import %s: the data set is not valid: %w", file, err)
	}

	_, statErr := os.Stat(*db)
	created := errors.Is(statErr, os.ErrNotExist)
	s, err := store.Open(*db, store.Options{})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	err = s.Import((*store.Dump)(g))
	s.Close()
	if err != nil {
		if created {
			os.Remove(*db) // leave no empty database behind where there was none
		}
		if tupu.ErrorCode(err) == tupu.Conflict {
			return fmt.Errorf("import: %s is not empty: %w; import into a new file, or remove this one first", *db, err)
		}
		return fmt.Errorf("import %s: %w", file, err)
	}
	fmt.Fprintf(stderr, "imported %s into %s: %d documents, %d entities, %d relations, %d facts, %d changes\n",
		file, *db, len(g.Dataset.Documents), len(g.Dataset.Entities), len(g.Dataset.Relations), len(g.Dataset.Facts), len(g.History))
	return nil
}

// warnProblems says, on stderr, when the graph holds statements that do
// not pass the rules (written before a rule tightened): the export is
// written all the same, but import refuses it until they are fixed.
func warnProblems(stderr io.Writer, db string, d *tupu.Dataset) {
	problems := d.Problems()
	if len(problems) == 0 {
		return
	}
	fmt.Fprintf(stderr, "warning: %d problems in statements that do not pass the rules of this version (%d); `tupu import` refuses this export until they are fixed. The first: %s\nList them all, with how to fix them: tupu check --db %s\n",
		len(problems), tupu.RulesVersion, problems[0], db)
}
