package graph_test

import (
	"encoding/json"
	"testing"

	"tupu/store"
)

// A curator adds a document, asks what it suggests, and accepts a figure
// with one setFact that copies the suggestion's fields and names a
// property: the fact cites the suggested words and passes the rules.
func TestSuggestions_addDocumentThenAccept(t *testing.T) {
	s := mustServe(t)
	admin := s.Token(t, "root", store.RoleAdmin)
	editor := s.Token(t, "alice", store.RoleEditor)
	const text = "渝北区经济再上台阶\n2021年，渝北区地区生产总值达到2235.6亿元，同比增长8.5%。目前，仙桃数据谷\n入驻企业超过300家。\n"
	if r := s.As(t, admin, `mutation($in: AddDocumentInput!) { addDocument(input: $in) { document { key } } }`, map[string]any{"in": map[string]any{
		"key": "example-2022", "title": "渝北区经济再上台阶", "publishedAt": "2022-01", "language": "zh", "text": text}}); len(r.Errors) > 0 {
		t.Fatalf("addDocument: %s", r.Raw)
	}

	type suggestion struct {
		Entity      *struct{ Key string }
		Value       float64
		Unit        *string
		Qualifier   *string
		Period      *string
		PeriodBasis *string
		PeriodText  *string
		Written     string
		Start, End  int
		Source      struct{ Quote string }
	}
	var got struct {
		Suggestions struct {
			Document struct{ Key string }
			Mentions []struct {
				Entity     struct{ Key string }
				Name       string
				Start, End int
			}
			Facts []suggestion
		}
	}
	s.MustQuery(t, `query($d: String!) { suggestions(document: $d) {
		document { key }
		mentions { entity { key } name start end }
		facts { entity { key } value unit qualifier period periodBasis periodText written start end source { quote } } } }`,
		map[string]any{"d": "example-2022"}, &got)

	mentions := map[string]string{}
	for _, m := range got.Suggestions.Mentions {
		mentions[m.Name] = m.Entity.Key
	}
	if mentions["渝北区"] != "yubei-district" || mentions["仙桃数据谷"] != "xiantao-data-valley" {
		t.Errorf("mentions: %+v", got.Suggestions.Mentions)
	}
	str := func(p *string) string {
		if p == nil {
			return "<null>"
		}
		return *p
	}
	want := []string{
		`yubei-district 2235.6 亿元 <null> 2021 STATED 2021年 2235.6亿元 渝北区地区生产总值达到2235.6亿元`,
		`yubei-district 8.5 % <null> 2021 STATED 2021年 8.5% 同比增长8.5%`,
		`xiantao-data-valley 300 家 MORE_THAN 2022-01 STATED 目前 300家 仙桃数据谷入驻企业超过300家`,
	}
	if len(got.Suggestions.Facts) != len(want) {
		t.Fatalf("%d figures suggested, want %d: %+v", len(got.Suggestions.Facts), len(want), got.Suggestions.Facts)
	}
	for i, f := range got.Suggestions.Facts {
		line := ""
		if f.Entity != nil {
			line = f.Entity.Key
		}
		line += " " + json.Number(formatFloat(f.Value)).String() + " " + str(f.Unit) + " " + str(f.Qualifier) + " " + str(f.Period) + " " +
			str(f.PeriodBasis) + " " + str(f.PeriodText) + " " + f.Written + " " + f.Source.Quote
		if line != want[i] {
			t.Errorf("figure %d:\n got %s\nwant %s", i, line, want[i])
		}
	}
	// Offsets are characters of the text without its line breaks.
	if m := got.Suggestions.Facts[2]; m.Start != 58 || m.End != 62 {
		t.Errorf("300家 at [%d, %d), want [58, 62)", m.Start, m.End)
	}

	// Accepting: setFact with the suggestion's fields and a property.
	f := got.Suggestions.Facts[2]
	var set struct {
		SetFact struct {
			Fact struct {
				Property, Unit, Period, PeriodBasis, Qualifier string
				Value                                          float64
				Source                                         struct{ Quote string }
			}
		}
	}
	r := s.As(t, editor, `mutation($in: SetFactInput!) { setFact(input: $in) { fact { property value unit period periodBasis qualifier source { quote } } } }`,
		map[string]any{"in": map[string]any{"entity": f.Entity.Key, "property": "resident_companies", "value": f.Value, "unit": f.Unit,
			"qualifier": f.Qualifier, "period": f.Period, "periodBasis": f.PeriodBasis,
			"source": map[string]any{"document": "example-2022", "quote": f.Source.Quote}}})
	if len(r.Errors) > 0 {
		t.Fatalf("accepting the suggestion: %s", r.Raw)
	}
	if err := json.Unmarshal(r.Data, &set); err != nil {
		t.Fatal(err)
	}
	if a := set.SetFact.Fact; a.Value != 300 || a.Unit != "家" || a.Period != "2022-01" || a.PeriodBasis != "STATED" || a.Qualifier != "MORE_THAN" || a.Source.Quote != "仙桃数据谷入驻企业超过300家" {
		t.Errorf("the accepted fact: %+v", a)
	}

	// A document no one added: null.
	var none struct {
		Suggestions *struct{ Document struct{ Key string } }
	}
	s.MustQuery(t, `{ suggestions(document: "no-such-document") { document { key } } }`, nil, &none)
	if none.Suggestions != nil {
		t.Errorf("suggestions of a document that is not there: %+v", none.Suggestions)
	}
}

func formatFloat(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
