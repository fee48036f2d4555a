package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"runtime/debug"
	"slices"

	"tupu"
)

// Entity returns the entity with the given key, or NOT_FOUND.
// In a read transaction the entity may be shared with other readers: do
// not modify it.
func (t *Tx) Entity(key string) (*tupu.Entity, error) {
	if t.cache != nil {
		if e := t.cache.get(t.cacheVersion, key); e != nil {
			return e, nil
		}
	}
	v := t.get(bucketEntities, entityKey(key))
	if v == nil {
		return nil, tupu.Errorf(tupu.NotFound, "no entity has key %q", key)
	}
	e, err := decodeEntity(v)
	if err == nil && t.cache != nil {
		t.cache.put(t.cacheVersion, key, e)
	}
	return e, err
}

func decodeEntity(v []byte) (*tupu.Entity, error) {
	var e tupu.Entity
	if err := json.Unmarshal(v, &e); err != nil {
		return nil, fmt.Errorf("decode entity: %w", err)
	}
	return &e, nil
}

// EntityByName returns the one entity whose name, English name or alias
// is name (Latin letters case-insensitively), NOT_FOUND when none is, and
// AMBIGUOUS (tupu.AmbiguousName) when several are: a lookup never chooses
// among homonyms, so no write can change its answer unseen.
func (t *Tx) EntityByName(name string) (*tupu.Entity, error) {
	holders, err := t.NameHolders(name)
	switch {
	case err != nil:
		return nil, err
	case len(holders) == 0:
		return nil, tupu.Errorf(tupu.NotFound, "no entity is named %q", name)
	case len(holders) > 1:
		return nil, tupu.AmbiguousName(name, holders)
	}
	return t.Entity(holders[0].Key)
}

// heldAs says how the names index's ranks hold a name.
var heldAs = map[byte]string{rankName: tupu.HeldAsName, rankNameEn: tupu.HeldAsNameEn, rankAlias: tupu.HeldAsAlias}

// NameHolders returns every entity that holds name (as EntityByName folds
// it), in key order: tupu.NameIndex.
func (t *Tx) NameHolders(name string) ([]tupu.NameHolder, error) {
	var out []tupu.NameHolder
	r := newRanges(t, bucketNames, namesPrefix(tupu.NormalizeName(name)))
	for k, v := r.after(nil); k != nil; k, v = r.after(k) {
		_, entity, ok := decodeNamesKey(k)
		if !ok || len(v) != 1 {
			continue
		}
		e, err := t.Entity(string(entity))
		if err != nil {
			return nil, err
		}
		out = append(out, tupu.NameHolder{Key: e.Key, Kind: e.Kind, Name: e.Name, As: heldAs[v[0]]})
	}
	return out, nil
}

var _ tupu.NameIndex = (*Tx)(nil)

// EntityPage is one page of entities.
type EntityPage struct {
	Entities []*tupu.Entity
	Cursors  [][]byte
	HasNext  bool
	HasPrev  bool
}

// Entities pages through the entities of one kind, or of every kind when
// kind is empty, in key order.
func (t *Tx) Entities(kind tupu.Kind, args PageArgs) (*EntityPage, error) {
	var (
		p   page
		err error
	)
	if kind == "" {
		err = checkCursors(args, func(c []byte) bool { return tupu.ValidateKey("cursor", string(c)) == nil })
		if err == nil {
			p, err = newRanges(t, bucketEntities, nil).page(args)
		}
	} else {
		kp := kindsPrefix(kind)
		err = checkCursors(args, func(c []byte) bool { return bytes.HasPrefix(c, kp) })
		if err == nil {
			p, err = newRanges(t, bucketKinds, kp).page(args)
		}
	}
	if err != nil {
		return nil, err
	}
	out := &EntityPage{HasNext: p.hasNext, HasPrev: p.hasPrev}
	for _, it := range p.items {
		var e *tupu.Entity
		if kind == "" {
			e, err = decodeEntity(it.value)
		} else {
			_, key, ok := decodeKindsKey(it.key)
			if !ok {
				return nil, fmt.Errorf("malformed kinds key %q", it.key)
			}
			e, err = t.Entity(string(key))
		}
		if err != nil {
			return nil, err
		}
		out.Entities = append(out.Entities, e)
		out.Cursors = append(out.Cursors, it.key)
	}
	return out, nil
}

// CountEntities returns how many entities there are of one kind, or of
// every kind when kind is empty. It reads counters, not the entities.
func (t *Tx) CountEntities(kind tupu.Kind) int {
	if kind != "" {
		return int(readU64(t.get(bucketKindCounts, kindCountKey(kind))))
	}
	n := 0
	t.each(bucketKindCounts, func(_, v []byte) error { n += int(readU64(v)); return nil })
	return n
}

// PutEntity writes e and its indexes. Its version must already be set.
func (t *Tx) PutEntity(e *tupu.Entity) error {
	old, err := t.Entity(e.Key)
	if err != nil && tupu.ErrorCode(err) != tupu.NotFound {
		return err
	}
	if old != nil {
		if old.Kind != e.Kind {
			// The kind is part of every edge key that points here.
			return tupu.Errorf(tupu.BadUserInput, "entity %q: kind cannot change from %s to %s", e.Key, old.Kind, e.Kind)
		}
		if err := t.unindexEntity(old); err != nil {
			return err
		}
	}
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := t.put(bucketEntities, entityKey(e.Key), v); err != nil {
		return err
	}
	return t.indexEntity(e, old == nil)
}

func (t *Tx) indexEntity(e *tupu.Entity, isNew bool) error {
	for _, k := range []string{string(e.Kind), allKinds} {
		if err := t.put(bucketByName, byNameKey(k, tupu.NormalizeName(e.Name), e.Key), nil); err != nil {
			return err
		}
	}
	if isNew {
		if err := t.put(bucketKinds, kindsKey(e.Kind, e.Key), nil); err != nil {
			return err
		}
		if err := t.addCount(bucketKindCounts, kindCountKey(e.Kind), 1); err != nil {
			return err
		}
	}
	for n, rank := range nameRanks(e) {
		if err := t.put(bucketNames, namesKey(n, e.Key), rankValues[rank]); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) unindexEntity(e *tupu.Entity) error {
	for _, k := range []string{string(e.Kind), allKinds} {
		if err := t.del(bucketByName, byNameKey(k, tupu.NormalizeName(e.Name), e.Key)); err != nil {
			return err
		}
	}
	for n := range nameRanks(e) {
		if err := t.del(bucketNames, namesKey(n, e.Key)); err != nil {
			return err
		}
	}
	return nil
}

// nameRanks maps each normalized name of e to its best rank.
func nameRanks(e *tupu.Entity) map[string]byte {
	ranks := map[string]byte{}
	add := func(n string, rank byte) {
		n = tupu.NormalizeName(n)
		if r, ok := ranks[n]; n != "" && (!ok || rank < r) {
			ranks[n] = rank
		}
	}
	add(e.Name, rankName)
	add(e.NameEn, rankNameEn)
	for _, a := range e.Aliases {
		add(a, rankAlias)
	}
	return ranks
}

// DeleteEntity removes an entity with its facts and every relation that
// touches it.
func (t *Tx) DeleteEntity(key string) error {
	e, err := t.Entity(key)
	if err != nil {
		return err
	}
	rels, err := t.relationsOf(key)
	if err != nil {
		return err
	}
	for _, r := range rels {
		if err := t.DeleteRelation(r.Subject, r.Predicate, r.Object); err != nil {
			return err
		}
	}
	facts, err := t.Facts(key, "", "")
	if err != nil {
		return err
	}
	for _, f := range facts {
		if err := t.DeleteFact(f.Entity, f.Property, f.Period); err != nil {
			return err
		}
	}
	if err := t.unindexEntity(e); err != nil {
		return err
	}
	if err := t.del(bucketKinds, kindsKey(e.Kind, e.Key)); err != nil {
		return err
	}
	if err := t.addCount(bucketKindCounts, kindCountKey(e.Kind), -1); err != nil {
		return err
	}
	return t.del(bucketEntities, entityKey(key))
}

// addCount adds delta to the counter at key, deleting it at zero.
func (t *Tx) addCount(b bucket, key []byte, delta int) error {
	n := int(readU64(t.get(b, key))) + delta
	if n <= 0 {
		return t.del(b, key)
	}
	return t.put(b, slices.Clone(key), u64(uint64(n)))
}

// AllEntities returns every entity in key order, for as long as the
// transaction lives. A value that does not decode ends the sequence and
// is reported by the returned error func.
func (t *Tx) AllEntities() (iter.Seq[*tupu.Entity], func() error) {
	var failed error
	seq := func(yield func(*tupu.Entity) bool) {
		// The sequence may be walked on another goroutine than the
		// transaction's, beyond the guard of View: guard it here too.
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				failed = fmt.Errorf("%w: %v", errDamaged, r)
			}
		}()
		err := scan(t.r, bucketEntities, nil, nil, false, func(_, v []byte) (bool, error) {
			e, err := decodeEntity(v)
			if err != nil {
				return false, err
			}
			return yield(e), nil
		})
		if err != nil {
			failed = err
		}
	}
	return seq, func() error { return failed }
}
