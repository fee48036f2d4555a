package graph

import (
	"context"

	"tupu"
	"tupu/graph/model"
	"tupu/store"
)

// Every read of one GraphQL response goes through one store snapshot,
// begun by its first read and closed when the response is complete: the
// response shows one version of the graph, and pays for one read
// transaction however many objects it holds. The executable schema
// resolves a response on one goroutine (see graph/sequential), so reads
// come one after another and there is nothing to batch.

type snapshotKey struct{}

// withSnapshot returns ctx carrying a snapshot of s for one response, and
// the function that closes it.
func withSnapshot(ctx context.Context, s *store.Store) (context.Context, func()) {
	sn := s.Snapshot()
	return context.WithValue(ctx, snapshotKey{}, sn), sn.Close
}

// read runs fn on the response's snapshot.
func read(ctx context.Context, fn func(*store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return ctx.Value(snapshotKey{}).(*store.Snapshot).Read(fn)
}

// releaseSnapshot ends the response's read transaction before a write:
// a goroutine holding a read transaction must not start a write one, and
// the reads after the write (a mutation's payload) must see it.
func releaseSnapshot(ctx context.Context) {
	ctx.Value(snapshotKey{}).(*store.Snapshot).Close()
}

// readValue runs fn on the response's snapshot and returns its value.
func readValue[V any](ctx context.Context, fn func(*store.Tx) (V, error)) (V, error) {
	var v V
	err := read(ctx, func(tx *store.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}

func loadEntity(ctx context.Context, key string) (*tupu.Entity, error) {
	return readValue(ctx, func(tx *store.Tx) (*tupu.Entity, error) { return tx.Entity(key) })
}

func loadDocument(ctx context.Context, key string) (*tupu.Document, error) {
	return readValue(ctx, func(tx *store.Tx) (*tupu.Document, error) { return tx.Document(key) })
}

// loadEntities reads the entities of keys, in order.
func loadEntities(ctx context.Context, keys []string) ([]*tupu.Entity, error) {
	return readValue(ctx, func(tx *store.Tx) ([]*tupu.Entity, error) {
		out := make([]*tupu.Entity, len(keys))
		for i, k := range keys {
			e, err := tx.Entity(k)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	})
}

// edgeQuery is one page of one entity's edges.
type edgeQuery struct {
	entity string
	filter store.EdgeFilter
	page   store.PageArgs
	list   *listQuery // a filter and an order; nil for a page in key order
}

// setPage sets the page, filter and order of q.
func (q *edgeQuery) setPage(args store.PageArgs, filter *model.EntityFilter, orderBy *model.EntityOrder) error {
	q.page = args
	lq, err := newListQuery(filter, orderBy, args)
	q.list = lq
	return err
}

func loadEdges(ctx context.Context, q edgeQuery) (*store.EdgePage, error) {
	return readValue(ctx, func(tx *store.Tx) (*store.EdgePage, error) {
		if q.list != nil {
			return tx.QueryEdges(q.entity, q.filter, q.list.Filter, q.list.Order, q.page.First, q.page.After)
		}
		return tx.Edges(q.entity, q.filter, q.page)
	})
}

// factQuery selects facts of one entity.
type factQuery struct {
	entity, property, period string
}

func loadFacts(ctx context.Context, q factQuery) ([]tupu.Fact, error) {
	return readValue(ctx, func(tx *store.Tx) ([]tupu.Fact, error) { return tx.Facts(q.entity, q.property, q.period) })
}
