package search

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"tupu"
	"tupu/seed"
)

// seedEntities returns the entities of the curated seed data.
func seedEntities(t testing.TB) []*tupu.Entity {
	t.Helper()
	d, err := seed.Load(seed.Data())
	if err != nil {
		t.Fatal(err)
	}
	es := make([]*tupu.Entity, len(d.Entities))
	for i := range d.Entities {
		es[i] = &d.Entities[i]
	}
	return es
}

// newSeedIndex indexes the seed entities into a new index in a temp dir.
func newSeedIndex(t testing.TB, version uint64) (*Index, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "search")
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if err := ix.Rebuild(context.Background(), slices.Values(seedEntities(t)), version); err != nil {
		t.Fatal(err)
	}
	return ix, dir
}

var (
	sharedOnce sync.Once
	shared     *Index
	sharedDir  string
)

// seedIndex returns an index of the seed data shared by the tests that
// only search. Its directory lives until the process exits.
func seedIndex(t *testing.T) *Index {
	t.Helper()
	sharedOnce.Do(func() {
		dir, err := mkTemp()
		if err != nil {
			t.Fatal(err)
		}
		sharedDir = dir
		ix, err := Open(filepath.Join(dir, "search"))
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.Rebuild(context.Background(), slices.Values(seedEntities(t)), 1); err != nil {
			t.Fatal(err)
		}
		shared = ix
	})
	if shared == nil {
		t.Fatal("the shared seed index failed to build")
	}
	return shared
}

func search(t *testing.T, ix *Index, q Query) *Result {
	t.Helper()
	r, err := ix.Search(q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return r
}

func keys(hs []Hit) []string {
	ks := make([]string, len(hs))
	for i, h := range hs {
		ks[i] = h.Key
	}
	return ks
}

// wantFirst checks that text finds key first.
func wantFirst(t *testing.T, ix *Index, text, key string) Hit {
	t.Helper()
	r := search(t, ix, Query{Text: text})
	if len(r.Hits) == 0 || r.Hits[0].Key != key {
		t.Fatalf("%q: got %v, want %s first", text, keys(r.Hits), key)
	}
	return r.Hits[0]
}

func TestChineseWordsAndCharacters(t *testing.T) {
	ix := seedIndex(t)
	for text, key := range map[string]string{
		"数据谷":  "xiantao-data-valley",
		"据谷":   "xiantao-data-valley", // no dictionary word; bigrams find it
		"谷":    "xiantao-data-valley",
		"渝":    "yubei-district",
		"仙桃":   "xiantao-data-valley",
		"航空物流": "aviation-logistics-park",
	} {
		wantFirst(t, ix, text, key)
	}

	r := search(t, ix, Query{Text: "实验室"})
	var labs []string
	for _, e := range seedEntities(t) {
		if e.Kind == tupu.KindLab {
			labs = append(labs, e.Key)
		}
	}
	slices.Sort(labs)
	if len(labs) != 4 || len(r.Hits) < 4 {
		t.Fatalf("实验室: %d labs in the seed, hits %v", len(labs), keys(r.Hits))
	}
	top := keys(r.Hits[:4])
	slices.Sort(top)
	if !slices.Equal(top, labs) {
		t.Errorf("实验室: top 4 hits %v, want the labs %v", top, labs)
	}
	for _, h := range r.Hits[:4] {
		if h.Kind != tupu.KindLab || h.Tier != Prefix || h.Field != "name" {
			t.Errorf("实验室: hit %+v, want a LAB whose name ends with it", h)
		}
	}
}

func TestEnglish(t *testing.T) {
	ix := seedIndex(t)
	for _, c := range []struct {
		text, key string
		tier      Tier
		field     string
	}{
		{"qualcomm", "qualcomm", ExactName, "nameEn"},
		{"QUALCOMM", "qualcomm", ExactName, "nameEn"},
		{"ｑｕａｌｃｏｍｍ", "qualcomm", ExactName, "nameEn"}, // fullwidth
		{"Texas Instruments", "texas-instruments", ExactName, "nameEn"},
		{"texas   instruments", "texas-instruments", ExactName, "nameEn"},
		{"ti", "texas-instruments", ExactAlias, "alias"},
		{"sony", "sony", ExactName, "name"},
		{"Data Valley", "xiantao-data-valley", Prefix, "alias"},             // the end of its English alias Xiantao Data Valley (and of its name)
		{"valley data", "xiantao-data-valley", Inside, "alias"},             // word by word
		{"International Big Data", "xiantao-data-valley", Inside, "nameEn"}, // words inside its English name
		{"radar", "application-processor-radar-joint-lab", Inside, "nameEn"},
	} {
		h := wantFirst(t, ix, c.text, c.key)
		if h.Tier != c.tier || h.Field != c.field {
			t.Errorf("%q: tier %v field %q, want %v %q", c.text, h.Tier, h.Field, c.tier, c.field)
		}
	}
}

func TestPinyin(t *testing.T) {
	ix := seedIndex(t)
	for _, c := range []struct {
		text, key, matched string
		tier               Tier
	}{
		{"xiantao", "xiantao-data-valley", "仙桃数据谷", Prefix},
		{"xtsjg", "xiantao-data-valley", "仙桃数据谷", ExactAlias},
		{"XTSJG", "xiantao-data-valley", "仙桃数据谷", ExactAlias},
		{"xian tao", "xiantao-data-valley", "仙桃数据谷", Prefix},
		{"shujugu", "xiantao-data-valley", "数据谷", ExactAlias},
		{"yubei", "yubei-district", "渝北", ExactAlias},
		{"yubeiqu", "yubei-district", "渝北区", ExactName},
		{"yunyang", "yunyang-county", "云阳", ExactAlias},
		// 重 reads zhong and chong: both are indexed.
		{"chongqingshi", "chongqing", "重庆市", ExactName},
		{"zhongqingshi", "chongqing", "重庆市", ExactName},
		{"cqs", "chongqing", "重庆市", ExactName},
		{"zqs", "chongqing", "重庆市", ExactName},
		{"gaotong", "qualcomm", "高通", ExactAlias},
		{"zkcd", "thundersoft", "中科创达", ExactName},
	} {
		h := wantFirst(t, ix, c.text, c.key)
		if h.Field != "pinyin" || h.Matched != c.matched || h.Tier != c.tier {
			t.Errorf("%q: %+v, want pinyin of %s in tier %v", c.text, h, c.matched, c.tier)
		}
	}
	// chongqing is also the English name of 重庆市.
	h := wantFirst(t, ix, "chongqing", "chongqing")
	if h.Tier != ExactName {
		t.Errorf("chongqing: %+v", h)
	}
	// Pinyin from a later syllable: to the end of the name, as a written
	// name's end, or inside it.
	r := search(t, ix, Query{Text: "beilijiao"})
	if len(r.Hits) == 0 || r.Hits[0].Key != "xiantao-data-valley-north-interchange" || r.Hits[0].Tier != Prefix {
		t.Errorf("beilijiao: %+v", r.Hits)
	}
	r = search(t, ix, Query{Text: "shujugubei"})
	if len(r.Hits) == 0 || r.Hits[0].Key != "xiantao-data-valley-north-interchange" || r.Hits[0].Tier != Inside {
		t.Errorf("shujugubei: %+v", r.Hits)
	}
}

func TestFuzzy(t *testing.T) {
	ix := seedIndex(t)
	for text, key := range map[string]string{
		"qualcom":          "qualcomm",
		"Qualcomn":         "qualcomm",
		"qaulcomm":         "qualcomm",
		"huawie":           "huawei",
		"bytedanse":        "bytedance",
		"texas instrumnts": "texas-instruments",
	} {
		wantFirst(t, ix, text, key)
	}
	h := wantFirst(t, ix, "Qualcomn", "qualcomm")
	if h.Tier != Fuzzy || h.Matched != "Qualcomm" || len(h.Highlights) != 1 {
		t.Errorf("Qualcomn: %+v", h)
	}
	// Short words get no edits: "arn" is not "arm".
	if r := search(t, ix, Query{Text: "arn"}); slices.Contains(keys(r.Hits), "arm") {
		t.Errorf("arn: found arm: %v", keys(r.Hits))
	}
}

func TestRanking(t *testing.T) {
	ix := seedIndex(t)
	h := wantFirst(t, ix, "渝北区", "yubei-district")
	if h.Tier != ExactName || h.Field != "name" {
		t.Errorf("渝北区: %+v", h)
	}
	h = wantFirst(t, ix, "高通", "qualcomm")
	if h.Tier != ExactAlias || h.Matched != "高通" {
		t.Errorf("高通: %+v", h)
	}
	// Exact alias, then the names that end or start with the query, the
	// one it covers most first.
	r := search(t, ix, Query{Text: "云阳"})
	want := []struct {
		key  string
		tier Tier
	}{{"yunyang-county", ExactAlias}, {"tiansheng-yunyang", Prefix}, {"yunyang-industrial-park", Prefix}}
	if len(r.Hits) < len(want) {
		t.Fatalf("云阳: %v", keys(r.Hits))
	}
	for i, w := range want {
		if r.Hits[i].Key != w.key || r.Hits[i].Tier != w.tier {
			t.Errorf("云阳 hit %d: %s %v, want %s %v", i, r.Hits[i].Key, r.Hits[i].Tier, w.key, w.tier)
		}
	}
	// Then the names it is inside of.
	r = search(t, ix, Query{Text: "物流"})
	if len(r.Hits) < 2 || r.Hits[0].Key != "logistics-industry" || r.Hits[0].Tier != Prefix ||
		r.Hits[len(r.Hits)-1].Tier != Inside {
		t.Errorf("物流: %+v", r.Hits)
	}
	// Within a tier, the hit whose name the query covers most comes first.
	r = search(t, ix, Query{Text: "谷"})
	if got := keys(r.Hits); !slices.Equal(got, []string{"xiantao-data-valley", "xiantao-data-valley-north-interchange"}) {
		t.Errorf("谷: %v", got)
	}
	// Tiers never go up, and the order is the same every time.
	for _, text := range []string{"渝北", "yubei", "重庆", "chongqing", "实验室", "data", "ti", "科技"} {
		a := search(t, ix, Query{Text: text, Limit: MaxLimit})
		for i := 1; i < len(a.Hits); i++ {
			if a.Hits[i].Tier < a.Hits[i-1].Tier {
				t.Errorf("%q: hit %d (%s, %v) after %v", text, i, a.Hits[i].Key, a.Hits[i].Tier, a.Hits[i-1].Tier)
			}
		}
		b := search(t, ix, Query{Text: text, Limit: MaxLimit})
		if !slices.Equal(keys(a.Hits), keys(b.Hits)) {
			t.Errorf("%q: order differs between runs", text)
		}
		seen := map[string]bool{}
		for _, h := range a.Hits {
			if seen[h.Key] {
				t.Errorf("%q: %s reported twice", text, h.Key)
			}
			seen[h.Key] = true
		}
	}
}

func TestHighlights(t *testing.T) {
	ix := seedIndex(t)
	check := func(text string, h Hit, want ...string) {
		t.Helper()
		if len(h.Highlights) != len(want) {
			t.Fatalf("%q: highlights %+v, want %q", text, h.Highlights, want)
		}
		for i, hl := range h.Highlights {
			rs := []rune(hl.Text)
			if hl.Start < 0 || hl.End > len(rs) || hl.Start >= hl.End {
				t.Fatalf("%q: bad highlight %+v", text, hl)
			}
			if got := string(rs[hl.Start:hl.End]); got != want[i] {
				t.Errorf("%q: highlight %q in %q, want %q", text, got, hl.Text, want[i])
			}
			if h.Field != "description" && hl.Text != h.Matched {
				t.Errorf("%q: highlight text %q, matched %q", text, hl.Text, h.Matched)
			}
		}
	}
	check("渝北区", wantFirst(t, ix, "渝北区", "yubei-district"), "渝北区")
	check("据谷", wantFirst(t, ix, "据谷", "xiantao-data-valley"), "据谷")
	check("xiantao", wantFirst(t, ix, "xiantao", "xiantao-data-valley"), "仙桃")
	check("cqs", wantFirst(t, ix, "cqs", "chongqing"), "重庆市")
	check("valley data", wantFirst(t, ix, "valley data", "xiantao-data-valley"), "Valley", "Data")
	check("huawie", wantFirst(t, ix, "huawie", "huawei"), "Huawei")
	check("instruments", wantFirst(t, ix, "instruments", "texas-instruments"), "Instruments")
	// 临空英才培育 is in the name 《渝北区临空英才培育引进实施办法》: the
	// highlight skips the 《.
	h := wantFirst(t, ix, "渝北区临空", "linkong-talent-measures")
	check("渝北区临空", h, "渝北区临空")

	r := search(t, ix, Query{Text: "GDP"})
	if len(r.Hits) == 0 || r.Hits[0].Tier != Description || r.Hits[0].Field != "description" {
		t.Fatalf("GDP: %+v", r.Hits)
	}
	check("GDP", r.Hits[0], "GDP")
	if !strings.Contains(r.Hits[0].Highlights[0].Text, "…") {
		t.Errorf("GDP: description excerpt %q not cut", r.Hits[0].Highlights[0].Text)
	}
}

func TestKinds(t *testing.T) {
	ix := seedIndex(t)
	r := search(t, ix, Query{Text: "实验室", Kinds: []tupu.Kind{tupu.KindLab}})
	if r.Total != 4 || len(r.Hits) != 4 {
		t.Errorf("实验室 LAB: total %d hits %v", r.Total, keys(r.Hits))
	}
	r = search(t, ix, Query{Text: "重庆", Kinds: []tupu.Kind{tupu.KindCity, tupu.KindUniversity}})
	if got := keys(r.Hits); !slices.Equal(got, []string{"chongqing", "cqupt"}) || r.Total != 2 {
		t.Errorf("重庆 CITY|UNIVERSITY: %v (total %d)", got, r.Total)
	}
	for _, h := range search(t, ix, Query{Text: "yubei", Kinds: []tupu.Kind{tupu.KindGovernmentBody}, Limit: MaxLimit}).Hits {
		if h.Kind != tupu.KindGovernmentBody {
			t.Errorf("yubei GOVERNMENT_BODY: %+v", h)
		}
	}
	_, err := ix.Search(Query{Text: "重庆", Kinds: []tupu.Kind{"PLANET"}})
	if tupu.ErrorCode(err) != tupu.BadUserInput {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestPaging(t *testing.T) {
	ix := seedIndex(t)
	for _, text := range []string{"yubei", "重庆", "a"} {
		all := search(t, ix, Query{Text: text, Limit: MaxLimit})
		if all.Total != len(all.Hits) || all.Total < 10 {
			t.Fatalf("%q: total %d, %d hits", text, all.Total, len(all.Hits))
		}
		var paged []string
		for off := 0; off < all.Total; off += 7 {
			p := search(t, ix, Query{Text: text, Offset: off, Limit: 7})
			if p.Total != all.Total {
				t.Errorf("%q offset %d: total %d, want %d", text, off, p.Total, all.Total)
			}
			if want := min(7, all.Total-off); len(p.Hits) != want {
				t.Errorf("%q offset %d: %d hits, want %d", text, off, len(p.Hits), want)
			}
			paged = append(paged, keys(p.Hits)...)
		}
		if !slices.Equal(paged, keys(all.Hits)) {
			t.Errorf("%q: pages\n%v\nwant\n%v", text, paged, keys(all.Hits))
		}
		past := search(t, ix, Query{Text: text, Offset: all.Total + 3})
		if past.Total != all.Total || len(past.Hits) != 0 {
			t.Errorf("%q past the end: %+v", text, past)
		}
	}
	if r := search(t, ix, Query{Text: "yubei"}); len(r.Hits) != DefaultLimit {
		t.Errorf("default limit: %d hits", len(r.Hits))
	}
}

func TestBadInput(t *testing.T) {
	ix := seedIndex(t)
	for _, q := range []Query{
		{Text: ""},
		{Text: " \t\n　"},
		{Text: strings.Repeat("谷", MaxQueryRunes+1)},
		{Text: "谷", Offset: -1},
		{Text: "谷", Limit: -1},
		{Text: "谷", Limit: MaxLimit + 1},
		{Text: "谷", Offset: MaxOffset + 1},
	} {
		_, err := ix.Search(q)
		if tupu.ErrorCode(err) != tupu.BadUserInput {
			t.Errorf("Search(%.20q offset %d limit %d): %v, want BAD_USER_INPUT", q.Text, q.Offset, q.Limit, err)
		}
	}
	if _, err := ix.Search(Query{Text: strings.Repeat("谷", MaxQueryRunes)}); err != nil {
		t.Errorf("a query of %d runes: %v", MaxQueryRunes, err)
	}
}

func TestQuerySyntaxIsText(t *testing.T) {
	ix := seedIndex(t)
	for text, key := range map[string]string{
		"+qualcomm":      "qualcomm",
		"-sony":          "sony",
		"qualcomm*":      "qualcomm",
		`"高通"`:           "qualcomm",
		"(sony)":         "sony",
		"huawie~":        "huawei",
		"name:huawei":    "",
		"nameEn:Huawei":  "",
		"huawei OR sony": "",
		"*":              "",
		`"`:              "",
		"+-:~*\"()":      "",
		"/[a-z]+/":       "",
		"ti^10":          "",
	} {
		r, err := ix.Search(Query{Text: text})
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		if key != "" && (len(r.Hits) == 0 || r.Hits[0].Key != key) && !slices.Contains(keys(r.Hits), key) {
			t.Errorf("%q: %v, want %s", text, keys(r.Hits), key)
		}
	}
	// Read as syntax, "-sony" would exclude sony and "*" match everything.
	if r := search(t, ix, Query{Text: "*"}); r.Total != 0 {
		t.Errorf("*: %d hits", r.Total)
	}
	// Read as syntax, name:huawei would find 华为; as text, no name or
	// description has the words "name" and "huawei".
	if r := search(t, ix, Query{Text: "name:huawei"}); r.Total != 0 {
		t.Errorf("name:huawei: %v", keys(r.Hits))
	}
}

func TestRebuildUpdateVersion(t *testing.T) {
	ix, dir := newSeedIndex(t, 5)
	if v, err := ix.Version(); err != nil || v != 5 {
		t.Fatalf("Version after Rebuild: %d, %v", v, err)
	}
	es := seedEntities(t)
	var huawei *tupu.Entity
	for _, e := range es {
		if e.Key == "huawei" {
			c := *e
			huawei = &c
		}
	}
	huawei.Name, huawei.NameEn, huawei.Aliases = "华为技术有限公司", "Huawei Technologies", []string{"华为"}
	if err := ix.Update([]*tupu.Entity{huawei}, []string{"sony", "no-such-key"}, 6); err != nil {
		t.Fatal(err)
	}
	check := func(ix *Index, want uint64) {
		t.Helper()
		if v, err := ix.Version(); err != nil || v != want {
			t.Errorf("Version: %d, %v; want %d", v, err, want)
		}
		h := wantFirst(t, ix, "华为技术有限公司", "huawei")
		if h.Tier != ExactName {
			t.Errorf("renamed: %+v", h)
		}
		if h := wantFirst(t, ix, "华为", "huawei"); h.Tier != ExactAlias {
			t.Errorf("old name, now an alias: %+v", h)
		}
		if h := wantFirst(t, ix, "huawei technologies", "huawei"); h.Tier != ExactName {
			t.Errorf("new English name: %+v", h)
		}
		if r := search(t, ix, Query{Text: "SONY"}); slices.Contains(keys(r.Hits), "sony") {
			t.Errorf("deleted sony still found: %v", keys(r.Hits))
		}
		if r := search(t, ix, Query{Text: "SONY公司"}); r.Total != 0 {
			t.Errorf("deleted sony's alias still found: %v", keys(r.Hits))
		}
	}
	check(ix, 6)

	// The version and the changes survive a restart.
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(Query{Text: "谷"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Search after Close: %v", err)
	}
	ix2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix2.Close()
	check(ix2, 6)

	// Rebuild replaces everything: sony is back, the rename is gone.
	if err := ix2.Rebuild(context.Background(), slices.Values(es[:10]), 7); err != nil {
		t.Fatal(err)
	}
	if v, _ := ix2.Version(); v != 7 {
		t.Errorf("Version after the second Rebuild: %d", v)
	}
	if r := search(t, ix2, Query{Text: "华为"}); r.Total != 0 {
		t.Errorf("华为 after rebuilding without it: %v", keys(r.Hits))
	}
	wantFirst(t, ix2, "渝北区", "yubei-district")
	entries, _ := filepath.Glob(dir + ".*")
	if len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestVersionOfNewAndForeignIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "search")
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if v, err := ix.Version(); err != nil || v != 0 {
		t.Errorf("new index: Version %d, %v", v, err)
	}
	if r := search(t, ix, Query{Text: "谷"}); r.Total != 0 {
		t.Errorf("new index: %+v", r)
	}
	// An index written by another schema of this package reads as
	// version 0, so its owner rebuilds it.
	if err := ix.Update(nil, nil, 9); err != nil {
		t.Fatal(err)
	}
	if v, _ := ix.Version(); v != 9 {
		t.Errorf("Version after Update: %d", v)
	}
	if err := ix.bi.SetInternal(keySchema, []byte("tupu-search-0")); err != nil {
		t.Fatal(err)
	}
	if v, _ := ix.Version(); v != 0 {
		t.Errorf("foreign schema: Version %d", v)
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"传音“智汇园”项目":                     "传音智汇园项目",
		"中科创达·重庆公司":                     "中科创达重庆公司",
		"Chongqing Transsion Co., Ltd.": "chongqing transsion co ltd",
		"  Liangjiang–Changshou  ":      "liangjiang changshou",
		"ＳＯＮＹ公司":                        "sony公司",
		"《渝北区高层次科技人才“四站”奖补办法》":          "渝北区高层次科技人才四站奖补办法",
		"3D技术端试衣系统":                     "3d技术端试衣系统",
		"Chongqing OTC Sci-Tech Board":  "chongqing otc sci tech board",
		"重庆 OTC":                        "重庆otc",
	} {
		if got := fold(in).String(); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPinyinTerms(t *testing.T) {
	whole, inner := pinyinTerms([]string{"重庆市"})
	for _, w := range []string{"chongqingshi", "zhongqingshi", "cqs", "zqs"} {
		if !slices.Contains(whole, w) {
			t.Errorf("重庆市: %q missing from %v", w, whole)
		}
	}
	for _, w := range []string{"qingshi", "shi", "qs"} {
		if !slices.Contains(inner, w) {
			t.Errorf("重庆市: %q missing from inner %v", w, inner)
		}
	}
	whole, _ = pinyinTerms([]string{"9号线"})
	if !slices.Contains(whole, "9haoxian") || !slices.Contains(whole, "9hx") {
		t.Errorf("9号线: %v", whole)
	}
	// A name of many multi-reading characters stays capped.
	whole, _ = pinyinTerms([]string{"重长行和乐差重长行和乐差"})
	if len(whole) > 2*maxCombos {
		t.Errorf("capped at %d spellings: %d terms", maxCombos, len(whole))
	}
}

func TestConcurrentSearchAndWrites(t *testing.T) {
	ix, _ := newSeedIndex(t, 1)
	es := seedEntities(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				r, err := ix.Search(Query{Text: "渝北区"})
				if err != nil {
					t.Error(err)
					return
				}
				if len(r.Hits) == 0 || r.Hits[0].Key != "yubei-district" {
					t.Errorf("渝北区 during writes: %v", keys(r.Hits))
					return
				}
			}
		})
	}
	for v := uint64(2); v < 5; v++ {
		if err := ix.Update(es[5:10], []string{"sony"}, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Rebuild(context.Background(), slices.Values(es), 5); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if v, _ := ix.Version(); v != 5 {
		t.Errorf("Version: %d", v)
	}
}
