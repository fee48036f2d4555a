package store_test

import (
	"testing"

	"tupu"
	"tupu/store"
)

func TestStore_EntityByName(t *testing.T) {
	s := MustOpen(t)
	valley := entity("xiantao-data-valley", tupu.KindPark, "重庆仙桃数据谷", "仙桃数据谷", "XDV")
	valley.NameEn = "Xiantao Data Valley"
	// The alias 数据谷 belongs to an entity whose key sorts first; the
	// company whose canonical name it is must still win.
	alpha := entity("alpha-park", tupu.KindPark, "阿尔法园区", "数据谷")
	company := entity("shujugu", tupu.KindCompany, "数据谷")
	// Two entities with the same alias: the smaller key wins.
	b := entity("b-lab", tupu.KindLab, "乙实验室", "联合实验室")
	a := entity("a-lab", tupu.KindLab, "甲实验室", "联合实验室")
	put(t, s, []tupu.Entity{valley, alpha, company, b, a}, nil, nil)

	for _, tc := range []struct {
		name, query, want string
	}{
		{"canonical_name", "重庆仙桃数据谷", "xiantao-data-valley"},
		{"english_name", "Xiantao Data Valley", "xiantao-data-valley"},
		{"english_name_any_case", "xiantao DATA valley", "xiantao-data-valley"},
		{"surrounding_space", "  Xiantao Data Valley\t", "xiantao-data-valley"},
		{"alias", "仙桃数据谷", "xiantao-data-valley"},
		{"latin_alias_any_case", "xdv", "xiantao-data-valley"},
		{"name_beats_alias", "数据谷", "shujugu"},
		{"smaller_key_breaks_ties", "联合实验室", "a-lab"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			MustView(t, s, func(tx *store.Tx) error {
				e, err := tx.EntityByName(tc.query)
				if err != nil {
					t.Fatalf("EntityByName(%q): %v", tc.query, err)
				}
				if e.Key != tc.want {
					t.Errorf("EntityByName(%q) = %q, want %q", tc.query, e.Key, tc.want)
				}
				return nil
			})
		})
	}

	t.Run("not_found", func(t *testing.T) {
		MustView(t, s, func(tx *store.Tx) error {
			for _, q := range []string{"仙桃", "数据", "Xiantao", "xiantao-data-valley", "", "数据谷 公司"} {
				_, err := tx.EntityByName(q)
				assertCode(t, err, tupu.NotFound)
			}
			return nil
		})
	})

	t.Run("rename_removes_old_names", func(t *testing.T) {
		renamed := valley
		renamed.Name = "仙桃国际大数据谷"
		renamed.NameEn = ""
		renamed.Aliases = []string{"XDV"}
		renamed.Version = 2
		MustUpdate(t, s, func(tx *store.Tx) error { return tx.PutEntity(&renamed) })
		MustView(t, s, func(tx *store.Tx) error {
			for _, old := range []string{"重庆仙桃数据谷", "Xiantao Data Valley", "仙桃数据谷"} {
				_, err := tx.EntityByName(old)
				assertCode(t, err, tupu.NotFound)
			}
			for _, name := range []string{"仙桃国际大数据谷", "XDV"} {
				e, err := tx.EntityByName(name)
				if err != nil {
					t.Errorf("EntityByName(%q): %v", name, err)
				} else if e.Key != valley.Key || e.Version != 2 {
					t.Errorf("EntityByName(%q) = %s v%d, want %s v2", name, e.Key, e.Version, valley.Key)
				}
			}
			if got := tx.CountEntities(tupu.KindPark); got != 2 {
				t.Errorf("CountEntities(PARK) = %d after a rename, want 2", got)
			}
			return nil
		})
	})

	t.Run("delete_frees_the_name", func(t *testing.T) {
		MustUpdate(t, s, func(tx *store.Tx) error { return tx.DeleteEntity("shujugu") })
		MustView(t, s, func(tx *store.Tx) error {
			e, err := tx.EntityByName("数据谷")
			if err != nil {
				return err
			}
			if e.Key != "alpha-park" {
				t.Errorf("EntityByName(数据谷) = %q after its owner's delete, want the alias holder alpha-park", e.Key)
			}
			return nil
		})
	})
}

func TestStore_SearchNames(t *testing.T) {
	s := MustOpen(t)
	city := entity("tech-city", tupu.KindPark, "科技城")
	city.NameEn = "Tech City"
	put(t, s, []tupu.Entity{
		city,
		entity("frontier", tupu.KindPark, "前沿科技城", "科技城"),           // exact alias
		entity("tech-city-park", tupu.KindPark, "科技城公园"),            // prefix
		entity("a-tech", tupu.KindCompany, "科技城东公司"),                // prefix, smaller key
		entity("west-lab", tupu.KindLab, "西部科学城科技城实验室"),             // inside
		entity("yubei", tupu.KindDistrict, "渝北区", "Yubei District"), // no match
	}, nil, nil)

	type result struct {
		key, matched string
		score        float64
	}
	search := func(t *testing.T, query string, kinds []tupu.Kind) []result {
		t.Helper()
		var got []result
		MustView(t, s, func(tx *store.Tx) error {
			ms, err := tx.SearchNames(query, kinds)
			if err != nil {
				return err
			}
			for _, m := range ms {
				got = append(got, result{m.Entity.Key, m.Matched, m.Score})
			}
			return nil
		})
		return got
	}
	assertResults := func(t *testing.T, got, want []result) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%d results, want %d\ngot:  %+v\nwant: %+v", len(got), len(want), got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("result %d = %+v, want %+v", i, got[i], want[i])
			}
		}
	}

	t.Run("best_first", func(t *testing.T) {
		assertResults(t, search(t, "科技城", nil), []result{
			{"tech-city", "科技城", 4},
			{"frontier", "科技城", 3},
			{"a-tech", "科技城东公司", 2},
			{"tech-city-park", "科技城公园", 2},
			{"west-lab", "西部科学城科技城实验室", 1},
		})
	})

	t.Run("english_names_any_case", func(t *testing.T) {
		assertResults(t, search(t, "  TECH city ", nil), []result{{"tech-city", "Tech City", 3}})
		assertResults(t, search(t, "district", nil), []result{{"yubei", "Yubei District", 1}})
		assertResults(t, search(t, "yubei", nil), []result{{"yubei", "Yubei District", 2}})
	})

	t.Run("kinds", func(t *testing.T) {
		assertResults(t, search(t, "科技城", []tupu.Kind{tupu.KindLab, tupu.KindCompany}), []result{
			{"a-tech", "科技城东公司", 2},
			{"west-lab", "西部科学城科技城实验室", 1},
		})
		assertResults(t, search(t, "科技城", []tupu.Kind{tupu.KindCounty}), nil)
	})

	t.Run("no_match", func(t *testing.T) {
		assertResults(t, search(t, "江北", nil), nil)
	})

	t.Run("empty_query", func(t *testing.T) {
		for _, q := range []string{"", "   "} {
			err := s.View(func(tx *store.Tx) error {
				_, err := tx.SearchNames(q, nil)
				return err
			})
			assertCode(t, err, tupu.BadUserInput)
		}
	})
}
