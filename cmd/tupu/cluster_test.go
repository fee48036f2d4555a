package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tupu/export"
	"tupu/graph"
	"tupu/internal/etcdtest"
)

// End-to-end tests of tupu over an etcd cluster (an embedded member, so
// that no etcd binary is needed): the real binary, serving with --store.

// clusterServer starts `tupu serve` over the cluster at url, with a
// directory of its own for its search index, and returns its base URL.
func clusterServer(tb testing.TB, url string) string {
	tb.Helper()
	_, log, exited := start(tb, "serve", "--addr", "127.0.0.1:0", "--store", url, "--db", filepath.Join(tb.TempDir(), "tupu.db"))
	return waitForURL(tb, log.String, exited)
}

// entityNote reads the version and note of an entity from the server at base.
func entityNote(tb testing.TB, base, key string) (version int, note string) {
	tb.Helper()
	var out struct {
		Entity struct {
			Version int
			Note    *string
		}
	}
	curMust(tb, base, "", `query($k: String) { entity(key: $k) { version note } }`, map[string]any{"k": key}, &out)
	if out.Entity.Note != nil {
		note = *out.Entity.Note
	}
	return out.Entity.Version, note
}

const clusterUpdate = `mutation($in: UpdateEntityInput!) { updateEntity(input: $in) { entity { version note } } }`

// TestBinary_cluster runs two servers over one cluster beside one over a
// file: the first to start seeds the cluster; both answer the example
// query byte for byte as the file's server does; a token the CLI makes
// with --store writes through either; a write on one is read on it at
// once and on the other within a second (its response cache held the
// answer before), and a subscriber on the other hears of it;
// expectedVersion is CONFLICT across servers; a token revoked with the CLI
// fails on both at once and ends the streams opened with it; and the CLI
// exports what they serve.
func TestBinary_cluster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	c := oneMember(t, etcdtest.Options{NoFsync: true})
	url := c.URL("graph", "")

	file := clusterServerFile(t, filepath.Join(t.TempDir(), "tupu.db"))
	a := clusterServer(t, url)
	b := clusterServer(t, url)

	want, err := curPost(file, "", graph.ExampleQuery, nil)
	if err != nil || !want.ok() {
		t.Fatalf("the file's server: %v %s", err, want.raw)
	}
	for name, base := range map[string]string{"a": a, "b": b} {
		got, err := curPost(base, "", graph.ExampleQuery, nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.raw) != string(want.raw) {
			t.Errorf("server %s over the cluster answers the example query otherwise than over a file:\n%s\nwant:\n%s", name, got.raw, want.raw)
		}
	}

	secret := curTokenAt(t, "editor", "--store", url)
	v, _ := entityNote(t, a, "yunyang-county")
	if bv, _ := entityNote(t, b, "yunyang-county"); bv != v { // now in b's response cache
		t.Fatalf("a reads version %d, b %d", v, bv)
	}
	var upd struct {
		UpdateEntity struct{ Entity struct{ Version int } }
	}
	// A subscriber on b, with the token, hears of a's write.
	events := clusterEvents(t, b, secret, `subscription { entityChanged(keys: ["yunyang-county"]) { entityKey actor } }`)
	curMust(t, a, secret, clusterUpdate, map[string]any{"in": map[string]any{"id": "yunyang-county", "expectedVersion": v, "note": "written on a"}}, &upd)
	waitEvent(t, events, `"entityKey":"yunyang-county"`)
	if got, note := entityNote(t, a, "yunyang-county"); got != v+1 || note != "written on a" {
		t.Errorf("a does not read its own write at once: version %d, note %q", got, note)
	}
	deadline := time.Now().Add(time.Second)
	for {
		got, note := entityNote(t, b, "yunyang-county")
		if got == v+1 && note == "written on a" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("b shows a's write not within a second: version %d, note %q", got, note)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The version a client saw before a's write is stale on b too.
	r, err := curPost(b, secret, clusterUpdate, map[string]any{"in": map[string]any{"id": "yunyang-county", "expectedVersion": v, "note": "stale"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.code() != "CONFLICT" {
		t.Errorf("a stale expectedVersion on b: %s, want CONFLICT", r.raw)
	}
	curMust(t, b, secret, clusterUpdate, map[string]any{"in": map[string]any{"id": "yunyang-county", "expectedVersion": v + 1, "note": "written on b"}}, nil)

	// A token revoked through the cluster fails on both servers from the
	// next request on.
	curMustCLI(t, "token", "revoke", "--name", "cluster-editor", "--store", url)
	// b's stream opened with it ends, saying why.
	waitEvent(t, events, `"code":"UNAUTHENTICATED"`)
	for name, base := range map[string]string{"a": a, "b": b} {
		r, err := curPost(base, secret, clusterUpdate, map[string]any{"in": map[string]any{"id": "yunyang-county", "expectedVersion": v + 2, "note": "revoked"}})
		if err != nil {
			t.Fatal(err)
		}
		if r.code() != "UNAUTHENTICATED" {
			t.Errorf("a revoked token on %s: %s, want UNAUTHENTICATED", name, r.raw)
		}
	}

	stdout, _ := curMustCLI(t, "export", "--store", url)
	dump, err := export.ReadJSON(strings.NewReader(stdout))
	if err != nil {
		t.Fatalf("export --store: %v", err)
	}
	found := false
	for _, e := range dump.Dataset.Entities {
		found = found || e.Key == "yunyang-county" && e.Note == "written on b"
	}
	if !found {
		t.Errorf("export --store lacks the last write: %.300s", stdout)
	}
}

// clusterServerFile starts `tupu serve` over the file at path.
func clusterServerFile(tb testing.TB, path string) string {
	tb.Helper()
	_, log, exited := start(tb, "serve", "--addr", "127.0.0.1:0", "--db", path)
	return waitForURL(tb, log.String, exited)
}

// curTokenAt creates a token with the CLI, the store named by where
// (--db PATH or --store URL), and returns its secret.
func curTokenAt(tb testing.TB, role string, where ...string) string {
	tb.Helper()
	stdout, stderr := curMustCLI(tb, append([]string{"token", "create", "--name", "cluster-" + role, "--role", role}, where...)...)
	secret := strings.TrimSuffix(stdout, "\n")
	if !curSecret.MatchString(secret) {
		tb.Fatalf("token create: %q (stderr %q)", stdout, stderr)
	}
	return secret
}

// TestBinary_migrate moves a graph from a file to a cluster and back with
// tupu migrate, and backs the cluster up with tupu backup --store: the
// exports of all four are byte-identical, tokens move with the graph, and
// a target that holds a graph is refused.
func TestBinary_migrate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	c := oneMember(t, etcdtest.Options{NoFsync: true})
	dir := t.TempDir()
	file, back, url := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db"), c.URL("moved", "")
	curMustCLI(t, "seed", "--db", file)
	secret := curTokenAt(t, "editor", "--db", file)
	before, _ := curMustCLI(t, "export", "--db", file)

	curMustCLI(t, "migrate", "--from", file, "--to", url)
	onCluster, _ := curMustCLI(t, "export", "--store", url)
	if onCluster != before {
		t.Errorf("the export from the cluster differs from the file's (%d bytes, %d before)", len(onCluster), len(before))
	}
	if _, stderr, _, err := curCLI(t, 30*time.Second, "migrate", "--from", file, "--to", url); err == nil || !strings.Contains(stderr, "CONFLICT") && !strings.Contains(stderr, "not empty") {
		t.Errorf("a second migrate into the same cluster: %v, %s", err, stderr)
	}

	// A backup of the cluster is a database file restore and verify take.
	backup := filepath.Join(dir, "backup.db")
	curMustCLI(t, "backup", backup, "--store", url)
	curMustCLI(t, "verify", backup)
	if got, _ := curMustCLI(t, "export", "--db", backup); got != before {
		t.Errorf("the export of the cluster's backup differs (%d bytes, %d before)", len(got), len(before))
	}

	curMustCLI(t, "migrate", "--from", url, "--to", back)
	after, _ := curMustCLI(t, "export", "--db", back)
	if after != before {
		t.Errorf("the export after the round trip differs (%d bytes, %d before)", len(after), len(before))
	}
	// The token moved with the graph: it writes on a server of the copy.
	b := clusterServerFile(t, back)
	v, _ := entityNote(t, b, "yunyang-county")
	curMust(t, b, secret, clusterUpdate, map[string]any{"in": map[string]any{"id": "yunyang-county", "expectedVersion": v, "note": "moved"}}, nil)
}

// clusterEvents opens an event stream (server-sent events) of subscription
// on the server at base, with a token, and returns its event and data
// lines as they come; the channel closes when the stream ends.
func clusterEvents(tb testing.TB, base, secret, subscription string) <-chan string {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": subscription})
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "POST", strings.TrimSuffix(base, "/")+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		tb.Fatalf("event stream: %s", resp.Status)
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "event: ") || strings.HasPrefix(l, "data: ") {
				lines <- l
			}
		}
	}()
	time.Sleep(200 * time.Millisecond) // the subscription starts
	return lines
}

// waitEvent waits up to five seconds for a line of events holding want.
func waitEvent(tb testing.TB, events <-chan string, want string) {
	tb.Helper()
	deadline := time.After(5 * time.Second)
	var seen []string
	for {
		select {
		case l, ok := <-events:
			if !ok {
				tb.Fatalf("the event stream ended without %s:\n%s", want, strings.Join(seen, "\n"))
			}
			if strings.Contains(l, want) {
				return
			}
			seen = append(seen, l)
		case <-deadline:
			tb.Fatalf("no event with %s within 5s:\n%s", want, strings.Join(seen, "\n"))
		}
	}
}

// oneMember starts an embedded etcd cluster of one member for a test,
// stopped when it ends.
func oneMember(t *testing.T, opts etcdtest.Options) *etcdtest.Cluster {
	t.Helper()
	c, err := etcdtest.New(1, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
