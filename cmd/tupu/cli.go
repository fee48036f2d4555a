package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"tupu/store"
)

// How the commands read their arguments, in one place: help goes to
// standard output and exits 0, as people piping it to a pager expect; a
// mistake goes to standard error with the way to the help, and exits 2.

// errHelped ends a command that printed its help: run returns nil for it.
var errHelped = errors.New("help printed")

// usageError is a mistake in the command line; the program exits 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError.
func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// newFlags returns the flag set of a command whose help is synopsis
// followed by its flags.
func newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse prints what is needed, where it belongs
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprint(w, synopsis)
		fmt.Fprintln(w, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args with fs. Asked for help (-h, -help, --help) it prints
// fs's usage on stdout and returns errHelped; a flag it does not know, or
// a bad value, is a usageError that says where the help is.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return errHelped
	case err != nil:
		return usagef("%s: %v (see %s --help)", fs.Name(), err, fs.Name())
	}
	return nil
}

// mustExist refuses a database path with no file: only serve, seed,
// import, generate and restore create a database, so that a mistyped path
// is an error rather than a new, empty database.
func mustExist(path string) error {
	if store.IsClusterURL(path) {
		return nil // a cluster holds a graph or is empty: see store.Open
	}
	if path == "" {
		return usagef("name the database: --db PATH")
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("no database at %s (this command never creates one: check --db or TUPU_DB)", path)
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%s is a directory, not a database file", path)
	}
	return nil
}

// help prints the program's usage, or with a command's name that
// command's, on stdout: `tupu help [COMMAND]`.
func help(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return nil
	}
	name := args[0]
	switch name {
	case "serve", "seed":
		_, err := loadConfig("tupu "+name, []string{"--help"}, getenv, stdout)
		return err
	case "help", "version":
		fmt.Fprint(stdout, usage)
		return nil
	}
	if c, ok := commands[name]; ok {
		return c(ctx, []string{"--help"}, getenv, stdout, stderr)
	}
	return usagef("help: there is no command %q (see tupu help)", name)
}
