package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	bolt "go.etcd.io/bbolt"

	"tupu"
	"tupu/seed"
	"tupu/store"
)

// seedingCuration is what curators do on a seeded database, through the
// API: a fact quoting the built-in article, a note on a seeded fact, a
// seeded company's English name and aliases, another's description, a
// relation between two seeded entities, and an entity sourced from the
// article related, with words of the curator's own document, to a seeded
// entity.
func seedingCuration(t *testing.T, url, editor, admin string) {
	t.Helper()
	curMust(t, url, admin, `mutation($in: AddDocumentInput!) { addDocument(input: $in) { document { key } } }`,
		map[string]any{"in": map[string]any{"key": "alice-notes", "title": "Alice's notes",
			"text": "段记西服的3D技术端试衣系统由渝北手机企业群试用。"}}, nil)
	const setFact = `mutation($in: SetFactInput!) { setFact(input: $in) { fact { property } } }`
	curMust(t, url, editor, setFact, map[string]any{"in": map[string]any{
		"entity": "yunyang-county", "property": "jobs_offered_by_yubei", "value": 2300, "unit": "个", "period": "2021",
		"source": map[string]any{"document": "yubei-2021", "quote": curQuote}}}, nil)
	curMust(t, url, editor, setFact, map[string]any{"in": map[string]any{
		"entity": "yubei-district", "property": "gdp", "period": "2020", "note": "Checked against the 2020 statistical bulletin."}}, nil)
	var v struct{ Bytedance, Huawei struct{ Version int } }
	curMust(t, url, "", `{ bytedance: entity(key: "bytedance") { version } huawei: entity(key: "huawei") { version } }`, nil, &v)
	const update = `mutation($in: UpdateEntityInput!) { updateEntity(input: $in) { entity { version } } }`
	curMust(t, url, editor, update, map[string]any{"in": map[string]any{"id": "bytedance", "expectedVersion": v.Bytedance.Version,
		"nameEn": "ByteDance Ltd.", "aliases": []string{"字节", "抖音母公司"}}}, nil)
	curMust(t, url, editor, update, map[string]any{"in": map[string]any{"id": "huawei", "expectedVersion": v.Huawei.Version,
		"description": "A curator's description of Huawei."}}, nil)
	const addRelation = `mutation($in: AddRelationInput!) { addRelation(input: $in) { relation { predicate } } }`
	curMust(t, url, editor, addRelation, map[string]any{"in": map[string]any{"subject": "huawei", "predicate": "partner_of", "object": "bytedance",
		"source": map[string]any{"document": "yubei-2021", "quote": "华为、字节跳动"}}}, nil)
	curMust(t, url, editor, `mutation($in: CreateEntityInput!) { createEntity(input: $in) { entity { key } } }`,
		map[string]any{"in": map[string]any{"key": "yubei-phone-makers", "kind": "ALLIANCE", "name": "渝北手机企业群",
			"note": "The curator's name for the makers the article lists.", "source": map[string]any{"document": "yubei-2021", "quote": "以OPPO、传音等为主的"}}}, nil)
	curMust(t, url, editor, addRelation, map[string]any{"in": map[string]any{"subject": "yubei-phone-makers", "predicate": "partner_of",
		"object": "3d-fitting-system", "source": map[string]any{"document": "alice-notes", "quote": "3D技术端试衣系统由渝北手机企业群试用"}}}, nil)
	curMust(t, url, editor, setFact, map[string]any{"in": map[string]any{
		"entity": "yubei-phone-makers", "property": "tried", "text": "试用",
		"source": map[string]any{"document": "alice-notes", "quote": "由渝北手机企业群试用"}}}, nil)
}

// seedingChanged is the built-in data set changed where the curators
// changed it: the GDP fact's label, ByteDance's English name, Huawei's
// description, the relation and the fact the curators added (otherwise
// worded), and the 3D fitting system, which a curator's relation points
// at, dropped; and, where no curator went, ARM's description.
func seedingChanged(t *testing.T) *tupu.Dataset {
	t.Helper()
	d, err := seed.Load(seed.Data())
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.Facts {
		if f := &d.Facts[i]; f.Entity == "yubei-district" && f.Property == "gdp" && f.Period == "2020" {
			f.Label = "地区生产总值（GDP）"
		}
	}
	d.Entities = slices.DeleteFunc(d.Entities, func(e tupu.Entity) bool { return e.Key == "3d-fitting-system" })
	d.Relations = slices.DeleteFunc(d.Relations, func(r tupu.Relation) bool {
		return r.Subject == "3d-fitting-system" || r.Object == "3d-fitting-system"
	})
	d.Facts = slices.DeleteFunc(d.Facts, func(f tupu.Fact) bool { return f.Entity == "3d-fitting-system" })
	for i := range d.Entities {
		switch e := &d.Entities[i]; e.Key {
		case "bytedance":
			e.NameEn = "ByteDance Group"
		case "huawei":
			e.Description = "The data set's new description of Huawei."
		case "arm":
			e.Description = "The data set's new description of Arm."
		}
	}
	d.Relations = append(d.Relations, tupu.Relation{Subject: "huawei", Predicate: tupu.PredPartnerOf, Object: "bytedance",
		Source: &tupu.Source{Document: "yubei-2021", Quote: "字节跳动"}, Note: "The data set's reading."})
	value := 2300.0
	d.Facts = append(d.Facts, tupu.Fact{Entity: "yunyang-county", Property: "jobs_offered_by_yubei", Label: "就业岗位", Value: &value,
		Unit: "个", Period: "2021", Source: tupu.Source{Document: "yubei-2021", Quote: curQuote}})
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	return d
}

// writeSeedFiles writes d as seed files (KEY.yaml and KEY.txt per
// document) into dir, in the layout package seed reads.
func writeSeedFiles(t *testing.T, dir string, d *tupu.Dataset) {
	t.Helper()
	type entity struct {
		Key         string   `yaml:"key"`
		Kind        string   `yaml:"kind"`
		Name        string   `yaml:"name"`
		NameEn      string   `yaml:"nameEn,omitempty"`
		Aliases     []string `yaml:"aliases,omitempty"`
		Description string   `yaml:"description,omitempty"`
		Quote       string   `yaml:"quote"`
		Note        string   `yaml:"note,omitempty"`
	}
	type relation struct {
		Subject   string `yaml:"subject"`
		Predicate string `yaml:"predicate"`
		Object    string `yaml:"object"`
		Quote     string `yaml:"quote"`
		Note      string `yaml:"note,omitempty"`
	}
	type fact struct {
		Entity    string   `yaml:"entity"`
		Property  string   `yaml:"property"`
		Label     string   `yaml:"label,omitempty"`
		Value     *float64 `yaml:"value,omitempty"`
		Text      string   `yaml:"text,omitempty"`
		Unit      string   `yaml:"unit,omitempty"`
		Period    string   `yaml:"period,omitempty"`
		Basis     string   `yaml:"periodBasis,omitempty"`
		Qualifier string   `yaml:"qualifier,omitempty"`
		Quote     string   `yaml:"quote"`
		Note      string   `yaml:"note,omitempty"`
	}
	for _, doc := range d.Documents {
		var f struct {
			Document struct {
				Key         string `yaml:"key"`
				Title       string `yaml:"title"`
				Publisher   string `yaml:"publisher,omitempty"`
				PublishedAt string `yaml:"publishedAt,omitempty"`
				Language    string `yaml:"language,omitempty"`
				Note        string `yaml:"note,omitempty"`
			} `yaml:"document"`
			Entities  []entity   `yaml:"entities"`
			Relations []relation `yaml:"relations"`
			Facts     []fact     `yaml:"facts"`
		}
		f.Document.Key, f.Document.Title, f.Document.Publisher = doc.Key, doc.Title, doc.Publisher
		f.Document.PublishedAt, f.Document.Language, f.Document.Note = doc.PublishedAt, doc.Language, doc.Note
		for _, e := range d.Entities {
			if e.Source.Document == doc.Key {
				f.Entities = append(f.Entities, entity{e.Key, string(e.Kind), e.Name, e.NameEn, e.Aliases, e.Description, e.Source.Quote, e.Note})
			}
		}
		for _, r := range d.Relations {
			if r.Source.Document == doc.Key {
				f.Relations = append(f.Relations, relation{r.Subject, string(r.Predicate), r.Object, r.Source.Quote, r.Note})
			}
		}
		for _, x := range d.Facts {
			if x.Source.Document == doc.Key {
				f.Facts = append(f.Facts, fact{x.Entity, x.Property, x.Label, x.Value, x.Text, x.Unit, x.Period, string(x.PeriodBasis), string(x.Qualifier), x.Source.Quote, x.Note})
			}
		}
		raw, err := yaml.Marshal(&f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, doc.Key+".yaml"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, doc.Key+".txt"), []byte(doc.Text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	back, err := seed.Load(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, d) {
		t.Fatal("the seed files written do not read back as the data set")
	}
}

// seedingDump reads a stopped server's database whole.
func seedingDump(t *testing.T, db string) *store.Dump {
	t.Helper()
	var d *store.Dump
	curView(t, db, func(tx *store.Tx) error {
		var err error
		d, err = tx.Dump()
		return err
	})
	return d
}

// seedingCurated picks out of a dump what the curators wrote: the records
// seedingCuration made, as the store holds them.
func seedingCurated(t *testing.T, d *store.Dump) map[string]string {
	t.Helper()
	out := map[string]string{}
	put := func(name string, v any) {
		b, _ := json.Marshal(v)
		out[name] = string(b)
	}
	for _, doc := range d.Dataset.Documents {
		if doc.Key == "alice-notes" {
			put("document alice-notes", doc)
		}
	}
	for _, e := range d.Dataset.Entities {
		switch e.Key {
		case "bytedance", "huawei", "yubei-phone-makers", "3d-fitting-system":
			e.Version = 0
			put("entity "+e.Key, e)
		}
	}
	for _, r := range d.Dataset.Relations {
		if r.Subject == "huawei" && r.Object == "bytedance" || r.Subject == "yubei-phone-makers" {
			put("relation "+r.Subject+" "+string(r.Predicate)+" "+r.Object, r)
		}
	}
	for _, f := range d.Dataset.Facts {
		if f.Property == "jobs_offered_by_yubei" || f.Entity == "yubei-phone-makers" || f.Property == "gdp" && f.Period == "2020" {
			put("fact "+f.Entity+" "+f.Property+" "+f.Period, f)
		}
	}
	if len(out) != 10 {
		t.Fatalf("the curators' statements: %d, want 10: %v", len(out), slices.Sorted(func(yield func(string) bool) {
			for k := range out {
				if !yield(k) {
					return
				}
			}
		}))
	}
	return out
}

// TestBinary_seedKeepsCuration is the upgrade of a curated database: the
// curators' work through the API survives `tupu seed` with the same data
// set and with one that changes what they changed; conflicts are
// reported, --dry-run writes nothing, and --force takes the data set's
// side in history without removing what the seed never wrote.
func TestBinary_seedKeepsCuration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db := filepath.Join(t.TempDir(), "tupu.db")
	out, _ := curMustCLI(t, "seed", "--db", db)
	if !strings.Contains(out, "0 updated, 0 removed") || strings.Contains(out, " 0 added") {
		t.Fatalf("first seed: %s", out)
	}
	editor, admin := curToken(t, db, "alice", "editor"), curToken(t, db, "root", "admin")
	srv := curServe(t, db)
	seedingCuration(t, srv.url, editor, admin)
	srv.stop(t)
	before := seedingDump(t, db)
	curated := seedingCurated(t, before)

	// The same data set again: nothing changes at all.
	out, _ = curMustCLI(t, "seed", "--db", db)
	if !strings.Contains(out, "0 added, 0 updated, 0 removed") || strings.Contains(out, "conflict ") {
		t.Errorf("seed over curated work: %s", out)
	}
	if after := seedingDump(t, db); !reflect.DeepEqual(after, before) {
		t.Errorf("seeding the same data set again changed the database")
	}

	// A data set that changes what the curators changed.
	dir := t.TempDir()
	writeSeedFiles(t, dir, seedingChanged(t))

	// The same database as seeded before seeding kept a record: the
	// history says what the seed wrote, and the run finds the same
	// conflicts, adopting the rest.
	legacy := filepath.Join(t.TempDir(), "legacy.db")
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(legacy, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	seedingForget(t, legacy)
	legacyOut, _ := curMustCLI(t, "seed", "--db", legacy, "--data", dir, "--dry-run")
	builtin, err := seed.Load(seed.Data())
	if err != nil {
		t.Fatal(err)
	}
	wrote := len(builtin.Documents) + len(builtin.Entities) + len(builtin.Relations) + len(builtin.Facts)
	if !strings.Contains(legacyOut, fmt.Sprintf("the history says it wrote %d statements, now on record", wrote)) {
		t.Errorf("a database seeded without a record:\n%s", legacyOut)
	}
	dry, _ := curMustCLI(t, "seed", "--db", db, "--data", dir, "--dry-run")
	if after := seedingDump(t, db); !reflect.DeepEqual(after, before) {
		t.Errorf("--dry-run changed the database")
	}
	out, _ = curMustCLI(t, "seed", "--db", db, "--data", dir)
	if got, want := strings.SplitN(out, "\n", 2)[0], strings.Replace(strings.SplitN(dry, "\n", 2)[0], "would seed", "seeded", 1); got != want {
		t.Errorf("the dry run's summary %q, the run's %q", want, got)
	}
	conflicts := []string{
		"conflict fact yubei-district gdp 2020: a curator changed it, and the data set changes it too",
		"conflict entity bytedance: a curator changed it, and the data set changes it too",
		"conflict entity huawei: a curator changed it, and the data set changes it too",
		"conflict relation huawei partner_of bytedance: a curator made it, and the data set has it otherwise",
		"conflict fact yunyang-county jobs_offered_by_yubei 2021: a curator made it, and the data set has it otherwise",
		"keep entity 3d-fitting-system: the data set drops it, but 1 relations and 0 facts the seed does not own (or curators changed) still point at it",
	}
	for _, c := range conflicts {
		if !strings.Contains(out, c+"\n") || !strings.Contains(dry, c+"\n") || !strings.Contains(legacyOut, c+"\n") {
			t.Errorf("not reported by the run and the dry run: %q\nrun:\n%s", c, out)
		}
	}
	if !strings.Contains(out, "5 conflicts, 1 kept") || !strings.Contains(dry, "update entity arm\n") || !strings.Contains(dry, "remove relation ") {
		t.Errorf("the summary or the data set's own changes:\n%s\ndry run:\n%s", out, dry)
	}
	after := seedingDump(t, db)
	if got := seedingCurated(t, after); !reflect.DeepEqual(got, curated) {
		for k, v := range curated {
			if got[k] != v {
				t.Errorf("%s\n was %s\n now %s", k, v, got[k])
			}
		}
	}
	// What no curator touched follows the data set, by the actor seed.
	srv = curServe(t, db)
	var h struct {
		Arm struct {
			Description string
			History     struct {
				Nodes []struct{ Actor, Operation string }
			}
		}
		Bytedance struct {
			History struct {
				Nodes []struct{ Actor, Operation string }
			}
		}
		Fitting struct {
			Relations struct{ TotalCount int }
		}
	}
	curMust(t, srv.url, "", `{ arm: entity(key: "arm") { description history(first: 1) { nodes { actor operation } } }
	  bytedance: entity(key: "bytedance") { history(first: 1) { nodes { actor operation } } }
	  fitting: entity(key: "3d-fitting-system") { relations { totalCount } } }`, nil, &h)
	if h.Arm.Description != "The data set's new description of Arm." || h.Arm.History.Nodes[0].Actor != "seed" ||
		h.Bytedance.History.Nodes[0].Actor != "alice" || h.Fitting.Relations.TotalCount != 1 {
		t.Errorf("after seeding the changed data set: %+v", h)
	}
	srv.stop(t)

	// --force takes the data set's side, in history, and still removes
	// nothing the seed never wrote.
	out, _ = curMustCLI(t, "seed", "--db", db, "--data", dir, "--force")
	if !strings.Contains(out, "force entity bytedance: a curator changed it, and the data set changes it too; taken from the data set") ||
		!strings.Contains(out, "keep entity 3d-fitting-system") {
		t.Errorf("--force:\n%s", out)
	}
	forced := seedingCurated(t, seedingDump(t, db))
	for _, k := range []string{"document alice-notes", "entity yubei-phone-makers", "relation yubei-phone-makers partner_of 3d-fitting-system",
		"fact yubei-phone-makers tried ", "entity 3d-fitting-system"} {
		if forced[k] != curated[k] {
			t.Errorf("--force changed %s:\n was %s\n now %s", k, curated[k], forced[k])
		}
	}
	if !strings.Contains(forced["entity bytedance"], "ByteDance Group") || !strings.Contains(forced["fact yubei-district gdp 2020"], "（GDP）") {
		t.Errorf("--force did not take the data set's side: %s %s", forced["entity bytedance"], forced["fact yubei-district gdp 2020"])
	}
	curView(t, db, func(tx *store.Tx) error {
		p, err := tx.History("bytedance", 0, 1)
		if err == nil && (len(p.Changes) != 1 || p.Changes[0].Actor != store.ActorSeedForce) {
			t.Errorf("bytedance's last change: %+v", p.Changes)
		}
		return err
	})
}

// seedingForget empties a database's record of what seeding wrote, as in
// one seeded before the record was kept.
func seedingForget(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("seeded")); err != nil {
			return err
		}
		_, err := tx.CreateBucket([]byte("seeded"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
