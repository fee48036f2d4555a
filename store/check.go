package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"tupu"
)

// Checking what is stored against the rules every way in applies. When a
// rule tightens (tupu.RulesVersion goes up), statements written before may
// no longer pass: the service warns at start and `tupu check` lists them,
// each with what is wrong and how to fix it, instead of refusing to start
// or to export.

// indexedDocuments is how many documents a check keeps indexed for quotes
// (tupu.Document.IndexQuotes): an index is about four times its text, and
// statements citing one document come together (a load's chunk, a
// store's keys of one source).
const indexedDocuments = 8

// quotedDocuments looks documents up through fetch and keeps the last few
// looked up indexed for quotes, most recent first.
type quotedDocuments struct {
	fetch  func(key string) (*tupu.Document, error)
	recent []*tupu.Document
}

func (q *quotedDocuments) Document(key string) (*tupu.Document, error) {
	for i, d := range q.recent {
		if d.Key == key {
			copy(q.recent[1:i+1], q.recent[:i])
			q.recent[0] = d
			return d, nil
		}
	}
	d, err := q.fetch(key)
	if err != nil {
		return nil, err
	}
	x := *d
	x.IndexQuotes()
	if len(q.recent) < indexedDocuments {
		q.recent = append(q.recent, nil)
	}
	copy(q.recent[1:], q.recent)
	q.recent[0] = &x
	return &x, nil
}

// checkGraph is a transaction as the rules' tupu.Graph, with documents
// indexed for quotes.
type checkGraph struct {
	t *Tx
	quotedDocuments
}

func (g *checkGraph) Entity(key string) (*tupu.Entity, error) { return g.t.Entity(key) }

// CheckRules reads every statement the store holds, in one read
// transaction, and calls report with each problem the rules find (see
// tupu.Dataset.Problems, whose form it has; Index counts the statements
// of a section in key order): documents, entities, relations (from their
// subjects) and facts. It stops at report's first error or when ctx ends.
// It returns how many statements it read and how many problems it found.
// It writes nothing: see RecordRulesPassed and RulesPassed.
func (s *Store) CheckRules(ctx context.Context, report func(tupu.Problem) error) (checked, found int, err error) {
	err = s.View(func(t *Tx) error {
		g := &checkGraph{t: t}
		g.fetch = t.Document
		each := func(b bucket, fn func(i int, k, v []byte) error) error {
			i := 0
			return t.each(b, func(k, v []byte) error {
				if checked%1024 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				err := fn(i, k, v)
				i++
				return err
			})
		}
		say := func(section string, i int, entry string, msg string) error {
			found++
			return report(tupu.Problem{Section: section, Index: i, Entry: entry, Message: msg})
		}
		sayAll := func(section string, i int, entry string, err error) error {
			if err == nil {
				return nil
			}
			if tupu.ErrorCode(err) != tupu.BadUserInput {
				return err
			}
			for _, line := range strings.Split(tupu.ErrorMessage(err), "\n") {
				if err := say(section, i, entry, line); err != nil {
					return err
				}
			}
			return nil
		}
		err := each(bucketDocuments, func(i int, k, v []byte) error {
			checked++
			var d tupu.Document
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decode document: %w", err)
			}
			return sayAll("documents", i, fmt.Sprintf("%q", d.Key), tupu.CheckDocument(&d))
		})
		if err != nil {
			return err
		}
		err = each(bucketEntities, func(i int, k, v []byte) error {
			checked++
			e, err := decodeEntity(v)
			if err != nil {
				return err
			}
			return sayAll("entities", i, fmt.Sprintf("%q", e.Key), tupu.CheckEntity(g, e))
		})
		if err != nil {
			return err
		}
		relations := 0
		err = each(bucketEdges, func(_ int, k, v []byte) error {
			ek, ok := decodeEdgeKey(k)
			if !ok || ek.dir != dirOut {
				return nil // each relation once, from its subject
			}
			checked++
			var ev edgeValue
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("decode edge: %w", err)
			}
			r := tupu.Relation{Subject: string(ek.entity), Predicate: tupu.Predicate(ek.pred), Object: string(ek.other), Source: ev.Source, Note: ev.Note}
			i := relations
			relations++
			return sayAll("relations", i, fmt.Sprintf("%s %s %s", r.Subject, r.Predicate, r.Object), tupu.CheckRelation(g, &r))
		})
		if err != nil {
			return err
		}
		return each(bucketFacts, func(i int, k, v []byte) error {
			checked++
			var f tupu.Fact
			if err := json.Unmarshal(v, &f); err != nil {
				return fmt.Errorf("decode fact: %w", err)
			}
			return sayAll("facts", i, fmt.Sprintf("%s %s %s", f.Entity, f.Property, f.Period), tupu.CheckFact(g, &f))
		})
	})
	return checked, found, err
}

// RecordRulesPassed records now that every stored statement passes the
// rules of this version (a CheckRules found nothing), so that they are not
// checked again at start.
func (s *Store) RecordRulesPassed() error {
	return s.eng.update(context.Background(), markRulesPassed)
}

// RulesPassed records the same with the next write transaction, whatever
// it writes: a check a service runs in the background does not write the
// file by itself.
func (s *Store) RulesPassed() { s.rulesPassed.Store(tupu.RulesVersion) }

// markRulesPassed records that every stored statement passes the rules
// of this version. It writes through the engine's transaction, not the
// Tx's: the record is no change of the graph, and raises no version.
func markRulesPassed(w writeTx) error {
	return w.put(bucketMeta, keyRulesChecked, u64(tupu.RulesVersion))
}

// RulesChecked returns the version of the rules every stored statement
// passed when last checked (by CheckRules, or as Import and Load write),
// 0 if never.
func (s *Store) RulesChecked() (uint64, error) {
	var v uint64
	err := s.eng.view(func(r readTx) error {
		v = readU64((&Tx{r: r}).get(bucketMeta, keyRulesChecked))
		return nil
	})
	return v, err
}
