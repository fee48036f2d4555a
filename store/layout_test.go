package store_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tupu/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestLayout pins the storage layout: the keys of every bucket, and the
// values that are the layout's own (counters, ranks, statistics), after
// seeding, curating and bulk loading a small graph, against
// testdata/layout.golden. The values that are JSON records (entities,
// facts, edges' provenance, history) are the domain's and are left out.
// A change of the key codec shows here first; rewrite the file with
// -update only for a change of layout, with a schema version and a
// migration.
func TestLayout(t *testing.T) { eachEngine(t, testLayout) }

func testLayout(t *testing.T) {
	var b strings.Builder
	s := MustOpen(t)
	MustSync(t, s, syncV1())
	MustSync(t, s, syncV2())
	if err := s.Update(context.Background(), func(tx *store.Tx) error {
		_, _, err := tx.CreateToken(store.ActorOffline, "curator", store.RoleEditor)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	writeLayout(t, &b, "synced", s)

	loaded := MustOpen(t)
	if _, err := loaded.Load(context.Background(), store.DatasetSource(syncV1()), store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	writeLayout(t, &b, "loaded", loaded)

	golden := filepath.Join("testdata", "layout.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			g, w := "", ""
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("the layout differs from %s at line %d:\n got: %s\nwant: %s\n(go test ./store -run TestLayout -update rewrites it)", golden, i+1, g, w)
			}
		}
	}
}

// recordBuckets hold JSON records: their values are the domain's.
var recordBuckets = map[string]bool{"documents": true, "entities": true, "facts": true, "edges": true,
	"history": true, "tokens": true, "seeded": true}

func writeLayout(t *testing.T, b *strings.Builder, title string, s *store.Store) {
	t.Helper()
	fmt.Fprintf(b, "# %s\n", title)
	for _, name := range store.BucketNames() {
		keys, values, err := store.RawBucket(s, name)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(b, "%s (%d)\n", name, len(keys))
		for i, k := range keys {
			v := fmt.Sprintf(" = %x", values[i])
			switch {
			case recordBuckets[name]:
				v = ""
			case name == "meta" && string(k) == "epoch":
				v = " = (random)"
			case name == "meta" && string(k) == "graph":
				// The graph version: on a cluster, etcd's revision.
				v = " = (the graph version)"
			case name == "tokenhashes":
				k, v = []byte("(the hash of a random secret)"), " = "+string(values[i])
			}
			fmt.Fprintf(b, "  %q%s\n", k, v)
		}
	}
}
