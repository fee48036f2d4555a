package store

import (
	"encoding/json"
	"fmt"

	"tupu"
)

// Facts returns the facts about entity, ordered by property and period.
// An empty property or period selects all.
func (t *Tx) Facts(entity, property, period string) ([]tupu.Fact, error) {
	r := newRanges(t, bucketFacts, factsPrefix(entity, property))
	var facts []tupu.Fact
	for k, v := r.after(nil); k != nil; k, v = r.after(k) {
		var f tupu.Fact
		if err := json.Unmarshal(v, &f); err != nil {
			return nil, fmt.Errorf("decode fact: %w", err)
		}
		if period != "" && f.Period != period {
			continue
		}
		facts = append(facts, f)
	}
	return facts, nil
}

// Fact returns the fact (entity, property, period), or NOT_FOUND.
func (t *Tx) Fact(entity, property, period string) (*tupu.Fact, error) {
	v := t.get(bucketFacts, factKey(entity, property, period))
	if v == nil {
		return nil, tupu.Errorf(tupu.NotFound, "no fact %s %s %q", entity, property, period)
	}
	var f tupu.Fact
	if err := json.Unmarshal(v, &f); err != nil {
		return nil, fmt.Errorf("decode fact: %w", err)
	}
	return &f, nil
}

// PutFact writes a fact about an existing entity, replacing the fact with
// the same entity, property and period.
func (t *Tx) PutFact(f *tupu.Fact) error {
	e, err := t.Entity(f.Entity)
	if err != nil {
		return err
	}
	if err := t.unindexFact(e.Kind, f.Entity, f.Property, f.Period); err != nil {
		return err
	}
	v, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if err := t.put(bucketFacts, factKey(f.Entity, f.Property, f.Period), v); err != nil {
		return err
	}
	if err := t.put(bucketFactProps, factPropKey(f.Property, f.Entity, f.Period), nil); err != nil {
		return err
	}
	if n, _, ok := f.Normalized(); ok {
		return t.put(bucketFactValues, factValueKey(f.Property, e.Kind, n, f.Entity, f.Period), nil)
	}
	return nil
}

// unindexFact removes the index entries of the stored fact, if any.
func (t *Tx) unindexFact(kind tupu.Kind, entity, property, period string) error {
	v := t.get(bucketFacts, factKey(entity, property, period))
	if v == nil {
		return nil
	}
	var old tupu.Fact
	if err := json.Unmarshal(v, &old); err != nil {
		return fmt.Errorf("decode fact: %w", err)
	}
	if err := t.del(bucketFactProps, factPropKey(property, entity, period)); err != nil {
		return err
	}
	if n, _, ok := old.Normalized(); ok {
		return t.del(bucketFactValues, factValueKey(property, kind, n, entity, period))
	}
	return nil
}

// DeleteFact removes a fact, or returns NOT_FOUND.
func (t *Tx) DeleteFact(entity, property, period string) error {
	k := factKey(entity, property, period)
	if t.get(bucketFacts, k) == nil {
		return tupu.Errorf(tupu.NotFound, "no fact %s %s %s", entity, property, period)
	}
	e, err := t.Entity(entity)
	if err != nil {
		return err
	}
	if err := t.unindexFact(e.Kind, entity, property, period); err != nil {
		return err
	}
	return t.del(bucketFacts, k)
}

// Document returns the document with the given key, or NOT_FOUND.
func (t *Tx) Document(key string) (*tupu.Document, error) {
	v := t.get(bucketDocuments, documentKey(key))
	if v == nil {
		return nil, tupu.Errorf(tupu.NotFound, "no document has key %q", key)
	}
	var d tupu.Document
	if err := json.Unmarshal(v, &d); err != nil {
		return nil, fmt.Errorf("decode document: %w", err)
	}
	return &d, nil
}

// PutDocument writes a document, replacing one with the same key.
func (t *Tx) PutDocument(d *tupu.Document) error {
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return t.put(bucketDocuments, documentKey(d.Key), v)
}
