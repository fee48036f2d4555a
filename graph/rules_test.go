package graph_test

import (
	"encoding/json"
	"strings"
	"testing"

	"tupu/store"
)

// The rules every statement follows, through the GraphQL handler: the
// same as the seed loader, import and bulk load apply (package tupu
// states them once; see validate_test.go there).

const (
	rulesCreate  = `mutation($in: CreateEntityInput!) { createEntity(input: $in) { entity { key name aliases } } }`
	rulesUpdate  = `mutation($in: UpdateEntityInput!) { updateEntity(input: $in) { entity { key name version } } }`
	rulesSetFact = `mutation($in: SetFactInput!) { setFact(input: $in) { fact { value unit normalizedValue } } }`
	rulesAddRel  = `mutation($in: AddRelationInput!) { addRelation(input: $in) { relation { predicate } } }`
)

func article(quote string) map[string]any {
	return map[string]any{"document": "yubei-2021", "quote": quote}
}

// refused posts a write and returns its error message, failing unless it
// is refused with code.
func refused(t *testing.T, s *server, secret, q string, in map[string]any, code string) string {
	t.Helper()
	r := s.As(t, secret, q, map[string]any{"in": in})
	if got := r.Code(); got != code {
		t.Fatalf("code %q, want %q: %s", got, code, r.Raw)
	}
	return r.Errors[0].Message
}

func accepted(t *testing.T, s *server, secret, q string, in map[string]any) json.RawMessage {
	t.Helper()
	r := s.As(t, secret, q, map[string]any{"in": in})
	if len(r.Errors) > 0 {
		t.Fatalf("refused: %s", r.Raw)
	}
	return r.Data
}

func TestRules_textIsWhatItLooksLike(t *testing.T) {
	s := mustServe(t)
	editor := s.Token(t, "eve", store.RoleEditor)
	in := map[string]any{"key": "ti-copy", "kind": "COMPANY", "name": "德州\u200b仪器", "note": "test",
		"source": article("与德州仪器成立的“应用处理器与雷达技术联合实验室”")}
	msg := refused(t, s, editor, rulesCreate, in, "BAD_USER_INPUT")
	if want := "name: character 3 is U+200B ZERO WIDTH SPACE"; !strings.Contains(msg, want) {
		t.Errorf("message %q does not say %q", msg, want)
	}
	in["name"], in["aliases"] = "德州仪器", []string{"T\u202eI"}
	msg = refused(t, s, editor, rulesCreate, in, "BAD_USER_INPUT")
	if want := "aliases[0]: character 2 is U+202E RIGHT-TO-LEFT OVERRIDE"; !strings.Contains(msg, want) {
		t.Errorf("message %q does not say %q", msg, want)
	}

	// Decomposed text is stored composed (NFC), and found either way.
	in["key"], in["name"], in["aliases"] = "cafe-lab", "Cafe\u0301实验室", []string{"Cafe\u0301"}
	in["note"] = "The article does not name it: a test."
	var created struct {
		CreateEntity struct{ Entity struct{ Name string } }
	}
	json.Unmarshal(accepted(t, s, editor, rulesCreate, in), &created)
	if got := created.CreateEntity.Entity.Name; got != "Caf\u00e9实验室" {
		t.Errorf("stored name %q, want it in NFC", got)
	}
	var found struct{ Entity *struct{ Key string } }
	s.MustQuery(t, `{ entity(name: "CAFE\u0301") { key } }`, nil, &found)
	if found.Entity == nil || found.Entity.Key != "cafe-lab" {
		t.Errorf("lookup of the decomposed alias: %+v", found.Entity)
	}
}

func TestRules_everyEntityCitesASource(t *testing.T) {
	s := mustServe(t)
	editor := s.Token(t, "eve", store.RoleEditor)
	r := s.As(t, editor, rulesCreate, map[string]any{"in": map[string]any{"key": "no-source", "kind": "COMPANY", "name": "无源公司"}})
	if r.Code() != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(string(r.Raw), "source") {
		t.Errorf("an entity without a source: %s", r.Raw)
	}
}

// A value with several problems reports them all, in the order of the
// input's fields, every time.
func TestRules_stableOrder(t *testing.T) {
	s := mustServe(t)
	editor := s.Token(t, "eve", store.RoleEditor)
	in := map[string]any{"key": "Bad Key", "kind": "COMPANY", "name": " ", "nameEn": "a\u202eb", "aliases": []string{"", "x"},
		"description": "d\ufeff", "note": "n\ue000", "source": article("不在文中")}
	first := refused(t, s, editor, rulesCreate, in, "BAD_USER_INPUT")
	for range 10 {
		if again := refused(t, s, editor, rulesCreate, in, "BAD_USER_INPUT"); again != first {
			t.Fatalf("messages differ:\n%s\n%s", first, again)
		}
	}
	var fields []string
	for _, line := range strings.Split(first, "\n") {
		fields = append(fields, line[:strings.Index(line, ":")])
	}
	if got, want := strings.Join(fields, " "), "key name nameEn aliases[0] description note source.quote"; got != want {
		t.Errorf("problems in the order %s, want %s:\n%s", got, want, first)
	}
}

func TestRules_quotesGround(t *testing.T) {
	s := mustServe(t)
	editor := s.Token(t, "eve", store.RoleEditor)
	fact := func(value float64, unit, quote string) map[string]any {
		return map[string]any{"entity": "yubei-district", "property": "test_figure", "value": value, "unit": unit,
			"period": "2020", "source": article(quote)}
	}
	for _, c := range []struct {
		name string
		in   map[string]any
		want string
	}{
		{"a single character", fact(1, "个", "的"), `"的" occurs more than once in document "yubei-2021"`},
		{"a figure the quote does not write", fact(2010, "亿元", "2020年，全区地区生产总值实现了2009.5亿元"), "does not write the value 2010"},
		{"a value past a finite number of yuan", fact(1.7e308, "亿元", "2020年，全区地区生产总值实现了2009.5亿元"), "value: 1.7e+308 亿元 is more than a finite number of yuan"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if msg := refused(t, s, editor, rulesSetFact, c.in, "BAD_USER_INPUT"); !strings.Contains(msg, c.want) {
				t.Errorf("message %q does not say %q", msg, c.want)
			}
		})
	}
	// The figure as written: digits, 万 and 亿, Chinese numerals.
	accepted(t, s, editor, rulesSetFact, fact(2009.5, "亿元", "2020年，全区地区生产总值实现了2009.5亿元"))
	accepted(t, s, editor, rulesSetFact, fact(200950000000, "元", "2020年，全区地区生产总值实现了2009.5亿元"))
	accepted(t, s, editor, rulesSetFact, fact(9, "个", "等九大重点实验室的建设"))
	var facts struct {
		Facts struct {
			Nodes []struct{ NormalizedValue *float64 }
		}
	}
	s.MustQuery(t, `{ facts(filter: {min: 0}, first: 100) { nodes { normalizedValue } } }`, nil, &facts)
	for _, f := range facts.Facts.Nodes {
		if f.NormalizedValue == nil || *f.NormalizedValue > 1e300 {
			t.Errorf("facts(min: 0) holds %v", f.NormalizedValue)
		}
	}

	// A relation's quote names both ends, or its note says why not.
	rel := map[string]any{"subject": "qualcomm", "predicate": "partner_of", "object": "huawei",
		"source": article("渝北在协同云阳发展中不仅有力")}
	if msg := refused(t, s, editor, rulesAddRel, rel, "BAD_USER_INPUT"); !strings.Contains(msg, "does not name qualcomm") || !strings.Contains(msg, "huawei") {
		t.Errorf("message %q does not name both ends", msg)
	}
	rel["source"] = article("在仙桃数据谷内，已围绕渝北和重庆的主导产业，集聚起了长安软件、紫光建筑云、华为、字节跳动、中科创达、中软国际、中冶赛迪、新致软件、微软、高通")
	accepted(t, s, editor, rulesAddRel, rel)

	// Renaming an entity so that a relation's quote no longer names it
	// is refused: the relation would no longer be grounded.
	var e struct{ Entity struct{ Version int } }
	s.MustQuery(t, `{ entity(key: "qualcomm") { version } }`, nil, &e)
	msg := refused(t, s, editor, rulesUpdate, map[string]any{"id": "qualcomm", "expectedVersion": e.Entity.Version,
		"name": "骁龙", "aliases": []string{}, "nameEn": "Snapdragon"}, "BAD_USER_INPUT")
	if !strings.Contains(msg, "would no longer be grounded") || !strings.Contains(msg, "keep the name it quotes as an alias") {
		t.Errorf("a rename that ungrounds a relation: %q", msg)
	}
}
