package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"tupu/indexer"
	"tupu/observe"
	"tupu/store"
)

// responseCache answers a repeated read with the bytes it answered before,
// as long as the graph has not changed: its key holds the graph version,
// so a commit makes every older entry unreachable at once, and nothing
// stale is ever served. The graph is read-mostly and frontends repeat
// their queries, so this skips parsing, execution and encoding for most
// requests.
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
			b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
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
		key := c.key(version, r, body)
		if hit, ok := c.entries.Get(key); ok {
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
		if verdict.cacheable && rec.status == http.StatusOK && !rec.overflow && c.version() == version &&
			!bytes.Contains(rec.buf.Bytes(), []byte(`"errors":`)) {
			c.entries.Add(key, cachedResponse{contentType: w.Header().Get("Content-Type"), body: bytes.Clone(rec.buf.Bytes())})
		}
	})
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

func (c *responseCache) key(version [2]uint64, r *http.Request, body []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, version[0]), version[1]))
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
// the answer being recorded may be kept. Nothing else knows for sure which
// operation of a document ran, or whether it was a query.
type cacheVerdict struct{ cacheable bool }

type cacheVerdictKey struct{}

// judgeCacheable records in a cache miss's verdict that resp, the answer
// to the operation of ctx, may be kept: a query's, without errors.
func judgeCacheable(ctx context.Context, resp *graphql.Response) {
	v, ok := ctx.Value(cacheVerdictKey{}).(*cacheVerdict)
	if !ok || !graphql.HasOperationContext(ctx) {
		return // no operation ran: a request error
	}
	op := graphql.GetOperationContext(ctx).Operation
	v.cacheable = resp != nil && len(resp.Errors) == 0 && op != nil && op.Operation == ast.Query
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
