package graph

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/vikstrous/dataloadgen"

	"tupu"
	"tupu/graph/model"
	"tupu/store"
)

// DefaultBatchWait is how long a loader collects keys before it reads the
// store. gqlgen resolves the elements of a list concurrently, so the fields
// of one level of a nested query arrive within this window and share one
// read transaction.
const DefaultBatchWait = 100 * time.Microsecond

// edgeQuery is one page of one entity's edges; loaders key on it, so it
// holds only comparable values.
type edgeQuery struct {
	entity     string
	direction  tupu.Direction
	predicates string // joined by ","
	kind       tupu.Kind
	first      int
	last       int
	after      string
	before     string
	// list is a filter and an order, JSON-encoded so the key stays
	// comparable; empty for a plain page in key order.
	list string
}

// setPage sets the page, filter and order of q.
func (q *edgeQuery) setPage(args store.PageArgs, filter *model.EntityFilter, orderBy *model.EntityOrder) error {
	q.first, q.last, q.after, q.before = args.First, args.Last, string(args.After), string(args.Before)
	lq, err := newListQuery(filter, orderBy, args)
	if err != nil || lq == nil {
		return err
	}
	b, err := json.Marshal(lq)
	q.list = string(b)
	return err
}

func (q edgeQuery) filter() store.EdgeFilter {
	f := store.EdgeFilter{Direction: q.direction, Kind: q.kind}
	if q.predicates != "" {
		for _, p := range strings.Split(q.predicates, ",") {
			f.Predicates = append(f.Predicates, tupu.Predicate(p))
		}
	}
	return f
}

// cursorKey turns a cursor held in a comparable string back into a key;
// the empty string is no cursor.
func cursorKey(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

// factQuery selects facts of one entity.
type factQuery struct {
	entity, property, period string
}

// loaders batch the reads of one request: each loader turns the keys one
// level of a query asks for into a single read transaction.
type loaders struct {
	entities  *dataloadgen.Loader[string, *tupu.Entity]
	edges     *dataloadgen.Loader[edgeQuery, *store.EdgePage]
	facts     *dataloadgen.Loader[factQuery, []tupu.Fact]
	documents *dataloadgen.Loader[string, *tupu.Document]
}

func newLoaders(s *store.Store, batchWait time.Duration) *loaders {
	wait := dataloadgen.WithWait(batchWait)
	return &loaders{
		entities: dataloadgen.NewLoader(batch(s, func(tx *store.Tx, key string) (*tupu.Entity, error) {
			return tx.Entity(key)
		}), wait),
		edges: dataloadgen.NewLoader(batch(s, func(tx *store.Tx, q edgeQuery) (*store.EdgePage, error) {
			if q.list != "" {
				var lq listQuery
				if err := json.Unmarshal([]byte(q.list), &lq); err != nil {
					return nil, err
				}
				return tx.QueryEdges(q.entity, q.filter(), lq.Filter, lq.Order, q.first, cursorKey(q.after))
			}
			return tx.Edges(q.entity, q.filter(), store.PageArgs{
				First: q.first, Last: q.last, After: cursorKey(q.after), Before: cursorKey(q.before),
			})
		}), wait),
		facts: dataloadgen.NewLoader(batch(s, func(tx *store.Tx, q factQuery) ([]tupu.Fact, error) {
			return tx.Facts(q.entity, q.property, q.period)
		}), wait),
		documents: dataloadgen.NewLoader(batch(s, func(tx *store.Tx, key string) (*tupu.Document, error) {
			return tx.Document(key)
		}), wait),
	}
}

// batch turns a per-key read into a loader's fetch: every key of the batch
// is read inside one read transaction.
func batch[K comparable, V any](s *store.Store, read func(*store.Tx, K) (V, error)) func(context.Context, []K) ([]V, []error) {
	return func(ctx context.Context, keys []K) ([]V, []error) {
		values := make([]V, len(keys))
		errs := make([]error, len(keys))
		err := s.View(func(tx *store.Tx) error {
			for i, k := range keys {
				if err := ctx.Err(); err != nil {
					return err
				}
				values[i], errs[i] = read(tx, k)
			}
			return nil
		})
		if err != nil {
			for i := range errs {
				errs[i] = err
			}
		}
		return values, errs
	}
}

// forget drops every cached value, so that reads after a write see it.
func (l *loaders) forget() {
	l.entities.ClearAll()
	l.edges.ClearAll()
	l.facts.ClearAll()
	l.documents.ClearAll()
}

type loadersKey struct{}

// withLoaders returns ctx carrying fresh loaders for one request.
func withLoaders(ctx context.Context, s *store.Store, batchWait time.Duration) context.Context {
	return context.WithValue(ctx, loadersKey{}, newLoaders(s, batchWait))
}

func loadersFrom(ctx context.Context) *loaders {
	return ctx.Value(loadersKey{}).(*loaders)
}
