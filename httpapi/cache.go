package httpapi

import (
	"crypto/sha256"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"tupu/indexer"
	"tupu/observe"
	"tupu/store"
)

// responseCache answers a repeated read with the bytes it answered before,
// as long as nothing the answer shows has changed since. Each entry keeps
// the graph version its answer was read at and what it read (graph.Reads):
// the keys of the entities and documents it shows, or that it depends on
// the whole graph (a list of a kind, a search, a traversal). An entry read
// at an older version is still served when none of the commits since
// touched what it read (store.Touched names them); one that depends on the
// whole graph is served only at its own version. Nothing stale is ever
// served, and a curator's edit to one entity leaves the answers about
// others in place.
//
// Only what request.cacheable allows is kept: a query's whole answer
// without errors. The key is the exact request (method, URL query, body,
// Accept and Accept-Language), so two requests share an entry only if
// they would get the same bytes.
//
// The cache is bounded in bytes: each entry counts its answer, its
// dependencies and a fixed overhead, and the least recently used go first.
type responseCache struct {
	mu       sync.Mutex
	entries  *simplelru.LRU[[sha256.Size]byte, *cachedResponse]
	size     int64 // bytes held, as entrySize counts them
	maxBytes int64
	maxEntry int64 // the largest answer kept

	store   *store.Store
	search  *indexer.Indexer // nil: no search
	metrics *observe.Metrics
}

type cachedResponse struct {
	contentType string
	body        []byte
	// op is what the access log says of the operation, each time the
	// answer is served.
	op *observe.Operation
	// version is the graph and search index versions the answer was read
	// at; deps what it read, unless global.
	version [2]uint64
	deps    []string
	global  bool
}

// entryOverhead approximates what an entry costs besides its answer and
// dependencies: its key, the LRU's list element and map slot, the
// struct and its slice headers.
const entryOverhead = 256

func (e *cachedResponse) size() int64 {
	n := int64(entryOverhead + len(e.body) + len(e.contentType) + len(e.op.Name) + 16*len(e.deps))
	for _, d := range e.deps {
		n += int64(len(d))
	}
	return n
}

func newResponseCache(s *store.Store, x *indexer.Indexer, maxBytes int64, m *observe.Metrics) *responseCache {
	c := &responseCache{maxBytes: maxBytes, maxEntry: max(maxBytes/16, 4<<10), store: s, search: x, metrics: m}
	// The LRU's own bound is by entries; the byte bound is ours, so its
	// count only has to be past what the bytes allow.
	entries, err := simplelru.NewLRU(int(max(maxBytes/entryOverhead, 1)), func(_ [sha256.Size]byte, e *cachedResponse) {
		c.size -= e.size()
	})
	if err != nil {
		panic(err) // the size is positive
	}
	c.entries = entries
	return c
}

// held returns the bytes and answers the cache holds.
func (c *responseCache) held() (bytes int64, answers int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size, c.entries.Len()
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

// key is the cache key of req, which arrived as r.
func (c *responseCache) key(r *http.Request, req *request) [sha256.Size]byte {
	h := sha256.New()
	for _, part := range []string{r.Method, r.URL.RawQuery, req.accept, r.Header.Get("Accept-Language")} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(req.body)
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// serve answers r from the cache if it holds a fresh answer under key at
// version now, and reports whether it did.
func (c *responseCache) serve(w http.ResponseWriter, r *http.Request, key [sha256.Size]byte, now [2]uint64) bool {
	c.mu.Lock()
	e, ok := c.entries.Get(key)
	if ok && !c.fresh(e, now) {
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		c.metrics.CacheMiss("response")
		return false
	}
	c.metrics.CacheHit("response")
	observe.NoteOperation(r.Context(), e.op)
	h := w.Header()
	h.Set("Content-Type", e.contentType)
	h.Set("Content-Length", strconv.Itoa(len(e.body)))
	h.Set("X-Cache", "hit")
	w.Write(e.body)
	return true
}

// fresh reports whether the answer e is still what the graph at version
// now would give, moving it to now if so. c.mu is held.
func (c *responseCache) fresh(e *cachedResponse, now [2]uint64) bool {
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
	return true
}

// keep stores the answer body (of media type contentType) to req, which
// ran op, under key; before is the version the cache was asked at, when the request
// arrived. req.cacheable said it may be kept.
func (c *responseCache) keep(key [sha256.Size]byte, req *request, contentType string, body []byte, op *observe.Operation, before [2]uint64) {
	if int64(len(body)) > c.maxEntry {
		return
	}
	hit := *op
	hit.CacheHit = true
	e := &cachedResponse{contentType: contentType, body: body, op: &hit}
	if v, deps, ok := req.reads.ByKey(); ok {
		// Read at one known graph version, and only by key.
		e.version, e.deps = [2]uint64{v}, deps
	} else if c.version() == before {
		// Anything else is kept only when nothing changed while it was
		// answered, and served only at that version.
		e.version, e.global = before, true
	} else {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries.Peek(key); ok {
		c.size -= old.size()
	}
	c.entries.Add(key, e)
	c.size += e.size()
	for c.size > c.maxBytes {
		c.entries.RemoveOldest()
	}
}
