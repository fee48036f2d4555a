package indexer_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tupu"
	"tupu/indexer"
	"tupu/search"
	"tupu/seed"
	"tupu/store"
	"tupu/synth"
)

func mustStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "tupu.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	d, err := seed.Load(seed.Data())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sync(d, store.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	return s
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
	err := s.Update(func(tx *store.Tx) error {
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
