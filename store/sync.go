package store

import (
	"bytes"
	"encoding/json"

	"tupu"
)

// SyncResult counts what Sync changed.
type SyncResult struct {
	Added, Updated, Removed, Unchanged int
}

// Changed reports whether Sync wrote anything.
func (r SyncResult) Changed() bool { return r.Added+r.Updated+r.Removed > 0 }

// Sync makes the store hold the dataset, in one transaction. It is
// idempotent: what is already there unchanged is left alone (entity
// versions stay), what changed is rewritten with its version raised, and
// what the store holds from the dataset's documents but the dataset no
// longer has is removed. Statements citing other documents are kept.
// The dataset must be valid (see tupu.Dataset.Validate).
func (s *Store) Sync(d *tupu.Dataset) (SyncResult, error) {
	if err := d.Validate(); err != nil {
		return SyncResult{}, err
	}
	var res SyncResult
	err := s.Update(func(t *Tx) error {
		var err error
		res, err = t.sync(d)
		return err
	})
	return res, err
}

func (t *Tx) sync(d *tupu.Dataset) (SyncResult, error) {
	var res SyncResult
	owned := map[string]bool{}
	for i := range d.Documents {
		doc := &d.Documents[i]
		owned[doc.Key] = true
		old, err := t.Document(doc.Key)
		switch {
		case err == nil && sameJSON(old, doc):
			res.Unchanged++
			continue
		case err == nil:
			res.Updated++
		case tupu.ErrorCode(err) == tupu.NotFound:
			res.Added++
		default:
			return res, err
		}
		if err := t.PutDocument(doc); err != nil {
			return res, err
		}
		meta := *doc
		meta.Text = ""
		if err := t.record(ActorSeed, OpAddDocument, "", "", nil, &meta); err != nil {
			return res, err
		}
	}
	ownedBy := func(s *tupu.Source) bool { return s != nil && owned[s.Document] }

	// Entities first, so relations and facts find their ends.
	keep := map[string]bool{}
	for i := range d.Entities {
		e := d.Entities[i]
		keep[e.Key] = true
		old, err := t.Entity(e.Key)
		op := OpCreateEntity
		if err == nil {
			op = OpUpdateEntity
		}
		switch {
		case err == nil:
			e.Version = old.Version
			if sameJSON(old, &e) {
				res.Unchanged++
				continue
			}
			e.Version = old.Version + 1
			res.Updated++
			if old.Kind != e.Kind {
				if err := t.changeKind(&e, func(s *tupu.Source) bool { return !ownedBy(s) }); err != nil {
					return res, err
				}
				if err := t.record(ActorSeed, op, e.Key, "", old, &e); err != nil {
					return res, err
				}
				continue
			}
		case tupu.ErrorCode(err) == tupu.NotFound:
			old = nil
			last, err := t.retiredVersion(e.Key)
			if err != nil {
				return res, err
			}
			e.Version = last + 1
			res.Added++
		default:
			return res, err
		}
		if err := t.PutEntity(&e); err != nil {
			return res, err
		}
		if err := t.record(ActorSeed, op, e.Key, "", old, &e); err != nil {
			return res, err
		}
	}

	relations := map[string]bool{}
	for i := range d.Relations {
		r := d.Relations[i]
		relations[string(join(r.Subject, string(r.Predicate), r.Object))] = true
		old, err := t.Relation(r.Subject, r.Predicate, r.Object)
		switch {
		case err == nil && sameJSON(old, &r):
			res.Unchanged++
			continue
		case err == nil:
			res.Updated++
		case tupu.ErrorCode(err) == tupu.NotFound:
			res.Added++
		default:
			return res, err
		}
		if err := t.PutRelation(&r); err != nil {
			return res, err
		}
		if err := t.record(ActorSeed, OpAddRelation, r.Subject, r.Object, old, &r); err != nil {
			return res, err
		}
	}

	facts := map[string]bool{}
	for i := range d.Facts {
		f := d.Facts[i]
		k := factKey(f.Entity, f.Property, f.Period)
		facts[string(k)] = true
		newV, err := json.Marshal(&f)
		if err != nil {
			return res, err
		}
		var before *tupu.Fact
		if old := t.tx.Bucket(bucketFacts).Get(k); old != nil {
			if bytes.Equal(old, newV) {
				res.Unchanged++
				continue
			}
			before = &tupu.Fact{}
			if err := json.Unmarshal(old, before); err != nil {
				return res, err
			}
			res.Updated++
		} else {
			res.Added++
		}
		if err := t.PutFact(&f); err != nil {
			return res, err
		}
		if err := t.record(ActorSeed, OpSetFact, f.Entity, "", before, &f); err != nil {
			return res, err
		}
	}

	// Remove what the dataset's documents no longer state.
	var staleFacts []tupu.Fact
	err := t.tx.Bucket(bucketFacts).ForEach(func(k, v []byte) error {
		var f tupu.Fact
		if err := json.Unmarshal(v, &f); err != nil {
			return err
		}
		if !facts[string(k)] && ownedBy(&f.Source) {
			staleFacts = append(staleFacts, f)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	for _, f := range staleFacts {
		if err := t.RemoveFact(ActorSeed, f.Entity, f.Property, f.Period); err != nil {
			return res, err
		}
		res.Removed++
	}
	var staleRelations []tupu.Relation
	err = t.tx.Bucket(bucketEdges).ForEach(func(k, v []byte) error {
		parts := bytes.SplitN(k, []byte{sep}, 5)
		if len(parts) != 5 || parts[1][0] != dirOut {
			return nil
		}
		var ev edgeValue
		if err := json.Unmarshal(v, &ev); err != nil {
			return err
		}
		id := string(join(string(parts[0]), string(parts[2]), string(parts[4])))
		if !relations[id] && ownedBy(ev.Source) {
			staleRelations = append(staleRelations, tupu.Relation{Subject: string(parts[0]), Predicate: tupu.Predicate(parts[2]), Object: string(parts[4])})
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	for _, r := range staleRelations {
		if err := t.RemoveRelation(ActorSeed, r.Subject, r.Predicate, r.Object); err != nil {
			return res, err
		}
		res.Removed++
	}
	var staleEntities []string
	err = t.tx.Bucket(bucketEntities).ForEach(func(k, v []byte) error {
		e, err := decodeEntity(v)
		if err != nil {
			return err
		}
		if !keep[e.Key] && ownedBy(e.Source) {
			staleEntities = append(staleEntities, e.Key)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	for _, key := range staleEntities {
		e, err := t.Entity(key)
		if err != nil {
			return res, err
		}
		if _, err := t.RemoveEntity(ActorSeed, key, e.Version, true); err != nil {
			return res, err
		}
		res.Removed++
	}
	return res, nil
}

// sameJSON reports whether a and b encode the same, which is what the store
// would hold for each (nil and empty lists alike).
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// changeKind rewrites an entity whose kind changed. The far end's kind is
// inside edge keys, so the entity is deleted and written again; the
// relations and facts that keep cites are put back with it.
func (t *Tx) changeKind(e *tupu.Entity, keep func(*tupu.Source) bool) error {
	rels, err := t.relationsOf(e.Key)
	if err != nil {
		return err
	}
	var kept []*tupu.Relation
	for _, r := range rels {
		full, err := t.Relation(r.Subject, r.Predicate, r.Object)
		if err != nil {
			return err
		}
		if keep(full.Source) {
			kept = append(kept, full)
		}
	}
	facts, err := t.Facts(e.Key, "", "")
	if err != nil {
		return err
	}
	if err := t.DeleteEntity(e.Key); err != nil {
		return err
	}
	if err := t.PutEntity(e); err != nil {
		return err
	}
	for _, r := range kept {
		if err := t.PutRelation(r); err != nil {
			return err
		}
	}
	for i := range facts {
		if keep(&facts[i].Source) {
			if err := t.PutFact(&facts[i]); err != nil {
				return err
			}
		}
	}
	return nil
}
