package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"tupu"
	"tupu/internal/etcdtest"
	"tupu/store"
)

// Tests of what only the etcd engine has: a cluster's limits on one
// transaction, several stores (servers) over one graph, and a cluster
// that loses its leader. The rest of the store's tests run on it too
// (eachEngine).

// newCluster starts a cluster of n members of its own, with etcd's
// default limits, for tb.
func newCluster(tb testing.TB, n int, opts etcdtest.Options) *etcdtest.Cluster {
	tb.Helper()
	c, err := etcdtest.New(n, tb.TempDir(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return c
}

// bigHub is a dataset with a hub that hosts n companies.
func bigHub(n int) *tupu.Dataset {
	es := []tupu.Entity{entity("hub", tupu.KindPark, "前沿科技城")}
	var rs []tupu.Relation
	for i := range n {
		c := fmt.Sprintf("c%03d", i)
		es = append(es, entity(c, tupu.KindCompany, fmt.Sprintf("企业%03d", i)))
		rs = append(rs, relation("hub", tupu.PredHosts, c))
	}
	return newDataset(es, rs, nil)
}

// TestEtcd_limits: on a cluster with etcd's default limits (128
// operations, 1.5 MiB per transaction), a graph of any size is seeded
// (a copy in batches), an ordinary write commits, and a cascade delete of
// an entity with 500 relations, which needs thousands of operations in
// one transaction, is refused with COMPLEXITY_LIMIT and leaves everything
// as it was: never half applied.
func TestEtcd_limits(t *testing.T) {
	c := newCluster(t, 1, etcdtest.Options{NoFsync: true})
	s := mustOpenLocation(t, c.URL("limits", ""))
	d := bigHub(500)
	MustSync(t, s, d)
	assertHolds(t, s, d, nil)

	MustUpdate(t, s, func(tx *store.Tx) error {
		_, err := tx.UpdateEntity("test", "c001", 1, func(e *tupu.Entity) { e.Note = "an ordinary write" })
		return err
	})
	v := MustGraphVersion(t, s)
	err := s.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.RemoveEntity("test", "hub", 1, true)
		return err
	})
	assertCode(t, err, tupu.ComplexityLimit)
	if got := MustGraphVersion(t, s); got != v {
		t.Errorf("graph version %d after the refused delete, want %d", got, v)
	}
	d.Entities[2].Note = "an ordinary write" // c001
	assertHolds(t, s, d, map[string]int{"c001": 2})
}

// TestEtcd_sharedGraph: two stores over one graph (two servers) see each
// other's commits through the watch: versions, subscriptions and reads;
// a version checked in a write is checked against the other's commits
// (two writers at the same expected version: one wins, one is CONFLICT);
// and CatchUp makes a read see every commit made before it.
func TestEtcd_sharedGraph(t *testing.T) {
	url := clusterURL(t, etcdtest.Prefix(t.Name()))
	a := mustOpenLocation(t, url)
	d := hubDataset()
	MustSync(t, a, d)
	b := mustOpenLocation(t, url)
	assertHolds(t, b, d, nil)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := b.Subscribe(ctx)
	MustUpdate(t, a, func(tx *store.Tx) error {
		_, err := tx.UpdateEntity("alice", "c01", 1, func(e *tupu.Entity) { e.Note = "from a" })
		return err
	})
	select {
	case ch := <-changes:
		if ch.Entity != "c01" || ch.Actor != "alice" {
			t.Errorf("b's subscriber got %+v, want alice's change of c01", ch)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("b's subscriber got no change of a's write")
	}
	if err := b.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if av, bv := a.Version(), b.Version(); av != bv {
		t.Errorf("versions after catching up: a %d, b %d", av, bv)
	}
	MustView(t, b, func(tx *store.Tx) error {
		e, err := tx.Entity("c01")
		if err != nil || e.Note != "from a" || e.Version != 2 {
			t.Errorf("b reads c01 as %+v, %v", e, err)
		}
		return nil
	})

	// Commits of another graph on the cluster move its revision, which
	// this graph's watch never brings: catching up still ends at once.
	other := mustOpenLocation(t, clusterURL(t, etcdtest.Prefix(t.Name()+"-other")))
	MustSync(t, other, d)
	quick, cancelQuick := context.WithTimeout(ctx, 5*time.Second)
	defer cancelQuick()
	if err := b.CatchUp(quick); err != nil {
		t.Fatalf("catching up past another graph's commits: %v", err)
	}

	// Both at version 2, at once: exactly one commits.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []*store.Store{a, b} {
		wg.Go(func() {
			errs[i] = s.Update(context.Background(), func(tx *store.Tx) error {
				_, err := tx.UpdateEntity("w", "c01", 2, func(e *tupu.Entity) { e.Note = fmt.Sprint("writer ", i) })
				return err
			})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case tupu.ErrorCode(err) != tupu.Conflict:
			t.Errorf("a concurrent writer: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d writers at the same expected version committed (%v), want 1", won, errs)
	}
	for _, s := range []*store.Store{a, b} {
		if err := s.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		MustView(t, s, func(tx *store.Tx) error {
			if e, err := tx.Entity("c01"); err != nil || e.Version != 3 {
				t.Errorf("c01 after the race: %+v, %v; want version 3", e, err)
			}
			return nil
		})
	}
}

// TestEtcd_graphVersionIsRevision: over a cluster, the graph version is
// the etcd revision of the last commit that changed the graph (the mod
// revision of its meta "graph" key, as etcdctl shows it), whichever
// server made it: writes through two stores, each read afresh from etcd
// and reported alike by both. A token's commit and another graph's
// commits move the cluster's revision, not the version; and the graph as
// it was at a version is there to read with etcdctl get --rev.
func TestEtcd_graphVersionIsRevision(t *testing.T) {
	c, err := etcdtest.Shared()
	if err != nil {
		t.Fatal(err)
	}
	prefix := etcdtest.Prefix(t.Name())
	url := clusterURL(t, prefix)
	a, b := mustOpenLocation(t, url), mustOpenLocation(t, url)
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()
	graphKey := "/" + prefix + "/meta/graph"
	// revision reads the graph version's key from etcd, as an operator
	// would, and returns its mod revision and the cluster's revision.
	revision := func() (mod, cluster int64) {
		t.Helper()
		resp, err := cli.Get(ctx, graphKey)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Kvs) != 1 {
			t.Fatalf("etcd holds no %s", graphKey)
		}
		return resp.Kvs[0].ModRevision, resp.Header.Revision
	}
	// bothAt checks both stores report the version etcd shows.
	bothAt := func(what string) int64 {
		t.Helper()
		mod, _ := revision()
		for name, s := range map[string]*store.Store{"a": a, "b": b} {
			if err := s.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			if v, want := MustGraphVersion(t, s), uint64(mod); v != want || s.Version() != want {
				t.Errorf("%s: store %s reports graph version %d (Version() %d), etcd's mod revision of %s is %d", what, name, v, s.Version(), graphKey, mod)
			}
		}
		return mod
	}

	MustSync(t, a, hubDataset())
	first := bothAt("after a's load")
	MustUpdate(t, b, func(tx *store.Tx) error {
		_, err := tx.UpdateEntity("bob", "c01", 1, func(e *tupu.Entity) { e.Note = "from b" })
		return err
	})
	second := bothAt("after b's write")
	if second <= first {
		t.Errorf("graph version %d after b's write, %d before", second, first)
	}
	MustUpdate(t, a, func(tx *store.Tx) error {
		_, err := tx.UpdateEntity("alice", "c01", 2, func(e *tupu.Entity) { e.Note = "from a" })
		return err
	})
	third := bothAt("after a's write")

	// A token made offline, and another graph's load: the cluster's
	// revision moves on, the graph's version does not.
	MustUpdate(t, b, func(tx *store.Tx) error {
		_, _, err := tx.CreateToken(store.ActorOffline, "ops", store.RoleEditor)
		return err
	})
	MustSync(t, mustOpenLocation(t, clusterURL(t, etcdtest.Prefix(t.Name()+"-other"))), hubDataset())
	if got := bothAt("after a token and another graph"); got != third {
		t.Errorf("graph version %d after a token's and another graph's commits, want %d", got, third)
	}
	if _, cluster := revision(); cluster <= third+1 {
		t.Errorf("cluster at revision %d, graph at %d: the other commits did not happen", cluster, third)
	}

	// etcdctl get --rev=N: c01 as it was at version second.
	resp, err := cli.Get(ctx, "/"+prefix+"/entities/c01", clientv3.WithRev(second))
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("c01 at revision %d: %v, %v", second, resp, err)
	}
	var e tupu.Entity
	if err := json.Unmarshal(resp.Kvs[0].Value, &e); err != nil || e.Note != "from b" || e.Version != 2 {
		t.Errorf("c01 at revision %d: %+v, %v; want b's write", second, e, err)
	}
}

// TestEtcd_copyVersions: a graph copied from a cluster into a file goes
// on from the cluster's revision (the file's next commit is one more),
// and copied back into another prefix takes that commit's revision: the
// version never goes back where a copy lands.
func TestEtcd_copyVersions(t *testing.T) {
	ctx := context.Background()
	cluster := mustOpenLocation(t, clusterURL(t, etcdtest.Prefix(t.Name())))
	MustSync(t, cluster, hubDataset())
	rev := MustGraphVersion(t, cluster)
	file := MustOpenFile(t, filepath.Join(t.TempDir(), "copy.db"))
	if err := store.Copy(ctx, file, cluster, store.CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	if v := MustGraphVersion(t, file); v != rev || file.Version() != rev {
		t.Errorf("the file's graph version after the copy: %d (Version() %d), want the cluster's %d", v, file.Version(), rev)
	}
	MustUpdate(t, file, func(tx *store.Tx) error {
		_, err := tx.UpdateEntity("test", "c01", 1, func(e *tupu.Entity) { e.Note = "in the file" })
		return err
	})
	if v := MustGraphVersion(t, file); v != rev+1 {
		t.Errorf("the file's graph version after a write: %d, want %d", v, rev+1)
	}
	back := mustOpenLocation(t, clusterURL(t, etcdtest.Prefix(t.Name()+"-back")))
	if err := store.Copy(ctx, back, file, store.CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	if v := MustGraphVersion(t, back); v <= rev || back.Version() != v {
		t.Errorf("the graph version copied back into the cluster: %d (Version() %d), want a revision after %d", v, back.Version(), rev)
	}
	assertSameBuckets(t, file, back)
}

// TestEtcd_mirrorDir: a store told where to keep its mirror keeps it
// there, leaves it at close, and the next store over the cluster reads it
// afresh in the same place (one file, whatever the last one left); a
// second store at once is refused while the first uses it. Without a
// place, the mirror is in a temporary directory, removed at close.
func TestEtcd_mirrorDir(t *testing.T) {
	url := clusterURL(t, etcdtest.Prefix(t.Name()))
	dir := filepath.Join(t.TempDir(), "mirror")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	open := func() (*store.Store, error) { return store.Open(url, store.Options{MirrorDir: dir}) }
	a, err := open()
	if err != nil {
		t.Fatal(err)
	}
	MustSync(t, a, hubDataset())
	_, err = open()
	assertCode(t, err, tupu.Unavailable)
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("a second store on one mirror: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := open()
	if err != nil {
		t.Fatal(err)
	}
	assertHolds(t, b, hubDataset(), nil)
	mustCheckAndClose(t, b)
	if names := dirNames(t, dir); !slices.Equal(names, []string{"mirror.db"}) {
		t.Errorf("the mirror's directory holds %q, want mirror.db alone", names)
	}
	// A command's store: a temporary mirror, gone at close.
	c, err := store.Open(url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	assertHolds(t, c, hubDataset(), nil)
	if len(dirNames(t, tmp)) != 1 {
		t.Errorf("the temporary directory holds %q, want one mirror", dirNames(t, tmp))
	}
	mustCheckAndClose(t, c)
	if names := dirNames(t, tmp); len(names) != 0 {
		t.Errorf("a store without a mirror directory left %q behind", names)
	}
}

// dirNames returns the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestEtcd_leaderLost: a 3-member cluster's leader crashes during a burst
// of writes. Reads keep being answered (from the mirror); writes are
// accepted again once a new leader is elected; no acknowledged write is
// lost.
func TestEtcd_leaderLost(t *testing.T) {
	if testing.Short() {
		t.Skip("a 3-member cluster")
	}
	c := newCluster(t, 3, etcdtest.Options{})
	s := mustOpenLocation(t, c.URL("leader", ""))
	d := hubDataset()
	MustSync(t, s, d)

	var (
		mu    sync.Mutex
		acked []string // the notes whose write was acknowledged
		fails int
	)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			note := fmt.Sprintf("burst %04d", i)
			err := s.Update(context.Background(), func(tx *store.Tx) error {
				e, err := tx.Entity("lonely")
				if err != nil {
					return err
				}
				_, err = tx.UpdateEntity("burst", "lonely", e.Version, func(e *tupu.Entity) { e.Note = note })
				return err
			})
			mu.Lock()
			if err == nil {
				acked = append(acked, note)
			} else {
				fails++
			}
			mu.Unlock()
		}
	}()
	time.Sleep(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	leader, err := c.WaitLeader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	before := len(acked)
	mu.Unlock()
	c.Kill(leader) // as a crash: no leadership handed over, connections cut
	// Reads answer while the cluster elects.
	MustView(t, s, func(tx *store.Tx) error {
		_, err := tx.Entity("hub")
		return err
	})
	if _, err := c.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	// Writes are accepted again: the burst goes on past the election.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n > before+20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("writes were not accepted again after the election: %d acknowledged before, %d now", before, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	<-done
	if err := s.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	// Every acknowledged write is there, in the history a store opened
	// afresh reads.
	fresh := mustOpenLocation(t, c.URL("leader", ""))
	written := map[string]bool{}
	MustView(t, fresh, func(tx *store.Tx) error {
		p, err := tx.History("lonely", 0, 1_000_000)
		if err != nil {
			return err
		}
		for _, ch := range p.Changes {
			var e tupu.Entity
			if json.Unmarshal(ch.After, &e) == nil {
				written[e.Note] = true
			}
		}
		return nil
	})
	for _, note := range acked {
		if !written[note] {
			t.Errorf("acknowledged write %q lost", note)
		}
	}
	t.Logf("%d writes acknowledged, %d refused during the election", len(acked), fails)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Error("the test ran out of time")
	}
}

// TestEtcd_seedTogether: servers started together on an empty cluster all
// seed it at once; one copies the graph in, the others wait for it and
// find nothing left to do, and every one of them reads the graph whole.
func TestEtcd_seedTogether(t *testing.T) {
	url := clusterURL(t, etcdtest.Prefix(t.Name()))
	d := hubDataset()
	var stores []*store.Store
	for range 3 {
		stores = append(stores, mustOpenLocation(t, url))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Go(func() {
			for {
				// As a server's start does: read, and seed what is empty.
				empty := false
				err := s.View(func(tx *store.Tx) error { empty = tx.CountEntities("") == 0; return nil })
				if store.IsLoading(err) {
					err = s.WaitLoaded()
					continue
				}
				if err == nil && empty {
					_, err = s.Sync(clone(d), store.SyncOptions{})
				}
				errs[i] = err
				return
			}
		})
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Errorf("store %d: %v", i, errs[i])
			continue
		}
		if err := s.CatchUp(context.Background()); err != nil {
			t.Fatal(err)
		}
		assertHolds(t, s, d, nil)
	}
}

// TestEtcd_openDuringLoad: a store opened while no load is under way, on
// a cluster another process begins loading a graph into before the store
// has started (two servers started at once on an empty cluster, one
// seeding it), waits for the load and opens on what it loaded, instead of
// failing with the load's UNAVAILABLE.
func TestEtcd_openDuringLoad(t *testing.T) {
	c, err := etcdtest.Shared()
	if err != nil {
		t.Fatal(err)
	}
	prefix := etcdtest.Prefix(t.Name())
	url := clusterURL(t, prefix)
	first := mustOpenLocation(t, url)
	MustSync(t, first, hubDataset())
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()
	schemaKey, commitKey := "/"+prefix+"/meta/schema", "/"+prefix+"/commit"
	loaded := make(chan struct{})
	store.AfterRun(t, func(s *store.Store) {
		// The load's marker, as a load writes it (with the commit key, so
		// that a write begun before it runs again and finds it) ...
		resp, err := cli.Get(ctx, schemaKey)
		if err != nil || len(resp.Kvs) != 1 {
			t.Errorf("the schema version's key: %v %v", resp, err)
			close(loaded)
			return
		}
		schema := string(resp.Kvs[0].Value)
		if _, err := cli.Txn(ctx).Then(clientv3.OpPut(schemaKey, "loading"), clientv3.OpPut(commitKey, "load-began")).Commit(); err != nil {
			t.Error(err)
		}
		if err := s.CatchUp(ctx); err != nil { // the store starts on a graph being loaded
			t.Error(err)
		}
		// ... and its end, a little later.
		go func() {
			defer close(loaded)
			time.Sleep(300 * time.Millisecond)
			if _, err := cli.Txn(ctx).Then(clientv3.OpPut(schemaKey, schema), clientv3.OpPut(commitKey, "load-ended")).Commit(); err != nil {
				t.Error(err)
			}
		}()
	})
	s, err := store.Open(url, store.Options{Timeout: testTimeout})
	<-loaded
	if err != nil {
		t.Fatalf("open during a load: %v", err)
	}
	defer s.Close()
	if err := s.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	assertHolds(t, s, hubDataset(), nil)
}

// TestEtcd_servers: each server over a cluster says it runs, under a name
// of its own, for as long as its store is open.
func TestEtcd_servers(t *testing.T) {
	url := clusterURL(t, etcdtest.Prefix(t.Name()))
	a := mustOpenLocation(t, url)
	b, err := store.Open(url, store.Options{Timeout: testTimeout})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if running, err := a.Servers(ctx); err != nil || len(running) != 0 {
		t.Fatalf("servers before any said it runs: %q, %v", running, err)
	}
	for name, s := range map[string]*store.Store{"a": a, "b": b} {
		if err := s.Announce(name); err != nil {
			t.Fatal(err)
		}
	}
	running, err := a.Servers(ctx)
	if slices.Sort(running); err != nil || !slices.Equal(running, []string{"a", "b"}) {
		t.Errorf("servers: %q, %v; want a and b", running, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if running, err := a.Servers(ctx); err != nil || !slices.Equal(running, []string{"a"}) {
		t.Errorf("servers once b closed: %q, %v; want a", running, err)
	}
	file := MustOpen(t)
	if err := file.Announce("file"); err != nil {
		t.Fatal(err)
	}
	if running, err := file.Servers(ctx); err != nil || len(running) != 0 {
		t.Errorf("servers over a file: %q, %v; want none", running, err)
	}
}

// TestEtcd_tokensAcrossServers: a token made on one server authenticates
// on another at once, though the other's copy of the graph may not have
// it yet (it looks again after catching up); once it is revoked on the
// first, the other confirms it no more, at once, while a read that asks
// for no fresh token may still find it for the moment its copy lags.
func TestEtcd_tokensAcrossServers(t *testing.T) {
	url := clusterURL(t, etcdtest.Prefix(t.Name()))
	a := mustOpenLocation(t, url)
	MustSync(t, a, hubDataset())
	b := mustOpenLocation(t, url)
	ctx := context.Background()
	for i := range 20 {
		name := fmt.Sprint("editor-", i)
		var secret string
		MustUpdate(t, a, func(tx *store.Tx) (err error) {
			_, secret, err = tx.CreateToken("root", name, store.RoleEditor)
			return err
		})
		tok, err := b.Authenticate(ctx, secret, false)
		if err != nil || tok.Name != name {
			t.Fatalf("a token made on a, on b at once: %+v, %v", tok, err)
		}
		MustUpdate(t, a, func(tx *store.Tx) error {
			_, err := tx.RevokeToken("root", name)
			return err
		})
		assertCode(t, b.Confirm(ctx, tok), tupu.Unauthenticated)
		_, err = b.Authenticate(ctx, secret, true)
		assertCode(t, err, tupu.Unauthenticated)
	}
}
