// Package synth generates synthetic knowledge graphs of any size with the
// shape of the curated seed: districts with a handful of parks, parks
// hosting 10–20 companies, companies building 0–4 joint labs with 1–3
// partners each (companies, universities, multinationals), talent
// programs a district runs or draws on, with their level, and paired
// counties. Names are Chinese, drawn from syllable tables, with English
// names and aliases; every relation and fact cites a sentence of a
// synthetic report per district, and the report is built from those
// sentences, so every quote is in its document.
//
// The same options give the same graph, byte for byte. Keys read like
// district-17, park-17-3, company-17-3-12, lab-17-3-12-2.
package synth

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"tupu"
)

// Options say what to generate.
type Options struct {
	// Entities is about how many entities the graph gets: generation
	// stops at the end of the first district that reaches it, so the
	// graph holds Entities plus less than one district (about 170).
	Entities int
	// Seed chooses the graph; the same seed gives the same graph.
	Seed uint64
}

// Shape of the graph: ranges are inclusive.
const (
	parksMin, parksMax         = 3, 7   // per district
	companiesMin, companiesMax = 10, 20 // per park
	universitiesMin            = 1      // per district
	universitiesMax            = 3
	districtsPerCity           = 20
	recentPool                 = 256 // companies and universities of earlier districts a lab may partner with
)

// labsPerCompany is the distribution of a company's labs: 0 to 4.
var labsPerCompany = []int{45, 25, 15, 10, 5} // percent

// partnersPerLab is the distribution of a lab's partners: 1 to 3.
var partnersPerLab = []int{50, 35, 15} // percent

// GlobalDocument is the key of the document that introduces the
// multinational partners.
const GlobalDocument = "synthetic-partners"

// rng is the generator's source of randomness.
type rng struct{ r *rand.Rand }

func newRNG(seed, stream uint64) *rng { return &rng{rand.New(rand.NewPCG(seed, stream))} }

func (r *rng) u64() uint64            { return r.r.Uint64() }
func (r *rng) intn(n int) int         { return r.r.IntN(n) }
func (r *rng) between(lo, hi int) int { return lo + r.r.IntN(hi-lo+1) }
func (r *rng) chance(pct int) bool    { return r.r.IntN(100) < pct }

// pick returns an index drawn from a distribution in percent.
func (r *rng) pick(dist []int) int {
	v := r.r.IntN(100)
	for i, p := range dist {
		if v < p {
			return i
		}
		v -= p
	}
	return len(dist) - 1
}

// tenths returns a value with one decimal between lo and hi.
func (r *rng) tenths(lo, hi int) float64 {
	return float64(r.between(lo*10, hi*10)) / 10
}

// ref is an entity a later one may point at.
type ref struct{ key, name, nameEn string }

// generator holds what generation carries from one district to the next.
type generator struct {
	opts  Options
	r     *rng
	total int // entities so far

	district, park, company, university, county, city namer
	parks, companies, universities, counties          int // how many names each namer gave

	multinationals []ref
	recentComp     []ref // ring of companies of earlier districts
	recentUniv     []ref // ring of universities of earlier districts
	nComp, nUniv   int   // how many were pushed into the rings
	cityRef        ref
	cityProgram    ref
	lastCounty     *ref
}

// Generate produces the graph one chunk at a time: a first chunk with the
// multinational partners and their document, then one per district with
// its report. Each chunk is a valid dataset once the chunks before it are
// loaded: its relations point at its own entities or earlier ones. It
// stops at the first error emit returns.
func Generate(opts Options, emit func(*tupu.Dataset) error) error {
	if opts.Entities <= 0 {
		return errors.New("synth: the number of entities must be positive")
	}
	g := &generator{opts: opts, r: newRNG(opts.Seed, 0x7475707573796e74)}
	n := opts.Entities
	g.district = newNamer(n/100+1, 2, g.r)
	g.park = newNamer(n/10+1, 2, g.r)
	g.company = newNamer(n*6/10+1, 2, g.r)
	g.university = newNamer(n/50+1, 2, g.r)
	g.county = newNamer(n/100+1, 2, g.r)
	g.city = newNamer(n/(100*districtsPerCity)+1, 2, g.r)

	if err := emit(g.globalChunk()); err != nil {
		return err
	}
	for d := 1; g.total < n; d++ {
		if err := emit(g.districtChunk(d)); err != nil {
			return err
		}
	}
	return nil
}

// chunk builds one dataset and the document its statements cite.
type chunk struct {
	d         tupu.Dataset
	doc       string
	sentences []string
}

func newChunk(doc string) *chunk { return &chunk{doc: doc} }

// say adds a sentence to the document and returns it as a source.
func (c *chunk) say(format string, args ...any) *tupu.Source {
	s := fmt.Sprintf(format, args...)
	c.sentences = append(c.sentences, s)
	return &tupu.Source{Document: c.doc, Quote: s}
}

func (c *chunk) entity(e tupu.Entity) ref {
	e.Version = 1
	c.d.Entities = append(c.d.Entities, e)
	return ref{e.Key, e.Name, e.NameEn}
}

func (c *chunk) relate(subject string, p tupu.Predicate, object string, src *tupu.Source) {
	c.d.Relations = append(c.d.Relations, tupu.Relation{Subject: subject, Predicate: p, Object: object, Source: src})
}

func (c *chunk) fact(f tupu.Fact, src *tupu.Source) {
	f.Source = *src
	c.d.Facts = append(c.d.Facts, f)
}

// finish writes the document from the sentences: a paragraph every six.
func (c *chunk) finish(title string) *tupu.Dataset {
	var b strings.Builder
	for i, s := range c.sentences {
		if i > 0 && i%6 == 0 {
			b.WriteString("\n")
		}
		b.WriteString(s)
		b.WriteString("。")
	}
	c.d.Documents = append(c.d.Documents, tupu.Document{
		Key: c.doc, Title: title, PublishedAt: "2021", Language: "zh",
		Note: "Synthetic: generated by tupu generate for load tests; every statement is made up.",
		Text: b.String(),
	})
	return &c.d
}

func value(v float64) *float64 { return &v }

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// globalChunk introduces the multinational companies labs partner with.
func (g *generator) globalChunk() *tupu.Dataset {
	c := newChunk(GlobalDocument)
	m := min(max(g.opts.Entities/5000, 10), len(foreignPrefixes)*len(foreignSuffixes))
	space := len(foreignPrefixes) * len(foreignSuffixes)
	step := 7 // coprime with 300
	for i := range m {
		v := (i*step + 11) % space
		p, s := foreignPrefixes[v/len(foreignSuffixes)], foreignSuffixes[v%len(foreignSuffixes)]
		country := countries[g.r.intn(len(countries))]
		en := p.en + s.en
		name := country.han + p.han + s.han + "公司"
		src := c.say("%s（%s）是一家跨国科技企业", name, en)
		g.multinationals = append(g.multinationals, c.entity(tupu.Entity{
			Key: "partner-" + strconv.Itoa(i+1), Kind: tupu.KindCompany,
			Name: name, NameEn: en + " Inc.", Aliases: []string{en, p.han + s.han},
			Description: "A multinational technology company from " + country.en + " that partners with joint labs.",
			Source:      src,
		}))
	}
	g.total += m
	return c.finish("跨国合作伙伴名录")
}

// districtChunk generates district d (1-based) with everything in it.
func (g *generator) districtChunk(d int) *tupu.Dataset {
	r := g.r
	ds := strconv.Itoa(d)
	c := newChunk("report-" + ds)
	before := g.total
	defer func() { g.total = before + len(c.d.Entities) }()

	// A city every districtsPerCity districts, with its municipal talent program.
	if (d-1)%districtsPerCity == 0 {
		ci := (d-1)/districtsPerCity + 1
		short, py := g.city.name(ci - 1)
		cs := strconv.Itoa(ci)
		g.cityRef = c.entity(tupu.Entity{
			Key: "city-" + cs, Kind: tupu.KindCity, Name: short + "市", NameEn: py,
			Aliases: []string{short}, Description: "A municipality whose districts coordinate their development.",
			Source: c.say("%s市统筹推进下辖各区协调发展", short),
		})
		src := c.say("“%s英才计划”是%s设立的市级人才引进计划", short, g.cityRef.name)
		g.cityProgram = c.entity(tupu.Entity{
			Key: "program-city-" + cs, Kind: tupu.KindTalentProgram, Name: short + "英才计划",
			NameEn: py + " Talent Plan", Description: "A municipal talent recruitment plan of " + py + ".",
			Source: src,
		})
		c.relate(g.cityRef.key, tupu.PredRuns, g.cityProgram.key, src)
		c.fact(tupu.Fact{Entity: g.cityProgram.key, Property: "level", Label: "级别", Text: "市级", Period: "2021"}, src)
	}

	// The district.
	short, dpy := g.district.name(d - 1)
	dname := short + "区"
	src := c.say("%s是%s下辖的区，简称“%s”", dname, g.cityRef.name, short)
	dist := c.entity(tupu.Entity{
		Key: "district-" + ds, Kind: tupu.KindDistrict, Name: dname, NameEn: dpy + " District",
		Aliases: []string{short}, Description: "A district of " + g.cityRef.nameEn + ".", Source: src,
	})
	c.relate(dist.key, tupu.PredPartOf, g.cityRef.key, src)
	gdp, growth := r.tenths(300, 2500), r.tenths(1, 15)
	src = c.say("2020年，%s地区生产总值实现了%s亿元，同比增长%s%%", dname, num(gdp), num(growth))
	c.fact(tupu.Fact{Entity: dist.key, Property: "gdp", Label: "地区生产总值", Value: value(gdp), Unit: "亿元", Period: "2020"}, src)
	c.fact(tupu.Fact{Entity: dist.key, Property: "gdp_growth", Label: "地区生产总值同比增长", Value: value(growth), Unit: "%", Period: "2020"}, src)

	// Talent programs: the city's, and one or two of the district's own.
	owned := r.between(1, 2)
	types := r.r.Perm(len(talentPrograms))[:owned]
	var programs []ref
	for i, t := range types {
		programs = append(programs, ref{key: "program-" + ds + "-" + strconv.Itoa(i+1),
			name: short + talentPrograms[t].han, nameEn: dpy + " " + talentPrograms[t].en})
	}
	src = c.say("%s依托“%s”“%s”等市级、区级人才引进计划", dname, g.cityProgram.name, programs[0].name)
	c.relate(dist.key, tupu.PredDrawsOn, g.cityProgram.key, src)
	for i, p := range programs {
		if i > 0 {
			src = c.say("%s在科技计划项目中设立区级“%s”", dname, p.name)
		}
		c.entity(tupu.Entity{Key: p.key, Kind: tupu.KindTalentProgram, Name: p.name, NameEn: p.nameEn,
			Description: "A district-level talent program of " + dpy + " District.", Source: src})
		c.relate(dist.key, tupu.PredRuns, p.key, src)
		c.fact(tupu.Fact{Entity: p.key, Property: "level", Label: "级别", Text: "区级", Period: "2021"}, src)
	}

	// The paired county: a new one, or the previous district's.
	if g.lastCounty == nil || r.chance(60) {
		g.counties++
		cshort, cpy := g.county.name(g.counties - 1)
		src = c.say("%s与%s县是协同发展的对口区县", dname, cshort)
		county := c.entity(tupu.Entity{Key: "county-" + strconv.Itoa(g.counties), Kind: tupu.KindCounty,
			Name: cshort + "县", NameEn: cpy + " County", Aliases: []string{cshort},
			Description: "A county paired with " + dpy + " District for coordinated development.", Source: src})
		g.lastCounty = &county
	} else {
		src = c.say("%s与%s是协同发展的对口区县", dname, g.lastCounty.name)
	}
	c.relate(dist.key, tupu.PredPairedWith, g.lastCounty.key, src)
	aid := float64(r.between(3, 30))
	src = c.say("%s在%s援建项目%s个", dname, g.lastCounty.name, num(aid))
	c.fact(tupu.Fact{Entity: dist.key, Property: "aid_projects", Label: "援建项目", Value: value(aid), Unit: "个", Period: "2021"}, src)

	// Universities.
	var univs []ref
	nUniv := r.between(universitiesMin, universitiesMax)
	for u := 1; u <= nUniv; u++ {
		g.universities++
		brand, py := g.university.name(g.universities - 1)
		t := universityTypes[r.intn(len(universityTypes))]
		name := brand + t.han
		src := c.say("%s（简称“%s%s”）坐落于%s", name, brand, t.short, dname)
		univ := c.entity(tupu.Entity{Key: "university-" + ds + "-" + strconv.Itoa(u), Kind: tupu.KindUniversity,
			Name: name, NameEn: py + " " + t.en, Aliases: []string{brand + t.short},
			Description: "A university in " + dpy + " District.", Source: src})
		c.relate(univ.key, tupu.PredLocatedIn, dist.key, src)
		univs = append(univs, univ)
	}

	// Parks, their companies, the companies' labs.
	nParks := r.between(parksMin, parksMax)
	parks := make([]ref, nParks)
	for p := range nParks {
		g.parks++
		brand, py := g.park.name(g.parks - 1)
		t := parkTypes[r.intn(len(parkTypes))]
		area := float64(r.between(20, 600) * 10)
		src := c.say("%s%s%s位于%s，规划面积%s亩", short, brand, t.han, dname, num(area))
		parks[p] = c.entity(tupu.Entity{Key: "park-" + ds + "-" + strconv.Itoa(p+1), Kind: tupu.KindPark,
			Name: short + brand + t.han, NameEn: dpy + " " + py + " " + t.en, Aliases: []string{brand + t.han},
			Description: "An industrial park in " + dpy + " District.", Source: src})
		c.relate(parks[p].key, tupu.PredLocatedIn, dist.key, src)
		c.fact(tupu.Fact{Entity: parks[p].key, Property: "planned_area", Label: "规划面积", Value: value(area), Unit: "亩", Period: "2021"}, src)
	}
	var local []ref // this district's companies so far
	for p, park := range parks {
		nComp := r.between(companiesMin, companiesMax)
		for ci := 1; ci <= nComp; ci++ {
			g.companies++
			brand, py := g.company.name(g.companies - 1)
			ind := industries[r.intn(len(industries))]
			name := brand + ind.han + "有限公司"
			key := park.key[len("park-"):]
			key = "company-" + key + "-" + strconv.Itoa(ci)
			var src *tupu.Source
			var output float64
			if r.chance(70) {
				output = r.tenths(1, 200)
				src = c.say("位于%s的%s入驻%s，2020年实现产值%s亿元", dname, name, park.name, num(output))
			} else {
				src = c.say("位于%s的%s入驻%s", dname, name, park.name)
			}
			comp := c.entity(tupu.Entity{Key: key, Kind: tupu.KindCompany, Name: name,
				NameEn: py + " " + ind.en + " Co., Ltd.", Aliases: []string{brand + ind.han, py},
				Description: "A " + strings.ToLower(ind.en) + " company in " + park.nameEn + ".", Source: src})
			c.relate(comp.key, tupu.PredLocatedIn, dist.key, src)
			c.relate(park.key, tupu.PredHosts, comp.key, src)
			if output > 0 {
				c.fact(tupu.Fact{Entity: comp.key, Property: "output_value", Label: "产值", Value: value(output), Unit: "亿元", Period: "2020"}, src)
			}
			if nParks > 1 && r.chance(25) {
				other := parks[(p+1+r.intn(nParks-1))%nParks]
				src := c.say("%s%s还在%s设立了研发中心", brand, ind.han, other.name)
				c.relate(other.key, tupu.PredHosts, comp.key, src)
			}

			// Labs: distinct topics, 1–3 distinct partners each.
			nLabs := r.pick(labsPerCompany)
			topics := r.r.Perm(len(labTopics))[:nLabs]
			for l, t := range topics {
				topic := labTopics[t]
				partners := g.partners(r.pick(partnersPerLab)+1, comp, local, univs)
				names := make([]string, len(partners))
				for i, pr := range partners {
					names[i] = pr.name
				}
				labName := brand + topic.han + "联合实验室"
				src := c.say("%s与%s共建“%s”，落户%s", name, strings.Join(names, "、"), labName, park.name)
				lab := c.entity(tupu.Entity{Key: "lab-" + key[len("company-"):] + "-" + strconv.Itoa(l+1), Kind: tupu.KindLab,
					Name: labName, NameEn: py + " " + topic.en + " Joint Lab",
					Description: "A joint lab of " + comp.nameEn + ".", Source: src})
				c.relate(comp.key, tupu.PredBuilt, lab.key, src)
				c.relate(park.key, tupu.PredHosts, lab.key, src)
				for _, pr := range partners {
					c.relate(pr.key, tupu.PredPartnerOf, lab.key, src)
				}
			}
			local = append(local, comp)
		}
		src := c.say("目前，%s已集聚企业%d家", park.name, nComp)
		c.fact(tupu.Fact{Entity: park.key, Property: "company_count", Label: "集聚企业", Value: value(float64(nComp)), Unit: "家", Period: "2021"}, src)
	}

	// Later districts' labs may partner with this one's.
	for _, comp := range local {
		g.pushRecent(&g.recentComp, &g.nComp, comp)
	}
	for _, u := range univs {
		g.pushRecent(&g.recentUniv, &g.nUniv, u)
	}
	return c.finish(dname + "高质量发展综述")
}

func (g *generator) pushRecent(ring *[]ref, n *int, e ref) {
	if len(*ring) < recentPool {
		*ring = append(*ring, e)
	} else {
		(*ring)[*n%recentPool] = e
	}
	*n++
}

// partners picks n distinct partners for a lab the builder built: local
// universities and companies, those of earlier districts, multinationals.
func (g *generator) partners(n int, builder ref, local, univs []ref) []ref {
	r := g.r
	out := make([]ref, 0, n)
	for tries := 0; len(out) < n && tries < 20; tries++ {
		var p ref
		switch v := r.intn(100); {
		case v < 30:
			p = univs[r.intn(len(univs))]
		case v < 40 && len(g.recentUniv) > 0:
			p = g.recentUniv[r.intn(len(g.recentUniv))]
		case v < 60 && len(local) > 0:
			p = local[r.intn(len(local))]
		case v < 75 && len(g.recentComp) > 0:
			p = g.recentComp[r.intn(len(g.recentComp))]
		default:
			p = g.multinationals[r.intn(len(g.multinationals))]
		}
		if p.key == builder.key || containsKey(out, p.key) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func containsKey(rs []ref, key string) bool {
	for _, r := range rs {
		if r.key == key {
			return true
		}
	}
	return false
}
