package store_test

import (
	"context"
	"slices"
	"testing"

	"tupu"
	"tupu/store"
)

// TestCopy_replace: a copy into a store that holds a graph, history and
// tokens is refused with CONFLICT, and leaves it as it was; with Replace
// it takes the source's graph, history and tokens whole (nothing of what
// was there remains), and the graph version moves on.
func TestCopy_replace(t *testing.T) { eachEngine(t, testCopy_replace) }

func testCopy_replace(t *testing.T) {
	ctx := context.Background()
	src, dst := MustOpen(t), MustOpen(t)
	MustSync(t, src, hubDataset())
	MustUpdate(t, src, func(tx *store.Tx) error {
		_, _, err := tx.CreateToken("admin", "from-src", store.RoleEditor)
		return err
	})
	MustSync(t, dst, syncV1())
	MustUpdate(t, dst, func(tx *store.Tx) error {
		if _, _, err := tx.CreateToken("admin", "in-dst", store.RoleAdmin); err != nil {
			return err
		}
		_, err := tx.UpdateEntity("test", "acme", 1, func(e *tupu.Entity) { e.Note = "before" })
		return err
	})
	before := MustGraphVersion(t, dst)

	err := dst.CheckEmpty()
	assertCode(t, err, tupu.Conflict)
	assertCode(t, store.Copy(ctx, dst, src, store.CopyOptions{}), tupu.Conflict)
	held := syncV1()
	for i := range held.Entities {
		if held.Entities[i].Key == "acme" {
			held.Entities[i].Note = "before"
		}
	}
	assertHolds(t, dst, held, map[string]int{"acme": 2})

	if err := store.Copy(ctx, dst, src, store.CopyOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	assertHolds(t, dst, hubDataset(), nil)
	for _, name := range store.BucketNames() {
		if name == "meta" {
			continue
		}
		gk, gv, err := store.RawBucket(dst, name)
		if err != nil {
			t.Fatal(err)
		}
		wk, wv, err := store.RawBucket(src, name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(gk, wk, slices.Equal) || !slices.EqualFunc(gv, wv, slices.Equal) {
			t.Errorf("bucket %s after the replacing copy: %d keys, the source's %d, or their values differ", name, len(gk), len(wk))
		}
	}
	if v := MustGraphVersion(t, dst); v <= before {
		t.Errorf("graph version %d after the replacing copy, %d before", v, before)
	}
}
