package graph_test

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// Cursors and numeric arguments are checked at their bounds: a value out
// of range is BAD_USER_INPUT, never wrapped, clamped or read as another.
func TestBounds_cursorsAndArguments(t *testing.T) {
	s := mustServe(t)
	cursor := func(raw string) string { return base64.RawURLEncoding.EncodeToString([]byte(raw)) }
	maxU := strconv.FormatUint(math.MaxUint64, 10)
	maxI := strconv.FormatInt(math.MaxInt64, 10)
	// A cursor of changes is the history's epoch and a sequence number.
	var first struct {
		Changes struct{ PageInfo struct{ EndCursor string } }
	}
	s.MustQuery(t, `{ changes(first: 1) { pageInfo { endCursor } } }`, nil, &first)
	end, _ := base64.RawURLEncoding.DecodeString(first.Changes.PageInfo.EndCursor)
	epoch, _, _ := strings.Cut(string(end), ":")
	seq := func(n string) string { return cursor(epoch + ":" + n) }
	changes := func(c string) string { return fmt.Sprintf(`{ changes(after: %q) { nodes { sequence } } }`, c) }
	// Past the last change of this history: what a restore would leave,
	// and what the history's own code says (never a page from the start).
	for _, n := range []string{maxU, maxI, "1000000"} {
		if r := s.Post(t, changes(seq(n)), nil); r.Code() != "HISTORY_RESET" {
			t.Errorf("changes after %s: %s", n, r.Raw)
		}
	}
	if r := s.Post(t, fmt.Sprintf(`{ entity(key: "yubei-district") { history(after: %q) { nodes { sequence } } } }`, seq(maxU)), nil); r.Code() != "HISTORY_RESET" {
		t.Errorf("history after the largest sequence: %s", r.Raw)
	}
	for _, c := range []struct{ name, query string }{
		{"changes after sequence 0", changes(seq("0"))},
		{"changes after a negative sequence", changes(seq("-1"))},
		{"changes after a sequence past 64 bits", changes(seq("18446744073709551616"))},
		{"search after the largest offset", fmt.Sprintf(`{ search(query: "谷", after: %q) { nodes { score } } }`, cursor("o:"+maxI))},
		{"search after a negative offset", fmt.Sprintf(`{ search(query: "谷", after: %q) { nodes { score } } }`, cursor("o:-5"))},
		{"search after an offset past the deepest page", fmt.Sprintf(`{ search(query: "谷", after: %q) { nodes { score } } }`, cursor("o:10000"))},
		{"entities after a cursor of another list", fmt.Sprintf(`{ companies(after: %q) { nodes { key } } }`, cursor("PARK\x00xiantao-data-valley"))},
		{"a cursor that is not base64", `{ companies(after: "!!!") { nodes { key } } }`},
		{"an empty cursor", `{ companies(after: "") { nodes { key } } }`},
		{"first below 0", `{ companies(first: -1) { nodes { key } } }`},
		{"first past the page size", `{ companies(first: 101) { nodes { key } } }`},
		{"last past the page size", `{ companies(last: 101) { nodes { key } } }`},
		{"first past 32 bits", `{ companies(first: 2147483648) { nodes { key } } }`},
		{"neighborhood depth below 0", `{ neighborhood(id: "yubei-district", depth: -1) { nodes { key } } }`},
		{"neighborhood depth past 4", `{ neighborhood(id: "yubei-district", depth: 5) { nodes { key } } }`},
		{"neighborhood maxNodes 0", `{ neighborhood(id: "yubei-district", maxNodes: 0) { nodes { key } } }`},
		{"neighborhood maxNodes past 2000", `{ neighborhood(id: "yubei-district", maxNodes: 2001) { nodes { key } } }`},
		{"paths maxHops 0", `{ paths(from: "yunyang-county", to: "qualcomm", maxHops: 0) { length } }`},
		{"paths maxHops past 6", `{ paths(from: "yunyang-county", to: "qualcomm", maxHops: 7) { length } }`},
		{"paths first below 0", `{ paths(from: "yunyang-county", to: "qualcomm", first: -1) { length } }`},
		{"paths first past 100", `{ paths(from: "yunyang-county", to: "qualcomm", first: 101) { length } }`},
		{"facts first past the page size", `{ facts(first: 101) { nodes { property } } }`},
		{"facts after a cursor of another list", fmt.Sprintf(`{ facts(after: %q) { nodes { property } } }`, cursor("COMPANY\x00huawei"))},
		{"facts min past a float", `{ facts(filter: {min: 1e309}) { totalCount } }`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := s.Post(t, c.query, nil)
			want := "BAD_USER_INPUT"
			if c.name == "facts min past a float" {
				want = "GRAPHQL_VALIDATION_FAILED" // not a Float: refused before it runs
			}
			if code := r.Code(); code != want {
				t.Errorf("code %q, want %s: %s", code, want, r.Raw)
			}
		})
	}
	// At the bounds, answers.
	for _, q := range []string{
		changes(seq("1")),
		`{ companies(first: 0) { totalCount } }`, `{ companies(first: 100) { totalCount } }`,
		`{ neighborhood(id: "yubei-district", depth: 0, maxNodes: 1) { nodes { key } } }`,
		`{ paths(from: "yunyang-county", to: "qualcomm", maxHops: 6, first: 100) { length } }`,
		fmt.Sprintf(`{ search(query: "谷", after: %q) { nodes { score } } }`, cursor("o:9998")),
	} {
		if r := s.Post(t, q, nil); len(r.Errors) > 0 {
			t.Errorf("%s: %s", q, r.Raw)
		}
	}
}
