package store

import (
	"encoding/json"
	"fmt"

	"tupu"
)

// Facts returns the facts about entity, ordered by property and period.
// An empty property or period selects all.
func (t *Tx) Facts(entity, property, period string) ([]tupu.Fact, error) {
	p := prefix(entity)
	if property != "" {
		p = prefix(entity, property)
	}
	r := newRanges(t.tx.Bucket(bucketFacts), p)
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

func factKey(entity, property, period string) []byte {
	return join(entity, property, period)
}

// PutFact writes a fact about an existing entity, replacing the fact with
// the same entity, property and period.
func (t *Tx) PutFact(f *tupu.Fact) error {
	if _, err := t.Entity(f.Entity); err != nil {
		return err
	}
	v, err := json.Marshal(f)
	if err != nil {
		return err
	}
	t.changed = true
	return t.tx.Bucket(bucketFacts).Put(factKey(f.Entity, f.Property, f.Period), v)
}

// DeleteFact removes a fact, or returns NOT_FOUND.
func (t *Tx) DeleteFact(entity, property, period string) error {
	b := t.tx.Bucket(bucketFacts)
	k := factKey(entity, property, period)
	if b.Get(k) == nil {
		return tupu.Errorf(tupu.NotFound, "no fact %s %s %s", entity, property, period)
	}
	t.changed = true
	return b.Delete(k)
}

// Document returns the document with the given key, or NOT_FOUND.
func (t *Tx) Document(key string) (*tupu.Document, error) {
	v := t.tx.Bucket(bucketDocuments).Get([]byte(key))
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
	t.changed = true
	return t.tx.Bucket(bucketDocuments).Put([]byte(d.Key), v)
}
