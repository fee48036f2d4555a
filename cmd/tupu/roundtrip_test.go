package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"tupu"
	"tupu/httpapi"
	"tupu/internal/nodetest"
	"tupu/seed"
	"tupu/store"
	"tupu/synth"
)

// The property test of issue "what the API accepts, its own export gives
// back": random sequences of mutations of every kind, through the real
// GraphQL handler, on the seed and on a generated graph. Most are valid,
// some are not. Each answer is held to what import says of the graph the
// mutation makes:
//
//   - a mutation the API accepts leaves a graph that import accepts (the
//     store's dump has no Dataset.Problems);
//   - a mutation the API refuses as BAD_USER_INPUT makes, applied to the
//     graph as import sees it (rtApply), a graph that import refuses.
//
// Then export → import → export is byte-identical, and the N-Triples and
// JSON-LD exports parse with standard parsers (raptor's rapper and
// jsonld.js) into the same triples.
//
// TUPU_ROUNDTRIP_SEED fixes the random seed (it is logged); the sizes are
// bounded so that the test takes seconds under the race detector.

// The test's bounds: each graph gets its number of mutations, or as many
// as rtBudget allows on a slow machine (the race detector, a busy CI
// runner), but never fewer than rtLeast.
const (
	rtBudget = 20 * time.Second
	rtLeast  = 40
)

func TestRoundTrip_whatTheAPIMakesComesBack(t *testing.T) {
	seedNum := uint64(time.Now().UnixNano())
	if s := os.Getenv("TUPU_ROUNDTRIP_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("TUPU_ROUNDTRIP_SEED: %v", err)
		}
		seedNum = n
	}
	t.Logf("random seed %d (TUPU_ROUNDTRIP_SEED=%d reruns it)", seedNum, seedNum)
	rapper := expRapper(t)
	jsonld := nodetest.Open(t, filepath.Join("..", "..", "scripts", "jsonld-check"))

	for _, c := range []struct {
		name      string
		fill      func(*store.Store) error
		mutations int
	}{
		{"seed", func(s *store.Store) error {
			d, err := seed.Load(seed.Data())
			if err != nil {
				return err
			}
			_, err = s.Sync(d, store.SyncOptions{})
			return err
		}, 160},
		{"generated", func(s *store.Store) error {
			_, err := s.Load(context.Background(), synth.Source(synth.Options{Entities: 300, Seed: seedNum}), store.LoadOptions{})
			return err
		}, 120},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "a.db")
			s, err := store.Open(db, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.fill(s); err != nil {
				t.Fatal(err)
			}
			w := newRTWorld(t, s, seedNum)
			began, done := time.Now(), 0
			for ; done < c.mutations && (done < rtLeast || time.Since(began) < rtBudget); done++ {
				w.step(done)
			}
			t.Logf("%d mutations in %s: %v", done, time.Since(began).Round(time.Millisecond), w.tally)
			w.close()
			rtExports(t, dir, db, rapper, jsonld)
		})
	}
}

// rtExports exports the database as JSON, imports it into a new one and
// exports that again: the same bytes; and checks the RDF exports.
func rtExports(t *testing.T, dir, db, rapper string, jsonld *nodetest.Project) {
	t.Helper()
	a, b, nt, ld := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"), filepath.Join(dir, "a.nt"), filepath.Join(dir, "a.jsonld")
	_, stderr := expMustRun(t, "export", "--db", db, "--out", a)
	if strings.Contains(stderr, "warning") {
		t.Errorf("export warns about a graph the API made: %s", stderr)
	}
	expMustRun(t, "import", a, "--db", filepath.Join(dir, "b.db"))
	expMustRun(t, "export", "--db", filepath.Join(dir, "b.db"), "--out", b)
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Errorf("export → import → export differs: %d bytes, then %d", len(ab), len(bb))
	}

	expMustRun(t, "export", "--db", db, "--format", "ntriples", "--out", nt)
	expMustRun(t, "export", "--db", db, "--format", "jsonld", "--out", ld)
	n := expRapperParse(t, rapper, "ntriples", nt)
	ntb, _ := os.ReadFile(nt)
	want := rtSortedLines(string(ntb))
	if len(want) != n {
		t.Errorf("rapper read %d triples, the file has %d lines", n, len(want))
	}
	got := rtSortedLines(jsonld.Node(t, 2*time.Minute, nil, "tordf.mjs", ld))
	if !slices.Equal(got, want) {
		t.Errorf("jsonld.js reads %d triples from the JSON-LD export, the N-Triples export holds %d, or other ones", len(got), len(want))
	}
}

func rtSortedLines(s string) []string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(lines)
	return lines
}

// rtWorld drives the API and keeps what the generator needs to know.
type rtWorld struct {
	t             *testing.T
	rng           *rand.Rand
	s             *store.Store
	srv           *httptest.Server
	editor, admin string
	n             int            // for fresh keys and names
	planned       []string       // names some document states, for entities still to come
	sentences     []rtSentence   // every sentence of the documents the test added
	tally         map[string]int // outcomes, for the log
	graph         *tupu.Dataset  // the store's graph, as import reads it, after the last write
}

// rtSentence is a sentence of a document the test added, with what it
// states: the figures it writes and the names it holds.
type rtSentence struct {
	doc, text string
	figures   []rtFigure
}

type rtFigure struct {
	value float64
	unit  string
}

func newRTWorld(t *testing.T, s *store.Store, seedNum uint64) *rtWorld {
	w := &rtWorld{t: t, rng: rand.New(rand.NewPCG(seedNum, 0x726f756e64)), s: s, tally: map[string]int{}}
	err := s.Update(context.Background(), func(tx *store.Tx) (err error) {
		if _, w.editor, err = tx.CreateToken(store.ActorOffline, "rt-editor", store.RoleEditor); err != nil {
			return err
		}
		_, w.admin, err = tx.CreateToken(store.ActorOffline, "rt-admin", store.RoleAdmin)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := httpapi.New(s, httpapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.srv = httptest.NewServer(h)
	w.graph = w.dump()
	if p := w.graph.Problems(); len(p) > 0 {
		t.Fatalf("the graph holds problems before any mutation: %v", p[0])
	}
	return w
}

func (w *rtWorld) close() {
	w.srv.Close()
	if err := w.s.Check(); err != nil {
		w.t.Errorf("consistency check: %v", err)
	}
	if err := w.s.Close(); err != nil {
		w.t.Fatal(err)
	}
}

// dump is the graph as export writes it and import reads it.
func (w *rtWorld) dump() *tupu.Dataset {
	var d *store.Dump
	err := w.s.View(func(tx *store.Tx) (err error) {
		d, err = tx.Dump()
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return &d.Dataset
}

// rtMutation is a mutation to send and what it does to the graph as
// import sees it.
type rtMutation struct {
	name, query string
	in          map[string]any
	admin       bool
	apply       func(d *tupu.Dataset) // nil: nothing to apply (a refusal other than BAD_USER_INPUT is expected)
	// valid is set when the generator made the mutation to pass the
	// rules: a BAD_USER_INPUT is then a rule refusing what it should not.
	valid bool
}

// step makes a random mutation, sends it, and holds its answer to the
// graph it makes.
func (w *rtWorld) step(i int) {
	t := w.t
	m := w.mutation(w.graph)
	secret := w.editor
	if m.admin {
		secret = w.admin
	}
	r, err := curPost(w.srv.URL, secret, m.query, map[string]any{"in": m.in})
	if err != nil {
		t.Fatalf("mutation %d %s: %v", i, m.name, err)
	}
	code := r.code()
	if r.status != 200 && code == "" {
		t.Fatalf("mutation %d %s: status %d: %s", i, m.name, r.status, r.raw)
	}
	w.tally[m.name+" "+cmpOr(code, "ok")]++
	in, _ := json.Marshal(m.in)
	switch code {
	case "":
		w.graph = w.dump()
		if p := w.graph.Problems(); len(p) > 0 {
			t.Errorf("mutation %d %s %s was accepted, and import refuses the graph it made: %v", i, m.name, in, p[0])
		}
	case "BAD_USER_INPUT":
		if m.valid {
			t.Errorf("mutation %d %s %s, valid by construction, was refused: %s", i, m.name, in, r.Errors[0].Message)
		}
		if m.apply == nil {
			return
		}
		after := &tupu.Dataset{Documents: slices.Clone(w.graph.Documents), Entities: slices.Clone(w.graph.Entities),
			Relations: slices.Clone(w.graph.Relations), Facts: slices.Clone(w.graph.Facts)}
		m.apply(after)
		if len(after.Problems()) == 0 {
			t.Errorf("mutation %d %s %s was refused (%s), but the graph it makes passes import", i, m.name, in, r.Errors[0].Message)
		}
	case "CONFLICT", "NOT_FOUND":
		// Not about the graph's rules: a stale version, a taken key or
		// name, an entity still related, nothing to remove.
	default:
		t.Errorf("mutation %d %s %s: %s", i, m.name, in, r.raw)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (w *rtWorld) pick(n int) int      { return w.rng.IntN(n) }
func (w *rtWorld) chance(pct int) bool { return w.rng.IntN(100) < pct }

// mutation chooses a mutation of a random kind, valid most of the time.
func (w *rtWorld) mutation(d *tupu.Dataset) rtMutation {
	if len(w.sentences) == 0 || w.chance(8) {
		return w.addDocument(d)
	}
	switch w.pick(9) {
	case 0, 1:
		return w.createEntity(d)
	case 2:
		return w.updateEntity(d)
	case 3:
		return w.deleteEntity(d)
	case 4, 5:
		return w.addRelation(d)
	case 6:
		return w.removeRelation(d)
	case 7:
		return w.setFact(d)
	default:
		return w.removeFact(d)
	}
}

// numberForms writes a value in the ways sources do, each with the values
// and units it reads as.
func (w *rtWorld) figure() (written string, reads []rtFigure) {
	units := tupu.KnownUnits()
	unit := units[w.pick(len(units))]
	switch w.pick(7) {
	case 0:
		v := float64(w.pick(100000)) / 10
		return strconv.FormatFloat(v, 'f', -1, 64) + unit, []rtFigure{{v, unit}}
	case 1: // 1.2万 before a unit of its own
		v := float64(1+w.pick(99)) / 10
		return strconv.FormatFloat(v, 'f', -1, 64) + "万" + unit, []rtFigure{{v * 1e4, unit}}
	case 2:
		v := 1000 + w.pick(9000)
		return fmt.Sprintf("%d,%03d%s", v/1000, v%1000, unit), []rtFigure{{float64(v), unit}}
	case 3:
		return "一百二十" + unit, []rtFigure{{120, unit}}
	case 4:
		return "百分之十五", []rtFigure{{15, "%"}}
	case 5:
		return "７０００" + unit, []rtFigure{{7000, unit}}
	}
	v := float64(1 + w.pick(3000))
	return fmt.Sprintf("%g亿元", v), []rtFigure{{v, "亿元"}, {v * 1e8, "元"}}
}

// names returns an entity's names, for sentences to hold.
func anyName(e *tupu.Entity, r *rand.Rand) string {
	names := e.Names()
	return names[r.IntN(len(names))]
}

func (w *rtWorld) addDocument(d *tupu.Dataset) rtMutation {
	w.n++
	key := fmt.Sprintf("rt-doc-%d", w.n)
	var text strings.Builder
	var sentences []rtSentence
	for i := range 3 + w.pick(4) {
		var s strings.Builder
		fmt.Fprintf(&s, "第%d之%d条：", w.n, i+1)
		if len(d.Entities) > 1 && w.chance(70) {
			a, b := &d.Entities[w.pick(len(d.Entities))], &d.Entities[w.pick(len(d.Entities))]
			fmt.Fprintf(&s, "「%s」与「%s」合作", anyName(a, w.rng), anyName(b, w.rng))
		} else {
			name := fmt.Sprintf("新设实体%d号", w.n*10+i)
			w.planned = append(w.planned, name)
			fmt.Fprintf(&s, "新设立了%s", name)
		}
		written, reads := w.figure()
		fmt.Fprintf(&s, "，数额为%s。", written)
		sentences = append(sentences, rtSentence{doc: key, text: strings.TrimSuffix(s.String(), "。"), figures: reads})
		text.WriteString(s.String())
		if w.chance(40) {
			text.WriteString("\n") // printed columns break lines: quotes join them
		}
	}
	in := map[string]any{"key": key, "title": fmt.Sprintf("测试文件%d", w.n), "text": text.String()}
	if w.chance(50) {
		in["publisher"], in["publishedAt"], in["language"] = "测试出版社", []string{"2021", "2021-05", "2021-05-17"}[w.pick(3)], "zh"
	}
	bad := w.chance(10)
	if bad {
		in["title"] = "测试\u200b文件"
	}
	m := rtMutation{name: "addDocument", admin: true, in: in, valid: !bad,
		query: `mutation($in: AddDocumentInput!) { addDocument(input: $in) { document { key } } }`}
	m.apply = func(d *tupu.Dataset) {
		doc := tupu.Document{Key: key, Title: in["title"].(string), Text: in["text"].(string)}
		if p, ok := in["publisher"].(string); ok {
			doc.Publisher, doc.PublishedAt, doc.Language = p, in["publishedAt"].(string), "zh"
		}
		doc.Normalize()
		d.Documents = append(d.Documents, doc)
	}
	if !bad {
		// Known once the write is in; a refused document adds nothing.
		defer func() { w.sentences = append(w.sentences, sentences...) }()
	}
	return m
}

// sentence returns a random sentence the test added, preferring one that
// holds all of names.
func (w *rtWorld) sentence(d *tupu.Dataset, names ...string) (rtSentence, bool) {
	var fit []rtSentence
	for _, s := range w.sentences {
		if !slices.ContainsFunc(d.Documents, func(doc tupu.Document) bool { return doc.Key == s.doc }) {
			continue
		}
		if !slices.ContainsFunc(names, func(n string) bool { return !strings.Contains(strings.ToLower(s.text), strings.ToLower(n)) }) {
			fit = append(fit, s)
		}
	}
	if len(fit) == 0 {
		return w.sentences[w.pick(len(w.sentences))], false
	}
	return fit[w.pick(len(fit))], true
}

func source(s rtSentence) map[string]any { return map[string]any{"document": s.doc, "quote": s.text} }

// badQuote returns a quote that grounds nothing, sometimes.
func (w *rtWorld) spoil(src map[string]any) {
	switch w.pick(3) {
	case 0:
		src["quote"] = "的" // everywhere
	case 1:
		src["quote"] = "不在文中的话"
	default:
		src["document"] = "no-such-document"
	}
}

func (w *rtWorld) createEntity(d *tupu.Dataset) rtMutation {
	w.n++
	key := fmt.Sprintf("rt-ent-%d", w.n)
	kinds := tupu.Kinds
	in := map[string]any{"key": key, "kind": string(kinds[w.pick(len(kinds))].Kind)}
	name := fmt.Sprintf("测试实体%d号", w.n)
	if len(w.planned) > 0 && w.chance(60) {
		i := w.pick(len(w.planned))
		name = w.planned[i]
		w.planned = slices.Delete(w.planned, i, i+1)
	}
	in["name"] = name
	s, named := w.sentence(d, name)
	in["source"] = source(s)
	if !named || w.chance(20) {
		in["note"] = "A test entity; the quote need not name it."
	}
	if w.chance(50) {
		in["nameEn"] = fmt.Sprintf("Test Entity %d", w.n)
	}
	if w.chance(40) {
		in["aliases"] = []string{fmt.Sprintf("RT%d", w.n), fmt.Sprintf("测%d", w.n)}
	}
	if w.chance(40) {
		in["description"] = "A line.\nAnother line, with “quotes” & <marks>."
	}
	valid := true
	if w.chance(10) && len(d.Entities) > 0 { // a homonym, asked for or not
		in["aliases"] = []string{d.Entities[w.pick(len(d.Entities))].Name}
		if w.chance(50) {
			in["allowSharedName"] = true
		}
	}
	switch w.pick(12) {
	case 0:
		in["name"], valid = name+"\u202e", false
	case 1:
		w.spoil(in["source"].(map[string]any))
		valid = false
	case 2:
		delete(in, "note")
		valid = named
	}
	m := rtMutation{name: "createEntity", in: in, valid: valid,
		query: `mutation($in: CreateEntityInput!) { createEntity(input: $in) { entity { key version } } }`}
	m.apply = func(d *tupu.Dataset) {
		e := tupu.Entity{Key: key, Kind: tupu.Kind(in["kind"].(string)), Name: in["name"].(string), Source: rtSource(in["source"]), Version: 1}
		e.NameEn, _ = in["nameEn"].(string)
		e.Aliases, _ = in["aliases"].([]string)
		e.Description, _ = in["description"].(string)
		e.Note, _ = in["note"].(string)
		e.Normalize()
		d.Entities = append(d.Entities, e)
	}
	return m
}

func rtSource(v any) *tupu.Source {
	m := v.(map[string]any)
	return &tupu.Source{Document: m["document"].(string), Quote: m["quote"].(string)}
}

func (w *rtWorld) entity(d *tupu.Dataset) *tupu.Entity {
	if len(d.Entities) == 0 {
		return nil
	}
	return &d.Entities[w.pick(len(d.Entities))]
}

func (w *rtWorld) updateEntity(d *tupu.Dataset) rtMutation {
	e := w.entity(d)
	if e == nil {
		return w.createEntity(d)
	}
	key := e.Key
	in := map[string]any{"id": key, "expectedVersion": e.Version}
	switch w.pick(7) {
	case 0:
		in["nameEn"] = "" // clears it
	case 1:
		in["nameEn"] = fmt.Sprintf("Renamed %d", w.pick(1000000))
	case 2:
		in["description"] = []string{"", "Curated again."}[w.pick(2)]
	case 3:
		in["note"] = []string{"", "A curator's reading."}[w.pick(2)]
	case 4:
		in["aliases"] = []string{}
	case 5: // a new name, the old one kept as an alias
		in["name"] = fmt.Sprintf("更名实体%d", w.pick(1000000))
		in["aliases"] = append(slices.Clone(e.Aliases), e.Name)
	default:
		s, _ := w.sentence(d, e.Name)
		in["source"] = source(s)
	}
	if w.chance(10) {
		in["description"] = "看不见的\u200b字"
	}
	m := rtMutation{name: "updateEntity", in: in,
		query: `mutation($in: UpdateEntityInput!) { updateEntity(input: $in) { entity { version } } }`}
	m.apply = func(d *tupu.Dataset) {
		for i := range d.Entities {
			if x := &d.Entities[i]; x.Key == key {
				if v, ok := in["name"].(string); ok {
					x.Name = v
				}
				if v, ok := in["nameEn"].(string); ok {
					x.NameEn = v
				}
				if v, ok := in["description"].(string); ok {
					x.Description = v
				}
				if v, ok := in["note"].(string); ok {
					x.Note = v
				}
				if v, ok := in["aliases"].([]string); ok {
					x.Aliases = v
				}
				if v, ok := in["source"]; ok {
					x.Source = rtSource(v)
				}
				x.Normalize()
			}
		}
	}
	return m
}

func (w *rtWorld) deleteEntity(d *tupu.Dataset) rtMutation {
	e := w.entity(d)
	if e == nil {
		return w.createEntity(d)
	}
	key := e.Key
	cascade := w.chance(80)
	in := map[string]any{"id": key, "expectedVersion": e.Version, "cascade": cascade}
	m := rtMutation{name: "deleteEntity", in: in, admin: true,
		query: `mutation($in: DeleteEntityInput!) { deleteEntity(input: $in) { deletedId } }`}
	m.apply = func(d *tupu.Dataset) {
		d.Entities = slices.DeleteFunc(d.Entities, func(x tupu.Entity) bool { return x.Key == key })
		d.Relations = slices.DeleteFunc(d.Relations, func(r tupu.Relation) bool { return r.Subject == key || r.Object == key })
		d.Facts = slices.DeleteFunc(d.Facts, func(f tupu.Fact) bool { return f.Entity == key })
	}
	return m
}

func (w *rtWorld) addRelation(d *tupu.Dataset) rtMutation {
	a, b := w.entity(d), w.entity(d)
	if a == nil {
		return w.createEntity(d)
	}
	preds := tupu.Predicates
	pred := preds[w.pick(len(preds))].Predicate
	in := map[string]any{"subject": a.Key, "predicate": string(pred), "object": b.Key}
	s, named := w.sentence(d, a.Name, b.Name)
	in["source"] = source(s)
	valid := named
	if !named && w.chance(85) {
		in["note"], valid = "The sentence names them by other words.", true
	}
	if w.chance(8) {
		w.spoil(in["source"].(map[string]any))
		valid = false
	}
	subject, object := a.Key, b.Key
	m := rtMutation{name: "addRelation", in: in, valid: valid && a.Key != b.Key,
		query: `mutation($in: AddRelationInput!) { addRelation(input: $in) { relation { predicate } } }`}
	m.apply = func(d *tupu.Dataset) {
		r := tupu.Relation{Subject: subject, Predicate: pred, Object: object, Source: rtSource(in["source"])}
		r.Note, _ = in["note"].(string)
		r.Normalize()
		for i, x := range d.Relations {
			if x.Subject == subject && x.Predicate == pred && x.Object == object {
				d.Relations[i] = r
				return
			}
		}
		d.Relations = append(d.Relations, r)
	}
	return m
}

func (w *rtWorld) removeRelation(d *tupu.Dataset) rtMutation {
	if len(d.Relations) == 0 {
		return w.addRelation(d)
	}
	r := d.Relations[w.pick(len(d.Relations))]
	in := map[string]any{"subject": r.Subject, "predicate": string(r.Predicate), "object": r.Object}
	m := rtMutation{name: "removeRelation", in: in,
		query: `mutation($in: RemoveRelationInput!) { removeRelation(input: $in) { subject { key } } }`}
	m.apply = func(d *tupu.Dataset) {
		d.Relations = slices.DeleteFunc(d.Relations, func(x tupu.Relation) bool {
			return x.Subject == r.Subject && x.Predicate == r.Predicate && x.Object == r.Object
		})
	}
	return m
}

// periods are the forms a fact's period takes.
var rtPeriods = []string{"", "2020", "2021-08", "2021-08-31", "2016/2020", "2021-01/2021-08", "2020-12-31/2021-06-30"}

func (w *rtWorld) setFact(d *tupu.Dataset) rtMutation {
	e := w.entity(d)
	if e == nil {
		return w.createEntity(d)
	}
	in := map[string]any{"entity": e.Key, "property": []string{"rt_output", "rt_count", "rt_plan"}[w.pick(3)]}
	if p := rtPeriods[w.pick(len(rtPeriods))]; p != "" {
		in["period"] = p
	}
	period, _ := in["period"].(string)
	var old *tupu.Fact
	for i, f := range d.Facts {
		if f.Entity == e.Key && f.Property == in["property"] && f.Period == period {
			old = &d.Facts[i]
		}
	}
	valid := false
	if old != nil && w.chance(40) {
		// Only what changes: the rest stays.
		switch w.pick(3) {
		case 0:
			in["note"] = []any{nil, "", "Checked."}[w.pick(3)]
		case 1:
			in["label"] = []any{nil, "测试标签"}[w.pick(2)]
		default:
			in["qualifier"] = []any{nil, "ABOUT", "MORE_THAN", "AT_LEAST", "AT_MOST"}[w.pick(5)]
		}
	} else {
		s, _ := w.sentence(d)
		in["source"] = source(s)
		if w.chance(25) {
			in["text"] = s.text[strings.Index(s.text, "：")+len("："):] // words of the quote
		} else {
			f := s.figures[w.pick(len(s.figures))]
			in["value"], in["unit"] = f.value, f.unit
			if w.chance(30) {
				in["label"] = "测试数额"
			}
			if w.chance(30) {
				in["qualifier"] = "MORE_THAN"
			}
		}
		valid = true
		switch w.pick(14) {
		case 0:
			in["value"], in["unit"], valid = 1.7e308, "亿元", false
		case 1:
			if v, ok := in["value"].(float64); ok {
				in["value"], valid = v+1, false
			}
		case 2:
			w.spoil(in["source"].(map[string]any))
			valid = false
		case 3:
			in["period"], valid = "2021-13", false
		}
	}
	key, property := e.Key, in["property"].(string)
	period, _ = in["period"].(string)
	m := rtMutation{name: "setFact", in: in, valid: valid,
		query: `mutation($in: SetFactInput!) { setFact(input: $in) { fact { property } } }`}
	m.apply = func(d *tupu.Dataset) {
		f := tupu.Fact{Entity: key, Property: property, Period: period}
		at := -1
		for i, x := range d.Facts {
			if x.Entity == key && x.Property == property && x.Period == period {
				f, at = x, i
			}
		}
		text := func(k string, field *string) {
			if v, ok := in[k]; ok {
				*field, _ = v.(string)
			}
		}
		text("label", &f.Label)
		text("text", &f.Text)
		text("unit", &f.Unit)
		text("note", &f.Note)
		if v, ok := in["value"]; ok {
			x := v.(float64)
			f.Value = &x
		}
		if v, ok := in["qualifier"]; ok {
			q, _ := v.(string)
			f.Qualifier = tupu.Qualifier(strings.ToLower(q))
		}
		if v, ok := in["source"]; ok {
			f.Source = *rtSource(v)
		}
		f.Normalize()
		if at >= 0 {
			d.Facts[at] = f
		} else {
			d.Facts = append(d.Facts, f)
		}
	}
	return m
}

func (w *rtWorld) removeFact(d *tupu.Dataset) rtMutation {
	if len(d.Facts) == 0 {
		return w.setFact(d)
	}
	f := d.Facts[w.pick(len(d.Facts))]
	in := map[string]any{"entity": f.Entity, "property": f.Property}
	if f.Period != "" {
		in["period"] = f.Period
	}
	m := rtMutation{name: "removeFact", in: in,
		query: `mutation($in: RemoveFactInput!) { removeFact(input: $in) { entity { key } } }`}
	m.apply = func(d *tupu.Dataset) {
		d.Facts = slices.DeleteFunc(d.Facts, func(x tupu.Fact) bool {
			return x.Entity == f.Entity && x.Property == f.Property && x.Period == f.Period
		})
	}
	return m
}
