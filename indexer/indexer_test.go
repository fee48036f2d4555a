package indexer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tupu"
	"tupu/httpapi/apitest"
	"tupu/indexer"
	"tupu/internal/etcdtest"
	"tupu/internal/syncbuf"
	"tupu/search"
	"tupu/store"
	"tupu/synth"
)

func mustStore(t *testing.T) *store.Store {
	t.Helper()
	return apitest.SeededStore(t, filepath.Join(t.TempDir(), "tupu.db"))
}

func found(t *testing.T, ix *indexer.Indexer, text, key string) bool {
	t.Helper()
	res, err := ix.Search(search.Query{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Hits) > 0 && res.Hits[0].Key == key
}

func create(t *testing.T, s *store.Store, key, name string) {
	t.Helper()
	err := s.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.CreateEntity("test", tupu.Entity{Key: key, Kind: tupu.KindProject, Name: name, Note: "A test entity the article does not name.",
			Source: &tupu.Source{Document: "yubei-2021", Quote: "渝北区高质量发展经济做到了领跑"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestIndexer follows writes while it runs, and catches up at its next
// start with writes made while it was closed: never stale after a restart.
func TestIndexer(t *testing.T) {
	s := mustStore(t)
	dir := filepath.Join(t.TempDir(), "search")
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	x, err := indexer.Open(dir, s, log)
	if err != nil {
		t.Fatal(err)
	}
	if !found(t, x, "数据谷", "xiantao-data-valley") {
		t.Fatal("the first build misses 仙桃数据谷")
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { x.Follow(ctx); close(done) }()
	create(t, s, "river-bridge", "跨江大桥")
	deadline := time.Now().Add(5 * time.Second)
	for !found(t, x, "跨江大桥", "river-bridge") {
		if time.Now().After(deadline) {
			t.Fatal("a new entity is not indexed 5 s after its commit")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done
	x.Close()

	// Written while no indexer runs.
	create(t, s, "hill-tunnel", "穿山隧道")
	logs.Reset()
	x, err = indexer.Open(dir, s, log)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if !found(t, x, "穿山隧道", "hill-tunnel") {
		t.Error("the reopened index misses what was written while it was closed")
	}
	if !strings.Contains(logs.String(), "rebuilding") {
		t.Errorf("no rebuild logged for a stale index:\n%s", logs.String())
	}

	// An index that is current opens without a rebuild.
	x.Close()
	logs.Reset()
	x, err = indexer.Open(dir, s, log)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "rebuilding") {
		t.Errorf("a current index was rebuilt:\n%s", logs.String())
	}
}

// TestStart leaves a stale index to Follow: search is UNAVAILABLE until
// the background build is done, then answers.
func TestStart(t *testing.T) {
	s := mustStore(t)
	x, err := indexer.Start(filepath.Join(t.TempDir(), "search"), s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := x.Search(search.Query{Text: "数据谷"}); tupu.ErrorCode(err) != tupu.Unavailable {
		t.Fatalf("search before the build: %v, want UNAVAILABLE", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { x.Follow(ctx); close(done) }()
	defer func() { stop(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := x.Search(search.Query{Text: "数据谷"})
		if err == nil && len(res.Hits) > 0 && res.Hits[0].Key == "xiantao-data-valley" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not built 10 s after Follow started: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFollow_stopsDuringRebuild: a service stopped while its index is
// being built stops at once, and leaves no index that claims the graph.
func TestFollow_stopsDuringRebuild(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "tupu.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := synth.Write(context.Background(), s, synth.Options{Entities: 10000, Seed: 1}, synth.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "search")
	x, err := indexer.Start(dir, s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() { x.Follow(ctx); close(followed) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case <-followed:
	case <-time.After(10 * time.Second):
		t.Fatal("Follow did not return while building the index")
	}
	if x.Applied() != 0 {
		t.Fatalf("the index was built to version %d although Follow was stopped 50 ms into building it", x.Applied())
	}
	if _, err := x.Search(search.Query{Text: "园"}); tupu.ErrorCode(err) != tupu.Unavailable {
		t.Errorf("search after an interrupted build: %v, want UNAVAILABLE", err)
	}
	x.Close()
	ix, err := search.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if v, err := ix.Version(); err != nil || v != 0 {
		t.Errorf("the index left behind claims version %d (%v), want 0: the next start must build it", v, err)
	}
}

// TestStart_progress: while the index is built its state says how far
// the build is, and the log says so at a steady pace; once built, the
// state is ready and the index holds every entity.
func TestStart_progress(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "tupu.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := synth.Write(context.Background(), s, synth.Options{Entities: 1000, Seed: 1}, synth.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	var entities uint64
	s.View(func(tx *store.Tx) error { entities = uint64(tx.CountEntities("")); return nil })
	var logs syncbuf.Buffer
	x, err := indexer.Start(filepath.Join(t.TempDir(), "search"), s, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if st := x.State(); st.Ready || st.Progress() != 0 {
		t.Errorf("before the build: %+v", st)
	}
	indexer.SetProgressEvery(x, time.Millisecond)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { x.Follow(ctx); close(done) }()
	defer func() { stop(); <-done }()
	seen := false // a state part of the way
	for deadline := time.Now().Add(3 * time.Minute); !x.State().Ready; time.Sleep(time.Millisecond) {
		if st := x.State(); !st.Ready && st.ToBuild == entities && st.Built > 0 && st.Built < entities {
			seen = true
		}
		if time.Now().After(deadline) {
			t.Fatalf("not built after 3 minutes: %+v", x.State())
		}
	}
	if !seen {
		t.Error("the state never showed a build part of the way")
	}
	if st := x.State(); st.Progress() != 1 || st.Built != 0 || st.ToBuild != 0 || st.Applied == 0 {
		t.Errorf("once built: %+v", st)
	}
	if n, err := x.Documents(); err != nil || n != entities {
		t.Errorf("the index holds %d documents (%v), want %d", n, err, entities)
	}
	var percents []float64
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["msg"] == "building the search index" {
			if rec["of"] != float64(entities) {
				t.Errorf("progress line %v: of, want %d", rec, entities)
			}
			percents = append(percents, rec["percent"].(float64))
		}
	}
	if len(percents) < 2 || !slices.IsSorted(percents) {
		t.Errorf("progress lines: percents %v, want several, rising", percents)
	}
}

// TestStart_indexAhead: an index that saw a later graph version than the
// store holds is refused over a file (the file lost committed writes),
// and rebuilt over a cluster, whose graph versions are etcd's revisions:
// there it means another cluster at the same address, made anew.
func TestStart_indexAhead(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, engine := range []string{"bbolt", "etcd"} {
		t.Run(engine, func(t *testing.T) {
			open := func() *store.Store {
				loc := filepath.Join(t.TempDir(), "tupu.db")
				if engine == "etcd" {
					c, err := etcdtest.New(1, t.TempDir(), etcdtest.Options{NoFsync: true})
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(c.Close)
					loc = c.URL("graph", "")
				}
				return apitest.SeededStore(t, loc)
			}
			dir := filepath.Join(t.TempDir(), "search")
			old := open()
			for i := range 20 {
				create(t, old, fmt.Sprintf("later-%02d", i), fmt.Sprintf("后来的项目%02d", i))
			}
			x, err := indexer.Open(dir, old, log)
			if err != nil {
				t.Fatal(err)
			}
			x.Close()

			s := open()
			if s.Version() >= old.Version() {
				t.Fatalf("the new store is at graph version %d, the index at %d: not ahead", s.Version(), old.Version())
			}
			x, err = indexer.Start(dir, s, log)
			if engine == "bbolt" {
				if err == nil || !strings.Contains(err.Error(), "lost committed writes") {
					t.Errorf("an index ahead of a file: %v, want it refused", err)
				}
				if x != nil {
					x.Close()
				}
				return
			}
			if err != nil {
				t.Fatalf("an index ahead of a cluster: %v, want it rebuilt", err)
			}
			defer x.Close()
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { x.Follow(ctx); close(done) }()
			defer func() { stop(); <-done }()
			deadline := time.Now().Add(10 * time.Second)
			for !x.State().Ready {
				if time.Now().After(deadline) {
					t.Fatal("not rebuilt 10 s after Follow started")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if !found(t, x, "数据谷", "xiantao-data-valley") {
				t.Error("the rebuilt index does not find the new cluster's graph")
			}
			if res, err := x.Search(search.Query{Text: "后来的项目"}); err != nil || len(res.Hits) != 0 {
				t.Errorf("the rebuilt index finds the other cluster's entities: %v, %v", res, err)
			}
		})
	}
}
