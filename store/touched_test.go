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
	// v[i] is the graph version after the i-th commit (consecutive on a
	// file; on a cluster, etcd's revisions, which need not be).
	v := []uint64{MustGraphVersion(t, s)}
	a, b := entity("a", tupu.KindCompany, "甲"), entity("b", tupu.KindLab, "乙")
	for _, fn := range []func(tx *store.Tx) error{
		func(tx *store.Tx) error {
			if err := tx.PutEntity(&a); err != nil {
				return err
			}
			return tx.PutEntity(&b)
		},
		func(tx *store.Tx) error {
			r := relation("a", tupu.PredBuilt, "b")
			return tx.PutRelation(&r)
		},
		func(tx *store.Tx) error {
			// A token's commit (offline: no history) does not change the
			// graph, nor its version.
			_, _, err := tx.CreateToken(store.ActorOffline, "t", store.RoleEditor)
			return err
		},
		func(tx *store.Tx) error {
			f := fact("a", "revenue", 3, "2021")
			return tx.PutFact(&f)
		},
		func(tx *store.Tx) error {
			return tx.PutDocument(&tupu.Document{Key: "doc", Title: "文"})
		},
	} {
		MustUpdate(t, s, fn)
		if got := MustGraphVersion(t, s); got != v[len(v)-1] {
			v = append(v, got)
		}
	}
	v0, v4 := v[0], v[4]
	if len(v) != 5 {
		t.Fatalf("versions %d, want five: four commits changed the graph", v)
	}
	for _, tc := range []struct {
		since, until uint64
		want         []string
	}{
		{v[0], v[1], []string{"a", "b"}},
		{v[1], v[2], []string{"a", "b"}},
		{v[2], v[3], []string{store.FactsDependency("a")}},
		{v[3], v[4], []string{store.DocumentDependency("doc")}},
		{v[1], v[3], []string{"a", "b", store.FactsDependency("a")}},
		{v4, v4, nil},
	} {
		got, ok := s.Touched(tc.since, tc.until)
		slices.Sort(got)
		got = slices.Compact(got)
		if !ok || !slices.Equal(got, tc.want) {
			t.Errorf("Touched(%d, %d) = %q, %v; want %q", tc.since, tc.until, got, ok, tc.want)
		}
	}
	// A version between two commits' is none the graph was at: on a
	// cluster, the revision of the token's commit.
	if engineOf(t) == onEtcd && v[3]-v[2] < 2 {
		t.Errorf("versions %d, %d around a token's commit: the token moved the graph's version", v[2], v[3])
	}
	if v[3]-v[2] > 1 {
		if _, ok := s.Touched(v[2]+1, v[3]); ok {
			t.Error("a version that was never the graph's is known")
		}
	}
	if _, ok := s.Touched(v4, v4+1); ok {
		t.Error("a commit that has not happened is known")
	}
	if _, ok := s.Touched(v0-1, v4); v0 > 0 && ok {
		t.Error("a commit from before the store opened is known")
	}
	// After more commits than the store remembers, the first are gone.
	var recent []uint64
	for i := range 300 {
		MustUpdate(t, s, func(tx *store.Tx) error {
			return tx.PutDocument(&tupu.Document{Key: "doc", Title: string(rune('a' + i%26))})
		})
		recent = append(recent, MustGraphVersion(t, s))
	}
	if _, ok := s.Touched(v0, v4); ok {
		t.Error("commits older than the store remembers are known")
	}
	if _, ok := s.Touched(recent[len(recent)-11], recent[len(recent)-1]); !ok {
		t.Error("recent commits are not known")
	}
}
