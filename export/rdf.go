package export

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"tupu"
)

// DefaultBase is the base IRI of the graph's own things unless Options
// say otherwise.
const DefaultBase = "urn:tupu:"

// VocabularyIRI is the namespace of tupu's own terms, prefix "tupu".
const VocabularyIRI = "urn:tupu:vocab:"

// The namespaces the RDF forms use, by JSON-LD prefix.
const (
	schemaNS = "https://schema.org/"
	rdfNS    = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	rdfsNS   = "http://www.w3.org/2000/01/rdf-schema#"
	xsdNS    = "http://www.w3.org/2001/XMLSchema#"
)

// prefixes are the JSON-LD context's prefixes, longest namespace first
// for compacting.
var prefixes = []struct{ prefix, ns string }{
	{"rdfs", rdfsNS},
	{"rdf", rdfNS},
	{"xsd", xsdNS},
	{"schema", schemaNS},
	{"tupu", VocabularyIRI},
}

// KindTypes maps each kind to its schema.org type (local name). Kinds
// schema.org has no type for are schema:Thing; every entity also has the
// type tupu:<Kind>.
//
//	DISTRICT, COUNTY                    AdministrativeArea
//	CITY                                City
//	REGION, PLACE, PARK                 Place
//	RAIL_LINE, ROAD                     Place
//	COMPANY                             Corporation
//	LAB, INSTITUTE                      ResearchOrganization
//	UNIVERSITY                          CollegeOrUniversity
//	GOVERNMENT_BODY                     GovernmentOrganization
//	ALLIANCE, ORGANIZATION              Organization
//	TALENT_PROGRAM                      GovernmentService
//	POLICY, PROGRAM                     CreativeWork
//	PLATFORM                            Service
//	PUBLICATION                         Report
//	BRAND                               Brand
//	PRODUCT                             Product
//	PROJECT, RENEWAL_PROJECT,
//	RIVER_PROJECT, AID_PROJECT,
//	INDUSTRY, AWARD, MARKET             Thing
var KindTypes = map[tupu.Kind]string{
	tupu.KindDistrict:       "AdministrativeArea",
	tupu.KindCounty:         "AdministrativeArea",
	tupu.KindCity:           "City",
	tupu.KindRegion:         "Place",
	tupu.KindPlace:          "Place",
	tupu.KindPark:           "Place",
	tupu.KindRailLine:       "Place",
	tupu.KindRoad:           "Place",
	tupu.KindCompany:        "Corporation",
	tupu.KindLab:            "ResearchOrganization",
	tupu.KindInstitute:      "ResearchOrganization",
	tupu.KindUniversity:     "CollegeOrUniversity",
	tupu.KindGovernmentBody: "GovernmentOrganization",
	tupu.KindAlliance:       "Organization",
	tupu.KindOrganization:   "Organization",
	tupu.KindTalentProgram:  "GovernmentService",
	tupu.KindPolicy:         "CreativeWork",
	tupu.KindProgram:        "CreativeWork",
	tupu.KindPlatform:       "Service",
	tupu.KindPublication:    "Report",
	tupu.KindBrand:          "Brand",
	tupu.KindProduct:        "Product",
	tupu.KindProject:        "Thing",
	tupu.KindRenewalProject: "Thing",
	tupu.KindRiverProject:   "Thing",
	tupu.KindAidProject:     "Thing",
	tupu.KindIndustry:       "Thing",
	tupu.KindAward:          "Thing",
	tupu.KindMarket:         "Thing",
}

// Options tune the RDF forms.
type Options struct {
	// Base is the IRI the graph's entities, documents, facts and
	// relations are named under; "" means DefaultBase. It must be an
	// absolute IRI ending in ':', '/' or '#', whose scheme is none of the
	// JSON-LD prefixes.
	Base string
}

// Validate returns an error unless the options make valid IRIs.
func (o Options) Validate() error {
	_, err := newNames(o)
	return err
}

var (
	schemePattern = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)
	langPattern   = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)
)

// names makes the IRIs of the graph's things.
type names struct{ base, sep string }

func newNames(o Options) (names, error) {
	base := o.Base
	if base == "" {
		base = DefaultBase
	}
	m := schemePattern.FindStringSubmatch(base)
	if m == nil {
		return names{}, fmt.Errorf("base %q is not an absolute IRI", base)
	}
	for _, p := range prefixes {
		if strings.EqualFold(m[1], p.prefix) {
			return names{}, fmt.Errorf("base %q: its scheme %q is a JSON-LD prefix of the export; choose another", base, m[1])
		}
	}
	if i := strings.IndexFunc(base, func(r rune) bool { return r <= ' ' || strings.ContainsRune("<>\"{}|^`\\", r) }); i >= 0 {
		return names{}, fmt.Errorf("base %q holds %q, which an IRI cannot", base, base[i])
	}
	switch base[len(base)-1] {
	case ':':
		return names{base, ":"}, nil
	case '/', '#':
		return names{base, "/"}, nil
	}
	return names{}, fmt.Errorf("base %q must end in ':', '/' or '#'", base)
}

func (n names) entity(key string) string   { return n.base + "entity" + n.sep + segment(key) }
func (n names) document(key string) string { return n.base + "document" + n.sep + segment(key) }

func (n names) fact(f *tupu.Fact) string {
	iri := n.base + "fact" + n.sep + segment(f.Entity) + "/" + segment(f.Property)
	if f.Period != "" {
		iri += "/" + segment(strings.ReplaceAll(f.Period, "/", "--"))
	}
	return iri
}

func (n names) relation(r *tupu.Relation) string {
	return n.base + "relation" + n.sep + segment(r.Subject) + "/" + segment(string(r.Predicate)) + "/" + segment(r.Object)
}

// segment percent-encodes every byte of s but ASCII letters, digits and
// -._~ (RFC 3986's unreserved characters).
func segment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// term is the object of a triple: an IRI, or a literal with a language
// tag, a datatype (a full IRI), or neither (xsd:string).
type term struct {
	iri      string
	value    string
	lang     string
	datatype string
}

type triple struct {
	s, p string
	o    term
}

func iri(s string) term                    { return term{iri: s} }
func plain(s string) term                  { return term{value: s} }
func tagged(s, lang string) term           { return term{value: s, lang: lang} }
func typed(s, datatype string) term        { return term{value: s, datatype: datatype} }
func schema(local string) string           { return schemaNS + local }
func vocab(local string) string            { return VocabularyIRI + local }
func hasHan(s string) bool                 { return strings.IndexFunc(s, isHan) >= 0 }
func isHan(r rune) bool                    { return unicode.Is(unicode.Han, r) }
func className(k tupu.Kind) string         { return vocab(segment(camel(string(k)))) }
func predicateIRI(p tupu.Predicate) string { return vocab(segment(string(p))) }

// camel turns GOVERNMENT_BODY into GovernmentBody.
func camel(s string) string {
	var b strings.Builder
	for _, w := range strings.Split(strings.ToLower(s), "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// text is s tagged "zh" when it is mostly Chinese (more Han characters
// than Latin letters), else tagged otherwise ("" for none): an English
// note that quotes a few Chinese words stays English.
func text(s, otherwise string) term {
	han, latin := 0, 0
	for _, r := range s {
		switch {
		case isHan(r):
			han++
		case unicode.In(r, unicode.Latin):
			latin++
		}
	}
	if han > latin {
		return tagged(s, "zh")
	}
	return tagged(s, otherwise)
}

// period is a period as a typed literal where XML Schema has a type for it.
func period(p string) term {
	if tupu.ValidatePeriod("period", p) == nil {
		switch len(p) {
		case 4:
			return typed(p, xsdNS+"gYear")
		case 7:
			return typed(p, xsdNS+"gYearMonth")
		case 10:
			return typed(p, xsdNS+"date")
		}
	}
	return plain(p)
}

// decimal writes a finite float64 as an xsd:decimal literal.
func decimal(v float64) term {
	return typed(strconv.FormatFloat(v, 'f', -1, 64), xsdNS+"decimal")
}

// triples returns the graph's triples in the order both RDF forms write
// them, each once.
func triples(g *Graph, o Options) ([]triple, error) {
	n, err := newNames(o)
	if err != nil {
		return nil, err
	}
	e := sorted(g)
	var out []triple
	seen := map[triple]bool{}
	add := func(s, p string, o term) {
		t := triple{s, p, o}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	rdfType := rdfNS + "type"

	// The vocabulary the graph uses.
	kinds, preds := map[tupu.Kind]bool{}, map[tupu.Predicate]bool{}
	for _, x := range e.Entities {
		kinds[x.Kind] = true
	}
	for _, r := range e.Relations {
		preds[r.Predicate] = true
	}
	for _, k := range tupu.Kinds {
		if !kinds[k.Kind] {
			continue
		}
		c := className(k.Kind)
		add(c, rdfType, iri(rdfsNS+"Class"))
		add(c, rdfsNS+"subClassOf", iri(schema(schemaType(k.Kind))))
		add(c, rdfsNS+"label", tagged(k.Label, "zh"))
		add(c, rdfsNS+"comment", tagged(k.About, "en"))
	}
	for _, p := range tupu.Predicates {
		if !preds[p.Predicate] {
			continue
		}
		pi := predicateIRI(p.Predicate)
		add(pi, rdfType, iri(rdfNS+"Property"))
		add(pi, rdfsNS+"label", tagged(p.Label, "zh"))
		add(pi, rdfsNS+"comment", tagged(p.About, "en"))
	}

	docLang := map[string]string{}
	for _, d := range e.Documents {
		lang := ""
		if langPattern.MatchString(d.Language) {
			lang = d.Language
		}
		docLang[d.Key] = lang
		s := n.document(d.Key)
		add(s, rdfType, iri(schema("CreativeWork")))
		add(s, rdfType, iri(vocab("Document")))
		add(s, schema("identifier"), plain(d.Key))
		add(s, schema("name"), tagged(d.Title, lang))
		if d.Publisher != "" {
			add(s, schema("publisher"), plain(d.Publisher))
		}
		if d.PublishedAt != "" {
			add(s, schema("datePublished"), period(d.PublishedAt))
		}
		if d.Language != "" {
			add(s, schema("inLanguage"), plain(d.Language))
		}
		if d.Note != "" {
			add(s, vocab("note"), text(d.Note, "en"))
		}
		add(s, schema("text"), tagged(d.Text, lang))
	}
	// source adds where a statement comes from: the document and its words.
	source := func(s, basedOn string, src *tupu.Source) {
		if src == nil {
			return
		}
		add(s, basedOn, iri(n.document(src.Document)))
		add(s, vocab("quote"), tagged(src.Quote, docLang[src.Document]))
	}

	relationsOf := map[string][]tupu.Relation{}
	for _, r := range e.Relations {
		relationsOf[r.Subject] = append(relationsOf[r.Subject], r)
	}
	factsOf := map[string][]tupu.Fact{}
	for _, f := range e.Facts {
		factsOf[f.Entity] = append(factsOf[f.Entity], f)
	}
	for _, x := range e.Entities {
		s := n.entity(x.Key)
		add(s, rdfType, iri(schema(schemaType(x.Kind))))
		add(s, rdfType, iri(className(x.Kind)))
		add(s, schema("identifier"), plain(x.Key))
		add(s, schema("name"), tagged(x.Name, "zh"))
		if x.NameEn != "" {
			add(s, schema("name"), tagged(x.NameEn, "en"))
		}
		for _, a := range x.Aliases {
			add(s, schema("alternateName"), text(a, ""))
		}
		if x.Description != "" {
			add(s, schema("description"), text(x.Description, "en"))
		}
		if x.Note != "" {
			add(s, vocab("note"), text(x.Note, "en"))
		}
		source(s, schema("subjectOf"), x.Source)
		for _, r := range relationsOf[x.Key] {
			add(s, predicateIRI(r.Predicate), iri(n.entity(r.Object)))
		}
		for _, f := range factsOf[x.Key] {
			add(s, schema("additionalProperty"), iri(n.fact(&f)))
		}
	}

	for _, f := range e.Facts {
		s := n.fact(&f)
		add(s, rdfType, iri(schema("PropertyValue")))
		add(s, schema("propertyID"), plain(f.Property))
		if f.Label != "" {
			add(s, schema("name"), text(f.Label, ""))
		}
		switch {
		case f.Value != nil:
			add(s, schema("value"), decimal(*f.Value))
			if f.Text != "" {
				add(s, schema("description"), text(f.Text, ""))
			}
		case f.Text != "":
			add(s, schema("value"), text(f.Text, ""))
		}
		if f.Unit != "" {
			add(s, schema("unitText"), plain(f.Unit))
		}
		if f.Period != "" {
			add(s, vocab("period"), period(f.Period))
		}
		if f.PeriodBasis != "" {
			add(s, vocab("periodBasis"), plain(string(f.PeriodBasis)))
		}
		if f.Qualifier != "" {
			add(s, vocab("qualifier"), plain(string(f.Qualifier)))
		}
		source(s, schema("isBasedOn"), &f.Source)
		if f.Note != "" {
			add(s, vocab("note"), text(f.Note, "en"))
		}
	}

	for _, r := range e.Relations {
		s := n.relation(&r)
		add(s, rdfType, iri(rdfNS+"Statement"))
		add(s, rdfNS+"subject", iri(n.entity(r.Subject)))
		add(s, rdfNS+"predicate", iri(predicateIRI(r.Predicate)))
		add(s, rdfNS+"object", iri(n.entity(r.Object)))
		source(s, schema("isBasedOn"), r.Source)
		if r.Note != "" {
			add(s, vocab("note"), text(r.Note, "en"))
		}
	}
	return out, nil
}

// schemaType is the schema.org type of a kind, Thing for one not mapped.
func schemaType(k tupu.Kind) string {
	if t, ok := KindTypes[k]; ok {
		return t
	}
	return "Thing"
}
