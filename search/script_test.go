package search

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"unicode/utf8"

	"tupu"
	"tupu/seed"
)

// Every entry of the conversion's dictionaries maps a phrase to one of the
// same length: simplified relies on it to keep offsets.
func TestSimplifierDictionariesKeepLength(t *testing.T) {
	sc, err := theSimplifier()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range sc.cc.DictChains {
		for _, d := range g.Dicts {
			for _, id := range d.Trie.PrefixPredict(nil, 0) {
				k, err := d.Trie.Key(id)
				if err != nil {
					t.Fatal(err)
				}
				v, err := d.Trie.Value(id)
				if err != nil {
					t.Fatal(err)
				}
				n++
				for _, to := range d.Values[v] {
					if utf8.RuneCount(k) != utf8.RuneCountInString(to) {
						t.Errorf("%s → %s changes the length", k, to)
					}
				}
				// The shortcut for text that cannot change agrees with
				// OpenCC on every key, alone and in a sentence.
				for _, text := range []string{string(k), "在" + string(k) + "后", string(k) + string(k)} {
					want, err := sc.cc.Convert(text)
					if err != nil {
						t.Fatal(err)
					}
					if got := simplified(text); got != want {
						t.Errorf("simplified(%q) = %q, OpenCC %q", text, got, want)
					}
				}
			}
		}
	}
	if n < 4000 {
		t.Errorf("%d entries: the dictionaries did not load", n)
	}
}

func TestSimplified(t *testing.T) {
	for in, want := range map[string]string{
		"渝北區":         "渝北区",
		"仙桃數據谷":       "仙桃数据谷",
		"重慶郵電大學":      "重庆邮电大学",
		"德州儀器":        "德州仪器",
		"智能座艙聯合實驗室":   "智能座舱联合实验室",
		"乾燥":          "干燥", // by phrase: 乾 is 干 here
		"乾隆":          "乾隆", // and stays here
		"衞生":          "卫生", // a Hong Kong form
		"Qualcomm 高通": "Qualcomm 高通",
		"":            "",
	} {
		if got := simplified(in); got != want {
			t.Errorf("simplified(%q) = %q, want %q", in, got, want)
		}
	}
	// Simplified text stays as it is: every name, alias and description of
	// the seed, and its document.
	d, err := seed.Load(seed.Data())
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{}
	for _, doc := range d.Documents {
		texts = append(texts, doc.Text)
	}
	for _, e := range d.Entities {
		texts = append(texts, e.Names()...)
		texts = append(texts, e.Description)
	}
	for _, s := range texts {
		if got := simplified(s); got != s {
			t.Errorf("simplified changed the simplified text %q to %q", s, got)
		}
	}
}

func TestFoldScriptsAndMarks(t *testing.T) {
	for in, want := range map[string]string{
		"仙桃數據谷":               "仙桃数据谷",
		"Xiāntáo":             "xiantao",
		"Yúběi":               "yubei",
		"XIA\u0304NTA\u0301O": "xiantao", // tone marks typed as combining marks
		"lǜ nǚ":               "lu nu",
		"Société Générale":    "societe generale",
		"ｘｉāｎ":                "xian",
	} {
		if got := fold(in).String(); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
	// Offsets lead back to the text as written.
	f := fold("XIA\u0304N 數據")
	if a, b := f.span(0, 3); a != 0 || b != 3 {
		t.Errorf("span of xia: [%d, %d)", a, b)
	}
	if a, b := f.span(len(f.runes)-2, len(f.runes)); a != 6 || b != 8 {
		t.Errorf("span of 数据 in %q: [%d, %d), want [6, 8)", f, a, b)
	}
}

// same checks that two queries answer alike: the same hits in the same
// order, tiers, fields, matched texts and highlights, and the same total.
// Bleve's scores may differ (yu bei is two words where yubei is one).
func same(t *testing.T, ix *Index, typed, plain string) *Result {
	t.Helper()
	got, want := search(t, ix, Query{Text: typed}), search(t, ix, Query{Text: plain})
	for _, r := range []*Result{got, want} {
		for i := range r.Hits {
			r.Hits[i].Score = 0
		}
	}
	if len(want.Hits) == 0 {
		t.Fatalf("%q finds nothing", plain)
	}
	if got.Total != want.Total || !reflect.DeepEqual(got.Hits, want.Hits) {
		t.Errorf("%q answers unlike %q:\n got %d %+v\nwant %d %+v", typed, plain, got.Total, got.Hits, want.Total, want.Hits)
	}
	return got
}

func TestTraditionalIsSimplified(t *testing.T) {
	ix := seedIndex(t)
	for trad, simp := range map[string]string{
		"渝北區":     "渝北区",
		"仙桃數據谷":   "仙桃数据谷",
		"數據谷":     "数据谷",
		"重慶郵電大學":  "重庆邮电大学",
		"雲陽縣":     "云阳县",
		"德州儀器":    "德州仪器",
		"智能座艙":    "智能座舱",
		"聯合實驗室":   "联合实验室",
		"航空物流產業園": "航空物流产业园",
	} {
		r := same(t, ix, trad, simp)
		// Highlights mark the name as stored, whichever script the query used.
		if h := r.Hits[0]; len(h.Highlights) == 0 || h.Highlights[0].Text != h.Matched {
			t.Errorf("%q: highlights %+v of %q", trad, h.Highlights, h.Matched)
		}
	}
}

func TestPinyinAsTyped(t *testing.T) {
	ix := seedIndex(t)
	for typed, plain := range map[string]string{
		"xiāntáo":             "xiantao",
		"Xiāntáo":             "xiantao",
		"xian1tao2":           "xiantao",
		"XIAN1TAO2":           "xiantao",
		"xia\u0304nta\u0301o": "xiantao",
		"ｘｉāｎｔáｏ":             "xiantao",
		"Yúběi":               "yubei",
		"yu2bei3":             "yubei",
		"Yú Běi Qū":           "yubeiqu",
		"xtsjg":               "XTSJG",
		"qīngshuǐlǜàn":        "qingshuilvan", // 清水绿岸: ü as typed,
		"qingshuiluan":        "qingshuilvan", // as u,
		"qing1shui3lv4an4":    "qingshuilvan", // and as v with tone numbers
	} {
		same(t, ix, typed, plain)
	}
	wantFirst(t, ix, "xiāntáo", "xiantao-data-valley")
	wantFirst(t, ix, "Yúběi", "yubei-district")
	wantFirst(t, ix, "qingshuilvan", "clear-water-green-banks")
	// Digits that are no tones are kept: Line 5 is not Line.
	wantFirst(t, ix, "line 5", "line-5")
}

// An entity written in traditional characters, as a curator copies it from
// a traditional document, is found by either script and by pinyin, and
// highlights point into its text as written.
func TestTraditionalEntity(t *testing.T) {
	ix, err := Open(filepath.Join(t.TempDir(), "search"))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	es := []*tupu.Entity{{
		Key: "cqupt-hk", Kind: tupu.KindUniversity, Name: "重慶郵電大學", Aliases: []string{"重郵"},
		Description: "位於重慶市南岸區的大學，設有通信與信息工程學院。",
	}}
	if err := ix.Rebuild(context.Background(), slices.Values(es), 1); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q       string
		tier    Tier
		field   string
		matched string
		hl      [2]int
	}{
		{"重庆邮电大学", ExactName, "name", "重慶郵電大學", [2]int{0, 6}},
		{"邮电", Inside, "name", "重慶郵電大學", [2]int{2, 4}},
		{"郵電", Inside, "name", "重慶郵電大學", [2]int{2, 4}},
		{"重邮", ExactAlias, "alias", "重郵", [2]int{0, 2}},
		{"chongqingyoudian", Prefix, "pinyin", "重慶郵電大學", [2]int{0, 4}},
		{"通信与信息工程", Description, "description", "重慶郵電大學", [2]int{0, 0}},
	} {
		h := wantFirst(t, ix, c.q, "cqupt-hk")
		if h.Tier != c.tier || h.Field != c.field || h.Matched != c.matched || len(h.Highlights) == 0 {
			t.Errorf("%q: %+v", c.q, h)
			continue
		}
		hl := h.Highlights[0]
		if c.tier == Description {
			if got := string([]rune(hl.Text)[hl.Start:hl.End]); got != "通信與信息工程" {
				t.Errorf("%q: highlight %q in %q", c.q, got, hl.Text)
			}
			continue
		}
		if hl.Text != c.matched || hl.Start != c.hl[0] || hl.End != c.hl[1] {
			t.Errorf("%q: highlight %+v, want %v of %q", c.q, hl, c.hl, c.matched)
		}
	}
}

// Queries that mix pinyin and characters, as input methods leave them,
// match the names whose syllables each piece spells or is.
func TestMixedQueries(t *testing.T) {
	ix := seedIndex(t)
	for _, c := range []struct {
		text, key, matched string
		tier               Tier
		hl                 [2]int
	}{
		{"xiantao数据谷", "xiantao-data-valley", "仙桃数据谷", ExactAlias, [2]int{0, 5}},
		{"xt数据谷", "xiantao-data-valley", "仙桃数据谷", ExactAlias, [2]int{0, 5}},
		{"xiantao數據谷", "xiantao-data-valley", "仙桃数据谷", ExactAlias, [2]int{0, 5}},
		{"yubei区", "yubei-district", "渝北区", ExactName, [2]int{0, 3}},
		{"yu北", "yubei-district", "渝北", ExactAlias, [2]int{0, 2}},
		{"重庆xiantao", "xiantao-data-valley", "重庆仙桃数据谷", Prefix, [2]int{0, 4}},
		{"zhineng座舱", "smart-cockpit-joint-lab", "智能座舱联合实验室", Prefix, [2]int{0, 4}},
	} {
		h := wantFirst(t, ix, c.text, c.key)
		if h.Tier != c.tier || h.Field != "pinyin" || h.Matched != c.matched || len(h.Highlights) != 1 ||
			h.Highlights[0].Start != c.hl[0] || h.Highlights[0].End != c.hl[1] {
			t.Errorf("%q: %+v, want %s in tier %v marked %v", c.text, h, c.matched, c.tier, c.hl)
		}
	}
	// The characters must be there: 渝北 is read yubei, but has no 区.
	for _, h := range search(t, ix, Query{Text: "yubei区", Limit: 100}).Hits {
		if h.Matched == "渝北" {
			t.Errorf("yubei区 matched 渝北: %+v", h)
		}
	}
}

// English as people type it: the start of a word, or a word whose stem
// starts the stem of a word of the name, inside names; a name but for
// the words in front ranks with the names it starts.
func TestEnglishWordStarts(t *testing.T) {
	ix := seedIndex(t)
	labs := []string{"application-processor-radar-joint-lab", "iov-smart-transport-lab",
		"smart-cockpit-joint-lab", "vehicle-vision-sensor-joint-lab"}
	jointLabs := []string{"application-processor-radar-joint-lab", "smart-cockpit-joint-lab", "vehicle-vision-sensor-joint-lab"}
	for text, want := range map[string][]string{
		"lab": labs, "labo": labs, "labs": labs, "LABORATORIES": labs, "laboratory": labs,
		"joint lab": jointLabs, "joint labs": jointLabs, "Joint Laboratories": jointLabs,
	} {
		r := search(t, ix, Query{Text: text})
		if len(r.Hits) < len(want) {
			t.Errorf("%q: %v, want %v first", text, keys(r.Hits), want)
			continue
		}
		got := keys(r.Hits[:len(want)])
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%q: first %v, want %v", text, got, want)
		}
		for _, h := range r.Hits[:len(want)] {
			if h.Field != "nameEn" || h.Tier != Inside && h.Tier != Prefix || len(h.Highlights) == 0 {
				t.Errorf("%q: %+v", text, h)
			}
		}
	}
	h := wantFirst(t, ix, "lab", "smart-cockpit-joint-lab")
	if hl := h.Highlights[0]; hl.Text[hl.Start:hl.End] != "Lab" {
		t.Errorf("lab: marked %q in %q", hl.Text[hl.Start:hl.End], hl.Text)
	}
	h = wantFirst(t, ix, "industries", "traditional-industries")
	h = wantFirst(t, ix, "Big Data Industries", "big-data-industry")
	if h.Tier != Inside {
		t.Errorf("Big Data Industries: %+v", h)
	}

	// A name but for a qualifier in front ranks with the names it starts,
	// the one it covers most first: the park's English name is Chongqing
	// Xiantao International Big Data Valley.
	r := search(t, ix, Query{Text: "Xiantao International Big Data Valley"})
	if got := keys(r.Hits); len(got) < 1 || got[0] != "xiantao-data-valley" || r.Hits[0].Tier != Prefix {
		t.Errorf("Xiantao International Big Data Valley: %+v", r.Hits)
	}
	// Xiantao Data Valley is the park's English alias, and starts the
	// road's name.
	r = search(t, ix, Query{Text: "Xiantao Data Valley"})
	if got := keys(r.Hits); len(got) < 2 || got[0] != "xiantao-data-valley" || got[1] != "xiantao-data-valley-north-interchange" ||
		r.Hits[0].Tier != ExactAlias || r.Hits[1].Tier != Prefix {
		t.Errorf("Xiantao Data Valley: %+v", r.Hits)
	}
	// The end must start at a word.
	for _, h := range search(t, ix, Query{Text: "ata valley"}).Hits {
		if h.Tier == Prefix {
			t.Errorf("ata valley: %+v", h)
		}
	}
	if h := wantFirst(t, ix, "OTC科创板", "chongqing-otc-sci-tech-board"); h.Tier != Prefix {
		t.Errorf("OTC科创板 ends 重庆OTC科创板: %+v", h)
	}
	if h := wantFirst(t, ix, "OTC", "chongqing-otc-sci-tech-board"); h.Tier != Inside {
		t.Errorf("OTC is inside 重庆OTC科创板: %+v", h)
	}
}

// A character typed for another of the same sound, the typo of pinyin
// input methods, finds the name when nothing else does.
func TestHomophones(t *testing.T) {
	ix := seedIndex(t)
	for _, c := range []struct{ text, key, matched string }{
		{"渝北去", "yubei-district", "渝北区"},
		{"仙桃数据古", "xiantao-data-valley", "仙桃数据谷"},
		{"高同", "qualcomm", "高通"},
	} {
		h := wantFirst(t, ix, c.text, c.key)
		if h.Tier != Fuzzy || h.Field != "pinyin" || h.Matched != c.matched {
			t.Errorf("%q: %+v, want a near spelling of %s", c.text, h, c.matched)
		}
	}
	// Only when nothing else matches: 渝北 is an alias.
	if h := wantFirst(t, ix, "渝北", "yubei-district"); h.Tier != ExactAlias {
		t.Errorf("渝北: %+v", h)
	}
}
