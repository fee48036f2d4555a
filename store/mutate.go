package store

import (
	"encoding/json"
	"fmt"
	"slices"

	"tupu"
)

// The curation operations: each checks its input, writes, and records a
// change with its actor, all inside the caller's transaction, so that a
// mutation is all or nothing.

// CreateEntity writes a new entity, at version 1, or, when an entity
// with the same key was deleted before, at the version after its last: a
// client's expectedVersion for the old entity never applies to the new
// one. The entity is normalized and must pass tupu.CheckEntity
// (BAD_USER_INPUT). It returns CONFLICT if the key is taken, or if the
// entity takes a name another holds, unless opts share names
// (tupu.CheckNewNames).
func (t *Tx) CreateEntity(actor string, e tupu.Entity, opts ...EntityOptions) (*tupu.Entity, error) {
	e.Normalize()
	if err := tupu.CheckEntity(t, &e); err != nil {
		return nil, err
	}
	if _, err := t.Entity(e.Key); err == nil {
		return nil, tupu.Errorf(tupu.Conflict, "key: an entity with key %q exists", e.Key)
	}
	if err := tupu.CheckNewNames(t, nil, &e, shareNames(opts)); err != nil {
		return nil, err
	}
	last, err := t.retiredVersion(e.Key)
	if err != nil {
		return nil, err
	}
	e.Version = last + 1
	if err := t.PutEntity(&e); err != nil {
		return nil, err
	}
	return &e, t.record(actor, OpCreateEntity, e.Key, "", nil, &e)
}

// retiredVersion returns the version a deleted entity with key had when
// it was deleted, from the history (which export and import carry), or 0
// when no entity had the key. Call it for a key no entity has now.
func (t *Tx) retiredVersion(key string) (int, error) {
	var before uint64
	for {
		p, err := t.History(key, before, 20)
		if err != nil {
			return 0, err
		}
		for _, c := range p.Changes {
			before = c.Seq
			if c.Entity != key || (c.Op != OpCreateEntity && c.Op != OpUpdateEntity && c.Op != OpDeleteEntity) {
				continue // a relation or fact of it, or a change that names it as a relation's object
			}
			record := c.After
			if c.Op == OpDeleteEntity {
				record = c.Before
			}
			var e struct {
				Version int `json:"version"`
			}
			if err := json.Unmarshal(record, &e); err != nil {
				return 0, fmt.Errorf("decode change %d: %w", c.Seq, err)
			}
			return e.Version, nil
		}
		if !p.HasNext {
			return 0, nil
		}
	}
}

// EntityOptions change how CreateEntity and UpdateEntity write.
type EntityOptions struct {
	// ShareNames lets the entity take a name, English name or alias that
	// another entity holds: a homonym, which lookups by that name then
	// answer with AMBIGUOUS.
	ShareNames bool
}

func shareNames(opts []EntityOptions) bool {
	for _, o := range opts {
		if o.ShareNames {
			return true
		}
	}
	return false
}

// checkVersion returns CONFLICT unless the entity is at expected.
func checkVersion(e *tupu.Entity, expected int) error {
	if e.Version != expected {
		return tupu.Errorf(tupu.Conflict, "expectedVersion: entity %q is at version %d, not %d; read it again", e.Key, e.Version, expected)
	}
	return nil
}

// UpdateEntity applies change to the entity at expectedVersion and raises
// its version. The key and kind cannot change, and the entity as changed
// must pass tupu.CheckEntity, as must its relations when its names change
// (a relation's quote names both ends): BAD_USER_INPUT. It returns
// NOT_FOUND or CONFLICT when the entity is missing or has moved on, and
// CONFLICT when it takes a name another holds, unless opts share names.
func (t *Tx) UpdateEntity(actor, key string, expectedVersion int, change func(*tupu.Entity), opts ...EntityOptions) (*tupu.Entity, error) {
	old, err := t.Entity(key)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(old, expectedVersion); err != nil {
		return nil, err
	}
	e := *old
	e.Aliases = slices.Clone(old.Aliases)
	change(&e)
	if e.Key != old.Key || e.Kind != old.Kind {
		return nil, tupu.Errorf(tupu.BadUserInput, "key and kind cannot change; create a new entity instead")
	}
	e.Normalize()
	if err := tupu.CheckEntity(t, &e); err != nil {
		return nil, err
	}
	if err := tupu.CheckNewNames(t, old, &e, shareNames(opts)); err != nil {
		return nil, err
	}
	e.Version = old.Version + 1
	if err := t.PutEntity(&e); err != nil {
		return nil, err
	}
	if !slices.Equal(e.Names(), old.Names()) {
		if err := t.relationsStillGround(&e); err != nil {
			return nil, err
		}
	}
	return &e, t.record(actor, OpUpdateEntity, key, "", old, &e)
}

// relationsStillGround returns BAD_USER_INPUT if a relation of e, whose
// names just changed, no longer passes tupu.CheckRelation: its quote named
// e by a name e no longer has.
func (t *Tx) relationsStillGround(e *tupu.Entity) error {
	rels, err := t.relationsOf(e.Key)
	if err != nil {
		return err
	}
	for i := range rels {
		if err := tupu.CheckRelation(t, &rels[i]); err != nil {
			if tupu.ErrorCode(err) != tupu.BadUserInput {
				return err
			}
			r := rels[i]
			return tupu.Errorf(tupu.BadUserInput, "name: relation %s %s %s would no longer be grounded (%s); keep the name it quotes as an alias", r.Subject, r.Predicate, r.Object, tupu.ErrorMessage(err))
		}
	}
	return nil
}

// RemoveEntity deletes the entity at expectedVersion. While relations
// still point at it, it is refused with CONFLICT unless cascade is set;
// then its relations and facts go with it, each recorded.
func (t *Tx) RemoveEntity(actor, key string, expectedVersion int, cascade bool) (*tupu.Entity, error) {
	old, err := t.Entity(key)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(old, expectedVersion); err != nil {
		return nil, err
	}
	rels, err := t.relationsOf(key)
	if err != nil {
		return nil, err
	}
	if len(rels) > 0 && !cascade {
		return nil, tupu.Errorf(tupu.Conflict, "entity %q still has %d relations; remove them first, or delete with cascade", key, len(rels))
	}
	for _, r := range rels {
		if err := t.RemoveRelation(actor, r.Subject, r.Predicate, r.Object); err != nil {
			return nil, err
		}
	}
	facts, err := t.Facts(key, "", "")
	if err != nil {
		return nil, err
	}
	for _, f := range facts {
		if err := t.RemoveFact(actor, f.Entity, f.Property, f.Period); err != nil {
			return nil, err
		}
	}
	if err := t.DeleteEntity(key); err != nil {
		return nil, err
	}
	return old, t.record(actor, OpDeleteEntity, key, "", old, nil)
}

// AddRelation writes a relation that passes tupu.CheckRelation
// (BAD_USER_INPUT) and returns it as written. Adding one that exists
// replaces its source and note.
func (t *Tx) AddRelation(actor string, r tupu.Relation) (*tupu.Relation, error) {
	r.Normalize()
	if err := tupu.CheckRelation(t, &r); err != nil {
		return nil, err
	}
	old, err := t.Relation(r.Subject, r.Predicate, r.Object)
	if err != nil && tupu.ErrorCode(err) != tupu.NotFound {
		return nil, err
	}
	if err := t.PutRelation(&r); err != nil {
		return nil, err
	}
	return &r, t.record(actor, OpAddRelation, r.Subject, r.Object, old, &r)
}

// RemoveRelation deletes a relation, or returns NOT_FOUND.
func (t *Tx) RemoveRelation(actor, subject string, pred tupu.Predicate, object string) error {
	old, err := t.Relation(subject, pred, object)
	if err != nil {
		return err
	}
	if err := t.DeleteRelation(subject, pred, object); err != nil {
		return err
	}
	return t.record(actor, OpRemoveRelation, subject, object, old, nil)
}

// SetFact writes the fact (entity, property, period): change is applied
// to the fact as it is (or to an empty one with that identity, when there
// is none), so that what change leaves alone stays. The result, normalized,
// must keep its identity and pass tupu.CheckFact. It returns the fact as
// written; BAD_USER_INPUT when the entity is missing or the fact is not
// valid.
func (t *Tx) SetFact(actor, entity, property, period string, change func(*tupu.Fact)) (*tupu.Fact, error) {
	old, err := t.Fact(entity, property, period)
	if err != nil && tupu.ErrorCode(err) != tupu.NotFound {
		return nil, err
	}
	f := tupu.Fact{Entity: entity, Property: property, Period: period}
	if old != nil {
		f = *old
	}
	change(&f)
	if f.Entity != entity || f.Property != property || f.Period != period {
		return nil, tupu.Errorf(tupu.BadUserInput, "a fact's entity, property and period name it; set another fact instead")
	}
	f.Normalize()
	if err := tupu.CheckFact(t, &f); err != nil {
		return nil, err
	}
	if err := t.PutFact(&f); err != nil {
		return nil, err
	}
	return &f, t.record(actor, OpSetFact, f.Entity, "", old, &f)
}

// RemoveFact deletes a fact, or returns NOT_FOUND.
func (t *Tx) RemoveFact(actor, entity, property, period string) error {
	old, err := t.Fact(entity, property, period)
	if err != nil {
		return err
	}
	if err := t.DeleteFact(entity, property, period); err != nil {
		return err
	}
	return t.record(actor, OpRemoveFact, entity, "", old, nil)
}

// AddDocument stores a new source document. Documents are what every
// quote is checked against, so one is never replaced: CONFLICT if the key
// is taken.
func (t *Tx) AddDocument(actor string, d tupu.Document) (*tupu.Document, error) {
	d.Normalize()
	if err := tupu.CheckDocument(&d); err != nil {
		return nil, err
	}
	if _, err := t.Document(d.Key); err == nil {
		return nil, tupu.Errorf(tupu.Conflict, "key: a document with key %q exists", d.Key)
	}
	if err := t.PutDocument(&d); err != nil {
		return nil, err
	}
	// History keeps the document without its text, which it holds anyway.
	meta := d
	meta.Text = ""
	return &d, t.record(actor, OpAddDocument, "", "", nil, &meta)
}
