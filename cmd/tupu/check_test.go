package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tupu"
	"tupu/store"
)

// chkLegacy makes a seeded database that also holds statements written
// before the rules tightened: an entity without a source, a relation whose
// quote names neither end, a fact whose quote occurs twice. They are
// written below the rules (PutEntity, PutRelation, PutFact), as an older
// tupu wrote them.
func chkLegacy(t *testing.T, path string) {
	t.Helper()
	expSeed(t, path)
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v := 1.0
	err = s.Update(context.Background(), func(tx *store.Tx) error {
		if err := tx.PutEntity(&tupu.Entity{Key: "rt-company-4", Kind: tupu.KindCompany, Name: "往日公司", Version: 1}); err != nil {
			return err
		}
		if err := tx.PutRelation(&tupu.Relation{Subject: "rt-company-4", Predicate: tupu.PredLocatedIn, Object: "yubei-district",
			Source: &tupu.Source{Document: "yubei-2021", Quote: "渝北区高质量发展经济做到了领跑"}}); err != nil {
			return err
		}
		return tx.PutFact(&tupu.Fact{Entity: "rt-company-4", Property: "count", Value: &v, Source: tupu.Source{Document: "yubei-2021", Quote: "的"}})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Statements stored before a rule tightened are reported, with how to fix
// them, by tupu check, by the service at start and by export; nothing
// refuses to start or to export, and once they are fixed, all passes.
func TestCheck_storedStatementsThatNoLongerPass(t *testing.T) {
	dir := t.TempDir()
	db, file := filepath.Join(dir, "old.db"), filepath.Join(dir, "old.json")
	chkLegacy(t, db)

	out, _, err := expRun(t, "check", "--db", db)
	if err == nil {
		t.Fatalf("check passed a database with problems:\n%s", out)
	}
	for _, want := range []string{
		`entities[`, `"rt-company-4": source: missing: every entity, relation and fact cites a document and words of it`,
		`rt-company-4 located_in yubei-district: source.quote: "渝北区高质量发展经济做到了领跑" does not name rt-company-4 (往日公司)`,
		`facts[`, `rt-company-4 count : source.quote: "的" occurs more than once`,
		"entities: updateEntity", "relations: addRelation again", "facts: setFact",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check does not say %q:\n%s", want, out)
		}
	}

	// The export is written, with a warning; import refuses it, saying the same.
	_, stderr := expMustRun(t, "export", "--db", db, "--out", file)
	if !strings.Contains(stderr, "warning: 3 problems") || !strings.Contains(stderr, "tupu check --db "+db) {
		t.Errorf("export did not warn: %s", stderr)
	}
	_, _, err = expRun(t, "import", file, "--db", filepath.Join(dir, "new.db"))
	if err == nil || !strings.Contains(err.Error(), `"rt-company-4": source: missing`) {
		t.Errorf("import of the export: %v", err)
	}

	// The service starts, serves, and says what does not pass.
	editor := curToken(t, db, "alice", "editor")
	srv := curServe(t, db)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(srv.log.String(), "stored statements do not pass the rules") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if log := srv.log.String(); !strings.Contains(log, "a stored statement does not pass the rules") || !strings.Contains(log, "problems=3") {
		t.Errorf("the service did not warn:\n%s", log)
	}
	var got struct{ Entity struct{ Name string } }
	curMust(t, srv.url, "", `{ entity(key: "rt-company-4") { name } }`, nil, &got)
	if got.Entity.Name != "往日公司" {
		t.Errorf("the old entity is not served: %+v", got)
	}
	// A write to a statement that fails must fix it.
	r, err := curPost(srv.url, editor, `mutation { updateEntity(input: {id: "rt-company-4", expectedVersion: 1, description: "x"}) { entity { version } } }`, nil)
	if err != nil || r.code() != "BAD_USER_INPUT" || !strings.Contains(string(r.raw), "source: missing") {
		t.Errorf("an update that leaves the entity without a source: %v %s", err, r.raw)
	}
	srv.stop(t)
}

func TestCheck_fixed(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "old.db")
	chkLegacy(t, db)
	s, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := 2009.5
	err = s.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.UpdateEntity("alice", "rt-company-4", 1, func(e *tupu.Entity) {
			e.Source = &tupu.Source{Document: "yubei-2021", Quote: "渝北区高质量发展经济做到了领跑"}
			e.Note = "Named in no quote: a test of an old entity."
		}); err != nil {
			return err
		}
		if _, err := tx.AddRelation("alice", tupu.Relation{Subject: "rt-company-4", Predicate: tupu.PredLocatedIn, Object: "yubei-district",
			Source: &tupu.Source{Document: "yubei-2021", Quote: "渝北区高质量发展经济做到了领跑"}, Note: "A test relation."}); err != nil {
			return err
		}
		_, err := tx.SetFact("alice", "rt-company-4", "count", "", func(f *tupu.Fact) {
			f.Value, f.Unit, f.Source = &v, "亿元", tupu.Source{Document: "yubei-2021", Quote: "全区地区生产总值实现了2009.5亿元"}
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.RulesChecked(); v != 0 {
		t.Errorf("rules checked %d before a check", v)
	}
	s.Close()
	out, _ := expMustRun(t, "check", "--db", db)
	if !strings.Contains(out, "all pass the rules (version 1)") {
		t.Errorf("check after the fixes: %s", out)
	}
	s, err = store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.RulesChecked(); v != tupu.RulesVersion {
		t.Errorf("rules checked %d after a clean check, want %d", v, tupu.RulesVersion)
	}
}
