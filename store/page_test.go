package store_test

import (
	"fmt"
	"slices"
	"testing"

	"tupu"
	"tupu/store"
)

// hubDataset is a park with edges in five groups, from both directions:
//
//	IN  built      COMPANY   c01..c06   (6)
//	IN  runs       DISTRICT  d1         (1)
//	OUT hosts      COMPANY   c01..c15   (15)
//	OUT hosts      LAB       l01..l05   (5)
//	OUT located_in DISTRICT  d1         (1)
//
// 28 edges in all, and an entity, lonely, with none.
func hubDataset() *tupu.Dataset {
	es := []tupu.Entity{
		entity("hub", tupu.KindPark, "前沿科技城", "科技城"),
		entity("d1", tupu.KindDistrict, "渝北区"),
		entity("lonely", tupu.KindCompany, "孤独公司"),
	}
	var rs []tupu.Relation
	var fs []tupu.Fact
	for i := 1; i <= 15; i++ {
		c := fmt.Sprintf("c%02d", i)
		es = append(es, entity(c, tupu.KindCompany, fmt.Sprintf("企业%02d", i)))
		rs = append(rs, relation("hub", tupu.PredHosts, c))
		if i <= 6 {
			rs = append(rs, relation(c, tupu.PredBuilt, "hub"))
		}
		fs = append(fs, fact(c, "revenue", float64(i), "2021"))
	}
	for i := 1; i <= 5; i++ {
		l := fmt.Sprintf("l%02d", i)
		es = append(es, entity(l, tupu.KindLab, fmt.Sprintf("实验室%02d", i)))
		rs = append(rs, relation("hub", tupu.PredHosts, l))
	}
	rs = append(rs, relation("hub", tupu.PredLocatedIn, "d1"), relation("d1", tupu.PredRuns, "hub"))
	fs = append(fs, fact("hub", "area", 25, ""))
	return newDataset(es, rs, fs)
}

// edgeFilters are the filters the paging tests walk the hub with.
var edgeFilters = []struct {
	name   string
	filter store.EdgeFilter
	want   int // edges of the hub it selects
}{
	{"all", store.EdgeFilter{}, 28},
	{"both", store.EdgeFilter{Direction: tupu.Both}, 28},
	{"out", store.EdgeFilter{Direction: tupu.Out}, 21},
	{"in", store.EdgeFilter{Direction: tupu.In}, 7},
	{"one_predicate", store.EdgeFilter{Predicates: []tupu.Predicate{tupu.PredHosts}}, 20},
	{"two_predicates", store.EdgeFilter{Predicates: []tupu.Predicate{tupu.PredLocatedIn, tupu.PredHosts}}, 21},
	{"predicates_in_both_directions", store.EdgeFilter{Predicates: []tupu.Predicate{tupu.PredBuilt, tupu.PredLocatedIn}}, 7},
	{"kind", store.EdgeFilter{Kind: tupu.KindCompany}, 21},
	{"kind_out", store.EdgeFilter{Direction: tupu.Out, Kind: tupu.KindDistrict}, 1},
	{"predicate_and_kind", store.EdgeFilter{Predicates: []tupu.Predicate{tupu.PredHosts}, Kind: tupu.KindLab}, 5},
	{"in_with_out_predicate", store.EdgeFilter{Direction: tupu.In, Predicates: []tupu.Predicate{tupu.PredHosts}}, 0},
	{"unknown_predicate", store.EdgeFilter{Predicates: []tupu.Predicate{"likes"}}, 0},
}

func TestStore_Edges(t *testing.T) { eachEngine(t, testStore_Edges) }

func testStore_Edges(t *testing.T) {
	s := MustOpen(t)
	d := hubDataset()
	MustSync(t, s, d)
	kinds := kindsOf(d)

	t.Run("walk", func(t *testing.T) {
		for _, tc := range edgeFilters {
			t.Run(tc.name, func(t *testing.T) {
				want := wantEdges(kinds, d.Relations, "hub", tc.filter)
				if len(want) != tc.want {
					t.Fatalf("the model selects %d edges, the table says %d", len(want), tc.want)
				}
				MustView(t, s, func(tx *store.Tx) error {
					if got := tx.CountEdges("hub", tc.filter); got != tc.want {
						t.Errorf("CountEdges = %d, want %d", got, tc.want)
					}
					return nil
				})
				for _, n := range []int{1, 3, 7, 28, 100} {
					assertRows(t, fmt.Sprintf("forward by %d", n), walkForward(t, s, edgesOf("hub", tc.filter), n), want)
					assertRows(t, fmt.Sprintf("backward by %d", n), walkBackward(t, s, edgesOf("hub", tc.filter), n), want)
				}
				p := fetch(t, s, edgesOf("hub", tc.filter), store.PageArgs{First: 2})
				if p.total != tc.want {
					t.Errorf("Total = %d, want %d", p.total, tc.want)
				}
			})
		}
	})

	t.Run("order", func(t *testing.T) {
		got := walkForward(t, s, edgesOf("hub", store.EdgeFilter{}), 100)
		want := []string{
			"IN built COMPANY c01", "IN built COMPANY c02", "IN built COMPANY c03",
			"IN built COMPANY c04", "IN built COMPANY c05", "IN built COMPANY c06",
			"IN runs DISTRICT d1",
		}
		for i := 1; i <= 15; i++ {
			want = append(want, fmt.Sprintf("OUT hosts COMPANY c%02d", i))
		}
		for i := 1; i <= 5; i++ {
			want = append(want, fmt.Sprintf("OUT hosts LAB l%02d", i))
		}
		want = append(want, "OUT located_in DISTRICT d1")
		assertRows(t, "edges of hub", got, want)
	})

	// Two predicates are two key ranges; a page that crosses from one to
	// the other must not skip or repeat the edges at the boundary.
	t.Run("across_prefixes", func(t *testing.T) {
		l := edgesOf("hub", store.EdgeFilter{Predicates: []tupu.Predicate{tupu.PredLocatedIn, tupu.PredHosts}})
		all := fetch(t, s, l, store.PageArgs{First: 100})
		last := len(all.rows) - 1 // "OUT located_in DISTRICT d1"

		p := fetch(t, s, l, store.PageArgs{First: 3, After: all.cursors[last-2]})
		assertRows(t, "forward across", p.rows, all.rows[last-1:])
		if !p.hasPrev || p.hasNext {
			t.Errorf("forward across: HasPrev %v, HasNext %v; want true, false", p.hasPrev, p.hasNext)
		}

		p = fetch(t, s, l, store.PageArgs{Last: 3, Before: all.cursors[last]})
		assertRows(t, "backward across", p.rows, all.rows[last-3:last])
		if !p.hasPrev || !p.hasNext {
			t.Errorf("backward across: HasPrev %v, HasNext %v; want true, true", p.hasPrev, p.hasNext)
		}

		p = fetch(t, s, l, store.PageArgs{Last: 2, Before: all.cursors[last]})
		assertRows(t, "backward to the boundary", p.rows, all.rows[last-2:last])

		// Between two cursors, from either end.
		p = fetch(t, s, l, store.PageArgs{First: 100, After: all.cursors[last-3], Before: all.cursors[last]})
		assertRows(t, "first between", p.rows, all.rows[last-2:last])
		p = fetch(t, s, l, store.PageArgs{Last: 100, After: all.cursors[last-3], Before: all.cursors[last]})
		assertRows(t, "last between", p.rows, all.rows[last-2:last])
	})

	t.Run("ends", func(t *testing.T) {
		l := edgesOf("hub", store.EdgeFilter{})
		all := fetch(t, s, l, store.PageArgs{First: 100})
		n := len(all.rows)
		for _, tc := range []struct {
			name             string
			args             store.PageArgs
			rows             []string
			hasPrev, hasNext bool
		}{
			{"first_page", store.PageArgs{First: 5}, all.rows[:5], false, true},
			{"whole_list", store.PageArgs{First: n}, all.rows, false, false},
			{"more_than_the_list", store.PageArgs{First: n + 1}, all.rows, false, false},
			{"last_page", store.PageArgs{Last: 5}, all.rows[n-5:], true, false},
			{"after_the_first", store.PageArgs{First: 2, After: all.cursors[0]}, all.rows[1:3], true, true},
			{"exactly_to_the_end", store.PageArgs{First: 5, After: all.cursors[n-6]}, all.rows[n-5:], true, false},
			{"after_the_last", store.PageArgs{First: 5, After: all.cursors[n-1]}, nil, true, false},
			{"before_the_first", store.PageArgs{Last: 5, Before: all.cursors[0]}, nil, false, true},
			{"before_the_second", store.PageArgs{Last: 5, Before: all.cursors[1]}, all.rows[:1], false, true},
			// An empty page says whether anything lies at or beyond its cursors.
			{"between_neighbours", store.PageArgs{First: 5, After: all.cursors[0], Before: all.cursors[1]}, nil, true, true},
			{"last_between_neighbours", store.PageArgs{Last: 5, After: all.cursors[0], Before: all.cursors[1]}, nil, true, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := fetch(t, s, l, tc.args)
				assertRows(t, "rows", p.rows, tc.rows)
				if p.hasPrev != tc.hasPrev || p.hasNext != tc.hasNext {
					t.Errorf("HasPrev %v, HasNext %v; want %v, %v", p.hasPrev, p.hasNext, tc.hasPrev, tc.hasNext)
				}
				if p.total != n {
					t.Errorf("Total = %d, want %d", p.total, n)
				}
			})
		}
	})

	t.Run("list_of_one", func(t *testing.T) {
		l := edgesOf("hub", store.EdgeFilter{Direction: tupu.Out, Kind: tupu.KindDistrict})
		only := fetch(t, s, l, store.PageArgs{First: 5})
		assertRows(t, "the list", only.rows, []string{"OUT located_in DISTRICT d1"})
		if only.hasPrev || only.hasNext {
			t.Errorf("the list: HasPrev %v, HasNext %v; want false, false", only.hasPrev, only.hasNext)
		}
		p := fetch(t, s, l, store.PageArgs{First: 5, After: only.cursors[0]})
		if len(p.rows) != 0 || !p.hasPrev || p.hasNext {
			t.Errorf("after the only edge: %q, HasPrev %v, HasNext %v; want nothing, true, false", p.rows, p.hasPrev, p.hasNext)
		}
		p = fetch(t, s, l, store.PageArgs{Last: 5, Before: only.cursors[0]})
		if len(p.rows) != 0 || p.hasPrev || !p.hasNext {
			t.Errorf("before the only edge: %q, HasPrev %v, HasNext %v; want nothing, false, true", p.rows, p.hasPrev, p.hasNext)
		}
	})

	t.Run("first_0", func(t *testing.T) {
		// A page of nothing still counts: clients ask first: 0 for totalCount.
		p := fetch(t, s, edgesOf("hub", store.EdgeFilter{}), store.PageArgs{First: 0})
		if len(p.rows) != 0 || p.total != 28 {
			t.Errorf("First 0: %d edges, Total %d; want 0 edges, Total 28", len(p.rows), p.total)
		}
		if p.hasPrev {
			t.Error("First 0: HasPrev = true, want false")
		}
	})

	t.Run("first_0_has_next", func(t *testing.T) {
		l := edgesOf("hub", store.EdgeFilter{})
		all := fetch(t, s, l, store.PageArgs{First: 100})
		for _, tc := range []struct {
			name string
			args store.PageArgs
			want bool
		}{
			{"from_the_start", store.PageArgs{First: 0}, true},
			{"after_a_cursor", store.PageArgs{First: 0, After: all.cursors[3]}, true},
			{"after_the_last", store.PageArgs{First: 0, After: all.cursors[len(all.cursors)-1]}, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := fetch(t, s, l, tc.args).hasNext; got != tc.want {
					t.Errorf("HasNext = %v, want %v", got, tc.want)
				}
			})
		}
		if got := fetch(t, s, l, store.PageArgs{Last: 0, Before: all.cursors[3]}).hasPrev; !got {
			t.Errorf("Last 0 before the fourth edge: HasPrev = false, want true")
		}
	})

	t.Run("no_edges", func(t *testing.T) {
		for _, key := range []string{"lonely", "nobody"} {
			for _, args := range []store.PageArgs{{First: 10}, {Last: 10}} {
				p := fetch(t, s, edgesOf(key, store.EdgeFilter{}), args)
				if len(p.rows) != 0 || p.total != 0 || p.hasNext || p.hasPrev {
					t.Errorf("Edges(%s, %+v) = %d edges, Total %d, HasNext %v, HasPrev %v; want an empty page",
						key, args, len(p.rows), p.total, p.hasNext, p.hasPrev)
				}
			}
			MustView(t, s, func(tx *store.Tx) error {
				if got := tx.CountEdges(key, store.EdgeFilter{}); got != 0 {
					t.Errorf("CountEdges(%s) = %d, want 0", key, got)
				}
				return nil
			})
		}
	})

	// An entity key that is a prefix of another must not see its edges.
	t.Run("key_prefix", func(t *testing.T) {
		// c01 has two edges; c010 would share its first bytes.
		got := walkForward(t, s, edgesOf("c01", store.EdgeFilter{}), 10)
		assertRows(t, "edges of c01", got, []string{"IN hosts PARK hub", "OUT built PARK hub"})
		got = walkForward(t, s, edgesOf("c0", store.EdgeFilter{}), 10)
		assertRows(t, "edges of c0", got, nil)
	})

	t.Run("cursor_from_another_list", func(t *testing.T) {
		hosts := fetch(t, s, edgesOf("hub", store.EdgeFilter{Predicates: []tupu.Predicate{tupu.PredHosts}}), store.PageArgs{First: 1})
		in := fetch(t, s, edgesOf("hub", store.EdgeFilter{Direction: tupu.In}), store.PageArgs{First: 1})
		c01 := fetch(t, s, edgesOf("c01", store.EdgeFilter{}), store.PageArgs{First: 1})
		companies := fetch(t, s, entitiesOf(tupu.KindCompany), store.PageArgs{First: 1})
		for _, tc := range []struct {
			name   string
			filter store.EdgeFilter
			cursor []byte
		}{
			{"another_entity", store.EdgeFilter{}, c01.cursors[0]},
			{"another_direction", store.EdgeFilter{Direction: tupu.Out}, in.cursors[0]},
			{"another_predicate", store.EdgeFilter{Predicates: []tupu.Predicate{tupu.PredLocatedIn}}, hosts.cursors[0]},
			{"another_kind", store.EdgeFilter{Kind: tupu.KindLab}, hosts.cursors[0]},
			{"a_kind_list", store.EdgeFilter{}, companies.cursors[0]},
			{"garbage", store.EdgeFilter{}, []byte("not a cursor")},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, args := range []store.PageArgs{{First: 5, After: tc.cursor}, {Last: 5, Before: tc.cursor}} {
					err := s.View(func(tx *store.Tx) error {
						_, err := tx.Edges("hub", tc.filter, args)
						return err
					})
					assertCode(t, err, tupu.BadUserInput)
				}
			})
		}
	})

	t.Run("cursor_outlives_its_edge", func(t *testing.T) {
		s := MustOpen(t)
		d := hubDataset()
		MustSync(t, s, d)
		l := edgesOf("hub", store.EdgeFilter{Direction: tupu.Out})
		all := fetch(t, s, l, store.PageArgs{First: 100})
		// Delete the edge a client holds the cursor of, and add one before it.
		MustUpdate(t, s, func(tx *store.Tx) error { return tx.DeleteRelation("hub", tupu.PredHosts, "c05") })
		put(t, s, []tupu.Entity{entity("c00", tupu.KindCompany, "企业00")}, []tupu.Relation{relation("hub", tupu.PredHosts, "c00")}, nil)

		p := fetch(t, s, l, store.PageArgs{First: 3, After: all.cursors[4]})
		assertRows(t, "after the deleted edge", p.rows, all.rows[5:8])
		p = fetch(t, s, l, store.PageArgs{Last: 2, Before: all.cursors[4]})
		assertRows(t, "before the deleted edge", p.rows, all.rows[2:4])

		// The last key of the whole file is a cursor no Seek can land on.
		put(t, s, []tupu.Entity{entity("zz", tupu.KindPark, "最后园区")}, []tupu.Relation{
			relation("zz", tupu.PredHosts, "c01"), relation("zz", tupu.PredHosts, "c02"), relation("zz", tupu.PredHosts, "c03"),
		}, nil)
		zz := fetch(t, s, edgesOf("zz", store.EdgeFilter{}), store.PageArgs{First: 100})
		MustUpdate(t, s, func(tx *store.Tx) error { return tx.DeleteRelation("zz", tupu.PredHosts, "c03") })
		p = fetch(t, s, edgesOf("zz", store.EdgeFilter{}), store.PageArgs{Last: 5, Before: zz.cursors[2]})
		assertRows(t, "before the deleted last edge", p.rows, zz.rows[:2])
		// Nothing lies beyond the page: the edge after it is gone.
		if p.hasPrev || p.hasNext {
			t.Errorf("before the deleted last edge: HasPrev %v, HasNext %v; want false, false", p.hasPrev, p.hasNext)
		}
		p = fetch(t, s, edgesOf("zz", store.EdgeFilter{}), store.PageArgs{First: 5, After: zz.cursors[2]})
		if len(p.rows) != 0 || !p.hasPrev || p.hasNext {
			t.Errorf("after the deleted last edge: %q, HasPrev %v, HasNext %v; want nothing, true, false", p.rows, p.hasPrev, p.hasNext)
		}
	})

	t.Run("cursor_outlives_its_group", func(t *testing.T) {
		s := MustOpen(t)
		MustSync(t, s, hubDataset())
		l := edgesOf("hub", store.EdgeFilter{})
		all := fetch(t, s, l, store.PageArgs{First: 100})
		// The client is on "IN runs DISTRICT d1", the only edge of its group.
		i := slices.Index(all.rows, "IN runs DISTRICT d1")
		MustUpdate(t, s, func(tx *store.Tx) error { return tx.DeleteRelation("d1", tupu.PredRuns, "hub") })
		var p *store.EdgePage
		err := s.View(func(tx *store.Tx) (err error) {
			p, err = tx.Edges("hub", store.EdgeFilter{}, store.PageArgs{First: 1, After: all.cursors[i]})
			return err
		})
		if err != nil {
			t.Fatalf("Edges after a cursor whose group is now empty: %v", err)
		}
		if len(p.Edges) != 1 || rowOf(p.Edges[0]) != all.rows[i+1] {
			t.Errorf("Edges after %q = %+v, want %q", all.rows[i], p.Edges, all.rows[i+1])
		}
	})
}

// TestStore_Counts checks that the counters Total and CountEdges read
// agree with a full walk after a run of inserts and deletes.
func TestStore_Counts(t *testing.T) { eachEngine(t, testStore_Counts) }

func testStore_Counts(t *testing.T) {
	s := MustOpen(t)
	d := hubDataset()
	MustSync(t, s, d)
	model := clone(d)

	more := []tupu.Entity{entity("l06", tupu.KindLab, "实验室06"), entity("d2", tupu.KindDistrict, "江北区")}
	moreRels := []tupu.Relation{
		relation("hub", tupu.PredHosts, "l06"), relation("d2", tupu.PredRuns, "hub"),
		relation("lonely", tupu.PredPartnerOf, "l06"), relation("hub", tupu.PredPairedWith, "d2"),
	}
	put(t, s, more, moreRels, nil)
	model.Entities = append(model.Entities, more...)
	model.Relations = append(model.Relations, moreRels...)

	MustUpdate(t, s, func(tx *store.Tx) error {
		for _, r := range []tupu.Relation{relation("hub", tupu.PredHosts, "c07"), relation("c02", tupu.PredBuilt, "hub"), relation("hub", tupu.PredLocatedIn, "d1")} {
			if err := tx.DeleteRelation(r.Subject, r.Predicate, r.Object); err != nil {
				return err
			}
			model.Relations = deleteFunc(model.Relations, func(m tupu.Relation) bool {
				return m.Subject == r.Subject && m.Predicate == r.Predicate && m.Object == r.Object
			})
		}
		for _, key := range []string{"c03", "l02", "d1"} {
			if err := tx.DeleteEntity(key); err != nil {
				return err
			}
			model.Entities = deleteEntity(model.Entities, key)
			model.Relations = deleteRelationsOf(model.Relations, key)
			model.Facts = deleteFactsOf(model.Facts, key)
		}
		return nil
	})

	assertHolds(t, s, model, nil)
	kinds := kindsOf(model)
	for _, e := range model.Entities {
		for _, tc := range edgeFilters {
			want := wantEdges(kinds, model.Relations, e.Key, tc.filter)
			got := walkForward(t, s, edgesOf(e.Key, tc.filter), 4)
			assertRows(t, fmt.Sprintf("edges of %s, %s", e.Key, tc.name), got, want)
			MustView(t, s, func(tx *store.Tx) error {
				if n := tx.CountEdges(e.Key, tc.filter); n != len(got) {
					t.Errorf("CountEdges(%s, %s) = %d, a walk finds %d", e.Key, tc.name, n, len(got))
				}
				return nil
			})
		}
	}
	for _, kind := range []tupu.Kind{"", tupu.KindCompany, tupu.KindLab, tupu.KindDistrict, tupu.KindPark, tupu.KindCounty} {
		got := walkForward(t, s, entitiesOf(kind), 4)
		assertRows(t, fmt.Sprintf("entities of kind %q", kind), got, wantEntities(model, kind))
		MustView(t, s, func(tx *store.Tx) error {
			if n := tx.CountEntities(kind); n != len(got) {
				t.Errorf("CountEntities(%q) = %d, a walk finds %d", kind, n, len(got))
			}
			return nil
		})
	}
}

func TestStore_Entities(t *testing.T) { eachEngine(t, testStore_Entities) }

func testStore_Entities(t *testing.T) {
	s := MustOpen(t)
	d := hubDataset()
	MustSync(t, s, d)

	t.Run("walk", func(t *testing.T) {
		for _, kind := range []tupu.Kind{"", tupu.KindCompany, tupu.KindLab, tupu.KindPark, tupu.KindCounty} {
			t.Run(fmt.Sprintf("kind=%q", kind), func(t *testing.T) {
				want := wantEntities(d, kind)
				for _, n := range []int{1, 4, 16, 100} {
					assertRows(t, fmt.Sprintf("forward by %d", n), walkForward(t, s, entitiesOf(kind), n), want)
					assertRows(t, fmt.Sprintf("backward by %d", n), walkBackward(t, s, entitiesOf(kind), n), want)
				}
				MustView(t, s, func(tx *store.Tx) error {
					if got := tx.CountEntities(kind); got != len(want) {
						t.Errorf("CountEntities(%q) = %d, want %d", kind, got, len(want))
					}
					return nil
				})
			})
		}
	})

	t.Run("entities_are_loaded", func(t *testing.T) {
		MustView(t, s, func(tx *store.Tx) error {
			for _, kind := range []tupu.Kind{"", tupu.KindPark} {
				p, err := tx.Entities(kind, store.PageArgs{Last: 100})
				if err != nil {
					return err
				}
				for _, e := range p.Entities {
					if e.Name == "" || e.Version != 1 || (kind != "" && e.Kind != kind) {
						t.Errorf("Entities(%q): %+v, want a whole %s entity", kind, e, kind)
					}
				}
			}
			return nil
		})
	})

	t.Run("first_0", func(t *testing.T) {
		p := fetch(t, s, entitiesOf(tupu.KindCompany), store.PageArgs{})
		if len(p.rows) != 0 || p.hasPrev {
			t.Errorf("First 0: %d entities, HasPrev %v; want none, false", len(p.rows), p.hasPrev)
		}
	})

	t.Run("cursor_from_another_list", func(t *testing.T) {
		companies := fetch(t, s, entitiesOf(tupu.KindCompany), store.PageArgs{First: 1})
		edges := fetch(t, s, edgesOf("hub", store.EdgeFilter{}), store.PageArgs{First: 1})
		all := fetch(t, s, entitiesOf(""), store.PageArgs{First: 1})
		for _, tc := range []struct {
			name   string
			kind   tupu.Kind
			cursor []byte
		}{
			{"another_kind", tupu.KindLab, companies.cursors[0]},
			{"a_kind_that_prefixes", "COMPAN", companies.cursors[0]},
			{"the_list_of_all", tupu.KindCompany, all.cursors[0]},
			{"edges", tupu.KindCompany, edges.cursors[0]},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, args := range []store.PageArgs{{First: 5, After: tc.cursor}, {Last: 5, Before: tc.cursor}} {
					err := s.View(func(tx *store.Tx) error {
						_, err := tx.Entities(tc.kind, args)
						return err
					})
					assertCode(t, err, tupu.BadUserInput)
				}
			})
		}
	})

	t.Run("cursor_from_another_list_to_all", func(t *testing.T) {
		companies := fetch(t, s, entitiesOf(tupu.KindCompany), store.PageArgs{First: 1})
		edges := fetch(t, s, edgesOf("hub", store.EdgeFilter{}), store.PageArgs{First: 1})
		for name, cursor := range map[string][]byte{"a_kind_list": companies.cursors[0], "edges": edges.cursors[0]} {
			err := s.View(func(tx *store.Tx) error {
				_, err := tx.Entities("", store.PageArgs{First: 5, After: cursor})
				return err
			})
			if tupu.ErrorCode(err) != tupu.BadUserInput {
				t.Errorf("%s: Entities(\"\") after %q: error %v, want BAD_USER_INPUT", name, cursor, err)
			}
		}
	})
}
