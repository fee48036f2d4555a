package suggest

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"tupu"
)

// figure is a figure read from the text, in byte offsets.
type figure struct {
	value      float64
	unit       string
	qualifier  tupu.Qualifier
	start, end int // the figure as written, unit and trailing qualifier included
}

// units are the units tupu knows, longest first, so that 万平方米 is read
// before 平方米 and 人次 before 人.
var units = func() []string {
	u := tupu.KnownUnits()
	slices.SortStableFunc(u, func(a, b string) int { return len(b) - len(a) })
	return u
}()

// unitAt returns the unit of tupu's that text starts with, or "".
func unitAt(text string) string {
	if strings.HasPrefix(text, "％") {
		return "%"
	}
	for _, u := range units {
		if strings.HasPrefix(text, u) {
			return u
		}
	}
	return ""
}

// Qualifying words: before a figure (超过8000万台, 不低于3亿元, 最高不超过
// 项目总投入50%) and after it (300多亿元, 30余家, 7000万台以上).
var (
	qualifiersBefore = []struct {
		word string
		q    tupu.Qualifier
	}{
		{"最高不超过", tupu.AtMost}, {"不超过", tupu.AtMost}, {"不高于", tupu.AtMost}, {"最多", tupu.AtMost},
		{"不低于", tupu.AtLeast}, {"不少于", tupu.AtLeast}, {"至少", tupu.AtLeast},
		{"超过", tupu.MoreThan}, {"突破", tupu.MoreThan}, {"逾", tupu.MoreThan}, {"超", tupu.MoreThan},
		{"接近", tupu.About}, {"大约", tupu.About}, {"约", tupu.About}, {"近", tupu.About},
	}
	qualifiersInside = map[string]tupu.Qualifier{"多": tupu.MoreThan, "余": tupu.MoreThan}
	qualifiersAfter  = []struct {
		word string
		q    tupu.Qualifier
	}{{"以上", tupu.MoreThan}, {"多", tupu.MoreThan}, {"余", tupu.MoreThan}, {"左右", tupu.About}, {"以下", tupu.AtMost}}
)

// clauseMarks end a clause: a figure's qualifier is looked for, and its
// quote taken, within its clause.
const clauseMarks = "，,；;。！？!?：:"

// findFigures returns the figures of text: numbers with their units and
// qualifiers, leaving out those that are part of a time expression
// (2020年, 1-8月), of a name written with a number (9号线, 3D) and the
// 一 of 一座 (a, not one).
func findFigures(text string, times []timeExpr) []figure {
	var out []figure
	inTime := func(start, end int) bool {
		return slices.ContainsFunc(times, func(t timeExpr) bool { return t.start < end && start < t.end })
	}
	numbers := tupu.Numbers(text)
	for i, n := range numbers {
		if inTime(n.Start, n.End) {
			continue
		}
		written := text[n.Start:n.End]
		rest := text[n.End:]
		if n.Numerals {
			first, _ := utf8.DecodeRuneInString(written)
			if strings.ContainsRune("百佰千仟万亿", first) {
				continue // a multiplier of digits before it, or a word (万人)
			}
			if i > 0 && numbers[i-1].End == n.Start && !numbers[i-1].Numerals {
				continue
			}
		}
		f := figure{value: n.Value, start: n.Start}
		switch {
		case strings.HasSuffix(text[:n.Start], "第"):
			// A rank: 全市第一, 第一个.
			f.unit, f.end = "位", n.End
			out = append(out, f)
			continue
		case n.Numerals && strings.HasPrefix(rest, "大"):
			// 九大重点实验室: nine (major) of them.
			f.unit, f.end = "个", n.End+len("大")
			out = append(out, f)
			continue
		case n.Numerals && written == "一":
			continue // 一座智能制造城: "a", not a count
		}
		if r, _ := utf8.DecodeRuneInString(strings.TrimLeft(rest, " ")); r == '号' || r < unicode.MaxASCII && unicode.IsLetter(r) {
			continue // 9号线, 3D技术
		}
		if !readUnit(&f, text, n.End) && n.Numerals {
			continue // numerals with no unit are words more often than figures (三铁融合)
		}
		if f.qualifier == "" {
			f.qualifier = qualifierBefore(text, n.Start)
		}
		out = append(out, f)
	}
	return out
}

// readUnit reads what follows a number at byte offset at: a qualifier
// inside (多, 余), a multiplier (万, 亿) that is part of the unit (万元) or
// multiplies the value (1.2万人), the unit, and a qualifier after it. It
// sets f's unit, value, qualifier and end, and reports whether it found
// a unit.
func readUnit(f *figure, text string, at int) bool {
	i := at
	for i < len(text) && text[i] == ' ' {
		i++
	}
	for word, q := range qualifiersInside {
		if strings.HasPrefix(text[i:], word) {
			f.qualifier = q
			i += len(word)
		}
	}
	unit := unitAt(text[i:])
	for _, m := range []struct {
		word  string
		times float64
	}{{"万", 1e4}, {"亿", 1e8}} {
		if unit != "" || !strings.HasPrefix(text[i:], m.word) {
			continue
		}
		if u := unitAt(text[i+len(m.word):]); u != "" {
			f.value *= m.times
			i += len(m.word)
			unit = u
		}
	}
	if unit == "" {
		f.end = at
		return false
	}
	i += len(unit)
	// 个 before a unit of time is a measure word: 18个季度, 3个小时.
	if unit == "个" {
		if u := unitAt(text[i:]); u == "季度" || u == "小时" {
			unit = u
			i += len(u)
		}
	}
	f.unit = unit
	for _, a := range qualifiersAfter {
		if strings.HasPrefix(text[i:], a.word) {
			f.qualifier = a.q
			i += len(a.word)
			break
		}
	}
	f.end = i
	return true
}

// qualifierBefore returns the qualifier a word before byte offset at says,
// the nearest within the figure's clause.
func qualifierBefore(text string, at int) tupu.Qualifier {
	clause := text[clauseStart(text, at):at]
	best, bestAt := tupu.Qualifier(""), -1
	for _, b := range qualifiersBefore {
		j := strings.LastIndex(clause, b.word)
		// The nearest word wins (最高不超过 over 不超过, listed first), and
		// only with no other number between it and the figure.
		if j >= 0 && j+len(b.word) > bestAt && !strings.ContainsAny(clause[j+len(b.word):], "0123456789") {
			best, bestAt = b.q, j+len(b.word)
		}
	}
	return best
}

// changeVerbs say a figure moved from one value to another (从8.3件增至
// 23.56件): the first holds at the start of the period, the second at its
// end.
var changeVerbs = []string{"增至", "增长到", "增长至", "增加到", "增加至", "提高到", "提高至", "上升到", "上升至", "升至", "降至", "下降到", "下降至", "减少到", "减少至"}

// splitChanges gives the two ends of a change over an interval their own
// instants: from its start and to its end.
func splitChanges(text string, figs []Figure, at []figure) {
	for i := 0; i+1 < len(figs); i++ {
		a, b := &figs[i], &figs[i+1]
		from, to, ok := strings.Cut(a.Period, "/")
		if !ok || a.Period != b.Period || !strings.HasSuffix(text[:at[i].start], "从") {
			continue
		}
		between := text[at[i].end:at[i+1].start]
		if strings.ContainsAny(between, clauseMarks) || !slices.ContainsFunc(changeVerbs, func(v string) bool { return strings.HasSuffix(between, v) }) {
			continue
		}
		a.Period, b.Period = from, to
	}
}

// quote returns words of text that hold text[start:end] and occur in text
// once: the figure's clause, widened a clause at a time (before, then
// after) until it is found nowhere else, at most tupu.MaxQuoteLength
// characters.
func quote(text string, start, end int) string {
	from := clauseStart(text, start)
	to := clauseEnd(text, end)
	for {
		q := text[from:to]
		if strings.Count(text, q) == 1 || utf8.RuneCountInString(q) >= tupu.MaxQuoteLength {
			return q
		}
		switch {
		case from > 0:
			from = clauseStart(text, from-1)
		case to < len(text):
			to = clauseEnd(text, to+1)
		default:
			return q
		}
	}
}

// clauseStart returns where the clause holding byte offset at starts:
// after the clause mark before it, or at the text's start.
func clauseStart(text string, at int) int {
	i := strings.LastIndexAny(text[:at], clauseMarks+"“”")
	if i < 0 {
		return 0
	}
	_, size := utf8.DecodeRuneInString(text[i:])
	return i + size
}

// clauseEnd returns where the clause holding byte offset at ends: at the
// clause mark after it, or at the text's end.
func clauseEnd(text string, at int) int {
	if at >= len(text) {
		return len(text)
	}
	i := strings.IndexAny(text[at:], clauseMarks+"“”")
	if i < 0 {
		return len(text)
	}
	return at + i
}
