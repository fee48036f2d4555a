package store

import (
	"bytes"
	"context"
)

// The engine under the graph.
//
// The graph logic (entities, relations, facts, history, tokens, paging,
// traversal, statistics, what commits touched) reads and writes ordered
// keys in the buckets of schema.go through the small interfaces below,
// and nothing else. They are modelled on etcd's own storage interfaces
// (ReadTx and BatchTx in server/storage/backend): a read sees one
// consistent snapshot, gets a key or walks a bucket's keys in order with
// a cursor, forward or backward from any key (scan walks a prefix with
// one); a write transaction adds puts
// and deletes, which commit atomically and only if nothing the
// transaction read has changed meanwhile (an engine with concurrent
// writers checks that at commit, and runs the transaction again on a
// newer snapshot when it has); every commit that changes the graph
// writes the graph version (meta "graph"), which grows with every such
// commit (by one on a file; on a cluster it is the commit's revision, see
// etcdEngine's mirrored, so it grows by as many commits as the cluster
// made meanwhile); and every commit, this process's or another's,
// reaches the store in commit order, as the puts and deletes it made
// (commit), from which the store derives what changed for its
// subscribers, caches and statistics.
//
// boltEngine keeps the buckets in a bbolt file; etcdEngine in an etcd
// cluster.

// readTx reads one consistent snapshot. What it returns is only valid
// for the life of the transaction.
type readTx interface {
	// get returns the value of key k in bucket b, and whether b holds k.
	get(b bucket, k []byte) (v []byte, ok bool)
	// cursor returns a cursor over bucket b's keys.
	cursor(b bucket) cursor
}

// cursor walks a bucket's keys in order. Each method moves it and
// returns the key and value it stands on, or nil past either end: Seek to
// the first key at or after k, First and Last to the ends, Next and Prev
// one key on. A cursor, not a callback, so that a page of keys is one
// seek and steps from where the cursor stands, and nothing escapes to
// the heap per walk. (Its methods are bbolt's Cursor's: a bbolt cursor
// is one.)
type cursor interface {
	Seek(k []byte) (key, value []byte)
	First() (key, value []byte)
	Last() (key, value []byte)
	Next() (key, value []byte)
	Prev() (key, value []byte)
}

// scan calls fn with the keys of bucket b that start with prefix (every
// key when prefix is empty), in key order from the first key after from
// (from the first when from is nil) or, backward, in reverse order from
// the last key before from, until fn returns false or an error (which
// scan returns).
func scan(r readTx, b bucket, prefix, from []byte, backward bool, fn func(k, v []byte) (bool, error)) error {
	c := r.cursor(b)
	var k, v []byte
	if !backward {
		switch {
		case from == nil || bytes.Compare(from, prefix) < 0:
			k, v = c.Seek(prefix)
		case bytes.HasPrefix(from, prefix):
			if k, v = c.Seek(from); bytes.Equal(k, from) {
				k, v = c.Next()
			}
		default: // from sorts after every key with the prefix
			return nil
		}
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if more, err := fn(k, v); err != nil || !more {
				return err
			}
		}
		return nil
	}
	switch {
	case from == nil || (!bytes.HasPrefix(from, prefix) && bytes.Compare(from, prefix) > 0):
		k, v = lastWithPrefix(c, prefix)
	case bytes.HasPrefix(from, prefix):
		if k, _ = c.Seek(from); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	default: // from sorts before every key with the prefix
		return nil
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		if more, err := fn(k, v); err != nil || !more {
			return err
		}
	}
	return nil
}

// lastWithPrefix moves c to the last key with prefix p, or the key before
// it when there is none.
func lastWithPrefix(c cursor, p []byte) (key, value []byte) {
	end := prefixEnd(p)
	if end == nil {
		return c.Last()
	}
	if k, _ := c.Seek(end); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// emptyCursor is the cursor of a bucket a store lacks.
type emptyCursor struct{}

func (emptyCursor) Seek([]byte) ([]byte, []byte) { return nil, nil }
func (emptyCursor) First() ([]byte, []byte)      { return nil, nil }
func (emptyCursor) Last() ([]byte, []byte)       { return nil, nil }
func (emptyCursor) Next() ([]byte, []byte)       { return nil, nil }
func (emptyCursor) Prev() ([]byte, []byte)       { return nil, nil }

// writeTx is a write transaction: its reads see its own writes.
type writeTx interface {
	readTx
	// put sets key k of bucket b to v. k and v must stay unchanged until
	// the transaction ends.
	put(b bucket, k, v []byte) error
	delete(b bucket, k []byte) error
	// clear deletes every key of bucket b.
	clear(b bucket) error
}

// engine holds the buckets.
type engine interface {
	// view runs fn on a snapshot of the latest commit this process knows.
	view(fn func(readTx) error) error
	// begin starts a snapshot held across reads until end.
	begin() (snapshot, error)
	// update runs fn in a write transaction and commits its writes, if
	// any, atomically. It returns once the commit has reached the store
	// (see commit). fn may run more than once; only its last run commits.
	// When ctx has ended, nothing is written. A file's commit, once
	// begun, takes no notice of ctx; a cluster's commit under way when
	// ctx ends is answered at once, its outcome perhaps unknown (see
	// etcdEngine.update).
	update(ctx context.Context, fn func(writeTx) error) error
	// location names the store for people: a file's path, or a cluster's
	// endpoints and prefix (never its credentials).
	location() string
	close() error
}

// snapshot is a read transaction held across reads. Reads through it
// may panic where the engine's storage is damaged (a bbolt file's pages):
// the caller recovers (see Snapshot.Read).
type snapshot interface {
	tx() readTx
	end()
}

// commit is what one committed transaction wrote, in order: what the
// engine hands the store (Store.apply) once it is committed.
type commit struct {
	ops []op
}

// op is one put (or delete) of a commit.
type op struct {
	bucket bucket
	key    []byte
	value  []byte
	delete bool
}

// recorder is a writeTx that remembers its puts and deletes: engines
// that learn what they committed from their own transactions wrap theirs
// in one.
type recorder struct {
	writeTx
	ops []op
}

func (r *recorder) put(b bucket, k, v []byte) error {
	r.ops = append(r.ops, op{bucket: b, key: clone(k), value: clone(v)})
	return r.writeTx.put(b, k, v)
}

func (r *recorder) delete(b bucket, k []byte) error {
	r.ops = append(r.ops, op{bucket: b, key: clone(k), delete: true})
	return r.writeTx.delete(b, k)
}

func (r *recorder) clear(b bucket) error {
	// Every key, as deletes: what the commit removed is what it touched.
	var keys [][]byte
	err := scan(r.writeTx, b, nil, nil, false, func(k, _ []byte) (bool, error) {
		keys = append(keys, clone(k))
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		r.ops = append(r.ops, op{bucket: b, key: k, delete: true})
	}
	return r.writeTx.clear(b)
}

// clone copies b; nil stays nil.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
