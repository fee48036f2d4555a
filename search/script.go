package search

import (
	"fmt"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/unicode/norm"
)

// The conversion that makes simplified and traditional Chinese one script
// for search: OpenCC's hk2s, that is Hong Kong variant forms to OpenCC's
// standard traditional forms (衞 → 衛, 枱 → 檯), then OpenCC's t2s,
// traditional to simplified by phrase where its dictionary has the phrase
// (數據 → 数据, 乾燥 → 干燥 but 乾隆 stays), else by character. Taiwan's
// variant table (tw2s) is left out: it rewrites simplified characters
// (么 → 幺, 抬 → 擡, 著 → 着), so simplified text would not stay as it is.
const conversion = "hk2s"

// simplifier converts text to simplified characters, rune for rune.
type simplifier struct {
	cc *opencc.OpenCC
	// changes holds the runes some group of the conversion's chain turns
	// into another (數, 據; 台, which Hong Kong's table turns into 臺 and
	// t2s back); phrases[i] those that begin a phrase (a key of more than
	// one rune) in group i (乾 of 乾燥, 重 of 重覆). A text with no rune of
	// changes and no phrase of a group at a rune of its phrases converts
	// to itself, which spares OpenCC's matcher (some microseconds a name,
	// allocating at every character) for nearly all simplified text.
	changes runeSet
	phrases []runeSet
}

// runeSet is a set of runes below maxSetRune, a bit each: a lookup costs
// a shift, where a map's costs a hash, for every rune folded.
type runeSet []uint64

const maxSetRune = 0x30000 // past the CJK extension planes

func (s runeSet) add(r rune) {
	if r >= 0 && r < maxSetRune {
		s[r>>6] |= 1 << (r & 63)
	}
}

func (s runeSet) has(r rune) bool {
	return r >= 0 && r < maxSetRune && s[r>>6]&(1<<(r&63)) != 0
}

// theSimplifier loads the dictionaries on first use (a few
// milliseconds; they are embedded in the binary by the opencc package).
var theSimplifier = sync.OnceValues(func() (*simplifier, error) {
	cc, err := opencc.New(conversion)
	if err != nil {
		return nil, err
	}
	s := &simplifier{cc: cc, changes: make(runeSet, maxSetRune/64)}
	for _, g := range cc.DictChains {
		starts, phrases := make(runeSet, maxSetRune/64), make(runeSet, maxSetRune/64)
		for _, d := range g.Dicts {
			for _, id := range d.Trie.PrefixPredict(nil, 0) {
				k, err := d.Trie.Key(id)
				if err != nil {
					return nil, err
				}
				r, n := utf8.DecodeRune(k)
				if r >= maxSetRune {
					return nil, fmt.Errorf("search: OpenCC's dictionary has a key beyond U+%X: %q", maxSetRune, k)
				}
				starts.add(r)
				if n < len(k) {
					phrases.add(r)
				}
			}
		}
		// A rune that is a key of the group changes if the group,
		// reading it alone, gives another.
		one := opencc.OpenCC{DictChains: []*opencc.Group{g}}
		for r := rune(0); r < maxSetRune; r++ {
			if !starts.has(r) || s.changes.has(r) {
				continue
			}
			if out, err := one.Convert(string(r)); err != nil || out != string(r) {
				s.changes.add(r)
			}
		}
		s.phrases = append(s.phrases, phrases)
	}
	return s, nil
})

// unchanged reports whether the conversion leaves text as it is: no rune
// of it changes, and no phrase of a group's dictionaries occurs in it.
// Then every group reads the text itself, and converts each rune alone.
func (sc *simplifier) unchanged(text string) bool {
	for i, r := range text {
		if sc.changes.has(r) {
			return false
		}
		for g, phrases := range sc.phrases {
			if !phrases.has(r) {
				continue
			}
			for _, d := range sc.cc.DictChains[g].Dicts {
				for _, id := range d.Trie.PrefixMatch([]byte(text[i:]), 0) {
					if k, err := d.Trie.Key(id); err != nil || utf8.RuneCount(k) > 1 {
						return false
					}
				}
			}
		}
	}
	return true
}

// simplified returns s with traditional Chinese written in simplified
// characters, and every other rune as it is. The result has exactly as
// many runes as s, rune i coming from rune i of s, so offsets into the
// result are offsets into s: OpenCC's dictionaries map each phrase to one
// of the same length (a test checks every entry), and should a future
// dictionary not, the text is converted character by character instead.
func simplified(s string) string {
	sc, err := theSimplifier()
	if err != nil {
		panic("search: loading OpenCC's dictionaries: " + err.Error()) // embedded: cannot fail but by a broken build
	}
	if sc.unchanged(s) {
		return s
	}
	out, err := sc.cc.Convert(s)
	if err == nil && utf8.RuneCountInString(out) == utf8.RuneCountInString(s) {
		return out
	}
	rs := []rune(s)
	for i, r := range rs {
		if !sc.changes.has(r) {
			continue
		}
		if c, err := sc.cc.Convert(string(r)); err == nil && utf8.RuneCountInString(c) == 1 {
			rs[i], _ = utf8.DecodeRuneInString(c)
		}
	}
	return string(rs)
}

// foldRune folds one rune for comparison: fullwidth forms become ASCII,
// letters lower case, and Latin letters lose their diacritics (ā, á, ǎ,
// à → a; ü → u; é → e), so that pinyin with tone marks and accented
// English compare as plain letters. It returns -1 for a rune to drop: a
// combining diacritical mark, such as a tone mark typed after its letter.
// Script (traditional → simplified) is folded before, by simplified, as
// it needs whole phrases.
func foldRune(r rune) rune {
	switch {
	case r == '\u3000':
		return ' '
	case r >= '\uff01' && r <= '\uff5e': // fullwidth ASCII
		r -= 0xfee0
	case r >= 0x300 && r <= 0x36f: // combining diacritical marks
		return -1
	}
	if r >= 0xc0 && r < 0x2000 {
		if b, ok := latinBase()[r]; ok {
			r = b
		}
	}
	return unicode.ToLower(r)
}

// latinBase maps the precomposed Latin letters with diacritics (Latin-1,
// Latin Extended-A and -B, Latin Extended Additional) to their base
// letter, by their canonical decomposition.
var latinBase = sync.OnceValue(func() map[rune]rune {
	m := map[rune]rune{}
	for _, block := range [][2]rune{{0xc0, 0x24f}, {0x1e00, 0x1eff}} {
		for r := block[0]; r <= block[1]; r++ {
			d := []rune(norm.NFD.String(string(r)))
			if len(d) < 2 || d[0] >= 0x80 {
				continue
			}
			marks := true
			for _, c := range d[1:] {
				marks = marks && c >= 0x300 && c <= 0x36f
			}
			if marks {
				m[r] = d[0]
			}
		}
	}
	return m
})

// foldText is fold for bleve: the text with script and each rune folded
// as fold does, punctuation kept for bleve's tokenizer to split on.
func foldText(s string) string {
	s = simplified(s)
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r = foldRune(r); r >= 0 {
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

// foldFilter is the bleve char filter that folds indexed and queried text
// alike (see foldText), registered as foldFilterName.
type foldFilter struct{}

func (foldFilter) Filter(input []byte) []byte { return []byte(foldText(string(input))) }
