// Command tupu serves the knowledge graph over GraphQL from an embedded
// bbolt file, seeding an empty file with the curated data set.
//
//	tupu [serve] [--addr 127.0.0.1:8080] [--db ./data/tupu.db]
//	tupu seed [--db ./data/tupu.db]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"tupu"
	"tupu/clientaddr"
	"tupu/explorer"
	"tupu/graph"
	"tupu/httpapi"
	"tupu/indexer"
	"tupu/observe"
	"tupu/playground"
	"tupu/seed"
	"tupu/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tupu:", err)
		var usage *usageError
		if errors.As(err, &usage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = `tupu serves a source-grounded knowledge graph over GraphQL.

Usage:
  tupu [serve] [flags]                    start the service (the default command)
  tupu seed [flags]                       apply the built-in data set to the database
  tupu token create|list|revoke ...       manage tokens, on a running server (--url) or a stopped one (--db)
  tupu backup FILE (--url URL | --db PATH | --store URL) [--force]   write a checked copy of the database
  tupu restore FILE (--db PATH | --store URL [--force])   put a backup in place (servers stopped)
  tupu verify FILE                        check a database file, every page
  tupu export [--format json|jsonld|ntriples] (--url URL | --db PATH) [--out FILE]   write the whole graph
  tupu import FILE [--db PATH]            read a JSON export into a new database
  tupu check [--db PATH]                  list stored statements that no longer pass the rules
  tupu generate --db PATH --entities N    build a synthetic graph, for load tests
  tupu migrate --from PATH|URL --to URL|PATH   copy a graph between a file and an etcd cluster
  tupu help [COMMAND]                     this help, or a command's
  tupu --version                          the version and the revision it was built from

Only serve, seed, import, generate and restore create a database; the other
commands refuse a path where there is none. Every command but verify takes
--store etcd://host:2379/prefix (TUPU_STORE) instead of --db:
the graph in an etcd cluster (docs/cluster.md); migrate moves a graph
there and back. Run 'tupu COMMAND --help' for a command's flags.
`

// serviceUsage is the help of serve and seed, followed by their flags.
var serviceUsage = map[string]string{
	"tupu serve": `tupu serve starts the service: GraphQL at /graphql, the playground at /,
the explorer at /explore, /healthz, /readyz and /metrics. An empty or new
database is seeded with the built-in data set first.

Usage:
  tupu [serve] [flags]

Settings come from the defaults, a --config YAML file, the environment
variables in brackets, and these flags, each overriding the one before.
`,
	"tupu seed": `tupu seed applies the built-in data set (or --data DIR) to the database:
what changed in it since it was last applied, except where curators changed
the same statements. It creates the database if there is none.

Usage:
  tupu seed [--dry-run] [--force] [--data DIR] [--db PATH]
`,
}

func envOr(getenv func(string) string, name, fallback string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return fallback
}

// command is a subcommand with flags of its own.
type command func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// commands are the subcommands besides serve and seed, which share the
// service's settings.
var commands = map[string]command{
	"generate": runGenerate,
	"token":    runToken,
	"backup":   runBackup,
	"restore":  runRestore,
	"verify":   runVerify,
	"export":   runExport,
	"import":   runImport,
	"check":    runCheck,
	"migrate":  runMigrate,
}

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, getenv, stdout, stderr)
	if errors.Is(err, errHelped) {
		return nil
	}
	return err
}

// dispatch runs the command args name.
func dispatch(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 && isHelpFlag(args[0]) {
		// tupu --help: the commands, then the default one's flags.
		fmt.Fprint(stdout, usage+"\n")
	}
	if c, ok := commands[cmd]; ok {
		return c(ctx, args, getenv, stdout, stderr)
	}
	switch {
	case cmd == "help":
		return help(ctx, args, getenv, stdout, stderr)
	case cmd == "version" || cmd == "serve" && len(args) == 1 && (args[0] == "--version" || args[0] == "-version"):
		fmt.Fprintln(stdout, observe.Build())
		return nil
	case cmd != "serve" && cmd != "seed":
		return usagef("there is no command %q (see tupu help)", cmd)
	}
	var seeding seedFlags
	var more []func(*flag.FlagSet)
	if cmd == "seed" {
		more = append(more, seeding.define)
	}
	c, err := loadConfig("tupu "+cmd, args, getenv, stdout, more...)
	if err != nil {
		return err
	}
	log := c.logger(stderr)
	// Whatever a library writes with the standard log package goes through
	// the same structured, escaped logger.
	slog.SetDefault(log)
	if cmd == "seed" {
		return runSeed(c, seeding, stdout)
	}
	tuneGC(getenv)
	// Tracing is on when the standard OTEL_ variables configure an
	// exporter; a bad value stops the start rather than going unnoticed.
	stopTracing, tracing, err := observe.StartTracing(ctx, getenv)
	if err != nil {
		return fmt.Errorf("tracing: %w", err)
	}
	if tracing {
		log.Info("exporting traces over OTLP/HTTP")
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stopTracing(ctx); err != nil {
			log.Warn("flushing traces", "error", err)
		}
	}()
	return serve(ctx, c, log, tracing)
}

// seedFlags are the flags of tupu seed besides the service's settings.
type seedFlags struct {
	dryRun, force bool
	data          string
}

func (f *seedFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.dryRun, "dry-run", false, "seed: print what seeding would do, and write nothing")
	fs.BoolVar(&f.force, "force", false, "seed: where curators changed what the data set changes, take the data set's side (recorded in history as \"seed --force\")")
	fs.StringVar(&f.data, "data", "", "seed: a directory of seed files (KEY.yaml and KEY.txt) to seed from instead of the built-in data set")
}

// runSeed applies the data set to the database: what changed in it since
// it was last applied, except where curators changed the same statements
// (see store.Sync). It prints a summary and every conflict; with
// --dry-run, everything it would do.
func runSeed(c *config, f seedFlags, stdout io.Writer) error {
	fsys := seed.Data()
	if f.data != "" {
		fsys = os.DirFS(f.data)
	}
	d, err := seed.Load(fsys)
	if err != nil {
		return err
	}
	loc, err := c.location()
	if err != nil {
		return err
	}
	s, err := store.Open(loc, store.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.Sync(d, store.SyncOptions{Force: f.force, DryRun: f.dryRun})
	if err != nil {
		return err
	}
	verb := "seeded"
	if f.dryRun {
		verb = "would seed"
	}
	fmt.Fprintf(stdout, "%s %s from %s: %d added, %d updated, %d removed, %d unchanged; %d left as curators changed them, %d conflicts, %d kept\n",
		verb, s.Path(), seed.Describe(d), res.Added, res.Updated, res.Removed, res.Unchanged,
		res.Count(store.SyncLeave), res.Count(store.SyncConflict)+res.Count(store.SyncForce), res.Count(store.SyncKeep))
	if res.Adopted > 0 {
		fmt.Fprintf(stdout, "this database was seeded before seeding kept a record: the history says it wrote %d statements, now on record\n", res.Adopted)
	}
	for _, a := range res.Actions {
		if f.dryRun || a.Op == store.SyncConflict || a.Op == store.SyncForce || a.Op == store.SyncKeep {
			fmt.Fprintln(stdout, a)
		}
	}
	if n := res.Count(store.SyncConflict); n > 0 {
		fmt.Fprintf(stdout, "%d conflicts left as curators have them; tupu seed --force takes the data set's side\n", n)
	}
	return nil
}

// seedIfEmpty loads the built-in data set into a database with no entities.
func seedIfEmpty(s *store.Store, log *slog.Logger) error {
	empty := false
	err := s.View(func(tx *store.Tx) error { empty = tx.CountEntities("") == 0; return nil })
	if store.IsLoading(err) {
		// Another server is seeding the cluster: serve what it writes.
		log.Info("waiting while another process loads the graph into the cluster")
		return s.WaitLoaded()
	}
	if err != nil {
		return err
	}
	if !empty {
		return nil
	}
	d, err := seed.Load(seed.Data())
	if err != nil {
		return err
	}
	if _, err := s.Sync(d, store.SyncOptions{}); err != nil {
		return err
	}
	log.Info("seeded an empty database", "data", seed.Describe(d))
	return nil
}

func serve(ctx context.Context, c *config, log *slog.Logger, tracing bool) error {
	// Listen first: an address that is taken or cannot be had is found
	// before any file is created or seeded. Connections wait in the
	// listen queue until the server serves.
	trusted, err := c.trustedProxies()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return tupu.Errorf(tupu.Unavailable, "listen on %s: %v", c.Addr, err)
	}
	ln = httpapi.LimitConnections(ln, c.MaxConnections, trusted)
	defer ln.Close()
	if c.DebugAddr != "" {
		stop, err := serveProfiler(c.DebugAddr, log)
		if err != nil {
			return err
		}
		defer stop()
	}

	metrics := observe.NewMetrics()
	loc, err := c.location()
	if err != nil {
		return err
	}
	storeOpts := store.Options{ObserveTx: metrics.ObserveStoreTx}
	if store.IsClusterURL(loc) {
		// The mirror beside the server's other files, reused at every
		// start: a server killed leaves none behind in a temporary
		// directory.
		if storeOpts.MirrorDir, err = clusterMirrorDir(c.DB, loc); err != nil {
			return err
		}
	}
	s, err := store.Open(loc, storeOpts)
	if err != nil {
		return err
	}
	defer s.Close()
	if !s.IsFile() {
		// Said in the cluster for as long as the server runs, so that a
		// restore that would replace the graph under it refuses.
		host, _ := os.Hostname()
		if err := s.Announce(fmt.Sprintf("http://%s/ on %s (pid %d)", ln.Addr(), host, os.Getpid())); err != nil {
			log.Warn("could not record this server in the cluster: tupu restore --force will not know it runs", "error", err)
		}
	}
	if err := seedIfEmpty(s, log); err != nil {
		return err
	}
	defer checkRulesInBackground(s, log)()
	x, err := indexer.Start(c.searchDir(s), s, log)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	defer x.Close()
	followCtx, stopFollowing := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() { x.Follow(followCtx); close(followed) }()
	defer func() { stopFollowing(); <-followed }()

	metrics.ObserveSearchIndex(func() observe.SearchIndexState {
		st := x.State()
		state := observe.SearchIndexState{Ready: st.Ready, Progress: st.Progress(), Documents: -1}
		if docs, err := x.Documents(); err == nil {
			state.Documents = int64(docs)
		}
		if v := s.Version(); v > st.Applied {
			state.Lag = v - st.Applied
		}
		return state
	})
	// The operations metrics label by name: the site's own (the trusted
	// documents are added by the GraphQL handler); any other is "other".
	metrics.KnowOperations(graph.ExampleQuery)
	metrics.KnowOperations(slices.Collect(maps.Values(explorer.TrustedDocuments()))...)

	opts, err := c.graphOptions(log)
	if err != nil {
		return err
	}
	opts.Metrics = metrics
	opts.Tracing = tracing
	opts.Search = x
	gql, err := httpapi.New(s, opts)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", gql)
	mux.Handle("/schema.graphql", gql.Schema())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /readyz", observe.Ready(
		observe.Check{Name: "store", Probe: func(context.Context) (bool, string) {
			if _, err := s.GraphVersion(); err != nil {
				return false, "unavailable"
			}
			return true, "ready"
		}},
		// Reads are served while the index is built; searches answer
		// UNAVAILABLE until it is.
		observe.Check{Name: "search", Optional: true, Probe: func(context.Context) (bool, string) {
			st := x.State()
			return st.Ready, st.String()
		}},
	))
	mux.Handle("GET /metrics", metrics.Handler())
	mux.Handle("GET /admin/backup", httpapi.BackupHandler(s))
	playground.Mount(mux, "/graphql", graph.ExampleQuery)
	explorer.Mount(mux)

	srv := &http.Server{
		// Where each request comes from is decided once, first; the
		// traces, the access log and every per-client bound read it.
		Handler:           clientaddr.Handler(trusted, observe.TraceHTTP(metrics.Middleware(log, httpapi.LimitForwarded(c.MaxConnections, mux)))),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// A client still sending a request the server has answered early (413,
	// 415, 431) gets the answer instead of a reset.
	ln = httpapi.Linger(srv, ln, httpapi.LingerBounds{})
	log.Info("serving", "url", "http://"+ln.Addr().String()+"/", "db", s.Path())
	if !trusted.Empty() {
		log.Info("taking the client's address from X-Forwarded-For when the peer is a trusted proxy", "trusted_proxies", trusted.String())
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if s.IsFile() {
		dropPreRestore(c.DB, log)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// dropPreRestore removes the database a restore replaced, once a server
// serves the restored one: until then it is the way back.
func dropPreRestore(db string, log *slog.Logger) {
	kept := db + preRestoreSuffix
	switch err := os.Remove(kept); {
	case err == nil:
		log.Info("serving the restored database: removed the one it replaced", "file", kept)
	case !errors.Is(err, os.ErrNotExist):
		log.Warn("removing the database a restore replaced", "file", kept, "error", err)
	}
}

// tuneGC sets the garbage collector of the service (not of the bulk
// commands, which hold much more at once) for a live heap that is
// small next to what each request allocates: by default Go collects every
// time the heap doubles, which here is every few requests. Collecting when
// it grows fivefold, with a soft memory limit as the backstop, spends far
// less CPU on collection. The limit, 256 MiB, keeps the process's own
// memory under 300 MB on a graph of a million entities, at about a fifth
// more CPU per request there than 384 MiB (measured with tupubench; on
// smaller graphs the heap stays under it). GOGC and GOMEMLIMIT, when set,
// win.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(256 << 20)
	}
}

// serveProfiler serves Go's profiler on its own listener, so that it is
// never reachable through the public address.
func serveProfiler(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, tupu.Errorf(tupu.Unavailable, "listen on %s: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Info("profiler listening", "addr", ln.Addr().String(), "path", "/debug/pprof/")
	go srv.Serve(ln)
	return func() { srv.Close() }, nil
}
