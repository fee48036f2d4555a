package tupu

import (
	"fmt"
	"math"
	"regexp"
	"slices"
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
	keyPattern      = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	propertyPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	datePattern     = `\d{4}(-\d{2}(-\d{2})?)?`
	periodPattern   = regexp.MustCompile(`^` + datePattern + `(/` + datePattern + `)?$`)
)

// MaxKeyLength bounds keys, which appear inside IDs and cursors.
const MaxKeyLength = 80

// ValidateKey returns BAD_USER_INPUT unless key is lowercase ASCII words
// joined by '-'. Store keys are joined with 0x00, so keys must not hold it.
func ValidateKey(field, key string) error {
	if len(key) == 0 || len(key) > MaxKeyLength || !keyPattern.MatchString(key) {
		return Errorf(BadUserInput, "%s: %q is not a key (lowercase a-z, 0-9 and single '-', at most %d characters)", field, key, MaxKeyLength)
	}
	return nil
}

// ValidatePeriod returns BAD_USER_INPUT unless period is empty or an
// ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD) or an interval of two dates
// whose start is not after its end.
func ValidatePeriod(field, period string) error {
	if period == "" {
		return nil
	}
	bad := Errorf(BadUserInput, "%s: %q is not an ISO 8601 date or interval such as 2020, 2021-01/2021-08", field, period)
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
		return Errorf(BadUserInput, "%s: %q ends before it starts", field, period)
	}
	return nil
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

// Problems returns every problem of the dataset, each naming its entry: a
// key that repeats, an unknown kind or predicate, a relation or fact that
// points at no entity, a quote its document does not contain, a period
// that is no date, a figure that is no number.
func (d *Dataset) Problems() []Problem {
	var problems []Problem
	var section, entry string
	var index int
	at := func(sec string, i int, e string) { section, index, entry = sec, i, e }
	add := func(format string, args ...any) {
		problems = append(problems, Problem{section, index, entry, fmt.Sprintf(format, args...)})
	}

	docs := make(map[string]string, len(d.Documents))
	for i, doc := range d.Documents {
		at("documents", i, strconv.Quote(doc.Key))
		if err := ValidateKey("key", doc.Key); err != nil {
			add("%v", err)
		}
		if _, dup := docs[doc.Key]; dup {
			add("key repeats")
		}
		if strings.TrimSpace(doc.Title) == "" {
			add("title is empty")
		}
		if strings.TrimSpace(doc.Text) == "" {
			add("text is empty")
		}
		if err := ValidatePeriod("publishedAt", doc.PublishedAt); err != nil {
			add("%v", err)
		}
		docs[doc.Key] = doc.QuotableText()
	}
	checkSource := func(s *Source) {
		if s == nil {
			add("no source: every statement cites a document and a quote")
			return
		}
		text, ok := docs[s.Document]
		switch {
		case !ok:
			add("document %q is not in the dataset", s.Document)
		case strings.TrimSpace(s.Quote) == "":
			add("quote is empty")
		case !strings.Contains(text, s.Quote):
			add("quote %q is not found in document %q", s.Quote, s.Document)
		}
	}

	entities := make(map[string]bool, len(d.Entities))
	for i, e := range d.Entities {
		at("entities", i, strconv.Quote(e.Key))
		if err := ValidateKey("key", e.Key); err != nil {
			add("%v", err)
		}
		if entities[e.Key] {
			add("key repeats")
		}
		entities[e.Key] = true
		if _, ok := KindByName(string(e.Kind)); !ok {
			add("kind %q is unknown", e.Kind)
		}
		if strings.TrimSpace(e.Name) == "" {
			add("name is empty")
		} else if err := ValidateEntity(&e); err != nil && ValidateKey("key", e.Key) == nil && string(e.Kind) != "" {
			if _, known := KindByName(string(e.Kind)); known {
				add("%v", err)
			}
		}
		checkSource(e.Source)
	}

	relations := make(map[string]bool, len(d.Relations))
	for i, r := range d.Relations {
		at("relations", i, fmt.Sprintf("%s %s %s", r.Subject, r.Predicate, r.Object))
		if _, ok := PredicateByName(string(r.Predicate)); !ok {
			add("predicate %q is unknown", r.Predicate)
		}
		if !entities[r.Subject] {
			add("subject %q is not an entity", r.Subject)
		}
		if !entities[r.Object] {
			add("object %q is not an entity", r.Object)
		}
		if r.Subject == r.Object {
			add("an entity cannot relate to itself")
		}
		id := r.Subject + "\x00" + string(r.Predicate) + "\x00" + r.Object
		if relations[id] {
			add("relation repeats")
		}
		relations[id] = true
		checkSource(r.Source)
	}

	facts := make(map[string]bool, len(d.Facts))
	for i, f := range d.Facts {
		at("facts", i, fmt.Sprintf("%s %s %s", f.Entity, f.Property, f.Period))
		if !entities[f.Entity] {
			add("entity %q is not an entity", f.Entity)
		}
		if !propertyPattern.MatchString(f.Property) {
			add("property %q is not snake_case", f.Property)
		}
		if f.Value == nil && strings.TrimSpace(f.Text) == "" {
			add("neither value nor text")
		}
		if f.Value != nil && (math.IsInf(*f.Value, 0) || math.IsNaN(*f.Value)) {
			add("value %v is not a finite number", *f.Value)
		}
		if err := ValidatePeriod("period", f.Period); err != nil {
			add("%v", err)
		}
		if f.Unit != "" {
			if _, _, ok := Normalize(0, f.Unit); !ok {
				add("unit %q is not a unit tupu knows", f.Unit)
			}
		}
		if f.Qualifier != "" && !slices.Contains(Qualifiers, f.Qualifier) {
			add("qualifier %q is not one of %v", f.Qualifier, Qualifiers)
		}
		id := f.Entity + "\x00" + f.Property + "\x00" + f.Period
		if facts[id] {
			add("fact repeats (same entity, property and period)")
		}
		facts[id] = true
		checkSource(&f.Source)
	}

	return problems
}
