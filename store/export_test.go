package store

// Test-only exports: the raw contents of buckets, for tests that compare
// two stores byte for byte.

// BucketNames returns the name of every bucket of the schema.
func BucketNames() []string {
	names := make([]string, len(allBuckets))
	for i, b := range allBuckets {
		names[i] = string(b)
	}
	return names
}

// RawBucket returns every key and value of a bucket in key order, with
// the bucket's sequence.
func RawBucket(s *Store, name string) (keys, values [][]byte, seq uint64, err error) {
	err = s.View(func(t *Tx) error {
		b := t.tx.Bucket([]byte(name))
		seq = b.Sequence()
		return b.ForEach(func(k, v []byte) error {
			keys = append(keys, append([]byte(nil), k...))
			values = append(values, append([]byte(nil), v...))
			return nil
		})
	})
	return keys, values, seq, err
}

// ForgetSeeded empties the record of what seeding wrote, as in a database
// seeded before the record was kept.
func ForgetSeeded(tb interface{ Fatal(...any) }, s *Store) {
	err := s.Update(func(t *Tx) error {
		if err := t.tx.DeleteBucket(bucketSeeded); err != nil {
			return err
		}
		_, err := t.tx.CreateBucket(bucketSeeded)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// Watching returns how many watches of revocations s holds.
func Watching(s *Store) int { return s.revocations.watching() }
