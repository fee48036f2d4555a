package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"tupu"
	"tupu/export"
	"tupu/httpapi/apitest"
	"tupu/seed"
	"tupu/store"
)

// expRun runs the program with args and no environment.
func expRun(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, func(string) string { return "" }, &out, &errb)
	return out.String(), errb.String(), err
}

func expMustRun(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, err := expRun(t, args...)
	if err != nil {
		t.Fatalf("tupu %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return stdout, stderr
}

// expSeed makes a database at path that holds the built-in data set and
// a few curators' changes on top, so that history has more than seeding.
func expSeed(t *testing.T, path string) {
	t.Helper()
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := apitest.Seed(s); err != nil {
		t.Fatal(err)
	}
	value := 2009.5
	src := func(q string) tupu.Source { return tupu.Source{Document: "yubei-2021", Quote: q} }
	labSrc := src("智能座舱联合实验室")
	err = s.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.CreateEntity("alice", tupu.Entity{
			Key: "export-test-lab", Kind: tupu.KindLab, Name: "测试“实验室”", NameEn: `Test "Lab" \ A`,
			Aliases: []string{"TL"}, Description: "line one\nline \"two\" with a \\ backslash and <b>&</b>", Source: &labSrc,
			Note: "A test lab: the quote names another.",
		}); err != nil {
			return err
		}
		if _, err := tx.SetFact("alice", "export-test-lab", "staff", "2021-01/2021-08", func(f *tupu.Fact) {
			f.Label, f.Value, f.Unit, f.Qualifier = "员工", &value, "人", tupu.MoreThan
			f.Source, f.Note = src("2020年，全区地区生产总值实现了2009.5亿元"), "a <b>note</b> & \"more\""
		}); err != nil {
			return err
		}
		relSrc := src("智能座舱联合实验室")
		if _, err := tx.AddRelation("alice", tupu.Relation{Subject: "export-test-lab", Predicate: tupu.PredLocatedIn,
			Object: "yubei-district", Source: &relSrc, Note: "A test relation."}); err != nil {
			return err
		}
		if _, err := tx.UpdateEntity("bob", "export-test-lab", 1, func(e *tupu.Entity) { e.Aliases = append(e.Aliases, "测试") }); err != nil {
			return err
		}
		return tx.RemoveFact("bob", "yubei-district", "gdp", "2020")
	})
	if err != nil {
		t.Fatal(err)
	}
}

// expDump reads everything a database holds; nil when there is no file.
func expDump(t *testing.T, path string) *store.Dump {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil
	}
	s, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var d *store.Dump
	if err := s.View(func(tx *store.Tx) error { d, err = tx.Dump(); return err }); err != nil {
		t.Fatal(err)
	}
	return d
}

func expEmpty(d *store.Dump) bool {
	return len(d.Dataset.Documents)+len(d.Dataset.Entities)+len(d.Dataset.Relations)+len(d.Dataset.Facts)+len(d.History) == 0
}

func TestExportImport_roundTripIsByteIdentical(t *testing.T) {
	dir := t.TempDir()
	a, b, file := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db"), filepath.Join(dir, "graph.json")
	expSeed(t, a)

	_, stderr := expMustRun(t, "export", "--db", a, "--out", file)
	if !strings.Contains(stderr, "wrote "+file) {
		t.Errorf("export said %q", stderr)
	}
	first, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if stdout, _ := expMustRun(t, "export", "--db", a); stdout != string(first) {
		t.Error("export to standard output differs from export to a file")
	}

	_, stderr = expMustRun(t, "import", file, "--db", b)
	if !strings.Contains(stderr, "imported "+file+" into "+b) {
		t.Errorf("import said %q", stderr)
	}
	second, _ := expMustRun(t, "export", "--format", "json", "--db", b)
	if second != string(first) {
		t.Fatalf("export, import, export is not byte-identical (%d and %d bytes)", len(first), len(second))
	}

	// The export is of the curated graph and its whole history.
	d := expDump(t, b)
	actors := map[string]int{}
	for _, c := range d.History {
		actors[c.Actor]++
	}
	if actors["seed"] == 0 || actors["alice"] != 3 || actors["bob"] != 2 {
		t.Errorf("history by actor: %v", actors)
	}
	for _, e := range d.Dataset.Entities {
		if e.Key == "export-test-lab" && (e.Version != 2 || len(e.Aliases) != 2) {
			t.Errorf("the curated entity came back as %+v", e)
		}
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(first, &env); err != nil || string(env["format"]) != `"tupu"` || string(env["version"]) != "1" {
		t.Errorf("the envelope: %v, format %s, version %s", err, env["format"], env["version"])
	}
}

func TestImport_refusesAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	source, good := filepath.Join(dir, "source.db"), filepath.Join(dir, "good.json")
	expSeed(t, source)
	expMustRun(t, "export", "--db", source, "--out", good)
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	g, err := export.ReadJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	// variant writes the good export changed by change.
	variant := func(name string, change func(g *export.Graph)) string {
		g, _ := export.ReadJSON(bytes.NewReader(raw))
		change(g)
		var b bytes.Buffer
		if err := export.WriteJSON(&b, g); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	edited := func(name, old, new string) string {
		if !bytes.Contains(raw, []byte(old)) {
			t.Fatalf("the export holds no %q", old)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, bytes.Replace(raw, []byte(old), []byte(new), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}

	cases := []struct{ name, file, want string }{
		{"an unknown field", edited("unknown.json", `"actor": "seed",`, `"actor": "seed", "who": "x",`), "history[0].who: unknown field"},
		{"a wrong version", edited("version.json", "\"version\": 1,\n", "\"version\": 2,\n"), "version 2: this program reads version 1 only"},
		{"another format", edited("format.json", `"format": "tupu"`, `"format": "tupu-lite"`), "not a tupu export"},
		{"a dangling relation", variant("dangling.json", func(g *export.Graph) { g.Dataset.Relations[0].Object = "no-such-entity" }),
			`object: no entity has key "no-such-entity"`},
		{"a quote not in its document", variant("quote.json", func(g *export.Graph) { g.Dataset.Facts[0].Source.Quote = "不在文中的话" }),
			"is not in document"},
		{"history out of order", variant("history.json", func(g *export.Graph) { g.History[1].Seq = g.History[0].Seq }),
			"sequence number"},
		// The rules every way in applies, import included.
		{"a value past a finite number of yuan", variant("inf.json", func(g *export.Graph) {
			v := 1.7e308
			g.Dataset.Facts[0].Value, g.Dataset.Facts[0].Unit = &v, "亿元"
		}), "is more than a finite number of yuan"},
		{"an invisible character in a name", variant("zwsp.json", func(g *export.Graph) { g.Dataset.Entities[0].Name = "渝\u200b北" }),
			"character 2 is U+200B ZERO WIDTH SPACE"},
		{"an entity without a source", variant("nosource.json", func(g *export.Graph) { g.Dataset.Entities[0].Source = nil }),
			"source: missing"},
		{"a quote that is everywhere", variant("de.json", func(g *export.Graph) {
			g.Dataset.Relations[0].Source = &tupu.Source{Document: "yubei-2021", Quote: "的"}
		}),
			"occurs more than once"},
		{"no such file", filepath.Join(dir, "missing.json"), "no such file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Into an empty database, which stays empty.
			empty := filepath.Join(t.TempDir(), "empty.db")
			s, err := store.Open(empty, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			_, _, err = expRun(t, "import", tc.file, "--db", empty)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("import = %v, want an error containing %q", err, tc.want)
			}
			if d := expDump(t, empty); !expEmpty(d) {
				t.Errorf("a refused import wrote into the database: %d entities, %d changes", len(d.Dataset.Entities), len(d.History))
			}
			// Into a path with no database, where none appears.
			none := filepath.Join(t.TempDir(), "none.db")
			if _, _, err := expRun(t, "import", "--db", none, tc.file); err == nil {
				t.Error("import into a new file took what it refused into an empty one")
			}
			if _, err := os.Stat(none); !os.IsNotExist(err) {
				t.Errorf("a refused import left a database behind: %v", err)
			}
		})
	}

	t.Run("a database that holds anything", func(t *testing.T) {
		full := filepath.Join(t.TempDir(), "full.db")
		s, err := store.Open(full, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Update(context.Background(), func(tx *store.Tx) error { _, err := tx.AddDocument("alice", g.Dataset.Documents[0]); return err })
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		before := expDump(t, full)
		_, _, err = expRun(t, "import", good, "--db", full)
		if err == nil || !strings.Contains(err.Error(), full+" is not empty") {
			t.Errorf("import into a database with one document = %v", err)
		}
		if after := expDump(t, full); len(after.History) != len(before.History) || len(after.Dataset.Documents) != 1 || len(after.Dataset.Entities) != 0 {
			t.Errorf("the refused import changed the database: %d changes, %d entities", len(after.History), len(after.Dataset.Entities))
		}
		if _, err := os.Stat(full); err != nil {
			t.Errorf("the refused import removed a database it did not create: %v", err)
		}
	})
}

func TestExportImport_databaseInUse(t *testing.T) {
	dir := t.TempDir()
	db, file := filepath.Join(dir, "a.db"), filepath.Join(dir, "g.json")
	expSeed(t, db)
	expMustRun(t, "export", "--db", db, "--out", file)
	s, err := store.Open(db, store.Options{}) // as a running server holds it
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, args := range [][]string{{"export", "--db", db}, {"import", file, "--db", db}} {
		if _, _, err := expRun(t, args...); err == nil || !strings.Contains(err.Error(), "in use by another process") {
			t.Errorf("tupu %s while the database is open = %v", strings.Join(args, " "), err)
		}
	}
}

func TestExport_refusals(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--db", missing}, "no database at " + missing},
		{[]string{"export", "--db", missing, "--format", "xml"}, `--format "xml"`},
		{[]string{"export", "--db", missing, "--format", "ntriples", "--base", "http://example.org/a b/"}, "--base"},
		{[]string{"export", "--db", missing, "extra"}, `unexpected argument "extra"`},
		{[]string{"import", "--db", missing}, "name the file to read"},
		{[]string{"import", "a.json", "b.json"}, `unexpected argument "b.json"`},
	} {
		if _, _, err := expRun(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tupu %s = %v, want an error containing %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("export created a database where there was none: %v", err)
	}
}

// expRapper finds Debian's raptor2-utils rapper: a missing one skips, or
// fails under CI, which installs it (.ci/run).
func expRapper(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("rapper")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("rapper (Debian raptor2-utils) is needed to check the RDF exports and CI is set: %v", err)
		}
		t.Skip("rapper not found (apt-get install raptor2-utils): skipping the check by a standard RDF parser")
	}
	return path
}

var expRapperCount = regexp.MustCompile(`Parsing returned (\d+) triples?`)

// expRapperParse parses file with rapper and returns how many triples it
// read, failing on any error or warning.
func expRapperParse(t *testing.T, rapper, syntax, file string) int {
	t.Helper()
	out, err := exec.Command(rapper, "-i", syntax, "-c", file).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("Error")) || bytes.Contains(out, []byte("Warning")) {
		t.Fatalf("rapper -i %s -c %s: %v\n%s", syntax, file, err, out)
	}
	m := expRapperCount.FindSubmatch(out)
	if m == nil {
		t.Fatalf("rapper gave no count:\n%s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

var expWroteTriples = regexp.MustCompile(`\((\d+) triples\)`)

func TestExport_rdfIsReadByRapper(t *testing.T) {
	rapper := expRapper(t)
	dir := t.TempDir()
	db, nt, ld := filepath.Join(dir, "a.db"), filepath.Join(dir, "graph.nt"), filepath.Join(dir, "graph.jsonld")
	expSeed(t, db)

	_, stderr := expMustRun(t, "export", "--format", "ntriples", "--db", db, "--out", nt)
	m := expWroteTriples.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("export said %q", stderr)
	}
	wrote, _ := strconv.Atoi(m[1])
	body, err := os.ReadFile(nt)
	if err != nil {
		t.Fatal(err)
	}
	if lines := bytes.Count(body, []byte("\n")); lines != wrote || wrote < 1000 {
		t.Errorf("%d lines, %d triples reported", lines, wrote)
	}
	if got := expRapperParse(t, rapper, "ntriples", nt); got != wrote {
		t.Errorf("rapper read %d triples, the export wrote %d", got, wrote)
	}
	for _, want := range []string{
		`<urn:tupu:entity:export-test-lab> <https://schema.org/name> "Test \"Lab\" \\ A"@en .`,
		`<urn:tupu:entity:export-test-lab> <https://schema.org/description> "line one\nline \"two\" with a \\ backslash and <b>&</b>"@en .`,
		`<urn:tupu:fact:export-test-lab/staff/2021-01--2021-08> <https://schema.org/value> "2009.5"^^<http://www.w3.org/2001/XMLSchema#decimal> .`,
	} {
		if !bytes.Contains(body, []byte(want+"\n")) {
			t.Errorf("missing: %s", want)
		}
	}

	expMustRun(t, "export", "--format", "jsonld", "--db", db, "--out", ld)
	var doc struct {
		Context map[string]string `json:"@context"`
		Graph   []map[string]any  `json:"@graph"`
	}
	raw, err := os.ReadFile(ld)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("the JSON-LD is not JSON: %v", err)
	}
	if doc.Context["schema"] != "https://schema.org/" || doc.Context["tupu"] != export.VocabularyIRI || len(doc.Graph) < 100 {
		t.Errorf("@context %v, %d nodes", doc.Context, len(doc.Graph))
	}
	// Debian's raptor reads no JSON-LD (only RDF/JSON) today; should a
	// later one, it must read the same triples.
	help, _ := exec.Command(rapper, "--help").CombinedOutput()
	if regexp.MustCompile(`(?m)^\s+jsonld\s`).Match(help) {
		if got := expRapperParse(t, rapper, "jsonld", ld); got != wrote {
			t.Errorf("rapper read %d triples from the JSON-LD, %d from the N-Triples", got, wrote)
		}
	} else {
		t.Log("rapper reads no JSON-LD: checked it is JSON with the context")
	}
}

// TestExportImport_reCreatedKeyContinuesTheVersion deletes an entity,
// exports and imports the graph: in the imported database an entity
// created with the deleted key still starts after the deleted one's last
// version (the history, which the export carries, says what it was).
func TestExportImport_reCreatedKeyContinuesTheVersion(t *testing.T) {
	dir := t.TempDir()
	a, b, file := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db"), filepath.Join(dir, "graph.json")
	expSeed(t, a)
	s, err := store.Open(a, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.RemoveEntity("root", "export-test-lab", 2, true)
		return err
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	expMustRun(t, "export", "--db", a, "--out", file)
	expMustRun(t, "import", file, "--db", b)
	s, err = store.Open(b, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var e *tupu.Entity
	err = s.Update(context.Background(), func(tx *store.Tx) error {
		e, err = tx.CreateEntity("alice", tupu.Entity{Key: "export-test-lab", Kind: tupu.KindLab, Name: "新实验室",
			Note: "A test lab: the quote names another.", Source: &tupu.Source{Document: "yubei-2021", Quote: "智能座舱联合实验室"}})
		return err
	})
	if err != nil || e.Version != 3 {
		t.Errorf("created again after export and import: version %v, err %v; want 3", e, err)
	}
}

// TestImport_startsANewHistory: an imported database keeps the export's
// history and its numbers, in an epoch of its own, so that a client's
// cursor from the exporting database is refused there (HISTORY_RESET)
// instead of being taken for a place in this history.
func TestImport_startsANewHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	a, b, file := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db"), filepath.Join(dir, "graph.json")
	expSeed(t, a)
	expMustRun(t, "export", "--db", a, "--out", file)
	expMustRun(t, "import", file, "--db", b)
	position := func(path string) (string, uint64) {
		var epoch string
		var last uint64
		curView(t, path, func(tx *store.Tx) error {
			epoch, last = tx.HistoryEpoch(), tx.LastSeq()
			return nil
		})
		return epoch, last
	}
	ea, la := position(a)
	eb, lb := position(b)
	if ea == eb || la != lb || len(eb) != 16 {
		t.Fatalf("epochs %q and %q, last changes %d and %d: want the same numbers in another epoch", ea, eb, la, lb)
	}
	srv := curServe(t, b)
	const q = `query($c: String) { changes(after: $c) { nodes { sequence } } }`
	old := base64.RawURLEncoding.EncodeToString([]byte(ea + ":" + strconv.FormatUint(la-1, 10)))
	if r, err := curPost(srv.url, "", q, map[string]any{"c": old}); err != nil || r.code() != "HISTORY_RESET" {
		t.Errorf("a cursor of the exporting database: %v %s", err, r.raw)
	}
	now := base64.RawURLEncoding.EncodeToString([]byte(eb + ":" + strconv.FormatUint(lb-1, 10)))
	if r, err := curPost(srv.url, "", q, map[string]any{"c": now}); err != nil || !r.ok() {
		t.Errorf("a cursor of the imported database: %v %s", err, r.raw)
	}
	srv.stop(t)
}

// Every seeded fact says how its period was found, and the graph says it
// back everywhere: the API's facts, the JSON export, the N-Triples and the
// JSON-LD, each with the seed's basis.
func TestSeed_periodBasisInTheAPIAndExports(t *testing.T) {
	d, err := seed.Load(seed.Data())
	if err != nil {
		t.Fatal(err)
	}
	key := func(entity, property, period string) string { return entity + " " + property + " " + period }
	want := map[string]string{}
	perBasis := map[string]int{}
	for _, f := range d.Facts {
		if f.Period == "" {
			continue
		}
		if f.PeriodBasis == "" {
			t.Errorf("seeded fact %s has a period and no basis", key(f.Entity, f.Property, f.Period))
		}
		want[key(f.Entity, f.Property, f.Period)] = string(f.PeriodBasis)
		perBasis[string(f.PeriodBasis)]++
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "seeded.db")
	s, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sync(d, store.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	compare := func(where string, got map[string]string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %d facts with a period, the seed has %d", where, len(got), len(want))
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: fact %s has periodBasis %q, the seed says %q", where, k, got[k], w)
			}
		}
	}

	// The JSON export.
	out, _ := expMustRun(t, "export", "--format", "json", "--db", db)
	var exported struct {
		Facts []tupu.Fact `json:"facts"`
	}
	if err := json.Unmarshal([]byte(out), &exported); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range exported.Facts {
		if f.Period != "" {
			got[key(f.Entity, f.Property, f.Period)] = string(f.PeriodBasis)
		}
	}
	compare("JSON export", got)

	// N-Triples and JSON-LD: as many of each basis as the seed has.
	nt, _ := expMustRun(t, "export", "--format", "ntriples", "--db", db)
	ld, _ := expMustRun(t, "export", "--format", "jsonld", "--db", db)
	var doc struct {
		Graph []map[string]any `json:"@graph"`
	}
	if err := json.Unmarshal([]byte(ld), &doc); err != nil {
		t.Fatal(err)
	}
	for basis, n := range perBasis {
		triple := fmt.Sprintf(`> <%speriodBasis> %q .`, export.VocabularyIRI, basis)
		if c := strings.Count(nt, triple+"\n"); c != n {
			t.Errorf("N-Triples: %d facts with periodBasis %s, the seed has %d", c, basis, n)
		}
		c := 0
		for _, node := range doc.Graph {
			if node["tupu:periodBasis"] == basis {
				c++
			}
		}
		if c != n {
			t.Errorf("JSON-LD: %d facts with tupu:periodBasis %s, the seed has %d", c, basis, n)
		}
	}

	// The API, page by page.
	srv := curServe(t, db)
	defer srv.stop(t)
	got = map[string]string{}
	after := any(nil)
	for {
		var page struct {
			Facts struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
				Nodes []struct {
					Entity              struct{ Key string }
					Property            string
					Period, PeriodBasis *string
				}
			}
		}
		curMust(t, srv.url, "", `query($after: String) { facts(first: 100, after: $after) {
			pageInfo { hasNextPage endCursor } nodes { entity { key } property period periodBasis } } }`,
			map[string]any{"after": after}, &page)
		for _, f := range page.Facts.Nodes {
			if f.Period != nil {
				basis := ""
				if f.PeriodBasis != nil {
					basis = strings.ToLower(*f.PeriodBasis)
				}
				got[key(f.Entity.Key, f.Property, *f.Period)] = basis
			}
		}
		if !page.Facts.PageInfo.HasNextPage {
			break
		}
		after = page.Facts.PageInfo.EndCursor
	}
	compare("API", got)
}
