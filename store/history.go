package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
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
	OpRestore        = "restore" // the database was put back from a backup: a new epoch of history begins
)

// Actors that are not tokens. A token's name is a key, so it can be
// neither "seed --force" nor anything else with a space.
const (
	ActorSeed      = "seed"
	ActorSeedForce = "seed --force" // seeding that overrode a curator (SyncOptions.Force)
	ActorImport    = "import"
	ActorRestore   = "restore"
)

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
	c.Seq = t.LastSeq() + 1
	return t.appendChange(&c)
}

func (t *Tx) appendChange(c *Change) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := t.put(bucketHistory, historyKey(c.Seq), v); err != nil {
		return err
	}
	for _, k := range []string{c.Entity, c.Object} {
		if k == "" {
			continue
		}
		if err := t.put(bucketHistoryIndex, historyIndexKey(k, c.Seq), nil); err != nil {
			return err
		}
	}
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
	if after == math.MaxUint64 {
		return out, nil // nothing follows
	}
	err := scan(t.r, bucketHistory, nil, historyKey(after), false, func(_, v []byte) (bool, error) {
		if len(out.Changes) == first {
			out.HasNext = true
			return false, nil
		}
		var ch Change
		if err := json.Unmarshal(v, &ch); err != nil {
			return false, fmt.Errorf("decode change: %w", err)
		}
		out.Changes = append(out.Changes, ch)
		return true, nil
	})
	return out, err
}

// ChangesSince pages through the changes made at or after a time. History
// is in time order, so it starts from the first such change.
func (t *Tx) ChangesSince(since time.Time, first int, after uint64) (*ChangePage, error) {
	start := after
	if after == 0 {
		// Find the first change at or after since: binary search over seq.
		lo, hi := uint64(1), t.LastSeq()+1
		for lo < hi {
			mid := lo + (hi-lo)/2
			var k, v []byte
			// The first change numbered mid or more.
			err := scan(t.r, bucketHistory, nil, historyKey(mid-1), false, func(fk, fv []byte) (bool, error) {
				k, v = fk, fv
				return false, nil
			})
			if err != nil {
				return nil, err
			}
			if k == nil {
				hi = mid
				continue
			}
			var ch Change
			if err := json.Unmarshal(v, &ch); err != nil {
				return nil, err
			}
			if ch.At.Before(since) {
				lo = decodeHistoryKey(k) + 1
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
	r := newRanges(t, bucketHistoryIndex, historyIndexPrefix(entity))
	var cursor []byte
	if before > 0 {
		cursor = historyIndexKey(entity, before)
	}
	out := &ChangePage{}
	err := r.walk(cursor, true, func(k, _ []byte) (bool, error) {
		if len(out.Changes) == first {
			out.HasNext = true
			return false, nil
		}
		_, seq, ok := decodeHistoryIndexKey(k)
		if !ok {
			return false, fmt.Errorf("malformed history index key %q", k)
		}
		var ch Change
		if err := json.Unmarshal(t.get(bucketHistory, historyKey(seq)), &ch); err != nil {
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
	scan(t.r, bucketHistoryIndex, historyIndexPrefix(entity), nil, false, func([]byte, []byte) (bool, error) {
		n++
		return true, nil
	})
	return n
}

// LastSeq returns the sequence number of the newest change, 0 if none.
func (t *Tx) LastSeq() uint64 {
	var last uint64
	scan(t.r, bucketHistory, nil, nil, true, func(k, _ []byte) (bool, error) {
		last = decodeHistoryKey(k)
		return false, nil
	})
	return last
}

// History epochs.
//
// Sequence numbers count changes within one history. Restoring a backup
// or importing an export replaces the history with another, whose next
// numbers were, or may have been, given to other changes already: a
// client that saved its place at 377 before a restore to 375 would take
// the restored database's next two changes for ones it has seen. So each
// history has an epoch, a random name that restore and import replace,
// and a position in the history is an epoch and a sequence number. A
// position from another epoch is refused with HISTORY_RESET: the client
// must read the graph afresh. Files made before epochs have the empty
// epoch until they are first restored.

// newEpoch returns a fresh epoch: 8 random bytes in hex.
func newEpoch() []byte {
	b := make([]byte, 8)
	rand.Read(b) // never fails (crypto/rand)
	return []byte(hex.EncodeToString(b))
}

// HistoryEpoch returns the epoch of the history this transaction sees.
func (t *Tx) HistoryEpoch() string {
	return string(t.get(bucketMeta, keyHistoryEpoch))
}

// CheckPosition returns HISTORY_RESET unless seq in epoch is a position of
// this history: the epoch is this history's and the sequence number is
// not past its last change (a history that lost its last commits, from a
// damaged file, must not hand their numbers out again either).
func (t *Tx) CheckPosition(epoch string, seq uint64) error {
	if epoch != t.HistoryEpoch() {
		return tupu.Errorf(tupu.HistoryReset, "this cursor is from another history of the graph (before a restore or an import); read the graph afresh and continue from a new cursor")
	}
	if last := t.LastSeq(); seq > last {
		return tupu.Errorf(tupu.HistoryReset, "this cursor is past the last change (%d): the graph lost changes you have seen; read it afresh and continue from a new cursor", last)
	}
	return nil
}

// startEpoch gives the history a new epoch and returns it.
func (t *Tx) startEpoch() (string, error) {
	e := newEpoch()
	if err := t.put(bucketMeta, keyHistoryEpoch, e); err != nil {
		return "", err
	}
	return string(e), nil
}

// Restored starts a new epoch of history in a database put back from a
// backup, and records it as a change by ActorRestore, saying which
// history it replaced (replacedEpoch and replacedSeq, its last sequence
// number; both empty when there was none). Clients holding positions in
// the backup's history or in the replaced one are refused from now on.
func (s *Store) Restored(replacedEpoch string, replacedSeq uint64) (epoch string, err error) {
	err = s.Update(context.Background(), func(t *Tx) error {
		previous := t.HistoryEpoch()
		if epoch, err = t.startEpoch(); err != nil {
			return err
		}
		type epochs struct {
			Epoch            string `json:"epoch"`
			BackupEpoch      string `json:"backupEpoch"`
			ReplacedEpoch    string `json:"replacedEpoch,omitempty"`
			ReplacedSequence uint64 `json:"replacedSequence,omitempty"`
		}
		return t.record(ActorRestore, OpRestore, "", "", nil, &epochs{epoch, previous, replacedEpoch, replacedSeq})
	})
	return epoch, err
}
