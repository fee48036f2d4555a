package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"tupu"
)

// Change is a recorded change; see tupu.Change.
type Change = tupu.Change

// The operations a change records.
const (
	OpCreateEntity   = "createEntity"
	OpUpdateEntity   = "updateEntity"
	OpDeleteEntity   = "deleteEntity"
	OpAddRelation    = "addRelation"
	OpRemoveRelation = "removeRelation"
	OpSetFact        = "setFact"
	OpRemoveFact     = "removeFact"
	OpAddDocument    = "addDocument"
)

// Actors that are not tokens. A token's name is a key, so it can be
// neither "seed --force" nor anything else with a space.
const (
	ActorSeed      = "seed"
	ActorSeedForce = "seed --force" // seeding that overrode a curator (SyncOptions.Force)
	ActorImport    = "import"
)

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// record appends a change in the transaction, indexed by the entities it
// touches. The change reaches subscribers once the transaction commits.
func (t *Tx) record(actor, op, entity, object string, before, after any) error {
	c := Change{At: t.now(), Actor: actor, Op: op, Entity: entity, Object: object}
	var err error
	if c.Before, err = rawJSON(before); err != nil {
		return err
	}
	if c.After, err = rawJSON(after); err != nil {
		return err
	}
	b := t.bucket(bucketHistory)
	if c.Seq, err = b.NextSequence(); err != nil {
		return err
	}
	return t.appendChange(&c)
}

func (t *Tx) appendChange(c *Change) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := t.bucket(bucketHistory).Put(seqKey(c.Seq), v); err != nil {
		return err
	}
	idx := t.bucket(bucketHistoryIndex)
	for _, k := range []string{c.Entity, c.Object} {
		if k == "" {
			continue
		}
		if err := idx.Put(append(prefix(k), seqKey(c.Seq)...), nil); err != nil {
			return err
		}
	}
	t.changes = append(t.changes, *c)
	t.changed = true
	return nil
}

func (t *Tx) now() time.Time {
	if t.clock != nil {
		return t.clock().UTC()
	}
	return time.Now().UTC()
}

// rawJSON encodes v, or returns nil for a nil pointer or nil.
func rawJSON(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return nil, err
	}
	return b, nil
}

// ChangePage is a page of changes, oldest first.
type ChangePage struct {
	Changes []Change
	HasNext bool
}

// Changes pages through all changes after the sequence number after.
func (t *Tx) Changes(after uint64, first int) (*ChangePage, error) {
	out := &ChangePage{}
	c := t.bucket(bucketHistory).Cursor()
	for k, v := c.Seek(seqKey(after + 1)); k != nil; k, v = c.Next() {
		if len(out.Changes) == first {
			out.HasNext = true
			break
		}
		var ch Change
		if err := json.Unmarshal(v, &ch); err != nil {
			return nil, fmt.Errorf("decode change: %w", err)
		}
		out.Changes = append(out.Changes, ch)
	}
	return out, nil
}

// ChangesSince pages through the changes made at or after a time. History
// is in time order, so it starts from the first such change.
func (t *Tx) ChangesSince(since time.Time, first int, after uint64) (*ChangePage, error) {
	c := t.bucket(bucketHistory).Cursor()
	start := after
	if after == 0 {
		// Find the first change at or after since: binary search over seq.
		lo, hi := uint64(1), t.bucket(bucketHistory).Sequence()+1
		for lo < hi {
			mid := lo + (hi-lo)/2
			k, v := c.Seek(seqKey(mid))
			if k == nil {
				hi = mid
				continue
			}
			var ch Change
			if err := json.Unmarshal(v, &ch); err != nil {
				return nil, err
			}
			if ch.At.Before(since) {
				lo = binary.BigEndian.Uint64(k) + 1
			} else {
				hi = mid
			}
		}
		start = lo - 1
	}
	return t.Changes(start, first)
}

// History pages through the changes that touched entity, newest first,
// starting before the sequence number before (0: from the newest).
func (t *Tx) History(entity string, before uint64, first int) (*ChangePage, error) {
	p := prefix(entity)
	r := newRanges(t.bucket(bucketHistoryIndex), p)
	var cursor []byte
	if before > 0 {
		cursor = append(slices.Clone(p), seqKey(before)...)
	}
	out := &ChangePage{}
	h := t.bucket(bucketHistory)
	err := r.walk(cursor, true, func(k, _ []byte) (bool, error) {
		if len(out.Changes) == first {
			out.HasNext = true
			return false, nil
		}
		var ch Change
		if err := json.Unmarshal(h.Get(k[len(p):]), &ch); err != nil {
			return false, fmt.Errorf("decode change: %w", err)
		}
		out.Changes = append(out.Changes, ch)
		return true, nil
	})
	return out, err
}

// CountHistory returns how many changes touched entity.
func (t *Tx) CountHistory(entity string) int {
	n := 0
	p := prefix(entity)
	c := t.bucket(bucketHistoryIndex).Cursor()
	for k, _ := c.Seek(p); k != nil && len(k) > len(p) && string(k[:len(p)]) == string(p); k, _ = c.Next() {
		n++
	}
	return n
}

// LastSeq returns the sequence number of the newest change, 0 if none.
func (t *Tx) LastSeq() uint64 {
	return t.bucket(bucketHistory).Sequence()
}
