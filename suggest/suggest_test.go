package suggest_test

import (
	"fmt"
	"strings"
	"testing"

	"tupu"
	"tupu/suggest"
)

// read suggests from a one-paragraph document dated date, with entities.
func read(t *testing.T, date, text string, entities ...*tupu.Entity) suggest.Suggestions {
	t.Helper()
	return suggest.Read(&tupu.Document{Key: "doc", Title: "t", PublishedAt: date, Text: text}, entities)
}

func describe(f suggest.Figure) string {
	return fmt.Sprintf("%v %s %s %s %s", f.Value, f.Unit, f.Qualifier, f.Period, f.PeriodBasis)
}

// Periods as the text says them, normalized against the document's date.
func TestRead_periods(t *testing.T) {
	for _, c := range []struct{ date, text, want string }{
		{"2021", "2020年，产值118亿元。", "118 亿元  2020 stated"},
		{"2021", "今年，产值118亿元。", "118 亿元  2021 stated"},
		{"2021", "去年，产值118亿元。", "118 亿元  2020 stated"},
		{"2021-09", "今年1-8月，产值300亿元。", "300 亿元  2021-01/2021-08 stated"},
		{"2021-09", "今年1—8月，产值300亿元。", "300 亿元  2021-01/2021-08 stated"},
		{"2021", "今年前8个月，销售1800万元。", "1800 万元  2021-01/2021-08 stated"},
		{"2021", "今年上半年，销售1800万元。", "1800 万元  2021-01/2021-06 stated"},
		{"2021", "今年一季度，销售1800万元。", "1800 万元  2021-01/2021-03 stated"},
		{"2021", "前三季度，销售1800万元。", "1800 万元  2021-01/2021-09 stated"},
		{"2021", "在“十三五”时期，研发投入291.87亿元。", "291.87 亿元  2016/2020 stated"},
		{"2026", "十四五规划期间，投入5亿元。", "5 亿元  2021/2025 stated"},
		{"2021", "到2020年底，建成工作站43个。", "43 个  2020-12-31 stated"},
		{"2021", "2016年以来，培育企业3928家。", "3928 家  2016/2021 stated"},
		{"2021", "自去年以来，新增绿地321万平方米。", "321 万平方米  2020/2021 stated"},
		{"2021", "近两年来，产量增长20%。", "20 %  2020/2021 stated"},
		{"2021-10-08", "目前，入驻企业240家。", "240 家  2021-10-08 stated"},
		{"2021", "截至目前，汇聚人才769人。", "769 人  2021 stated"},
		{"2021", "2019-2021年，投资30亿元。", "30 亿元  2019/2021 stated"},
		{"2021", "2020年8月，投资30亿元。", "30 亿元  2020-08 stated"},
		// No time in the sentence: the sentence before, in the same paragraph.
		{"2021", "今年，任务都在推进。如10名教师已到岗。", "10 名  2021 context"},
		// No time at all: the document's date.
		{"2021", "园区有企业240家。", "240 家  2021 publication_date"},
		{"", "园区有企业240家。", "240 家   "},
		// Two ends of a change: the span's start and end.
		{"2021", "2016年以来，成果丰硕。专利拥有量从8.3件增至23.56件。", "8.3 件  2016 context|23.56 件  2021 context"},
	} {
		got := read(t, c.date, c.text)
		var lines []string
		for _, f := range got.Figures {
			lines = append(lines, describe(f))
		}
		if strings.Join(lines, "|") != c.want {
			t.Errorf("%s (dated %q):\n got %s\nwant %s", c.text, c.date, strings.Join(lines, "|"), c.want)
		}
	}
}

// A paragraph's end stops the time of the sentence before from reaching
// the next: an empty line after a full stop. An empty line inside a
// sentence is a printed column's end.
func TestRead_paragraphs(t *testing.T) {
	got := read(t, "2021", "今年，任务都在推进。\n\n园区有企业240家，\n\n员工1,200人。")
	if len(got.Figures) != 2 || got.Figures[0].PeriodBasis != tupu.PublicationDate || got.Figures[1].Value != 1200 {
		t.Errorf("figures: %+v", got.Figures)
	}
}

// Units, multipliers and what qualifies a figure.
func TestRead_figures(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"实现了2009.5亿元。", "2009.5 亿元  2021 publication_date"},
		{"实现了300多亿元的产值。", "300 亿元 more_than 2021 publication_date"},
		{"已吸引30余家企业。", "30 家 more_than 2021 publication_date"},
		{"将形成年产手机 7000 万台以上的产能。", "7000 万台 more_than 2021 publication_date"},
		{"产量就超过8000万台。", "8000 万台 more_than 2021 publication_date"},
		{"成为第一个突破2000亿元的区县。", "1 位  2021 publication_date|2000 亿元 more_than 2021 publication_date"},
		{"每年整合不低于3亿元资金。", "3 亿元 at_least 2021 publication_date"},
		{"按最高不超过项目总投入50%，金额不超过 200 万元。", "50 % at_most 2021 publication_date|200 万元 at_most 2021 publication_date"},
		{"引进人才1.2万人。", "12000 人  2021 publication_date"},
		{"连续18个季度位列全市第一。", "18 季度  2021 publication_date|1 位  2021 publication_date"},
		{"九大重点实验室，培育“四站”。", "9 个  2021 publication_date|4 站  2021 publication_date"},
		{"就业培训193人次。", "193 人次  2021 publication_date"},
		{"里程已达 118.21 公里，约60％。", "118.21 公里  2021 publication_date|60 % about 2021 publication_date"},
		// Not figures: names with numbers, the 一 of 一座, numerals that are words.
		{"9号线一期二期、3D技术、一座城、两地互派、三铁融合、万人发明专利。", ""},
	} {
		got := read(t, "2021", c.text)
		var lines []string
		for _, f := range got.Figures {
			lines = append(lines, describe(f))
		}
		if strings.Join(lines, "|") != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.text, strings.Join(lines, "|"), c.want)
		}
	}
}

// Mentions: the longest name at a place, Latin names as whole words and in
// any case, names of one character not at all; the figure's entity is the
// first its sentence names before it, not after a preposition.
func TestRead_mentionsAndEntities(t *testing.T) {
	yubei := &tupu.Entity{Key: "yubei", Kind: tupu.KindDistrict, Name: "渝北区", Aliases: []string{"渝北"}}
	valley := &tupu.Entity{Key: "valley", Kind: tupu.KindPark, Name: "仙桃数据谷", NameEn: "Xiantao Data Valley"}
	road := &tupu.Entity{Key: "road", Kind: tupu.KindRoad, Name: "仙桃数据谷北立交"}
	yunyang := &tupu.Entity{Key: "yunyang", Kind: tupu.KindCounty, Name: "云阳县", Aliases: []string{"云阳"}}
	ti := &tupu.Entity{Key: "ti", Kind: tupu.KindCompany, Name: "德州仪器", Aliases: []string{"TI"}}
	city := &tupu.Entity{Key: "cq", Kind: tupu.KindCity, Name: "重庆市", Aliases: []string{"重"}}
	text := "渝北为云阳县提供岗位2300个。仙桃数据谷北立交在建。xiantao data valley有企业240家。TIME不是TI。重庆市第一个突破。"
	got := read(t, "2021", text, yubei, valley, road, yunyang, ti, city)
	var names []string
	for _, m := range got.Mentions {
		names = append(names, fmt.Sprintf("%s@%d-%d", m.Entity, m.Start, m.End))
	}
	if w := "yubei@0-2|yunyang@3-6|road@16-24|valley@27-46|ti@60-62|cq@63-66"; strings.Join(names, "|") != w {
		t.Errorf("mentions %s, want %s", strings.Join(names, "|"), w)
	}
	var about []string
	for _, f := range got.Figures {
		about = append(about, f.Entity)
	}
	// 2300个 is Yubei's (云阳 follows 为); 240家 the valley's; 第一 is not
	// the city's (a city is where a figure ranks): the document's main entity.
	if w := "yubei|valley|yubei"; strings.Join(about, "|") != w {
		t.Errorf("figures are about %s, want %s", strings.Join(about, "|"), w)
	}
}

// A quote holds its figure and occurs once: a clause that repeats grows
// to the clause before it.
func TestRead_quotesOccurOnce(t *testing.T) {
	text := "甲园区，入驻企业240家。乙园区，入驻企业240家。"
	got := read(t, "2021", text)
	if len(got.Figures) != 2 || got.Figures[0].Quote != "甲园区，入驻企业240家" || got.Figures[1].Quote != "乙园区，入驻企业240家" {
		t.Errorf("quotes: %q", []string{got.Figures[0].Quote, got.Figures[1].Quote})
	}
}
