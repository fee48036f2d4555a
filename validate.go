package tupu

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// The rules of the graph's statements, stated once. Every way a statement
// comes in applies them through the functions of this file: the mutations
// (store.Tx's curation operations), the seed loader and import (through
// Dataset.Problems), the bulk loader, and any other storage engine, which
// calls them the same way with its own Graph. Each Check function reports
// every problem of its value, field by field in the order of the GraphQL
// input's fields, so the same value always gets the same message.

// RulesVersion counts the changes to these rules that can make a
// statement stored before fail them. Stores record the version every
// stored statement last passed, so that a new version is checked once.
// Version 1: entities cite a source, text is visible and in NFC, quotes
// occur once and ground their statement, values are finite in their base
// unit.
const RulesVersion = 1

// Field limits for curated text. Generous for what sources say, small
// enough that no single write can bloat the store or a response.
const (
	MaxNameLength        = 200
	MaxAliases           = 50
	MaxDescriptionLength = 4000
	MaxQuoteLength       = 1000
	MaxDocumentLength    = 1 << 20
	MaxLanguageLength    = 35 // the longest BCP 47 tags in use
	MaxPropertyLength    = 80
)

// Graph is what the rules that reach beyond one statement look up: the
// entities statements point at and the documents they cite. Both return
// NOT_FOUND when nothing has the key. The store's transactions implement
// it over what is stored; a Dataset implements it over itself.
type Graph interface {
	Entity(key string) (*Entity, error)
	Document(key string) (*Document, error)
}

// problems collects what is wrong with one value: "field: message", in the
// order the checks run.
type problems []string

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, field+": "+fmt.Sprintf(format, args...))
}

// text checks a text field; empty text passes (see required).
func (p *problems) text(field, s string, kind textKind, max int) {
	if msg := textProblem(s, kind, max); msg != "" {
		p.add(field, "%s", msg)
	}
}

// required checks a text field that must say something.
func (p *problems) required(field, s string, kind textKind, max int) {
	if strings.TrimSpace(s) == "" {
		p.add(field, "empty")
		return
	}
	p.text(field, s, kind, max)
}

// err returns BAD_USER_INPUT listing the problems, one a line, or nil.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return Errorf(BadUserInput, "%s", strings.Join(p, "\n"))
}

// lookup returns g's answer for key, nil when it has none, and an error
// only when the lookup itself failed.
func lookup[T any](get func(string) (*T, error), key string) (*T, error) {
	v, err := get(key)
	if ErrorCode(err) == NotFound {
		return nil, nil
	}
	return v, err
}

// Normalize puts the entity's names, aliases, description and note in
// Unicode normalization form C. Every way in normalizes before it checks.
func (e *Entity) Normalize() {
	e.Name, e.NameEn = nfc(e.Name), nfc(e.NameEn)
	for i, a := range e.Aliases {
		e.Aliases[i] = nfc(a)
	}
	e.Description, e.Note = nfc(e.Description), nfc(e.Note)
}

// Normalize puts the fact's label, text and note in normalization form C.
func (f *Fact) Normalize() {
	f.Label, f.Text, f.Note = nfc(f.Label), nfc(f.Text), nfc(f.Note)
}

// Normalize puts the relation's note in normalization form C.
func (r *Relation) Normalize() { r.Note = nfc(r.Note) }

// Normalize puts the document's title, publisher and note in normalization
// form C. Its text stays as printed: quotes are its words.
func (d *Document) Normalize() {
	d.Title, d.Publisher, d.Note = nfc(d.Title), nfc(d.Publisher), nfc(d.Note)
}

// CheckEntity returns BAD_USER_INPUT listing every problem of e, or nil:
// a key, a known kind, a name, visible text within limits, and a source
// (every entity cites where a document names it) whose quote grounds it
// (see checkSource). An error that is not BAD_USER_INPUT is g's.
func CheckEntity(g Graph, e *Entity) error {
	p, err := entityProblems(g, e)
	if err != nil {
		return err
	}
	return p.err()
}

func entityProblems(g Graph, e *Entity) (problems, error) {
	var p problems
	if msg := keyProblem(e.Key); msg != "" {
		p.add("key", "%s", msg)
	}
	if _, ok := KindByName(string(e.Kind)); !ok {
		p.add("kind", "%q is unknown", e.Kind)
	}
	p.required("name", e.Name, line, MaxNameLength)
	p.text("nameEn", e.NameEn, line, MaxNameLength)
	if len(e.Aliases) > MaxAliases {
		p.add("aliases", "%d, at most %d", len(e.Aliases), MaxAliases)
	}
	for i, a := range e.Aliases {
		p.required(fmt.Sprintf("aliases[%d]", i), a, line, MaxNameLength)
	}
	p.text("description", e.Description, prose, MaxDescriptionLength)
	p.text("note", e.Note, prose, MaxDescriptionLength)
	err := p.source(g, e.Source, func(quote string) string {
		if e.Note == "" && !namesEntity(quote, e) {
			return fmt.Sprintf("%q names the entity by none of its names (%s); quote the words that name it, or say in note why they do not", quote, strings.Join(e.Names(), ", "))
		}
		return ""
	})
	return p, err
}

// CheckRelation returns BAD_USER_INPUT listing every problem of r, or nil:
// a known predicate between two entities of g that are not the same one,
// and a source whose quote names both ends, by a name, English name or
// alias, unless the note says why it does not (the text says "the park"
// or "this company", or lists what a sentence before named).
func CheckRelation(g Graph, r *Relation) error {
	p, err := relationProblems(g, r)
	if err != nil {
		return err
	}
	return p.err()
}

func relationProblems(g Graph, r *Relation) (problems, error) {
	var p problems
	subject, err := lookup(g.Entity, r.Subject)
	if err != nil {
		return nil, err
	}
	if subject == nil {
		p.add("subject", "no entity has key %q", r.Subject)
	}
	if _, ok := PredicateByName(string(r.Predicate)); !ok {
		p.add("predicate", "%q is unknown", r.Predicate)
	}
	object, err := lookup(g.Entity, r.Object)
	if err != nil {
		return nil, err
	}
	switch {
	case object == nil:
		p.add("object", "no entity has key %q", r.Object)
	case r.Subject == r.Object:
		p.add("object", "an entity cannot relate to itself")
	}
	err = p.source(g, r.Source, func(quote string) string {
		if r.Note != "" || subject == nil || object == nil {
			return ""
		}
		var missing []string
		for _, e := range []*Entity{subject, object} {
			if !namesEntity(quote, e) {
				missing = append(missing, fmt.Sprintf("%s (%s)", e.Key, strings.Join(e.Names(), ", ")))
			}
		}
		if len(missing) > 0 {
			return fmt.Sprintf("%q does not name %s; quote words that name both ends, or say in note why they do not", quote, strings.Join(missing, " or "))
		}
		return ""
	})
	p.text("note", r.Note, prose, MaxDescriptionLength)
	return p, err
}

// CheckFact returns BAD_USER_INPUT listing every problem of f, or nil: an
// entity of g, a snake_case property, a finite value (also in its base
// unit) or a text, a known unit, a period, how the period was found (only
// with a period), a qualifier, and a source whose
// quote writes the value (in digits, with 万 or 亿, or in Chinese
// numerals) or holds the text.
func CheckFact(g Graph, f *Fact) error {
	p, err := factProblems(g, f)
	if err != nil {
		return err
	}
	return p.err()
}

func factProblems(g Graph, f *Fact) (problems, error) {
	var p problems
	if e, err := lookup(g.Entity, f.Entity); err != nil {
		return nil, err
	} else if e == nil {
		p.add("entity", "no entity has key %q", f.Entity)
	}
	if msg := propertyProblem(f.Property); msg != "" {
		p.add("property", "%s", msg)
	}
	p.text("label", f.Label, line, MaxNameLength)
	switch {
	case f.Value == nil && strings.TrimSpace(f.Text) == "":
		p.add("value", "a fact needs a value or a text")
	case f.Value != nil && (math.IsInf(*f.Value, 0) || math.IsNaN(*f.Value)):
		p.add("value", "%v is not a finite number", *f.Value)
	case f.Value != nil:
		if n, base, ok := f.Normalized(); ok && (math.IsInf(n, 0) || math.IsNaN(n)) {
			p.add("value", "%v %s is more than a finite number of %s", *f.Value, f.Unit, base)
		}
	}
	p.text("text", f.Text, line, MaxDescriptionLength)
	if f.Unit != "" {
		if _, _, ok := Normalize(0, f.Unit); !ok {
			p.add("unit", "%q is not a unit tupu knows (%s)", f.Unit, strings.Join(KnownUnits(), " "))
		}
	}
	if msg := periodProblem(f.Period); msg != "" {
		p.add("period", "%s", msg)
	}
	switch {
	case f.PeriodBasis == "":
	case !slices.Contains(PeriodBases, f.PeriodBasis):
		p.add("periodBasis", "%q is not one of %v", f.PeriodBasis, PeriodBases)
	case f.Period == "":
		p.add("periodBasis", "says how the period was found, and the fact has no period")
	}
	if f.Qualifier != "" && !slices.Contains(Qualifiers, f.Qualifier) {
		p.add("qualifier", "%q is not one of %v", f.Qualifier, Qualifiers)
	}
	p.text("note", f.Note, prose, MaxDescriptionLength)
	var src *Source
	if f.Source != (Source{}) {
		src = &f.Source
	}
	err := p.source(g, src, func(quote string) string {
		switch {
		case f.Value != nil && !writesValue(quote, *f.Value):
			return fmt.Sprintf("%q does not write the value %s; quote the words that state it (digits, 万 and 亿, and Chinese numerals are read)", quote, formatValue(*f.Value))
		case f.Value == nil && f.Text != "" && !strings.Contains(nfc(quote), nfc(f.Text)):
			return fmt.Sprintf("%q does not hold the text %q; the text is words of the quote", quote, f.Text)
		}
		return ""
	})
	return p, err
}

func formatValue(v float64) string { return fmt.Sprint(v) }

// CheckDocument returns BAD_USER_INPUT listing every problem of d, or nil.
func CheckDocument(d *Document) error { return documentProblems(d).err() }

func documentProblems(d *Document) problems {
	var p problems
	if msg := keyProblem(d.Key); msg != "" {
		p.add("key", "%s", msg)
	}
	p.required("title", d.Title, line, MaxNameLength*2)
	p.text("publisher", d.Publisher, line, MaxNameLength)
	if msg := periodProblem(d.PublishedAt); msg != "" {
		p.add("publishedAt", "%s", msg)
	}
	p.text("language", d.Language, line, MaxLanguageLength)
	p.text("note", d.Note, prose, MaxDescriptionLength)
	p.required("text", d.Text, printed, MaxDocumentLength)
	return p
}

// source checks that a statement cites a document of g, with a quote that
// is words of it, occurs there once (so it points at one place), and
// grounds the statement: grounds returns what is wrong, or "". An error is
// g's own.
func (p *problems) source(g Graph, s *Source, grounds func(quote string) string) error {
	if s == nil {
		p.add("source", "missing: every entity, relation and fact cites a document and words of it")
		return nil
	}
	if strings.TrimSpace(s.Quote) == "" {
		p.add("source.quote", "empty")
		return nil
	}
	if msg := textProblem(s.Quote, verbatim, MaxQuoteLength); msg != "" {
		p.add("source.quote", "%s", msg)
		return nil
	}
	d, err := lookup(g.Document, s.Document)
	if err != nil {
		return err
	}
	if d == nil {
		p.add("source.document", "no document has key %q", s.Document)
		return nil
	}
	switch n := occurrences(d, s.Quote); n {
	case 0:
		p.add("source.quote", "%q is not in document %q", s.Quote, s.Document)
	case 1:
		if msg := grounds(s.Quote); msg != "" {
			p.add("source.quote", "%s", msg)
		}
	default:
		p.add("source.quote", "%q occurs more than once in document %q; quote more of the sentence, so that it points at one place", s.Quote, s.Document)
	}
	return nil
}

// occurrences returns how many times quote occurs in d's quotable text,
// overlapping occurrences too, counting no further than 2.
func occurrences(d *Document, quote string) int {
	if d.quotes != nil {
		return len(d.quotes.Lookup([]byte(quote), 2))
	}
	text := d.QuotableText()
	i := strings.Index(text, quote)
	if i < 0 {
		return 0
	}
	if strings.Contains(text[i+1:], quote) {
		return 2
	}
	return 1
}

// namesEntity reports whether quote holds one of e's names (Latin letters
// in any case, both in normalization form C).
func namesEntity(quote string, e *Entity) bool {
	holds := func(q string, fold bool) bool {
		for i := -2; i < len(e.Aliases); i++ {
			n := e.Name
			switch i {
			case -1:
				n = e.NameEn
			default:
				if i >= 0 {
					n = e.Aliases[i]
				}
			}
			if fold {
				n = strings.ToLower(nfc(n))
			}
			if n != "" && strings.Contains(q, n) {
				return true
			}
		}
		return false
	}
	// As written first: names are stored normalized, and most quotes
	// write them as they are.
	return holds(quote, false) || holds(strings.ToLower(nfc(quote)), true)
}
