package suggest

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"tupu"
)

// timeExpr is words of the text that say when, and the period they mean.
type timeExpr struct {
	start, end int    // byte offsets
	period     string // ISO 8601; "" when the document's date is needed and unknown
}

// Numbers in time expressions: digits, or a few Chinese numerals.
const (
	digits   = `[0-9０-９]+`
	numerals = `[一二两三四五六七八九十]+`
	rel      = `(今年|去年|前年|明年)`
	plan     = `十[一二三四五六七八九]?|[一二三四五六七八九]` // the number of a five-year plan (十 is the tenth)
)

// timePatterns are the ways the text says when, tried in order at each
// place; each resolves against the document's year y (and date).
var timePatterns = []struct {
	re      *regexp.Regexp
	resolve func(m []string, y int, date string) string
}{
	// 2016年以来, 2018年以来: from that year to the document's.
	{regexp.MustCompile(`^(?:自|从)?(\d{4})年(?:以来|来)`), func(m []string, y int, _ string) string {
		return years(atoi(m[1]), y)
	}},
	// 自去年以来, 今年以来.
	{regexp.MustCompile(`^(?:自|从)?` + rel + `以来`), func(m []string, y int, _ string) string {
		return years(relYear(m[1], y), y)
	}},
	// 到2020年底, 截至2020年末: the year's last day.
	{regexp.MustCompile(`^(?:到|截至|截止|至)?(\d{4})年(?:底|末)`), func(m []string, _ int, _ string) string {
		return m[1] + "-12-31"
	}},
	// 2019-2021年, 2016至2020年.
	{regexp.MustCompile(`^(\d{4})\s*[-—–~～至到]\s*(\d{4})年`), func(m []string, _ int, _ string) string {
		return m[1] + "/" + m[2]
	}},
	// 2021年1-8月, 今年1-8月, 1—8月: months of a year.
	{regexp.MustCompile(`^(?:(\d{4})年|` + rel + `)?(\d{1,2})\s*[-—–~～至到]\s*(\d{1,2})月`), func(m []string, y int, _ string) string {
		year := yearOf(m[1], m[2], y)
		return months(year, atoi(m[3]), atoi(m[4]))
	}},
	// 今年前8个月, 前三季度 is below.
	{regexp.MustCompile(`^` + rel + `?前(` + digits + `|` + numerals + `)个月`), func(m []string, y int, _ string) string {
		return months(yearOf("", m[1], y), 1, number(m[2]))
	}},
	// 今年上半年, 2020年下半年.
	{regexp.MustCompile(`^(?:(\d{4})年|` + rel + `)?(上|下)半年`), func(m []string, y int, _ string) string {
		year := yearOf(m[1], m[2], y)
		if m[3] == "上" {
			return months(year, 1, 6)
		}
		return months(year, 7, 12)
	}},
	// 今年一季度, 前三季度.
	{regexp.MustCompile(`^(?:(\d{4})年|` + rel + `)?(前)?(?:第)?([一二三四1-4])季度`), func(m []string, y int, _ string) string {
		year, q := yearOf(m[1], m[2], y), number(m[4])
		if m[3] != "" {
			return months(year, 1, 3*q)
		}
		return months(year, 3*q-2, 3*q)
	}},
	// 2020年8月.
	{regexp.MustCompile(`^(\d{4})年(\d{1,2})月`), func(m []string, _ int, _ string) string {
		return fmt.Sprintf("%s-%02d", m[1], atoi(m[2]))
	}},
	// 2020年.
	{regexp.MustCompile(`^(\d{4})年`), func(m []string, _ int, _ string) string { return m[1] }},
	// “十三五”时期, 十四五规划: a five-year plan, named in quotation marks
	// or with 时期 or 规划 after it (三五 alone is a common phrase).
	{regexp.MustCompile(`^(?:“(` + plan + `)五”(?:时期|期间|期)?|(` + plan + `)五(?:时期|期间|规划))`), func(m []string, _ int, _ string) string {
		return fiveYearPlan(number(m[1] + m[2]))
	}},
	// 近两年来, 近3年: the last n years.
	{regexp.MustCompile(`^近(` + digits + `|` + numerals + `)年来?`), func(m []string, y int, _ string) string {
		return years(y-number(m[1])+1, y)
	}},
	// 今年初, 今年内, 去年, 明年.
	{regexp.MustCompile(`^` + rel + `(?:初|内|底|末|以内)?`), func(m []string, y int, _ string) string {
		return year(relYear(m[1], y))
	}},
	// 目前, 截至目前, 如今: the document's date.
	{regexp.MustCompile(`^(?:截至|截止|到)?(?:目前|当前|如今|现在|至今|眼下)`), func(_ []string, _ int, date string) string {
		return date
	}},
}

// findTimes returns the time expressions of text, in order, resolved
// against the document's year and date.
func findTimes(text string, y int, date string) []timeExpr {
	var out []timeExpr
	for i := 0; i < len(text); {
		matched := false
		for _, p := range timePatterns {
			m := p.re.FindStringSubmatch(text[i:])
			if m == nil {
				continue
			}
			relative := strings.ContainsAny(m[0], "今去前明目当如现至眼近") || strings.Contains(m[0], "以来")
			period := ""
			if y > 0 || !relative {
				period = p.resolve(m, y, date)
			}
			out = append(out, timeExpr{i, i + len(m[0]), period})
			i += len(m[0])
			matched = true
			break
		}
		if !matched {
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
		}
	}
	return out
}

// period returns the period of a figure at byte offset at: the time its
// sentence gives (the nearest before it, else after it), else the time of
// the sentence before in the same paragraph, else the document's date.
func (r *reader) period(at int, times []timeExpr) (string, tupu.PeriodBasis, string) {
	s := r.sentence(at)
	var before, after *timeExpr
	for i := range times {
		t := &times[i]
		if t.start < s.start || t.start >= s.end {
			continue
		}
		if t.end <= at {
			before = t
		} else if after == nil {
			after = t
		}
	}
	if t := cmpOr(before, after); t != nil {
		return t.period, tupu.Stated, r.text[t.start:t.end]
	}
	if s.start > 0 {
		prev := r.sentence(s.start - 1)
		if r.sameParagraph(prev.start, s.start) {
			var last *timeExpr
			for i := range times {
				if times[i].start >= prev.start && times[i].start < prev.end {
					last = &times[i]
				}
			}
			if last != nil {
				return last.period, tupu.Context, r.text[last.start:last.end]
			}
		}
	}
	if r.date == "" {
		return "", "", ""
	}
	return r.date, tupu.PublicationDate, ""
}

func cmpOr(a, b *timeExpr) *timeExpr {
	if a != nil {
		return a
	}
	return b
}

func relYear(word string, y int) int {
	switch word {
	case "去年":
		return y - 1
	case "前年":
		return y - 2
	case "明年":
		return y + 1
	}
	return y
}

// yearOf is the year of an expression that may name it: in digits, by a
// word relative to the document's year, or not at all (the document's).
func yearOf(digits, word string, y int) int {
	if digits != "" {
		return atoi(digits)
	}
	return relYear(word, y)
}

func year(y int) string { return fmt.Sprintf("%04d", y) }

func years(from, to int) string {
	if from == to {
		return year(from)
	}
	return year(from) + "/" + year(to)
}

func months(y, from, to int) string {
	return fmt.Sprintf("%04d-%02d/%04d-%02d", y, from, y, to)
}

// fiveYearPlan returns the years of China's nth five-year plan: the first
// ran 1953–1957, the second 1958–1962, and from the third (1966–1970,
// after three years of adjustment) each follows the last.
func fiveYearPlan(n int) string {
	start := 1966 + (n-3)*5
	switch n {
	case 1:
		start = 1953
	case 2:
		start = 1958
	}
	return years(start, start+4)
}

// number reads a count written in digits or numerals.
func number(s string) int {
	for _, n := range tupu.Numbers(s) {
		return int(n.Value)
	}
	return 0
}
