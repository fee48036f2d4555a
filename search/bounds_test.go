package search

import (
	"slices"
	"testing"
)

// withBounds runs f with the bounds on a search's work lowered.
func withBounds(t *testing.T, candidates, expand int, f func()) {
	t.Helper()
	c, e := maxCandidates, maxExpand
	maxCandidates, maxExpand = candidates, expand
	defer func() { maxCandidates, maxExpand = c, e }()
	f()
}

// TestBoundedSearch checks what a search that reaches its bounds answers:
// a lower bound for Total, said so, and pages that are still stable and
// never repeat an entity.
func TestBoundedSearch(t *testing.T) {
	ix := seedIndex(t)
	for _, text := range []string{"重庆", "a", "yubei", "shi", "实验室"} {
		exact := search(t, ix, Query{Text: text, Limit: MaxLimit})
		if !exact.TotalIsExact {
			t.Fatalf("%q: inexact within the default bounds: %+v", text, exact)
		}
		withBounds(t, 4, 1, func() {
			all := search(t, ix, Query{Text: text, Limit: MaxLimit})
			if (all.TotalIsExact && all.Total != exact.Total) || (all.Total < exact.Total && all.TotalIsExact) ||
				(all.TotalIsExact && (text == "重庆" || text == "a")) {
				t.Errorf("%q: total %d (exact %v), exact total %d", text, all.Total, all.TotalIsExact, exact.Total)
			}
			if all.Total > exact.Total || len(all.Hits) > all.Total {
				t.Errorf("%q: total %d with %d hits, exact total %d", text, all.Total, len(all.Hits), exact.Total)
			}
			var paged []string
			for off := 0; off < all.Total; off += 3 {
				p := search(t, ix, Query{Text: text, Offset: off, Limit: 3})
				if p.Total != all.Total || p.TotalIsExact != all.TotalIsExact {
					t.Errorf("%q offset %d: total %d (exact %v), want %d", text, off, p.Total, p.TotalIsExact, all.Total)
				}
				paged = append(paged, keys(p.Hits)...)
			}
			if !slices.Equal(paged, keys(all.Hits)) {
				t.Errorf("%q: pages\n%v\nwant\n%v", text, paged, keys(all.Hits))
			}
			seen := map[string]bool{}
			for i, h := range all.Hits {
				if seen[h.Key] {
					t.Errorf("%q: %s reported twice", text, h.Key)
				}
				seen[h.Key] = true
				if i > 0 && h.Tier < all.Hits[i-1].Tier {
					t.Errorf("%q: hit %d (%s, %v) after %v", text, i, h.Key, h.Tier, all.Hits[i-1].Tier)
				}
			}
		})
	}
}

// TestRebuildMergesSegments checks that Rebuild leaves the index in few
// segments, each of which a search looks every term up in.
func TestRebuildMergesSegments(t *testing.T) {
	ix := seedIndex(t)
	bi, release, err := ix.index()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	st, _ := bi.StatsMap()["index"].(map[string]any)
	n, _ := st["TotFileSegmentsAtRoot"].(uint64)
	m, _ := st["TotMemorySegmentsAtRoot"].(uint64)
	if n+m > 2 {
		t.Errorf("%d segments after Rebuild (%d in memory)", n+m, m)
	}
}
