package store_test

import (
	"fmt"
	"testing"

	"tupu"
	"tupu/store"
)

// Benchmark sizes: 100 parks in 10 districts, each park hosting 40
// companies and 5 labs, each company in its park's district: 4,610
// entities and 8,600 relations. Run with
//
//	go test -bench . -run '^$' ./store
const (
	benchDistricts = 10
	benchParks     = 100
	benchCompanies = 40 // per park
	benchLabs      = 5  // per park
)

// mustBenchStore builds the benchmark graph with direct writes, in one
// transaction (Sync would validate 4,610 quotes first).
func mustBenchStore(b *testing.B) *store.Store {
	b.Helper()
	s := MustOpen(b)
	var es []tupu.Entity
	var rs []tupu.Relation
	for d := range benchDistricts {
		es = append(es, entity(fmt.Sprintf("district-%02d", d), tupu.KindDistrict, fmt.Sprintf("第%d区", d)))
	}
	for p := range benchParks {
		park := fmt.Sprintf("park-%03d", p)
		district := fmt.Sprintf("district-%02d", p%benchDistricts)
		es = append(es, entity(park, tupu.KindPark, fmt.Sprintf("园区%03d", p)))
		rs = append(rs, relation(park, tupu.PredLocatedIn, district))
		for c := range benchCompanies {
			company := fmt.Sprintf("company-%03d-%02d", p, c)
			es = append(es, entity(company, tupu.KindCompany, fmt.Sprintf("企业%03d-%02d", p, c), fmt.Sprintf("Company %d-%d", p, c)))
			rs = append(rs, relation(park, tupu.PredHosts, company), relation(company, tupu.PredLocatedIn, district))
		}
		for l := range benchLabs {
			lab := fmt.Sprintf("lab-%03d-%d", p, l)
			es = append(es, entity(lab, tupu.KindLab, fmt.Sprintf("实验室%03d-%d", p, l)))
			rs = append(rs, relation(park, tupu.PredHosts, lab))
		}
	}
	put(b, s, es, rs, nil)
	return s
}

// BenchmarkEdges reads the first page of a park's companies (one prefix)
// and of its hosted entities of any kind (two prefixes), and a district's
// incoming edges from the middle of a list of 410.
func BenchmarkEdges(b *testing.B) {
	s := mustBenchStore(b)
	var middle []byte
	MustView(b, s, func(tx *store.Tx) error {
		p, err := tx.Edges("district-05", store.EdgeFilter{Direction: tupu.In}, store.PageArgs{First: 250})
		if err != nil {
			return err
		}
		middle = p.Edges[len(p.Edges)-1].Cursor
		return nil
	})
	for _, bc := range []struct {
		name   string
		entity string
		filter store.EdgeFilter
		args   store.PageArgs
	}{
		{"park_companies_first_20", "park-050", store.EdgeFilter{Direction: tupu.Out, Predicates: []tupu.Predicate{tupu.PredHosts}, Kind: tupu.KindCompany}, store.PageArgs{First: 20}},
		{"park_hosts_last_20", "park-050", store.EdgeFilter{Direction: tupu.Out, Predicates: []tupu.Predicate{tupu.PredHosts}}, store.PageArgs{Last: 20}},
		{"district_in_after_250", "district-05", store.EdgeFilter{Direction: tupu.In}, store.PageArgs{First: 20, After: middle}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				err := s.View(func(tx *store.Tx) error {
					p, err := tx.Edges(bc.entity, bc.filter, bc.args)
					if err == nil && len(p.Edges) != 20 {
						err = fmt.Errorf("%d edges, want 20", len(p.Edges))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEntity reads entities by key, by name, and as a page of a kind.
func BenchmarkEntity(b *testing.B) {
	s := mustBenchStore(b)
	b.Run("by_key", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			err := s.View(func(tx *store.Tx) error {
				_, err := tx.Entity("company-050-20")
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("by_name", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			err := s.View(func(tx *store.Tx) error {
				_, err := tx.EntityByName("company 50-20")
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kind_page_of_20", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			err := s.View(func(tx *store.Tx) error {
				_, err := tx.Entities(tupu.KindCompany, store.PageArgs{First: 20})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
