// Package tupu holds the domain of the knowledge graph: entities, the facts
// stated about them, the relations between them, the documents that every
// fact and relation cites, the rules they follow, and the errors the
// service reports. It imports only the standard library and the Unicode
// tables of golang.org/x/text; the store and the GraphQL layer translate
// to and from these types.
package tupu

import (
	"index/suffixarray"
	"strings"
)

// Entity is a thing the graph knows about. Key identifies it for good: IDs
// seen by clients are derived from it, so it never changes once published.
type Entity struct {
	Key         string   `json:"key"`
	Kind        Kind     `json:"kind"`
	Name        string   `json:"name"`
	NameEn      string   `json:"nameEn,omitempty"`
	Aliases     []string `json:"aliases,omitempty"`
	Description string   `json:"description,omitempty"`
	// Source is where a document names the entity.
	Source *Source `json:"source,omitempty"`
	// Note records a curator's reading of an ambiguous passage.
	Note string `json:"note,omitempty"`
	// Version counts the writes to the entity, starting at 1, or after
	// the last version of a deleted entity that had the same key.
	Version int `json:"version"`
}

// Names returns every name the entity is known by: its name, English name
// and aliases, without duplicates, in that order.
func (e *Entity) Names() []string {
	names := make([]string, 0, 2+len(e.Aliases))
	var folded []string // names as lookups see them, beside names
	add := func(n string) {
		if n == "" {
			return
		}
		f := NormalizeName(n)
		for _, x := range folded {
			if x == f {
				return
			}
		}
		folded = append(folded, f)
		names = append(names, n)
	}
	add(e.Name)
	add(e.NameEn)
	for _, a := range e.Aliases {
		add(a)
	}
	return names
}

// Qualifier says how a figure relates to the true value when the source
// does not state it exactly.
type Qualifier string

// The qualifiers the source's wording maps to.
const (
	MoreThan Qualifier = "more_than" // 以上, 超过, 多, 余
	AtLeast  Qualifier = "at_least"  // 不低于
	AtMost   Qualifier = "at_most"   // 不超过, 最高不超过
	About    Qualifier = "about"     // 约, 近
)

// Qualifiers lists the valid qualifiers.
var Qualifiers = []Qualifier{MoreThan, AtLeast, AtMost, About}

// PeriodBasis says how a fact's period was found, so that a reader can
// tell a figure the text dates from one dated by the curator. A fact
// stored before the field existed has none: unknown.
type PeriodBasis string

// The ways a period is found.
const (
	// Stated: the words quoted, or the sentence they are in, say when:
	// as a date (2020年, 到2020年底) or relative to the document's date
	// (今年, 去年, 今年1-8月, “十三五”时期, 目前).
	Stated PeriodBasis = "stated"
	// Context: the sentence says no time; the period is read from the
	// text around it (a time stated once for a paragraph or a list).
	Context PeriodBasis = "context"
	// PublicationDate: the text gives no time for it; the period is the
	// document's date of publication.
	PublicationDate PeriodBasis = "publication_date"
)

// PeriodBases lists the valid period bases.
var PeriodBases = []PeriodBasis{Stated, Context, PublicationDate}

// Fact is one statement about an entity: a figure or a short text.
// Its identity is (Entity, Property, Period).
type Fact struct {
	Entity   string   `json:"entity"`
	Property string   `json:"property"`
	Label    string   `json:"label,omitempty"`
	Value    *float64 `json:"value,omitempty"`
	Text     string   `json:"text,omitempty"`
	Unit     string   `json:"unit,omitempty"`
	Period   string   `json:"period,omitempty"`
	// PeriodBasis says how Period was found; empty when unknown.
	PeriodBasis PeriodBasis `json:"periodBasis,omitempty"`
	Qualifier   Qualifier   `json:"qualifier,omitempty"`
	Source      Source      `json:"source"`
	Note        string      `json:"note,omitempty"`
}

// Relation links two entities. Its identity is (Subject, Predicate, Object).
type Relation struct {
	Subject   string    `json:"subject"`
	Predicate Predicate `json:"predicate"`
	Object    string    `json:"object"`
	Source    *Source   `json:"source,omitempty"`
	Note      string    `json:"note,omitempty"`
}

// Source points at the words of a document that state something.
type Source struct {
	Document string `json:"document"` // the document's key
	Quote    string `json:"quote"`
}

// Document is a text that facts and relations cite.
type Document struct {
	Key         string `json:"key"`
	Title       string `json:"title"`
	Publisher   string `json:"publisher,omitempty"`
	PublishedAt string `json:"publishedAt,omitempty"`
	Language    string `json:"language,omitempty"`
	Note        string `json:"note,omitempty"`
	// Text is the document as printed. Quotes are matched against
	// QuotableText, which removes line breaks.
	Text string `json:"text"`

	quotes *suffixarray.Index // of QuotableText, once IndexQuotes made it
}

// IndexQuotes indexes the document's quotable text (a suffix array,
// about four bytes per byte of text), so that checking each of the many
// quotes that cite it costs a binary search instead of a scan of the
// text. Checks use the index once it is made; the text must not change
// afterwards. Only worth it where many quotes are checked at once (a data
// set, a load): a single write scans.
func (d *Document) IndexQuotes() {
	d.quotes = suffixarray.New([]byte(d.QuotableText()))
}

// QuotableText returns the text quotes are matched against: the printed
// text with its line breaks removed, since printed columns break lines
// in the middle of words and numbers.
func (d *Document) QuotableText() string {
	if strings.IndexByte(d.Text, '\n') < 0 && strings.IndexByte(d.Text, '\r') < 0 {
		return d.Text
	}
	return strings.NewReplacer("\r", "", "\n", "").Replace(d.Text)
}

// Direction says which end of a relation an entity is on.
type Direction string

// The directions of a relation seen from one entity.
const (
	Out  Direction = "OUT" // the entity is the subject
	In   Direction = "IN"  // the entity is the object
	Both Direction = "BOTH"
)

// NormalizeName folds a name for exact lookup: Latin letters
// case-insensitively, surrounding space ignored, in normalization form C
// (as names are stored).
func NormalizeName(s string) string {
	return strings.ToLower(strings.TrimSpace(nfc(s)))
}
