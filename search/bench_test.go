package search

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tupu"
)

// tempDirs are the directories the benchmarks and shared test fixtures
// create outside t.TempDir (they outlive one test); TestMain removes them.
var (
	tempMu   sync.Mutex
	tempDirs []string
)

func mkTemp() (string, error) {
	dir, err := os.MkdirTemp("", "tupu-search-")
	if err == nil {
		tempMu.Lock()
		tempDirs = append(tempDirs, dir)
		tempMu.Unlock()
	}
	return dir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.Close()
	}
	if big.ix != nil {
		big.ix.Close()
	}
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func BenchmarkSearch_seed(b *testing.B) {
	ix, _ := newSeedIndex(b, 1)
	for _, text := range []string{"数据谷", "实验室", "渝", "qualcomm", "Texas Instruments", "yubei", "xtsjg", "huawie", "joint laboratory"} {
		b.Run(text, func(b *testing.B) {
			for b.Loop() {
				if _, err := ix.Search(Query{Text: text}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The synthetic graph: names of two to four characters from a small
// table, followed by a kind's suffix, with English names in pinyin and
// English, some aliases and a short description.
var (
	stemChars = []rune("仙桃数据谷渝北云阳重庆长江两湖山河海天星光明华新金银龙凤安平和乐东南西北中科创智慧空港航信达通")
	suffixes  = []struct {
		zh, en string
		kind   tupu.Kind
	}{
		{"科技有限公司", "Technology Co., Ltd.", tupu.KindCompany},
		{"集团", "Group", tupu.KindCompany},
		{"联合实验室", "Joint Laboratory", tupu.KindLab},
		{"产业园", "Industrial Park", tupu.KindPark},
		{"数据谷", "Data Valley", tupu.KindPark},
		{"大道", "Avenue", tupu.KindRoad},
		{"区", "District", tupu.KindDistrict},
		{"县", "County", tupu.KindCounty},
		{"研究院", "Research Institute", tupu.KindInstitute},
		{"人才计划", "Talent Program", tupu.KindTalentProgram},
	}
	cities = []string{"Chongqing", "Chengdu", "Wuhan", "Xi'an", "Shenzhen"}
)

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// synthetic returns n generated entities, the same every time.
func synthetic(n int) []*tupu.Entity {
	rng := rand.New(rand.NewPCG(1, 2))
	es := make([]*tupu.Entity, n)
	for i := range es {
		stem := make([]rune, 2+rng.IntN(3))
		for j := range stem {
			stem[j] = stemChars[rng.IntN(len(stemChars))]
		}
		suf := suffixes[rng.IntN(len(suffixes))]
		var py []string
		for _, sy := range syllables(string(stem)) {
			py = append(py, sy.readings[0])
		}
		e := &tupu.Entity{
			Key:     fmt.Sprintf("e%06d", i),
			Kind:    suf.kind,
			Name:    string(stem) + suf.zh,
			NameEn:  capitalize(strings.Join(py, "")) + " " + suf.en,
			Version: 1,
		}
		if rng.IntN(3) == 0 {
			e.Aliases = []string{string(stem)}
		}
		if rng.IntN(2) == 0 {
			e.Description = fmt.Sprintf("A %s in %s, set up in %d with %s.",
				strings.ToLower(suf.en), cities[rng.IntN(len(cities))], 1990+rng.IntN(35),
				string(stemChars[rng.IntN(len(stemChars))])+string(stemChars[rng.IntN(len(stemChars))])+"集团")
		}
		es[i] = e
	}
	return es
}

// big is the index of 100,000 synthetic entities, built once per process
// and only when a benchmark asks for it.
var big struct {
	once  sync.Once
	ix    *Index
	build time.Duration
	size  int64
	err   error
}

func bigIndex(b *testing.B) *Index {
	big.once.Do(func() {
		dir, err := mkTemp()
		if err != nil {
			big.err = err
			return
		}
		path := filepath.Join(dir, "search")
		ix, err := Open(path)
		if err != nil {
			big.err = err
			return
		}
		es := synthetic(100_000)
		start := time.Now()
		if err := ix.Rebuild(context.Background(), slices.Values(es), 1); err != nil {
			big.err = err
			return
		}
		big.build = time.Since(start)
		filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if info, err := d.Info(); err == nil {
					big.size += info.Size()
				}
			}
			return nil
		})
		big.ix = ix
		b.Logf("100k index: built in %v, %.1f MB on disk", big.build.Round(time.Millisecond), float64(big.size)/1e6)
	})
	if big.err != nil {
		b.Fatal(big.err)
	}
	return big.ix
}

func BenchmarkSearch_100k(b *testing.B) {
	ix := bigIndex(b)
	for _, text := range []string{
		"xin",              // a pinyin syllable: prefix of thousands of terms
		"仙桃数据谷",            // a name, and inside many names
		"实验室",              // inside a tenth of the names
		"谷",                // one character
		"chongqing",        // English word and pinyin prefix
		"xtsjg",            // initials
		"laboratory",       // English word
		"laboratroy",       // a typo
		"joint laboratory", // two words
	} {
		b.Run(text, func(b *testing.B) {
			b.ReportAllocs()
			var total int
			exact := false
			for b.Loop() {
				r, err := ix.Search(Query{Text: text})
				if err != nil {
					b.Fatal(err)
				}
				total, exact = r.Total, r.TotalIsExact
			}
			b.ReportMetric(float64(total), "hits")
			if exact {
				b.ReportMetric(1, "exact")
			} else {
				b.ReportMetric(0, "exact")
			}
			b.ReportMetric(big.build.Seconds(), "build-s")
			b.ReportMetric(float64(big.size)/1e6, "index-MB")
		})
	}
}

// BenchmarkSearch_100k_parallel runs broad and narrow queries from many
// goroutines at once, as a server does: what a search holds in memory
// adds up across the searches in flight (see the B/op and the heap).
func BenchmarkSearch_100k_parallel(b *testing.B) {
	ix := bigIndex(b)
	texts := []string{"实验室", "谷", "chongqing", "joint laboratory", "xin", "ren", "仙桃数据谷", "xtsjg", "laboratroy", "Data Valley"}
	b.ReportAllocs()
	b.SetParallelism(16)
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			text := texts[int(next.Add(1))%len(texts)]
			if _, err := ix.Search(Query{Text: text}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/1e6, "heap-sys-MB")
}
