package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// folded is a text folded for comparison, with a way back to the text as
// written: src[i] is the index of the rune of the original text that
// folded rune i came from.
type folded struct {
	runes []rune
	src   []int
}

func (f folded) String() string { return string(f.runes) }

// fold folds s for exact, prefix and substring comparison: traditional
// Chinese becomes simplified and each rune is folded by foldRune
// (fullwidth forms to ASCII, lower case, no diacritics), punctuation and
// symbols (quotes, 《》, ·, dashes, commas) separate words like spaces do,
// runs of separators become one space, and no space is kept next to a Han
// character, so 传音“智汇园”项目 folds to 传音智汇园项目, "Co., Ltd." to
// "co ltd" and 仙桃數據谷 to 仙桃数据谷. Queries and names are folded
// alike; src maps back to s whichever script it is written in.
func fold(s string) folded {
	var f folded
	pending := -1 // index of the separator waiting to be written, or -1
	i := 0
	for _, r := range simplified(s) {
		if r = foldRune(r); r < 0 {
			i++
			continue
		}
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r) {
			if pending < 0 {
				pending = i
			}
			i++
			continue
		}
		if pending >= 0 && len(f.runes) > 0 && !isHan(f.runes[len(f.runes)-1]) && !isHan(r) {
			f.runes = append(f.runes, ' ')
			f.src = append(f.src, pending)
		}
		pending = -1
		f.runes = append(f.runes, r)
		f.src = append(f.src, i)
		i++
	}
	return f
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// isWordRune reports whether r is part of a Latin-script word.
func isWordRune(r rune) bool {
	return !isHan(r) && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}

// index returns where needle occurs in f, preferring an occurrence that
// starts and ends at word boundaries (so "ti" is found as the word TI, not
// inside "Institute"), and -1 if it does not occur.
func (f folded) index(needle []rune) int {
	if len(needle) == 0 || len(needle) > len(f.runes) {
		return -1
	}
	first := -1
	for i := 0; i+len(needle) <= len(f.runes); i++ {
		if !runesEqual(f.runes[i:i+len(needle)], needle) {
			continue
		}
		startOK := i == 0 || !isWordRune(f.runes[i-1]) || !isWordRune(needle[0])
		j := i + len(needle)
		endOK := j == len(f.runes) || !isWordRune(f.runes[j]) || !isWordRune(needle[len(needle)-1])
		if startOK && endOK {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

func (f folded) hasPrefix(p []rune) bool {
	return len(p) <= len(f.runes) && runesEqual(f.runes[:len(p)], p)
}

// span maps the folded range [i, j) back to rune offsets [start, end) in
// the original text.
func (f folded) span(i, j int) (start, end int) {
	return f.src[i], f.src[j-1] + 1
}

func runesEqual(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// words splits a folded text into its space-separated words.
func (f folded) words() [][]rune {
	var ws [][]rune
	start := 0
	for i := 0; i <= len(f.runes); i++ {
		if i == len(f.runes) || f.runes[i] == ' ' {
			if i > start {
				ws = append(ws, f.runes[start:i])
			}
			start = i + 1
		}
	}
	return ws
}

// runeLen is utf8.RuneCountInString, named for what it means here.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// excerpt returns at most about 2*context runes of s around the rune range
// [start, end), with … where it cut, and the range's offsets in the excerpt.
func excerpt(s string, start, end, context int) (string, int, int) {
	rs := []rune(s)
	from, to := max(0, start-context), min(len(rs), end+context)
	var b strings.Builder
	shift := -from
	if from > 0 {
		b.WriteRune('…')
		shift++
	}
	b.WriteString(string(rs[from:to]))
	if to < len(rs) {
		b.WriteRune('…')
	}
	return b.String(), start + shift, end + shift
}

// latinWords returns the runs of Latin letters and digits of f: the words
// an English stemmer can read (sony公司 gives sony).
func (f folded) latinWords() []string {
	var ws []string
	start := -1
	for i := 0; i <= len(f.runes); i++ {
		if i < len(f.runes) && isWordRune(f.runes[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			ws = append(ws, string(f.runes[start:i]))
			start = -1
		}
	}
	return ws
}

// hasSuffix reports whether f ends with x, where x starts a word of f
// (or x starts with a Han character).
func (f folded) hasSuffix(x []rune) bool {
	n, m := len(f.runes), len(x)
	if m == 0 || m > n || !runesEqual(f.runes[n-m:], x) {
		return false
	}
	return n == m || !isWordRune(x[0]) || !isWordRune(f.runes[n-m-1])
}
