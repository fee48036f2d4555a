// Command tupubench measures tupu against a ceiling: a server that returns
// tupu's own answers from memory, the least any server could do for the
// same requests over the same net/http stack.
//
//	go run ./cmd/tupubench [--entities 100000] [--workloads W1,W2,W3,W6] [--out bench.md]
//	go run ./cmd/tupubench --baseline ./tupu-before --workloads W1
//	go run ./cmd/tupubench --etcd 3 --entities 10000 --workloads W1,W2
//
// With --baseline, another build of tupu (the one before a change) is
// measured in the same alternating windows, on the same data (a graph it
// generates itself from the same --seed, or the seed): before and after
// in one run, so the machine's noise hits both. With
// --etcd N, tupu is measured as well over an etcd cluster of N members
// that the harness runs inside itself, holding a copy of the graph
// (tupu migrate), served with tupu serve --store; it must answer every
// request byte for byte as tupu over the file did.
//
// It builds tupu, creates a fresh database (the built-in seed, or a
// generated graph of --entities entities), starts `tupu serve` on
// 127.0.0.1, and for each workload records tupu's exact answers, starts
// the ceiling server (this program again, with a hidden flag) holding
// them, and drives both with the same load generator in alternating
// windows, so machine noise hits both. It prints one table: QPS, latency,
// the server's CPU per request (from /proc/PID/stat), its RSS, and tupu's
// QPS as a share of the ceiling's. W6 adds a table of its own: each
// refusal's size and latency as a lone client sees it, and whether they
// meet the goal (refused within 10 ms, answers under 8 KB).
//
// Workloads:
//
//	W1  the playground's nested example query, repeated
//	W2  nested queries over many districts, parks and companies with page
//	    sizes up to a frontend's (100); no two answers' data alike
//	W3  searches: whole names, prefixes, words inside names, Chinese and English
//	W4  neighbourhoods and paths (skipped when the schema lacks them)
//	W5  W2's reads with 1% writes (setFact; needs --token when writes need one)
//	W6  refusals: the fan-out queries of docs/cost.md (six levels of first: 100;
//	    entities → relations → relations), each of which must be refused with
//	    COMPLEXITY_LIMIT before it runs; a query answered, a refusal of 8 KB or
//	    more, or a p99 over 10 ms is reported as a missed goal
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"tupu/graph"
	"tupu/internal/etcdtest"
)

type config struct {
	concurrency  int
	window       time.Duration
	windows      int
	warmup       time.Duration
	entities     int
	seed         uint64
	workloads    []string
	out          string
	tupuBin      string
	baselineBin  string
	etcd         int // members of the etcd cluster to measure tupu over too; 0: none
	requests     int
	token        string
	keep         bool
	startTimeout time.Duration
}

func main() {
	// The hidden ceiling mode: the harness re-executes itself.
	if len(os.Args) == 3 && os.Args[1] == "--ceiling-serve" {
		if err := runCeiling(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "ceiling:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	killChildren()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tupubench:", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("tupubench", flag.ContinueOnError)
	c := &config{}
	var workloads string
	fs.IntVar(&c.concurrency, "concurrency", 32, "concurrent client workers")
	fs.DurationVar(&c.window, "window", 3*time.Second, "length of one measured window")
	fs.IntVar(&c.windows, "windows", 3, "windows per server and workload, alternating tupu and ceiling")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "unmeasured load on each server before its first window")
	fs.IntVar(&c.entities, "entities", 0, "generate a graph of about this many entities (0: the built-in seed)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the generated graph and of the workloads' choices")
	fs.StringVar(&workloads, "workloads", "W1,W2,W3,W4,W5,W6", "workloads to run, comma-separated")
	fs.StringVar(&c.out, "out", "", "also write the table as Markdown to this file")
	fs.StringVar(&c.tupuBin, "tupu", "", "use this tupu binary instead of building ./cmd/tupu")
	fs.StringVar(&c.baselineBin, "baseline", "", "also measure this tupu binary (an earlier build, say), on the same data (a graph it generates from the same --seed), in the same alternating windows: before and after a change in one run")
	fs.IntVar(&c.etcd, "etcd", 0, "also measure tupu over an etcd cluster of this many members (run inside the harness), holding a copy of the graph")
	fs.IntVar(&c.requests, "requests", 300, "distinct requests per workload (W2–W5)")
	fs.StringVar(&c.token, "token", os.Getenv("TUPU_BENCH_TOKEN"), "bearer token for W5's writes [TUPU_BENCH_TOKEN]")
	fs.DurationVar(&c.startTimeout, "start-timeout", 15*time.Minute, "how long tupu may take to start listening (it may build a search index first)")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary directory (database, logs, ceiling files)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	switch {
	case c.concurrency < 1 || c.concurrency > 1024:
		return nil, fmt.Errorf("--concurrency must be 1 to 1024")
	case c.window < 100*time.Millisecond || c.window > 5*time.Minute:
		return nil, fmt.Errorf("--window must be 100ms to 5m")
	case c.windows < 1 || c.windows > 50:
		return nil, fmt.Errorf("--windows must be 1 to 50")
	case c.warmup < 0 || c.warmup > time.Minute:
		return nil, fmt.Errorf("--warmup must be 0 to 1m")
	case c.entities < 0 || c.entities > 50_000_000:
		return nil, fmt.Errorf("--entities must be 0 to 50,000,000")
	case c.startTimeout < time.Second || c.startTimeout > time.Hour:
		return nil, fmt.Errorf("--start-timeout must be 1s to 1h")
	case c.etcd < 0 || c.etcd > 7:
		return nil, fmt.Errorf("--etcd must be 0 to 7 members")
	case c.requests < 1 || c.requests > 100_000:
		return nil, fmt.Errorf("--requests must be 1 to 100,000")
	}
	for _, w := range strings.Split(workloads, ",") {
		w = strings.ToUpper(strings.TrimSpace(w))
		switch w {
		case "W1", "W2", "W3", "W4", "W5", "W6":
			c.workloads = append(c.workloads, w)
		case "":
		default:
			return nil, fmt.Errorf("unknown workload %q (W1 to W6)", w)
		}
	}
	return c, nil
}

// harness holds what the workloads share.
type harness struct {
	cfg    *config
	dir    string
	client *http.Client
	tupu   *server
	// baseline is another build of tupu measured beside it (--baseline);
	// nil when none.
	baseline *server
	// cluster is tupu over an etcd cluster (--etcd); nil when none.
	cluster *server
	header  http.Header // sent with every request to a server without a token of its own (see server.header)
	out     io.Writer
}

// row is one line of the table.
type row struct {
	workload, server string
	requests         int
	meanBytes        int
	s                summary
	ratio            float64
}

func run(ctx context.Context, args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "tupubench-")
	if err != nil {
		return err
	}
	if cfg.keep {
		fmt.Fprintln(os.Stderr, "keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	h := &harness{cfg: cfg, dir: dir, client: newClient(cfg.concurrency), header: http.Header{}, out: os.Stdout}
	if cfg.token != "" {
		h.header.Set("Authorization", "Bearer "+cfg.token)
	}

	// Build tupu.
	bin := cfg.tupuBin
	goVersion := runtime.Version()
	if v, err := exec.Command("go", "version").Output(); err == nil {
		goVersion = strings.TrimSpace(strings.TrimPrefix(string(v), "go version "))
	}
	if bin == "" {
		bin = filepath.Join(dir, "tupu")
		status("building tupu")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/tupu")
		cmd.Dir, err = moduleRoot()
		if err != nil {
			return err
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/tupu: %v\n%s", err, out)
		}
	}

	// A fresh database.
	db := filepath.Join(dir, "bench.db")
	dataset := "the built-in seed"
	genNote := ""
	if cfg.entities > 0 {
		status(fmt.Sprintf("generating %d entities", cfg.entities))
		note, err := generate(ctx, bin, db, cfg)
		if err != nil {
			return err
		}
		genNote = note
		dataset = fmt.Sprintf("a generated graph of %d entities (seed %d)", cfg.entities, cfg.seed)
	}

	// W5 writes: with no --token, each server gets a token of its own,
	// made in its database before it starts (the cluster's comes with the
	// copy of tupu's database).
	var notes []string // printed under the table
	ownTokens := cfg.token == "" && slices.Contains(cfg.workloads, "W5")
	tupuHeader, baselineHeader := h.header, h.header
	if ownTokens {
		tupuHeader = h.ownToken(ctx, bin, db, &notes)
	}

	// The baseline's database: a graph its own build generates from the
	// same seed, as a build from before a change of the storage schema
	// cannot open a copy of tupu's (a fresh one is seeded by each server
	// alike). Its answers are compared with tupu's all the same: a
	// generator that changed between the builds shows as differing
	// answers in the table.
	baselineDB := filepath.Join(dir, "baseline.db")
	if cfg.baselineBin != "" && cfg.entities > 0 {
		status(fmt.Sprintf("generating %d entities with the baseline's build", cfg.entities))
		if _, err := generate(ctx, cfg.baselineBin, baselineDB, cfg); err != nil {
			return fmt.Errorf("the baseline: %w", err)
		}
	}
	if cfg.baselineBin != "" && ownTokens {
		baselineHeader = h.ownToken(ctx, cfg.baselineBin, baselineDB, &notes)
	}

	// The cluster's graph: a copy of tupu's database, made before tupu
	// opens it (a fresh cluster is seeded by its server, as a fresh file).
	var clusterURL string
	if cfg.etcd > 0 {
		status(fmt.Sprintf("starting %d etcd members", cfg.etcd))
		c, err := etcdtest.New(cfg.etcd, filepath.Join(dir, "etcd"), etcdtest.Options{})
		if err != nil {
			return err
		}
		defer c.Close()
		clusterURL = c.URL("bench", "")
		if _, err := os.Stat(db); err == nil {
			status("copying the graph into the cluster")
			if out, err := exec.CommandContext(ctx, bin, "migrate", "--from", db, "--to", clusterURL, "--quiet").CombinedOutput(); err != nil {
				return fmt.Errorf("tupu migrate: %v\n%s", err, out)
			}
		}
	}

	logFile, err := os.Create(filepath.Join(dir, "tupu.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	status("starting tupu serve")
	startAt := time.Now()
	h.tupu, err = startServer(ctx, "tupu", cfg.startTimeout, logFile, bin, "serve", "--addr", "127.0.0.1:0", "--db", db)
	if err != nil {
		return err
	}
	defer h.tupu.stop(10 * time.Second)
	h.tupu.header = tupuHeader
	if err := waitHealthy(ctx, h.client, h.tupu.url); err != nil {
		return err
	}
	startup := time.Since(startAt)
	if cfg.baselineBin != "" {
		if h.baseline, err = startBaseline(ctx, cfg, dir, baselineDB); err != nil {
			return err
		}
		defer h.baseline.stop(10 * time.Second)
		h.baseline.header = baselineHeader
		if err := waitHealthy(ctx, h.client, h.baseline.url); err != nil {
			return err
		}
	}
	if clusterURL != "" {
		status("starting tupu serve --store")
		// --db only places its search index.
		h.cluster, err = startServer(ctx, "tupu etcd", cfg.startTimeout, logFile, bin, "serve", "--addr", "127.0.0.1:0",
			"--store", clusterURL, "--db", filepath.Join(dir, "cluster-server", "tupu.db"))
		if err != nil {
			return err
		}
		defer h.cluster.stop(10 * time.Second)
		h.cluster.header = h.tupu.header // its graph, tokens included, is a copy of tupu's
		if err := waitHealthy(ctx, h.client, h.cluster.url); err != nil {
			return err
		}
	}
	var dbSize int64
	if fi, err := os.Stat(db); err == nil {
		dbSize = fi.Size()
	}

	si, err := h.introspect(ctx)
	if err != nil {
		return err
	}
	keys, err := h.readKeys(ctx)
	if err != nil {
		return err
	}

	header := []string{
		fmt.Sprintf("tupubench %s", time.Now().UTC().Format("2006-01-02 15:04 MST")),
		fmt.Sprintf("machine: %d CPUs (%s), %s; %s", runtime.NumCPU(), cpuModel(), goVersion, memTotal()),
		fmt.Sprintf("data: %s, database %.1f MB, tupu healthy %s after start; %d districts, %d parks, %d companies read for workloads", dataset, float64(dbSize)/(1<<20), startup.Round(100*time.Millisecond), len(keys.districts), len(keys.parks), len(keys.companies)),
		fmt.Sprintf("load: %d workers, keep-alive, %d windows of %s per server, alternating tupu/ceiling, %s warm-up; client and servers share the machine", cfg.concurrency, cfg.windows, cfg.window, cfg.warmup),
	}
	if genNote != "" {
		header = append(header, "generate: "+genNote)
	}
	if h.tupu.header.Get("Authorization") != "" {
		// Over a cluster a request with a token costs more than one
		// without (it catches up with the cluster first).
		header = append(header, "auth: every request of every workload carries a bearer token (--token, or an editor's made for W5's writes)")
	}
	for _, l := range header {
		fmt.Println(l)
	}

	var rows []row
	var refusals []refusal
	// A service may build its search index in the background after it
	// starts: wait for it, so that no workload measures the build too.
	searchErr := ""
	if _, ok := si.queryFields["search"]; ok {
		status("waiting for search to answer")
		if waited, err := h.waitForSearch(ctx, cfg.startTimeout-time.Since(startAt)); err != nil {
			searchErr = err.Error()
		} else if waited > time.Second {
			n := fmt.Sprintf("search answered %s after tupu started serving (the index is built in the background); the workloads ran after that", (startup + waited).Round(time.Second))
			notes = append(notes, n)
			fmt.Println(n)
		}
	}
	rnd := rand.New(rand.NewPCG(cfg.seed, 0xbe4c))
	budget := 60 * time.Second // for recording one workload's answers
	for _, w := range cfg.workloads {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var reqs []request
		var skip string
		switch w {
		case "W1":
			q := graph.ExampleQuery
			var failed int
			var firstErr string
			reqs, failed, firstErr, err = h.record(ctx, [][]byte{gqlBody(q, nil)}, 1, budget, true, "")
			if err == nil && failed == 0 && strings.Contains(string(reqs[0].want), `"entity":null`) {
				// A generated graph has no 渝北区: ask for its first district.
				d := keys.districts[0]
				q = strings.Replace(q, `"渝北区"`, strconv.Quote(d.Name), 1)
				reqs, failed, firstErr, err = h.record(ctx, [][]byte{gqlBody(q, nil)}, 1, budget, true, "")
				notes = append(notes, fmt.Sprintf("W1: the graph has no 渝北区; the example query asks for %s (%s) instead", d.Name, d.Key))
			}
			if failed > 0 {
				skip = "W1: the example query failed: " + firstErr
			}
		case "W2":
			reqs, err = h.recordNoted(ctx, w, w2Candidates(keys, cfg.requests, rnd), cfg.requests, budget, &notes)
		case "W3":
			if _, ok := si.queryFields["search"]; !ok {
				skip = "W3 skipped: the schema has no search field"
				break
			}
			if searchErr != "" {
				skip = "W3 skipped: " + searchErr
				break
			}
			reqs, err = h.recordNoted(ctx, w, w3Candidates(keys, cfg.requests, rnd), cfg.requests, budget, &notes)
		case "W4":
			cands, n := w4Candidates(keys, si, cfg.requests, rnd)
			notes = append(notes, n...)
			if len(cands) == 0 {
				skip = "W4 skipped: the schema has neither neighborhood nor paths"
				break
			}
			reqs, err = h.recordNoted(ctx, w, cands, cfg.requests, budget, &notes)
		case "W5":
			reqs, skip, err = h.w5(ctx, si, keys, rnd, budget, &notes)
		case "W6":
			var rs []refusal
			reqs, rs, err = h.w6(ctx, budget, &notes)
			refusals = append(refusals, rs...)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", w, err)
		}
		if skip != "" {
			notes = append(notes, skip)
			fmt.Println(skip)
			continue
		}
		if len(reqs) == 0 {
			notes = append(notes, w+" skipped: no request got the answer it expects")
			continue
		}
		rs, err := h.measure(ctx, w, reqs)
		if err != nil {
			return fmt.Errorf("%s: %w", w, err)
		}
		rows = append(rows, rs...)
	}

	table := renderTable(rows)
	if len(refusals) > 0 {
		table += "\n" + renderRefusals(refusals)
	}
	fmt.Println()
	fmt.Print(table)
	for _, n := range notes {
		fmt.Println("- " + n)
	}
	if cfg.out != "" {
		var b strings.Builder
		b.WriteString("# tupubench\n\n")
		for _, l := range header {
			fmt.Fprintf(&b, "- %s\n", l)
		}
		b.WriteString("\n" + table + "\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
		if err := os.WriteFile(cfg.out, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// recordNoted records a workload's answers and notes what it kept.
// waitForSearch waits until a search answers without errors (a service
// may build its search index in the background) and returns how long.
func (h *harness) waitForSearch(ctx context.Context, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	body := gqlBody(`{ search(query: "a", first: 1) { totalCount } }`, nil)
	for {
		status, b, err := post(ctx, h.client, h.tupu.url, body, h.tupu.header)
		if err != nil {
			return 0, err
		}
		if status == http.StatusOK && !hasErrors(b) {
			return time.Since(start), nil
		}
		if time.Since(start) > timeout {
			return 0, fmt.Errorf("search still fails after %s: %s", timeout.Round(time.Second), truncate(string(b), 200))
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func (h *harness) recordNoted(ctx context.Context, w string, cands [][]byte, n int, budget time.Duration, notes *[]string) ([]request, error) {
	start := time.Now()
	reqs, failed, firstErr, err := h.record(ctx, cands, n, budget, true, "")
	if err != nil {
		return nil, err
	}
	note := fmt.Sprintf("%s: %d distinct requests with distinct answers (recorded in %s)", w, len(reqs), time.Since(start).Round(100*time.Millisecond))
	if failed > 0 {
		note += fmt.Sprintf("; %d candidates dropped for errors, first: %s", failed, firstErr)
	}
	*notes = append(*notes, note)
	fmt.Println(note)
	return reqs, nil
}

// w5 builds W2's reads with one write in a hundred.
func (h *harness) w5(ctx context.Context, si *schemaInfo, keys *graphKeys, rnd *rand.Rand, budget time.Duration, notes *[]string) ([]request, string, error) {
	if len(si.mutations) == 0 {
		return nil, "W5 skipped: the schema has no mutations", nil
	}
	if !si.mutations["setFact"] {
		return nil, "W5 skipped: the schema has no setFact mutation", nil
	}
	reads, err := h.recordNoted(ctx, "W5 reads", w2Candidates(keys, h.cfg.requests, rnd), h.cfg.requests, budget, notes)
	if err != nil || len(reads) == 0 {
		return nil, "W5 skipped: no reads", err
	}
	nWrites := max(1, len(reads)/99)
	bodies, err := h.w5Writes(ctx, keys, nWrites, rnd)
	if err != nil {
		return nil, "", err
	}
	writes, failed, firstErr, err := h.record(ctx, bodies, len(bodies), budget, false, "")
	if err != nil {
		return nil, "", err
	}
	if len(writes) == 0 {
		msg := "W5 skipped: the writes failed"
		if failed > 0 {
			msg += " (" + firstErr + ")"
		}
		if h.tupu.header.Get("Authorization") == "" {
			msg += "; pass --token (or TUPU_BENCH_TOKEN) if writes need one"
		}
		return nil, msg, nil
	}
	// One write after every 99 reads; a short list of reads is repeated
	// so that every cycle holds at least one write.
	var mixed []request
	wi := 0
	cycle := (len(reads) + 98) / 99 * 99
	for i := range cycle {
		mixed = append(mixed, reads[i%len(reads)])
		if i%99 == 98 {
			w := writes[wi%len(writes)]
			w.write = true
			mixed = append(mixed, w)
			wi++
		}
	}
	*notes = append(*notes, fmt.Sprintf("W5: %d reads and %d writes (setFact on companies, a property no read selects) per cycle of %d requests", cycle, wi, len(mixed)))
	return mixed, "", nil
}

// measure starts the ceiling for reqs and alternates windows on both.
func (h *harness) measure(ctx context.Context, w string, reqs []request) ([]row, error) {
	f := ceilingFile{Responses: map[string][]byte{}}
	for _, r := range reqs {
		f.Responses[string(r.body)] = r.want
	}
	b, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(h.dir, "ceiling-"+w+".json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ceiling, err := startServer(ctx, "ceiling", time.Minute, nil, self, "--ceiling-serve", path)
	if err != nil {
		return nil, err
	}
	defer ceiling.stop(5 * time.Second)
	// The ceiling must give back what tupu gave.
	for _, r := range reqs[:min(len(reqs), 5)] {
		_, got, err := post(ctx, h.client, ceiling.url, r.body, nil)
		if err != nil || string(got) != string(r.want) {
			return nil, fmt.Errorf("the ceiling does not answer as recorded: %v", err)
		}
	}

	servers := []*server{h.tupu, ceiling}
	names := []string{"tupu", "ceiling"}
	if h.baseline != nil {
		servers = []*server{h.tupu, h.baseline, ceiling}
		names = []string{"tupu", "baseline", "ceiling"}
	}
	if h.cluster != nil {
		// It must answer as tupu over the file did, byte for byte.
		for _, r := range reqs {
			if r.write {
				continue
			}
			_, got, err := post(ctx, h.client, h.cluster.url, r.body, h.cluster.header)
			if err != nil || string(got) != string(r.want) {
				return nil, fmt.Errorf("tupu over etcd answers %s otherwise than over the file (%v):\n%s\nwant:\n%s", r.body, err, truncate(string(got), 600), truncate(string(r.want), 600))
			}
		}
		servers = append(servers[:len(servers)-1], h.cluster, ceiling)
		names = append(names[:len(names)-1], fmt.Sprintf("tupu etcd×%d", h.cfg.etcd), "ceiling")
	}
	results := make([][]window, len(servers))
	for i, s := range servers {
		if h.cfg.warmup > 0 {
			status(fmt.Sprintf("%s: warming up %s", w, names[i]))
			drive(ctx, h.client, s.url, s.pid(), reqs, s.header, h.cfg.concurrency, h.cfg.warmup)
		}
	}
	for k := range h.cfg.windows {
		for i, s := range servers {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			win := drive(ctx, h.client, s.url, s.pid(), reqs, s.header, h.cfg.concurrency, h.cfg.window)
			status(fmt.Sprintf("%s window %d/%d %-7s %8.0f req/s, %s CPU/req", w, k+1, h.cfg.windows, names[i],
				float64(win.requests)/win.elapsed.Seconds(), fmtDur(win.serverCPU/time.Duration(max(win.requests, 1)))))
			results[i] = append(results[i], win)
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	total := 0
	for _, r := range reqs {
		total += len(r.want)
	}
	mean := total / len(reqs)
	c := summarize(results[len(results)-1])
	var rows []row
	for i, name := range names {
		s := summarize(results[i])
		ratio := 0.0
		if c.qps > 0 {
			ratio = s.qps / c.qps
		}
		rows = append(rows, row{workload: w, server: name, requests: len(reqs), meanBytes: mean, s: s, ratio: ratio})
	}
	return rows, nil
}

func renderTable(rows []row) string {
	var b strings.Builder
	b.WriteString("| workload | server | distinct requests | answer bytes (mean) | QPS | p50 | p99 | server CPU/req | client CPU/req | RSS (anonymous) | QPS vs ceiling | per-window QPS | errors |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n")
	for _, r := range rows {
		var ws []string
		for _, q := range r.s.windowQPS {
			ws = append(ws, fmt.Sprintf("%.0f", q))
		}
		errs := fmt.Sprint(r.s.errors)
		if r.s.mismatches > 0 {
			errs += fmt.Sprintf(" (+%d differing answers)", r.s.mismatches)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %.0f | %s | %s | %s | %s | %.0f MB (%.0f MB) | %.1f%% | %s | %s |\n",
			r.workload, r.server, r.requests, r.meanBytes, r.s.qps, fmtDur(r.s.p50), fmtDur(r.s.p99),
			fmtDur(r.s.cpuPerReq), fmtDur(r.s.clientPerReq), float64(r.s.rss)/(1<<20), float64(r.s.anon)/(1<<20), 100*r.ratio,
			strings.Join(ws, " / "), errs)
	}
	return b.String()
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
	}
}

func status(s string) { fmt.Fprintln(os.Stderr, "·", s) }

func waitHealthy(ctx context.Context, client *http.Client, url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/healthz", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("tupu at %s is not healthy after 30s", url)
}

// moduleRoot returns the directory of the go.mod in use.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run tupubench inside the tupu module (go run ./cmd/tupubench)")
	}
	return filepath.Dir(mod), nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return fmt.Sprintf("%.1f GB RAM", float64(kb)/(1<<20))
		}
	}
	return ""
}

// startBaseline starts the --baseline build of tupu on db, its copy of
// tupu's database, with a log of its own.
func startBaseline(ctx context.Context, cfg *config, dir, db string) (*server, error) {
	logFile, err := os.Create(filepath.Join(dir, "baseline.log"))
	if err != nil {
		return nil, err
	}
	status("starting the baseline's tupu serve")
	return startServer(ctx, "baseline", cfg.startTimeout, logFile, cfg.baselineBin, "serve", "--addr", "127.0.0.1:0", "--db", db)
}

// ownToken makes an editor's token in the database db with the tupu
// binary bin (seeding db first when there is none yet: the built-in
// seed's server would seed it when it starts) and returns the header that
// carries it; when it cannot (a build without tokens), the harness's own
// header, and a note that says why.
func (h *harness) ownToken(ctx context.Context, bin, db string, notes *[]string) http.Header {
	fail := func(err error) http.Header {
		n := fmt.Sprintf("W5: no token of its own for %s: %v", bin, err)
		*notes = append(*notes, n)
		fmt.Println(n)
		return h.header
	}
	if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
		if out, err := exec.CommandContext(ctx, bin, "seed", "--db", db).CombinedOutput(); err != nil {
			return fail(fmt.Errorf("seed: %v: %s", err, truncate(string(out), 300)))
		}
	}
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, bin, "token", "create", "--name", "tupubench", "--role", "editor", "--db", db)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	secret := strings.TrimSpace(string(out))
	if err != nil || secret == "" {
		return fail(fmt.Errorf("token create: %v: %s", err, truncate(stderr.String(), 300)))
	}
	header := h.header.Clone()
	header.Set("Authorization", "Bearer "+secret)
	return header
}

// generate has the tupu binary bin generate the graph of --entities and
// --seed into db, and returns what it printed.
func generate(ctx context.Context, bin, db string, cfg *config) (string, error) {
	cmd := exec.Command(bin, "generate", "--db", db, "--entities", fmt.Sprint(cfg.entities), "--seed", fmt.Sprint(cfg.seed), "--quiet")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := startChild(cmd); err != nil {
		return "", err
	}
	err := cmd.Wait()
	unregister(cmd)
	if err != nil {
		return "", fmt.Errorf("%s generate: %v\n%s", bin, err, out.String())
	}
	return strings.TrimSpace(out.String()), ctx.Err()
}
