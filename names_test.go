package tupu_test

import (
	"strings"
	"testing"

	"tupu"
)

// index is a tupu.NameIndex over a few entities.
type index []*tupu.Entity

func (x index) NameHolders(name string) ([]tupu.NameHolder, error) {
	var out []tupu.NameHolder
	for _, e := range x {
		if as := e.HeldAs(name); as != "" {
			out = append(out, tupu.NameHolder{Key: e.Key, Kind: e.Kind, Name: e.Name, As: as})
		}
	}
	return out, nil
}

func TestCheckNewNames(t *testing.T) {
	ti := &tupu.Entity{Key: "texas-instruments", Kind: tupu.KindCompany, Name: "德州仪器", NameEn: "Texas Instruments", Aliases: []string{"TI"}}
	x := index{ti}
	impostor := &tupu.Entity{Key: "aaa", Kind: tupu.KindCompany, Name: "钛", Aliases: []string{"ti"}}
	err := tupu.CheckNewNames(x, nil, impostor, false)
	if tupu.ErrorCode(err) != tupu.Conflict || !strings.Contains(tupu.ErrorMessage(err), `aliases: "ti" is held by texas-instruments (COMPANY 德州仪器, as its alias)`) {
		t.Errorf("a new homonym: %v", err)
	}
	if err := tupu.CheckNewNames(x, nil, impostor, true); err != nil {
		t.Errorf("a homonym asked for: %v", err)
	}
	// A name the entity held before is its own: keeping it is no new homonym.
	renamed := *ti
	renamed.Name = "德州仪器公司"
	if err := tupu.CheckNewNames(x, ti, &renamed, false); err != nil {
		t.Errorf("an entity keeping its names: %v", err)
	}

	amb := tupu.AmbiguousName("TI", []tupu.NameHolder{{Key: "aaa", Kind: tupu.KindCompany, Name: "钛", As: tupu.HeldAsAlias},
		{Key: "texas-instruments", Kind: tupu.KindCompany, Name: "德州仪器", As: tupu.HeldAsAlias}})
	if amb.Code != tupu.Ambiguous || !strings.Contains(amb.Message, `"TI" names 2 entities: aaa (COMPANY 钛, as its alias), texas-instruments`) ||
		len(amb.Extensions["candidates"].([]tupu.NameHolder)) != 2 {
		t.Errorf("AmbiguousName: %+v", amb)
	}
}
