package search

import (
	"strings"
	"sync"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// The limits that keep multi-reading names from exploding: a character
// contributes at most maxReadings readings, and a name at most maxCombos
// spellings. Few names have more than two multi-reading characters.
const (
	maxReadings = 3
	maxCombos   = 16
)

// maxInner is how many syllables a pinyin query starting inside a name
// may span: the terms that find such queries are cut there, which keeps
// the spellings of long names from multiplying the terms.
const maxInner = 6

var pinyinArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Style = pinyin.Normal
	a.Heteronym = true
	return a
}()

// syllable is one unit of a name read aloud: the readings of one Han
// character, or a run of Latin letters and digits read as it is written.
// start and end are rune offsets in the name.
type syllable struct {
	readings   []string
	start, end int
}

// syllables reads a name, traditional characters as their simplified
// forms. Characters that are neither Han nor Latin letters or digits
// separate syllables and are not read.
func syllables(name string) []syllable {
	var out []syllable
	var latin []rune
	latinStart := 0
	flush := func(end int) {
		if len(latin) > 0 {
			out = append(out, syllable{readings: []string{string(latin)}, start: latinStart, end: end})
			latin = nil
		}
	}
	i := 0
	for _, r := range simplified(name) { // rune for rune, so offsets hold
		if r = foldRune(r); r < 0 { // a combining mark: part of the letter before
			i++
			continue
		}
		switch {
		case isHan(r):
			flush(i)
			if rs := readings(r); len(rs) > 0 {
				out = append(out, syllable{readings: rs, start: i, end: i + 1})
			}
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if len(latin) == 0 {
				latinStart = i
			}
			latin = append(latin, r)
		default:
			flush(i)
		}
		i++
	}
	flush(i)
	return out
}

// readingCache holds the readings of the characters seen so far:
// go-pinyin applies regular expressions to every reading it returns.
var readingCache sync.Map // rune → []string

// readings returns the distinct toneless readings of a Han character, at
// most maxReadings, ü written v, and then each reading with ü written u
// as well (绿: lv, lu; 女: nv, ru, nu), as people type it either way.
func readings(r rune) []string {
	if v, ok := readingCache.Load(r); ok {
		return v.([]string)
	}
	var rs []string
	for _, p := range pinyin.SinglePinyin(r, pinyinArgs) {
		p = strings.ReplaceAll(p, "ü", "v")
		if p != "" && !contains(rs, p) {
			rs = append(rs, p)
		}
		if len(rs) == maxReadings {
			break
		}
	}
	for _, p := range rs {
		if u := strings.ReplaceAll(p, "v", "u"); !contains(rs, u) {
			rs = append(rs, u)
		}
	}
	readingCache.Store(r, rs)
	return rs
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func hasHan(s string) bool {
	for _, r := range s {
		if isHan(r) {
			return true
		}
	}
	return false
}

// spellings returns up to maxCombos choices of one reading per syllable,
// as indexes into each syllable's readings. The first syllables vary
// first, so a multi-reading character at the start of a name (重庆:
// zhong/chong) gets all its readings even when the cap cuts.
func spellings(sy []syllable) [][]int {
	choice := make([]int, len(sy))
	var out [][]int
	for {
		out = append(out, append([]int(nil), choice...))
		if len(out) == maxCombos {
			return out
		}
		i := 0
		for ; i < len(sy); i++ {
			choice[i]++
			if choice[i] < len(sy[i].readings) {
				break
			}
			choice[i] = 0
		}
		if i == len(sy) {
			return out
		}
	}
}

// spelled is a name spelled one way: for each syllable its reading (full)
// and its first letter (initials; a Latin run counts as a whole).
type spelled struct {
	full, initials []string
}

func spell(sy []syllable, choice []int) spelled {
	s := spelled{full: make([]string, len(sy)), initials: make([]string, len(sy))}
	for i, c := range choice {
		r := sy[i].readings[c]
		s.full[i] = r
		if len(sy[i].readings) == 1 && sy[i].end-sy[i].start > 1 { // a Latin run
			s.initials[i] = r
		} else {
			s.initials[i] = r[:1]
		}
	}
	return s
}

// pinyinTerms returns the pinyin terms of an entity's Chinese names (its
// name and aliases that contain Han characters): whole holds each
// spelling in full and by initials, joined without spaces (重庆市 →
// chongqingshi, zhongqingshi, cqs, zqs); inner holds the same from every
// later syllable on (qingshi, shi, qs, s), at most maxInner syllables, so
// that a query can start inside a name (xiantao in 重庆仙桃数据谷).
func pinyinTerms(names []string) (whole, inner []string) {
	seenWhole, seenInner := map[string]bool{}, map[string]bool{}
	add := func(dst *[]string, seen map[string]bool, t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			*dst = append(*dst, t)
		}
	}
	for _, n := range names {
		if !hasHan(n) {
			continue
		}
		sy := syllables(n)
		for _, c := range spellings(sy) {
			s := spell(sy, c)
			for _, parts := range [][]string{s.full, s.initials} {
				add(&whole, seenWhole, strings.Join(parts, ""))
				for k := 1; k < len(parts); k++ {
					add(&inner, seenInner, strings.Join(parts[k:min(k+maxInner, len(parts))], ""))
				}
			}
		}
	}
	return whole, inner
}

// pinyinMatch is where a pinyin query matched a name.
type pinyinMatch struct {
	class      int     // 0 the whole name, 1 its start, 2 inside it
	start, end int     // rune offsets in the name
	coverage   float64 // the share of the name's syllables matched
}

// matchPinyin finds the best place where p, a folded pinyin query without
// spaces, spells a stretch of name in full or by initials: the whole name
// over its start over a later syllable, then the most syllables covered.
// The query may end inside a syllable (xiant).
func matchPinyin(name, p string) (pinyinMatch, bool) {
	best, found := pinyinMatch{class: 3}, false
	if !hasHan(name) || p == "" {
		return best, false
	}
	sy := syllables(name)
	for _, c := range spellings(sy) {
		s := spell(sy, c)
		for _, parts := range [][]string{s.full, s.initials} {
			for k := range parts {
				j, whole, ok := spells(parts[k:], p)
				if !ok {
					continue
				}
				j += k
				class := 2
				if k == 0 {
					class = 1
					if whole && j == len(parts)-1 {
						class = 0
					}
				}
				cov := float64(j+1-k) / float64(len(sy))
				if class < best.class || (class == best.class && cov > best.coverage) {
					best, found = pinyinMatch{class: class, start: sy[k].start, end: sy[j].end, coverage: cov}, true
				}
			}
		}
	}
	return best, found
}

// spells reports whether p spells the start of parts joined, the index of
// the part where p ends, and whether p ends where that part ends.
func spells(parts []string, p string) (last int, whole, ok bool) {
	pos := 0
	for j, part := range parts {
		rem := p[pos:]
		if len(rem) <= len(part) {
			if !strings.HasPrefix(part, rem) {
				return 0, false, false
			}
			return j, len(rem) == len(part), true
		}
		if rem[:len(part)] != part {
			return 0, false, false
		}
		pos += len(part)
	}
	return 0, false, false
}

// pinyinQuery returns a folded query as pinyin, without spaces (fold
// made apostrophes, hyphens and spaces one space: xi'an, Xian Tao), and
// whether it can be pinyin at all: only letters a to z and digits, with
// at least two letters. Tone marks are gone already (fold: xiāntáo →
// xiantao, ü → u), and tone numbers (see withoutToneNumbers).
func pinyinQuery(f folded) (string, bool) {
	out := make([]rune, 0, len(f.runes))
	letters := 0
	for _, r := range f.runes {
		switch {
		case r >= 'a' && r <= 'z':
			letters++
			out = append(out, r)
		case r >= '0' && r <= '9':
			out = append(out, r)
		case r == ' ':
		default:
			return "", false
		}
	}
	return string(out), letters >= 2
}

// withoutToneNumbers returns a folded query written in pinyin with tone
// numbers without them (yu2bei3 → yubei), and false for any other query.
// It is pinyin with tone numbers if it has only letters a to z, digits
// and spaces, and every digit is a tone: 1 to 5, right after a letter
// that can end a syllable (a vowel, n, g or r), not before another digit.
// Other digits (line 5, win10, mp3) leave the query as it is.
func withoutToneNumbers(f folded) (string, bool) {
	out := make([]rune, 0, len(f.runes))
	tones := false
	for i, r := range f.runes {
		switch {
		case r >= 'a' && r <= 'z', r == ' ':
			out = append(out, r)
		case r >= '1' && r <= '5' && i > 0 && strings.ContainsRune("aeiouvngr", f.runes[i-1]) &&
			(i+1 == len(f.runes) || f.runes[i+1] < '0' || f.runes[i+1] > '9'):
			tones = true
		default:
			return "", false
		}
	}
	return string(out), tones
}
