package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"tupu"
	"tupu/indexer"
	"tupu/store"
)

const tokenUsage = `tupu token manages the tokens that authenticate requests: editors change
the graph, admins also delete, add documents and manage tokens.

Usage:
  tupu token create --name NAME [--role editor|admin] (--url URL --token ADMIN_TOKEN | --db PATH | --store URL)
  tupu token list (--url URL --token ADMIN_TOKEN | --db PATH | --store URL)
  tupu token revoke --name NAME (--url URL --token ADMIN_TOKEN | --db PATH | --store URL)

With --url, a running server does it (an admin token is needed) and a
revoked token fails from its next request on, including the subscriptions
opened with it. With --db, the server must be stopped. With --store, the
graph's cluster (docs/cluster.md) takes it while its servers run. create prints the
new token's secret on standard output, once: it is not stored, only its
hash is.
`

// runToken manages tokens, through a running server's API (--url) or in a
// stopped server's database (--db).
func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	verb := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		verb, args = args[0], args[1:]
	}
	fs := newFlags("tupu token", tokenUsage)
	db := fs.String("db", "", "database file of a stopped server (default: TUPU_DB, else ./data/tupu.db, unless --url)")
	url := fs.String("url", envOr(getenv, "TUPU_URL", ""), "base URL of a running server, such as http://127.0.0.1:8080 [TUPU_URL]")
	token := fs.String("token", envOr(getenv, "TUPU_TOKEN", ""), "an admin token, for --url [TUPU_TOKEN]")
	cluster := storeFlag(fs, getenv)
	name := fs.String("name", "", "the token's name, shown in history as who made each change")
	role := fs.String("role", "editor", "editor (create and change) or admin (also delete, add documents, manage tokens)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case verb != "create" && verb != "list" && verb != "revoke":
		if verb == "" {
			return usagef("token: say create, list or revoke (see tupu token --help)")
		}
		return usagef("token: unknown verb %q; say create, list or revoke", verb)
	case fs.NArg() > 0:
		return usagef("token %s: unexpected arguments %v", verb, fs.Args())
	case verb != "list" && *name == "":
		return usagef("token %s: name the token: --name NAME", verb)
	}
	switch {
	case *url != "" && (*db != "" || *cluster != ""):
		return usagef("token %s: give --url (a running server), --db (a stopped server's file) or --store (a cluster), one of them", verb)
	case *url == "" && *db == "":
		*db = envOr(getenv, "TUPU_DB", "./data/tupu.db")
	}
	var m tokenManager
	if *url != "" {
		m = &remoteTokens{url: *url, token: *token}
	} else {
		loc, err := location(*db, *cluster)
		if err != nil {
			return usagef("token %s: %v", verb, err)
		}
		s, err := openOffline(loc, false, "tupu token ... --url URL --token ADMIN_TOKEN")
		if err != nil {
			return fmt.Errorf("token %s: %w", verb, err)
		}
		defer s.Close()
		m = &localTokens{s}
	}
	switch verb {
	case "create":
		secret, err := m.create(ctx, *name, store.Role(*role))
		if err != nil {
			return fmt.Errorf("token create: %w", err)
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "created token %q (%s); it is shown once: keep it, send it as Authorization: Bearer <token>\n", *name, *role)
		return nil
	case "list":
		tokens, err := m.list(ctx)
		if err != nil {
			return fmt.Errorf("token list: %w", err)
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tROLE\tCREATED\tBY")
		for _, t := range tokens {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.Name, t.Role, t.Created.UTC().Format("2006-01-02 15:04:05Z"), cmp.Or(t.CreatedBy, "-"))
		}
		return w.Flush()
	default:
		if err := m.revoke(ctx, *name); err != nil {
			return fmt.Errorf("token revoke: %w", err)
		}
		fmt.Fprintf(stderr, "revoked token %q\n", *name)
		return nil
	}
}

// openOffline opens the database file of a stopped server, which must
// exist. A running server holds the file's lock; the error then says how
// to do it through the server instead (online). A cluster (--store) is
// shared with its running servers: it is opened as it is.
func openOffline(path string, readOnly bool, online string) (*store.Store, error) {
	if err := mustExist(path); err != nil {
		return nil, err
	}
	s, err := store.Open(path, store.Options{ReadOnly: readOnly})
	if err != nil && tupu.ErrorCode(err) == tupu.Unavailable {
		return nil, fmt.Errorf("%w; while a server runs, use %s", err, online)
	}
	return s, err
}

const backupUsage = `tupu backup writes a consistent copy of the database to FILE, checks the
copy (every page) and only then gives it FILE's name. It refuses to replace
an existing FILE unless --force.

Usage:
  tupu backup FILE --url URL --token ADMIN_TOKEN [--force]   from a running server
  tupu backup FILE --db PATH [--force]                       from a stopped one
  tupu backup FILE --store URL [--force]                     from an etcd cluster

From a running server the copy is taken in one read transaction while it
goes on serving and writing. Put it back with tupu restore. From a cluster
the graph is copied at one revision into FILE, a database file (as tupu
migrate copies it), while its servers run.
`

// runBackup writes a consistent copy of the database to FILE.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("tupu backup", backupUsage)
	db := fs.String("db", envOr(getenv, "TUPU_DB", ""), "database file of a stopped server [TUPU_DB]")
	url := fs.String("url", envOr(getenv, "TUPU_URL", ""), "base URL of a running server [TUPU_URL]")
	token := fs.String("token", envOr(getenv, "TUPU_TOKEN", ""), "an admin token, for --url [TUPU_TOKEN]")
	cluster := storeFlag(fs, getenv)
	force := fs.Bool("force", false, "replace FILE if it exists")
	file, err := parseWithFile(fs, args, stdout)
	if err != nil {
		return err
	}
	if file == "" {
		return usagef("backup: name the file to write: tupu backup FILE ... (see tupu backup --help)")
	}
	if *url != "" || *cluster != "" {
		*db = "" // --url and --store win over TUPU_DB from the environment
	}
	if n := btoi(*db != "") + btoi(*url != "") + btoi(*cluster != ""); n != 1 {
		return usagef("backup: give --db (a stopped server's file), --url (a running server) or --store (a cluster)")
	}
	if *cluster != "" && !store.IsClusterURL(*cluster) {
		return usagef("backup: --store %q: name an etcd cluster, etcd://host:2379/prefix", *cluster)
	}
	if _, err := os.Lstat(file); err == nil && !*force {
		return fmt.Errorf("backup: %s exists; choose another name, or add --force to replace it", file)
	}
	// Write next to the target and rename, so FILE is never half written.
	tmp, err := os.CreateTemp(filepath.Dir(file), ".tupu-backup-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	var n int64
	switch {
	case *url != "":
		n, err = backupFromServer(ctx, *url, *token, tmp)
	case *cluster != "":
		n, err = backupFromCluster(ctx, *cluster, tmp.Name())
	default:
		var s *store.Store
		if s, err = openOffline(*db, true, "tupu backup FILE --url URL --token ADMIN_TOKEN"); err == nil {
			n, err = s.Backup(tmp, nil)
			s.Close()
		}
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// Checked as restore will check it, before it takes FILE's name.
	report, err := verifyFile(ctx, tmp.Name())
	if err != nil {
		return fmt.Errorf("backup: the copy is not sound, so %s was not written: %w", file, err)
	}
	if err := place(tmp.Name(), file, *force); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stderr, "wrote %s (%d bytes; checked: %s)\n", file, n, report)
	return nil
}

// place gives the complete file tmp the name file: replacing what is
// there with replace, else only if nothing is (a hard link fails on an
// existing name, atomically, where a check and a rename could race).
func place(tmp, file string, replace bool) error {
	if replace {
		return os.Rename(tmp, file)
	}
	if err := os.Link(tmp, file); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists; choose another name, or add --force to replace it", file)
		}
		return err
	}
	return os.Remove(tmp)
}

// parseWithFile parses args of a command that takes one file name, before
// or after its flags.
func parseWithFile(fs *flag.FlagSet, args []string, stdout io.Writer) (file string, err error) {
	if len(args) > 0 && (args[0] == "-" || !strings.HasPrefix(args[0], "-")) {
		file, args = args[0], args[1:]
	}
	if err := parse(fs, args, stdout); err != nil {
		return "", err
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
		if err := parse(fs, fs.Args()[1:], stdout); err != nil { // flags after FILE
			return "", err
		}
	}
	if fs.NArg() > 0 {
		return "", usagef("%s: unexpected argument %q (see %s --help)", fs.Name(), fs.Arg(0), fs.Name())
	}
	return file, nil
}

func backupFromServer(ctx context.Context, url, token string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/admin/backup", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return 0, fmt.Errorf("the server answered %s: %s", resp.Status, msg)
	}
	return io.Copy(w, resp.Body)
}

// preRestoreSuffix names the database a restore replaced, kept beside
// the restored one until a server has started on it.
const preRestoreSuffix = ".pre-restore"

const restoreUsage = `tupu restore puts a backup in place of a stopped server's database, or
copies it into an etcd cluster.

Usage:
  tupu restore FILE --db PATH [--search-index DIR]
  tupu restore FILE --store etcd://host:2379/prefix [--force]

Nothing is replaced until the backup has proved sound (every page checked,
in a process of its own). The replaced database is kept as PATH.pre-restore
until a server has started on the restored one. History goes on in a new
epoch, and the search index is built before the swap.

Into a cluster (--store), the backup is copied into the prefix as tupu
migrate copies a graph, with progress; until the copy is whole the
cluster's servers answer UNAVAILABLE. A prefix that holds a graph (or
tokens) is refused unless --force: then stop every server over the prefix
first, as for a file (the restore refuses while one runs, naming it); the
copy's first commit deletes what the prefix held
(etcdctl get --rev reads it back until the cluster compacts that revision),
and each server builds its search index again when it starts.
`

// runRestore puts a backup in place of a stopped server's database.
//
// It copies FILE beside PATH and checks the copy in a process of its own
// (see verifyFile); refuses while a server holds PATH; starts a new epoch
// of history in the copy, recorded as a change, so that no client takes
// the restored history's numbers for ones it saw before; builds the
// copy's search index beside the current one. Then it keeps the current
// database as PATH.pre-restore (a hard link, so PATH always names a whole
// database), renames the copy to PATH and its index into place. The next
// server to start on PATH removes PATH.pre-restore once it is serving.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("tupu restore", restoreUsage)
	db := fs.String("db", envOr(getenv, "TUPU_DB", "./data/tupu.db"), "the database file to replace [TUPU_DB]")
	index := fs.String("search-index", envOr(getenv, "TUPU_SEARCH_INDEX", ""), "the search index directory (default: the database path + .search) [TUPU_SEARCH_INDEX]")
	cluster := storeFlag(fs, getenv)
	force := fs.Bool("force", false, "with --store: replace the graph the prefix holds (stop its servers first)")
	file, err := parseWithFile(fs, args, stdout)
	if err != nil {
		return err
	}
	if file == "" {
		return usagef("restore: name the backup first: tupu restore FILE --db PATH (or --store URL)")
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	switch {
	case given["db"] && given["store"]:
		return usagef("restore: give --db (a file) or --store (a cluster), not both")
	case *cluster != "" && !given["db"]:
		// --store (or TUPU_STORE) names where the graph is, as for serve.
		if given["search-index"] {
			return usagef("restore: --search-index goes with --db; over a cluster each server builds its own index when it starts")
		}
		if !store.IsClusterURL(*cluster) {
			return usagef("restore: --store %q: name an etcd cluster, etcd://host:2379/prefix (a file goes with --db)", *cluster)
		}
		return restoreIntoCluster(ctx, file, *cluster, *force, stderr)
	case *force:
		return usagef("restore: --force goes with --store; a restore into --db always replaces the file (keeping it as PATH%s)", preRestoreSuffix)
	}
	if *index == "" {
		*index = *db + ".search"
	}
	// The history being replaced, for the record. Opening the file proves
	// no server holds it, and read-only leaves it byte for byte as it is
	// should the restore be refused.
	var replacedEpoch string
	var replacedSeq uint64
	if _, err := os.Stat(*db); err == nil {
		s, err := store.Open(*db, store.Options{ReadOnly: true})
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		err = s.View(func(tx *store.Tx) error {
			replacedEpoch, replacedSeq = tx.HistoryEpoch(), tx.LastSeq()
			return nil
		})
		s.Close()
		if err != nil {
			return fmt.Errorf("restore: reading %s: %w", *db, err)
		}
	}

	if err := os.MkdirAll(filepath.Dir(*db), 0o755); err != nil {
		return err
	}
	tmp, err := copyBeside(file, *db)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp)
	report, err := verifyFile(ctx, tmp)
	if err != nil {
		return fmt.Errorf("restore: %s is not a sound backup, and %s was left as it was: %w", file, *db, err)
	}

	s, err := store.Open(tmp, store.Options{})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	epoch, err := s.Restored(replacedEpoch, replacedSeq)
	if err != nil {
		s.Close()
		return fmt.Errorf("restore: %w", err)
	}
	building := *index + ".restoring"
	if err := os.RemoveAll(building); err != nil {
		s.Close()
		return err
	}
	x, err := indexer.Open(building, s, slog.New(slog.DiscardHandler))
	if err == nil {
		err = x.Close()
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.RemoveAll(building)
		return fmt.Errorf("restore: building the search index: %w", err)
	}

	// Swap. PATH names a whole database at every moment: the old index
	// goes first (a server rebuilds a missing one), the old database keeps
	// a second name, and one rename puts the copy in its place.
	if err := os.RemoveAll(*index); err != nil {
		return err
	}
	kept := *db + preRestoreSuffix
	if _, err := os.Stat(*db); err == nil {
		if err := os.Remove(kept); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := os.Link(*db, kept); err != nil {
			return fmt.Errorf("restore: keeping the current database as %s: %w", kept, err)
		}
	} else {
		kept = ""
	}
	if err := os.Rename(tmp, *db); err != nil {
		return err
	}
	if err := os.Rename(building, *index); err != nil {
		return fmt.Errorf("restore: the database is restored, but its search index was not moved into place (the server rebuilds it): %w", err)
	}
	fmt.Fprintf(stderr, "restored %s from %s (%s); its history goes on in a new epoch (%s), and its search index is built\n",
		*db, file, report, epoch)
	if kept != "" {
		fmt.Fprintf(stderr, "the database it replaced is kept as %s until a server has started on the restored one\n", kept)
	}
	return nil
}

// restoreIntoCluster copies the backup FILE into the cluster at loc, once
// a copy of it has proved sound, with the same copy as tupu migrate's,
// refusing a prefix that holds a graph unless force. As a restore into a
// file does, it starts a new epoch of history, recorded as a change that
// names the history it replaced.
func restoreIntoCluster(ctx context.Context, file, loc string, force bool, stderr io.Writer) error {
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	dst, err := store.Open(loc, store.Options{})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer dst.Close()
	var replacedEpoch string
	var replacedSeq, replacedVersion uint64
	err = dst.View(func(tx *store.Tx) error {
		replacedEpoch, replacedSeq, replacedVersion = tx.HistoryEpoch(), tx.LastSeq(), tx.GraphVersion()
		return nil
	})
	if err != nil {
		return fmt.Errorf("restore: reading %s: %w", dst.Path(), err)
	}
	replacing := dst.CheckEmpty()
	if replacing != nil && !force {
		return fmt.Errorf("restore: %w; to replace the graph there, stop every server over it and add --force (or restore into another prefix)", replacing)
	}
	running, err := dst.Servers(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if len(running) > 0 {
		who := fmt.Sprintf("%d servers run", len(running))
		if len(running) == 1 {
			who = "a server runs"
		}
		return fmt.Errorf("restore: %s over %s, and would go on with the caches and search index of the graph it replaces: stop them first (%s); a server killed is forgotten %d s after", who, dst.Path(), strings.Join(running, "; "), store.ServerLeaseTTL)
	}

	dir, err := os.MkdirTemp("", "tupu-restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tmp, err := copyBeside(file, filepath.Join(dir, "backup.db"))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	report, err := verifyFile(ctx, tmp)
	if err != nil {
		return fmt.Errorf("restore: %s is not a sound backup, and %s was left as it was: %w", file, dst.Path(), err)
	}
	src, err := store.Open(tmp, store.Options{})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer src.Close()
	epoch, err := src.Restored(replacedEpoch, replacedSeq)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := store.Copy(ctx, dst, src, store.CopyOptions{Progress: copyProgress(stderr), Replace: force}); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stderr, "restored %s from %s (%s); its history goes on in a new epoch (%s), at graph version %d\n",
		dst.Path(), file, report, epoch, dst.Version())
	if replacing != nil && replacedVersion > 0 {
		fmt.Fprintf(stderr, "the graph it replaced was at graph version %d: etcdctl get --rev=%d reads it until the cluster compacts that revision\n",
			replacedVersion, replacedVersion)
	}
	return nil
}

// copyBeside copies file into a new temporary file in the directory of
// target (so that a rename can put it in target's place), synced to disk,
// and returns its name.
func copyBeside(file, target string) (string, error) {
	src, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(target), ".tupu-restore-*")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(tmp, src)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}

// self is the program that verifyFile runs; tests point it at the built
// program.
var self = os.Executable

// verifyFile checks a database file by running `tupu verify` on it in a
// process of its own: bbolt's consistency check reads every page, and on
// a damaged page it can fault where no recover reaches (a truncated file
// faults as soon as a page past its end is read), which would take this
// process down half way through a restore.
func verifyFile(ctx context.Context, path string) (*verified, error) {
	exe, err := self()
	if err != nil {
		return nil, fmt.Errorf("finding this program to check the file: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, "verify", "--json", path)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		// The check ran and found the file wanting: its message says how.
		return nil, errors.New(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(errb.String()), "tupu:")))
	case errors.As(err, &exit):
		// A fault where no recover reaches, or a signal.
		first, _, _ := strings.Cut(strings.TrimSpace(errb.String()), "\n")
		if len(first) > 200 {
			first = first[:200]
		}
		return nil, fmt.Errorf("the file is damaged: reading it crashed the checker (%v: %s)", exit, first)
	case err != nil:
		return nil, fmt.Errorf("running the checker: %w", err)
	}
	var r verified
	if err := json.Unmarshal(out.Bytes(), &r.VerifyReport); err != nil {
		return nil, fmt.Errorf("the checker answered %q: %w", out.String(), err)
	}
	return &r, nil
}

// verified is what verifyFile found.
type verified struct{ store.VerifyReport }

func (v *verified) String() string {
	return fmt.Sprintf("schema version %d, graph version %d, %d entities, %d changes of history, every page checked",
		v.Schema, v.GraphVersion, v.Entities, v.LastChange)
}

const verifyUsage = `tupu verify checks a database file: it opens FILE read-only, checks its
schema version and runs bbolt's consistency check over every page, and exits
non-zero, saying what is wrong, unless the file is sound. restore and backup
run it on every copy before they use it.

Usage:
  tupu verify FILE [--json]
`

// runVerify checks a database file.
func runVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("tupu verify", verifyUsage)
	asJSON := fs.Bool("json", false, "print what the file holds as JSON")
	file, err := parseWithFile(fs, args, stdout)
	if err != nil {
		return err
	}
	if file == "" {
		return usagef("verify: name one database file: tupu verify FILE")
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	r, err := store.Verify(file)
	if err != nil {
		return fmt.Errorf("verify %s: %w", file, err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	fmt.Fprintf(stdout, "%s: sound: %s\n", file, &verified{r})
	return nil
}

// backupFromCluster copies the graph in the cluster at loc into the empty
// file at path, as tupu migrate does, and returns the file's size.
func backupFromCluster(ctx context.Context, loc, path string) (int64, error) {
	src, err := store.Open(loc, store.Options{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer src.Close()
	dst, err := store.Open(path, store.Options{})
	if err != nil {
		return 0, err
	}
	if err := store.Copy(ctx, dst, src, store.CopyOptions{}); err != nil {
		dst.Close()
		return 0, err
	}
	if err := dst.Close(); err != nil {
		return 0, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
