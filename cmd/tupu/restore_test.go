package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tupu/graph"
	"tupu/indexer"
	"tupu/internal/etcdtest"
	"tupu/search"
	"tupu/store"
)

// restoreFingerprint is what must not change when a restore is refused:
// every file in the database's directory (the database, its search index,
// anything else) with the SHA-256 of its content.
func restoreFingerprint(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel] = fmt.Sprintf("%x", h.Sum(nil))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// restoreDamaged returns copies of a sound backup damaged the ways a copy
// gets damaged: cut short (at half, in the middle of a page, by its last
// page) and with pages zeroed (a leaf, a branch, the root of the entities
// bucket).
func restoreDamaged(t *testing.T, backup string, used int64) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := map[string]string{}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		out[name] = p
		return p
	}
	write("truncated-half", raw[:used/2/faultsPageSize*faultsPageSize])
	write("truncated-mid-page", raw[:used/2+123])
	write("truncated-last-page", raw[:used-faultsPageSize])
	for _, typ := range []string{"leaf", "branch"} {
		p := write("zeroed-"+typ, raw)
		id, ok := faultsPageNear(t, p, typ)
		if !ok {
			t.Fatalf("no %s page in the backup", typ)
		}
		faultsZeroPage(t, p, id)
	}
	p := write("zeroed-entities-root", raw)
	id, _ := faultsBucketRoot(t, p, "entities")
	if id == 0 {
		t.Fatal("the entities bucket is inline")
	}
	faultsZeroPage(t, p, id)
	return out
}

// TestRestore_refusesDamagedCopies: restore and backup check every page
// of a copy in a process of their own before they use it. A damaged copy
// is refused with a non-zero exit, and the good database, its search index
// and everything beside them are left exactly as they were.
func TestRestore_refusesDamagedCopies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db, used := faultsSeeded(t, true)
	dir := filepath.Dir(db)
	backup := filepath.Join(t.TempDir(), "good.bak")
	_, stderr := curMustCLI(t, "backup", backup, "--db", db)
	if !strings.Contains(stderr, "every page checked") {
		t.Errorf("backup does not say it checked the copy: %s", stderr)
	}
	before := restoreFingerprint(t, dir)
	if _, ok := before["tupu.db.search/index_meta.json"]; !ok {
		t.Fatalf("no search index beside the database: %v", slices.Sorted(func(yield func(string) bool) {
			for k := range before {
				if !yield(k) {
					return
				}
			}
		}))
	}

	for name, damaged := range restoreDamaged(t, backup, used) {
		t.Run(name, func(t *testing.T) {
			// Through the program's run function and through the binary.
			_, stderr, err := expRun(t, "restore", damaged, "--db", db)
			if err == nil {
				t.Fatalf("restore accepted a damaged copy: %s", stderr)
			}
			t.Logf("refused: %v", err)
			if !strings.Contains(err.Error(), "not a sound backup") || !strings.Contains(err.Error(), "left as it was") {
				t.Errorf("the refusal does not say what happened: %v", err)
			}
			if _, _, _, err := curCLI(t, time.Minute, "restore", damaged, "--db", db); err == nil {
				t.Errorf("the binary's restore exited 0 on a damaged copy")
			}
			if _, _, _, err := curCLI(t, time.Minute, "verify", damaged); err == nil {
				t.Errorf("verify exited 0 on a damaged copy")
			}
			if after := restoreFingerprint(t, dir); !maps.Equal(after, before) {
				t.Errorf("a refused restore changed the database's directory:\nbefore %v\nafter  %v", before, after)
			}
			// A backup of a damaged database is refused too, and writes nothing.
			out := filepath.Join(t.TempDir(), "copy.bak")
			if _, _, err := expRun(t, "backup", out, "--db", damaged); err == nil {
				t.Errorf("backup of a damaged database succeeded")
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a refused backup left %s: %v", out, err)
			}
		})
	}
}

// TestRestore_replacesAfterChecking restores a sound backup: the database
// it replaced stays beside it until a server has started on the restored
// one, and the search index is built for the restored database, so search
// answers at once.
func TestRestore_replacesAfterChecking(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db, _ := faultsSeeded(t, true)
	backup := filepath.Join(t.TempDir(), "good.bak")
	curMustCLI(t, "backup", backup, "--db", db)
	editor := curToken(t, db, "alice", "editor")
	srv := curServe(t, db)
	curWaitSearch(t, srv.url)
	curMust(t, srv.url, editor, `mutation($in: CreateEntityInput!) { createEntity(input: $in) { entity { key } } }`,
		map[string]any{"in": map[string]any{"key": "after-the-backup", "kind": "COMPANY", "name": "备份之后",
			"note": "A test entity the article does not name.", "source": map[string]any{"document": "yubei-2021", "quote": curQuote}}}, nil)
	srv.stop(t)
	replaced := restoreFingerprint(t, filepath.Dir(db))["tupu.db"]

	_, stderr := curMustCLI(t, "restore", backup, "--db", db)
	if !strings.Contains(stderr, "every page checked") || !strings.Contains(stderr, "search index is built") || !strings.Contains(stderr, db+".pre-restore") {
		t.Errorf("restore said: %s", stderr)
	}
	if got := restoreFingerprint(t, filepath.Dir(db))["tupu.db.pre-restore"]; got != replaced {
		t.Errorf("the replaced database is not kept beside the restored one")
	}
	// The index reflects the restored database: current at once, no rebuild.
	s, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	x, err := indexer.Start(db+".search", s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	res, err := x.Search(search.Query{Text: "备份之后", Limit: 5})
	if err != nil {
		t.Errorf("the restored search index is not current: %v", err)
	} else if res.Total != 0 {
		t.Errorf("the restored search index finds what was written after the backup")
	}
	x.Close()
	s.Close()

	srv = curServe(t, db)
	var got struct{ Entity *struct{ Key string } }
	curMust(t, srv.url, "", `{ entity(key: "after-the-backup") { key } }`, nil, &got)
	if got.Entity != nil {
		t.Errorf("the restored database holds what was written after the backup")
	}
	if r, err := curPost(srv.url, "", `{ search(query: "渝北") { totalCount } }`, nil); err != nil || !r.ok() {
		t.Errorf("search right after the start: %v %s", err, r.raw)
	}
	srv.stop(t)
	if _, err := os.Stat(db + ".pre-restore"); !os.IsNotExist(err) {
		t.Errorf("the replaced database is still there after a server served the restored one: %v", err)
	}
}

// TestRestore_startsANewHistory is the scenario of a client that follows
// the history: it saves its cursor at change N, the operator restores a
// backup taken at N-2, and two writes follow. Asking for the changes after
// its cursor, the client learns that its history is gone (HISTORY_RESET),
// instead of silently missing the two new changes; the restore itself is
// in the new history, by the actor restore; an entityChanged subscription
// given the old cursor is refused the same way, and one given a new
// cursor resumes after it.
func TestRestore_startsANewHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db := filepath.Join(t.TempDir(), "tupu.db")
	curMustCLI(t, "seed", "--db", db)
	editor := curToken(t, db, "alice", "editor")
	admin := curToken(t, db, "root", "admin")
	srv := curServe(t, db)
	write := func(url, property string) {
		t.Helper()
		curMust(t, url, editor, curSetFact, curFact(property), nil)
	}
	write(srv.url, "before_backup")
	backup := filepath.Join(t.TempDir(), "at-n-2.bak")
	curMustCLI(t, "backup", backup, "--url", strings.TrimSuffix(srv.url, "/"), "--token", admin)
	write(srv.url, "undone_one")
	write(srv.url, "undone_two")
	saved, n := restoreLastCursor(t, srv.url)
	srv.stop(t)

	curMustCLI(t, "restore", backup, "--db", db)
	srv = curServe(t, db)
	write(srv.url, "after_restore_one")
	write(srv.url, "after_restore_two")

	r, err := curPost(srv.url, "", `query($after: String) { changes(after: $after) { nodes { sequence } } }`, map[string]any{"after": saved})
	if err != nil || r.code() != "HISTORY_RESET" {
		t.Fatalf("changes after the cursor saved at %d, before the restore: %v %s", n, err, r.raw)
	}
	// Read afresh: the restore is in the history, after the backup's last
	// change, and the two new writes after it.
	var all struct {
		Changes struct {
			Nodes []struct {
				Sequence          int
				Actor, Operation  string
				After             *string
				Cursor, EntityKey string
			}
		}
	}
	curMust(t, srv.url, "", `{ changes(first: 100, since: "2000-01-01T00:00:00Z") { nodes { sequence actor operation after cursor } } }`, nil, &all)
	nodes := all.Changes.Nodes
	for len(nodes) == 100 {
		var more struct {
			Changes struct {
				Nodes []struct {
					Sequence          int
					Actor, Operation  string
					After             *string
					Cursor, EntityKey string
				}
			}
		}
		curMust(t, srv.url, "", `query($after: String) { changes(first: 100, after: $after) { nodes { sequence actor operation after cursor } } }`,
			map[string]any{"after": nodes[len(nodes)-1].Cursor}, &more)
		all.Changes.Nodes = append(all.Changes.Nodes, more.Changes.Nodes...)
		nodes = more.Changes.Nodes
	}
	nodes = all.Changes.Nodes
	if len(nodes) < 3 {
		t.Fatalf("history after the restore: %+v", nodes)
	}
	tail := nodes[len(nodes)-3:]
	if tail[0].Operation != "restore" || tail[0].Actor != "restore" || tail[0].Sequence != n-1 || tail[1].Sequence != n || tail[2].Sequence != n+1 ||
		tail[1].Actor != "alice" || tail[2].Actor != "alice" {
		t.Errorf("the end of the history: %+v", tail)
	} else if !strings.Contains(*tail[0].After, fmt.Sprintf(`"replacedSequence":%d`, n)) {
		t.Errorf("the restore does not say which history it replaced: %s", *tail[0].After)
	}
	// A new cursor works, and subscriptions follow the same rule.
	r, err = curPost(srv.url, "", `query($after: String) { changes(after: $after) { nodes { sequence } } }`, map[string]any{"after": tail[0].Cursor})
	if err != nil || !r.ok() || !strings.Contains(string(r.Data), fmt.Sprintf(`"sequence":%d`, n+1)) {
		t.Errorf("changes after the restore's cursor: %v %s", err, r.raw)
	}
	events, code := restoreSubscribe(t, srv.url, saved, 0)
	if code != "HISTORY_RESET" || len(events) > 0 {
		t.Errorf("entityChanged(after: the old cursor): code %q, events %v", code, events)
	}
	events, code = restoreSubscribe(t, srv.url, tail[0].Cursor, 2)
	if code != "" || !slices.Equal(events, []int{n, n + 1}) {
		t.Errorf("entityChanged(after: the restore's cursor): code %q, events %v, want [%d %d]", code, events, n, n+1)
	}
	srv.stop(t)
}

// restoreLastCursor pages through every change and returns the cursor of
// the last one and its sequence number.
func restoreLastCursor(t *testing.T, url string) (string, int) {
	t.Helper()
	var after any
	cursor, seq := "", 0
	for {
		var page struct {
			Changes struct {
				PageInfo struct{ HasNextPage bool }
				Edges    []struct {
					Cursor string
					Node   struct{ Sequence int }
				}
			}
		}
		curMust(t, url, "", `query($after: String) { changes(first: 100, after: $after) { pageInfo { hasNextPage } edges { cursor node { sequence } } } }`,
			map[string]any{"after": after}, &page)
		for _, e := range page.Changes.Edges {
			cursor, seq = e.Cursor, e.Node.Sequence
		}
		if !page.Changes.PageInfo.HasNextPage {
			return cursor, seq
		}
		after = cursor
	}
}

// restoreSubscribe subscribes to entityChanged over server-sent events
// after cursor, reads want events (their sequence numbers) and returns
// them, or the first error's code.
func restoreSubscribe(t *testing.T, url, cursor string, want int) ([]int, string) {
	t.Helper()
	if _, err := base64.RawURLEncoding.DecodeString(cursor); err != nil {
		t.Fatalf("not a cursor: %q", cursor)
	}
	return sseEvents(t, url, `subscription($after: String) { entityChanged(after: $after) { sequence } }`, map[string]any{"after": cursor}, want)
}

// sseEvents runs a subscription over server-sent events and reads its
// events until want of them carried data, an event carried an error, or
// the stream ended; it returns the sequence numbers of the changes and
// the first error's code.
func sseEvents(t *testing.T, url, query string, vars map[string]any, want int) ([]int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var seqs []int
	sc := bufio.NewScanner(resp.Body)
	for (want == 0 || len(seqs) < want) && sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev struct {
			Data struct {
				EntityChanged struct{ Sequence int }
			}
			Errors []struct {
				Extensions struct{ Code string }
			}
		}
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatalf("event %q: %v", data, err)
		}
		if len(ev.Errors) > 0 {
			return seqs, ev.Errors[0].Extensions.Code
		}
		seqs = append(seqs, ev.Data.EntityChanged.Sequence)
	}
	if ctx.Err() != nil {
		t.Errorf("the subscription gave %d of %d events within the deadline", len(seqs), want)
	}
	return seqs, ""
}

// TestRestore_intoCluster restores a backup of a file into an etcd
// cluster (tupu restore FILE --store URL): the graph exported from the
// cluster is the backup's (N-Triples byte for byte; in JSON too, but for
// the history, which goes on in a new epoch with the restore recorded);
// a second restore into the prefix, which now holds a graph, is refused
// with a message that says what to do, exit status 1 and the graph left
// as it was; with --force, servers stopped, it replaces the graph and the
// tokens there; and a server started over the prefix serves the restored
// graph as a server over the backup does.
func TestRestore_intoCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	c := oneMember(t, etcdtest.Options{NoFsync: true})
	dir := t.TempDir()
	file, backup, url := filepath.Join(dir, "a.db"), filepath.Join(dir, "a.bak"), c.URL("restored", "")
	curMustCLI(t, "seed", "--db", file)
	curMustCLI(t, "backup", backup, "--db", file)
	wantNT, _ := curMustCLI(t, "export", "--format", "ntriples", "--db", backup)
	wantJSON, _ := curMustCLI(t, "export", "--db", backup)

	_, stderr := curMustCLI(t, "restore", backup, "--store", url)
	if !strings.Contains(stderr, "every page checked") || !strings.Contains(stderr, "new epoch") {
		t.Errorf("restore said: %s", stderr)
	}
	restoreSameGraph(t, url, wantNT, wantJSON)
	restored, _ := curMustCLI(t, "export", "--store", url)

	// Again, into the prefix that now holds the graph: refused.
	_, stderr, _, err := curCLI(t, time.Minute, "restore", backup, "--store", url)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("a restore into a prefix that holds a graph: %v, want exit status 1", err)
	}
	if !strings.Contains(stderr, "is not empty") || !strings.Contains(stderr, "--force") || !strings.Contains(stderr, "stop every server") {
		t.Errorf("a restore into a prefix that holds a graph said: %s", stderr)
	}
	if got, _ := curMustCLI(t, "export", "--store", url); got != restored {
		t.Error("a refused restore changed the graph in the cluster")
	}
	// Both --db and --store: a usage error.
	if _, _, _, err := curCLI(t, time.Minute, "restore", backup, "--store", url, "--db", file); !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Errorf("restore with --db and --store: %v, want exit status 2", err)
	}

	// A server over the prefix serves the restored graph, as one over the
	// backup does; a write and a token later, with the server stopped,
	// --force puts the backup back whole.
	srv := curServe(t, filepath.Join(t.TempDir(), "tupu.db"), "--store", url)
	fromFile := clusterServerFile(t, backup)
	want, err := curPost(fromFile, "", graph.ExampleQuery, nil)
	if err != nil || !want.ok() {
		t.Fatalf("the backup's server: %v %s", err, want.raw)
	}
	if got, err := curPost(srv.url, "", graph.ExampleQuery, nil); err != nil || string(got.raw) != string(want.raw) {
		t.Errorf("the server over the restored cluster answers the example query otherwise than over the backup (%v):\n%s\nwant:\n%s", err, got.raw, want.raw)
	}
	secret := curTokenAt(t, "editor", "--store", url)
	v, _ := entityNote(t, srv.url, "yunyang-county")
	curMust(t, srv.url, secret, clusterUpdate, map[string]any{"in": map[string]any{"id": "yunyang-county", "expectedVersion": v, "note": "after the restore"}}, nil)
	// While the server runs, --force is refused, naming it.
	_, stderr, _, err = curCLI(t, time.Minute, "restore", backup, "--store", url, "--force")
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr, "a server runs over") || !strings.Contains(stderr, srv.url) {
		t.Errorf("a restore with --force while a server runs over the prefix: %v: %s", err, stderr)
	}
	if _, note := entityNote(t, srv.url, "yunyang-county"); note != "after the restore" {
		t.Error("a refused restore changed the graph in the cluster")
	}
	srv.stop(t)
	_, stderr = curMustCLI(t, "restore", backup, "--store", url, "--force")
	if !strings.Contains(stderr, "etcdctl get --rev=") {
		t.Errorf("a restore with --force does not say where the graph it replaced is: %s", stderr)
	}
	restoreSameGraph(t, url, wantNT, wantJSON)
	if tokens, _ := curMustCLI(t, "token", "list", "--store", url); strings.Contains(tokens, "cluster-editor") {
		t.Errorf("the token made after the backup is still there:\n%s", tokens)
	}
	srv = curServe(t, filepath.Join(t.TempDir(), "tupu.db"), "--store", url)
	if _, note := entityNote(t, srv.url, "yunyang-county"); note == "after the restore" {
		t.Error("the server over the cluster serves the write made before the restore")
	}
	curWaitSearch(t, srv.url)
}

// restoreSameGraph fails unless the cluster at url holds the graph of the
// exports wantNT (N-Triples, byte for byte) and wantJSON (JSON, but for
// the history, which holds one more change: the restore's).
func restoreSameGraph(t *testing.T, url, wantNT, wantJSON string) {
	t.Helper()
	if got, _ := curMustCLI(t, "export", "--format", "ntriples", "--store", url); got != wantNT {
		t.Errorf("the cluster's N-Triples export differs from the backup's (%d bytes, want %d)", len(got), len(wantNT))
	}
	gotJSON, _ := curMustCLI(t, "export", "--store", url)
	var got, want map[string]json.RawMessage
	if err := json.Unmarshal([]byte(gotJSON), &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(wantJSON), &want); err != nil {
		t.Fatal(err)
	}
	for k := range want {
		if k != "history" && string(got[k]) != string(want[k]) {
			t.Errorf("the cluster's export differs from the backup's in %q", k)
		}
	}
	var gh, wh []map[string]any
	json.Unmarshal(got["history"], &gh)
	json.Unmarshal(want["history"], &wh)
	if len(gh) != len(wh)+1 || gh[len(gh)-1]["actor"] != "restore" {
		t.Errorf("the cluster's history has %d changes, the backup's %d; want one more, the restore's", len(gh), len(wh))
	}
}
