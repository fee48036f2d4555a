package suggest

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"tupu"
)

// mention is a name found in the text, in byte offsets.
type mention struct {
	entity     *tupu.Entity
	name       string
	start, end int
}

// candidate is one name to look for.
type candidate struct {
	name   string // as the entity holds it
	folded string // what is matched: Latin letters lowercased
	entity *tupu.Entity
}

// findMentions returns where text names the entities: the longest name
// that starts at a place wins, and matches do not overlap (仙桃数据谷北立交
// is the road, not the park and more). Names of one character are not
// looked for (they are words more often than names); names in Latin
// letters match case-insensitively, as whole words. A name two entities
// hold is a mention of each.
//
// Names are grouped by their first character, so the text is read once
// and each place is compared with the few names that start like it; a
// graph of many entities costs the time to gather their names.
func findMentions(text string, entities []*tupu.Entity) []mention {
	byFirst := map[rune][]candidate{}
	for _, e := range entities {
		for _, n := range e.Names() {
			if utf8.RuneCountInString(n) < 2 {
				continue
			}
			folded := strings.ToLower(n)
			first, _ := utf8.DecodeRuneInString(folded)
			byFirst[first] = append(byFirst[first], candidate{n, folded, e})
		}
	}
	for r, cs := range byFirst {
		// Longest first; for one name, entities in key order.
		slices.SortStableFunc(cs, func(a, b candidate) int {
			if d := len(b.folded) - len(a.folded); d != 0 {
				return d
			}
			return strings.Compare(a.entity.Key, b.entity.Key)
		})
		byFirst[r] = cs
	}
	lower := strings.ToLower(text)
	if len(lower) != len(text) { // a letter whose lower case is longer: match as written
		lower = text
	}
	var out []mention
	for i := 0; i < len(lower); {
		c, size := utf8.DecodeRuneInString(lower[i:])
		end := -1
		for _, cand := range byFirst[c] {
			if end >= 0 && len(cand.folded) < end-i {
				break // every longer name has been tried
			}
			if !strings.HasPrefix(lower[i:], cand.folded) || isLatin(cand.name) && !wordAt(lower, i, i+len(cand.folded)) {
				continue
			}
			end = i + len(cand.folded)
			out = append(out, mention{cand.entity, cand.name, i, end})
		}
		if end >= 0 {
			i = end
			continue
		}
		i += size
	}
	return out
}

// wordAt reports whether text[start:end] stands as a word: no letter or
// digit of the Latin alphabet right before or after it.
func wordAt(text string, start, end int) bool {
	latin := func(r rune) bool { return r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) }
	if before, _ := utf8.DecodeLastRuneInString(text[:start]); start > 0 && latin(before) {
		return false
	}
	if after, _ := utf8.DecodeRuneInString(text[end:]); end < len(text) && latin(after) {
		return false
	}
	return true
}

// subjectKinds are the kinds figures are about. The others name what a
// figure is of or where it ranks (a city in 全市第一, an industry, a
// report, an award) or who spoke (a government body), not its subject.
func subjectKind(k tupu.Kind) bool {
	switch k {
	case tupu.KindCity, tupu.KindRegion, tupu.KindIndustry, tupu.KindAward, tupu.KindGovernmentBody,
		tupu.KindPublication, tupu.KindMarket, tupu.KindPlace:
		return false
	}
	return true
}

// mainEntity returns the entity the document names most often among the
// kinds figures are about: the one a figure with no name near it is
// likely about (渝北 in an article on Yubei). Ties go to the first named.
func mainEntity(mentions []mention) *tupu.Entity {
	count := map[string]int{}
	var best *tupu.Entity
	for _, m := range mentions {
		if !subjectKind(m.entity.Kind) {
			continue
		}
		count[m.entity.Key]++
		if best == nil || count[m.entity.Key] > count[best.Key] {
			best = m.entity
		}
	}
	return best
}

// prepositions before a name make it other than the subject: 由 (by), 与
// and 同 (with), 为 and 对 (for, to), 向 (towards), 从 (from).
const prepositions = "由与同为对向从跟"

// about returns the key of the entity a figure at byte offset at is most
// likely about: the first entity of a subject kind its sentence names
// before it, not after a preposition (a Chinese sentence names its topic
// first: 渝北为云阳县提供就业岗位2300个 is Yubei's), else the document's
// main entity.
func about(text string, mentions []mention, sentence span, at int, main *tupu.Entity) string {
	for _, m := range mentions {
		if m.start < sentence.start || !subjectKind(m.entity.Kind) {
			continue
		}
		if m.end > at {
			break
		}
		if r, _ := utf8.DecodeLastRuneInString(text[:m.start]); strings.ContainsRune(prepositions, r) {
			continue
		}
		return m.entity.Key
	}
	if main != nil {
		return main.Key
	}
	return ""
}
