package tupu

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Dataset is a whole curated graph: what a seed file or an import holds.
type Dataset struct {
	Documents []Document
	Entities  []Entity
	Relations []Relation
	Facts     []Fact
}

var (
	datePattern   = `\d{4}(-\d{2}(-\d{2})?)?`
	periodPattern = regexp.MustCompile(`^` + datePattern + `(/` + datePattern + `)?$`)
)

// MaxKeyLength bounds keys, which appear inside IDs and cursors.
const MaxKeyLength = 80

// ValidateKey returns BAD_USER_INPUT unless key is lowercase ASCII words
// joined by '-'. Store keys are joined with 0x00, so keys must not hold it.
func ValidateKey(field, key string) error {
	if msg := keyProblem(key); msg != "" {
		return Errorf(BadUserInput, "%s: %s", field, msg)
	}
	return nil
}

// keyProblem says what is wrong with a key, or "". It is on the bulk
// loader's path, so it reads bytes instead of running a regular expression.
func keyProblem(k string) string {
	if !isWords(k, '-', false) || len(k) > MaxKeyLength {
		return fmt.Sprintf("%q is not a key (lowercase a-z, 0-9 and single '-', at most %d characters)", k, MaxKeyLength)
	}
	return ""
}

// propertyProblem says what is wrong with a fact's property, or "".
func propertyProblem(p string) string {
	if !isWords(p, '_', true) || len(p) > MaxPropertyLength {
		return fmt.Sprintf("%q is not snake_case of at most %d characters (a-z, 0-9 and single '_', starting with a letter)", p, MaxPropertyLength)
	}
	return ""
}

// isWords reports whether s is words of a-z and 0-9 joined by single sep
// characters, starting with a letter when letterFirst is set.
func isWords(s string, sep byte, letterFirst bool) bool {
	if len(s) == 0 || s[0] == sep || s[len(s)-1] == sep || (letterFirst && (s[0] < 'a' || s[0] > 'z')) {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == sep && s[i-1] != sep:
		default:
			return false
		}
	}
	return true
}

// ValidatePeriod returns BAD_USER_INPUT unless period is empty or an
// ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD) or an interval of two dates
// whose start is not after its end.
func ValidatePeriod(field, period string) error {
	if msg := periodProblem(period); msg != "" {
		return Errorf(BadUserInput, "%s: %s", field, msg)
	}
	return nil
}

func periodProblem(period string) string {
	if period == "" {
		return ""
	}
	bad := fmt.Sprintf("%q is not an ISO 8601 date or interval such as 2020, 2021-01/2021-08", period)
	if !periodPattern.MatchString(period) {
		return bad
	}
	start, end, isInterval := strings.Cut(period, "/")
	from, err1 := parseDate(start)
	to, err2 := from, error(nil)
	if isInterval {
		to, err2 = parseDate(end)
	}
	if err1 != nil || err2 != nil {
		return bad
	}
	if to.Before(from) {
		return fmt.Sprintf("%q ends before it starts", period)
	}
	return ""
}

// parseDate reads a date of 4, 7 or 10 characters (YYYY, YYYY-MM,
// YYYY-MM-DD), refusing impossible months and days.
func parseDate(s string) (time.Time, error) {
	layout := map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}[len(s)]
	if layout == "" {
		return time.Time{}, fmt.Errorf("bad date %q", s)
	}
	return time.Parse(layout, s)
}

// Problem is one thing wrong with one entry of a dataset.
type Problem struct {
	Section string // "documents", "entities", "relations" or "facts"
	Index   int    // the entry's index in its section
	Entry   string // what names the entry: a key, or subject predicate object
	Message string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s[%d] %s: %s", p.Section, p.Index, p.Entry, p.Message)
}

// Validate checks the dataset as a whole: it returns BAD_USER_INPUT listing
// every problem (see Problems), or nil when the dataset is sound.
func (d *Dataset) Validate() error {
	problems := d.Problems()
	if len(problems) == 0 {
		return nil
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
	}
	return Errorf(BadUserInput, "%d problems:\n%s", len(problems), strings.Join(lines, "\n"))
}

// Normalize puts every entry's curated text in normalization form C
// (see Entity.Normalize): import and the seed loader normalize what they
// read, as the mutations do.
func (d *Dataset) Normalize() {
	for i := range d.Documents {
		d.Documents[i].Normalize()
	}
	for i := range d.Entities {
		d.Entities[i].Normalize()
	}
	for i := range d.Relations {
		d.Relations[i].Normalize()
	}
	for i := range d.Facts {
		d.Facts[i].Normalize()
	}
}

// Problems returns every problem of the dataset, each naming its entry:
// what CheckDocument, CheckEntity, CheckRelation and CheckFact say of each
// entry, with the dataset itself as the Graph they look up, and a key,
// relation or fact (entity, property, period) that repeats. Entries come
// in the dataset's order, each one's problems in its fields' order.
func (d *Dataset) Problems() []Problem {
	var out []Problem
	add := func(section string, i int, entry string, p problems) {
		for _, msg := range p {
			out = append(out, Problem{section, i, entry, msg})
		}
	}
	g := newDatasetGraph(d)

	seen := make(map[string]bool, len(d.Documents))
	for i := range d.Documents {
		doc := &d.Documents[i]
		p := documentProblems(doc)
		if seen[doc.Key] {
			p.add("key", "repeats")
		}
		seen[doc.Key] = true
		add("documents", i, strconv.Quote(doc.Key), p)
	}
	seen = make(map[string]bool, len(d.Entities))
	for i := range d.Entities {
		e := &d.Entities[i]
		p, _ := entityProblems(g, e) // the dataset's lookups do not fail
		if seen[e.Key] {
			p.add("key", "repeats")
		}
		seen[e.Key] = true
		add("entities", i, strconv.Quote(e.Key), p)
	}
	seen = make(map[string]bool, len(d.Relations))
	for i := range d.Relations {
		r := &d.Relations[i]
		p, _ := relationProblems(g, r)
		id := r.Subject + "\x00" + string(r.Predicate) + "\x00" + r.Object
		if seen[id] {
			p.add("relation", "repeats")
		}
		seen[id] = true
		add("relations", i, fmt.Sprintf("%s %s %s", r.Subject, r.Predicate, r.Object), p)
	}
	seen = make(map[string]bool, len(d.Facts))
	for i := range d.Facts {
		f := &d.Facts[i]
		p, _ := factProblems(g, f)
		id := f.Entity + "\x00" + f.Property + "\x00" + f.Period
		if seen[id] {
			p.add("fact", "repeats (same entity, property and period)")
		}
		seen[id] = true
		add("facts", i, fmt.Sprintf("%s %s %s", f.Entity, f.Property, f.Period), p)
	}
	return out
}

// datasetGraph is a Dataset as a Graph: the first entity or document with
// a key is the one looked up. Its documents are copies indexed for quotes
// (Document.IndexQuotes).
type datasetGraph struct {
	entities  map[string]*Entity
	documents map[string]*Document
}

func newDatasetGraph(d *Dataset) *datasetGraph {
	g := &datasetGraph{entities: make(map[string]*Entity, len(d.Entities)), documents: make(map[string]*Document, len(d.Documents))}
	for i := range d.Documents {
		if _, dup := g.documents[d.Documents[i].Key]; !dup {
			doc := &Document{Key: d.Documents[i].Key, Text: d.Documents[i].QuotableText()}
			doc.IndexQuotes()
			g.documents[doc.Key] = doc
		}
	}
	for i := range d.Entities {
		if _, dup := g.entities[d.Entities[i].Key]; !dup {
			g.entities[d.Entities[i].Key] = &d.Entities[i]
		}
	}
	return g
}

func (g *datasetGraph) Entity(key string) (*Entity, error) {
	if e, ok := g.entities[key]; ok {
		return e, nil
	}
	return nil, Errorf(NotFound, "no entity has key %q", key)
}

func (g *datasetGraph) Document(key string) (*Document, error) {
	if d, ok := g.documents[key]; ok {
		return d, nil
	}
	return nil, Errorf(NotFound, "no document has key %q", key)
}
