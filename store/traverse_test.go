package store_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"tupu"
	"tupu/seed"
	"tupu/store"
	"tupu/synth"
)

// The tests of Tx.Paths compare it with refPaths, a plain breadth-first
// search from one end over the relations of a dataset, and check the
// limits on small fixtures.

const noVisitLimit = 1 << 30

// refPaths returns every shortest path from `from` to `to` of at most
// maxHops steps over the relations (only those of preds when given), found
// by a one-sided breadth-first search that keeps every shortest way into
// each entity. It returns the length of those paths (-1 when there is
// none), how many there are, and the paths themselves unless there are
// more than max of them.
func refPaths(rels []tupu.Relation, from, to string, maxHops int, preds []tupu.Predicate, max int) (length, count int, paths [][]store.Step) {
	if from == to {
		return 0, 1, [][]store.Step{{}}
	}
	adj := map[string][]store.Step{}
	for _, r := range rels {
		if len(preds) > 0 && !slices.Contains(preds, r.Predicate) {
			continue
		}
		adj[r.Subject] = append(adj[r.Subject], store.Step{From: r.Subject, To: r.Object, Predicate: r.Predicate, Direction: tupu.Out, Source: r.Source, Note: r.Note})
		adj[r.Object] = append(adj[r.Object], store.Step{From: r.Object, To: r.Subject, Predicate: r.Predicate, Direction: tupu.In, Source: r.Source, Note: r.Note})
	}
	dist := map[string]int{from: 0}
	parents := map[string][]store.Step{}
	frontier := []string{from}
	for hop := 1; hop <= maxHops && len(frontier) > 0 && parents[to] == nil; hop++ {
		var next []string
		for _, key := range frontier {
			for _, st := range adj[key] {
				d, known := dist[st.To]
				if known && d < hop {
					continue
				}
				if !known {
					dist[st.To] = hop
					next = append(next, st.To)
				}
				parents[st.To] = append(parents[st.To], st)
			}
		}
		frontier = next
	}
	if parents[to] == nil {
		return -1, 0, nil
	}
	counts := map[string]int{from: 1}
	var countOf func(key string) int
	countOf = func(key string) int {
		if n, ok := counts[key]; ok {
			return n
		}
		n := 0
		for _, p := range parents[key] {
			n += countOf(p.From)
		}
		counts[key] = n
		return n
	}
	if count = countOf(to); count > max {
		return dist[to], count, nil
	}
	var walk func(key string, suffix []store.Step)
	walk = func(key string, suffix []store.Step) {
		if key == from {
			paths = append(paths, slices.Clone(suffix))
			return
		}
		for _, p := range parents[key] {
			walk(p.From, append([]store.Step{p}, suffix...))
		}
	}
	walk(to, nil)
	return dist[to], count, paths
}

// comparePaths is the order Paths documents: step by step, by the entity
// reached, then the predicate, then the direction (IN before OUT).
func comparePaths(a, b []store.Step) int {
	for i := range min(len(a), len(b)) {
		if c := cmp.Or(strings.Compare(a[i].To, b[i].To), strings.Compare(string(a[i].Predicate), string(b[i].Predicate)),
			strings.Compare(string(a[i].Direction), string(b[i].Direction))); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func formatPath(p []store.Step) string {
	var b strings.Builder
	for i, st := range p {
		if i > 0 {
			b.WriteString(" · ")
		}
		src := "-"
		if st.Source != nil {
			src = fmt.Sprintf("%+v", *st.Source)
		}
		fmt.Fprintf(&b, "%s -%s/%s-> %s {%s %q}", st.From, st.Predicate, st.Direction, st.To, src, st.Note)
	}
	return b.String()
}

func formatPaths(ps [][]store.Step) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = formatPath(p)
	}
	return out
}

// checkPath fails unless p is a path of length steps from `from` to `to`
// over the relations, each step with the relation's provenance.
func checkPath(tb testing.TB, rels map[string]tupu.Relation, from, to string, length int, p []store.Step) {
	tb.Helper()
	if len(p) != length {
		tb.Errorf("path %s: %d steps, want %d", formatPath(p), len(p), length)
		return
	}
	at := from
	for _, st := range p {
		r := tupu.Relation{Subject: st.From, Predicate: st.Predicate, Object: st.To}
		if st.Direction == tupu.In {
			r.Subject, r.Object = st.To, st.From
		}
		want, ok := rels[r.Subject+" "+string(r.Predicate)+" "+r.Object]
		if st.From != at || !ok || fmt.Sprint(st.Source) != fmt.Sprint(want.Source) || st.Note != want.Note {
			tb.Errorf("path %s: step %s -%s/%s-> %s is not a relation with its provenance", formatPath(p), st.From, st.Predicate, st.Direction, st.To)
			return
		}
		at = st.To
	}
	if at != to {
		tb.Errorf("path %s ends at %s, want %s", formatPath(p), at, to)
	}
}

// assertPathsMatch runs Paths from `from` to `to` and compares the answer
// with refPaths: all shortest paths in the documented order when there are
// few enough, and a prefix of that order when limit cuts them short.
// Where there are too many to enumerate it checks that Paths returns
// limit distinct shortest paths in order.
func assertPathsMatch(tb testing.TB, s *store.Store, d *tupu.Dataset, rels map[string]tupu.Relation, from, to string, maxHops int, preds []tupu.Predicate) {
	tb.Helper()
	const max = 2000
	length, count, want := refPaths(d.Relations, from, to, maxHops, preds, max)
	slices.SortFunc(want, comparePaths)
	what := fmt.Sprintf("Paths(%s, %s, %d, %v)", from, to, maxHops, preds)
	paths := func(limit int) [][]store.Step {
		var got [][]store.Step
		MustView(tb, s, func(tx *store.Tx) (err error) {
			got, err = tx.Paths(from, to, maxHops, preds, limit, noVisitLimit)
			return err
		})
		return got
	}
	if count > max {
		const limit = 50
		got := paths(limit)
		if len(got) != min(limit, count) {
			tb.Errorf("%s: %d paths, want %d of %d", what, len(got), min(limit, count), count)
		}
		for i, p := range got {
			checkPath(tb, rels, from, to, length, p)
			if i > 0 && comparePaths(got[i-1], p) >= 0 {
				tb.Errorf("%s: path %d %s does not come after %s", what, i, formatPath(p), formatPath(got[i-1]))
			}
		}
		return
	}
	got := paths(count + 1)
	if got == nil {
		tb.Errorf("%s = nil, want a slice", what)
	}
	assertRows(tb, what, formatPaths(got), formatPaths(want))
	if count > 2 {
		limit := count / 2
		assertRows(tb, fmt.Sprintf("%s, first %d", what, limit), formatPaths(paths(limit)), formatPaths(want[:limit]))
	}
}

func relationIndex(d *tupu.Dataset) map[string]tupu.Relation {
	rels := map[string]tupu.Relation{}
	for _, r := range d.Relations {
		rels[r.Subject+" "+string(r.Predicate)+" "+r.Object] = r
	}
	return rels
}

// predicatesUsed returns the predicates of d's relations, in order.
func predicatesUsed(d *tupu.Dataset) []tupu.Predicate {
	var ps []tupu.Predicate
	for _, r := range d.Relations {
		if !slices.Contains(ps, r.Predicate) {
			ps = append(ps, r.Predicate)
		}
	}
	slices.Sort(ps)
	return ps
}

// checkPathsAgainstReference compares Paths with refPaths for pairs of d's
// entities, with every maxHops in turn and, for every fourth pair, a
// random half of the predicates d uses.
func checkPathsAgainstReference(t *testing.T, d *tupu.Dataset, pairs int) {
	s := MustOpen(t)
	MustSync(t, s, d)
	rels := relationIndex(d)
	used := predicatesUsed(d)
	keys := wantEntities(d, "")
	r := rand.New(rand.NewPCG(7, uint64(len(keys))))
	found := map[int]int{}
	for i := range pairs {
		from, to := keys[r.IntN(len(keys))], keys[r.IntN(len(keys))]
		if len(keys)*len(keys) <= pairs {
			from, to = keys[i/len(keys)], keys[i%len(keys)]
		}
		maxHops := 1 + i%store.MaxPathHops
		var preds []tupu.Predicate
		if i%4 == 3 {
			for _, p := range used {
				if r.IntN(2) == 0 {
					preds = append(preds, p)
				}
			}
		}
		length, _, _ := refPaths(d.Relations, from, to, maxHops, preds, 0)
		found[length]++
		assertPathsMatch(t, s, d, rels, from, to, maxHops, preds)
		if t.Failed() {
			return
		}
	}
	t.Logf("%d entities, %d pairs; pairs by shortest length (-1: none): %v", len(keys), pairs, found)
}

func TestPaths_matchReference(t *testing.T) { eachEngine(t, testPaths_matchReference) }

func testPaths_matchReference(t *testing.T) {
	t.Run("seed", func(t *testing.T) {
		d, err := seed.Load(seed.Data())
		if err != nil {
			t.Fatal(err)
		}
		checkPathsAgainstReference(t, d, 3000)
	})
	t.Run("synth", func(t *testing.T) {
		d, err := synth.Dataset(synth.Options{Entities: 600, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		checkPathsAgainstReference(t, d, 1500)
	})
}

// pathsFixture is a small graph with paths of every length, several
// shortest paths between some entities, and hubs:
//
//	a → b → c → d → e → f → g    located_in: 6 steps from a to g
//	a → m1..m4 ← z                hosts, built: 4 ways of 2 steps from a to z
//	a → hub → h01..h30            hosts
//	x → hub2 → y, hub2 → k01..k30 partner_of, hosts
//	pl01..pl10 ← p → c1 → c2 ← q → ql01..ql10
//	                              hosts, built, partner_of, built, hosts
func pathsFixture() *tupu.Dataset {
	var es []tupu.Entity
	var rs []tupu.Relation
	add := func(keys ...string) {
		for _, k := range keys {
			es = append(es, entity(k, tupu.KindCompany, "实体"+k))
		}
	}
	rel := func(subject string, pred tupu.Predicate, object string) {
		rs = append(rs, relation(subject, pred, object))
	}
	add("a", "b", "c", "d", "e", "f", "g", "z", "hub", "hub2", "x", "y", "p", "q", "c1", "c2")
	chain := []string{"a", "b", "c", "d", "e", "f", "g"}
	for i := 1; i < len(chain); i++ {
		rel(chain[i-1], tupu.PredLocatedIn, chain[i])
	}
	for i := 1; i <= 4; i++ {
		m := fmt.Sprintf("m%d", i)
		add(m)
		rel("a", tupu.PredHosts, m)
		rel("z", tupu.PredBuilt, m)
	}
	rel("a", tupu.PredHosts, "hub")
	rel("x", tupu.PredPartnerOf, "hub2")
	rel("hub2", tupu.PredPartnerOf, "y")
	for i := 1; i <= 30; i++ {
		h, k := fmt.Sprintf("h%02d", i), fmt.Sprintf("k%02d", i)
		add(h, k)
		rel("hub", tupu.PredHosts, h)
		rel("hub2", tupu.PredHosts, k)
	}
	rel("p", tupu.PredBuilt, "c1")
	rel("c1", tupu.PredPartnerOf, "c2")
	rel("q", tupu.PredBuilt, "c2")
	for i := 1; i <= 10; i++ {
		pl, ql := fmt.Sprintf("pl%02d", i), fmt.Sprintf("ql%02d", i)
		add(pl, ql)
		rel("p", tupu.PredHosts, pl)
		rel("q", tupu.PredHosts, ql)
	}
	return newDataset(es, rs, nil)
}

func TestPaths_fixture(t *testing.T) { eachEngine(t, testPaths_fixture) }

func testPaths_fixture(t *testing.T) {
	d := pathsFixture()
	s := MustOpen(t)
	MustSync(t, s, d)
	rels := relationIndex(d)
	paths := func(from, to string, maxHops int, preds []tupu.Predicate, limit, maxVisited int) ([][]store.Step, error) {
		var got [][]store.Step
		err := s.View(func(tx *store.Tx) (err error) {
			got, err = tx.Paths(from, to, maxHops, preds, limit, maxVisited)
			return err
		})
		return got, err
	}

	t.Run("all_pairs", func(t *testing.T) {
		keys := wantEntities(d, "")
		for _, from := range keys {
			for _, to := range keys {
				for _, hops := range []int{2, 3, store.MaxPathHops} {
					assertPathsMatch(t, s, d, rels, from, to, hops, nil)
				}
			}
			if t.Failed() {
				return
			}
		}
	})

	t.Run("max_hops", func(t *testing.T) {
		for hops := 1; hops <= store.MaxPathHops; hops++ {
			for _, c := range []struct {
				from, to string
				length   int // -1: no path
			}{
				{"a", "g", 6}, {"g", "a", 6}, {"b", "f", 4}, {"a", "d", 3}, {"d", "a", 3}, {"a", "b", 1},
				{"h01", "m1", 3}, {"x", "y", 2}, {"pl01", "ql01", 5}, {"h01", "k01", -1},
			} {
				got, err := paths(c.from, c.to, hops, nil, 10, noVisitLimit)
				if err != nil {
					t.Fatalf("Paths(%s, %s, %d): %v", c.from, c.to, hops, err)
				}
				want := 0
				if c.length >= 0 && c.length <= hops {
					want = 1
				}
				if got == nil || len(got) != want {
					t.Errorf("Paths(%s, %s, %d): %d paths (nil: %v), want %d: %q", c.from, c.to, hops, len(got), got == nil, want, formatPaths(got))
				}
				for _, p := range got {
					checkPath(t, rels, c.from, c.to, c.length, p)
				}
			}
		}
		for _, hops := range []int{0, -1, store.MaxPathHops + 1} {
			_, err := paths("a", "b", hops, nil, 10, noVisitLimit)
			assertCode(t, err, tupu.BadUserInput)
		}
	})

	t.Run("limit", func(t *testing.T) {
		all, err := paths("a", "z", 2, nil, 10, noVisitLimit)
		if err != nil {
			t.Fatal(err)
		}
		var short []string
		for _, p := range all {
			var steps []string
			for _, st := range p {
				steps = append(steps, fmt.Sprintf("%s -%s/%s-> %s", st.From, st.Predicate, st.Direction, st.To))
			}
			short = append(short, strings.Join(steps, " · "))
		}
		assertRows(t, "Paths(a, z)", short, []string{
			"a -hosts/OUT-> m1 · m1 -built/IN-> z",
			"a -hosts/OUT-> m2 · m2 -built/IN-> z",
			"a -hosts/OUT-> m3 · m3 -built/IN-> z",
			"a -hosts/OUT-> m4 · m4 -built/IN-> z",
		})
		for limit := 0; limit <= 5; limit++ {
			got, err := paths("a", "z", 2, nil, limit, noVisitLimit)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Errorf("limit %d: nil, want a slice", limit)
			}
			assertRows(t, fmt.Sprintf("limit %d", limit), formatPaths(got), formatPaths(all[:min(limit, len(all))]))
		}
		got, err := paths("a", "a", 2, nil, 3, noVisitLimit)
		if err != nil || len(got) != 1 || len(got[0]) != 0 {
			t.Errorf("Paths(a, a) = %v, %v; want one empty path", got, err)
		}
		got, err = paths("a", "z", 2, []tupu.Predicate{tupu.PredHosts}, 10, noVisitLimit)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("Paths(a, z) over hosts only = %v, %v; want none", got, err)
		}
		for _, c := range [][2]string{{"a", "nobody"}, {"nobody", "a"}} {
			_, err := paths(c[0], c[1], 2, nil, 10, noVisitLimit)
			assertCode(t, err, tupu.NotFound)
		}
	})

	t.Run("visited", func(t *testing.T) {
		for _, c := range []struct {
			from, to   string
			maxVisited int
			ok         bool
		}{
			// Any search visits at least the entities of a path.
			{"x", "y", 1, false},
			{"x", "y", 2, false},
			{"a", "g", 6, false},
			{"pl01", "ql01", 5, false},
			// From both ends at once, the search from p to q visits p,
			// c1 and p's 10 leaves on one side and q, c2 and q's 10
			// leaves on the other before the sides meet: 24 entities,
			// though neither side visits more than 12.
			{"p", "q", 23, false},
			{"p", "q", 24, true},
			// Enough for anything, with or without a path.
			{"x", "y", len(d.Entities), true},
			{"a", "g", len(d.Entities), true},
			{"h01", "k01", len(d.Entities), true},
		} {
			for _, pair := range [][2]string{{c.from, c.to}, {c.to, c.from}} {
				got, err := paths(pair[0], pair[1], store.MaxPathHops, nil, 10, c.maxVisited)
				if c.ok {
					if err != nil {
						t.Errorf("Paths(%s, %s) visiting at most %d: %v", pair[0], pair[1], c.maxVisited, err)
					}
					continue
				}
				if err == nil {
					t.Errorf("Paths(%s, %s) visiting at most %d = %q, want COMPLEXITY_LIMIT", pair[0], pair[1], c.maxVisited, formatPaths(got))
					continue
				}
				assertCode(t, err, tupu.ComplexityLimit)
			}
		}
	})
}

// TestNeighborhood_relationsCap: a neighbourhood may hold at most
// MaxRelationsPerEntity relations per entity allowed, however few
// entities it holds.
func TestNeighborhood_relationsCap(t *testing.T) { eachEngine(t, testNeighborhood_relationsCap) }

func testNeighborhood_relationsCap(t *testing.T) {
	es := []tupu.Entity{entity("a", tupu.KindCompany, "甲公司"), entity("b", tupu.KindCompany, "乙公司")}
	var rs []tupu.Relation
	for i, p := range tupu.Predicates[:2*store.MaxRelationsPerEntity+1] {
		if i%2 == 0 {
			rs = append(rs, relation("a", p.Predicate, "b"))
		} else {
			rs = append(rs, relation("b", p.Predicate, "a"))
		}
	}
	s := MustOpen(t)
	MustSync(t, s, newDataset(es, rs, nil))
	MustView(t, s, func(tx *store.Tx) error {
		_, err := tx.Neighborhood("a", 1, nil, nil, 2)
		assertCode(t, err, tupu.ComplexityLimit)
		g, err := tx.Neighborhood("a", 1, nil, nil, 3)
		if err != nil || len(g.Relations) != len(rs) {
			t.Errorf("maxNodes 3: %v relations, %v; want %d", g, err, len(rs))
		}
		return nil
	})
}
