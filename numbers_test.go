package tupu_test

import (
	"testing"

	"tupu"
)

func TestNumbers(t *testing.T) {
	text := "实现了2009.5亿元，企业1,114家，九大重点实验室，一百二十人，二〇二〇年，１２个，7000 万台"
	want := []struct {
		written  string
		value    float64
		numerals bool
	}{
		{"2009.5", 2009.5, false},
		{"亿", 1e8, true}, // the multiplier of the digits before it, read by the caller
		{"1,114", 1114, false},
		{"九", 9, true},
		{"一百二十", 120, true},
		{"二〇二〇", 2020, true},
		{"１２", 12, false},
		{"7000", 7000, false},
		{"万", 1e4, true},
	}
	got := tupu.Numbers(text)
	if len(got) != len(want) {
		t.Fatalf("Numbers found %d numbers, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if text[g.Start:g.End] != w.written || g.Value != w.value || g.Numerals != w.numerals {
			t.Errorf("number %d: %q = %v (numerals %v), want %q = %v (numerals %v)", i, text[g.Start:g.End], g.Value, g.Numerals, w.written, w.value, w.numerals)
		}
	}
}
