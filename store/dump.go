package store

import (
	"context"
	"encoding/json"
	"fmt"

	"tupu"
)

// Dump is the whole graph with its history: what export writes and import
// reads. Tokens are not part of it: they are credentials, not knowledge.
type Dump struct {
	Dataset tupu.Dataset
	History []Change
}

// Dump reads the whole graph in a stable order: documents, entities and
// facts by key, relations by subject, predicate and object, history by
// sequence number.
func (t *Tx) Dump() (*Dump, error) {
	d := &Dump{}
	err := t.each(bucketDocuments, func(_, v []byte) error {
		var doc tupu.Document
		d.Dataset.Documents = append(d.Dataset.Documents, doc)
		return json.Unmarshal(v, &d.Dataset.Documents[len(d.Dataset.Documents)-1])
	})
	if err != nil {
		return nil, err
	}
	err = t.each(bucketEntities, func(_, v []byte) error {
		e, err := decodeEntity(v)
		if err == nil {
			d.Dataset.Entities = append(d.Dataset.Entities, *e)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// Each relation once: from its subject's outgoing edges. Edge keys
	// sort by subject, direction, predicate, object kind, object; sort the
	// relations of a subject by predicate and object for a stable order
	// that does not depend on kinds.
	err = t.each(bucketEdges, func(k, v []byte) error {
		ek, ok := decodeEdgeKey(k)
		if !ok || ek.dir != dirOut {
			return nil
		}
		var ev edgeValue
		if err := json.Unmarshal(v, &ev); err != nil {
			return fmt.Errorf("decode edge: %w", err)
		}
		d.Dataset.Relations = append(d.Dataset.Relations, tupu.Relation{
			Subject: string(ek.entity), Predicate: tupu.Predicate(ek.pred), Object: string(ek.other),
			Source: ev.Source, Note: ev.Note,
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortRelations(d.Dataset.Relations)
	err = t.each(bucketFacts, func(_, v []byte) error {
		var f tupu.Fact
		d.Dataset.Facts = append(d.Dataset.Facts, f)
		return json.Unmarshal(v, &d.Dataset.Facts[len(d.Dataset.Facts)-1])
	})
	if err != nil {
		return nil, err
	}
	err = t.each(bucketHistory, func(_, v []byte) error {
		var c Change
		d.History = append(d.History, c)
		return json.Unmarshal(v, &d.History[len(d.History)-1])
	})
	return d, err
}

// Import writes a dump into an empty store, in one transaction, keeping
// entity versions and history as they were, in a new epoch of history. It checks everything before
// it writes anything: the dataset, normalized, must pass the rules every
// way in applies (tupu.Dataset.Validate), and the history's sequence
// numbers must rise. A store that holds anything is CONFLICT.
func (s *Store) Import(d *Dump) error {
	d.Dataset.Normalize()
	if err := d.Dataset.Validate(); err != nil {
		return err
	}
	var last uint64
	for i, c := range d.History {
		if c.Seq <= last {
			return tupu.Errorf(tupu.BadUserInput, "history[%d]: sequence number %d does not follow %d", i, c.Seq, last)
		}
		last = c.Seq
	}
	for i, e := range d.Dataset.Entities {
		if e.Version < 1 {
			return tupu.Errorf(tupu.BadUserInput, "entities[%d] %q: version %d, at least 1", i, e.Key, e.Version)
		}
	}
	if !s.IsFile() {
		// A cluster takes a whole graph only as a copy (see throughFile).
		return s.throughFile(context.Background(), func(tmp *Store) error { return tmp.Import(d) })
	}
	return s.Update(context.Background(), func(t *Tx) error {
		if t.CountEntities("") > 0 || !t.empty(bucketDocuments) || !t.empty(bucketHistory) {
			return tupu.Errorf(tupu.Conflict, "import needs an empty database")
		}
		for i := range d.Dataset.Documents {
			if err := t.PutDocument(&d.Dataset.Documents[i]); err != nil {
				return err
			}
		}
		for i := range d.Dataset.Entities {
			if err := t.PutEntity(&d.Dataset.Entities[i]); err != nil {
				return err
			}
		}
		for i := range d.Dataset.Relations {
			if err := t.PutRelation(&d.Dataset.Relations[i]); err != nil {
				return err
			}
		}
		for i := range d.Dataset.Facts {
			if err := t.PutFact(&d.Dataset.Facts[i]); err != nil {
				return err
			}
		}
		for i := range d.History {
			if err := t.appendChange(&d.History[i]); err != nil {
				return err
			}
		}
		// The history's numbers are the export's: a new epoch, so that
		// nobody's position in the exporting database's history is taken
		// for one in this one. (A new epoch is no news to subscribers: the
		// store publishes no changes from the commit that starts one.)
		if _, err := t.startEpoch(); err != nil {
			return err
		}
		return markRulesPassed(t.w) // every statement was checked
	})
}
