package tupu

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field limits for curated text. Generous for what sources say, small
// enough that no single write can bloat the store or a response.
const (
	MaxNameLength        = 200
	MaxAliases           = 50
	MaxDescriptionLength = 4000
	MaxQuoteLength       = 1000
	MaxDocumentLength    = 1 << 20
)

// checkText returns BAD_USER_INPUT naming field unless s is valid UTF-8 of
// at most max characters without control characters (line breaks allowed
// where multiline is set).
func checkText(field, s string, max int, multiline bool) error {
	if !utf8.ValidString(s) {
		return Errorf(BadUserInput, "%s: not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Errorf(BadUserInput, "%s: %d characters, at most %d", field, n, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return Errorf(BadUserInput, "%s: holds a control character %U", field, r)
		}
	}
	return nil
}

// ValidateEntity checks an entity's own fields (not its source) and
// returns BAD_USER_INPUT naming the first field at fault.
func ValidateEntity(e *Entity) error {
	if err := ValidateKey("key", e.Key); err != nil {
		return err
	}
	if _, ok := KindByName(string(e.Kind)); !ok {
		return Errorf(BadUserInput, "kind: %q is unknown", e.Kind)
	}
	if strings.TrimSpace(e.Name) == "" {
		return Errorf(BadUserInput, "name: empty")
	}
	for field, s := range map[string]string{"name": e.Name, "nameEn": e.NameEn} {
		if err := checkText(field, s, MaxNameLength, false); err != nil {
			return err
		}
	}
	if len(e.Aliases) > MaxAliases {
		return Errorf(BadUserInput, "aliases: %d, at most %d", len(e.Aliases), MaxAliases)
	}
	for _, a := range e.Aliases {
		if strings.TrimSpace(a) == "" {
			return Errorf(BadUserInput, "aliases: an alias is empty")
		}
		if err := checkText("aliases", a, MaxNameLength, false); err != nil {
			return err
		}
	}
	for field, s := range map[string]string{"description": e.Description, "note": e.Note} {
		if err := checkText(field, s, MaxDescriptionLength, true); err != nil {
			return err
		}
	}
	return nil
}

// ValidateFact checks a fact's own fields (not that its entity exists or
// its quote is in its document) and returns BAD_USER_INPUT naming the
// first field at fault.
func ValidateFact(f *Fact) error {
	if !propertyPattern.MatchString(f.Property) || len(f.Property) > 80 {
		return Errorf(BadUserInput, "property: %q is not snake_case of at most 80 characters", f.Property)
	}
	if f.Value == nil && strings.TrimSpace(f.Text) == "" {
		return Errorf(BadUserInput, "value: a fact needs a value or a text")
	}
	if f.Value != nil && (math.IsInf(*f.Value, 0) || math.IsNaN(*f.Value)) {
		return Errorf(BadUserInput, "value: %v is not a finite number", *f.Value)
	}
	if f.Unit != "" {
		if _, _, ok := Normalize(0, f.Unit); !ok {
			return Errorf(BadUserInput, "unit: %q is not a unit tupu knows (%s)", f.Unit, strings.Join(KnownUnits(), " "))
		}
	}
	if err := ValidatePeriod("period", f.Period); err != nil {
		return err
	}
	if f.Qualifier != "" && !containsQualifier(f.Qualifier) {
		return Errorf(BadUserInput, "qualifier: %q is not one of %v", f.Qualifier, Qualifiers)
	}
	for field, s := range map[string]string{"label": f.Label, "text": f.Text, "note": f.Note} {
		if err := checkText(field, s, MaxDescriptionLength, field != "label"); err != nil {
			return err
		}
	}
	return nil
}

func containsQualifier(q Qualifier) bool {
	for _, x := range Qualifiers {
		if x == q {
			return true
		}
	}
	return false
}

// ValidateDocument checks a document's fields.
func ValidateDocument(d *Document) error {
	if err := ValidateKey("key", d.Key); err != nil {
		return err
	}
	if strings.TrimSpace(d.Title) == "" {
		return Errorf(BadUserInput, "title: empty")
	}
	if strings.TrimSpace(d.Text) == "" {
		return Errorf(BadUserInput, "text: empty")
	}
	if err := checkText("title", d.Title, MaxNameLength*2, false); err != nil {
		return err
	}
	if err := checkText("publisher", d.Publisher, MaxNameLength, false); err != nil {
		return err
	}
	if err := checkText("text", d.Text, MaxDocumentLength, true); err != nil {
		return err
	}
	return ValidatePeriod("publishedAt", d.PublishedAt)
}

// ValidateQuote checks that quote is words of the document's text.
func ValidateQuote(d *Document, quote string) error {
	if strings.TrimSpace(quote) == "" {
		return Errorf(BadUserInput, "source.quote: empty")
	}
	if err := checkText("source.quote", quote, MaxQuoteLength, false); err != nil {
		return err
	}
	if !strings.Contains(d.QuotableText(), quote) {
		return Errorf(BadUserInput, "source.quote: %q is not in document %q", quote, d.Key)
	}
	return nil
}
