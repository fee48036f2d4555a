// Package suggest reads a document for what a curator may take from it:
// the entities it mentions, and the figures it states, each with its value,
// unit, qualifier, period (normalized against the document's date), the
// entity it is most likely about and words to cite that hold it. It is
// pure: domain types in, suggestions out. The graph layer serves them
// (Query.suggestions), and a curator accepts one with an ordinary setFact
// that cites its quote, so every fact still passes the one set of rules.
//
// Numbers are read by tupu.Numbers, the reader quote grounding uses; what
// this package adds is what a figure is: the unit after it, the words that
// qualify it, and the time the text gives it.
package suggest

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"tupu"
)

// Mention is a place where a document names an entity.
type Mention struct {
	Entity string // the entity's key
	Name   string // the name matched, as the entity holds it
	// Start and End are offsets in characters (code points) of the
	// document's quotable text: its text with line breaks removed.
	Start, End int
}

// Figure is a figure a document states, read as a candidate fact.
type Figure struct {
	Value     float64
	Unit      string // a unit tupu knows, or "" when the text gives none
	Qualifier tupu.Qualifier
	// Period is an ISO 8601 date or interval, "" when the text gives no
	// time and the document has no date; PeriodBasis says how it was
	// found; PeriodText holds the words that gave it ("" when taken from
	// the publication date).
	Period      string
	PeriodBasis tupu.PeriodBasis
	PeriodText  string
	// Entity is the key of the entity the figure is most likely about,
	// "" when no entity is named near it.
	Entity string
	// Written is the figure as the text writes it, unit and qualifier
	// included (300多亿元, 7000 万台以上); Start and End place it, in
	// characters of the quotable text.
	Written    string
	Start, End int
	// Quote is words of the quotable text that hold the figure and occur
	// in it once: what a fact made from the figure cites.
	Quote string
}

// Suggestions are what Read finds in one document.
type Suggestions struct {
	Mentions []Mention
	Figures  []Figure
}

// Read returns the mentions of entities and the figures of doc, each in
// the order of the text. entities are the entities names are matched
// against. Offsets are in characters of doc.QuotableText().
func Read(doc *tupu.Document, entities []*tupu.Entity) Suggestions {
	text := doc.QuotableText()
	r := newReader(doc, text)
	mentions := findMentions(text, entities)
	times := findTimes(text, r.year, r.date)
	var out Suggestions
	for _, m := range mentions {
		out.Mentions = append(out.Mentions, Mention{Entity: m.entity.Key, Name: m.name, Start: r.chars(m.start), End: r.chars(m.end)})
	}
	main := mainEntity(mentions)
	figures := findFigures(text, times)
	for _, f := range figures {
		fig := Figure{Value: f.value, Unit: f.unit, Qualifier: f.qualifier, Written: text[f.start:f.end],
			Start: r.chars(f.start), End: r.chars(f.end), Quote: quote(text, f.start, f.end)}
		fig.Period, fig.PeriodBasis, fig.PeriodText = r.period(f.start, times)
		fig.Entity = about(text, mentions, r.sentence(f.start), f.start, main)
		out.Figures = append(out.Figures, fig)
	}
	splitChanges(text, out.Figures, figures)
	return out
}

// reader holds what the readings of one document share.
type reader struct {
	text       string
	year       int    // the document's year, 0 when it has no date
	date       string // its date as ISO 8601, "" when none
	runeAt     []int  // character offset of each byte offset
	sentences  []span // sentences of the quotable text, in order
	paragraphs []int  // byte offsets where a paragraph starts
}

type span struct{ start, end int }

func newReader(doc *tupu.Document, text string) *reader {
	r := &reader{text: text, date: doc.PublishedAt}
	if len(doc.PublishedAt) >= 4 {
		r.year = atoi(doc.PublishedAt[:4])
	}
	r.runeAt = make([]int, len(text)+1)
	r.fillRuneIndex()
	r.sentences = sentences(text)
	r.paragraphs = paragraphStarts(doc.Text)
	return r
}

// fillRuneIndex gives the bytes inside a character the offset of the
// character.
func (r *reader) fillRuneIndex() {
	n := 0
	for i := 0; i < len(r.text); {
		_, size := utf8.DecodeRuneInString(r.text[i:])
		for j := i; j < i+size; j++ {
			r.runeAt[j] = n
		}
		n++
		i += size
	}
	r.runeAt[len(r.text)] = n
}

func (r *reader) chars(byteOffset int) int { return r.runeAt[byteOffset] }

// sentence returns the sentence holding byte offset at.
func (r *reader) sentence(at int) span {
	i, _ := slices.BinarySearchFunc(r.sentences, at, func(s span, at int) int {
		switch {
		case s.end <= at:
			return -1
		case s.start > at:
			return 1
		}
		return 0
	})
	if i < len(r.sentences) {
		return r.sentences[i]
	}
	return span{0, len(r.text)}
}

// sentenceEnds are the marks that end a sentence.
const sentenceEnds = "。！？!?"

// sentences splits text into sentences, each ending after its mark (and
// a closing quotation mark right after it).
func sentences(text string) []span {
	var out []span
	start := 0
	for i := 0; i < len(text); {
		c, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if !strings.ContainsRune(sentenceEnds, c) {
			continue
		}
		for i < len(text) {
			q, qs := utf8.DecodeRuneInString(text[i:])
			if q != '”' && q != '’' && q != '"' {
				break
			}
			i += qs
		}
		out = append(out, span{start, i})
		start = i
	}
	if start < len(text) {
		out = append(out, span{start, len(text)})
	}
	return out
}

// paragraphStarts returns where paragraphs start, as byte offsets of the
// quotable text: after an empty line that follows the end of a sentence.
// An empty line inside a sentence is a printed column's end, not a
// paragraph's.
func paragraphStarts(printed string) []int {
	var out []int
	offset := 0 // bytes of quotable text so far
	lines := strings.Split(strings.ReplaceAll(printed, "\r", ""), "\n")
	last := ""
	for i, line := range lines {
		if strings.TrimSpace(line) == "" && i > 0 {
			trimmed := strings.TrimRight(last, " ”’\"")
			if r, _ := utf8.DecodeLastRuneInString(trimmed); strings.ContainsRune(sentenceEnds, r) {
				out = append(out, offset)
			}
		}
		if strings.TrimSpace(line) != "" {
			last = line
		}
		offset += len(line)
	}
	return out
}

// sameParagraph reports whether byte offsets a < b are in one paragraph.
func (r *reader) sameParagraph(a, b int) bool {
	for _, p := range r.paragraphs {
		if a < p && p <= b {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// isLatin reports whether s is written in Latin letters and digits only.
func isLatin(s string) bool {
	for _, c := range s {
		if c > unicode.MaxASCII {
			return false
		}
	}
	return true
}
