package tupu

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
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
// ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD) or interval of two dates.
func ValidatePeriod(field, period string) error {
	if period != "" && !periodPattern.MatchString(period) {
		return Errorf(BadUserInput, "%s: %q is not an ISO 8601 date or interval such as 2020, 2021-01/2021-08", field, period)
	}
	return nil
}

// Validate checks the dataset as a whole and returns every problem found,
// each naming its entry: a key that repeats, an unknown kind or predicate,
// a relation or fact that points at no entity, a quote its document does
// not contain. The error is BAD_USER_INPUT; nil means the dataset is sound.
func (d *Dataset) Validate() error {
	var problems []string
	add := func(entry string, format string, args ...any) {
		problems = append(problems, entry+": "+fmt.Sprintf(format, args...))
	}

	docs := make(map[string]string, len(d.Documents))
	for i, doc := range d.Documents {
		entry := fmt.Sprintf("documents[%d] %q", i, doc.Key)
		if err := ValidateKey("key", doc.Key); err != nil {
			add(entry, "%v", err)
		}
		if _, dup := docs[doc.Key]; dup {
			add(entry, "key repeats")
		}
		if strings.TrimSpace(doc.Title) == "" {
			add(entry, "title is empty")
		}
		if strings.TrimSpace(doc.Text) == "" {
			add(entry, "text is empty")
		}
		if err := ValidatePeriod("publishedAt", doc.PublishedAt); err != nil {
			add(entry, "%v", err)
		}
		docs[doc.Key] = doc.QuotableText()
	}
	checkSource := func(entry string, s *Source) {
		if s == nil {
			add(entry, "no source: every statement cites a document and a quote")
			return
		}
		text, ok := docs[s.Document]
		switch {
		case !ok:
			add(entry, "document %q is not in the dataset", s.Document)
		case strings.TrimSpace(s.Quote) == "":
			add(entry, "quote is empty")
		case !strings.Contains(text, s.Quote):
			add(entry, "quote %q is not found in document %q", s.Quote, s.Document)
		}
	}

	entities := make(map[string]bool, len(d.Entities))
	for i, e := range d.Entities {
		entry := fmt.Sprintf("entities[%d] %q", i, e.Key)
		if err := ValidateKey("key", e.Key); err != nil {
			add(entry, "%v", err)
		}
		if entities[e.Key] {
			add(entry, "key repeats")
		}
		entities[e.Key] = true
		if _, ok := KindByName(string(e.Kind)); !ok {
			add(entry, "kind %q is unknown", e.Kind)
		}
		if strings.TrimSpace(e.Name) == "" {
			add(entry, "name is empty")
		}
		checkSource(entry, e.Source)
	}

	relations := make(map[string]bool, len(d.Relations))
	for i, r := range d.Relations {
		entry := fmt.Sprintf("relations[%d] %s %s %s", i, r.Subject, r.Predicate, r.Object)
		if _, ok := PredicateByName(string(r.Predicate)); !ok {
			add(entry, "predicate %q is unknown", r.Predicate)
		}
		if !entities[r.Subject] {
			add(entry, "subject %q is not an entity", r.Subject)
		}
		if !entities[r.Object] {
			add(entry, "object %q is not an entity", r.Object)
		}
		if r.Subject == r.Object {
			add(entry, "an entity cannot relate to itself")
		}
		id := r.Subject + "\x00" + string(r.Predicate) + "\x00" + r.Object
		if relations[id] {
			add(entry, "relation repeats")
		}
		relations[id] = true
		checkSource(entry, r.Source)
	}

	facts := make(map[string]bool, len(d.Facts))
	for i, f := range d.Facts {
		entry := fmt.Sprintf("facts[%d] %s %s %s", i, f.Entity, f.Property, f.Period)
		if !entities[f.Entity] {
			add(entry, "entity %q is not an entity", f.Entity)
		}
		if !propertyPattern.MatchString(f.Property) {
			add(entry, "property %q is not snake_case", f.Property)
		}
		if f.Value == nil && strings.TrimSpace(f.Text) == "" {
			add(entry, "neither value nor text")
		}
		if err := ValidatePeriod("period", f.Period); err != nil {
			add(entry, "%v", err)
		}
		if f.Qualifier != "" && !slices.Contains(Qualifiers, f.Qualifier) {
			add(entry, "qualifier %q is not one of %v", f.Qualifier, Qualifiers)
		}
		id := f.Entity + "\x00" + f.Property + "\x00" + f.Period
		if facts[id] {
			add(entry, "fact repeats (same entity, property and period)")
		}
		facts[id] = true
		checkSource(entry, &f.Source)
	}

	if len(problems) == 0 {
		return nil
	}
	return &Error{Code: BadUserInput, Message: fmt.Sprintf("%d problems:\n%s", len(problems), strings.Join(problems, "\n"))}
}
