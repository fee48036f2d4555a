package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"tupu/graph"
	"tupu/indexer"
	"tupu/observe"
	"tupu/store"
)

// responseCache answers a repeated read with the bytes it answered before,
// as long as nothing the answer shows has changed since. Each entry keeps
// the graph version its answer was read at and what it read (see
// read.go): the keys of the entities and documents it shows, or that it
// depends on the whole graph (a list of a kind, a search, a traversal).
// An entry read at an older version is still served when none of the
// commits since touched what it read (store.Touched names them); one that
// depends on the whole graph is served only at its own version. Nothing
// stale is ever served, and a curator's edit to one entity leaves the
// answers about others in place.
//
// Only successful query answers are kept: never a mutation's, a
// subscription's, or one with errors (a deadline, a limit). The key is
// the exact request (body or URL), the response media type and language,
// so two requests share an entry only if they would get the same bytes.
type responseCache struct {
	entries *lru.Cache[[sha256.Size]byte, cachedResponse]
	maxSize int
	store   *store.Store
	search  *indexer.Indexer // nil: no search
	metrics *observe.Metrics
}

type cachedResponse struct {
	contentType string
	body        []byte
	// version is the graph and search index versions the answer was read
	// at; deps what it read, unless global.
	version [2]uint64
	deps    []string
	global  bool
}

func newResponseCache(s *store.Store, x *indexer.Indexer, entries, maxSize int, m *observe.Metrics) *responseCache {
	c, err := lru.New[[sha256.Size]byte, cachedResponse](entries)
	if err != nil {
		panic(err) // entries > 0, checked by the caller
	}
	return &responseCache{entries: c, maxSize: maxSize, store: s, search: x, metrics: m}
}

// wrap serves hits itself and records cacheable misses from next.
func (c *responseCache) wrap(next http.Handler, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept := r.Header.Get("Accept")
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if (r.Method != http.MethodGet && (r.Method != http.MethodPost || ct != mediaJSON)) ||
			strings.Contains(accept, "text/event-stream") || isWebsocket(r) {
			// Only what the transport would run is answered from the cache.
			next.ServeHTTP(w, r)
			return
		}
		var body []byte
		if r.Method == http.MethodPost {
			buf := bytes.NewBuffer(make([]byte, 0, min(max(r.ContentLength, 0), maxBody)+1))
			_, err := buf.ReadFrom(io.LimitReader(r.Body, maxBody+1))
			b := buf.Bytes()
			if err != nil || int64(len(b)) > maxBody {
				// Let the transport say what is wrong.
				r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), r.Body))
				next.ServeHTTP(w, r)
				return
			}
			body = b
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		version := c.version()
		key := c.key(r, body)
		if hit, ok := c.entries.Get(key); ok && c.fresh(key, hit, version) {
			c.metrics.CacheHit("response")
			w.Header().Set("Content-Type", hit.contentType)
			w.Header().Set("X-Cache", "hit")
			w.Write(hit.body)
			return
		}
		c.metrics.CacheMiss("response")
		rec := &recorder{ResponseWriter: w, status: http.StatusOK, max: c.maxSize}
		var verdict cacheVerdict
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), cacheVerdictKey{}, &verdict)))
		if !verdict.cacheable || rec.status != http.StatusOK || rec.overflow ||
			bytes.Contains(rec.buf.Bytes(), []byte(`"errors":`)) {
			return
		}
		entry := cachedResponse{contentType: w.Header().Get("Content-Type"), body: bytes.Clone(rec.buf.Bytes())}
		switch {
		case verdict.byKey:
			// Read at one known graph version, and only by key.
			entry.version, entry.deps = [2]uint64{verdict.version}, verdict.deps
		case c.version() == version:
			// Anything else is kept only when nothing changed while it
			// was answered, and served only at that version.
			entry.version, entry.global = version, true
		default:
			return
		}
		c.entries.Add(key, entry)
	})
}

// fresh reports whether the answer e, cached under key, is still what the
// graph at version now would give, moving it to now if so.
func (c *responseCache) fresh(key [sha256.Size]byte, e cachedResponse, now [2]uint64) bool {
	if e.global {
		return e.version == now
	}
	if e.version[0] == now[0] {
		return true
	}
	touched, ok := c.store.Touched(e.version[0], now[0])
	if !ok {
		return false
	}
	for _, k := range touched {
		if slices.Contains(e.deps, k) {
			return false
		}
	}
	e.version[0] = now[0]
	c.entries.Add(key, e)
	return true
}

// version is what answers depend on: the graph, and what of it the search
// index reflects, which follows the graph by a few milliseconds.
func (c *responseCache) version() [2]uint64 {
	v := [2]uint64{c.store.Version()}
	if c.search != nil {
		v[1] = c.search.Applied()
	}
	return v
}

func (c *responseCache) key(r *http.Request, body []byte) [sha256.Size]byte {
	h := sha256.New()
	for _, part := range []string{r.Method, r.URL.RawQuery, r.Header.Get("Accept"), r.Header.Get("Accept-Language")} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(body)
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// cacheVerdict is filled in by the executor (see judgeCacheable): whether
// the answer being recorded may be kept, and the read side of its
// response. Nothing else knows for sure which operation of a document
// ran, whether it was a query, and what it read.
type cacheVerdict struct {
	cacheable bool
	// byKey: the answer read only by key (deps), at one graph version.
	byKey   bool
	version uint64
	deps    []string
}

type cacheVerdictKey struct{}

// judgeCacheable records in a cache miss's verdict whether resp, the
// answer to the operation of ctx, which read through r, may be kept: a
// query's, without errors.
func judgeCacheable(ctx context.Context, r *graph.Reads, resp *graphql.Response) {
	v, ok := ctx.Value(cacheVerdictKey{}).(*cacheVerdict)
	if !ok || !graphql.HasOperationContext(ctx) {
		return // no operation ran: a request error
	}
	op := graphql.GetOperationContext(ctx).Operation
	v.cacheable = resp != nil && len(resp.Errors) == 0 && op != nil && op.Operation == ast.Query
	v.version, v.deps, v.byKey = r.ByKey()
}

// recorder passes a response through while keeping a copy of up to max
// bytes of it.
type recorder struct {
	http.ResponseWriter
	status   int
	buf      bytes.Buffer
	max      int
	overflow bool
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if !r.overflow {
		if r.buf.Len()+len(p) > r.max {
			r.overflow = true
			r.buf.Reset()
		} else {
			r.buf.Write(p)
		}
	}
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
