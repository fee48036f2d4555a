// Package observe makes tupu observable: Prometheus metrics, one structured
// access-log line per request carrying a request id, and a readiness probe.
//
// The choices, and why:
//
//   - Metrics live on a registry of their own, not prometheus.DefaultRegisterer:
//     a test (or two servers in one process) can create several without
//     "duplicate metrics collector registration" panics, and /metrics shows
//     exactly what this package registered plus the Go runtime and process
//     collectors.
//   - Every label value is drawn from a bounded set. Operation names, paths,
//     methods and error codes come from clients, and a label value that a
//     client can choose freely is a time series a client can create freely.
//     Operation names are those of the server's own documents (trusted
//     documents, the explorer's and the playground's; see KnowOperations),
//     else "other"; HTTP paths come from a fixed allow-list (else "other");
//     methods from the standard ones (else "OTHER").
//   - GraphQL is measured inside gqlgen (an extension), not by parsing HTTP
//     bodies: only gqlgen knows the operation that ran and the
//     extensions.code of its errors, after the error presenter set them.
//   - The store and the caches call plain methods (ObserveStoreTx, CacheHit,
//     CacheMiss), so a package can take a func(kind string, d time.Duration)
//     hook and never import this one. A nil *Metrics makes them no-ops.
//   - The request id is accepted from a client's X-Request-Id only when it is
//     short and made of safe characters, so it can be logged and echoed
//     verbatim; otherwise it is 16 random hex characters. It is set on the
//     response before the handler runs, so even a panicking or streaming
//     handler's response carries it.
//   - The access log records the path and never the query string: a GET
//     /graphql carries a whole document, and its variables, in the query.
//   - The response writer wrapper implements Unwrap (for
//     http.ResponseController) and also Flush and Hijack directly, because
//     gqlgen's SSE and multipart transports assert w.(http.Flusher) and
//     websocket libraries assert w.(http.Hijacker).
//   - Ready is separate from the liveness probe (/healthz): a process that is
//     alive but cannot serve (store unavailable) should be taken out of load
//     balancing, not restarted.
package observe

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// durationBuckets spans 100µs to 10s, roughly 1-2.5-5 per decade: a cached
// read answers in well under a millisecond, a pathological query in seconds.
var durationBuckets = []float64{
	.0001, .00025, .0005,
	.001, .0025, .005,
	.01, .025, .05,
	.1, .25, .5,
	1, 2.5, 5, 10,
}

// storeBuckets start lower (10µs): a bbolt read transaction is often a few
// microseconds, and a write waits for fsync (milliseconds).
var storeBuckets = []float64{
	.00001, .000025, .00005,
	.0001, .00025, .0005,
	.001, .0025, .005,
	.01, .025, .05,
	.1, .25, .5,
	1, 2.5, 5, 10,
}

// Metrics holds the service's Prometheus collectors on its own registry
// (not the global default, so tests can create several).
type Metrics struct {
	reg *prometheus.Registry

	gqlRequests  *prometheus.CounterVec
	gqlDuration  *prometheus.HistogramVec
	gqlLimits    *prometheus.CounterVec
	storeTx      *prometheus.HistogramVec
	cache        *prometheus.CounterVec
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec

	// known are the operation names labelled as themselves (see
	// KnowOperations); knownMu serializes the writers.
	known   atomic.Pointer[map[string]bool]
	knownMu sync.Mutex
}

// NewMetrics returns the collectors registered on a fresh registry, with the
// Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		gqlRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tupu_graphql_requests_total",
			Help: `GraphQL operations by operation name, outcome ("ok" or "error") and the first error's extensions.code ("" when ok).`,
		}, []string{"operation", "outcome", "code"}),
		gqlDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tupu_graphql_request_duration_seconds",
			Help:    "Time from the start of a GraphQL request to its (first) response, by operation name.",
			Buckets: durationBuckets,
		}, []string{"operation"}),
		gqlLimits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tupu_graphql_limit_rejections_total",
			Help: "GraphQL operations rejected by a limit (complexity, depth, alias, directive, payload, token, ...).",
		}, []string{"limit"}),
		storeTx: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tupu_store_transaction_duration_seconds",
			Help:    `Duration of store transactions by kind ("read" or "write").`,
			Buckets: storeBuckets,
		}, []string{"kind"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tupu_cache_requests_total",
			Help: `Cache lookups by cache and result ("hit" or "miss").`,
		}, []string{"cache", "result"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tupu_http_requests_total",
			Help: `HTTP requests by method, path (from a fixed allow-list, else "other") and status.`,
		}, []string{"method", "path", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tupu_http_request_duration_seconds",
			Help:    `Duration of HTTP requests by path (from a fixed allow-list, else "other").`,
			Buckets: durationBuckets,
		}, []string{"path"}),
	}
	b := Build()
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "tupu_build_info",
		Help:        "Always 1: the build's module version, VCS revision (empty when the build was not stamped) and Go version as labels.",
		ConstLabels: prometheus.Labels{"version": b.Version, "revision": b.Revision, "goversion": b.GoVersion},
	})
	buildInfo.Set(1)
	m.reg.MustRegister(
		buildInfo,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.gqlRequests, m.gqlDuration, m.gqlLimits,
		m.storeTx, m.cache,
		m.httpRequests, m.httpDuration,
	)
	return m
}

// Registry returns the registry the collectors are on, for a package that
// wants to add collectors of its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus exposition formats, for
// GET /metrics. An error gathering one collector is reported in the
// response's body rather than failing the whole scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:            m.reg, // also count promhttp's own errors and in-flight scrapes
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
	})
}

// ObserveStoreTx records a store transaction of kind "read" or "write"
// (anything else is recorded as "other") that took d. Its method value,
// m.ObserveStoreTx, is a func(string, time.Duration) hook for the store.
// It does nothing on a nil *Metrics.
func (m *Metrics) ObserveStoreTx(kind string, d time.Duration) {
	if m == nil {
		return
	}
	switch kind {
	case "read", "write":
	default:
		kind = "other"
	}
	m.storeTx.WithLabelValues(kind).Observe(d.Seconds())
}

// CacheHit counts a hit in the named cache. Cache names should be constants
// of the program; one that is not a short identifier is counted as "other".
// It does nothing on a nil *Metrics.
func (m *Metrics) CacheHit(cache string) {
	if m == nil {
		return
	}
	m.cache.WithLabelValues(boundedName(cache), "hit").Inc()
}

// CacheMiss counts a miss in the named cache, as CacheHit counts a hit.
func (m *Metrics) CacheMiss(cache string) {
	if m == nil {
		return
	}
	m.cache.WithLabelValues(boundedName(cache), "miss").Inc()
}

// boundedName returns s if it matches ^[A-Za-z_][A-Za-z0-9_]{0,63}$ (the
// shape of a GraphQL name, at most 64 bytes), else "other".
func boundedName(s string) string {
	if len(s) == 0 || len(s) > 64 {
		return "other"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return "other"
		}
	}
	return s
}
