package store_test

import (
	"context"
	"errors"
	"fmt"
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

func TestStore_Sync(t *testing.T) { eachEngine(t, testStore_Sync) }

func testStore_Sync(t *testing.T) {
	t.Run("into_empty_store", func(t *testing.T) {
		s := MustOpen(t)
		d := syncV1()
		got := MustSync(t, s, d)
		want := syncCounts{Added: 1 + 5 + 6 + 4}
		if counts(got) != want {
			t.Errorf("Sync() = %+v, want %+v", counts(got), want)
		}
		if !got.Changed() {
			t.Error("Changed() = false, want true")
		}
		assertHolds(t, s, d, nil)
		assertVersionAfter(t, s, 0, 1, "one Sync is one write")
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
		want := syncCounts{Unchanged: 1 + 5 + 6 + 4}
		if counts(got) != want {
			t.Errorf("second Sync() = %+v, want %+v", counts(got), want)
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
		v1 := MustGraphVersion(t, s)
		got := MustSync(t, s, syncV2())
		want := syncCounts{
			Added:     3,         // newco, park hosts newco, newco's employees
			Updated:   3,         // the document's text, acme, the park's area
			Removed:   6,         // gone, its two relations and its fact; acme built lab; acme's 2020 revenue
			Unchanged: 3 + 3 + 1, // entities, relations, facts
		}
		if counts(got) != want {
			t.Errorf("Sync(v2) = %+v, want %+v", counts(got), want)
		}
		assertHolds(t, s, syncV2(), map[string]int{"acme": 2})
		v2 := assertVersionAfter(t, s, v1, 1, "after Sync(v2)")
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
		assertVersionAfter(t, s, v2, 0, "after Sync(v2) again")
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

	// Statements Sync did not write are someone else's: Sync leaves them
	// alone, whatever document they cite.
	t.Run("keeps_what_it_did_not_write", func(t *testing.T) {
		s := MustOpen(t)
		MustSync(t, s, syncV1())
		other := &tupu.Source{Document: "news-2022", Quote: "与联合实验室合作"}
		foreign := tupu.Entity{Key: "foreign", Kind: tupu.KindUniversity, Name: "某大学", Source: other, Version: 1}
		partner := tupu.Relation{Subject: "foreign", Predicate: tupu.PredPartnerOf, Object: "lab", Source: other}
		metric := tupu.Fact{Entity: "park", Property: "firms", Text: "多家", Source: *other}
		sameDoc := tupu.Relation{Subject: "acme", Predicate: tupu.PredPartnerOf, Object: "yubei", Source: src("某某科技")}
		MustUpdate(t, s, func(tx *store.Tx) error {
			for _, err := range []error{
				tx.PutDocument(&tupu.Document{Key: "news-2022", Title: "新闻", Text: "某大学与联合实验室合作"}),
				tx.PutEntity(&foreign),
				tx.PutRelation(&partner),
				tx.PutFact(&metric),
				tx.PutRelation(&sameDoc),
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
		want.Relations = append(want.Relations, partner, sameDoc)
		want.Facts = append(want.Facts, metric)
		want.Documents[0].Text += "。某某科技" // for sameDoc, which v2 does not quote
		d := syncV2()
		d.Documents[0].Text = want.Documents[0].Text
		MustSync(t, s, d)
		assertHolds(t, s, want, map[string]int{"acme": 2})
		MustView(t, s, func(tx *store.Tx) error {
			if _, err := tx.Document("news-2022"); err != nil {
				t.Errorf("Document(news-2022): %v", err)
			}
			return nil
		})
	})

	// An entity the data set drops stays while a statement the seed does
	// not own points at it, and goes once none does.
	t.Run("stale_entity_kept_while_pointed_at", func(t *testing.T) {
		s := MustOpen(t)
		MustSync(t, s, syncV1())
		other := &tupu.Source{Document: "news-2022", Quote: "某大学"}
		MustUpdate(t, s, func(tx *store.Tx) error {
			if _, err := tx.AddDocument("alice", tupu.Document{Key: "news-2022", Title: "新闻", Text: "某大学"}); err != nil {
				return err
			}
			if _, err := tx.CreateEntity("alice", tupu.Entity{Key: "foreign", Kind: tupu.KindUniversity, Name: "某大学", Source: other}); err != nil {
				return err
			}
			_, err := tx.AddRelation("alice", tupu.Relation{Subject: "foreign", Predicate: tupu.PredPartnerOf, Object: "gone", Source: other, Note: "A test relation."})
			return err
		})
		v2 := syncV2()
		v2.Documents[0].Text += "。" + entity("gone", tupu.KindCompany, "将被删除的公司").Source.Quote // the kept entity's words stay in the document
		res := MustSync(t, s, v2)
		if !hasAction(res, store.SyncKeep, "entity gone") || hasAction(res, store.SyncRemove, "entity gone") {
			t.Errorf("gone was not kept: %v", res.Actions)
		}
		MustView(t, s, func(tx *store.Tx) error {
			if _, err := tx.Entity("gone"); err != nil {
				t.Errorf("Entity(gone): %v", err)
			}
			if _, err := tx.Relation("foreign", tupu.PredPartnerOf, "gone"); err != nil {
				t.Errorf("the curator's relation: %v", err)
			}
			if got := tx.CountEdges("gone", store.EdgeFilter{}); got != 1 {
				t.Errorf("gone has %d relations, want only the curator's", got)
			}
			return nil
		})
		// Once the curator's relation is gone, so is the entity.
		MustUpdate(t, s, func(tx *store.Tx) error {
			return tx.RemoveRelation("alice", "foreign", tupu.PredPartnerOf, "gone")
		})
		res = MustSync(t, s, v2)
		if !hasAction(res, store.SyncRemove, "entity gone") {
			t.Errorf("gone was not removed: %v", res.Actions)
		}
		MustView(t, s, func(tx *store.Tx) error {
			_, err := tx.Entity("gone")
			assertCode(t, err, tupu.NotFound)
			return nil
		})
	})

	// A document's new text must still hold the words every statement
	// the seed does not own quotes from it.
	t.Run("document_text_under_curated_statements", func(t *testing.T) {
		s := MustOpen(t)
		MustSync(t, s, syncV1())
		MustUpdate(t, s, func(tx *store.Tx) error {
			_, err := tx.CreateEntity("alice", tupu.Entity{Key: "curated", Kind: tupu.KindCompany, Name: "另一家", Source: src("将被删除的公司"),
				Note: "A test entity the text does not name."})
			return err
		})
		version := MustGraphVersion(t, s)
		_, err := s.Sync(syncV2(), store.SyncOptions{Force: true})
		assertCode(t, err, tupu.Conflict)
		if err != nil && !strings.Contains(err.Error(), "entity curated quotes") {
			t.Errorf("the refusal does not name the statement: %v", err)
		}
		if got := MustGraphVersion(t, s); got != version {
			t.Errorf("a refused Sync wrote: graph version %d, want %d", got, version)
		}
	})

	t.Run("curators_changes_stay", func(t *testing.T) {
		s := MustOpen(t)
		MustSync(t, s, syncV1())
		curate(t, s)
		version := MustGraphVersion(t, s)
		v2 := keepingV1sWords()

		// The same data set again: the curators' changes are left.
		res := MustSync(t, s, syncV1())
		if res.Changed() {
			t.Errorf("Sync(v1) again over curated changes wrote: %+v %v", counts(res), res.Actions)
		}
		for _, want := range []string{"entity acme", "fact park area 2021", "relation park hosts lab", "fact acme revenue 2020"} {
			if !hasAction(res, store.SyncLeave, want) {
				t.Errorf("no leave for %s: %v", want, res.Actions)
			}
		}
		if got := MustGraphVersion(t, s); got != version {
			t.Errorf("graph version %d, want %d", got, version)
		}

		// v2 wants to change acme and the park's area, which curators
		// changed, and to drop acme's 2020 revenue, which a curator removed
		// (no conflict: both agree) and acme built lab (unchanged: removed).
		dry := mustSyncWith(t, s, v2, store.SyncOptions{DryRun: true})
		if got := MustGraphVersion(t, s); got != version {
			t.Errorf("a dry run wrote: graph version %d, want %d", got, version)
		}
		res = MustSync(t, s, v2)
		if fmt.Sprint(dry.Actions) != fmt.Sprint(res.Actions) || counts(dry) != counts(res) {
			t.Errorf("the dry run said\n%v\nthe run did\n%v", dry.Actions, res.Actions)
		}
		for _, want := range []string{"entity acme", "fact park area 2021"} {
			if !hasAction(res, store.SyncConflict, want) {
				t.Errorf("no conflict for %s: %v", want, res.Actions)
			}
		}
		if !hasAction(res, store.SyncRemove, "relation acme built lab") || !hasAction(res, store.SyncAdd, "entity newco") {
			t.Errorf("v2's own changes were not made: %v", res.Actions)
		}
		MustView(t, s, func(tx *store.Tx) error {
			acme, err := tx.Entity("acme")
			if err != nil || acme.NameEn != "ACME by a curator" || acme.Name != "某某科技" {
				t.Errorf("acme after v2: %+v %v", acme, err)
			}
			f, err := tx.Fact("park", "area", "2021")
			if err != nil || f.Note != "checked" || *f.Value != 25 {
				t.Errorf("the park's area after v2: %+v %v", f, err)
			}
			_, err = tx.Fact("acme", "revenue", "2020")
			assertCode(t, err, tupu.NotFound)
			if _, err := tx.Relation("acme", tupu.PredPartnerOf, "yubei"); err != nil {
				t.Errorf("the curator's relation: %v", err)
			}
			return nil
		})

		// --force takes the data set's side, in history.
		res = mustSyncWith(t, s, v2, store.SyncOptions{Force: true})
		for _, want := range []string{"entity acme", "fact park area 2021"} {
			if !hasAction(res, store.SyncForce, want) {
				t.Errorf("not forced: %s: %v", want, res.Actions)
			}
		}
		MustView(t, s, func(tx *store.Tx) error {
			acme, _ := tx.Entity("acme")
			if acme.NameEn != "Acme Group" || acme.Name != "某某科技集团" {
				t.Errorf("acme after --force: %+v", acme)
			}
			h, err := tx.History("acme", 0, 1)
			if err != nil || len(h.Changes) != 1 || h.Changes[0].Actor != store.ActorSeedForce {
				t.Errorf("acme's last change: %+v %v", h, err)
			}
			if _, err := tx.Relation("acme", tupu.PredPartnerOf, "yubei"); err != nil {
				t.Errorf("--force removed a statement the seed never wrote: %v", err)
			}
			return nil
		})
		if res := MustSync(t, s, v2); res.Changed() || res.Count(store.SyncConflict) > 0 || !hasAction(res, store.SyncLeave, "relation park hosts lab") {
			t.Errorf("after --force, v2 again: %+v %v", counts(res), res.Actions)
		}
	})

	// A database seeded before Sync kept its record: what the history
	// says the seed wrote last is the seed's, the rest the curators'.
	t.Run("adopts_a_database_seeded_without_a_record", func(t *testing.T) {
		s := MustOpen(t)
		MustSync(t, s, syncV1())
		curate(t, s)
		store.ForgetSeeded(t, s)
		v2 := keepingV1sWords()
		res := MustSync(t, s, v2)
		if res.Adopted == 0 {
			t.Errorf("nothing adopted: %+v", counts(res))
		}
		for _, want := range []string{"entity acme", "fact park area 2021"} {
			if !hasAction(res, store.SyncConflict, want) {
				t.Errorf("no conflict for %s: %v", want, res.Actions)
			}
		}
		if !hasAction(res, store.SyncRemove, "relation acme built lab") || !hasAction(res, store.SyncUpdate, "document yubei-2021") {
			t.Errorf("v2's own changes were not made: %v", res.Actions)
		}
		// What a curator removed stays removed: the history says the seed
		// wrote it and a curator removed it since.
		if !hasAction(res, store.SyncLeave, "relation park hosts lab") {
			t.Errorf("the relation a curator removed: %v", res.Actions)
		}
		MustView(t, s, func(tx *store.Tx) error {
			if _, err := tx.Relation("park", tupu.PredHosts, "lab"); tupu.ErrorCode(err) != tupu.NotFound {
				t.Errorf("the relation a curator removed is back: %v", err)
			}
			if _, err := tx.Relation("acme", tupu.PredPartnerOf, "yubei"); err != nil {
				t.Errorf("the curator's relation: %v", err)
			}
			if acme, _ := tx.Entity("acme"); acme.NameEn != "ACME by a curator" {
				t.Errorf("acme: %+v", acme)
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
			}, "is not in document"},
			{"document_not_in_dataset", func(d *tupu.Dataset) {
				d.Relations[0].Source = &tupu.Source{Document: "elsewhere", Quote: "渝北区"}
			}, `source.document: no document has key "elsewhere"`},
			{"dangling_relation", func(d *tupu.Dataset) {
				d.Relations = append(d.Relations, relation("park", tupu.PredHosts, "nobody"))
			}, `object: no entity has key "nobody"`},
			{"fact_about_nobody", func(d *tupu.Dataset) {
				d.Facts = append(d.Facts, fact("nobody", "gdp", 1, "2021"))
			}, `entity: no entity has key "nobody"`},
			{"duplicate_entity", func(d *tupu.Dataset) {
				d.Entities = append(d.Entities, entity("acme", tupu.KindCompany, "某某科技"))
			}, "key: repeats"},
			{"duplicate_relation", func(d *tupu.Dataset) {
				d.Relations = append(d.Relations, d.Relations[0])
			}, "relation: repeats"},
			{"unknown_kind", func(d *tupu.Dataset) {
				d.Entities[2].Kind = "CASTLE"
			}, `kind: "CASTLE" is unknown`},
			{"unknown_predicate", func(d *tupu.Dataset) {
				d.Relations[0].Predicate = "likes"
			}, `predicate: "likes" is unknown`},
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
				res, err := s.Sync(d, store.SyncOptions{})
				assertCode(t, err, tupu.BadUserInput)
				if err != nil && !strings.Contains(err.Error(), tc.message) {
					t.Errorf("error = %q, want it to say %q", err, tc.message)
				}
				if counts(res) != (syncCounts{}) || len(res.Actions) > 0 {
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

// syncCounts are a SyncResult's counts, comparable with ==.
type syncCounts struct{ Added, Updated, Removed, Unchanged, Adopted int }

func counts(r store.SyncResult) syncCounts {
	return syncCounts{Added: r.Added, Updated: r.Updated, Removed: r.Removed, Unchanged: r.Unchanged, Adopted: r.Adopted}
}

// curate changes a store seeded with syncV1 as curators would, each change
// in history by its actor: acme's English name, a note on the park's
// area, acme's 2020 revenue and the park hosting the lab removed, and a
// relation of their own quoting the seed's document.
func curate(tb testing.TB, s *store.Store) {
	tb.Helper()
	MustUpdate(tb, s, func(tx *store.Tx) error {
		if _, err := tx.UpdateEntity("alice", "acme", 1, func(e *tupu.Entity) { e.NameEn = "ACME by a curator" }); err != nil {
			return err
		}
		if _, err := tx.SetFact("alice", "park", "area", "2021", func(f *tupu.Fact) { f.Note = "checked" }); err != nil {
			return err
		}
		if err := tx.RemoveFact("bob", "acme", "revenue", "2020"); err != nil {
			return err
		}
		if err := tx.RemoveRelation("bob", "park", tupu.PredHosts, "lab"); err != nil {
			return err
		}
		_, err := tx.AddRelation("alice", tupu.Relation{Subject: "acme", Predicate: tupu.PredPartnerOf, Object: "yubei", Source: src("某某科技"), Note: "A test relation."})
		return err
	})
}

func mustSyncWith(tb testing.TB, s *store.Store, d *tupu.Dataset, opts store.SyncOptions) store.SyncResult {
	tb.Helper()
	res, err := s.Sync(d, opts)
	if err != nil {
		tb.Fatalf("Sync: %v", err)
	}
	return res
}

// hasAction reports whether res did op to statement.
func hasAction(res store.SyncResult, op, statement string) bool {
	for _, a := range res.Actions {
		if a.Op == op && a.Statement == statement {
			return true
		}
	}
	return false
}

// keepingV1sWords is syncV2 with a document that still holds every word
// syncV1 quoted, as the curators' statements kept over it quote them.
func keepingV1sWords() *tupu.Dataset {
	d := syncV2()
	text := syncV1().Documents[0].Text
	for _, q := range strings.Split(d.Documents[0].Text, "。\n") {
		if !strings.Contains(text, q) { // each quote once: a quote must point at one place
			text += "。\n" + q
		}
	}
	d.Documents[0].Text = text
	return d
}

// TestCreateToken_refusesTheProgramsActors: history names tupu's own
// writers seed, import and restore, and seeding reads it to tell its
// statements from curators': no token may take those names.
func TestCreateToken_refusesTheProgramsActors(t *testing.T) {
	eachEngine(t, testCreateToken_refusesTheProgramsActors)
}

func testCreateToken_refusesTheProgramsActors(t *testing.T) {
	s := MustOpen(t)
	for _, name := range []string{store.ActorSeed, store.ActorImport, store.ActorRestore} {
		err := s.Update(context.Background(), func(tx *store.Tx) error {
			_, _, err := tx.CreateToken(store.ActorOffline, name, store.RoleEditor)
			return err
		})
		assertCode(t, err, tupu.BadUserInput)
	}
	MustUpdate(t, s, func(tx *store.Tx) error {
		_, _, err := tx.CreateToken(store.ActorOffline, "seeder", store.RoleEditor)
		return err
	})
}
