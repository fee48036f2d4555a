package tupu

import (
	"slices"
	"strings"
)

// Units as sources write them, and how to compare them. A fact keeps its
// value and unit as written; Normalize gives the value in a base unit
// beside it, so that facts can be compared and sorted across entities.

// BaseUnit is a unit facts are compared in.
type BaseUnit string

// The base units.
const (
	Yuan        BaseUnit = "yuan"
	Units       BaseUnit = "units" // manufactured items (台)
	SquareMetre BaseUnit = "m2"
	Kilometre   BaseUnit = "km"
	Ratio       BaseUnit = "ratio" // % as a fraction of 1
	Count       BaseUnit = "count" // counters: 家, 个, 项, 名, 件...
	Year        BaseUnit = "year"
	Quarter     BaseUnit = "quarter"
	Hour        BaseUnit = "hour"
	// Rank is a place in an order, 1 the first: 全市第一 is 1 位. Ranks
	// compare like any figure; lower is better.
	Rank BaseUnit = "rank"
)

// unitScale maps a unit as written to its base unit and factor.
var unitScale = map[string]struct {
	base   BaseUnit
	factor float64
}{
	"元":    {Yuan, 1},
	"万元":   {Yuan, 1e4},
	"亿元":   {Yuan, 1e8},
	"台":    {Units, 1},
	"万台":   {Units, 1e4},
	"平方米":  {SquareMetre, 1},
	"万平方米": {SquareMetre, 1e4},
	"亩":    {SquareMetre, 10000.0 / 15}, // 1 亩 = 1/15 hectare
	"公里":   {Kilometre, 1},
	"千米":   {Kilometre, 1},
	"米":    {Kilometre, 1e-3},
	"%":    {Ratio, 0.01},
	"家":    {Count, 1},
	"个":    {Count, 1},
	"项":    {Count, 1},
	"名":    {Count, 1},
	"件":    {Count, 1},
	"条":    {Count, 1},
	"人":    {Count, 1},
	"人次":   {Count, 1},
	"户":    {Count, 1},
	"座":    {Count, 1},
	"站":    {Count, 1},
	"年":    {Year, 1},
	"季度":   {Quarter, 1},
	"小时":   {Hour, 1},
	"位":    {Rank, 1},
}

// Normalize returns value, written in unit, in its base unit. ok is false
// for a unit it does not know.
func Normalize(value float64, unit string) (normalized float64, base BaseUnit, ok bool) {
	s, ok := unitScale[unit]
	if !ok {
		return 0, "", false
	}
	return value * s.factor, s.base, true
}

// Normalized returns the fact's value in its base unit, if it has a value
// and a known unit.
func (f *Fact) Normalized() (float64, BaseUnit, bool) {
	if f.Value == nil {
		return 0, "", false
	}
	return Normalize(*f.Value, f.Unit)
}

// PeriodBounds returns the first and last day a period covers, as
// YYYY-MM-DD strings that compare as dates: "2020" covers 2020-01-01 to
// 2020-12-31, "2021-01/2021-08" covers 2021-01-01 to 2021-08-31. The last
// day of a month is written 31 whatever the month: it only bounds.
func PeriodBounds(period string) (first, last string) {
	start, end, ok := strings.Cut(period, "/")
	if !ok {
		end = start
	}
	return lowerDay(start), upperDay(end)
}

func lowerDay(d string) string {
	switch len(d) {
	case 4:
		return d + "-01-01"
	case 7:
		return d + "-01"
	}
	return d
}

func upperDay(d string) string {
	switch len(d) {
	case 4:
		return d + "-12-31"
	case 7:
		return d + "-31"
	}
	return d
}

// KnownUnits lists the units Normalize knows, sorted.
func KnownUnits() []string {
	units := make([]string, 0, len(unitScale))
	for u := range unitScale {
		units = append(units, u)
	}
	slices.Sort(units)
	return units
}
