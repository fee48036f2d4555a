package store

import (
	"bytes"
	"slices"

	"tupu"
)

// PageArgs selects a page of a keyset-ordered list, Relay style: First
// items after After, or Last items before Before. Cursors are index keys.
type PageArgs struct {
	First, Last   int // at most one is non-zero
	After, Before []byte
}

// item is one index entry on a page.
type item struct {
	key, value []byte
}

// page is one page of index entries, copied out of the transaction.
type page struct {
	items            []item
	hasNext, hasPrev bool
}

// ranges is a sorted set of disjoint key prefixes of one bucket read as
// one list, in key order. A named relation over two predicates is two
// ranges.
type ranges struct {
	c        cursor
	prefixes [][]byte
	// at is the key after returned last, in prefixes[atPrefix], where the
	// cursor stands: the next after(at) is one step, not a seek from the
	// root. nil when the cursor stands elsewhere.
	at       []byte
	atPrefix int
}

func newRanges(t *Tx, b bucket, prefixes ...[]byte) *ranges {
	p := slices.Clone(prefixes)
	slices.SortFunc(p, bytes.Compare)
	return &ranges{c: t.r.cursor(b), prefixes: p}
}

// after returns the first entry whose key is greater than k, or the first
// entry of all when k is nil.
func (r *ranges) after(k []byte) (key, value []byte) {
	from := 0
	if k != nil && r.at != nil && bytes.Equal(k, r.at) {
		// Walking forward: step from where the cursor stands.
		p := r.prefixes[r.atPrefix]
		if ck, cv := r.c.Next(); ck != nil && bytes.HasPrefix(ck, p) {
			r.at = ck
			return ck, cv
		}
		from = r.atPrefix + 1
	}
	r.at = nil
	for i := from; i < len(r.prefixes); i++ {
		p := r.prefixes[i]
		var ck, cv []byte
		switch {
		case k == nil || bytes.Compare(k, p) < 0:
			ck, cv = r.c.Seek(p)
		case bytes.HasPrefix(k, p):
			ck, cv = r.c.Seek(k)
			if bytes.Equal(ck, k) {
				ck, cv = r.c.Next()
			}
		default: // k sorts after every key with this prefix
			continue
		}
		if ck != nil && bytes.HasPrefix(ck, p) {
			r.at, r.atPrefix = ck, i
			return ck, cv
		}
	}
	return nil, nil
}

// before returns the last entry whose key is less than k, or the last
// entry of all when k is nil.
func (r *ranges) before(k []byte) (key, value []byte) {
	r.at = nil
	for i := len(r.prefixes) - 1; i >= 0; i-- {
		p := r.prefixes[i]
		var ck, cv []byte
		switch {
		case k == nil || (!bytes.HasPrefix(k, p) && bytes.Compare(k, p) > 0):
			ck, cv = r.last(p)
		case bytes.HasPrefix(k, p):
			if ck, _ = r.c.Seek(k); ck == nil {
				ck, cv = r.c.Last()
			} else {
				ck, cv = r.c.Prev()
			}
		default: // k sorts before every key with this prefix
			continue
		}
		if ck != nil && bytes.HasPrefix(ck, p) {
			return ck, cv
		}
	}
	return nil, nil
}

// last returns the last entry with prefix p (or the entry before it).
func (r *ranges) last(p []byte) (key, value []byte) { return lastWithPrefix(r.c, p) }

// prefixEnd returns the smallest key greater than every key with prefix p,
// or nil if there is none.
func prefixEnd(p []byte) []byte {
	end := slices.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// walk calls fn for the entries of r after cursor (exclusive; nil from the
// end), forward or backward, until fn returns false.
func (r *ranges) walk(from []byte, backward bool, fn func(k, v []byte) (bool, error)) error {
	next := r.after
	if backward {
		next = r.before
	}
	for k, v := next(from); k != nil; k, v = next(k) {
		more, err := fn(k, v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// checkCursors returns BAD_USER_INPUT unless each cursor of args passes
// belongs: a cursor from another list must not silently restart this one.
func checkCursors(args PageArgs, belongs func([]byte) bool) error {
	for _, c := range [][]byte{args.After, args.Before} {
		if c != nil && !belongs(c) {
			return tupu.Errorf(tupu.BadUserInput, "cursor does not belong to this list")
		}
	}
	return nil
}

// page walks the ranges from a cursor; the caller has checked the cursors.
func (r *ranges) page(args PageArgs) (page, error) {
	var p page
	if args.Last > 0 {
		var c copies
		k, v := r.before(args.Before)
		for k != nil && len(p.items) < args.Last && (args.After == nil || bytes.Compare(k, args.After) > 0) {
			p.items = append(p.items, item{c.of(k), c.of(v)})
			k, v = r.before(k)
		}
		slices.Reverse(p.items)
	} else {
		var c copies
		k, v := r.after(args.After)
		for k != nil && len(p.items) < args.First && (args.Before == nil || bytes.Compare(k, args.Before) < 0) {
			p.items = append(p.items, item{c.of(k), c.of(v)})
			k, v = r.after(k)
		}
	}
	if args.First == 0 && args.Last == 0 {
		// An empty page: is there anything beyond the cursors it was
		// given, on each side?
		switch {
		case args.Before != nil:
			k, _ := r.after(args.Before)
			p.hasNext = k != nil || r.has(args.Before)
		default:
			k, _ := r.after(args.After)
			p.hasNext = k != nil
		}
		switch {
		case args.After != nil:
			k, _ := r.before(args.After)
			p.hasPrev = k != nil || r.has(args.After)
		case args.Before != nil:
			k, _ := r.before(args.Before)
			p.hasPrev = k != nil
		}
		return p, nil
	}
	if len(p.items) > 0 {
		first, last := p.items[0].key, p.items[len(p.items)-1].key
		// A page that starts at the first entry of all has nothing before
		// it (and one that ends at the last, nothing after): no seek.
		if args.Last > 0 || args.After != nil {
			k, _ := r.before(first)
			p.hasPrev = k != nil
		}
		if args.Last == 0 || args.Before != nil {
			k, _ := r.after(last)
			p.hasNext = k != nil
		}
	} else {
		// An empty page still says whether anything lies at or beyond
		// the cursors it was given.
		if args.After != nil {
			k, _ := r.before(args.After)
			p.hasPrev = k != nil || r.has(args.After)
		}
		if args.Before != nil {
			k, _ := r.after(args.Before)
			p.hasNext = k != nil || r.has(args.Before)
		}
	}
	return p, nil
}

// copies makes copies of byte slices out of shared chunks: a page's keys
// and values in a few allocations, not two per entry.
type copies struct{ buf []byte }

func (c *copies) of(b []byte) []byte {
	if b == nil {
		return nil
	}
	if len(b) > cap(c.buf)-len(c.buf) {
		c.buf = make([]byte, 0, max(2048, len(b)))
	}
	start := len(c.buf)
	c.buf = append(c.buf, b...)
	return c.buf[start:len(c.buf):len(c.buf)] // capped: an append never spills into the next copy
}

// has reports whether key k is present.
func (r *ranges) has(k []byte) bool {
	r.at = nil
	ck, _ := r.c.Seek(k)
	return bytes.Equal(ck, k)
}
