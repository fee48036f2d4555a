package seed_test

import (
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"tupu"
	"tupu/seed"
)

// builtin loads the built-in data set once; tests only read it.
var builtin = sync.OnceValues(func() (*tupu.Dataset, error) { return seed.Load(seed.Data()) })

func mustBuiltin(t *testing.T) *tupu.Dataset {
	t.Helper()
	d, err := builtin()
	if err != nil {
		t.Fatalf("seed.Load(seed.Data()): %v", err)
	}
	return d
}

// joined returns a document's text as quotes are matched against it,
// computed here without tupu.Document.QuotableText: the printed text with
// every line break deleted.
func joined(text string) string {
	return strings.NewReplacer("\r", "", "\n", "").Replace(text)
}

// ---------------------------------------------------------------- integrity of the built-in data

func TestBuiltinLoadsAndValidates(t *testing.T) {
	d := mustBuiltin(t)
	if err := d.Validate(); err != nil {
		t.Fatalf("the loaded data set does not validate: %v", err)
	}
	t.Log(seed.Describe(d))
	if n := len(d.Facts); n <= 90 {
		t.Errorf("%d facts, want more than 90", n)
	}
	if n := len(d.Entities); n <= 100 {
		t.Errorf("%d entities, want more than 100", n)
	}
	if len(d.Relations) == 0 {
		t.Error("no relations")
	}
	// Every YAML file is one document, with its text beside it.
	names, err := fs.Glob(seed.Data(), "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Documents) != len(names) {
		t.Errorf("%d documents from %d YAML files (%v)", len(d.Documents), len(names), names)
	}
	for _, doc := range d.Documents {
		raw, err := fs.ReadFile(seed.Data(), doc.Key+".txt")
		if err != nil {
			t.Errorf("document %q: %v", doc.Key, err)
			continue
		}
		if doc.Text != string(raw) {
			t.Errorf("document %q: Text is not the content of %s.txt", doc.Key, doc.Key)
		}
	}
}

// Validate checks quotes; this checks them again with nothing but the files.
func TestBuiltinQuotesAreInTheirDocuments(t *testing.T) {
	d := mustBuiltin(t)
	texts := map[string]string{}
	for _, doc := range d.Documents {
		raw, err := fs.ReadFile(seed.Data(), doc.Key+".txt")
		if err != nil {
			t.Fatal(err)
		}
		texts[doc.Key] = joined(string(raw))
	}
	check := func(entry string, s *tupu.Source) {
		t.Helper()
		if s == nil {
			t.Errorf("%s: no source", entry)
			return
		}
		text, ok := texts[s.Document]
		switch {
		case !ok:
			t.Errorf("%s: cites document %q, which is not loaded", entry, s.Document)
		case strings.TrimSpace(s.Quote) == "":
			t.Errorf("%s: empty quote", entry)
		case !strings.Contains(text, s.Quote):
			t.Errorf("%s: quote %q is not in %s.txt (lines joined)", entry, s.Quote, s.Document)
		}
	}
	for _, e := range d.Entities {
		check("entity "+e.Key, e.Source)
	}
	for _, r := range d.Relations {
		check("relation "+r.Subject+" "+string(r.Predicate)+" "+r.Object, r.Source)
	}
	for _, f := range d.Facts {
		check("fact "+f.Entity+" "+f.Property+" "+f.Period, &f.Source)
	}
}

func TestBuiltinUsesTheVocabulary(t *testing.T) {
	d := mustBuiltin(t)
	kinds := map[tupu.Kind]bool{}
	for _, k := range tupu.Kinds {
		kinds[k.Kind] = true
	}
	preds := map[tupu.Predicate]bool{}
	for _, p := range tupu.Predicates {
		preds[p.Predicate] = true
	}
	for _, e := range d.Entities {
		if !kinds[e.Kind] {
			t.Errorf("entity %s: kind %q is not in tupu.Kinds", e.Key, e.Kind)
		}
	}
	for _, r := range d.Relations {
		if !preds[r.Predicate] {
			t.Errorf("relation %s %s %s: predicate is not in tupu.Predicates", r.Subject, r.Predicate, r.Object)
		}
	}
	property := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	for _, f := range d.Facts {
		if !property.MatchString(f.Property) {
			t.Errorf("fact %s %s: property is not snake_case", f.Entity, f.Property)
		}
		if f.Qualifier != "" && !slices.Contains(tupu.Qualifiers, f.Qualifier) {
			t.Errorf("fact %s %s: qualifier %q is not in tupu.Qualifiers", f.Entity, f.Property, f.Qualifier)
		}
	}
}

func TestBuiltinHasTheCoreKinds(t *testing.T) {
	d := mustBuiltin(t)
	count := map[tupu.Kind]int{}
	for _, e := range d.Entities {
		count[e.Kind]++
	}
	for _, k := range []tupu.Kind{tupu.KindDistrict, tupu.KindPark, tupu.KindCompany, tupu.KindLab, tupu.KindTalentProgram, tupu.KindCounty} {
		if count[k] == 0 {
			t.Errorf("no entity of kind %s", k)
		}
	}
}

// graph indexes a data set for the relation checks below. Entities are
// looked up by the names the article uses, so the checks hold whatever
// keys the curators chose.
type graph struct {
	t        *testing.T
	d        *tupu.Dataset
	byKey    map[string]*tupu.Entity
	relation map[[3]string]bool
}

func newGraph(t *testing.T, d *tupu.Dataset) *graph {
	g := &graph{t: t, d: d, byKey: map[string]*tupu.Entity{}, relation: map[[3]string]bool{}}
	for i := range d.Entities {
		g.byKey[d.Entities[i].Key] = &d.Entities[i]
	}
	for _, r := range d.Relations {
		g.relation[[3]string{r.Subject, string(r.Predicate), r.Object}] = true
	}
	return g
}

// withName returns the entities that go by name (name, nameEn or alias).
func (g *graph) withName(name string) []*tupu.Entity {
	var found []*tupu.Entity
	for i := range g.d.Entities {
		e := &g.d.Entities[i]
		for _, n := range e.Names() {
			if tupu.NormalizeName(n) == tupu.NormalizeName(name) {
				found = append(found, e)
				break
			}
		}
	}
	return found
}

// named returns the one entity that goes by name, of the given kind.
func (g *graph) named(name string, kind tupu.Kind) *tupu.Entity {
	g.t.Helper()
	found := g.withName(name)
	if len(found) != 1 {
		keys := make([]string, len(found))
		for i, e := range found {
			keys[i] = e.Key
		}
		g.t.Fatalf("%d entities go by the name %s, want 1: %v", len(found), name, keys)
	}
	if found[0].Kind != kind {
		g.t.Errorf("%s (%s) is %s, want %s", name, found[0].Key, found[0].Kind, kind)
	}
	return found[0]
}

func (g *graph) has(s *tupu.Entity, p tupu.Predicate, o *tupu.Entity) bool {
	return g.relation[[3]string{s.Key, string(p), o.Key}]
}

func (g *graph) want(s *tupu.Entity, p tupu.Predicate, o *tupu.Entity) {
	g.t.Helper()
	if !g.has(s, p, o) {
		g.t.Errorf("no relation %s %s %s (%s %s %s)", s.Name, p, o.Name, s.Key, p, o.Key)
	}
}

// objects returns the objects of s's relations with predicate p, of kind k.
func (g *graph) objects(s *tupu.Entity, p tupu.Predicate, k tupu.Kind) []*tupu.Entity {
	var out []*tupu.Entity
	for _, r := range g.d.Relations {
		if r.Subject == s.Key && r.Predicate == p && g.byKey[r.Object] != nil && g.byKey[r.Object].Kind == k {
			out = append(out, g.byKey[r.Object])
		}
	}
	return out
}

// The relations the GraphQL API's named fields (graph/resolver.go) read.
func TestBuiltinNamedRelations(t *testing.T) {
	g := newGraph(t, mustBuiltin(t))
	yubei := g.named("渝北区", tupu.KindDistrict)
	xiantao := g.named("仙桃数据谷", tupu.KindPark)

	t.Run("district parks", func(t *testing.T) {
		g := *g
		g.t = t
		for _, park := range []string{"仙桃数据谷", "前沿科技城", "航空物流园"} {
			g.want(g.named(park, tupu.KindPark), tupu.PredLocatedIn, yubei)
		}
	})
	t.Run("park companies", func(t *testing.T) {
		g := *g
		g.t = t
		companies := g.objects(xiantao, tupu.PredHosts, tupu.KindCompany)
		if len(companies) < 10 {
			t.Errorf("仙桃数据谷 hosts %d companies, want the ten or so the article lists", len(companies))
		}
		for _, c := range []string{"中科创达·重庆公司", "华为", "字节跳动", "微软", "高通", "ARM"} {
			g.want(xiantao, tupu.PredHosts, g.named(c, tupu.KindCompany))
		}
	})
	t.Run("labs, their builder, partners and park", func(t *testing.T) {
		g := *g
		g.t = t
		thundersoft := g.named("中科创达·重庆公司", tupu.KindCompany)
		partners := []struct {
			lab, partner string
			kind         tupu.Kind
		}{
			{"智能座舱联合实验室", "高通", tupu.KindCompany},
			{"车用视觉传感器联合实验室", "SONY", tupu.KindCompany},
			{"应用处理器与雷达技术联合实验室", "德州仪器", tupu.KindCompany},
			{"车联网与智慧交通实验室", "重庆邮电大学", tupu.KindUniversity},
		}
		for _, p := range partners {
			lab := g.named(p.lab, tupu.KindLab)
			g.want(thundersoft, tupu.PredBuilt, lab)
			g.want(g.named(p.partner, p.kind), tupu.PredPartnerOf, lab)
			g.want(xiantao, tupu.PredHosts, lab)
		}
		if labs := g.objects(thundersoft, tupu.PredBuilt, tupu.KindLab); len(labs) < len(partners) {
			t.Errorf("中科创达·重庆公司 built %d labs, want at least %d", len(labs), len(partners))
		}
	})
	t.Run("paired county", func(t *testing.T) {
		g := *g
		g.t = t
		g.want(yubei, tupu.PredPairedWith, g.named("云阳县", tupu.KindCounty))
	})
	t.Run("talent programs", func(t *testing.T) {
		g := *g
		g.t = t
		g.want(yubei, tupu.PredDrawsOn, g.named("重庆英才计划", tupu.KindTalentProgram))
		g.want(yubei, tupu.PredRuns, g.named("临空英才计划", tupu.KindTalentProgram))
		g.want(yubei, tupu.PredRuns, g.named("临空人才专项", tupu.KindTalentProgram))

		levels := map[string][]string{} // entity key → texts of its level facts
		for _, f := range g.d.Facts {
			if f.Property == "level" {
				levels[f.Entity] = append(levels[f.Entity], f.Text)
			}
		}
		for name, want := range map[string]string{"重庆英才计划": "市级", "临空英才计划": "区级"} {
			e := g.named(name, tupu.KindTalentProgram)
			if got := levels[e.Key]; !slices.Equal(got, []string{want}) {
				t.Errorf("%s: level facts %q, want [%s]", name, got, want)
			}
		}
		// The API maps a level's text to an enum: only these two words map.
		for key, texts := range levels {
			if e := g.byKey[key]; e == nil || e.Kind != tupu.KindTalentProgram {
				t.Errorf("%s: a level fact on an entity that is not a talent program", key)
			}
			for _, text := range texts {
				if text != "市级" && text != "区级" {
					t.Errorf("%s: level %q, want 市级 or 区级", key, text)
				}
			}
		}
	})
	t.Run("alias variants", func(t *testing.T) {
		g := *g
		g.t = t
		a, b := g.withName("临空人才专项"), g.withName("临空英才专项")
		if len(a) != 1 || len(b) != 1 || a[0] != b[0] {
			t.Errorf("临空人才专项 → %d entities, 临空英才专项 → %d; want both to name the same one", len(a), len(b))
		}
	})
}

// Every name (name, nameEn, alias) belongs to one entity, so a lookup by
// name is never ambiguous.
func TestBuiltinNamesAreUnambiguous(t *testing.T) {
	d := mustBuiltin(t)
	owner := map[string]string{}
	for _, e := range d.Entities {
		for _, n := range e.Names() {
			n = tupu.NormalizeName(n)
			if other, ok := owner[n]; ok && other != e.Key {
				t.Errorf("name %q is used by %s and %s", n, other, e.Key)
			}
			owner[n] = e.Key
		}
	}
}

// ---------------------------------------------------------------- facts say what they hold

// Every fact with a period says how it was found, and one taken from the
// publication date is that date.
func TestBuiltinPeriodsSayHowTheyWereFound(t *testing.T) {
	d := mustBuiltin(t)
	published := map[string]string{}
	for _, doc := range d.Documents {
		published[doc.Key] = doc.PublishedAt
	}
	for _, f := range d.Facts {
		switch {
		case f.Period != "" && f.PeriodBasis == "":
			t.Errorf("fact %s %s %s: no periodBasis (stated, context or publication_date)", f.Entity, f.Property, f.Period)
		case f.PeriodBasis == tupu.PublicationDate && f.Period != published[f.Source.Document]:
			t.Errorf("fact %s %s %s: period taken from the publication date, which is %q", f.Entity, f.Property, f.Period, published[f.Source.Document])
		case f.PeriodBasis == tupu.Context && f.Note == "":
			t.Errorf("fact %s %s %s: period read from the context, and no note says from where", f.Entity, f.Property, f.Period)
		}
	}
}

// spanWords say that a figure sums over a span of time (2016年以来, “十三五”,
// 今年1-8月, 今年前8个月, 近两年来); pointWords that it is a level at one
// point in time (目前, 截至, 到2020年底, 如今, 现有, 达到, 已达).
var (
	spanWords  = regexp.MustCompile(`以来|十三五|\d+\s*[-—–]\s*\d+\s*月|前\d+个月|近[一二两三四五六七八九十\d]+年来`)
	pointWords = regexp.MustCompile(`目前|截至|截止|年底|年末|如今|现有|达到|已达`)
)

// sentence returns the sentence of text that holds quote: from the full
// stop before it to the one after.
func sentence(text, quote string) string {
	at := strings.Index(text, quote)
	if at < 0 {
		return quote
	}
	start, end := 0, len(text)
	if i := strings.LastIndexAny(text[:at], "。！？"); i >= 0 {
		start = i
	}
	if i := strings.IndexAny(text[at+len(quote):], "。！？"); i >= 0 {
		end = at + len(quote) + i
	}
	return text[start:end]
}

// A figure at one point in time (a count that exists, a level reached)
// has an instant period, a figure summed over a span an interval: a period
// stated as an interval is one the fact's sentence states as a span, and a
// fact whose sentence says a point in time and no span has an instant.
func TestBuiltinPointsInTimeAreInstants(t *testing.T) {
	d := mustBuiltin(t)
	texts := map[string]string{}
	for _, doc := range d.Documents {
		texts[doc.Key] = joined(doc.Text)
	}
	instants, intervals := 0, 0
	for _, f := range d.Facts {
		if f.Period == "" {
			continue
		}
		s := sentence(texts[f.Source.Document], f.Source.Quote)
		interval := strings.Contains(f.Period, "/")
		span, point := spanWords.FindString(s), pointWords.FindString(s)
		switch {
		case interval && f.PeriodBasis == tupu.Stated && span == "":
			t.Errorf("fact %s %s %s: an interval, and its sentence states no span (以来, 十三五, 1-8月 …): %s", f.Entity, f.Property, f.Period, s)
		case interval && span == "" && point != "":
			t.Errorf("fact %s %s %s: its sentence says a point in time (%s), and the period is an interval: %s", f.Entity, f.Property, f.Period, point, s)
		}
		if interval {
			intervals++
		} else {
			instants++
		}
	}
	t.Logf("%d facts with an instant period, %d with an interval", instants, intervals)
}

// running matches how long a text says a rank was held: 连续4年, 连续18个季度.
var running = regexp.MustCompile(`连续(\d+)个?(年|季度)`)

// A rank is a figure that holds the rank (全市第一 is 1 位), so ranks
// compare and sort like any figure; how long it was held is a fact of its
// own, in years or quarters.
func TestBuiltinRanksAreFigures(t *testing.T) {
	d := mustBuiltin(t)
	for _, f := range d.Facts {
		isRank := strings.HasSuffix(f.Property, "_rank")
		switch {
		case isRank && (f.Value == nil || f.Unit != "位" || *f.Value < 1 || *f.Value != math.Trunc(*f.Value)):
			t.Errorf("fact %s %s %s: a rank holds its place as a whole number in 位, not %v %q", f.Entity, f.Property, f.Period, f.Value, f.Unit)
		case !isRank && f.Unit == "位":
			t.Errorf("fact %s %s %s: a figure in 位 is a rank; name its property …_rank", f.Entity, f.Property, f.Period)
		}
		if strings.HasSuffix(f.Property, "_from") || strings.HasSuffix(f.Property, "_to") {
			t.Errorf("fact %s %s: a property names what its value is; the two ends of a change are one property at two periods", f.Entity, f.Property)
		}
		if !isRank {
			continue
		}
		for _, m := range running.FindAllStringSubmatch(f.Source.Quote, -1) {
			n, _ := strconv.ParseFloat(m[1], 64)
			unit := m[2]
			held := slices.ContainsFunc(d.Facts, func(g tupu.Fact) bool {
				return g.Entity == f.Entity && g.Source == f.Source && g.Value != nil && *g.Value == n && g.Unit == unit
			})
			if !held {
				t.Errorf("fact %s %s: the quote says the rank was held %s; no fact of %s holds %v %s from the same quote", f.Entity, f.Property, m[0], f.Entity, n, unit)
			}
		}
	}
}

// ---------------------------------------------------------------- names

// Every English name says in its entity's note where it comes from (the
// organisation's own, with where it was found, or a translation because
// none was found), and aliases are other names, not repeats of the name or
// the English name.
func TestBuiltinEnglishNamesSayWhereTheyComeFrom(t *testing.T) {
	d := mustBuiltin(t)
	for _, e := range d.Entities {
		if e.NameEn != "" && !strings.Contains(e.Note, "English name:") {
			t.Errorf("entity %s: nameEn %q, and the note does not say where it comes from (English name: …)", e.Key, e.NameEn)
		}
		for _, a := range e.Aliases {
			if tupu.NormalizeName(a) == tupu.NormalizeName(e.Name) || tupu.NormalizeName(a) == tupu.NormalizeName(e.NameEn) {
				t.Errorf("entity %s: alias %q repeats its name or English name", e.Key, a)
			}
		}
	}
}

// composedNames are the entities whose name the article writes only as
// part of a list, so that their quote holds the list, not the name; each
// one's note says how the name was composed.
var composedNames = map[string]string{
	"line-9-phase-2":         "9号线一期二期",
	"panxi-river-project":    "盘溪河、肖家河、溉澜溪3个“清水绿岸”治理提升工程",
	"xiaojia-river-project":  "盘溪河、肖家河、溉澜溪3个“清水绿岸”治理提升工程",
	"gailanxi-river-project": "盘溪河、肖家河、溉澜溪3个“清水绿岸”治理提升工程",
}

// An entity's quote names it by one of its names; the few whose names the
// article only composes are listed above.
func TestBuiltinEntityQuotesNameThem(t *testing.T) {
	d := mustBuiltin(t)
	for _, e := range d.Entities {
		named := slices.ContainsFunc(e.Names(), func(n string) bool {
			return strings.Contains(strings.ToLower(e.Source.Quote), strings.ToLower(n))
		})
		list, composed := composedNames[e.Key]
		switch {
		case !named && !composed:
			t.Errorf("entity %s: quote %q names it by none of %q", e.Key, e.Source.Quote, e.Names())
		case composed && (named || !strings.Contains(e.Source.Quote, list)):
			t.Errorf("entity %s: listed in composedNames, but its quote %q names it or holds no list %q", e.Key, e.Source.Quote, list)
		}
	}
}

// ---------------------------------------------------------------- relations

// Every entity is related to what the text relates it to: one with no
// relation at all says why in its note ("No relation: …").
func TestBuiltinEntitiesAreRelated(t *testing.T) {
	d := mustBuiltin(t)
	related := map[string]bool{}
	for _, r := range d.Relations {
		related[r.Subject], related[r.Object] = true, true
	}
	for _, e := range d.Entities {
		if !related[e.Key] && !strings.Contains(e.Note, "No relation:") {
			t.Errorf("entity %s (%s) has no relation, and its note does not say why (No relation: …)", e.Key, e.Name)
		}
	}
}

// ---------------------------------------------------------------- printers' errors

// printersErrors are the misprints of the article, as printed (lines
// joined) and as meant. A quote keeps the printed words; a statement whose
// quote holds one says so in its note, with what was meant.
var printersErrors = []struct{ printed, meant string }{
	{"城镇群群中的云阳县", "城镇群中的云阳县"},        // 群 doubled
	{"建设40个绿色完整社区建设", "建设40个绿色完整社区"}, // 建设 doubled
	{"排名位连续4年居", "排名连续4年位居"},         // 位 misplaced
	{"给与资助", "给予资助"},                 // 与 for 予
	{"等等15项重点任务", "等15项重点任务"},        // 等 doubled, most likely
	{"“飞地建园”。探索采用", "“飞地建园”，探索采用"},   // a full stop inside a list
}

func TestBuiltinPrintersErrorsAreNoted(t *testing.T) {
	d := mustBuiltin(t)
	texts := map[string]string{}
	for _, doc := range d.Documents {
		texts[doc.Key] = joined(doc.Text)
	}
	check := func(what string, quote *tupu.Source, note string) {
		t.Helper()
		for _, e := range printersErrors {
			if quote == nil || !strings.Contains(quote.Quote, e.printed) {
				continue
			}
			if !strings.Contains(note, "Printer's error") || !strings.Contains(strings.Join(strings.Fields(note), ""), "meantis"+e.meant) {
				t.Errorf("%s: the quote holds the misprint %s, and the note does not say \"Printer's error\" and \"meant is %s\"", what, e.printed, e.meant)
			}
		}
	}
	for _, e := range printersErrors {
		if !strings.Contains(texts["yubei-2021"], e.printed) {
			t.Errorf("printersErrors: %q is not in the article", e.printed)
		}
	}
	for _, e := range d.Entities {
		check("entity "+e.Key, e.Source, e.Note)
	}
	for _, r := range d.Relations {
		check(fmt.Sprintf("relation %s %s %s", r.Subject, r.Predicate, r.Object), r.Source, r.Note)
	}
	for _, f := range d.Facts {
		check(fmt.Sprintf("fact %s %s %s", f.Entity, f.Property, f.Period), &f.Source, f.Note)
	}
}

// ---------------------------------------------------------------- figure coverage

// number matches a figure written in digits: integers, decimals and ranges
// such as 1-8. Go's \d is ASCII only; the article has no full-width digits.
var number = regexp.MustCompile(`\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?`)

// notFigures are numbers in the article that no fact needs to cover. Each
// entry is a piece of the article (lines joined) with the number in
// brackets; every occurrence of the piece is exempt. A piece that is no
// longer in the article fails the test, so the list cannot go stale.
var notFigures = []struct{ at, why string }{
	// Line names, part of the lines' entity names (9号线一期二期 etc.).
	{"域内的[9]号线一期二期", "the name of rail line 9"},
	{"[5]号线北延伸段", "the name of rail line 5"},
	{"[4]号线西延伸段", "the name of rail line 4"},
	// Product and policy names.
	{"“[3]D技术端试衣系统”", "part of a product's name"},
	{"“创新[52]条”", "a policy's name, not a count the article reports"},
	{"“创新[10]条”", "a policy's name, not a count the article reports"},
	// A date: the period of a fact whose quote starts after it.
	{"今年前[8]个月", "the period 2021-01/2021-08 of the 1800万元 sales fact (yunyang_products_sales_helped)"},
	// A figure stated twice: one fact, whose note cites the other wording.
	{"渝北经济总量突破[2000]亿元大关", "restates 第一个突破2000亿元的区县 (fact gdp_past_200_billion_yuan_rank, 2020)"},
}

type span struct{ start, end int }

func (s span) contains(o span) bool { return s.start <= o.start && o.end <= s.end }

// occurrences returns every place sub occurs in text, overlapping ones too.
func occurrences(text, sub string) []span {
	var out []span
	for from := 0; sub != ""; {
		i := strings.Index(text[from:], sub)
		if i < 0 {
			break
		}
		out = append(out, span{from + i, from + i + len(sub)})
		from += i + 1
	}
	return out
}

// cutsNumber reports whether q starts or ends inside one of the numbers.
func cutsNumber(q span, numbers []span) bool {
	for _, n := range numbers {
		overlaps := n.start < q.end && q.start < n.end
		if overlaps && !q.contains(n) {
			return true
		}
	}
	return false
}

// Every number written in digits in the article is a figure some fact
// states, quoting it, unless notFigures exempts it.
func TestBuiltinFiguresAreCovered(t *testing.T) {
	d := mustBuiltin(t)
	for _, doc := range d.Documents {
		text := joined(doc.Text)
		if strings.ContainsAny(text, "０１２３４５６７８９") {
			t.Errorf("document %q has full-width digits, which the number pattern does not see", doc.Key)
		}
		var numbers []span
		for _, m := range number.FindAllStringIndex(text, -1) {
			numbers = append(numbers, span{m[0], m[1]})
		}
		if len(numbers) == 0 {
			continue
		}

		// Where fact quotes stand in the text. An occurrence that starts or
		// ends inside a number (118 quoted as 18) covers nothing.
		var quoted []span
		for _, f := range d.Facts {
			if f.Source.Document != doc.Key {
				continue
			}
			clean := 0
			for _, q := range occurrences(text, f.Source.Quote) {
				if !cutsNumber(q, numbers) {
					quoted = append(quoted, q)
					clean++
				}
			}
			if clean == 0 {
				t.Errorf("fact %s %s %s: quote %q only occurs cutting a number in two", f.Entity, f.Property, f.Period, f.Source.Quote)
			}
		}

		exempt := map[span]string{}
		for _, e := range notFigures {
			open, close := strings.Index(e.at, "["), strings.Index(e.at, "]")
			piece := e.at[:open] + e.at[open+1:close] + e.at[close+1:]
			places := occurrences(text, piece)
			if len(places) == 0 {
				t.Errorf("notFigures: %q is not in document %q", piece, doc.Key)
			}
			for _, p := range places {
				exempt[span{p.start + open, p.start + close - 1}] = e.why
			}
		}

		covered := func(n span) bool {
			return slices.ContainsFunc(quoted, func(q span) bool { return q.contains(n) })
		}
		for _, n := range numbers {
			_, isExempt := exempt[n]
			switch {
			case covered(n) && isExempt:
				t.Logf("notFigures: %s at %q is covered by a fact now; its exemption can go", text[n.start:n.end], context(text, n))
			case !covered(n) && !isExempt:
				t.Errorf("document %q: figure %s in %q is quoted by no fact", doc.Key, text[n.start:n.end], context(text, n))
			}
		}
		for s := range exempt {
			if !slices.Contains(numbers, s) {
				t.Errorf("notFigures: the bracketed %q is not a whole number of the text", text[s.start:s.end])
			}
		}
	}
}

// context returns the text around n, for messages.
func context(text string, n span) string {
	r := []rune(text)
	start := len([]rune(text[:n.start]))
	end := len([]rune(text[:n.end]))
	return string(r[max(0, start-12):min(len(r), end+8)])
}

// ---------------------------------------------------------------- broken files are refused

// fixture returns the files of testdata/minimal, which load.
func fixture(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	for _, name := range []string{"mini.yaml", "mini.txt"} {
		raw, err := os.ReadFile("testdata/minimal/" + name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(raw)
	}
	return files
}

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, content := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(content)}
	}
	return fsys
}

// replace replaces old, which must occur exactly once, in files[name], so
// that a change to the fixture cannot leave a case testing nothing.
func replace(t *testing.T, files map[string]string, name, old, new string) {
	t.Helper()
	if n := strings.Count(files[name], old); n != 1 {
		t.Fatalf("fixture %s holds %q %d times, want once", name, old, n)
	}
	files[name] = strings.Replace(files[name], old, new, 1)
}

func TestFixtureLoads(t *testing.T) {
	for name, fsys := range map[string]fs.FS{"dir": os.DirFS("testdata/minimal"), "map": mapFS(fixture(t))} {
		d, err := seed.Load(fsys)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := seed.Describe(d); got != "1 documents, 3 entities, 2 relations, 2 facts" {
			t.Errorf("%s: %s", name, got)
		}
	}
}

func TestLoadRefusesBrokenFiles(t *testing.T) {
	cases := []struct {
		name string
		edit func(t *testing.T, files map[string]string)
		// want are pieces of the message: the file or document, the entry
		// and what is wrong with it.
		want []string
		// validated is set for problems found by Dataset.Validate, whose
		// messages name the entry but not the file (see the test's end).
		validated bool
	}{
		{
			name: "quote not in document",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "quote: 2020年，测试区地区生产总值实现了123.4亿元", "quote: 2020年，测试区地区生产总值实现了123.5亿元")
			},
			want:      []string{"facts[0] test-district gdp 2020", `source.quote: "2020年，测试区地区生产总值实现了123.5亿元" is not in document "mini"`},
			validated: true,
		},
		{
			name: "quote keeps the line break",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "quote: 2020年，测试区地区生产总值实现了123.4亿元", `quote: "2020年，测试区地区生产总值实现了12\n3.4亿元"`)
			},
			want:      []string{"facts[0] test-district gdp 2020", `source.quote: character 21 is the control character U+000A`},
			validated: true,
		},
		{
			name: "relation to a missing entity",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "object: demo-county", "object: ghost-county")
			},
			want:      []string{"relations[0] test-district paired_with ghost-county", `object: no entity has key "ghost-county"`},
			validated: true,
		},
		{
			name: "fact about a missing entity",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "entity: demo-park", "entity: ghost-park")
			},
			want:      []string{"facts[1] ghost-park companies 2021", `entity: no entity has key "ghost-park"`},
			validated: true,
		},
		{
			name: "repeated entity key",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "\nrelations:\n", "  - key: demo-county\n    kind: COUNTY\n    name: 另一县\n    quote: 示范县\n\nrelations:\n")
			},
			want:      []string{`entities[3] "demo-county"`, "key: repeats"},
			validated: true,
		},
		{
			name: "repeated relation",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "\nfacts:\n", "  - subject: demo-park\n    predicate: located_in\n    object: test-district\n    quote: 示范园位于测试区\n\nfacts:\n")
			},
			want:      []string{"relations[2] demo-park located_in test-district", "relation: repeats"},
			validated: true,
		},
		{
			name: "repeated fact",
			edit: func(t *testing.T, f map[string]string) {
				f["mini.yaml"] += "  - entity: test-district\n    property: gdp\n    value: 123.4\n    period: \"2020\"\n    quote: 123.4亿元\n"
			},
			want:      []string{"facts[2] test-district gdp 2020", "fact: repeats (same entity, property and period)"},
			validated: true,
		},
		{
			name: "unknown kind",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "kind: PARK", "kind: Park")
			},
			want:      []string{`entities[2] "demo-park"`, `kind: "Park" is unknown`},
			validated: true,
		},
		{
			name: "unknown predicate",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "predicate: located_in", "predicate: located_at")
			},
			want:      []string{"relations[1] demo-park located_at test-district", `predicate: "located_at" is unknown`},
			validated: true,
		},
		{
			name: "unknown qualifier",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "qualifier: more_than", "qualifier: 余")
			},
			want:      []string{"facts[1] demo-park companies 2021", `qualifier: "余" is not one of`},
			validated: true,
		},
		{
			name: "fact with neither value nor text",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "    value: 30\n", "")
			},
			want:      []string{"facts[1] demo-park companies 2021", "value: a fact needs a value or a text"},
			validated: true,
		},
		{
			name: "bad period",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", `period: "2020"`, "period: 2020年")
			},
			want:      []string{"facts[0] test-district gdp 2020年", `period: "2020年" is not an ISO 8601 date or interval`},
			validated: true,
		},
		{
			name: "bad key",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "\nrelations:\n", "  - key: Demo_Village\n    kind: PLACE\n    name: 示范村\n    quote: 示范县\n\nrelations:\n")
			},
			want:      []string{`entities[3] "Demo_Village"`, `key: "Demo_Village" is not a key`},
			validated: true,
		},
		{
			name: "unknown field",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "label: 入驻企业", "lable: 入驻企业")
			},
			want: []string{"mini.yaml", `unknown field "lable"`},
		},
		{
			name: "repeated field",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "    label: 入驻企业\n", "    label: 入驻企业\n    label: 企业\n")
			},
			want: []string{"mini.yaml", `"label"`},
		},
		{
			name: "value that is not a number",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "value: 30", "value: 30余")
			},
			want: []string{"mini.yaml", "30余"},
		},
		{
			name: "malformed YAML",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "aliases: [测试]", "aliases: [测试")
			},
			want: []string{"mini.yaml", "[测试"},
		},
		{
			name: "file named for another document",
			edit: func(t *testing.T, f map[string]string) {
				f["other.yaml"], f["other.txt"] = f["mini.yaml"], f["mini.txt"]
				delete(f, "mini.yaml")
				delete(f, "mini.txt")
			},
			want: []string{"other.yaml", `expected mini.yaml for document "mini"`},
		},
		{
			name: "document without key",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "  key: mini\n", "")
			},
			want: []string{"mini.yaml", "document.key is missing"},
		},
		{
			name: "missing text",
			edit: func(t *testing.T, f map[string]string) {
				delete(f, "mini.txt")
			},
			want: []string{"mini.yaml", "mini.txt"},
		},
		{
			name: "no YAML files",
			edit: func(t *testing.T, f map[string]string) {
				delete(f, "mini.yaml")
			},
			want: []string{"no *.yaml files"},
		},
		{
			name: "impossible month",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", `period: "2020"`, `period: "2020-13"`)
			},
			want:      []string{"facts[0] test-district gdp 2020-13", "not an ISO 8601 date"},
			validated: true,
		},
		{
			name: "interval ending before it starts",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", `period: "2020"`, `period: "2021/2020"`)
			},
			want:      []string{"facts[0] test-district gdp 2021/2020", "ends before it starts"},
			validated: true,
		},
		{
			name: "infinite value",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "value: 123.4", "value: .inf")
			},
			want:      []string{"facts[0] test-district gdp 2020", "not a finite number"},
			validated: true,
		},
		{
			name: "value past a finite number in its base unit",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "value: 123.4", "value: 1.7e308")
			},
			want:      []string{"facts[0] test-district gdp 2020", "value: 1.7e+308 亿元 is more than a finite number of yuan"},
			validated: true,
		},
		{
			name: "invisible character in a name",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "name: 示范园", "name: \"示范\\u200b园\"")
			},
			want:      []string{`entities[2] "demo-park"`, "name: character 3 is U+200B ZERO WIDTH SPACE"},
			validated: true,
		},
		{
			name: "a quote that points at no one place",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "quote: 已入驻企业30余家", "quote: 测试")
			},
			want:      []string{"facts[1] demo-park companies 2021", `source.quote: "测试" occurs more than once`},
			validated: true,
		},
		{
			name: "empty alias",
			edit: func(t *testing.T, f map[string]string) {
				replace(t, f, "mini.yaml", "aliases: [测试]", `aliases: [测试, ""]`)
			},
			want:      []string{`entities[0] "test-district"`, "aliases[1]: empty"},
			validated: true,
		},
		{
			name: "second YAML document",
			edit: func(t *testing.T, f map[string]string) {
				f["mini.yaml"] += "\n---\nentities: []\n"
			},
			want: []string{"mini.yaml", "more than one YAML document"},
		},
		{
			name: "problem in a second file",
			edit: func(t *testing.T, f map[string]string) {
				f["nb.txt"] = "另一篇文章。\n"
				f["nb.yaml"] = "document: {key: nb, title: 另一篇}\n" +
					"entities:\n  - {key: other-place, kind: PLACE, name: 别处, quote: 不在文中}\n"
			},
			want:      []string{`nb.yaml: entities[0] "other-place"`, "is not in document"},
			validated: true,
		},
		{
			name: "a .yml file",
			edit: func(t *testing.T, f map[string]string) {
				f["other.yml"] = "document: {key: other}\n"
			},
			want: []string{"other.yml", "*.yaml"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := fixture(t)
			c.edit(t, files)
			d, err := seed.Load(mapFS(files))
			if err == nil {
				t.Fatalf("loaded %s, want an error", seed.Describe(d))
			}
			if d != nil {
				t.Errorf("returned a data set with the error")
			}
			if code := tupu.ErrorCode(err); code != tupu.BadUserInput {
				t.Errorf("code %s, want %s: %v", code, tupu.BadUserInput, err)
			}
			msg := tupu.ErrorMessage(err)
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message does not say %q:\n%s", w, msg)
				}
			}
			// Every message names the file at fault.
			names := slices.Sorted(maps.Keys(files))
			yamls := slices.DeleteFunc(names, func(n string) bool { return !strings.HasSuffix(n, ".yaml") && !strings.HasSuffix(n, ".yml") })
			if len(yamls) > 0 && !slices.ContainsFunc(yamls, func(n string) bool { return strings.Contains(msg, n) }) {
				t.Errorf("message names none of the files %v:\n%s", yamls, msg)
			}
			if c.validated && !strings.Contains(msg, ".yaml: ") {
				t.Errorf("a problem Validate finds does not name its file:\n%s", msg)
			}
		})
	}
}
