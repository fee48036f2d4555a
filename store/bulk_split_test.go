package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"tupu"
)

// TestSplit cuts a bucket of random keys (sharing long prefixes, some
// prefixes of others) into many parts: the parts hold every
// key once, in order, with its value, and the counters count them.
func TestSplit(t *testing.T) {
	defer func(n int) { partKeys = n }(partKeys)
	for _, pk := range []int{1, 7, 100, 1 << 18} {
		t.Run(fmt.Sprint("partKeys=", pk), func(t *testing.T) {
			partKeys = pk
			r := rand.New(rand.NewPCG(1, 2))
			b := newKVBuf(bucketEdges, "")
			b.counter, b.countKey = bucketEdgeCounts, edgeCountKeyOf
			want := map[string]string{}
			for len(want) < 5000 {
				// as many parts as edge keys, the last of any length
				last := fmt.Sprint(r.IntN(100000))
				k := fmt.Sprintf("entity-with-a-long-name-%d\x00O\x00%s\x00%s", r.IntN(300), []string{"A", "AB", "B"}[r.IntN(3)], last[:1+r.IntN(len(last))])
				if _, ok := want[k]; ok {
					continue
				}
				v := fmt.Sprint(r.IntN(1 << 30))
				want[k] = v
				b.add([]byte(v), []byte(k))
			}
			var parts []*kvbuf
			if err := b.split(func(p *kvbuf) error { parts = append(parts, p); return nil }); err != nil {
				t.Fatal(err)
			}
			counts := parts[len(parts)-1]
			parts = parts[:len(parts)-1]
			if pk < 100 && len(parts) < 10 {
				t.Errorf("%d parts of %d keys, want more", len(parts), pk)
			}
			var keys []string
			for _, p := range parts {
				if p.bucket != bucketEdges {
					t.Fatalf("part of bucket %s", p.bucket.name())
				}
				for i := range p.ents {
					k := string(p.key(i))
					if v := string(p.value(i)); v != want[k] {
						t.Errorf("key %q holds %q, want %q", k, v, want[k])
					}
					keys = append(keys, k)
				}
			}
			sorted := make([]string, 0, len(want))
			wantCounts := map[string]uint64{}
			for k := range want {
				sorted = append(sorted, k)
				wantCounts[string(edgeCountKeyOf([]byte(k)))]++
			}
			slices.Sort(sorted)
			if !slices.Equal(keys, sorted) {
				t.Fatalf("parts hold %d keys, not the %d keys in order", len(keys), len(sorted))
			}
			if counts.bucket != bucketEdgeCounts || len(counts.ents) != len(wantCounts) {
				t.Fatalf("counters of %s: %d, want %d", counts.bucket.name(), len(counts.ents), len(wantCounts))
			}
			for i := range counts.ents {
				k := string(counts.key(i))
				if n := readU64(counts.value(i)); n != wantCounts[k] {
					t.Errorf("counter %q = %d, want %d", k, n, wantCounts[k])
				}
				if i > 0 && bytes.Compare(counts.key(i-1), counts.key(i)) >= 0 {
					t.Errorf("counters out of order at %q", k)
				}
			}
		})
	}
}

// TestSplitRepeats: a key that repeats is BAD_USER_INPUT, however the
// keys are cut into parts.
func TestSplitRepeats(t *testing.T) {
	defer func(n int) { partKeys = n }(partKeys)
	for _, pk := range []int{1, 3, 1 << 18} {
		partKeys = pk
		b := newKVBuf(bucketEntities, "entity")
		for i := range 50 {
			b.add(nil, []byte(fmt.Sprint("e-", i%37)))
		}
		err := b.split(func(*kvbuf) error { return nil })
		var te *tupu.Error
		if !errors.As(err, &te) || te.Code != tupu.BadUserInput {
			t.Errorf("partKeys %d: err %v, want BAD_USER_INPUT", pk, err)
		}
	}
}
