package store_test

import (
	"errors"
	"fmt"
	"testing"

	"tupu"
	"tupu/store"
)

func TestStore_EntityByName(t *testing.T) { eachEngine(t, testStore_EntityByName) }

func testStore_EntityByName(t *testing.T) {
	s := MustOpen(t)
	valley := entity("xiantao-data-valley", tupu.KindPark, "重庆仙桃数据谷", "仙桃数据谷", "XDV")
	valley.NameEn = "Xiantao Data Valley"
	// 数据谷 is an alias of one entity and the name of another; 联合实验室
	// an alias of two: a lookup by either names them, choosing none.
	alpha := entity("alpha-park", tupu.KindPark, "阿尔法园区", "数据谷")
	company := entity("shujugu", tupu.KindCompany, "数据谷")
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

	t.Run("homonyms_are_ambiguous", func(t *testing.T) {
		MustView(t, s, func(tx *store.Tx) error {
			for q, want := range map[string][]tupu.NameHolder{
				"数据谷": {{Key: "alpha-park", Kind: tupu.KindPark, Name: "阿尔法园区", As: tupu.HeldAsAlias},
					{Key: "shujugu", Kind: tupu.KindCompany, Name: "数据谷", As: tupu.HeldAsName}},
				"联合实验室": {{Key: "a-lab", Kind: tupu.KindLab, Name: "甲实验室", As: tupu.HeldAsAlias},
					{Key: "b-lab", Kind: tupu.KindLab, Name: "乙实验室", As: tupu.HeldAsAlias}},
			} {
				_, err := tx.EntityByName(q)
				assertCode(t, err, tupu.Ambiguous)
				var e *tupu.Error
				if errors.As(err, &e) && fmt.Sprint(e.Extensions["candidates"]) != fmt.Sprint(want) {
					t.Errorf("EntityByName(%q) candidates %v, want %v", q, e.Extensions["candidates"], want)
				}
			}
			return nil
		})
	})

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
