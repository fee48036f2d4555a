package store_test

import (
	"slices"
	"testing"

	"tupu"
	"tupu/store"
)

// TestTouched checks what each kind of commit says it touched: an entity
// its key, a relation both ends, a fact its entity, a document its own
// name; and that the store says so only for commits it remembers.
func TestTouched(t *testing.T) { eachEngine(t, testTouched) }

func testTouched(t *testing.T) {
	s := MustOpen(t)
	v0 := MustGraphVersion(t, s)
	a, b := entity("a", tupu.KindCompany, "甲"), entity("b", tupu.KindLab, "乙")
	MustUpdate(t, s, func(tx *store.Tx) error {
		if err := tx.PutEntity(&a); err != nil {
			return err
		}
		return tx.PutEntity(&b)
	})
	MustUpdate(t, s, func(tx *store.Tx) error {
		r := relation("a", tupu.PredBuilt, "b")
		return tx.PutRelation(&r)
	})
	MustUpdate(t, s, func(tx *store.Tx) error {
		f := fact("a", "revenue", 3, "2021")
		return tx.PutFact(&f)
	})
	MustUpdate(t, s, func(tx *store.Tx) error {
		return tx.PutDocument(&tupu.Document{Key: "doc", Title: "文"})
	})
	v4 := MustGraphVersion(t, s)
	if v4 != v0+4 {
		t.Fatalf("versions %d → %d, want four commits", v0, v4)
	}
	for _, tc := range []struct {
		since, until uint64
		want         []string
	}{
		{v0, v0 + 1, []string{"a", "b"}},
		{v0 + 1, v0 + 2, []string{"a", "b"}},
		{v0 + 2, v0 + 3, []string{store.FactsDependency("a")}},
		{v0 + 3, v0 + 4, []string{store.DocumentDependency("doc")}},
		{v4, v4, nil},
	} {
		got, ok := s.Touched(tc.since, tc.until)
		slices.Sort(got)
		got = slices.Compact(got)
		if !ok || !slices.Equal(got, tc.want) {
			t.Errorf("Touched(%d, %d) = %q, %v; want %q", tc.since, tc.until, got, ok, tc.want)
		}
	}
	if _, ok := s.Touched(v4, v4+1); ok {
		t.Error("a commit that has not happened is known")
	}
	if _, ok := s.Touched(v0-1, v4); v0 > 0 && ok {
		t.Error("a commit from before the store opened is known")
	}
	// After more commits than the store remembers, the first are gone.
	for i := range 300 {
		MustUpdate(t, s, func(tx *store.Tx) error {
			return tx.PutDocument(&tupu.Document{Key: "doc", Title: string(rune('a' + i%26))})
		})
	}
	if _, ok := s.Touched(v0, v4); ok {
		t.Error("commits older than the store remembers are known")
	}
	if _, ok := s.Touched(MustGraphVersion(t, s)-10, MustGraphVersion(t, s)); !ok {
		t.Error("recent commits are not known")
	}
}
