package synth

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tupu"
	"tupu/store"
)

const testEntities = 2000

func openStore(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "synth.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestDatasetIsValid checks the generated graph as the seed loader checks
// curated data: keys unique and well formed, every relation's and fact's
// ends exist, every quote is in its document, periods and kinds valid.
func TestDatasetIsValid(t *testing.T) {
	d, err := Dataset(Options{Entities: testEntities, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if n := len(d.Entities); n < testEntities || n > testEntities+400 {
		t.Errorf("%d entities, want about %d", n, testEntities)
	}
	// Every quote literally in its document's text, not only with line
	// breaks removed.
	text := map[string]string{}
	for _, doc := range d.Documents {
		text[doc.Key] = doc.Text
	}
	check := func(what string, s *tupu.Source) {
		if s == nil || !strings.Contains(text[s.Document], s.Quote) {
			t.Errorf("%s: quote %+v is not in its document", what, s)
		}
	}
	for _, e := range d.Entities {
		check(e.Key, e.Source)
	}
	for _, r := range d.Relations {
		check(r.Subject+" "+string(r.Predicate)+" "+r.Object, r.Source)
	}
	for _, f := range d.Facts {
		check(f.Entity+" "+f.Property, &f.Source)
	}
}

// TestShape checks the fan-out is the seed's: a handful of parks per
// district, 10–20 companies per park, 0–4 labs per company, 1–3 partners
// per lab, and every talent program has a level.
func TestShape(t *testing.T) {
	d, err := Dataset(Options{Entities: testEntities, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	kind := map[string]tupu.Kind{}
	for _, e := range d.Entities {
		kind[e.Key] = e.Kind
	}
	count := func(pred tupu.Predicate, subjKind, objKind tupu.Kind, byObject bool) map[string]int {
		n := map[string]int{}
		for _, r := range d.Relations {
			if r.Predicate == pred && (subjKind == "" || kind[r.Subject] == subjKind) && kind[r.Object] == objKind {
				if byObject {
					n[r.Object]++
				} else {
					n[r.Subject]++
				}
			}
		}
		return n
	}
	within := func(what string, n map[string]int, keys tupu.Kind, lo, hi int) {
		t.Helper()
		for k, kk := range kind {
			if strings.HasPrefix(k, "partner-") { // multinationals have no park
				continue
			}
			if kk == keys && (n[k] < lo || n[k] > hi) {
				t.Errorf("%s of %s: %d, want %d to %d", what, k, n[k], lo, hi)
			}
		}
	}
	within("parks", count(tupu.PredLocatedIn, tupu.KindPark, tupu.KindDistrict, true), tupu.KindDistrict, parksMin, parksMax)
	within("labs", count(tupu.PredBuilt, tupu.KindCompany, tupu.KindLab, false), tupu.KindCompany, 0, 4)
	within("partners", count(tupu.PredPartnerOf, "", tupu.KindLab, true), tupu.KindLab, 1, 3)
	within("builders", count(tupu.PredBuilt, "", tupu.KindLab, true), tupu.KindLab, 1, 1)
	within("host parks", count(tupu.PredHosts, tupu.KindPark, tupu.KindCompany, true), tupu.KindCompany, 1, 2)
	levels := map[string]string{}
	for _, f := range d.Facts {
		if f.Property == "level" {
			levels[f.Entity] = f.Text
		}
	}
	for k, kk := range kind {
		if kk == tupu.KindTalentProgram && levels[k] != "市级" && levels[k] != "区级" {
			t.Errorf("talent program %s has level %q", k, levels[k])
		}
	}
	// Parks host 10–20 companies of their own district, plus a few
	// that have a second site there.
	hosted := count(tupu.PredHosts, tupu.KindPark, tupu.KindCompany, false)
	for k, kk := range kind {
		if kk == tupu.KindPark && (hosted[k] < companiesMin || hosted[k] > 2*companiesMax) {
			t.Errorf("park %s hosts %d companies", k, hosted[k])
		}
	}
}

// TestDeterministic checks the same seed gives the same graph and another
// seed another one.
func TestDeterministic(t *testing.T) {
	keys := func(seed uint64) ([]string, []string) {
		d, err := Dataset(Options{Entities: testEntities, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		var ks, names []string
		for _, e := range d.Entities {
			ks = append(ks, e.Key)
			names = append(names, e.Name)
		}
		for _, r := range d.Relations {
			ks = append(ks, r.Subject+" "+string(r.Predicate)+" "+r.Object)
		}
		return ks, names
	}
	k1, n1 := keys(1)
	k2, n2 := keys(1)
	if !slices.Equal(k1, k2) || !slices.Equal(n1, n2) {
		t.Error("two graphs from seed 1 differ")
	}
	_, n3 := keys(2)
	if slices.Equal(n1, n3) {
		t.Error("seeds 1 and 2 gave the same names")
	}
}

// TestWrite loads a graph into a store and reads it back: the counts per
// kind match, every relation is there from both ends, every fact is there.
func TestWrite(t *testing.T) {
	s := openStore(t)
	opts := Options{Entities: testEntities, Seed: 1}
	st, err := Write(context.Background(), s, opts, WriteOptions{Batch: 500})
	if err != nil {
		t.Fatal(err)
	}
	if st.Transactions < 2 {
		t.Errorf("%d transactions, want several of 500 entities", st.Transactions)
	}
	d, err := Dataset(opts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Entities != len(d.Entities) || st.Relations != len(d.Relations) || st.Facts != len(d.Facts) {
		t.Errorf("wrote %+v, generated %d entities, %d relations, %d facts", st, len(d.Entities), len(d.Relations), len(d.Facts))
	}
	err = s.View(func(tx *store.Tx) error {
		if n := tx.CountEntities(""); n != len(d.Entities) {
			t.Errorf("the store counts %d entities, want %d", n, len(d.Entities))
		}
		for k, n := range st.Kinds {
			if got := tx.CountEntities(k); got != n {
				t.Errorf("the store counts %d of %s, want %d", got, k, n)
			}
		}
		out := map[string]int{}
		for _, r := range d.Relations {
			if _, err := tx.Relation(r.Subject, r.Predicate, r.Object); err != nil {
				t.Errorf("relation %s %s %s: %v", r.Subject, r.Predicate, r.Object, err)
			}
			out[r.Subject]++
		}
		for _, e := range d.Entities {
			got := tx.CountEdges(e.Key, store.EdgeFilter{Direction: tupu.Out})
			if got != out[e.Key] {
				t.Errorf("%s has %d outgoing edges, want %d", e.Key, got, out[e.Key])
			}
		}
		for _, f := range d.Facts {
			fs, err := tx.Facts(f.Entity, f.Property, f.Period)
			if err != nil || len(fs) != 1 {
				t.Errorf("fact %s %s %s: %v, %d found", f.Entity, f.Property, f.Period, err, len(fs))
			}
		}
		for _, doc := range d.Documents {
			if _, err := tx.Document(doc.Key); err != nil {
				t.Errorf("document %s: %v", doc.Key, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	// A second Write into the same store is refused.
	if _, err := Write(context.Background(), s, opts, WriteOptions{}); err != ErrNotEmpty {
		t.Errorf("second write: %v, want ErrNotEmpty", err)
	}
}

// TestWriteCancelled stops during the writes and leaves a sound, empty
// store: a bulk load is all or nothing.
func TestWriteCancelled(t *testing.T) {
	s := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	st, err := Write(ctx, s, Options{Entities: testEntities, Seed: 1}, WriteOptions{Batch: 300, Progress: func(Stats) { cancel() }})
	if err != context.Canceled {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if st.Transactions != 1 {
		t.Errorf("%d transactions after cancelling in the first", st.Transactions)
	}
	s.View(func(tx *store.Tx) error {
		if n := tx.CountEntities(""); n != 0 {
			t.Errorf("the store holds %d entities after a cancelled write", n)
		}
		return nil
	})
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	// The store is empty, so a second Write goes through.
	if _, err := Write(context.Background(), s, Options{Entities: 500, Seed: 1}, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestNames checks names are unique where the generator promises it.
func TestNames(t *testing.T) {
	d, err := Dataset(Options{Entities: 20000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, e := range d.Entities {
		if e.Kind != tupu.KindCompany && e.Kind != tupu.KindDistrict && e.Kind != tupu.KindLab {
			continue
		}
		if other, dup := seen[e.Name]; dup {
			t.Errorf("%s and %s are both named %s", other, e.Key, e.Name)
		}
		seen[e.Name] = e.Key
		if e.NameEn == "" {
			t.Errorf("%s has no English name", e.Key)
		}
	}
}
