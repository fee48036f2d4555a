package tupu

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// Reading the numbers a text writes, so that a fact's quote can be checked
// to state the fact's figure. Sources write numbers in digits (2009.5,
// 1,114, full-width １２), with a Chinese multiplier (2000亿, 1.2万), in
// Chinese numerals (九大, 两地, 二十, 一百二十, 百分之十五, 二〇二〇) or in
// financial numerals (壹佰). writtenNumbers returns every reading of every
// number: a quote "states" a value when one of them is the value. The
// readings are generous on purpose (a run of numerals is read as a whole,
// digit by digit and character by character): the rule is there to refuse
// quotes that do not write the figure at all, not to parse prose.

// numeralValues are the Chinese numerals that are digits.
var numeralValues = map[rune]float64{
	'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4,
	'五': 5, '六': 6, '七': 7, '八': 8, '九': 9,
	'壹': 1, '贰': 2, '叁': 3, '肆': 4, '伍': 5, '陆': 6, '柒': 7, '捌': 8, '玖': 9,
}

// numeralUnits are the Chinese numerals that multiply: within a run of
// numerals (一百二十) and after digits (2000亿).
var numeralUnits = map[rune]float64{
	'十': 10, '拾': 10, '百': 100, '佰': 100, '千': 1000, '仟': 1000, '万': 1e4, '亿': 1e8,
}

func isNumeral(r rune) bool {
	_, d := numeralValues[r]
	_, u := numeralUnits[r]
	return d || u
}

// asciiDigit returns the value of an ASCII or full-width digit.
func asciiDigit(r rune) (int, bool) {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0'), true
	case r >= '０' && r <= '９':
		return int(r - '０'), true
	}
	return 0, false
}

// Number is a number a text writes: where it stands and its value as
// written, before any multiplier after it (2009.5 in 2009.5亿元, 9 in 九大,
// 120 in 一百二十).
type Number struct {
	Start, End int // byte offsets of the number in the text
	Value      float64
	// Numerals is set for a number in Chinese numerals, read the usual
	// way (一百二十 = 120, 二〇二〇 = 2020 digit by digit).
	Numerals bool
}

// Numbers returns the numbers s writes, in order: runs of digits (ASCII
// or full-width, with a decimal point and thousands separated by ','),
// and runs of Chinese numerals. It is the one reader of numbers: quote
// grounding reads every reading of them (writtenNumbers), the suggestions
// for curators read figures from them.
func Numbers(s string) []Number {
	var out []Number
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if _, ok := asciiDigit(r); ok {
			n, end := readDigits(s, i)
			out = append(out, Number{Start: i, End: end, Value: n})
			i = end
			continue
		}
		if isNumeral(r) {
			j := i
			var run []rune
			for j < len(s) {
				c, cs := utf8.DecodeRuneInString(s[j:])
				if !isNumeral(c) {
					break
				}
				run = append(run, c)
				j += cs
			}
			out = append(out, Number{Start: i, End: j, Value: numeralValue(run), Numerals: true})
			i = j
			continue
		}
		i += size
	}
	return out
}

// numeralValue reads a run of numerals as a number: digit by digit when
// it holds no unit (二〇二〇), else the usual way (一百二十).
func numeralValue(run []rune) float64 {
	digits := 0.0
	for _, r := range run {
		v, ok := numeralValues[r]
		if !ok {
			return chineseNumber(run)
		}
		digits = digits*10 + v
	}
	return digits
}

// writtenNumbers returns the readings of the numbers s writes.
func writtenNumbers(s string) []float64 {
	var out []float64
	for _, n := range Numbers(s) {
		if n.Numerals {
			out = append(out, numeralReadings([]rune(s[n.Start:n.End]))...)
			continue
		}
		out = append(out, n.Value)
		// The multipliers that follow, spaces allowed (7000 万台, 2000亿),
		// each as far as it goes: the last may be a unit's (5.1万万元 is
		// 5.1万 of 万元, or 5.1亿 元).
		j := n.End
		for j < len(s) && s[j] == ' ' {
			j++
		}
		m := 1.0
		for j < len(s) {
			u, us := utf8.DecodeRuneInString(s[j:])
			f, ok := numeralUnits[u]
			if !ok || f < 100 {
				break
			}
			m *= f
			j += us
			out = append(out, n.Value*m)
		}
	}
	return out
}

// readDigits reads digits from s[i:]: decimal digits, ASCII or full-width,
// with thousands separated by ',' and a decimal point ('.' or '．').
func readDigits(s string, i int) (float64, int) {
	var b []byte
	point := false
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if d, ok := asciiDigit(r); ok {
			b = append(b, byte('0'+d))
			i += size
			continue
		}
		if (r == '.' || r == '．') && !point && i+size < len(s) {
			if next, _ := utf8.DecodeRuneInString(s[i+size:]); isDigitRune(next) {
				b = append(b, '.')
				point = true
				i += size
				continue
			}
		}
		if r == ',' && !point && groupOfThree(s[i+1:]) {
			i++
			continue
		}
		break
	}
	n, _ := strconv.ParseFloat(string(b), 64)
	return n, i
}

func isDigitRune(r rune) bool { _, ok := asciiDigit(r); return ok }

// groupOfThree reports whether s starts with exactly three digits.
func groupOfThree(s string) bool {
	n := 0
	for _, r := range s {
		if !isDigitRune(r) {
			break
		}
		n++
	}
	return n == 3
}

// numeralReadings reads a run of Chinese numerals: as a number (一百二十 =
// 120, 三万五千 = 35000), without the 万 and 亿 it ends with (a unit's, as
// in 一百二十万元), digit by digit (二〇二〇 = 2020), and each numeral alone
// (十三五 holds 十, 三 and 五).
func numeralReadings(run []rune) []float64 {
	out := []float64{chineseNumber(run)}
	// Before a unit that starts with 万 or 亿 (一百二十万元 is 120 万元,
	// 一百二十万万元 is 120万 万元).
	for bare := run; len(bare) > 1 && (bare[len(bare)-1] == '万' || bare[len(bare)-1] == '亿'); {
		bare = bare[:len(bare)-1]
		out = append(out, chineseNumber(bare))
	}
	digits, allDigits := 0.0, true
	for _, r := range run {
		if v, ok := numeralValues[r]; ok {
			digits = digits*10 + v
			out = append(out, v)
		} else {
			allDigits = false
			out = append(out, numeralUnits[r])
		}
	}
	if allDigits {
		out = append(out, digits)
	}
	return out
}

// chineseNumber reads numerals the usual way: digits multiplied by the
// units after them, sections of 万 and 亿. A unit with no digit before it
// counts once (十五 = 15, 百万 = 1000000, 万 alone = 10000).
func chineseNumber(run []rune) float64 {
	total, section, digit := 0.0, 0.0, 0.0
	wrote := false // a digit numeral since the last unit (零 included)
	for _, r := range run {
		if v, ok := numeralValues[r]; ok {
			digit, wrote = v, true
			continue
		}
		u := numeralUnits[r]
		if digit == 0 && (u == 10 || !wrote && section == 0) {
			digit = 1 // a unit with no digit before it counts once: 十五, 百万, 万, 一千零十
		}
		switch {
		case u >= 1e4:
			total = (total + section + digit) * u
			section, digit = 0, 0
		default:
			section += digit * u
			digit = 0
		}
		wrote = false
	}
	return total + section + digit
}

// writesValue reports whether s writes the number v (or its magnitude, for
// a fall the text states in words: 下降3.5%).
func writesValue(s string, v float64) bool {
	v = math.Abs(v)
	for _, n := range writtenNumbers(s) {
		if math.Abs(n-v) <= 1e-9*math.Max(1, v) {
			return true
		}
	}
	return false
}
