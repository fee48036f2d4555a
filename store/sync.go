package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"tupu"
)

// Seeding.
//
// Sync writes a data set (the built-in one, in practice) into a store that
// curators write to as well. It owns only what it wrote: the seeded bucket
// keeps every statement as Sync last wrote it, and a new data set is
// applied as the difference between that record and the data set, three
// ways with what the store holds now:
//
//   - what the store holds as Sync wrote it follows the data set: added,
//     changed, removed;
//   - what a curator changed or removed since stays as the curator left
//     it; where the data set changes it too, that is a conflict, reported,
//     and decided for the data set only with SyncOptions.Force;
//   - what Sync never wrote is never touched, whatever document it cites.
//
// An entity the data set drops goes only once nothing the seed does not
// own points at it: removing it never cascades.

// SyncOptions tune Sync.
type SyncOptions struct {
	// Force decides conflicts for the data set: what curators changed or
	// removed is overwritten, re-added or removed as the data set says,
	// recorded in history by ActorSeedForce. It never removes an entity
	// that statements the seed does not own point at.
	Force bool
	// DryRun works out everything Sync would do and writes nothing.
	DryRun bool
}

// What Sync does with a statement (SyncAction.Op).
const (
	SyncAdd      = "add"
	SyncUpdate   = "update"
	SyncRemove   = "remove"
	SyncLeave    = "leave"    // a curator changed or removed it and the data set did not: the curator's stands
	SyncConflict = "conflict" // the data set changes or removes what a curator changed: left as the curator has it
	SyncForce    = "force"    // a conflict decided for the data set (SyncOptions.Force)
	SyncKeep     = "keep"     // the data set drops it, but statements the seed does not own still need it
)

// SyncAction is one thing Sync did, or would do, to one statement.
type SyncAction struct {
	Op        string
	Statement string // such as "fact yubei-district gdp 2020"
	Reason    string // why, for all but plain adds, updates and removals
}

func (a SyncAction) String() string {
	if a.Reason == "" {
		return a.Op + " " + a.Statement
	}
	return a.Op + " " + a.Statement + ": " + a.Reason
}

// SyncResult says what Sync changed (or, in a dry run, would change).
type SyncResult struct {
	Added, Updated, Removed, Unchanged int
	// Adopted counts the statements of a database seeded before Sync kept
	// its record, found to be the seed's (see adoptSeeded).
	Adopted int
	// Actions lists every add, update and removal, and every statement
	// left as curators have it, in the order Sync took them.
	Actions []SyncAction
}

// Changed reports whether Sync wrote anything.
func (r SyncResult) Changed() bool { return r.Added+r.Updated+r.Removed > 0 }

// Count returns how many actions have op.
func (r SyncResult) Count(op string) int {
	n := 0
	for _, a := range r.Actions {
		if a.Op == op {
			n++
		}
	}
	return n
}

// errDryRun rolls back a dry run's transaction.
var errDryRun = errors.New("dry run")

// Sync makes the store hold the data set as far as it owns the statements
// (see above), in one transaction, and says what it did. It is
// idempotent: a second run with the same data set changes nothing, and
// entity versions stay. The dataset must be valid (BAD_USER_INPUT
// otherwise, with nothing written). A data set whose document text no
// longer holds the quote of a statement the seed does not own is refused
// with CONFLICT, with nothing written.
func (s *Store) Sync(d *tupu.Dataset, opts SyncOptions) (SyncResult, error) {
	if err := d.Validate(); err != nil {
		return SyncResult{}, err
	}
	if !s.IsFile() && !opts.DryRun {
		// A cluster takes a whole graph only as a copy (see throughFile):
		// an empty one is seeded so, as a file would be in one commit.
		holds, err := s.holdsGraph()
		if IsLoading(err) { // another server is seeding it: sync with what it wrote
			if err := s.WaitLoaded(); err != nil {
				return SyncResult{}, err
			}
			holds, err = true, nil
		}
		if err != nil {
			return SyncResult{}, err
		}
		if !holds {
			var res SyncResult
			err := s.throughFile(context.Background(), func(tmp *Store) error {
				var err error
				res, err = tmp.Sync(d, opts)
				return err
			})
			if !isRaced(err) {
				return res, err
			}
			// Another server is seeding it: once it has, sync with what
			// it wrote, as usual.
			if err := s.WaitLoaded(); err != nil {
				return SyncResult{}, err
			}
		}
	}
	var res SyncResult
	err := s.Update(context.Background(), func(t *Tx) error {
		res = SyncResult{}
		if err := t.sync(d, opts, &res); err != nil {
			return err
		}
		if opts.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return res, err
}

// stmt names a statement: its kind and its identity, as in the seeded
// bucket's keys.
type stmt struct {
	kind  byte
	parts []string // document key; entity key; subject, predicate, object; entity, property, period
}

func (s stmt) key() []byte { return seededKey(s) }

func (s stmt) String() string {
	name := map[byte]string{stmtDocument: "document", stmtEntity: "entity", stmtRelation: "relation", stmtFact: "fact"}[s.kind]
	parts := s.parts
	if s.kind == stmtFact && parts[2] == "" {
		parts = parts[:2] // a fact without a period
	}
	return name + " " + strings.Join(parts, " ")
}

func documentStmt(key string) stmt { return stmt{stmtDocument, []string{key}} }
func entityStmt(key string) stmt   { return stmt{stmtEntity, []string{key}} }
func relationStmt(subject string, p tupu.Predicate, object string) stmt {
	return stmt{stmtRelation, []string{subject, string(p), object}}
}
func factStmt(entity, property, period string) stmt {
	return stmt{stmtFact, []string{entity, property, period}}
}

// canonical is the JSON a statement is compared by: an entity's version
// counts writes, not content, so it is left out.
func canonical(v any) ([]byte, error) {
	if e, ok := v.(*tupu.Entity); ok {
		c := *e
		c.Version = 0
		v = &c
	}
	return json.Marshal(v)
}

// current returns the statement as the store holds it, in canonical JSON,
// or nil when the store does not hold it.
func (t *Tx) current(s stmt) ([]byte, error) {
	var v any
	var err error
	switch s.kind {
	case stmtDocument:
		v, err = t.Document(s.parts[0])
	case stmtEntity:
		v, err = t.Entity(s.parts[0])
	case stmtRelation:
		v, err = t.Relation(s.parts[0], tupu.Predicate(s.parts[1]), s.parts[2])
	case stmtFact:
		v, err = t.Fact(s.parts[0], s.parts[1], s.parts[2])
	}
	if tupu.ErrorCode(err) == tupu.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return canonical(v)
}

// seedStatement is one statement of the data set or of the record.
type seedStatement struct {
	stmt
	next []byte // as the data set has it; nil when the data set does not
	last []byte // as Sync last wrote it; nil when it never did (or gave it up)
	cur  []byte // as the store holds it now; nil when it does not
}

// decide says what becomes of a statement: the action to report (""
// when nothing is to be done or said), whether to write next or remove
// the statement, and whether Sync owns next afterwards.
func (s *seedStatement) decide(force bool) (a SyncAction, write, remove bool) {
	a.Statement = s.String()
	eq := bytes.Equal
	conflict := func(reason string, writeIt, removeIt bool) {
		a.Op, a.Reason = SyncConflict, reason
		if force {
			a.Op, a.Reason = SyncForce, reason+"; taken from the data set"
			write, remove = writeIt, removeIt
		}
	}
	switch {
	case s.last == nil && s.next == nil:
	case s.last == nil && s.cur == nil:
		a.Op, write = SyncAdd, true
	case s.last == nil && eq(s.cur, s.next):
		// A curator wrote just what the data set says: theirs it stays.
	case s.last == nil:
		conflict("a curator made it, and the data set has it otherwise", true, false)
	case eq(s.cur, s.last): // as Sync wrote it
		switch {
		case s.next == nil:
			a.Op, remove = SyncRemove, true
		case !eq(s.next, s.last):
			a.Op, write = SyncUpdate, true
		}
	case s.cur == nil: // a curator removed it
		switch {
		case s.next == nil:
		case eq(s.next, s.last):
			a.Op, a.Reason = SyncLeave, "a curator removed it"
		default:
			conflict("a curator removed it, and the data set changes it", true, false)
		}
	default: // a curator changed it
		switch {
		case s.next == nil:
			conflict("a curator changed it, and the data set drops it", false, true)
		case eq(s.next, s.last):
			a.Op, a.Reason = SyncLeave, "a curator changed it"
		case eq(s.cur, s.next):
			// The curator made the data set's change: the seed's again.
		default:
			conflict("a curator changed it, and the data set changes it too", true, false)
		}
	}
	return a, write, remove
}

// sync applies d; see Sync.
func (t *Tx) sync(d *tupu.Dataset, opts SyncOptions, res *SyncResult) error {
	if t.empty(bucketSeeded) {
		n, err := t.adoptSeeded(d)
		if err != nil {
			return err
		}
		res.Adopted = n
	}

	// Every statement of the data set, then every other one on record.
	var all []*seedStatement
	byKey := map[string]*seedStatement{}
	add := func(s stmt, v any) error {
		next, err := canonical(v)
		if err != nil {
			return err
		}
		st := &seedStatement{stmt: s, next: next}
		all = append(all, st)
		byKey[string(s.key())] = st
		return nil
	}
	for i := range d.Documents {
		if err := add(documentStmt(d.Documents[i].Key), &d.Documents[i]); err != nil {
			return err
		}
	}
	for i := range d.Entities {
		if err := add(entityStmt(d.Entities[i].Key), &d.Entities[i]); err != nil {
			return err
		}
	}
	for i := range d.Relations {
		r := &d.Relations[i]
		if err := add(relationStmt(r.Subject, r.Predicate, r.Object), r); err != nil {
			return err
		}
	}
	for i := range d.Facts {
		f := &d.Facts[i]
		if err := add(factStmt(f.Entity, f.Property, f.Period), f); err != nil {
			return err
		}
	}
	err := t.each(bucketSeeded, func(k, v []byte) error {
		if st := byKey[string(k)]; st != nil {
			st.last = slices.Clone(v)
			return nil
		}
		s, ok := decodeSeededKey(k)
		if !ok {
			return fmt.Errorf("seeded: malformed key %q", k)
		}
		st := &seedStatement{stmt: s, last: slices.Clone(v)}
		all = append(all, st)
		byKey[string(k)] = st
		return nil
	})
	if err != nil {
		return err
	}
	order := map[byte]int{stmtDocument: 0, stmtEntity: 1, stmtRelation: 2, stmtFact: 3}
	slices.SortStableFunc(all, func(a, b *seedStatement) int { return order[a.kind] - order[b.kind] })
	for _, st := range all {
		if st.cur, err = t.current(st.stmt); err != nil {
			return err
		}
	}

	report := func(a SyncAction) {
		if a.Op != "" {
			res.Actions = append(res.Actions, a)
		}
	}
	changedDocs := map[string]bool{}
	type stale struct {
		st    *seedStatement
		actor string
	}
	var staleEntities []stale
	for _, st := range all {
		a, write, remove := st.decide(opts.Force)
		actor := ActorSeed
		if a.Op == SyncForce {
			actor = ActorSeedForce
		}
		switch {
		case write:
			if missing := t.missingEnds(st); missing != "" {
				report(SyncAction{Op: SyncConflict, Statement: a.Statement,
					Reason: fmt.Sprintf("entity %s is not in the graph (a curator deleted it)", missing)})
				continue
			}
			report(a)
			if err := t.writeSeeded(st, actor); err != nil {
				return err
			}
			if st.cur == nil {
				res.Added++
			} else {
				res.Updated++
			}
			if st.kind == stmtDocument && st.cur != nil {
				changedDocs[st.parts[0]] = true
			}
			if err := t.put(bucketSeeded, st.key(), st.next); err != nil {
				return err
			}
		case remove && st.kind == stmtEntity:
			// Once the relations and facts it goes with are gone.
			if a.Op != SyncRemove {
				report(a)
			}
			staleEntities = append(staleEntities, stale{st, actor})
		case remove && st.kind == stmtDocument:
			// Documents stay: statements the seed does not own may cite
			// them, and the API never removes one either.
			report(SyncAction{Op: SyncKeep, Statement: a.Statement, Reason: "the data set no longer has it; documents are kept"})
			if err := t.del(bucketSeeded, st.key()); err != nil {
				return err
			}
		case remove:
			report(a)
			if err := t.removeSeeded(st, actor); err != nil {
				return err
			}
			res.Removed++
			if err := t.del(bucketSeeded, st.key()); err != nil {
				return err
			}
		default:
			report(a)
			if a.Op != "" {
				continue // left as a curator has it; the record stays as it was
			}
			switch {
			case st.next != nil:
				res.Unchanged++
				if st.last != nil && !bytes.Equal(st.last, st.next) {
					// A curator made the data set's change: the seed's again.
					if err := t.put(bucketSeeded, st.key(), st.next); err != nil {
						return err
					}
				}
			case st.last != nil:
				// Gone from the store and from the data set: off the record.
				if err := t.del(bucketSeeded, st.key()); err != nil {
					return err
				}
			}
		}
	}
	for _, x := range staleEntities {
		kept, err := t.removeStaleEntity(x.st.parts[0], x.actor)
		if err != nil {
			return err
		}
		if kept != "" {
			report(SyncAction{Op: SyncKeep, Statement: x.st.String(), Reason: kept})
			continue
		}
		report(SyncAction{Op: SyncRemove, Statement: x.st.String()})
		res.Removed++
		if err := t.del(bucketSeeded, x.st.key()); err != nil {
			return err
		}
	}
	return t.checkCitations(changedDocs)
}

// missingEnds returns the key of an entity a relation or fact to be
// written points at that the store does not hold, or "".
func (t *Tx) missingEnds(st *seedStatement) string {
	var keys []string
	switch st.kind {
	case stmtRelation:
		keys = []string{st.parts[0], st.parts[2]}
	case stmtFact:
		keys = []string{st.parts[0]}
	}
	for _, k := range keys {
		if _, err := t.Entity(k); err != nil {
			return k
		}
	}
	return ""
}

// writeSeeded writes a statement as the data set has it, recording the
// change by actor.
func (t *Tx) writeSeeded(st *seedStatement, actor string) error {
	switch st.kind {
	case stmtDocument:
		var doc tupu.Document
		if err := json.Unmarshal(st.next, &doc); err != nil {
			return err
		}
		var before *tupu.Document
		if old, err := t.Document(doc.Key); err == nil {
			old.Text = ""
			before = old
		}
		if err := t.PutDocument(&doc); err != nil {
			return err
		}
		meta := doc
		meta.Text = "" // history keeps a document without its text, which the store holds
		return t.record(actor, OpAddDocument, "", "", before, &meta)
	case stmtEntity:
		var e tupu.Entity
		if err := json.Unmarshal(st.next, &e); err != nil {
			return err
		}
		old, err := t.Entity(e.Key)
		switch {
		case err == nil:
			e.Version = old.Version + 1
			if old.Kind != e.Kind {
				err = t.changeKind(&e)
			} else {
				err = t.PutEntity(&e)
			}
			if err != nil {
				return err
			}
			return t.record(actor, OpUpdateEntity, e.Key, "", old, &e)
		case tupu.ErrorCode(err) == tupu.NotFound:
			last, err := t.retiredVersion(e.Key)
			if err != nil {
				return err
			}
			e.Version = last + 1
			if err := t.PutEntity(&e); err != nil {
				return err
			}
			return t.record(actor, OpCreateEntity, e.Key, "", nil, &e)
		default:
			return err
		}
	case stmtRelation:
		var r tupu.Relation
		if err := json.Unmarshal(st.next, &r); err != nil {
			return err
		}
		old, err := t.Relation(r.Subject, r.Predicate, r.Object)
		if err != nil && tupu.ErrorCode(err) != tupu.NotFound {
			return err
		}
		if err := t.PutRelation(&r); err != nil {
			return err
		}
		return t.record(actor, OpAddRelation, r.Subject, r.Object, old, &r)
	case stmtFact:
		var f tupu.Fact
		if err := json.Unmarshal(st.next, &f); err != nil {
			return err
		}
		old, err := t.Fact(f.Entity, f.Property, f.Period)
		if err != nil && tupu.ErrorCode(err) != tupu.NotFound {
			return err
		}
		if err := t.PutFact(&f); err != nil {
			return err
		}
		return t.record(actor, OpSetFact, f.Entity, "", old, &f)
	}
	return fmt.Errorf("seeded: unknown statement kind %q", st.kind)
}

// removeSeeded removes a relation or a fact, recording it by actor.
func (t *Tx) removeSeeded(st *seedStatement, actor string) error {
	switch st.kind {
	case stmtRelation:
		return t.RemoveRelation(actor, st.parts[0], tupu.Predicate(st.parts[1]), st.parts[2])
	case stmtFact:
		return t.RemoveFact(actor, st.parts[0], st.parts[1], st.parts[2])
	}
	return fmt.Errorf("seeded: cannot remove a %s this way", st.String())
}

// removeStaleEntity removes an entity the data set dropped, unless
// relations or facts still point at it (ones the seed does not own, or
// ones curators changed): then it is kept, and the reason returned.
func (t *Tx) removeStaleEntity(key, actor string) (kept string, err error) {
	e, err := t.Entity(key)
	if tupu.ErrorCode(err) == tupu.NotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	rels, err := t.relationsOf(key)
	if err != nil {
		return "", err
	}
	facts, err := t.Facts(key, "", "")
	if err != nil {
		return "", err
	}
	if len(rels)+len(facts) > 0 {
		return fmt.Sprintf("the data set drops it, but %d relations and %d facts the seed does not own (or curators changed) still point at it", len(rels), len(facts)), nil
	}
	_, err = t.RemoveEntity(actor, key, e.Version, false)
	return "", err
}

// checkCitations returns CONFLICT when a stored statement cites one of
// docs with words the document's text no longer holds: a data set may
// not change a document under statements it does not own.
func (t *Tx) checkCitations(docs map[string]bool) error {
	if len(docs) == 0 {
		return nil
	}
	texts := map[string]string{}
	for key := range docs {
		d, err := t.Document(key)
		if err != nil {
			return err
		}
		texts[key] = d.QuotableText()
	}
	var broken []string
	check := func(what string, src *tupu.Source) {
		if src == nil {
			return
		}
		if text, ok := texts[src.Document]; ok && !strings.Contains(text, src.Quote) {
			broken = append(broken, fmt.Sprintf("%s quotes %q", what, src.Quote))
		}
	}
	err := t.each(bucketEntities, func(_, v []byte) error {
		e, err := decodeEntity(v)
		if err == nil {
			check(entityStmt(e.Key).String(), e.Source)
		}
		return err
	})
	if err != nil {
		return err
	}
	err = t.each(bucketEdges, func(k, v []byte) error {
		ek, ok := decodeEdgeKey(k)
		if !ok || ek.dir != dirOut {
			return nil
		}
		var ev edgeValue
		if err := json.Unmarshal(v, &ev); err != nil {
			return err
		}
		check(relationStmt(string(ek.entity), tupu.Predicate(ek.pred), string(ek.other)).String(), ev.Source)
		return nil
	})
	if err != nil {
		return err
	}
	err = t.each(bucketFacts, func(_, v []byte) error {
		var f tupu.Fact
		if err := json.Unmarshal(v, &f); err != nil {
			return err
		}
		check(factStmt(f.Entity, f.Property, f.Period).String(), &f.Source)
		return nil
	})
	if err != nil {
		return err
	}
	if len(broken) > 0 {
		return tupu.Errorf(tupu.Conflict, "the data set changes the text of a document so that %d statements no longer find their words in it; change those statements first:\n%s",
			len(broken), strings.Join(broken, "\n"))
	}
	return nil
}

// adoptSeeded rebuilds the record of a database seeded before Sync kept
// one, from the history, which has recorded every write with its actor:
// a statement the seed wrote is on record as the seed last wrote it (its
// value now, if the seed's was the last change to it; else the record of
// that last write by the seed, which a curator then changed or removed).
// Where the history says nothing of a statement (a database filled by a
// bulk load), the store's copy is the seed's if it is exactly as d has it.
// Everything else is a curator's. It returns how many it put on record.
func (t *Tx) adoptSeeded(d *tupu.Dataset) (int, error) {
	type seen struct {
		lastActor string
		seedWrote json.RawMessage // the seed's last write; nil if it last removed it
		bySeed    bool            // the seed wrote it at all
	}
	history := map[string]*seen{}
	err := t.each(bucketHistory, func(_, v []byte) error {
		var ch Change
		if err := json.Unmarshal(v, &ch); err != nil {
			return fmt.Errorf("decode change: %w", err)
		}
		s, ok := changedStmt(&ch)
		if !ok {
			return nil
		}
		h := history[string(s.key())]
		if h == nil {
			h = &seen{}
			history[string(s.key())] = h
		}
		h.lastActor = ch.Actor
		if ch.Actor == ActorSeed || ch.Actor == ActorSeedForce {
			h.bySeed, h.seedWrote = true, ch.After
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	candidates := map[string]stmt{}
	for k := range history {
		s, _ := decodeSeededKey([]byte(k))
		candidates[k] = s
	}
	want := map[string][]byte{}
	note := func(s stmt, v any) error {
		b, err := canonical(v)
		want[string(s.key())] = b
		candidates[string(s.key())] = s
		return err
	}
	for i := range d.Documents {
		if err := note(documentStmt(d.Documents[i].Key), &d.Documents[i]); err != nil {
			return 0, err
		}
	}
	for i := range d.Entities {
		if err := note(entityStmt(d.Entities[i].Key), &d.Entities[i]); err != nil {
			return 0, err
		}
	}
	for i := range d.Relations {
		r := &d.Relations[i]
		if err := note(relationStmt(r.Subject, r.Predicate, r.Object), r); err != nil {
			return 0, err
		}
	}
	for i := range d.Facts {
		f := &d.Facts[i]
		if err := note(factStmt(f.Entity, f.Property, f.Period), f); err != nil {
			return 0, err
		}
	}
	keys := make([]string, 0, len(candidates))
	for k := range candidates {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	n := 0
	for _, k := range keys {
		s := candidates[k]
		cur, err := t.current(s)
		if err != nil {
			return 0, err
		}
		var record []byte
		switch h := history[k]; {
		case h == nil:
			if cur != nil && bytes.Equal(cur, want[k]) {
				record = cur
			}
		case !h.bySeed:
		case h.lastActor == ActorSeed || h.lastActor == ActorSeedForce:
			record = cur // nil if the seed removed it last
		case s.kind == stmtDocument:
			// History keeps a document without its text; the API never
			// replaces a document, so the store's copy is the seed's.
			record = cur
		case h.seedWrote != nil:
			if record, err = canonicalRecord(s.kind, h.seedWrote); err != nil {
				return 0, err
			}
		}
		if record == nil {
			continue
		}
		if err := t.put(bucketSeeded, []byte(k), record); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// canonicalRecord turns a record of the history into the canonical JSON
// of its statement.
func canonicalRecord(kind byte, raw json.RawMessage) ([]byte, error) {
	var v any
	switch kind {
	case stmtEntity:
		v = &tupu.Entity{}
	case stmtRelation:
		v = &tupu.Relation{}
	case stmtFact:
		v = &tupu.Fact{}
	default:
		v = &tupu.Document{}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("decode a recorded change: %w", err)
	}
	return canonical(v)
}

// changedStmt returns the statement a change is about.
func changedStmt(c *Change) (stmt, bool) {
	record := c.After
	if record == nil {
		record = c.Before
	}
	var v struct {
		Key       string `json:"key"`
		Predicate string `json:"predicate"`
		Property  string `json:"property"`
		Period    string `json:"period"`
	}
	if json.Unmarshal(record, &v) != nil {
		return stmt{}, false
	}
	switch c.Op {
	case OpCreateEntity, OpUpdateEntity, OpDeleteEntity:
		return entityStmt(c.Entity), c.Entity != ""
	case OpAddRelation, OpRemoveRelation:
		return relationStmt(c.Entity, tupu.Predicate(v.Predicate), c.Object), v.Predicate != ""
	case OpSetFact, OpRemoveFact:
		return factStmt(c.Entity, v.Property, v.Period), v.Property != ""
	case OpAddDocument:
		return documentStmt(v.Key), v.Key != ""
	}
	return stmt{}, false
}

// changeKind rewrites an entity whose kind changed. The far end's kind is
// inside edge keys, so the entity is deleted and written again, and every
// relation and fact it had is put back with it.
func (t *Tx) changeKind(e *tupu.Entity) error {
	rels, err := t.relationsOf(e.Key)
	if err != nil {
		return err
	}
	full := make([]*tupu.Relation, len(rels))
	for i, r := range rels {
		if full[i], err = t.Relation(r.Subject, r.Predicate, r.Object); err != nil {
			return err
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
	for _, r := range full {
		if err := t.PutRelation(r); err != nil {
			return err
		}
	}
	for i := range facts {
		if err := t.PutFact(&facts[i]); err != nil {
			return err
		}
	}
	return nil
}
