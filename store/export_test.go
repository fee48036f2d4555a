package store

import "context"

// Test-only exports: the raw contents of buckets, for tests that compare
// two stores byte for byte.

// BucketNames returns the name of every bucket of the schema.
func BucketNames() []string {
	names := make([]string, len(allBuckets))
	for i, b := range allBuckets {
		names[i] = b.name()
	}
	return names
}

// RawBucket returns every key and value of a bucket in key order.
func RawBucket(s *Store, name string) (keys, values [][]byte, err error) {
	b := bucket(0)
	for b < numBuckets && b.name() != name {
		b++
	}
	err = s.View(func(t *Tx) error {
		return t.each(b, func(k, v []byte) error {
			keys = append(keys, append([]byte(nil), k...))
			values = append(values, append([]byte(nil), v...))
			return nil
		})
	})
	return keys, values, err
}

// ForgetSeeded empties the record of what seeding wrote, as in a database
// seeded before the record was kept.
func ForgetSeeded(tb interface{ Fatal(...any) }, s *Store) {
	if err := s.Update(context.Background(), func(t *Tx) error { return t.clear(bucketSeeded) }); err != nil {
		tb.Fatal(err)
	}
}

// Watching returns how many watches of revocations s holds.
func Watching(s *Store) int { return s.revocations.watching() }

// AfterRun sets what Open calls between the engine's start and the
// store's, until the test ends.
func AfterRun(tb interface{ Cleanup(func()) }, fn func(*Store)) {
	afterRun = fn
	tb.Cleanup(func() { afterRun = func(*Store) {} })
}
