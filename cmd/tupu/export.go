package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"tupu"
	"tupu/export"
	"tupu/store"
)

const exportUsage = `tupu export writes the whole graph, with its documents and history: json is
the lossless form tupu import reads; jsonld and ntriples are RDF for other
tools. It writes to standard output unless --out names a file, which is then
written whole or not at all.

Usage:
  tupu export [--format json|jsonld|ntriples] [--base IRI] --db PATH [--out FILE]
  tupu export [--format ...] --url URL --token ADMIN_TOKEN [--out FILE]
  tupu export [--format ...] --store URL [--out FILE]

With --db the database is opened read-only, and must not be in use: a
running server holds its lock. With --store the graph is read from its
cluster (docs/cluster.md) at one revision, while its servers run. With --url the export is taken from a running
server: it sends a consistent copy of its database (GET /admin/backup, an
admin token needed), which is checked and exported here.
`

// runExport writes the whole graph.
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("tupu export", exportUsage)
	format := fs.String("format", "json", "json (lossless, what import reads), jsonld or ntriples")
	db := fs.String("db", "", "database file of a stopped server (default: TUPU_DB, else ./data/tupu.db, unless --url)")
	url := fs.String("url", envOr(getenv, "TUPU_URL", ""), "base URL of a running server [TUPU_URL]")
	token := fs.String("token", envOr(getenv, "TUPU_TOKEN", ""), "an admin token, for --url [TUPU_TOKEN]")
	cluster := storeFlag(fs, getenv)
	out := fs.String("out", "", "file to write (default: standard output)")
	base := fs.String("base", export.DefaultBase, "base IRI of the graph's entities, documents, facts and relations in jsonld and ntriples")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("export: unexpected argument %q", fs.Arg(0))
	}
	switch {
	case *url != "" && (*db != "" || *cluster != ""):
		return usagef("export: give --url (a running server), --db (a stopped server's file) or --store (a cluster), one of them")
	case *url == "" && *db == "":
		*db = envOr(getenv, "TUPU_DB", "./data/tupu.db")
	}
	loc, err := location(*db, *cluster)
	if err != nil {
		return usagef("export: %v", err)
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

	from, checkArg := store.Redact(loc), "--db "+loc
	if *cluster != "" {
		checkArg = "--store " + from
	}
	var d *store.Dump
	if *url != "" {
		from = *url
		dir := os.TempDir()
		if *out != "" {
			dir = filepath.Dir(*out)
		}
		d, err = dumpFromServer(ctx, *url, *token, dir)
	} else {
		d, err = dumpFile(loc)
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	g := (*export.Graph)(d)
	if *url != "" {
		checkArg = "--db PATH" // exported from a running server: check its file once it is stopped
	}
	warnProblems(stderr, checkArg, &g.Dataset)

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
	fmt.Fprintf(stderr, "wrote %s (%s) from %s\n", *out, what, from)
	return nil
}

// dumpFile reads the whole graph from a stopped server's database file,
// opened read-only.
func dumpFile(path string) (d *store.Dump, err error) {
	s, err := openOffline(path, true, "tupu export --url URL --token ADMIN_TOKEN")
	if err != nil {
		return nil, err
	}
	defer s.Close()
	err = s.View(func(tx *store.Tx) error {
		d, err = tx.Dump()
		return err
	})
	return d, err
}

// dumpFromServer reads the whole graph from a running server: the
// consistent copy of its database that GET /admin/backup sends (what
// tupu backup --url takes), written to a temporary file in dir, checked
// (every page, in a process of its own) and read.
func dumpFromServer(ctx context.Context, url, token, dir string) (*store.Dump, error) {
	tmp, err := os.CreateTemp(dir, ".tupu-export-*.db")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, err = backupFromServer(ctx, url, token, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if _, err := verifyFile(ctx, tmp.Name()); err != nil {
		return nil, fmt.Errorf("the copy the server sent is not sound: %w", err)
	}
	return dumpFile(tmp.Name())
}

const importUsage = `tupu import reads a JSON export (tupu export --format json) into a new or
empty database. It checks the whole file first (its form, then the data
set) and writes nothing unless all of it is sound; then it writes
everything in one transaction, keeping entity versions and history, which
goes on in a new epoch. A database that holds anything is refused, as is
one a running server has open.

Usage:
  tupu import FILE [--db PATH | --store URL]      (FILE - reads standard input)
`

// runImport reads a JSON export into an empty database.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("tupu import", importUsage)
	db := fs.String("db", envOr(getenv, "TUPU_DB", "./data/tupu.db"), "path of the database file to create or fill; it must be empty [TUPU_DB]")
	cluster := storeFlag(fs, getenv)
	file, err := parseWithFile(fs, args, stdout)
	if err != nil {
		return err
	}
	if file == "" {
		return usagef("import: name the file to read: tupu import FILE [--db PATH]")
	}
	loc, err := location(*db, *cluster)
	if err != nil {
		return usagef("import: %v", err)
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

	_, statErr := os.Stat(loc)
	created := !store.IsClusterURL(loc) && errors.Is(statErr, os.ErrNotExist)
	s, err := store.Open(loc, store.Options{})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	where := s.Path()
	err = s.Import((*store.Dump)(g))
	s.Close()
	if err != nil {
		if created {
			os.Remove(loc) // leave no empty database behind where there was none
		}
		if tupu.ErrorCode(err) == tupu.Conflict {
			return fmt.Errorf("import: %s is not empty: %w; import into a new file, or remove this one first", where, err)
		}
		return fmt.Errorf("import %s: %w", file, err)
	}
	fmt.Fprintf(stderr, "imported %s into %s: %d documents, %d entities, %d relations, %d facts, %d changes\n",
		file, where, len(g.Dataset.Documents), len(g.Dataset.Entities), len(g.Dataset.Relations), len(g.Dataset.Facts), len(g.History))
	return nil
}

// warnProblems says, on stderr, when the graph holds statements that do
// not pass the rules (written before a rule tightened): the export is
// written all the same, but import refuses it until they are fixed.
func warnProblems(stderr io.Writer, checkArg string, d *tupu.Dataset) {
	problems := d.Problems()
	if len(problems) == 0 {
		return
	}
	fmt.Fprintf(stderr, "warning: %d problems in statements that do not pass the rules of this version (%d); `tupu import` refuses this export until they are fixed. The first: %s\nList them all, with how to fix them: tupu check %s\n",
		len(problems), tupu.RulesVersion, problems[0], checkArg)
}
