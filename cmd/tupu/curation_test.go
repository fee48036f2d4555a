package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"tupu"
	"tupu/internal/syncbuf"
	"tupu/store"
)

// End-to-end tests of curation on the real binary: write tokens, writes
// that survive a SIGKILL, and backups taken while the server writes.

// curQuote is words of the seeded document yubei-2021, so setFact passes
// the check that a quote is in its document.
const curQuote = "渝北为云阳县提供就业岗位2300个"

const curSetFact = `mutation($in: SetFactInput!) { setFact(input: $in) { fact { property value } } }`

// curValue is the figure curQuote writes: every curFact states it.
const curValue = 2300

// curFact is the input of a setFact on 云阳县: its property tells the
// writes apart.
func curFact(property string) map[string]any {
	return map[string]any{"in": map[string]any{
		"entity": "yunyang-county", "property": property, "value": curValue, "unit": "个", "period": "2021",
		"source": map[string]any{"document": "yubei-2021", "quote": curQuote},
	}}
}

// curClient bounds every request, so no test waits on a dead server.
var curClient = &http.Client{Timeout: 10 * time.Second}

// curReply is a GraphQL answer with its HTTP status.
type curReply struct {
	status int
	header http.Header
	raw    []byte
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// code is the first error's code, or "".
func (r *curReply) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// ok reports an acknowledged request: HTTP 200 and no errors.
func (r *curReply) ok() bool {
	return r.status == http.StatusOK && len(r.Errors) == 0 && len(r.Data) > 0
}

// curPost posts a GraphQL request with an optional bearer token. It returns
// an error instead of failing the test, so goroutines may call it.
func curPost(url, secret, query string, vars map[string]any) (*curReply, error) {
	return curPostWith(curClient, url, secret, query, vars)
}

// curPostWith is curPost with client.
func curPostWith(client *http.Client, url, secret, query string, vars map[string]any) (*curReply, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, strings.TrimSuffix(url, "/")+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, err
	}
	r := &curReply{status: resp.StatusCode, header: resp.Header, raw: buf.Bytes()}
	if err := json.Unmarshal(r.raw, r); err != nil {
		return nil, fmt.Errorf("status %d, not JSON: %v: %s", r.status, err, r.raw)
	}
	return r, nil
}

// curMust posts and fails the test unless the request is acknowledged;
// it decodes the data into out when out is not nil.
func curMust(tb testing.TB, url, secret, query string, vars map[string]any, out any) {
	tb.Helper()
	r, err := curPost(url, secret, query, vars)
	if err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	if !r.ok() {
		tb.Fatalf("%s: status %d: %s", query, r.status, r.raw)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			tb.Fatalf("%s: %v", query, err)
		}
	}
}

// curCLI runs the built binary to completion within timeout and returns
// its stdout and stderr apart (start merges them).
func curCLI(tb testing.TB, timeout time.Duration, args ...string) (stdout, stderr string, took time.Duration, err error) {
	tb.Helper()
	bin, berr := buildBinary()
	if berr != nil {
		tb.Fatal(berr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	begin := time.Now()
	err = cmd.Run()
	took = time.Since(begin)
	if ctx.Err() != nil {
		err = fmt.Errorf("tupu %s did not finish within %s", strings.Join(args, " "), timeout)
	}
	return out.String(), errb.String(), took, err
}

// curMustCLI runs the binary and fails the test unless it succeeds.
func curMustCLI(tb testing.TB, args ...string) (stdout, stderr string) {
	tb.Helper()
	stdout, stderr, _, err := curCLI(tb, 30*time.Second, args...)
	if err != nil {
		tb.Fatalf("tupu %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout, stderr
}

var curSecret = regexp.MustCompile(`^tupu_[A-Za-z0-9_-]{20,}$`)

// curToken creates a token with the CLI and returns its secret.
func curToken(tb testing.TB, db, name, role string) string {
	tb.Helper()
	stdout, stderr := curMustCLI(tb, "token", "create", "--name", name, "--role", role, "--db", db)
	secret := strings.TrimSuffix(stdout, "\n")
	if strings.Contains(secret, "\n") || !curSecret.MatchString(secret) {
		tb.Fatalf("token create: stdout is not one line with one secret: %q (stderr %q)", stdout, stderr)
	}
	if strings.Contains(stderr, secret) {
		tb.Errorf("token create repeats the secret on stderr: %q", stderr)
	}
	return secret
}

// curServer is a running `tupu serve`.
type curServer struct {
	cmd    *exec.Cmd
	log    *syncbuf.Buffer
	exited <-chan error
	url    string // http://127.0.0.1:PORT/
}

func curServe(tb testing.TB, db string, flags ...string) *curServer {
	tb.Helper()
	cmd, log, exited := start(tb, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, flags...)...)
	return &curServer{cmd: cmd, log: log, exited: exited, url: waitForURL(tb, log.String, exited)}
}

// curWaitSearch waits until search answers: the server builds its index
// in the background after it starts.
func curWaitSearch(tb testing.TB, url string) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := curPost(url, "", `{ search(query: "渝北") { totalCount } }`, nil)
		if err == nil && r.ok() {
			return
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("status %d: %s", r.status, r.raw)
			}
			tb.Fatalf("search does not answer: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (s *curServer) stop(tb testing.TB) {
	tb.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		if err != nil {
			tb.Fatalf("exit after SIGTERM: %v\n%s", err, s.log.String())
		}
	case <-time.After(15 * time.Second):
		tb.Fatalf("no exit within 15s of SIGTERM:\n%s", s.log.String())
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *curServer) kill(tb testing.TB) {
	tb.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		tb.Fatalf("kill: %v", err)
	}
	select {
	case err := <-s.exited:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			tb.Errorf("the server did not die of SIGKILL: %v", err)
		}
	case <-time.After(10 * time.Second):
		tb.Fatal("the server outlived SIGKILL by 10s")
	}
}

// curView opens a database file read-only, runs bbolt's consistency check
// and then fn in a read transaction. The file must not be in use.
func curView(tb testing.TB, path string, fn func(tx *store.Tx) error) {
	tb.Helper()
	s, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		tb.Fatalf("bbolt consistency check of %s: %v", path, err)
	}
	if err := s.View(fn); err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
}

// curAllChanges reads the whole history, oldest first.
func curAllChanges(tx *store.Tx) ([]store.Change, error) {
	var all []store.Change
	var after uint64
	for {
		p, err := tx.Changes(after, 1000)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Changes...)
		if !p.HasNext || len(p.Changes) == 0 {
			return all, nil
		}
		after = p.Changes[len(p.Changes)-1].Seq
	}
}

// curFactsAgree checks history against data in one transaction: the last
// setFact recorded for each (entity, property, period) is the stored fact,
// every stored fact of 云阳县 has a recorded change, and the history index
// of 云阳县 counts what the history holds. It returns the stored facts of
// 云阳县 by property, and the last setFact change of each.
func curFactsAgree(tb testing.TB, tx *store.Tx) (map[string]tupu.Fact, map[string]store.Change) {
	tb.Helper()
	changes, err := curAllChanges(tx)
	if err != nil {
		tb.Fatal(err)
	}
	type factID struct{ entity, property, period string }
	last := map[factID]store.Change{}
	lastFact := map[factID]tupu.Fact{}
	yunyang := 0
	for _, c := range changes {
		if c.Entity == "yunyang-county" || c.Object == "yunyang-county" {
			yunyang++
		}
		var f tupu.Fact
		switch c.Op {
		case store.OpSetFact:
			if err := json.Unmarshal(c.After, &f); err != nil {
				tb.Fatalf("change %d: %v", c.Seq, err)
			}
		case store.OpRemoveFact:
			if err := json.Unmarshal(c.Before, &f); err != nil {
				tb.Fatalf("change %d: %v", c.Seq, err)
			}
		default:
			continue
		}
		id := factID{f.Entity, f.Property, f.Period}
		last[id], lastFact[id] = c, f
	}
	for id, c := range last {
		fs, err := tx.Facts(id.entity, id.property, id.period)
		if err != nil {
			tb.Fatal(err)
		}
		switch {
		case c.Op == store.OpRemoveFact && len(fs) != 0:
			tb.Errorf("change %d removed %v, but the fact is stored: %+v", c.Seq, id, fs)
		case c.Op == store.OpSetFact && len(fs) != 1:
			tb.Errorf("change %d set %v, but %d such facts are stored", c.Seq, id, len(fs))
		case c.Op == store.OpSetFact && !curSameFact(fs[0], lastFact[id]):
			tb.Errorf("change %d set %v to %+v, but the stored fact is %+v", c.Seq, id, lastFact[id], fs[0])
		}
	}
	stored, err := tx.Facts("yunyang-county", "", "")
	if err != nil {
		tb.Fatal(err)
	}
	byProperty := map[string]tupu.Fact{}
	setBy := map[string]store.Change{}
	for _, f := range stored {
		byProperty[f.Property] = f
		c, ok := last[factID{f.Entity, f.Property, f.Period}]
		if !ok {
			// Seeded facts are recorded too: a fact without a change is
			// data that history does not explain.
			tb.Errorf("stored fact %s/%s/%s has no recorded change", f.Entity, f.Property, f.Period)
			continue
		}
		setBy[f.Property] = c
	}
	if n := tx.CountHistory("yunyang-county"); n != yunyang {
		tb.Errorf("the history index holds %d changes of yunyang-county, the history %d", n, yunyang)
	}
	return byProperty, setBy
}

func curSameFact(a, b tupu.Fact) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// curRecorder keeps the mutations that were acknowledged, by number.
type curRecorder struct {
	mu    sync.Mutex
	acked map[int]bool
}

func (r *curRecorder) add(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.acked == nil {
		r.acked = map[int]bool{}
	}
	r.acked[n] = true
}

func (r *curRecorder) snapshot() map[int]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[int]bool, len(r.acked))
	for n := range r.acked {
		out[n] = true
	}
	return out
}

// TestBinary_tokens manages write tokens with the CLI and uses them on the
// real server: a created token writes, a revoked one is refused, an editor
// cannot delete, and the secret is never stored or printed again.
func TestBinary_tokens(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db := filepath.Join(t.TempDir(), "tupu.db")
	curMustCLI(t, "seed", "--db", db)
	secret := curToken(t, db, "alice", "editor")

	list, _ := curMustCLI(t, "token", "list", "--db", db)
	if !regexp.MustCompile(`(?m)^alice\s+editor\s+\d{4}-`).MatchString(list) {
		t.Errorf("token list does not show alice as an editor:\n%s", list)
	}
	if strings.Contains(list, secret) || strings.Contains(list, "tupu_") {
		t.Errorf("token list shows a secret:\n%s", list)
	}

	// The CLI needs the file's lock: the server starts after it.
	srv := curServe(t, db)
	var wrote struct {
		SetFact struct{ Fact struct{ Property string } }
	}
	curMust(t, srv.url, secret, curSetFact, curFact("token_check"), &wrote)
	if wrote.SetFact.Fact.Property != "token_check" {
		t.Errorf("setFact answered %+v", wrote)
	}
	const snapshot = `{ entity(key: "yunyang-county") { version facts { property value }
	  history(first: 100) { totalCount nodes { actor operation } } } }`
	var before struct {
		Entity struct {
			Version int
			Facts   []struct {
				Property string
				Value    float64
			}
			History struct {
				TotalCount int
				Nodes      []struct{ Actor, Operation string }
			}
		}
	}
	curMust(t, srv.url, "", snapshot, nil, &before)
	if h := before.Entity.History.Nodes; len(h) == 0 || h[0].Actor != "alice" || h[0].Operation != "setFact" {
		t.Errorf("the newest change of yunyang-county is not alice's setFact: %+v", h)
	}

	// With the server holding the lock, the CLI fails fast and says why.
	_, stderr, took, err := curCLI(t, 20*time.Second, "token", "create", "--name", "bob", "--role", "editor", "--db", db)
	if err == nil || !strings.Contains(stderr, "in use by another process") || took > 10*time.Second {
		t.Errorf("token create beside a running server: err %v after %s, stderr %q", err, took.Round(time.Millisecond), stderr)
	}

	// An editor may not delete.
	r, err := curPost(srv.url, secret, `mutation($in: DeleteEntityInput!) { deleteEntity(input: $in) { deletedId } }`,
		map[string]any{"in": map[string]any{"id": "yunyang-county", "expectedVersion": before.Entity.Version, "cascade": true}})
	if err != nil {
		t.Fatal(err)
	}
	if r.code() != "FORBIDDEN" {
		t.Errorf("an editor's deleteEntity: status %d, code %q: %s", r.status, r.code(), r.raw)
	}
	var after = before
	curMust(t, srv.url, "", snapshot, nil, &after)
	if mustJSON(t, after) != mustJSON(t, before) {
		t.Errorf("a refused deleteEntity changed the graph:\n%s\n%s", mustJSON(t, before), mustJSON(t, after))
	}
	srv.stop(t)

	_, stderr = curMustCLI(t, "token", "revoke", "--name", "alice", "--db", db)
	if !strings.Contains(stderr, "alice") {
		t.Errorf("token revoke says %q", stderr)
	}
	if list, _ := curMustCLI(t, "token", "list", "--db", db); strings.Contains(list, "alice") {
		t.Errorf("alice is listed after revoking:\n%s", list)
	}

	srv2 := curServe(t, db)
	for _, q := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"setFact", curSetFact, curFact("token_check")},
		{"read", `{ districts { totalCount } }`, nil},
	} {
		r, err := curPost(srv2.url, secret, q.query, q.vars)
		if err != nil {
			t.Fatal(err)
		}
		if r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
			t.Errorf("%s with a revoked token: status %d, code %q: %s", q.name, r.status, r.code(), r.raw)
		}
	}
	after = before
	curMust(t, srv2.url, "", snapshot, nil, &after)
	if mustJSON(t, after) != mustJSON(t, before) {
		t.Errorf("the graph changed after revoking:\n%s\n%s", mustJSON(t, before), mustJSON(t, after))
	}
	srv2.stop(t)

	// Only a hash is kept: neither the secret nor its random part is in
	// the file, nor in what the server logged.
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	random := strings.TrimPrefix(secret, "tupu_")
	if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte(random)) {
		t.Error("the token's secret is in the database file")
	}
	for _, log := range []string{srv.log.String(), srv2.log.String()} {
		if strings.Contains(log, random) {
			t.Errorf("the server logged the token's secret:\n%s", log)
		}
	}
}

// TestBinary_crashDuringWrites is the acceptance test for durable writes:
// eight clients write facts while the server is killed with SIGKILL in the
// middle of the burst, three times over on the same file. After each kill
// the file passes bbolt's consistency check, every write the server
// acknowledged is stored, and each has its change in the history.
func TestBinary_crashDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it three times")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db := filepath.Join(t.TempDir(), "tupu.db")
	curMustCLI(t, "seed", "--db", db)
	secret := curToken(t, db, "crash", "editor")

	const workers, rounds = 8, 3
	var rec curRecorder
	var next atomic.Int64 // numbers the facts, across rounds
	for round := 1; round <= rounds; round++ {
		srv := curServe(t, db)
		killAt := 80 + rand.IntN(60) // acknowledgements before the kill
		var acks, failed, cut atomic.Int64
		enough := make(chan struct{})
		var enoughOnce sync.Once
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					n := int(next.Add(1))
					r, err := curPost(srv.url, secret, curSetFact, curFact(fmt.Sprintf("burst_%d", n)))
					if err != nil || !r.ok() {
						// Refused or cut off by the kill: not acknowledged.
						failed.Add(1)
						if err != nil && !errors.Is(err, syscall.ECONNREFUSED) {
							cut.Add(1) // in flight when the server died
						}
						if err == nil {
							t.Errorf("round %d: fact %d refused while the server was up: %s", round, n, r.raw)
						}
						time.Sleep(5 * time.Millisecond)
						continue
					}
					rec.add(n)
					if acks.Add(1) >= int64(killAt) {
						enoughOnce.Do(func() { close(enough) })
					}
				}
			}()
		}
		select {
		case <-enough:
		case <-ctx.Done():
			close(stop)
			wg.Wait()
			t.Fatalf("round %d: only %d writes acknowledged before the deadline", round, acks.Load())
		}
		// The workers are still posting: the kill lands mid-request.
		srv.kill(t)
		time.Sleep(100 * time.Millisecond) // requests go on failing against the dead server
		close(stop)
		wg.Wait()
		t.Logf("round %d: killed after %d acknowledged writes; %d acknowledged in all; %d failed in this round, %d of them cut off in flight",
			round, acks.Load(), len(rec.snapshot()), failed.Load(), cut.Load())
		if failed.Load() == 0 {
			t.Errorf("round %d: no request failed: the kill did not land during the burst", round)
		}

		acked := rec.snapshot()
		curView(t, db, func(tx *store.Tx) error {
			facts, changes := curFactsAgree(t, tx)
			missing := 0
			for n := range acked {
				p := fmt.Sprintf("burst_%d", n)
				f, ok := facts[p]
				if !ok {
					missing++
					if missing <= 5 {
						t.Errorf("round %d: acknowledged fact %s is not stored", round, p)
					}
					continue
				}
				if f.Value == nil || *f.Value != curValue || f.Unit != "个" || f.Period != "2021" {
					t.Errorf("round %d: fact %s is stored as %+v", round, p, f)
				}
				if c := changes[p]; c.Actor != "crash" || c.Op != store.OpSetFact {
					t.Errorf("round %d: fact %s has no setFact change by crash: %+v", round, p, c)
				}
			}
			if missing > 0 {
				t.Errorf("round %d: %d of %d acknowledged facts are lost", round, missing, len(acked))
			}
			stored := 0
			for p := range facts {
				if strings.HasPrefix(p, "burst_") {
					stored++
				}
			}
			t.Logf("round %d: %d burst facts stored (committed but unacknowledged ones included)", round, stored)
			return nil
		})
		if t.Failed() {
			return
		}
	}

	// The server starts on the file the kills left and serves every fact.
	srv := curServe(t, db)
	var got struct {
		Entity struct{ Facts []struct{ Property string } }
	}
	curMust(t, srv.url, "", `{ entity(key: "yunyang-county") { facts { property } } }`, nil, &got)
	served := map[string]bool{}
	for _, f := range got.Entity.Facts {
		served[f.Property] = true
	}
	for n := range rec.snapshot() {
		if !served[fmt.Sprintf("burst_%d", n)] {
			t.Errorf("acknowledged fact burst_%d is not served after the restarts", n)
		}
	}
	srv.stop(t)
}

// TestBinary_backupWhileWriting takes a backup from a server that goes on
// writing, checks the copy, and restores it the way docs/curation.md says:
// stop the server, put the copy where --db points, start it again.
func TestBinary_backupWhileWriting(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "tupu.db")
	curMustCLI(t, "seed", "--db", db)
	admin := curToken(t, db, "root", "admin")
	editor := curToken(t, db, "ed", "editor")
	var seeded int
	curView(t, db, func(tx *store.Tx) error { seeded = tx.CountEntities(""); return nil })
	if seeded == 0 {
		t.Fatal("the seeded database has no entities")
	}

	srv := curServe(t, db)
	curMust(t, srv.url, editor, curSetFact, curFact("before_backup"), nil)

	var rec curRecorder
	var acks atomic.Int64
	stop := make(chan struct{})
	writerDone := make(chan struct{})
	writeErr := make(chan error, 1)
	go func() {
		defer close(writerDone)
		for n := 1; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			r, err := curPost(srv.url, editor, curSetFact, curFact(fmt.Sprintf("during_%d", n)))
			if err == nil && !r.ok() {
				err = fmt.Errorf("status %d: %s", r.status, r.raw)
			}
			if err != nil {
				writeErr <- fmt.Errorf("write %d: %w", n, err)
				return
			}
			rec.add(n)
			acks.Add(1)
		}
	}()
	for acks.Load() < 20 {
		select {
		case err := <-writeErr:
			t.Fatal(err)
		case <-time.After(10 * time.Millisecond):
		}
	}

	backup := filepath.Join(dir, "backup.db")
	base := strings.TrimSuffix(srv.url, "/")
	ackedBefore := rec.snapshot()
	_, stderr, took, err := curCLI(t, 30*time.Second, "backup", backup, "--url", base, "--token", admin)
	if err != nil {
		t.Fatalf("backup from the running server: %v\n%s", err, stderr)
	}
	during := acks.Load() - int64(len(ackedBefore))
	t.Logf("backup took %s; %d writes acknowledged by then, %d more since it started", took.Round(time.Millisecond), len(ackedBefore), during)
	if !strings.Contains(stderr, "wrote "+backup) {
		t.Errorf("backup says %q", stderr)
	}

	// An editor may not take a backup, and a refused one leaves no file.
	refused := filepath.Join(dir, "refused.db")
	_, stderr, _, err = curCLI(t, 30*time.Second, "backup", refused, "--url", base, "--token", editor)
	if err == nil || !strings.Contains(stderr, "FORBIDDEN") || !strings.Contains(stderr, "403") {
		t.Errorf("backup with an editor's token: err %v, stderr %q", err, stderr)
	}
	// A running server's file cannot be copied directly: fail fast, say why.
	_, stderr, took, err = curCLI(t, 20*time.Second, "backup", refused, "--db", db)
	if err == nil || !strings.Contains(stderr, "in use by another process") || took > 10*time.Second {
		t.Errorf("backup --db beside a running server: err %v after %s, stderr %q", err, took.Round(time.Millisecond), stderr)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".tupu-backup-*")); len(leftovers) > 0 {
		t.Errorf("failed backups left temporary files: %v", leftovers)
	}
	if _, err := os.Stat(refused); !os.IsNotExist(err) {
		t.Errorf("a refused backup wrote %s: %v", refused, err)
	}

	// Let the writer go on a little past the backup, then stop it all.
	target := acks.Load() + 10
	for acks.Load() < target {
		select {
		case err := <-writeErr:
			t.Fatal(err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	close(stop)
	<-writerDone
	select {
	case err := <-writeErr:
		t.Fatal(err)
	default:
	}
	srv.stop(t)
	ackedAll := rec.snapshot()

	// The copy is a sound database holding the seed, every write
	// acknowledged before the backup began, and history that agrees with
	// the data.
	var inBackup map[string]tupu.Fact
	curView(t, backup, func(tx *store.Tx) error {
		if n := tx.CountEntities(""); n < seeded {
			t.Errorf("the backup holds %d entities, the seed %d", n, seeded)
		}
		inBackup, _ = curFactsAgree(t, tx)
		return nil
	})
	if f, ok := inBackup["before_backup"]; !ok || f.Value == nil || *f.Value != curValue {
		t.Errorf("the backup lacks the fact written before it: %+v", f)
	}
	for n := range ackedBefore {
		if _, ok := inBackup[fmt.Sprintf("during_%d", n)]; !ok {
			t.Errorf("during_%d was acknowledged before the backup began but is not in it", n)
		}
	}

	// From a stopped server, --db copies the file, with every write.
	cold := filepath.Join(dir, "cold.db")
	curMustCLI(t, "backup", cold, "--db", db)
	curView(t, cold, func(tx *store.Tx) error {
		facts, _ := curFactsAgree(t, tx)
		for n := range ackedAll {
			if _, ok := facts[fmt.Sprintf("during_%d", n)]; !ok {
				t.Errorf("the backup of the stopped server lacks during_%d", n)
			}
		}
		return nil
	})

	// Restore: with the server stopped, the copy replaces the file (and
	// the search index, which saw later writes, goes).
	curMustCLI(t, "restore", backup, "--db", db)
	srv = curServe(t, db)
	var got struct {
		Districts struct{ TotalCount int }
		Entity    struct {
			Facts []struct {
				Property string
				Value    float64
			}
		}
	}
	curMust(t, srv.url, "", `{ districts { totalCount } entity(key: "yunyang-county") { facts { property value } } }`, nil, &got)
	if got.Districts.TotalCount == 0 {
		t.Error("the restored server serves no districts")
	}
	served := map[string]float64{}
	for _, f := range got.Entity.Facts {
		served[f.Property] = f.Value
	}
	if served["before_backup"] != curValue {
		t.Errorf("the restored server does not serve the fact written before the backup: %v", got.Entity.Facts)
	}
	for p := range served {
		if _, ok := inBackup[p]; !ok && strings.HasPrefix(p, "during_") {
			t.Errorf("the restored server serves %s, which the backup does not hold: not restored from it", p)
		}
	}
	// The tokens come back with the data.
	curMust(t, srv.url, editor, curSetFact, curFact("after_restore"), nil)
	srv.stop(t)
}

// TestBinary_backupSlowClient takes a backup over a link too slow to carry
// it within the server's write timeout (set to 2 s here), which bounds
// answers, not backups.
func TestBinary_backupSlowClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "tupu.db")
	curMustCLI(t, "generate", "--db", db, "--entities", "5000", "--quiet")
	admin := curToken(t, db, "root", "admin")
	// A copy of the stopped server's file tells how big the backup is.
	sized := filepath.Join(dir, "sized.db")
	curMustCLI(t, "backup", sized, "--db", db)
	info, err := os.Stat(sized)
	if err != nil {
		t.Fatal(err)
	}
	srv := curServe(t, db, "--write-timeout", "2s")

	// Read the copy at a pace that takes about 6s: longer than the
	// server's write timeout, and far more than the socket buffers hold.
	const took = 6 * time.Second
	rate := info.Size() / int64(took/time.Second) // bytes per second
	req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(srv.url, "/")+"/admin/backup", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	client := &http.Client{Timeout: 2 * took}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %s", resp.Status)
	}
	copyPath := filepath.Join(dir, "slow.db")
	f, err := os.Create(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	begin := time.Now()
	var n int64
	buf := make([]byte, 32<<10)
	for {
		m, rerr := resp.Body.Read(buf)
		f.Write(buf[:m])
		n += int64(m)
		if rerr != nil {
			if !errors.Is(rerr, io.EOF) {
				t.Fatalf("the backup broke off after %s and %d bytes: %v", time.Since(begin).Round(time.Second), n, rerr)
			}
			break
		}
		if want := time.Duration(n * int64(time.Second) / rate); time.Since(begin) < want {
			time.Sleep(want - time.Since(begin))
		}
	}
	f.Close()
	t.Logf("read %d bytes in %s", n, time.Since(begin).Round(time.Second))
	srv.stop(t)
	curView(t, copyPath, func(tx *store.Tx) error {
		if tx.CountEntities("") < 5000 {
			t.Errorf("the slow backup holds %d entities", tx.CountEntities(""))
		}
		return nil
	})
}
