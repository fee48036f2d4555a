package store_test

import (
	"encoding/binary"
	"path/filepath"
	"strconv"
	"testing"

	bolt "go.etcd.io/bbolt"

	"tupu"
	"tupu/internal/etcdtest"
	"tupu/store"
	"tupu/synth"
)

// graphFigures are the statistics of a dataset counted the slow way, one
// entity at a time.
type graphFigures struct {
	group    map[groupKey]int                     // the most edges of one entity of a kind in a group
	degree   map[tupu.Kind]map[tupu.Direction]int // the most edges of one entity of a kind, by direction
	facts    map[tupu.Kind]int
	entities map[tupu.Kind]int
	props    int
}

type groupKey struct {
	kind tupu.Kind
	dir  tupu.Direction
	pred tupu.Predicate
	far  tupu.Kind
}

func figuresOf(d *tupu.Dataset) graphFigures {
	kinds := kindsOf(d)
	g := graphFigures{group: map[groupKey]int{}, degree: map[tupu.Kind]map[tupu.Direction]int{},
		facts: map[tupu.Kind]int{}, entities: map[tupu.Kind]int{}}
	perEntity := map[string]map[groupKey]int{}
	add := func(e string, k groupKey) {
		if perEntity[e] == nil {
			perEntity[e] = map[groupKey]int{}
		}
		perEntity[e][k]++
	}
	for _, r := range d.Relations {
		add(r.Subject, groupKey{kinds[r.Subject], tupu.Out, r.Predicate, kinds[r.Object]})
		add(r.Object, groupKey{kinds[r.Object], tupu.In, r.Predicate, kinds[r.Subject]})
	}
	for _, e := range d.Entities {
		g.entities[e.Kind]++
		deg := map[tupu.Direction]int{}
		for k, n := range perEntity[e.Key] {
			g.group[k] = max(g.group[k], n)
			deg[k.dir] += n
			deg[tupu.Both] += n
		}
		if g.degree[e.Kind] == nil {
			g.degree[e.Kind] = map[tupu.Direction]int{}
		}
		for dir, n := range deg {
			g.degree[e.Kind][dir] = max(g.degree[e.Kind][dir], n)
		}
	}
	facts := map[string]int{}
	props := map[string]bool{}
	for _, f := range d.Facts {
		facts[f.Entity]++
		props[f.Property] = true
	}
	for e, n := range facts {
		g.facts[kinds[e]] = max(g.facts[kinds[e]], n)
	}
	g.props = len(props)
	return g
}

// assertStatistics checks st against the figures of d: exact for one
// group, one direction and every kind, an upper bound for any filter.
func assertStatistics(t *testing.T, st *store.Statistics, d *tupu.Dataset) {
	t.Helper()
	want := figuresOf(d)
	for k, n := range want.group {
		f := store.EdgeFilter{Direction: k.dir, Predicates: []tupu.Predicate{k.pred}, Kind: k.far}
		if got := st.Fanout(k.kind, f); got != n {
			t.Errorf("Fanout(%s, %s %s %s) = %d, want %d", k.kind, k.dir, k.pred, k.far, got, n)
		}
	}
	for kind, byDir := range want.degree {
		for _, dir := range []tupu.Direction{tupu.In, tupu.Out, tupu.Both} {
			if got := st.Fanout(kind, store.EdgeFilter{Direction: dir}); got != byDir[dir] {
				t.Errorf("Fanout(%s, %s) = %d, want %d", kind, dir, got, byDir[dir])
			}
		}
		if got := st.Fanout(kind, store.EdgeFilter{}); got != byDir[tupu.Both] {
			t.Errorf("Fanout(%s, no filter) = %d, want %d", kind, got, byDir[tupu.Both])
		}
	}
	// Several predicates, any far kind: at least what any one entity has.
	kinds := kindsOf(d)
	preds := []tupu.Predicate{tupu.PredRuns, tupu.PredDrawsOn, tupu.PredHosts}
	most := map[tupu.Kind]int{}
	n := map[string]int{}
	for _, r := range d.Relations {
		for _, p := range preds {
			if r.Predicate == p {
				n[r.Subject]++
				most[kinds[r.Subject]] = max(most[kinds[r.Subject]], n[r.Subject])
			}
		}
	}
	anyKind := 0
	for kind, m := range most {
		anyKind = max(anyKind, m)
		if got := st.Fanout(kind, store.EdgeFilter{Direction: tupu.Out, Predicates: preds}); got < m {
			t.Errorf("Fanout(%s, OUT runs|draws_on|hosts) = %d, below %d", kind, got, m)
		}
	}
	if got := st.Fanout("", store.EdgeFilter{Direction: tupu.Out, Predicates: preds}); got < anyKind {
		t.Errorf("Fanout(any kind, OUT runs|draws_on|hosts) = %d, below %d", got, anyKind)
	}
	total := 0
	for kind, n := range want.entities {
		total += n
		if got := st.Entities(kind); got != n {
			t.Errorf("Entities(%s) = %d, want %d", kind, got, n)
		}
	}
	if got := st.Entities(""); got != total {
		t.Errorf("Entities() = %d, want %d", got, total)
	}
	mostFacts := 0
	for kind, n := range want.facts {
		mostFacts = max(mostFacts, n)
		if got := st.Facts(kind); got != n {
			t.Errorf("Facts(%s) = %d, want %d", kind, got, n)
		}
	}
	if got := st.Facts(""); got != mostFacts {
		t.Errorf("Facts() = %d, want %d", got, mostFacts)
	}
	if got := st.Properties(); got != want.props {
		t.Errorf("Properties() = %d, want %d", got, want.props)
	}
}

func TestStatistics_Sync(t *testing.T) { eachEngine(t, testStatistics_Sync) }

func testStatistics_Sync(t *testing.T) {
	d := seedDataset(t)
	s := MustOpen(t)
	MustSync(t, s, d)
	assertStatistics(t, s.Statistics(), d)
	if s.Statistics().Version() != s.Version() {
		t.Errorf("statistics of version %d, graph at %d", s.Statistics().Version(), s.Version())
	}
}

func TestStatistics_Load(t *testing.T) { eachEngine(t, testStatistics_Load) }

func testStatistics_Load(t *testing.T) {
	gen := synth.Options{Entities: 3000, Seed: 5}
	d, err := synth.Dataset(gen)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tupu.db")
	if engineOf(t) == onEtcd {
		path = clusterURL(t, etcdtest.Prefix(t.Name()))
	}
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustLoad(t, s, synth.Source(gen), store.LoadOptions{})
	assertStatistics(t, s.Statistics(), d)
	// Load and Put* write the same buckets, stats included (see
	// TestLoadSynthSameAsPut); and the statistics survive a reopen.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpenLocation(t, path)
	assertStatistics(t, s.Statistics(), d)
}

func TestStatistics_Import(t *testing.T) { eachEngine(t, testStatistics_Import) }

func testStatistics_Import(t *testing.T) {
	d := seedDataset(t)
	from := MustOpen(t)
	MustSync(t, from, d)
	var dump *store.Dump
	MustView(t, from, func(tx *store.Tx) error {
		var err error
		dump, err = tx.Dump()
		return err
	})
	to := MustOpen(t)
	if err := to.Import(dump); err != nil {
		t.Fatal(err)
	}
	assertStatistics(t, to.Statistics(), d)
}

// TestStatistics_Writes: a commit raises the statistics it passes, at
// once; a deletion leaves them where they were, above the graph.
func TestStatistics_Writes(t *testing.T) { eachEngine(t, testStatistics_Writes) }

func testStatistics_Writes(t *testing.T) {
	d := seedDataset(t)
	s := MustOpen(t)
	MustSync(t, s, d)
	doc := d.Documents[0]
	quote := d.Relations[0].Source.Quote
	before := s.Statistics().Fanout(tupu.KindLab, store.EdgeFilter{Direction: tupu.In, Predicates: []tupu.Predicate{tupu.PredPartnerOf}})
	lab := ""
	for _, e := range d.Entities {
		if e.Kind == tupu.KindLab {
			lab = e.Key
			break
		}
	}
	// New partners for one lab, more than any lab has.
	var added []tupu.Relation
	MustUpdate(t, s, func(tx *store.Tx) error {
		for i := range before + 2 {
			e := entity("stat-partner-"+strconv.Itoa(i), tupu.KindUniversity, "统计大学"+strconv.Itoa(i))
			e.Source, e.Note = &tupu.Source{Document: doc.Key, Quote: quote}, "A test partner the article does not name."
			if _, err := tx.CreateEntity("test", e); err != nil {
				return err
			}
			r := tupu.Relation{Subject: e.Key, Predicate: tupu.PredPartnerOf, Object: lab, Source: &tupu.Source{Document: doc.Key, Quote: quote}, Note: "A test relation."}
			if _, err := tx.AddRelation("test", r); err != nil {
				return err
			}
			added = append(added, r)
		}
		return nil
	})
	partners := store.EdgeFilter{Direction: tupu.In, Predicates: []tupu.Predicate{tupu.PredPartnerOf}}
	st := s.Statistics()
	if got := st.Fanout(tupu.KindLab, partners); got < before+2 {
		t.Errorf("after adding %d partners to %s: Fanout %d, want at least %d", before+2, lab, got, before+2)
	}
	if got, want := st.Entities(tupu.KindUniversity), figuresOf(d).entities[tupu.KindUniversity]+before+2; got != want {
		t.Errorf("Entities(UNIVERSITY) = %d, want %d", got, want)
	}
	raised := st.Fanout(tupu.KindLab, partners)
	MustUpdate(t, s, func(tx *store.Tx) error {
		for _, r := range added {
			if err := tx.RemoveRelation("test", r.Subject, r.Predicate, r.Object); err != nil {
				return err
			}
		}
		return nil
	})
	if got := s.Statistics().Fanout(tupu.KindLab, partners); got != raised {
		t.Errorf("after removing them: Fanout %d, want %d (maxima are not lowered)", got, raised)
	}
	// Facts: a new property counts.
	props := s.Statistics().Properties()
	MustUpdate(t, s, func(tx *store.Tx) error {
		_, err := tx.SetFact("test", lab, "stat_test_property", "2021", func(f *tupu.Fact) {
			v := 1.0
			f.Value, f.Source = &v, tupu.Source{Document: doc.Key, Quote: quote}
		})
		return err
	})
	if got := s.Statistics().Properties(); got != props+1 {
		t.Errorf("Properties() = %d after a new property, want %d", got, props+1)
	}
}

// TestStatistics_Migration: a file of schema version 3 (no stats bucket)
// opens read-only as it is, and read-write it is migrated to version 4
// with the statistics a fresh store would have.
func TestStatistics_Migration(t *testing.T) {
	d := seedDataset(t)
	path := filepath.Join(t.TempDir(), "v3.db")
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	MustSync(t, s, d)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("stats")); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), binary.BigEndian.AppendUint64(nil, 3))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	ro, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of a version 3 file: %v", err)
	}
	err = ro.View(func(tx *store.Tx) error {
		_, err := tx.Dump()
		return err
	})
	ro.Close()
	if err != nil {
		t.Fatalf("dump of a version 3 file: %v", err)
	}

	migrated := MustOpenFile(t, path)
	assertStatistics(t, migrated.Statistics(), d)
	fresh := MustOpen(t)
	MustSync(t, fresh, d)
	wk, wv, err := store.RawBucket(fresh, "stats")
	if err != nil {
		t.Fatal(err)
	}
	gk, gv, err := store.RawBucket(migrated, "stats")
	if err != nil {
		t.Fatal(err)
	}
	if len(gk) != len(wk) {
		t.Fatalf("migrated stats hold %d keys, a fresh store's %d", len(gk), len(wk))
	}
	for i := range gk {
		if string(gk[i]) != string(wk[i]) || string(gv[i]) != string(wv[i]) {
			t.Errorf("stats key %q = %x, a fresh store has %q = %x", gk[i], gv[i], wk[i], wv[i])
		}
	}
}
