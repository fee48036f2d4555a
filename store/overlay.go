package store

import (
	"bytes"
	"slices"
)

// overlay is a write transaction over a snapshot: the snapshot's keys
// with the transaction's own puts and deletes laid over them, kept in
// memory until they commit. An engine whose commits are checked at the
// end (etcd's compare-and-swap transactions) builds its writeTx of one.
type overlay struct {
	base    readTx
	buckets [numBuckets][]entry // each sorted by key
}

// entry is one key the transaction wrote: its value, or a delete.
type entry struct {
	key, value []byte
	deleted    bool
}

func newOverlay(base readTx) *overlay { return &overlay{base: base} }

// find returns where k is or would be in bucket b's entries.
func (o *overlay) find(b bucket, k []byte) (int, bool) {
	return slices.BinarySearchFunc(o.buckets[b], k, func(e entry, k []byte) int { return bytes.Compare(e.key, k) })
}

func (o *overlay) set(b bucket, e entry) {
	i, ok := o.find(b, e.key)
	if ok {
		o.buckets[b][i] = e
		return
	}
	o.buckets[b] = slices.Insert(o.buckets[b], i, e)
}

func (o *overlay) get(b bucket, k []byte) ([]byte, bool) {
	if i, ok := o.find(b, k); ok {
		e := o.buckets[b][i]
		return e.value, !e.deleted
	}
	return o.base.get(b, k)
}

func (o *overlay) put(b bucket, k, v []byte) error {
	o.set(b, entry{key: clone(k), value: clone(v)})
	return nil
}

func (o *overlay) delete(b bucket, k []byte) error {
	o.set(b, entry{key: clone(k), deleted: true})
	return nil
}

func (o *overlay) clear(b bucket) error {
	var keys [][]byte
	err := scan(o, b, nil, nil, false, func(k, _ []byte) (bool, error) {
		keys = append(keys, clone(k))
		return true, nil
	})
	for _, k := range keys {
		o.set(b, entry{key: k, deleted: true})
	}
	return err
}

// cursor merges the snapshot's keys with the transaction's: a key the
// transaction wrote shows as it wrote it, or not at all once deleted.
func (o *overlay) cursor(b bucket) cursor {
	return &mergedCursor{base: o.base.cursor(b), mine: o.buckets[b]}
}

// mergedCursor walks a snapshot's keys and a transaction's entries as
// one. It stands on a key, cur, and every move finds the next key (or the
// one before) on both sides afresh: simple, and write transactions are
// short.
type mergedCursor struct {
	base cursor
	mine []entry
	cur  []byte
}

func (m *mergedCursor) Seek(k []byte) ([]byte, []byte) {
	bk, bv := m.base.Seek(k)
	i, _ := slices.BinarySearchFunc(m.mine, k, func(e entry, k []byte) int { return bytes.Compare(e.key, k) })
	return m.forward(bk, bv, i)
}

func (m *mergedCursor) First() ([]byte, []byte) {
	bk, bv := m.base.First()
	return m.forward(bk, bv, 0)
}

func (m *mergedCursor) Next() ([]byte, []byte) {
	if m.cur == nil {
		return nil, nil
	}
	bk, bv := m.base.Seek(m.cur)
	if bytes.Equal(bk, m.cur) {
		bk, bv = m.base.Next()
	}
	i, found := slices.BinarySearchFunc(m.mine, m.cur, func(e entry, k []byte) int { return bytes.Compare(e.key, k) })
	if found {
		i++
	}
	return m.forward(bk, bv, i)
}

func (m *mergedCursor) Last() ([]byte, []byte) {
	bk, bv := m.base.Last()
	return m.backward(bk, bv, len(m.mine)-1)
}

func (m *mergedCursor) Prev() ([]byte, []byte) {
	if m.cur == nil {
		return nil, nil
	}
	bk, bv := m.base.Seek(m.cur)
	if bk == nil {
		bk, bv = m.base.Last()
	} else {
		bk, bv = m.base.Prev()
	}
	i, _ := slices.BinarySearchFunc(m.mine, m.cur, func(e entry, k []byte) int { return bytes.Compare(e.key, k) })
	return m.backward(bk, bv, i-1)
}

// forward settles on the smaller of the snapshot's key bk and the
// transaction's entry i, skipping deleted keys onward.
func (m *mergedCursor) forward(bk, bv []byte, i int) ([]byte, []byte) {
	for {
		var mk []byte
		if i < len(m.mine) {
			mk = m.mine[i].key
		}
		switch c := compareKeys(bk, mk); {
		case bk == nil && mk == nil:
			m.cur = nil
			return nil, nil
		case mk == nil || bk != nil && c < 0:
			m.cur = bk
			return bk, bv
		default: // the transaction's entry, over the snapshot's key if equal
			e := m.mine[i]
			i++
			if c == 0 {
				bk, bv = m.base.Next()
			}
			if !e.deleted {
				m.cur = e.key
				return e.key, e.value
			}
		}
	}
}

// backward settles on the larger of bk and entry i, skipping deleted keys
// backward.
func (m *mergedCursor) backward(bk, bv []byte, i int) ([]byte, []byte) {
	for {
		var mk []byte
		if i >= 0 {
			mk = m.mine[i].key
		}
		switch c := compareKeys(bk, mk); {
		case bk == nil && mk == nil:
			m.cur = nil
			return nil, nil
		case mk == nil || bk != nil && c > 0:
			m.cur = bk
			return bk, bv
		default:
			e := m.mine[i]
			i--
			if c == 0 {
				bk, bv = m.base.Prev()
			}
			if !e.deleted {
				m.cur = e.key
				return e.key, e.value
			}
		}
	}
}

// compareKeys compares two keys, neither of which is nil.
func compareKeys(a, b []byte) int { return bytes.Compare(a, b) }

// writes calls fn with every key the transaction changed, bucket by
// bucket in key order: its new value, or deleted. A put of the value the
// snapshot holds, or a delete of a key it lacks, changes nothing and is
// left out.
func (o *overlay) writes(fn func(b bucket, e entry) error) error {
	for b := range o.buckets {
		for _, e := range o.buckets[b] {
			old, had := o.base.get(bucket(b), e.key)
			if e.deleted && !had || !e.deleted && had && bytes.Equal(old, e.value) {
				continue
			}
			if err := fn(bucket(b), e); err != nil {
				return err
			}
		}
	}
	return nil
}
