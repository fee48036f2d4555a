package store_test

import (
	"errors"
	"strings"
	"testing"

	"tupu"
	"tupu/store"
)

// syncV1 is a small graph: a district, a park in it hosting a company
// and a lab, and a company that will be dropped from the next version.
func syncV1() *tupu.Dataset {
	return newDataset(
		[]tupu.Entity{
			entity("yubei", tupu.KindDistrict, "渝北区"),
			entity("park", tupu.KindPark, "前沿科技城", "科技城"),
			entity("acme", tupu.KindCompany, "某某科技"),
			entity("lab", tupu.KindLab, "联合实验室"),
			entity("gone", tupu.KindCompany, "将被删除的公司"),
		},
		[]tupu.Relation{
			relation("park", tupu.PredLocatedIn, "yubei"),
			relation("park", tupu.PredHosts, "acme"),
			relation("park", tupu.PredHosts, "lab"),
			relation("acme", tupu.PredBuilt, "lab"),
			relation("park", tupu.PredHosts, "gone"),
			relation("gone", tupu.PredPartnerOf, "lab"),
		},
		[]tupu.Fact{
			fact("park", "area", 25, "2021"),
			fact("acme", "revenue", 10, "2020"),
			fact("acme", "revenue", 12, "2021"),
			fact("gone", "employees", 100, ""),
		},
	)
}

// syncV2 is the next version of syncV1: acme renamed, gone dropped with
// its statements, acme's relation to the lab and its 2020 revenue
// dropped, the park's area revised, and a new company with a relation and
// a fact.
func syncV2() *tupu.Dataset {
	acme := entity("acme", tupu.KindCompany, "某某科技集团", "某某科技")
	acme.NameEn = "Acme Group"
	return newDataset(
		[]tupu.Entity{
			entity("yubei", tupu.KindDistrict, "渝北区"),
			entity("park", tupu.KindPark, "前沿科技城", "科技城"),
			acme,
			entity("lab", tupu.KindLab, "联合实验室"),
			entity("newco", tupu.KindCompany, "新公司"),
		},
		[]tupu.Relation{
			relation("park", tupu.PredLocatedIn, "yubei"),
			relation("park", tupu.PredHosts, "acme"),
			relation("park", tupu.PredHosts, "lab"),
			relation("park", tupu.PredHosts, "newco"),
		},
		[]tupu.Fact{
			fact("park", "area", 26, "2021"),
			fact("acme", "revenue", 12, "2021"),
			fact("newco", "employees", 50, ""),
		},
	)
}

func TestStore_Sync(t *testing.T) {
	t.Run("into_empty_store", func(t *testing.T) {
		s := MustOpen(t)
		d := syncV1()
		got := MustSync(t, s, d)
		want := store.SyncResult{Added: 1 + 5 + 6 + 4}
		if got != want {
			t.Errorf("Sync() = %+v, want %+v", got, want)
		}
		if !got.Changed() {
			t.Error("Changed() = false, want true")
		}
		assertHolds(t, s, d, nil)
		if got := MustGraphVersion(t, s); got != 1 {
			t.Errorf("GraphVersion() = %d, want 1: one Sync is one write", got)
		}
		// Both ends of a relation see it.
		out := walkForward(t, s, edgesOf("acme", store.EdgeFilter{Direction: tupu.Out}), 10)
		assertRows(t, "out of acme", out, []string{"OUT built LAB lab"})
		in := walkForward(t, s, edgesOf("lab", store.EdgeFilter{Direction: tupu.In}), 10)
		assertRows(t, "into lab", in, []string{"IN built COMPANY acme", "IN hosts PARK park", "IN partner_of COMPANY gone"})
		MustView(t, s, func(tx *store.Tx) error {
			e, err := tx.EntityByName("科技城")
			if err != nil {
				return err
			}
			if e.Key != "park" {
				t.Errorf("EntityByName(科技城) = %q, want park", e.Key)
			}
			return nil
		})
	})

	t.Run("twice_is_unchanged", func(t *testing.T) {
		s := MustOpen(t)
		MustSync(t, s, syncV1())
		version := MustGraphVersion(t, s)
		got := MustSync(t, s, syncV1())
		want := store.SyncResult{Unchanged: 1 + 5 + 6 + 4}
		if got != want {
			t.Errorf("second Sync() = %+v, want %+v", got, want)
		}
		if got.Changed() {
			t.Error("Changed() = true, want false")
		}
		if got := MustGraphVersion(t, s); got != version {
			t.Errorf("GraphVersion() = %d after an unchanged Sync, want %d", got, version)
		}
		assertHolds(t, s, syncV1(), nil) // every Version still 1
	})

	t.Run("changed_dataset", func(t *testing.T) {
		s := MustOpen(t)
		MustSync(t, s, syncV1())
		got := MustSync(t, s, syncV2())
		want := store.SyncResult{
			Added:     3,         // newco, park hosts newco, newco's employees
			Updated:   3,         // the document's text, acme, the park's area
			Removed:   6,         // gone, its two relations and its fact; acme built lab; acme's 2020 revenue
			Unchanged: 3 + 3 + 1, // entities, relations, facts
		}
		if got != want {
			t.Errorf("Sync(v2) = %+v, want %+v", got, want)
		}
		assertHolds(t, s, syncV2(), map[string]int{"acme": 2})
		if got := MustGraphVersion(t, s); got != 2 {
			t.Errorf("GraphVersion() = %d, want 2", got)
		}
		MustView(t, s, func(tx *store.Tx) error {
			_, err := tx.Entity("gone")
			assertCode(t, err, tupu.NotFound)
			_, err = tx.EntityByName("将被删除的公司")
			assertCode(t, err, tupu.NotFound)
			// acme's old name is now its alias; its English name is new.
			for _, name := range []string{"某某科技集团", "某某科技", "acme group"} {
				e, err := tx.EntityByName(name)
				if err != nil {
					t.Errorf("EntityByName(%q): %v", name, err)
				} else if e.Key != "acme" {
					t.Errorf("EntityByName(%q) = %q, want acme", name, e.Key)
				}
			}
			if got := tx.CountEntities(tupu.KindCompany); got != 2 {
				t.Errorf("CountEntities(COMPANY) = %d, want 2", got)
			}
			return nil
		})

		// And v2 again changes nothing.
		if got := MustSync(t, s, syncV2()); got.Changed() {
			t.Errorf("Sync(v2) again = %+v, want nothing changed", got)
		}
		assertHolds(t, s, syncV2(), map[string]int{"acme": 2})
		if got := MustGraphVersion(t, s); got != 2 {
			t.Errorf("GraphVersion() = %d, want 2", got)
		}
	})

	t.Run("rename_drops_old_names", func(t *testing.T) {
		s := MustOpen(t)
		MustSync(t, s, syncV1())
		d := syncV1()
		d.Entities[1] = entity("park", tupu.KindPark, "西部科学城") // no longer 前沿科技城, no alias
		d = newDataset(d.Entities, d.Relations, d.Facts)
		MustSync(t, s, d)
		assertHolds(t, s, d, map[string]int{"park": 2})
		MustView(t, s, func(tx *store.Tx) error {
			for _, old := range []string{"前沿科技城", "科技城"} {
				_, err := tx.EntityByName(old)
				assertCode(t, err, tupu.NotFound)
			}
			return nil
		})
	})

	t.Run("kind_change_recreates_edges", func(t *testing.T) {
		s := MustOpen(t)
		MustSync(t, s, syncV1())
		d := syncV1()
		d.Entities[3].Kind = tupu.KindInstitute // lab
		MustSync(t, s, d)
		assertHolds(t, s, d, map[string]int{"lab": 2})
		MustView(t, s, func(tx *store.Tx) error {
			if got := tx.CountEntities(tupu.KindLab); got != 0 {
				t.Errorf("CountEntities(LAB) = %d, want 0", got)
			}
			if got := tx.CountEdges("park", store.EdgeFilter{Kind: tupu.KindLab}); got != 0 {
				t.Errorf("CountEdges(park, LAB) = %d, want 0", got)
			}
			if got := tx.CountEdges("park", store.EdgeFilter{Kind: tupu.KindInstitute}); got != 1 {
				t.Errorf("CountEdges(park, INSTITUTE) = %d, want 1", got)
			}
			return nil
		})
	})

	// Statements from documents the dataset does not hold are someone
	// else's: Sync leaves them alone.
	t.Run("keeps_other_documents", func(t *testing.T) {
		s := MustOpen(t)
		MustSync(t, s, syncV1())
		other := &tupu.Source{Document: "news-2022", Quote: "与联合实验室合作"}
		foreign := tupu.Entity{Key: "foreign", Kind: tupu.KindUniversity, Name: "某大学", Source: other, Version: 1}
		partner := tupu.Relation{Subject: "foreign", Predicate: tupu.PredPartnerOf, Object: "lab", Source: other}
		toGone := tupu.Relation{Subject: "foreign", Predicate: tupu.PredPartnerOf, Object: "gone", Source: other}
		metric := tupu.Fact{Entity: "park", Property: "firms", Text: "多家", Source: *other}
		MustUpdate(t, s, func(tx *store.Tx) error {
			for _, err := range []error{
				tx.PutDocument(&tupu.Document{Key: "news-2022", Title: "新闻", Text: "某大学与联合实验室合作"}),
				tx.PutEntity(&foreign),
				tx.PutRelation(&partner),
				tx.PutRelation(&toGone),
				tx.PutFact(&metric),
			} {
				if err != nil {
					return err
				}
			}
			return nil
		})

		MustSync(t, s, syncV2())

		want := syncV2()
		want.Entities = append(want.Entities, foreign)
		want.Relations = append(want.Relations, partner) // toGone went with gone
		want.Facts = append(want.Facts, metric)
		assertHolds(t, s, want, map[string]int{"acme": 2})
		MustView(t, s, func(tx *store.Tx) error {
			if _, err := tx.Document("news-2022"); err != nil {
				t.Errorf("Document(news-2022): %v", err)
			}
			return nil
		})
	})

	t.Run("kind_change_keeps_other_documents", func(t *testing.T) {
		s := MustOpen(t)
		MustSync(t, s, syncV1())
		other := &tupu.Source{Document: "news-2022", Quote: "与联合实验室合作"}
		foreign := tupu.Entity{Key: "foreign", Kind: tupu.KindUniversity, Name: "某大学", Source: other, Version: 1}
		partner := tupu.Relation{Subject: "foreign", Predicate: tupu.PredPartnerOf, Object: "lab", Source: other}
		staff := tupu.Fact{Entity: "lab", Property: "staff", Text: "数十人", Source: *other}
		MustUpdate(t, s, func(tx *store.Tx) error {
			return errors.Join(
				tx.PutDocument(&tupu.Document{Key: "news-2022", Title: "新闻", Text: "某大学与联合实验室合作"}),
				tx.PutEntity(&foreign), tx.PutRelation(&partner), tx.PutFact(&staff))
		})

		d := syncV1()
		d.Entities[3].Kind = tupu.KindInstitute // lab
		MustSync(t, s, d)

		want := clone(d)
		want.Entities = append(want.Entities, foreign)
		want.Relations = append(want.Relations, partner)
		want.Facts = append(want.Facts, staff)
		assertHolds(t, s, want, map[string]int{"lab": 2})
	})

	t.Run("invalid_dataset_changes_nothing", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			spoil   func(d *tupu.Dataset)
			message string
		}{
			{"quote_not_in_document", func(d *tupu.Dataset) {
				d.Entities[0].Source = src("不存在的话")
			}, "is not found in document"},
			{"document_not_in_dataset", func(d *tupu.Dataset) {
				d.Relations[0].Source = &tupu.Source{Document: "elsewhere", Quote: "渝北区"}
			}, `document "elsewhere" is not in the dataset`},
			{"dangling_relation", func(d *tupu.Dataset) {
				d.Relations = append(d.Relations, relation("park", tupu.PredHosts, "nobody"))
			}, `object "nobody" is not an entity`},
			{"fact_about_nobody", func(d *tupu.Dataset) {
				d.Facts = append(d.Facts, fact("nobody", "gdp", 1, "2021"))
			}, `entity "nobody" is not an entity`},
			{"duplicate_entity", func(d *tupu.Dataset) {
				d.Entities = append(d.Entities, entity("acme", tupu.KindCompany, "某某科技"))
			}, "key repeats"},
			{"duplicate_relation", func(d *tupu.Dataset) {
				d.Relations = append(d.Relations, d.Relations[0])
			}, "relation repeats"},
			{"unknown_kind", func(d *tupu.Dataset) {
				d.Entities[2].Kind = "CASTLE"
			}, `kind "CASTLE" is unknown`},
			{"unknown_predicate", func(d *tupu.Dataset) {
				d.Relations[0].Predicate = "likes"
			}, `predicate "likes" is unknown`},
			{"bad_key", func(d *tupu.Dataset) {
				d.Entities = append(d.Entities, entity("Bad Key", tupu.KindCompany, "某某科技"))
			}, "is not a key"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := MustOpen(t)
				MustSync(t, s, syncV1())
				version := MustGraphVersion(t, s)
				// v2's valid changes ride along with one problem.
				d := clone(syncV2())
				tc.spoil(d)
				res, err := s.Sync(d)
				assertCode(t, err, tupu.BadUserInput)
				if err != nil && !strings.Contains(err.Error(), tc.message) {
					t.Errorf("error = %q, want it to say %q", err, tc.message)
				}
				if res != (store.SyncResult{}) {
					t.Errorf("Sync() = %+v, want nothing counted", res)
				}
				if got := MustGraphVersion(t, s); got != version {
					t.Errorf("GraphVersion() = %d, want %d", got, version)
				}
				assertHolds(t, s, syncV1(), nil)
			})
		}
	})
}
