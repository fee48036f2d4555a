package store_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"tupu"
	"tupu/store"
)

func TestOpen(t *testing.T) {
	t.Run("creates_file_and_directory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "data", "nested", "tupu.db")
		s := MustOpenFile(t, path)
		if got := s.Path(); got != path {
			t.Errorf("Path() = %q, want %q", got, path)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("database file: %v", err)
		}
		if got := MustGraphVersion(t, s); got != 0 {
			t.Errorf("GraphVersion() of a new store = %d, want 0", got)
		}
		MustView(t, s, func(tx *store.Tx) error {
			if got := tx.CountEntities(""); got != 0 {
				t.Errorf("CountEntities(\"\") of a new store = %d, want 0", got)
			}
			return nil
		})
	})

	t.Run("keeps_data_across_reopen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tupu.db")
		d := newDataset([]tupu.Entity{entity("yubei", tupu.KindDistrict, "渝北区")}, nil, nil)
		s, err := store.Open(path, store.Options{Timeout: testTimeout})
		if err != nil {
			t.Fatal(err)
		}
		MustSync(t, s, d)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = MustOpenFile(t, path)
		assertHolds(t, s, d, nil)
		if got := MustGraphVersion(t, s); got != 1 {
			t.Errorf("GraphVersion() after reopen = %d, want 1", got)
		}
	})

	// bbolt locks with flock, which belongs to the open file description:
	// a second Open in the same process takes a new one and waits like
	// another process would.
	t.Run("file_in_use_is_unavailable", func(t *testing.T) {
		for _, readOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("read_only=%v", readOnly), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "tupu.db")
				MustOpenFile(t, path)
				start := time.Now()
				done := make(chan error, 1)
				go func() {
					s, err := store.Open(path, store.Options{Timeout: testTimeout, ReadOnly: readOnly})
					if err == nil {
						s.Close()
					}
					done <- err
				}()
				select {
				case err := <-done:
					assertCode(t, err, tupu.Unavailable)
					if err != nil && !strings.Contains(err.Error(), "in use") {
						t.Errorf("error = %q, want it to say the file is in use", err)
					}
					if elapsed := time.Since(start); elapsed > 2*time.Second {
						t.Errorf("second Open gave up after %s, want about %s", elapsed, testTimeout)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("second Open of a file in use still waiting after 10s")
				}
			})
		}
	})

	t.Run("read_only", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tupu.db")
		d := newDataset([]tupu.Entity{entity("yubei", tupu.KindDistrict, "渝北区")}, nil, nil)
		s, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		MustSync(t, s, d)
		s.Close()

		s, err = store.Open(path, store.Options{ReadOnly: true, Timeout: testTimeout})
		if err != nil {
			t.Fatalf("Open read-only: %v", err)
		}
		defer s.Close()
		assertHolds(t, s, d, nil)
		err = s.Update(context.Background(), func(tx *store.Tx) error {
			e := entity("other", tupu.KindDistrict, "其他区")
			e.Version = 1
			return tx.PutEntity(&e)
		})
		if err == nil {
			t.Error("Update on a read-only store succeeded, want an error")
		}
		// Several read-only opens share the file.
		s2, err := store.Open(path, store.Options{ReadOnly: true, Timeout: testTimeout})
		if err != nil {
			t.Fatalf("second read-only Open: %v", err)
		}
		s2.Close()
	})

	t.Run("read_only_missing_file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "missing", "tupu.db")
		s, err := store.Open(path, store.Options{ReadOnly: true, Timeout: testTimeout})
		if err == nil {
			s.Close()
			t.Fatal("read-only Open of a missing file succeeded, want an error")
		}
		if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("read-only Open created the directory (stat: %v)", err)
		}
	})

	t.Run("other_schema_version_is_refused", func(t *testing.T) {
		for _, readOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("read_only=%v", readOnly), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "tupu.db")
				s, err := store.Open(path, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
				writeRaw(t, path, func(tx *bolt.Tx) error {
					return tx.Bucket([]byte("meta")).Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, 99))
				})

				s, err = store.Open(path, store.Options{Timeout: testTimeout, ReadOnly: readOnly})
				if err == nil {
					s.Close()
					t.Fatal("Open of a file with schema version 99 succeeded, want an error")
				}
				if !strings.Contains(err.Error(), "schema version is 99") {
					t.Errorf("error = %q, want it to name the file's schema version 99", err)
				}
				// The file is left as it was, and unlocked.
				readRaw(t, path, func(tx *bolt.Tx) error {
					if got := binary.BigEndian.Uint64(tx.Bucket([]byte("meta")).Get([]byte("schema"))); got != 99 {
						t.Errorf("schema version after the refused Open = %d, want 99", got)
					}
					return nil
				})
			})
		}
	})

	t.Run("file_without_schema_version_is_refused", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tupu.db")
		writeRaw(t, path, func(tx *bolt.Tx) error {
			meta, err := tx.CreateBucket([]byte("meta"))
			if err != nil {
				return err
			}
			return meta.Put([]byte("schema"), []byte{1}) // not 8 bytes
		})
		s, err := store.Open(path, store.Options{Timeout: testTimeout})
		if err == nil {
			s.Close()
			t.Fatal("Open of a file with a malformed schema version succeeded, want an error")
		}
		if !strings.Contains(err.Error(), "not a tupu database") {
			t.Errorf("error = %q, want it to say the file is not a tupu database", err)
		}
	})

	t.Run("file_of_another_program_read_only", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "other.db")
		writeRaw(t, path, func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("accounts"))
			return err
		})
		s, err := store.Open(path, store.Options{Timeout: testTimeout, ReadOnly: true})
		if err == nil {
			s.Close()
			t.Fatal("read-only Open of another program's bbolt file succeeded, want an error")
		}
		if !strings.Contains(err.Error(), "not a tupu database") {
			t.Errorf("error = %q, want it to say the file is not a tupu database", err)
		}
	})

	t.Run("file_of_another_program", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "other.db")
		writeRaw(t, path, func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("accounts"))
			return err
		})
		s, err := store.Open(path, store.Options{Timeout: testTimeout})
		if err == nil {
			s.Close()
			t.Error("Open of another program's bbolt file succeeded, want an error")
		} else if !strings.Contains(err.Error(), "not a tupu database") {
			t.Errorf("error = %q, want it to say the file is not a tupu database", err)
		}
		readRaw(t, path, func(tx *bolt.Tx) error {
			if tx.Bucket([]byte("meta")) != nil {
				t.Error("the refused file gained a meta bucket")
			}
			return nil
		})
	})

	t.Run("not_a_bbolt_file", func(t *testing.T) {
		rnd := rand.New(rand.NewPCG(1, 2))
		noise := make([]byte, 64<<10)
		for i := range noise {
			noise[i] = byte(rnd.UintN(256))
		}
		for _, tc := range []struct {
			name    string
			content []byte
		}{
			{"short_text", []byte("key,value\nyubei,渝北区\n")},
			{"a_page_of_text", []byte(strings.Repeat("this is not a database\n", 4096/23+1))},
			{"random_bytes", noise},
			{"zero_bytes", make([]byte, 32<<10)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "tupu.db")
				if err := os.WriteFile(path, tc.content, 0o600); err != nil {
					t.Fatal(err)
				}
				var s *store.Store
				err := func() (err error) {
					defer func() {
						if p := recover(); p != nil {
							err = fmt.Errorf("panic: %v", p)
						}
					}()
					s, err = store.Open(path, store.Options{Timeout: testTimeout})
					return err
				}()
				if err == nil {
					s.Close()
					t.Fatal("Open succeeded, want an error")
				}
				if strings.HasPrefix(err.Error(), "panic") {
					t.Fatalf("Open panicked: %v", err)
				}
				if code := tupu.ErrorCode(err); code == tupu.Unavailable {
					t.Errorf("error = %v, code %s: a damaged file is not a busy one", err, code)
				}
				got, _ := os.ReadFile(path)
				if !reflect.DeepEqual(got, tc.content) {
					t.Error("Open changed the file it refused")
				}
			})
		}
	})
}

// writeRaw runs fn in a write transaction on the bbolt file at path, as
// another program or an older version of this one would.
func writeRaw(tb testing.TB, path string, fn func(*bolt.Tx) error) {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: testTimeout})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		tb.Fatal(err)
	}
}

func readRaw(tb testing.TB, path string, fn func(*bolt.Tx) error) {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: testTimeout, ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := db.View(fn); err != nil {
		tb.Fatal(err)
	}
}

// put writes entities (at version 1), then relations, then facts.
func put(tb testing.TB, s *store.Store, es []tupu.Entity, rs []tupu.Relation, fs []tupu.Fact) {
	tb.Helper()
	MustUpdate(tb, s, func(tx *store.Tx) error {
		for _, e := range es {
			e.Version = 1
			if err := tx.PutEntity(&e); err != nil {
				return err
			}
		}
		for _, r := range rs {
			if err := tx.PutRelation(&r); err != nil {
				return err
			}
		}
		for _, f := range fs {
			if err := tx.PutFact(&f); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestStore_Entity(t *testing.T) { eachEngine(t, testStore_Entity) }

func testStore_Entity(t *testing.T) {
	s := MustOpen(t)
	park := entity("frontier-tech-city", tupu.KindPark, "前沿科技城", "科技城")
	park.NameEn = "Frontier Tech City"
	park.Description = "a park"
	park.Note = "read from the 2021 report"
	put(t, s, []tupu.Entity{park}, nil, nil)

	t.Run("round_trip", func(t *testing.T) {
		MustView(t, s, func(tx *store.Tx) error {
			got, err := tx.Entity(park.Key)
			if err != nil {
				return err
			}
			want := park
			want.Version = 1
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("Entity(%q) = %+v, want %+v", park.Key, *got, want)
			}
			return nil
		})
	})

	t.Run("missing_is_not_found", func(t *testing.T) {
		MustView(t, s, func(tx *store.Tx) error {
			_, err := tx.Entity("nowhere")
			assertCode(t, err, tupu.NotFound)
			_, err = tx.Document("nothing")
			assertCode(t, err, tupu.NotFound)
			return nil
		})
	})

	t.Run("kind_cannot_change", func(t *testing.T) {
		err := s.Update(context.Background(), func(tx *store.Tx) error {
			e := park
			e.Kind = tupu.KindCompany
			e.Version = 2
			return tx.PutEntity(&e)
		})
		assertCode(t, err, tupu.BadUserInput)
		MustView(t, s, func(tx *store.Tx) error {
			if got := tx.CountEntities(tupu.KindPark); got != 1 {
				t.Errorf("CountEntities(PARK) = %d, want 1", got)
			}
			if got := tx.CountEntities(tupu.KindCompany); got != 0 {
				t.Errorf("CountEntities(COMPANY) = %d, want 0", got)
			}
			return nil
		})
	})

	t.Run("values_outlive_the_transaction", func(t *testing.T) {
		var got *tupu.Entity
		var cursor []byte
		MustView(t, s, func(tx *store.Tx) (err error) {
			got, err = tx.Entity(park.Key)
			if err != nil {
				return err
			}
			p, err := tx.Entities("", store.PageArgs{First: 1})
			if err != nil {
				return err
			}
			cursor = p.Cursors[0]
			return nil
		})
		// Writes reuse the pages the read saw; copies must not change.
		put(t, s, []tupu.Entity{entity("zz-filler", tupu.KindCompany, "填充")}, nil, nil)
		if got.Name != park.Name || string(cursor) != park.Key {
			t.Errorf("after the transaction: entity name %q, cursor %q; want %q, %q", got.Name, cursor, park.Name, park.Key)
		}
	})
}

func TestStore_Facts(t *testing.T) { eachEngine(t, testStore_Facts) }

func testStore_Facts(t *testing.T) {
	s := MustOpen(t)
	es := []tupu.Entity{entity("yubei", tupu.KindDistrict, "渝北区"), entity("acme", tupu.KindCompany, "某某科技")}
	gdp20, gdp21, pop := fact("yubei", "gdp", 2000, "2020"), fact("yubei", "gdp", 2200, "2021"), fact("yubei", "population", 219, "")
	text := tupu.Fact{Entity: "yubei", Property: "slogan", Text: "临空前沿", Source: *src("临空前沿")}
	put(t, s, es, nil, []tupu.Fact{pop, gdp21, text, gdp20})

	for _, tc := range []struct {
		name, property, period string
		want                   []tupu.Fact
	}{
		{"all_by_property_and_period", "", "", []tupu.Fact{gdp20, gdp21, pop, text}},
		{"one_property", "gdp", "", []tupu.Fact{gdp20, gdp21}},
		{"one_period", "", "2021", []tupu.Fact{gdp21}},
		{"property_and_period", "gdp", "2020", []tupu.Fact{gdp20}},
		{"property_prefix_is_not_a_property", "gd", "", nil},
		{"no_such_period", "gdp", "2019", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			MustView(t, s, func(tx *store.Tx) error {
				got, err := tx.Facts("yubei", tc.property, tc.period)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("Facts(yubei, %q, %q) = %+v, want %+v", tc.property, tc.period, got, tc.want)
				}
				return nil
			})
		})
	}

	t.Run("put_replaces_same_period", func(t *testing.T) {
		revised := fact("yubei", "gdp", 2210, "2021")
		put(t, s, nil, nil, []tupu.Fact{revised})
		MustView(t, s, func(tx *store.Tx) error {
			got, err := tx.Facts("yubei", "gdp", "2021")
			if err != nil {
				return err
			}
			if len(got) != 1 || *got[0].Value != 2210 {
				t.Errorf("Facts(yubei, gdp, 2021) = %+v, want one fact of 2210", got)
			}
			return nil
		})
	})

	t.Run("errors", func(t *testing.T) {
		err := s.Update(context.Background(), func(tx *store.Tx) error {
			f := fact("nowhere", "gdp", 1, "2021")
			return tx.PutFact(&f)
		})
		assertCode(t, err, tupu.NotFound)
		err = s.Update(context.Background(), func(tx *store.Tx) error { return tx.DeleteFact("yubei", "gdp", "1999") })
		assertCode(t, err, tupu.NotFound)
		MustView(t, s, func(tx *store.Tx) error {
			got, err := tx.Facts("acme", "", "")
			if err != nil || len(got) != 0 {
				t.Errorf("Facts(acme) = %+v, %v; want none", got, err)
			}
			return nil
		})
	})
}

func TestStore_Relations(t *testing.T) { eachEngine(t, testStore_Relations) }

func testStore_Relations(t *testing.T) {
	s := MustOpen(t)
	es := []tupu.Entity{
		entity("park", tupu.KindPark, "前沿科技城"),
		entity("acme", tupu.KindCompany, "某某科技"),
		entity("lab", tupu.KindLab, "联合实验室"),
	}
	hosts := relation("park", tupu.PredHosts, "acme")
	hosts.Note = "入驻"
	put(t, s, es, []tupu.Relation{hosts, relation("acme", tupu.PredBuilt, "lab")}, nil)

	t.Run("seen_from_both_ends", func(t *testing.T) {
		MustView(t, s, func(tx *store.Tx) error {
			got, err := tx.Relation("park", tupu.PredHosts, "acme")
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(*got, hosts) {
				t.Errorf("Relation(park hosts acme) = %+v, want %+v", *got, hosts)
			}
			p, err := tx.Edges("acme", store.EdgeFilter{}, store.PageArgs{First: 10})
			if err != nil {
				return err
			}
			var rows []string
			for _, e := range p.Edges {
				rows = append(rows, rowOf(e))
			}
			assertRows(t, "edges of acme", rows, []string{"IN hosts PARK park", "OUT built LAB lab"})
			e := p.Edges[0]
			src, note, err := e.Provenance()
			if err != nil || !reflect.DeepEqual(src, hosts.Source) || note != hosts.Note || e.Other.Name != "前沿科技城" {
				t.Errorf("edge acme <- park = %+v (%+v, %q, %v), want source %+v, note %q and the park loaded", e, src, note, err, hosts.Source, hosts.Note)
			}
			_, err = tx.Relation("acme", tupu.PredHosts, "park")
			assertCode(t, err, tupu.NotFound)
			return nil
		})
	})

	t.Run("put_twice_replaces", func(t *testing.T) {
		again := hosts
		again.Note = "集聚"
		put(t, s, nil, []tupu.Relation{again}, nil)
		MustView(t, s, func(tx *store.Tx) error {
			for key, want := range map[string]int{"park": 1, "acme": 2, "lab": 1} {
				if got := tx.CountEdges(key, store.EdgeFilter{}); got != want {
					t.Errorf("CountEdges(%s) = %d, want %d", key, got, want)
				}
			}
			got, err := tx.Relation("park", tupu.PredHosts, "acme")
			if err != nil {
				return err
			}
			if got.Note != "集聚" {
				t.Errorf("Relation(park hosts acme).Note = %q, want %q", got.Note, "集聚")
			}
			return nil
		})
	})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			fn   func(tx *store.Tx) error
		}{
			{"put_to_missing_object", func(tx *store.Tx) error {
				r := relation("park", tupu.PredHosts, "nobody")
				return tx.PutRelation(&r)
			}},
			{"put_from_missing_subject", func(tx *store.Tx) error {
				r := relation("nobody", tupu.PredLocatedIn, "park")
				return tx.PutRelation(&r)
			}},
			{"delete_missing_relation", func(tx *store.Tx) error {
				return tx.DeleteRelation("park", tupu.PredHosts, "lab")
			}},
			{"delete_reversed_relation", func(tx *store.Tx) error {
				return tx.DeleteRelation("acme", tupu.PredHosts, "park")
			}},
			{"delete_with_missing_end", func(tx *store.Tx) error {
				return tx.DeleteRelation("park", tupu.PredHosts, "nobody")
			}},
			{"get_with_missing_end", func(tx *store.Tx) error {
				_, err := tx.Relation("park", tupu.PredHosts, "nobody")
				return err
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := MustGraphVersion(t, s)
				assertCode(t, s.Update(context.Background(), tc.fn), tupu.NotFound)
				if got := MustGraphVersion(t, s); got != before {
					t.Errorf("GraphVersion() = %d after a failed Update, want %d", got, before)
				}
			})
		}
	})

	t.Run("delete_removes_both_ends", func(t *testing.T) {
		MustUpdate(t, s, func(tx *store.Tx) error { return tx.DeleteRelation("park", tupu.PredHosts, "acme") })
		MustView(t, s, func(tx *store.Tx) error {
			_, err := tx.Relation("park", tupu.PredHosts, "acme")
			assertCode(t, err, tupu.NotFound)
			for key, want := range map[string]int{"park": 0, "acme": 1, "lab": 1} {
				if got := tx.CountEdges(key, store.EdgeFilter{}); got != want {
					t.Errorf("CountEdges(%s) = %d, want %d", key, got, want)
				}
			}
			return nil
		})
	})

	t.Run("to_itself", func(t *testing.T) {
		s := MustOpen(t)
		put(t, s, []tupu.Entity{entity("park", tupu.KindPark, "前沿科技城")}, nil, nil)
		err := s.Update(context.Background(), func(tx *store.Tx) error {
			r := relation("park", tupu.PredPartOf, "park")
			return tx.PutRelation(&r)
		})
		assertCode(t, err, tupu.BadUserInput)
		// Whatever was written, the entity can still be deleted.
		if err := s.Update(context.Background(), func(tx *store.Tx) error { return tx.DeleteEntity("park") }); err != nil {
			t.Errorf("DeleteEntity(park): %v", err)
		}
	})
}

func TestStore_DeleteEntity(t *testing.T) { eachEngine(t, testStore_DeleteEntity) }

func testStore_DeleteEntity(t *testing.T) {
	s := MustOpen(t)
	d := hubDataset()
	MustSync(t, s, d)

	var before int
	MustView(t, s, func(tx *store.Tx) error {
		before = tx.CountEdges("hub", store.EdgeFilter{})
		return nil
	})
	MustUpdate(t, s, func(tx *store.Tx) error { return tx.DeleteEntity("c01") })

	// The model: c01 and every statement about it are gone.
	want := clone(d)
	want.Entities = deleteEntity(want.Entities, "c01")
	want.Relations = deleteRelationsOf(want.Relations, "c01")
	want.Facts = deleteFactsOf(want.Facts, "c01")
	assertHolds(t, s, want, nil)

	MustView(t, s, func(tx *store.Tx) error {
		_, err := tx.Entity("c01")
		assertCode(t, err, tupu.NotFound)
		_, err = tx.EntityByName("企业01")
		assertCode(t, err, tupu.NotFound)
		_, err = tx.Relation("hub", tupu.PredHosts, "c01")
		assertCode(t, err, tupu.NotFound)
		// c01 was hosted by the hub and built it: two edges fewer.
		if got := tx.CountEdges("hub", store.EdgeFilter{}); got != before-2 {
			t.Errorf("CountEdges(hub) = %d, want %d", got, before-2)
		}
		if got := tx.CountEdges("c01", store.EdgeFilter{}); got != 0 {
			t.Errorf("CountEdges(c01) = %d, want 0", got)
		}
		if facts, err := tx.Facts("c01", "", ""); err != nil || len(facts) != 0 {
			t.Errorf("Facts(c01) = %+v, %v; want none", facts, err)
		}
		_, err = tx.EntityByName("企业01")
		assertCode(t, err, tupu.NotFound)
		return nil
	})

	err := s.Update(context.Background(), func(tx *store.Tx) error { return tx.DeleteEntity("c01") })
	assertCode(t, err, tupu.NotFound)
}

func deleteEntity(es []tupu.Entity, key string) []tupu.Entity {
	return deleteFunc(es, func(e tupu.Entity) bool { return e.Key == key })
}

func deleteRelationsOf(rs []tupu.Relation, key string) []tupu.Relation {
	return deleteFunc(rs, func(r tupu.Relation) bool { return r.Subject == key || r.Object == key })
}

func deleteFactsOf(fs []tupu.Fact, key string) []tupu.Fact {
	return deleteFunc(fs, func(f tupu.Fact) bool { return f.Entity == key })
}

// deleteFunc is slices.DeleteFunc on a copy, so that fixtures stay intact.
func deleteFunc[T any](s []T, del func(T) bool) []T {
	var out []T
	for _, v := range s {
		if !del(v) {
			out = append(out, v)
		}
	}
	return out
}

func TestStore_Update(t *testing.T) { eachEngine(t, testStore_Update) }

func testStore_Update(t *testing.T) {
	t.Run("error_rolls_back", func(t *testing.T) {
		s := MustOpen(t)
		err := s.Update(context.Background(), func(tx *store.Tx) error {
			e := entity("yubei", tupu.KindDistrict, "渝北区")
			e.Version = 1
			if err := tx.PutEntity(&e); err != nil {
				return err
			}
			return tupu.Errorf(tupu.Conflict, "changed my mind")
		})
		assertCode(t, err, tupu.Conflict)
		MustView(t, s, func(tx *store.Tx) error {
			_, err := tx.Entity("yubei")
			assertCode(t, err, tupu.NotFound)
			if got := tx.CountEntities(""); got != 0 {
				t.Errorf("CountEntities(\"\") = %d, want 0", got)
			}
			return nil
		})
		if got := MustGraphVersion(t, s); got != 0 {
			t.Errorf("GraphVersion() = %d, want 0", got)
		}
	})

	t.Run("ended_context_writes_nothing", func(t *testing.T) {
		// A write whose request has ended (its client gone, its time run
		// out) is not begun: the API's writes end with their request.
		s := MustOpen(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ran := false
		err := s.Update(ctx, func(tx *store.Tx) error {
			ran = true
			e := entity("yubei", tupu.KindDistrict, "渝北区")
			return tx.PutEntity(&e)
		})
		if !errors.Is(err, context.Canceled) || ran {
			t.Errorf("Update with an ended context: %v (ran: %v), want context.Canceled, not run", err, ran)
		}
		if got := MustGraphVersion(t, s); got != 0 {
			t.Errorf("GraphVersion() = %d, want 0", got)
		}
	})

	t.Run("graph_version_counts_changes", func(t *testing.T) {
		s := MustOpen(t)
		yubei := entity("yubei", tupu.KindDistrict, "渝北区")
		yubei.Version = 1
		steps := []struct {
			name    string
			fn      func(tx *store.Tx) error
			changed bool
		}{
			{"put_entity", func(tx *store.Tx) error { return tx.PutEntity(&yubei) }, true},
			{"read_only", func(tx *store.Tx) error { _, err := tx.Entity("yubei"); return err }, false},
			{"nothing", func(tx *store.Tx) error { return nil }, false},
			{"put_fact", func(tx *store.Tx) error { f := fact("yubei", "gdp", 1, "2021"); return tx.PutFact(&f) }, true},
			{"put_document", func(tx *store.Tx) error {
				return tx.PutDocument(&tupu.Document{Key: "doc", Title: "t", Text: "x"})
			}, true},
			{"delete_fact", func(tx *store.Tx) error { return tx.DeleteFact("yubei", "gdp", "2021") }, true},
			{"delete_entity", func(tx *store.Tx) error { return tx.DeleteEntity("yubei") }, true},
		}
		v := MustGraphVersion(t, s)
		for _, step := range steps {
			MustUpdate(t, s, step.fn)
			n := 0
			if step.changed {
				n = 1
			}
			v = assertVersionAfter(t, s, v, n, "after "+step.name)
		}
	})

	t.Run("read_transactions_count_views", func(t *testing.T) {
		s := MustOpen(t)
		put(t, s, []tupu.Entity{entity("yubei", tupu.KindDistrict, "渝北区")}, nil, nil)
		start := s.ReadTransactions()
		for i := range 3 {
			MustView(t, s, func(tx *store.Tx) error {
				// However many reads one View makes, it is one transaction.
				for range 5 {
					if _, err := tx.Entity("yubei"); err != nil {
						return err
					}
				}
				return nil
			})
			if got, want := s.ReadTransactions(), start+uint64(i+1); got != want {
				t.Errorf("after %d views: ReadTransactions() = %d, want %d", i+1, got, want)
			}
		}
		// A failed View counts too; writes, versions and checks do not.
		s.View(func(tx *store.Tx) error { return errors.New("stop") })
		put(t, s, []tupu.Entity{entity("jiangbei", tupu.KindDistrict, "江北区")}, nil, nil)
		MustGraphVersion(t, s)
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		if got, want := s.ReadTransactions(), start+4; got != want {
			t.Errorf("ReadTransactions() = %d, want %d", got, want)
		}
	})
}

// TestStore_Concurrent reads while a writer works; run it under -race.
func TestStore_Concurrent(t *testing.T) { eachEngine(t, testStore_Concurrent) }

func testStore_Concurrent(t *testing.T) {
	s := MustOpen(t)
	MustSync(t, s, hubDataset())
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := s.View(func(tx *store.Tx) error {
					p, err := tx.Edges("hub", store.EdgeFilter{}, store.PageArgs{First: 100})
					if err != nil {
						return err
					}
					// Within one transaction the counters agree with the edges.
					if len(p.Edges) != p.Total {
						return fmt.Errorf("%d edges, Total %d", len(p.Edges), p.Total)
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := range 30 {
		key := fmt.Sprintf("x%02d", i)
		put(t, s, []tupu.Entity{entity(key, tupu.KindCompany, key)}, []tupu.Relation{relation("hub", tupu.PredHosts, key)}, nil)
		if i%3 == 0 {
			MustUpdate(t, s, func(tx *store.Tx) error { return tx.DeleteEntity(key) })
		}
	}
	close(stop)
	wg.Wait()
}
