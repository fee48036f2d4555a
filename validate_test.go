package tupu_test

import (
	"math"
	"strings"
	"testing"

	"tupu"
)

// article is a small document the tests' statements cite.
const article = "2020年，测试区地区生产总值实现了2009.5亿元，同比增长4.5%。测试区有企业1,114家，" +
	"九大重点实验室，数额为一百二十万元，引进人才1.2万人，百分之十五的企业。示范园位于测试区。的的确确。" +
	"合同额5.1万万元，拨款三百万万元。"

// graph is a tupu.Graph of one document and a few entities.
type graph struct {
	entities  map[string]*tupu.Entity
	documents map[string]*tupu.Document
}

func (g graph) Entity(key string) (*tupu.Entity, error) {
	if e, ok := g.entities[key]; ok {
		return e, nil
	}
	return nil, tupu.Errorf(tupu.NotFound, "no entity %q", key)
}

func (g graph) Document(key string) (*tupu.Document, error) {
	if d, ok := g.documents[key]; ok {
		return d, nil
	}
	return nil, tupu.Errorf(tupu.NotFound, "no document %q", key)
}

func src(quote string) *tupu.Source { return &tupu.Source{Document: "doc", Quote: quote} }

func testGraph() graph {
	return graph{
		entities: map[string]*tupu.Entity{
			"test-district": {Key: "test-district", Kind: tupu.KindDistrict, Name: "测试区", Source: src("测试区有企业")},
			"demo-park":     {Key: "demo-park", Kind: tupu.KindPark, Name: "示范园", Source: src("示范园位于")},
		},
		documents: map[string]*tupu.Document{"doc": {Key: "doc", Title: "测试", Text: article}},
	}
}

func message(err error) string {
	if err == nil {
		return ""
	}
	return tupu.ErrorMessage(err)
}

func TestCheckEntity_textIsWhatItLooksLike(t *testing.T) {
	g := testGraph()
	for _, c := range []struct {
		name, text string
		want       string // in the message; "" when the name passes
	}{
		{"plain", "德州仪器", ""},
		{"right-to-left override", "德州\u202e仪器", "name: character 3 is U+202E RIGHT-TO-LEFT OVERRIDE, a bidirectional control"},
		{"zero width space", "德州\u200b仪器", "name: character 3 is U+200B ZERO WIDTH SPACE, an invisible format character"},
		{"byte-order mark", "\ufeff德州仪器", "name: character 1 is U+FEFF ZERO WIDTH NO-BREAK SPACE, a byte-order mark"},
		{"tag character", "德州仪器\U000E0041", "name: character 5 is U+E0041 TAG LATIN CAPITAL LETTER A, a tag character"},
		{"soft hyphen", "Texas\u00adInstruments", "name: character 6 is U+00AD SOFT HYPHEN"},
		{"private use", "德州\ue000仪器", "name: character 3 is U+E000, a private-use character"},
		{"control character", "德州\x07仪器", "name: character 3 is the control character U+0007"},
		{"line separator", "德州\u2028仪器", "name: character 3 is U+2028 LINE SEPARATOR"},
		{"zero width joiner between Han", "德州\u200d仪器", "name: character 3 is U+200D ZERO WIDTH JOINER, an invisible joiner allowed only where a script needs it"},
		{"emoji joiner", "👩\u200d💻", "name: character 2 is U+200D ZERO WIDTH JOINER"},
		// Scripts that need the joiners keep them.
		{"ZWNJ in Persian", "می\u200cخواهم", ""},
		{"ZWJ after a Devanagari virama", "क्\u200dष", ""},
		{"ZWNJ after a Devanagari virama", "क्\u200cष", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := *g.entities["test-district"]
			e.Name = c.text
			e.Note = "The quote names it by its old name."
			got := message(tupu.CheckEntity(g, &e))
			if c.want == "" && got != "" || !strings.Contains(got, c.want) {
				t.Errorf("CheckEntity(name %q) = %q, want %q", c.text, got, c.want)
			}
		})
	}
}

func TestCheckEntity_NFC(t *testing.T) {
	g := testGraph()
	e := *g.entities["test-district"]
	e.NameEn = "Cafe\u0301 District" // é as e + combining acute
	e.Aliases = []string{"Cafe\u0301"}
	if got := message(tupu.CheckEntity(g, &e)); !strings.Contains(got, "nameEn: not in Unicode normalization form C") {
		t.Errorf("a decomposed name: %q, want it refused", got)
	}
	e.Normalize()
	if e.NameEn != "Caf\u00e9 District" || e.Aliases[0] != "Caf\u00e9" {
		t.Errorf("Normalize: %q %q", e.NameEn, e.Aliases)
	}
	if err := tupu.CheckEntity(g, &e); err != nil {
		t.Errorf("after Normalize: %v", err)
	}
	if tupu.NormalizeName("Cafe\u0301") != tupu.NormalizeName("CAF\u00c9") {
		t.Errorf("lookups fold to NFC")
	}
}

// A value with several problems reports them all, in the order of the
// input's fields, every time.
func TestCheck_stableOrder(t *testing.T) {
	g := testGraph()
	e := tupu.Entity{Key: "Bad Key", Kind: "CASTLE", Name: " ", NameEn: "a\u202eb", Aliases: []string{"", "x\u200by"},
		Description: "d\ufeff", Note: "n\ue000"}
	want := strings.Join([]string{
		`key: "Bad Key" is not a key`,
		`kind: "CASTLE" is unknown`,
		`name: empty`,
		`nameEn: character 2 is U+202E`,
		`aliases[0]: empty`,
		`aliases[1]: character 2 is U+200B`,
		`description: character 2 is U+FEFF`,
		`note: character 2 is U+E000`,
		`source: missing`,
	}, "|")
	first := message(tupu.CheckEntity(g, &e))
	for range 50 {
		if got := message(tupu.CheckEntity(g, &e)); got != first {
			t.Fatalf("messages differ between runs:\n%s\n%s", first, got)
		}
	}
	parts := strings.Split(first, "\n")
	wants := strings.Split(want, "|")
	if len(parts) != len(wants) {
		t.Fatalf("%d problems, want %d:\n%s", len(parts), len(wants), first)
	}
	for i, w := range wants {
		if !strings.HasPrefix(parts[i], w) {
			t.Errorf("problem %d = %q, want it to start %q", i, parts[i], w)
		}
	}

	v := math.Inf(1)
	f := tupu.Fact{Entity: "nobody", Property: "Bad", Value: &v, Unit: "furlong", Period: "2021-13", PeriodBasis: "guessed", Qualifier: "lots", Label: "a\u200bb"}
	got := message(tupu.CheckFact(g, &f))
	var fields []string
	for _, p := range strings.Split(got, "\n") {
		fields = append(fields, p[:strings.Index(p, ":")])
	}
	if w := "entity property label value unit period periodBasis qualifier source"; strings.Join(fields, " ") != w {
		t.Errorf("fact problems in the order %v, want %s:\n%s", fields, w, got)
	}
}

func TestCheckFact_quotesGround(t *testing.T) {
	g := testGraph()
	num := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		name  string
		value *float64
		unit  string
		text  string
		quote string
		want  string
	}{
		{"digits", num(2009.5), "亿元", "", "地区生产总值实现了2009.5亿元", ""},
		{"digits with its multiplier", num(200950000000), "元", "", "地区生产总值实现了2009.5亿元", ""},
		{"thousands separator", num(1114), "家", "", "测试区有企业1,114家", ""},
		{"万", num(12000), "人", "", "引进人才1.2万人", ""},
		{"as written before 万", num(1.2), "", "", "引进人才1.2万人", ""},
		{"percent", num(4.5), "%", "", "同比增长4.5%", ""},
		{"百分之", num(15), "%", "", "百分之十五的企业", ""},
		{"Chinese numeral", num(9), "个", "", "九大重点实验室", ""},
		{"Chinese numerals before a unit of 万", num(120), "万元", "", "数额为一百二十万元", ""},
		{"digits with 万 before a unit of 万", num(51000), "万元", "", "合同额5.1万万元", ""},
		{"digits with both multipliers", num(5.1e8), "元", "", "合同额5.1万万元", ""},
		{"Chinese numerals with 万 before a unit of 万", num(3e6), "万元", "", "拨款三百万万元", ""},
		{"a figure the quote does not write", num(2009), "亿元", "", "地区生产总值实现了2009.5亿元", "does not write the value 2009"},
		{"a quote that is everywhere", num(1), "个", "", "的", "occurs more than once"},
		{"a text fact holds its text", nil, "", "示范园位于测试区", "。示范园位于测试区。", ""},
		{"a text fact whose text is not in its quote", nil, "", "位于测试县", "示范园位于测试区", `does not hold the text "位于测试县"`},
		{"overflows its base unit", num(1.7e308), "亿元", "", "地区生产总值实现了2009.5亿元", "value: 1.7e+308 亿元 is more than a finite number of yuan"},
		{"not in the document", num(1), "个", "", "不在文中", "is not in document"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := tupu.Fact{Entity: "test-district", Property: "p", Value: c.value, Unit: c.unit, Text: c.text, Source: *src(c.quote)}
			got := message(tupu.CheckFact(g, &f))
			if c.want == "" && got != "" || !strings.Contains(got, c.want) {
				t.Errorf("CheckFact = %q, want %q", got, c.want)
			}
		})
	}
}

// How a period was found is one of the bases, and said only of a period.
func TestCheckFact_periodBasis(t *testing.T) {
	g := testGraph()
	v := 2009.5
	for _, c := range []struct {
		period string
		basis  tupu.PeriodBasis
		want   string
	}{
		{"2020", tupu.Stated, ""},
		{"2021", tupu.PublicationDate, ""},
		{"2020-12-31", tupu.Context, ""},
		{"2020", "", ""}, // unknown, as for a fact stored before the field
		{"", "", ""},
		{"2020", "guessed", `periodBasis: "guessed" is not one of [stated context publication_date]`},
		{"", tupu.Stated, "periodBasis: says how the period was found, and the fact has no period"},
	} {
		f := tupu.Fact{Entity: "test-district", Property: "gdp", Value: &v, Unit: "亿元", Period: c.period, PeriodBasis: c.basis,
			Source: *src("地区生产总值实现了2009.5亿元")}
		got := message(tupu.CheckFact(g, &f))
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("period %q basis %q: CheckFact = %q, want %q", c.period, c.basis, got, c.want)
		}
	}
}

func TestCheckRelation_quoteNamesBothEnds(t *testing.T) {
	g := testGraph()
	r := tupu.Relation{Subject: "demo-park", Predicate: tupu.PredLocatedIn, Object: "test-district", Source: src("示范园位于测试区")}
	if err := tupu.CheckRelation(g, &r); err != nil {
		t.Errorf("a quote naming both ends: %v", err)
	}
	r.Source = src("园位于测试区")
	if got := message(tupu.CheckRelation(g, &r)); !strings.Contains(got, "does not name demo-park (示范园)") {
		t.Errorf("a quote naming one end: %q", got)
	}
	r.Note = "The park is named in the sentence before."
	if err := tupu.CheckRelation(g, &r); err != nil {
		t.Errorf("a note says why: %v", err)
	}
	self := tupu.Relation{Subject: "demo-park", Predicate: tupu.PredHosts, Object: "demo-park", Source: src("示范园位于")}
	if got := message(tupu.CheckRelation(g, &self)); !strings.Contains(got, "object: an entity cannot relate to itself") {
		t.Errorf("a relation to itself: %q", got)
	}
}

// Dataset.Problems says what the Check functions say, entry by entry.
func TestDatasetProblems_areTheChecks(t *testing.T) {
	g := testGraph()
	v := 2009.0
	d := &tupu.Dataset{
		Documents: []tupu.Document{*g.documents["doc"]},
		Entities:  []tupu.Entity{*g.entities["test-district"], *g.entities["demo-park"], {Key: "x", Kind: tupu.KindPark, Name: "无源"}},
		Relations: []tupu.Relation{{Subject: "demo-park", Predicate: tupu.PredLocatedIn, Object: "test-district", Source: src("园位于测试区")}},
		Facts:     []tupu.Fact{{Entity: "test-district", Property: "gdp", Value: &v, Unit: "亿元", Source: *src("实现了2009.5亿元")}},
	}
	var got []string
	for _, p := range d.Problems() {
		got = append(got, p.Message)
	}
	want := []string{
		message(tupu.CheckEntity(g, &d.Entities[2])),
		message(tupu.CheckRelation(g, &d.Relations[0])),
		message(tupu.CheckFact(g, &d.Facts[0])),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Problems:\n%s\nthe checks:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
