package tupu

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"
)

// Text rules: what curated text may hold, so that it is what it looks
// like. Curators' own words (names, aliases, descriptions, labels, notes,
// titles) are kept in Unicode normalization form C, the form keyboards
// produce, and may not hold characters that change how text looks or reads
// without being seen: format characters (Unicode category Cf: bidirectional
// controls such as U+202E, zero-width spaces and joiners, the byte-order
// mark, tag characters, the soft hyphen), private-use characters, and
// control characters other than line breaks and tabs in multi-line text.
// Two format characters are part of how some scripts are written, and are
// allowed where those scripts need them (after RFC 5892's ContextJ rules):
// ZERO WIDTH JOINER and ZERO WIDTH NON-JOINER right after a virama
// (Devanagari, Bengali, Sinhala...), and ZERO WIDTH NON-JOINER between two
// letters of a cursive script (Arabic, Syriac, N'Ko, Mongolian...).
//
// Words quoted from a document, and documents' texts, are verbatim: they
// are checked only for valid UTF-8 and control characters, never changed.

// textKind says which rules a field's text follows.
type textKind int

const (
	line     textKind = iota // one line of a curator's words: NFC, visible
	prose                    // a curator's words over several lines: NFC, visible, line breaks and tabs
	verbatim                 // words of a document, one line: as written
	printed                  // a document's text as printed: as written, line breaks and tabs
)

const (
	zwnj = '\u200C'
	zwj  = '\u200D'
)

// joiningScripts are the scripts whose letters join cursively, where a
// ZERO WIDTH NON-JOINER between two letters keeps them apart on purpose.
var joiningScripts = []*unicode.RangeTable{
	unicode.Arabic, unicode.Syriac, unicode.Nko, unicode.Mongolian,
	unicode.Phags_Pa, unicode.Manichaean, unicode.Psalter_Pahlavi, unicode.Hanifi_Rohingya,
	unicode.Mandaic, unicode.Sogdian, unicode.Old_Uyghur, unicode.Chorasmian, unicode.Adlam,
}

// isVirama reports whether r is a virama (canonical combining class 9),
// after which scripts of India and South-East Asia use ZWJ and ZWNJ to
// choose how consonants join.
func isVirama(r rune) bool {
	return norm.NFC.PropertiesString(string(r)).CCC() == 9
}

func joiningLetter(r rune) bool {
	return unicode.IsLetter(r) && unicode.In(r, joiningScripts...)
}

// neededJoiner reports whether a ZWJ or ZWNJ between prev and next is one
// a script needs.
func neededJoiner(r, prev, next rune) bool {
	if isVirama(prev) {
		return true
	}
	return r == zwnj && joiningLetter(prev) && (joiningLetter(next) || unicode.Is(unicode.Mn, next))
}

// describeRune names a character for a message: U+202E RIGHT-TO-LEFT
// OVERRIDE.
func describeRune(r rune) string {
	if name := runenames.Name(r); name != "" && !strings.HasPrefix(name, "<") {
		return fmt.Sprintf("%U %s", r, name)
	}
	return fmt.Sprintf("%U", r)
}

// hiddenKind says why a character is refused in visible text, or "" if it
// is not.
func hiddenKind(r rune) string {
	switch {
	case r == '\uFEFF':
		return "a byte-order mark"
	case r >= 0xE0000 && r <= 0xE007F:
		return "a tag character"
	case unicode.Is(unicode.Bidi_Control, r):
		return "a bidirectional control, which reorders what is shown"
	case r == '\u2028' || r == '\u2029':
		return "a line or paragraph separator"
	case unicode.Is(unicode.Cf, r):
		return "an invisible format character"
	case unicode.Is(unicode.Co, r):
		return "a private-use character, which shows as whatever a font makes of it"
	}
	return ""
}

// textProblem returns what is wrong with s as text of the given kind and
// at most max characters, or "".
func textProblem(s string, kind textKind, max int) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("%d characters, at most %d", n, max)
	}
	multiline := kind == prose || kind == printed
	visible := kind == line || kind == prose
	pos, prev := 0, rune(-1)
	plain := true // every rune so far is one plainRune allows
	for i, r := range s {
		pos++
		if plainRune(r) {
			prev = r
			continue
		}
		plain = false
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return fmt.Sprintf("character %d is the control character %s; remove it", pos, describeRune(r))
		}
		if visible {
			if r == zwj || r == zwnj {
				next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
				if !neededJoiner(r, prev, next) {
					return fmt.Sprintf("character %d is %s, an invisible joiner allowed only where a script needs it (after a virama, or between Arabic-like letters); remove it", pos, describeRune(r))
				}
			} else if why := hiddenKind(r); why != "" {
				return fmt.Sprintf("character %d is %s, %s: text must be what it looks like; remove it", pos, describeRune(r), why)
			}
		}
		prev = r
	}
	if visible && !plain && !norm.NFC.IsNormalString(s) {
		return "not in Unicode normalization form C (NFC); write it again through the API, which normalizes it"
	}
	return ""
}

// plainRune reports whether r is a printable ASCII character, a CJK
// unified ideograph or common Chinese punctuation: visible, and a text of
// these alone is in NFC. Most curated text is, and skips the slower
// checks.
func plainRune(r rune) bool {
	return (r >= 0x20 && r < 0x7f) || (r >= 0x4E00 && r <= 0x9FFF) ||
		(r >= 0x2018 && r <= 0x201F) || (r >= 0x3001 && r <= 0x3011) || (r >= 0xFF01 && r <= 0xFF5E)
}

// nfc returns s in normalization form C.
func nfc(s string) string {
	if norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}
