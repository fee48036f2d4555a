package synth

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"tupu"
	"tupu/store"
)

// BenchmarkWrite generates and bulk-loads a graph of SYNTH_BENCH_ENTITIES
// entities (default 100,000) into a new file: what tupu generate does.
func BenchmarkWrite(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("SYNTH_BENCH_ENTITIES")); err == nil && v > 0 {
		n = v
	}
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "bench.db")
		s, err := store.Open(path, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		st, err := Write(context.Background(), s, Options{Entities: n, Seed: 1}, WriteOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Entities)/st.Elapsed.Seconds(), "entities/s")
		os.Remove(path)
	}
}

// BenchmarkGenerate is one pass of the generator, as each group of the
// bulk loader makes.
func BenchmarkGenerate(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("SYNTH_BENCH_ENTITIES")); err == nil && v > 0 {
		n = v
	}
	for b.Loop() {
		if err := Generate(Options{Entities: n, Seed: 1}, func(*tupu.Dataset) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
