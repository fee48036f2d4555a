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
	han        rune // the (simplified) Han character read, 0 for a Latin run
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
				out = append(out, syllable{readings: rs, han: r, start: i, end: i + 1})
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

// eachSpelling calls f with up to maxCombos choices of one reading per
// syllable, as indexes into each syllable's readings, in one slice that
// f must not keep. The first syllables vary first, so a multi-reading
// character at the start of a name (重庆: zhong/chong) gets all its
// readings even when the cap cuts.
func eachSpelling(sy []syllable, f func(choice []int)) {
	choice := make([]int, len(sy))
	for n := 1; ; n++ {
		f(choice)
		if n == maxCombos {
			return
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
			return
		}
	}
}

// part is the syllable spelled with its reading c, in full or by its
// initial (a Latin run counts as a whole).
func (s syllable) part(c int, initials bool) string {
	r := s.readings[c]
	if !initials || (len(s.readings) == 1 && s.end-s.start > 1) { // in full, or a Latin run
		return r
	}
	return r[:1]
}

// cut ends an inner pinyin term that stops before its name ends (at
// maxInner syllables): a prefix query finds it like any other, a term
// query does not, so a term query finds exactly the names that end with
// the query.
const cut = "-"

// pinyinTerms returns the pinyin terms of an entity's Chinese names (its
// name and aliases that contain Han characters): whole holds each
// spelling in full and by initials, joined without spaces (重庆市 →
// chongqingshi, zhongqingshi, cqs, zqs); inner holds the same from every
// later syllable on (qingshi, shi, qs, s), at most maxInner syllables, so
// that a query can start inside a name (xiantao in 重庆仙桃数据谷); those
// cut short end with cut.
func pinyinTerms(names []string) (whole, inner []string) {
	seenWhole, seenInner := map[string]bool{}, map[string]bool{}
	add := func(dst *[]string, seen map[string]bool, t string) {
		if t != "" && !seen[t] {
			seen[t] = true
			*dst = append(*dst, t)
		}
	}
	var b strings.Builder
	join := func(sy []syllable, choice []int, initials bool) string {
		b.Reset()
		for i := range sy {
			b.WriteString(sy[i].part(choice[i], initials))
		}
		return b.String()
	}
	for _, n := range names {
		if !hasHan(n) {
			continue
		}
		sy := syllables(n)
		eachSpelling(sy, func(choice []int) {
			for _, initials := range [2]bool{false, true} {
				add(&whole, seenWhole, join(sy, choice, initials))
				for k := 1; k < len(sy); k++ {
					end := min(k+maxInner, len(sy))
					t := join(sy[k:end], choice[k:end], initials)
					if end < len(sy) {
						t += cut
					}
					add(&inner, seenInner, t)
				}
			}
		})
	}
	return whole, inner
}

// pinyinMatch is where a pinyin query matched a name.
type pinyinMatch struct {
	class      int     // 0 the whole name, 1 its start or end, 2 inside it
	start, end int     // rune offsets in the name
	coverage   float64 // the share of the name's syllables matched
}

// pyPiece is a piece of a query read as pinyin: a run of Latin letters
// and digits typed as pinyin (latin), or a Han character typed as itself
// (han), as input methods leave queries such as xiantao数据谷.
type pyPiece struct {
	latin string
	han   rune
}

// matchPinyin finds the best place where q, a query read as pinyin,
// spells a stretch of name in full or by initials, its Han characters
// standing for themselves: the whole name over its start or its end over
// a stretch inside, then the most syllables covered. The query may end
// inside a syllable (xiant), but not to be the name's end.
func matchPinyin(name string, q []pyPiece) (pinyinMatch, bool) {
	best, found := pinyinMatch{class: 3}, false
	if !hasHan(name) || len(q) == 0 {
		return best, false
	}
	sy := syllables(name)
	eachSpelling(sy, func(choice []int) {
		for _, initials := range [2]bool{false, true} {
			for k := range sy {
				j, whole, ok := spells(sy[k:], choice[k:], initials, q)
				if !ok {
					continue
				}
				j += k
				toEnd := whole && j == len(sy)-1
				class := 2
				switch {
				case k == 0 && toEnd:
					class = 0
				case k == 0 || toEnd:
					class = 1
				}
				cov := float64(j+1-k) / float64(len(sy))
				if class < best.class || (class == best.class && cov > best.coverage) {
					best, found = pinyinMatch{class: class, start: sy[k].start, end: sy[j].end, coverage: cov}, true
				}
			}
		}
	})
	return best, found
}

// spells reports whether q spells the start of the syllables sy, with
// the readings choice, in full or by initials, the index of the syllable
// where q ends, and whether q ends where that syllable ends. A Han piece
// must be the syllable's character; a Latin piece spells whole
// syllables, but the last piece may end inside one.
func spells(sy []syllable, choice []int, initials bool, q []pyPiece) (last int, whole, ok bool) {
	pi, pos := 0, 0 // the piece, and how much of a Latin piece is spelled
	for j := range sy {
		part := sy[j].part(choice[j], initials)
		p := q[pi]
		lastPiece := pi == len(q)-1
		if p.han != 0 {
			if sy[j].han != p.han {
				return 0, false, false
			}
			if lastPiece {
				return j, true, true
			}
			pi++
			continue
		}
		rem := p.latin[pos:]
		if len(rem) <= len(part) {
			if !strings.HasPrefix(part, rem) || (!lastPiece && len(rem) != len(part)) {
				return 0, false, false
			}
			if lastPiece {
				return j, len(rem) == len(part), true
			}
			pi, pos = pi+1, 0
			continue
		}
		if rem[:len(part)] != part {
			return 0, false, false
		}
		pos += len(part)
	}
	return 0, false, false
}

// maxQuerySpellings caps the pinyin spellings of a mixed query, whose
// Han characters may have several readings each.
const maxQuerySpellings = 8

// pinyinPlan reads a folded query as pinyin: its pieces, and the
// spellings to look up in the index, without spaces, in full and by
// initials. A query of Latin letters (xiantao, xtsjg, xi an) has one
// spelling; a mixed one (xiantao数据谷, xt数据谷, yubei区) has the
// readings of its Han characters spelled in full and by initials
// (xiantaoshujugu, xtsjg) as both kinds of terms are indexed. It returns
// nothing for a query that cannot be pinyin: anything but letters a to z,
// digits and Han characters, or fewer than two letters.
func pinyinPlan(f folded) (pieces []pyPiece, spellings []string) {
	var latin []rune
	letters := 0
	flush := func() {
		if len(latin) > 0 {
			pieces = append(pieces, pyPiece{latin: string(latin)})
			latin = nil
		}
	}
	for _, r := range f.runes {
		switch {
		case r >= 'a' && r <= 'z':
			letters++
			latin = append(latin, r)
		case r >= '0' && r <= '9':
			latin = append(latin, r)
		case r == ' ':
		case isHan(r):
			flush()
			pieces = append(pieces, pyPiece{han: r})
		default:
			return nil, nil
		}
	}
	flush()
	if letters < 2 {
		return nil, nil
	}
	for _, initials := range []bool{false, true} {
		for _, s := range spellPieces(pieces, initials) {
			if !contains(spellings, s) {
				spellings = append(spellings, s)
			}
		}
	}
	return pieces, spellings
}

// spellPieces returns up to maxQuerySpellings spellings of pieces, their
// Han characters read in full or by initials.
func spellPieces(pieces []pyPiece, initials bool) []string {
	spelled := []string{""}
	for _, p := range pieces {
		alts := []string{p.latin}
		if p.han != 0 {
			alts = nil
			for _, r := range readings(p.han) {
				if initials {
					r = r[:1]
				}
				if !contains(alts, r) {
					alts = append(alts, r)
				}
			}
		}
		var next []string
		for _, s := range spelled {
			for _, a := range alts {
				if len(next) < maxQuerySpellings {
					next = append(next, s+a)
				}
			}
		}
		spelled = next
	}
	return spelled
}

// homophones returns the spellings of a query of Han characters only, at
// least two, read in full (渝北去: yubeiqu), for the typo most made with a
// pinyin input method: a character chosen for another of the same sound
// (去 for 区, 古 for 谷).
func homophones(f folded) []string {
	if len(f.runes) < 2 {
		return nil
	}
	pieces := make([]pyPiece, len(f.runes))
	for i, r := range f.runes {
		if !isHan(r) {
			return nil
		}
		pieces[i] = pyPiece{han: r}
	}
	return spellPieces(pieces, false)
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
