package store_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"tupu"
	"tupu/seed"
	"tupu/store"
	"tupu/synth"
)

// The traversal benchmarks run on the seeded graph and on a generated graph
// of 100,000 entities, built once per test binary run:
//
//	go test -run '^$' -bench 'Paths|Neighborhood' ./store

var (
	seedOnce, bigOnce   sync.Once
	seedStore, bigStore *store.Store
	seedErr, bigErr     error
	benchDir            string
)

func benchStore(b *testing.B, big bool) *store.Store {
	b.Helper()
	if benchDir == "" {
		dir, err := os.MkdirTemp("", "tupu-bench")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
	}
	if !big {
		seedOnce.Do(func() {
			seedStore, seedErr = store.Open(filepath.Join(benchDir, "seed.db"), store.Options{})
			if seedErr != nil {
				return
			}
			var d *tupu.Dataset
			if d, seedErr = seed.Load(seed.Data()); seedErr == nil {
				_, seedErr = seedStore.Sync(d, store.SyncOptions{})
			}
		})
		if seedErr != nil {
			b.Fatal(seedErr)
		}
		return seedStore
	}
	bigOnce.Do(func() {
		bigStore, bigErr = store.Open(filepath.Join(benchDir, "big.db"), store.Options{})
		if bigErr != nil {
			return
		}
		_, bigErr = synth.Write(context.Background(), bigStore, synth.Options{Entities: 100_000, Seed: 1}, synth.WriteOptions{})
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigStore
}

func BenchmarkPaths(b *testing.B) {
	for _, c := range []struct {
		name     string
		big      bool
		from, to string
	}{
		{"seed/云阳县-高通", false, "yunyang-county", "qualcomm"},
		{"100k/county-district", true, "county-1", "district-15"},
		{"100k/park-park", true, "park-1-1", "park-2-1"},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := benchStore(b, c.big)
			b.ReportAllocs()
			for b.Loop() {
				err := s.View(func(tx *store.Tx) error {
					paths, err := tx.Paths(c.from, c.to, 4, nil, 10, 100_000)
					if err == nil && len(paths) == 0 {
						b.Fatalf("no path from %s to %s", c.from, c.to)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNeighborhood(b *testing.B) {
	for _, c := range []struct {
		name   string
		big    bool
		center string
		depth  int
	}{
		{"seed/仙桃数据谷-depth2", false, "xiantao-data-valley", 2},
		{"100k/park-depth2", true, "park-1-1", 2},
		{"100k/district-depth1", true, "district-1", 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := benchStore(b, c.big)
			b.ReportAllocs()
			for b.Loop() {
				err := s.View(func(tx *store.Tx) error {
					_, err := tx.Neighborhood(c.center, c.depth, nil, nil, 2000)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
