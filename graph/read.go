package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"tupu"
	"tupu/graph/model"
	"tupu/graph/sequential"
	"tupu/store"
)

// Every read of one GraphQL response goes through one store snapshot,
// begun by its first read and closed when the response is complete: the
// response shows one version of the graph, and pays for one read
// transaction however many objects it holds. The executable schema
// resolves a response on one goroutine (see graph/sequential), so reads
// come one after another and there is nothing to batch.

// Reads is the read side of one response: its snapshot, and what it read,
// for the response cache: the keys of the entities and documents whose
// data it shows, or that it read more than those (a list of a kind, a
// search, a traversal), which makes it depend on the whole graph.
type Reads struct {
	snap *store.Snapshot
	// live is held (shared) by every read and by Close (alone), so that
	// once Close returns no read begins another transaction.
	live  sync.RWMutex
	ended bool

	mu     sync.Mutex
	deps   []string // with repeats: appending is cheaper than a set
	global bool
	// private: the response shows what only its token may see (the
	// tokens), so no cache may keep it for another request.
	private bool
}

type readsKey struct{}

// Parts is a query's answer sent in parts: its @defer fragments are
// resolved after the first part, through the same Reads, one after
// another, so every part shows the graph at one version. Close the Reads
// once the last part is made.
type Parts struct {
	d     *sequential.Deferral
	later bool // the first part is sent
}

// InParts returns ctx in which a query's @defer fragments are resolved
// after the first part of its answer. Without it a deferred fragment is
// resolved in place, in an answer sent whole.
func InParts(ctx context.Context) (context.Context, *Parts) {
	ctx, d := sequential.WithDeferral(ctx)
	return ctx, &Parts{d: d}
}

// Start lets the deferred fragments resolve: call it once the first part
// is sent.
func (p *Parts) Start() { p.d.Start() }

// Send readies a part for its transport: it takes out the deferred
// fields that resolve later, which the part shows as null (see
// sequential.Deferral.Trim), and lets the fields deferred inside the
// part's own resolve, now that it goes out before theirs.
func (p *Parts) Send(resp *graphql.Response) {
	resp.Data = p.d.Trim(resp.Data, resp.Path)
	if p.later {
		p.d.Sent(resp.Path, resp.Label)
	}
	p.later = true
}

// BeginReads returns ctx carrying the read side of one response over s:
// every resolver of the response reads through it. The caller closes it
// when the response is complete.
func BeginReads(ctx context.Context, s *store.Store) (context.Context, *Reads) {
	r := &Reads{snap: s.Snapshot()}
	return context.WithValue(ctx, readsKey{}, r), r
}

// Close ends the response's read transaction; a read after it fails. It
// may be called more than once, from any goroutine.
func (r *Reads) Close() {
	r.live.Lock()
	defer r.live.Unlock()
	r.ended = true
	r.snap.Close()
}

// errEnded is what a read gets after its response was closed: the client
// went away or the request ran out of time, so no one waits for it.
var errEnded = context.Canceled

// ByKey returns the graph version the response read at and the keys of
// what it read (entities, and documents and facts as store's dependency
// keys, with repeats), when it read only by key and at one version; ok
// is false when it depended on the whole graph or read no version or more
// than one. Call it once the response is complete.
func (r *Reads) ByKey() (version uint64, keys []string, ok bool) {
	v, known := r.snap.Version()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.global || !known {
		return 0, nil, false
	}
	return v, r.deps, true
}

// Private reports whether the response shows what only the request's
// token may see: no cache may answer another request with it. Call it
// once the response is complete.
func (r *Reads) Private() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.private
}

// markPrivate records that the response shows what only the request's
// token may see.
func markPrivate(ctx context.Context) {
	r := readsFrom(ctx)
	r.mu.Lock()
	r.private = true
	r.mu.Unlock()
}

func readsFrom(ctx context.Context) *Reads {
	return ctx.Value(readsKey{}).(*Reads)
}

// read runs fn on the response's snapshot. What fn reads is not known, so
// the response depends on the whole graph from now on.
func read(ctx context.Context, fn func(*store.Tx) error) error {
	markGlobal(ctx)
	return readKnown(ctx, fn)
}

// readKnown runs fn on the response's snapshot; the caller records what
// fn reads with depend.
func readKnown(ctx context.Context, fn func(*store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := readsFrom(ctx)
	r.live.RLock()
	defer r.live.RUnlock()
	if r.ended {
		return errEnded
	}
	return r.snap.Read(fn)
}

// markGlobal records that the response depends on the whole graph.
func markGlobal(ctx context.Context) {
	r := readsFrom(ctx)
	r.mu.Lock()
	r.global = true
	r.mu.Unlock()
}

// depend records that the response shows the data of the entities (or
// documents, see store.DocumentDependency) keys.
func depend(ctx context.Context, keys ...string) {
	readsFrom(ctx).depend(keys...)
}

func (r *Reads) depend(keys ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deps = append(r.deps, keys...)
}

// releaseSnapshot ends the response's read transaction before a write:
// a goroutine holding a read transaction must not start a write one, and
// the reads after the write (a mutation's payload) must see it.
func releaseSnapshot(ctx context.Context) {
	readsFrom(ctx).snap.Close()
}

// readValue runs fn on the response's snapshot and returns its value; the
// response depends on the whole graph.
func readValue[V any](ctx context.Context, fn func(*store.Tx) (V, error)) (V, error) {
	markGlobal(ctx)
	return readKnownValue(ctx, fn)
}

// readKnownValue is readValue for a read whose dependencies the caller
// records.
func readKnownValue[V any](ctx context.Context, fn func(*store.Tx) (V, error)) (V, error) {
	var v V
	err := readKnown(ctx, func(tx *store.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}

// The loads below depend on what they read by key: an entity's record and
// relations change only in commits that touch its key, its facts in those
// that touch store.FactsDependency of it.

func loadEntity(ctx context.Context, key string) (*tupu.Entity, error) {
	depend(ctx, key)
	return readKnownValue(ctx, func(tx *store.Tx) (*tupu.Entity, error) { return tx.Entity(key) })
}

func loadDocument(ctx context.Context, key string) (*tupu.Document, error) {
	depend(ctx, store.DocumentDependency(key))
	return readKnownValue(ctx, func(tx *store.Tx) (*tupu.Document, error) { return tx.Document(key) })
}

// loadEntities reads the entities of keys, in order; nil for a key the
// graph does not hold.
func loadEntities(ctx context.Context, keys []string) ([]*tupu.Entity, error) {
	depend(ctx, keys...)
	return readKnownValue(ctx, func(tx *store.Tx) ([]*tupu.Entity, error) {
		out := make([]*tupu.Entity, len(keys))
		for i, k := range keys {
			e, err := tx.Entity(k)
			switch {
			case tupu.ErrorCode(err) == tupu.NotFound:
			case err != nil:
				return nil, err
			default:
				out[i] = e
			}
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

// loadEdges reads a page of an entity's edges: it depends on the entity
// (its relations change only in commits that touch both ends) and on the
// entities at the far ends it shows. A filtered or ordered page also reads
// other entities' names and facts: the whole graph.
func loadEdges(ctx context.Context, q edgeQuery) (*store.EdgePage, error) {
	if q.list != nil {
		return readValue(ctx, func(tx *store.Tx) (*store.EdgePage, error) {
			return tx.QueryEdges(q.entity, q.filter, q.list.Filter, q.list.Order, q.page.First, q.page.After)
		})
	}
	p, err := readKnownValue(ctx, func(tx *store.Tx) (*store.EdgePage, error) {
		return tx.Edges(q.entity, q.filter, q.page)
	})
	if err != nil {
		return nil, err
	}
	r := readsFrom(ctx)
	r.depend(q.entity)
	for _, e := range p.Edges {
		r.depend(e.Other.Key)
	}
	return p, nil
}

// factQuery selects facts of one entity.
type factQuery struct {
	entity, property, period string
}

func loadFacts(ctx context.Context, q factQuery) ([]tupu.Fact, error) {
	depend(ctx, store.FactsDependency(q.entity))
	return readKnownValue(ctx, func(tx *store.Tx) ([]tupu.Fact, error) { return tx.Facts(q.entity, q.property, q.period) })
}
