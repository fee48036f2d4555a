package graph

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"tupu"
	"tupu/graph/exec"
	"tupu/graph/model"
	"tupu/store"
)

// The resolvers of curation: mutations, history and live changes.

// history pages through an entity's changes, newest first. The cursor is
// the position of the last change seen (see changeCursor).
func history(ctx context.Context, entity model.Entity, first *int, after *string) (*model.ChangeConnection, error) {
	args, err := pageArgs(first, after, nil, nil)
	if err != nil {
		return nil, err
	}
	before, err := parseChangeCursor(args.After)
	if err != nil {
		return nil, err
	}
	var p *store.ChangePage
	var epoch string
	total := 0
	err = read(ctx, func(tx *store.Tx) error {
		if err := before.check(tx); err != nil {
			return err
		}
		epoch = tx.HistoryEpoch()
		p, err = tx.History(entity.Entry().Key, before.position(), args.First)
		total = tx.CountHistory(entity.Entry().Key)
		return err
	})
	if err != nil {
		return nil, err
	}
	return changeConnection(p, epoch, &total, before != nil), nil
}

// changePosition is where a change sits in the history: the history's
// epoch and the change's sequence number (see store.Tx.CheckPosition).
type changePosition struct {
	epoch string
	seq   uint64
}

// changeCursor encodes a position as "epoch:seq", or as the sequence
// number alone in the empty epoch of databases made before epochs, whose
// cursors looked so.
func changeCursor(epoch string, seq uint64) []byte {
	if epoch == "" {
		return strconv.AppendUint(nil, seq, 10)
	}
	return strconv.AppendUint([]byte(epoch+":"), seq, 10)
}

// parseChangeCursor decodes changeCursor; a nil cursor is no position.
func parseChangeCursor(c []byte) (*changePosition, error) {
	if c == nil {
		return nil, nil
	}
	epoch, seq, found := strings.Cut(string(c), ":")
	if !found {
		epoch, seq = "", epoch
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil || n == 0 {
		return nil, tupu.Errorf(tupu.BadUserInput, "not a cursor of changes")
	}
	return &changePosition{epoch, n}, nil
}

// position returns p's sequence number; 0 (the start) for no position.
func (p *changePosition) position() uint64 {
	if p == nil {
		return 0
	}
	return p.seq
}

// check returns HISTORY_RESET unless p is a position of the history tx
// sees; no position passes.
func (p *changePosition) check(tx *store.Tx) error {
	if p == nil {
		return nil
	}
	return tx.CheckPosition(p.epoch, p.seq)
}

func changeConnection(p *store.ChangePage, epoch string, total *int, hasPrev bool) *model.ChangeConnection {
	c := &model.ChangeConnection{TotalCount: total, Edges: make([]*model.ChangeEdge, len(p.Changes)), Nodes: make([]*model.Change, len(p.Changes))}
	cursors := make([][]byte, len(p.Changes))
	for i, ch := range p.Changes {
		cursors[i] = changeCursor(epoch, ch.Seq)
		c.Nodes[i] = &model.Change{C: ch, Epoch: epoch}
		c.Edges[i] = &model.ChangeEdge{Cursor: encodeCursor(cursors[i]), Node: c.Nodes[i]}
	}
	c.PageInfo = pageInfo(cursors, p.HasNext, hasPrev)
	return c
}

func (r *queryResolver) Changes(ctx context.Context, since *string, first *int, after *string) (*model.ChangeConnection, error) {
	args, err := pageArgs(first, after, nil, nil)
	if err != nil {
		return nil, err
	}
	from, err := parseChangeCursor(args.After)
	if err != nil {
		return nil, err
	}
	var p *store.ChangePage
	var epoch string
	err = read(ctx, func(tx *store.Tx) error {
		epoch = tx.HistoryEpoch()
		if since != nil && from == nil {
			t, perr := time.Parse(time.RFC3339Nano, *since)
			if perr != nil {
				return tupu.Errorf(tupu.BadUserInput, "since: %q is not an RFC 3339 time such as 2026-11-27T12:00:00Z", *since)
			}
			p, err = tx.ChangesSince(t, args.First, 0)
			return err
		}
		if err := from.check(tx); err != nil {
			return err
		}
		p, err = tx.Changes(from.position(), args.First)
		return err
	})
	if err != nil {
		return nil, err
	}
	return changeConnection(p, epoch, nil, from != nil), nil
}

type changeResolver struct{ *Resolver }

var _ exec.ChangeResolver = (*changeResolver)(nil)

// Change returns the resolver of Change's fields.
func (r *Resolver) Change() exec.ChangeResolver { return &changeResolver{r} }

func (r *changeResolver) Cursor(ctx context.Context, obj *model.Change) (string, error) {
	return encodeCursor(changeCursor(obj.Epoch, obj.C.Seq)), nil
}

func (r *changeResolver) Entity(ctx context.Context, obj *model.Change) (model.Entity, error) {
	if obj.C.Entity == "" {
		return nil, nil
	}
	e, err := loadEntity(ctx, obj.C.Entity)
	if tupu.ErrorCode(err) == tupu.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return model.NewEntity(e), nil
}

type relationResolver struct{ *Resolver }

var _ exec.RelationResolver = (*relationResolver)(nil)

// Relation returns the resolver of Relation's fields.
func (r *Resolver) Relation() exec.RelationResolver { return &relationResolver{r} }

func (r *relationResolver) Subject(ctx context.Context, obj *model.Relation) (model.Entity, error) {
	return entityNode(ctx, obj.R.Subject)
}

func (r *relationResolver) Object(ctx context.Context, obj *model.Relation) (model.Entity, error) {
	return entityNode(ctx, obj.R.Object)
}

func entityNode(ctx context.Context, key string) (model.Entity, error) {
	e, err := loadEntity(ctx, key)
	if err != nil {
		return nil, err
	}
	return model.NewEntity(e), nil
}

type mutationResolver struct{ *Resolver }

var _ exec.MutationResolver = (*mutationResolver)(nil)

// Mutation returns the resolver of the mutations.
func (r *Resolver) Mutation() exec.MutationResolver { return &mutationResolver{r} }

// write runs fn in one write transaction as the request's token, which
// must allow role. The reads that follow (the payload) see the write: they
// begin a new snapshot. The write ends with the request: one that has run
// out of time writes nothing, and one under way on a cluster is not
// waited for past it (see store.Update).
func (r *mutationResolver) write(ctx context.Context, role store.Role, fn func(tx *store.Tx, actor string) error) error {
	tok, err := Authorize(ctx, r.store, role)
	if err != nil {
		return err
	}
	releaseSnapshot(ctx)
	return r.store.Update(ctx, func(tx *store.Tx) error { return fn(tx, tok.Name) })
}

func source(in *model.SourceInput) *tupu.Source {
	if in == nil {
		return nil
	}
	return &tupu.Source{Document: documentKey(in.Document), Quote: in.Quote}
}

// documentKey reads an argument that may be a document's global ID or key.
func documentKey(idOrKey string) string {
	if key, isEntity, err := model.ParseID(idOrKey); err == nil && !isEntity {
		return key
	}
	return idOrKey
}

func (r *mutationResolver) CreateEntity(ctx context.Context, in model.CreateEntityInput) (*model.CreateEntityPayload, error) {
	e := tupu.Entity{Key: in.Key, Kind: tupu.Kind(in.Kind), Name: in.Name, NameEn: deref(in.NameEn), Aliases: in.Aliases,
		Description: deref(in.Description), Note: deref(in.Note), Source: source(in.Source)}
	var created *tupu.Entity
	err := r.write(ctx, store.RoleEditor, func(tx *store.Tx, actor string) (err error) {
		created, err = tx.CreateEntity(actor, e, store.EntityOptions{ShareNames: in.AllowSharedName != nil && *in.AllowSharedName})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &model.CreateEntityPayload{ClientMutationID: in.ClientMutationID, Entity: model.NewEntity(created)}, nil
}

func (r *mutationResolver) UpdateEntity(ctx context.Context, in model.UpdateEntityInput) (*model.UpdateEntityPayload, error) {
	var updated *tupu.Entity
	err := r.write(ctx, store.RoleEditor, func(tx *store.Tx, actor string) (err error) {
		updated, err = tx.UpdateEntity(actor, keyOf(in.ID), in.ExpectedVersion, func(e *tupu.Entity) {
			setIf(&e.Name, in.Name)
			setIf(&e.NameEn, in.NameEn)
			setIf(&e.Description, in.Description)
			setIf(&e.Note, in.Note)
			if in.Aliases != nil {
				e.Aliases = in.Aliases
			}
			if in.Source != nil {
				e.Source = source(in.Source)
			}
		}, store.EntityOptions{ShareNames: in.AllowSharedName != nil && *in.AllowSharedName})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &model.UpdateEntityPayload{ClientMutationID: in.ClientMutationID, Entity: model.NewEntity(updated)}, nil
}

func setIf(field *string, v *string) {
	if v != nil {
		*field = *v
	}
}

func (r *mutationResolver) DeleteEntity(ctx context.Context, in model.DeleteEntityInput) (*model.DeleteEntityPayload, error) {
	key := keyOf(in.ID)
	err := r.write(ctx, store.RoleAdmin, func(tx *store.Tx, actor string) error {
		_, err := tx.RemoveEntity(actor, key, in.ExpectedVersion, in.Cascade != nil && *in.Cascade)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &model.DeleteEntityPayload{ClientMutationID: in.ClientMutationID, DeletedID: model.EntityID(key)}, nil
}

func (r *mutationResolver) AddRelation(ctx context.Context, in model.AddRelationInput) (*model.AddRelationPayload, error) {
	rel := tupu.Relation{Subject: keyOf(in.Subject), Predicate: tupu.Predicate(in.Predicate), Object: keyOf(in.Object),
		Source: source(in.Source), Note: deref(in.Note)}
	var added *tupu.Relation
	err := r.write(ctx, store.RoleEditor, func(tx *store.Tx, actor string) (err error) {
		added, err = tx.AddRelation(actor, rel)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &model.AddRelationPayload{ClientMutationID: in.ClientMutationID, Relation: &model.Relation{R: *added}}, nil
}

func (r *mutationResolver) RemoveRelation(ctx context.Context, in model.RemoveRelationInput) (*model.RemoveRelationPayload, error) {
	subject, object := keyOf(in.Subject), keyOf(in.Object)
	err := r.write(ctx, store.RoleEditor, func(tx *store.Tx, actor string) error {
		return tx.RemoveRelation(actor, subject, tupu.Predicate(in.Predicate), object)
	})
	if err != nil {
		return nil, err
	}
	s, err := entityNode(ctx, subject)
	if err != nil {
		return nil, err
	}
	o, err := entityNode(ctx, object)
	if err != nil {
		return nil, err
	}
	return &model.RemoveRelationPayload{ClientMutationID: in.ClientMutationID, Subject: s, Object: o}, nil
}

func (r *mutationResolver) SetFact(ctx context.Context, in model.SetFactInput) (*model.SetFactPayload, error) {
	var set *tupu.Fact
	err := r.write(ctx, store.RoleEditor, func(tx *store.Tx, actor string) (err error) {
		set, err = tx.SetFact(actor, keyOf(in.Entity), in.Property, deref(in.Period), func(f *tupu.Fact) {
			setOmittable(&f.Label, in.Label)
			setOmittable(&f.Text, in.Text)
			setOmittable(&f.Unit, in.Unit)
			setOmittable(&f.Note, in.Note)
			if v, ok := in.Value.ValueOK(); ok {
				f.Value = v
			}
			if b, ok := in.PeriodBasis.ValueOK(); ok {
				f.PeriodBasis = ""
				if b != nil {
					f.PeriodBasis = tupu.PeriodBasis(lower(string(*b)))
				}
			}
			if q, ok := in.Qualifier.ValueOK(); ok {
				f.Qualifier = ""
				if q != nil {
					f.Qualifier = tupu.Qualifier(lower(string(*q)))
				}
			}
			if src := source(in.Source); src != nil {
				f.Source = *src
			}
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &model.SetFactPayload{ClientMutationID: in.ClientMutationID, Fact: model.NewFact(set)}, nil
}

// setOmittable sets field from an input field that may be left out (the
// field stays), null (cleared) or a text.
func setOmittable(field *string, v graphql.Omittable[*string]) {
	if s, ok := v.ValueOK(); ok {
		*field = deref(s)
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func (r *mutationResolver) RemoveFact(ctx context.Context, in model.RemoveFactInput) (*model.RemoveFactPayload, error) {
	key := keyOf(in.Entity)
	err := r.write(ctx, store.RoleEditor, func(tx *store.Tx, actor string) error {
		return tx.RemoveFact(actor, key, in.Property, deref(in.Period))
	})
	if err != nil {
		return nil, err
	}
	e, err := entityNode(ctx, key)
	if err != nil {
		return nil, err
	}
	return &model.RemoveFactPayload{ClientMutationID: in.ClientMutationID, Entity: e}, nil
}

func (r *mutationResolver) AddDocument(ctx context.Context, in model.AddDocumentInput) (*model.AddDocumentPayload, error) {
	d := tupu.Document{Key: in.Key, Title: in.Title, Publisher: deref(in.Publisher), PublishedAt: deref(in.PublishedAt),
		Language: deref(in.Language), Text: in.Text}
	var added *tupu.Document
	err := r.write(ctx, store.RoleAdmin, func(tx *store.Tx, actor string) (err error) {
		added, err = tx.AddDocument(actor, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &model.AddDocumentPayload{ClientMutationID: in.ClientMutationID, Document: model.NewDocument(added)}, nil
}

type subscriptionResolver struct{ *Resolver }

var _ exec.SubscriptionResolver = (*subscriptionResolver)(nil)

// Subscription returns the resolver of the subscriptions.
func (r *Resolver) Subscription() exec.SubscriptionResolver { return &subscriptionResolver{r} }

func (r *subscriptionResolver) EntityChanged(ctx context.Context, keys []string, kinds []model.EntityKind, after *string) (<-chan *model.Change, error) {
	wantKeys := map[string]bool{}
	for _, k := range keys {
		wantKeys[keyOf(k)] = true
	}
	wantKinds := map[tupu.Kind]bool{}
	for _, k := range kinds {
		wantKinds[tupu.Kind(k)] = true
	}
	c, err := decodeCursor(after)
	if err != nil {
		return nil, err
	}
	from, err := parseChangeCursor(c)
	if err != nil {
		return nil, err
	}
	// Subscribe before reading the history, so that nothing committed
	// in between is missed; what both hold is sent once, by number.
	changes := r.store.Subscribe(ctx)
	var epoch string
	err = r.store.View(func(tx *store.Tx) error {
		epoch = tx.HistoryEpoch()
		return from.check(tx)
	})
	if err != nil {
		return nil, err
	}
	out := make(chan *model.Change)
	send := func(c tupu.Change) bool {
		if len(wantKeys) > 0 && !wantKeys[c.Entity] && !wantKeys[c.Object] {
			return true
		}
		if len(wantKinds) > 0 && !wantKinds[changedKind(c)] {
			return true
		}
		select {
		case out <- &model.Change{C: c, Epoch: epoch}:
			return true
		case <-ctx.Done():
			return false
		}
	}
	go func() {
		defer close(out)
		last := from.position()
		for from != nil {
			var p *store.ChangePage
			err := r.store.View(func(tx *store.Tx) (err error) {
				p, err = tx.Changes(last, 100)
				return err
			})
			if err != nil {
				return // the client resumes from the last change it got
			}
			for _, c := range p.Changes {
				last = c.Seq
				if !send(c) {
					return
				}
			}
			if !p.HasNext {
				break
			}
		}
		for c := range changes {
			if c.Seq > last && !send(c) {
				return
			}
		}
	}()
	return out, nil
}

// changedKind reads the kind of the entity a change is about from the
// record it holds, for entity changes; other changes match no kind.
func changedKind(c tupu.Change) tupu.Kind {
	var e struct {
		Kind tupu.Kind `json:"kind"`
	}
	for _, raw := range [][]byte{c.After, c.Before} {
		if len(raw) > 0 && json.Unmarshal(raw, &e) == nil && e.Kind != "" {
			return e.Kind
		}
	}
	return ""
}
