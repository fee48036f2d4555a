// Package httpapi serves the GraphQL schema of package graph over HTTP:
// GraphQL over HTTP (POST and GET), server-sent events and WebSockets,
// the response cache, authentication and the bounds an open endpoint
// needs.
//
// Every request takes one path (Server.ServeHTTP): it is classified once
// at the door (classify: its transport, what it accepts, its body read
// once and bounded), authenticated, answered from the response cache if
// it can be, and otherwise run by gqlgen's executor, whose extensions
// apply one policy to every operation whatever brought it (policy.go,
// operation.go).
package httpapi

import (
	"cmp"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	gqltransport "github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/text/language"

	"tupu"
	"tupu/graph"
	"tupu/graph/limits"
	"tupu/graph/model"
	"tupu/indexer"
	"tupu/observe"
	"tupu/store"
)

// Options tune the GraphQL endpoint. The zero value of each field means
// its production default.
type Options struct {
	// Logger receives internal errors and panics; nil means slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body, and a WebSocket message (413
	// past it); default 64 KiB, a hundred times the largest operation
	// tupu's own clients send.
	MaxBodyBytes int64
	// ParserTokenLimit bounds the tokens of a document; default 5,000.
	// gqlgen leaves it off, and a huge document costs seconds to validate.
	ParserTokenLimit int
	// MaxErrors bounds the errors one response carries; default 20.
	MaxErrors int
	// Timeout bounds the work of one query or mutation, on every
	// transport; default 10 s. Loaders stop reading once it passes.
	Timeout time.Duration
	// Limits bound what one operation may ask for; nil means limits.Default().
	Limits *limits.Config
	// Metrics, when set, counts operations by name and outcome.
	Metrics *observe.Metrics
	// Tracing adds spans per operation and resolver; leave it off unless
	// a tracer provider is installed (it costs a little on every field).
	Tracing bool
	// NoIntrospection turns schema introspection off (the playground
	// needs it on). The SDL stays at Schema, and the subgraph's at
	// federation's Query._service, unless HideSchema.
	NoIntrospection bool
	// HideSchema stops serving the SDL (Server.Schema answers 404), and,
	// with introspection off, the subgraph's (Query._service).
	HideSchema bool
	// Development turns on field suggestions in validation errors
	// ("did you mean ..."), which outside development map the schema for
	// whoever probes it.
	Development bool
	// TrustedDocuments, when set, is a JSON manifest of SHA-256 hash to
	// document, and only those documents run, on every transport.
	TrustedDocuments []byte
	// Search is the search index; nil turns search off.
	Search *indexer.Indexer
	// ResponseCacheBytes bounds the response cache in bytes; zero means
	// DefaultResponseCacheBytes, negative turns it off.
	ResponseCacheBytes int64
	// KeepAlive is how often a stream with nothing to say says something
	// all the same (a WebSocket ping, an event-stream comment), so that
	// proxies and clients see it alive; default 15 s.
	KeepAlive time.Duration
	// WriteTimeout is the server's write timeout (http.Server's): an
	// event stream gives each of its writes this long to reach the client,
	// rather than ending that long after it opened; default 60 s.
	WriteTimeout time.Duration
	// WebsocketInitTimeout bounds the wait for a WebSocket's
	// connection_init; default 5 s.
	WebsocketInitTimeout time.Duration
	// ReadsNeedToken closes reads to requests without a valid token;
	// reads are open by default.
	ReadsNeedToken bool
	// AllowedOrigins are host patterns ("app.example.com", "*.example.com")
	// of pages, besides the server's own and those of CORSOrigins, that
	// may open a WebSocket.
	AllowedOrigins []string
	// CORSOrigins are the origins of pages on other sites that may call
	// the endpoint from a browser: exact ("https://app.example.com"),
	// patterns ("https://*.example.com") or "*" for any. None by default.
	CORSOrigins []string
	// CORSCredentials lets those pages send cookies and HTTP
	// authentication (Access-Control-Allow-Credentials); off by default.
	// A bearer token in Authorization needs no credentials.
	CORSCredentials bool
	// MaxSubscriptions bounds the subscriptions open at once on the
	// server, over every transport; default 5,000.
	MaxSubscriptions int64
	// MaxOperationsPerConnection bounds the operations one WebSocket
	// connection runs at once; default 100.
	MaxOperationsPerConnection int64
	// MaxStreamsPerClient bounds the streams (WebSockets and SSE) one
	// client address holds open at once; default 256.
	MaxStreamsPerClient int
}

// DefaultResponseCacheBytes is the response cache's default size: 32 MiB,
// an eighth of the memory limit the service sets itself (256 MiB), which
// holds about 15,000 answers of the size the seed's nested queries have.
const DefaultResponseCacheBytes = 32 << 20

// Server is the GraphQL endpoint: POST with a JSON body, GET for queries,
// POST with Accept: text/event-stream for server-sent events, and
// WebSocket upgrades with the graphql-ws protocol. Each response reads
// one snapshot of the graph.
type Server struct {
	opts      Options
	store     *store.Store
	exec      *executor.Executor
	cache     *responseCache // nil: off
	websocket gqltransport.Websocket
	streams   *perAddress
	cors      *cors // nil: no other origin
	schema    http.Handler
}

// New returns the endpoint over s.
func New(s *store.Store, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.MaxBodyBytes = cmp.Or(opts.MaxBodyBytes, 64<<10)
	opts.ParserTokenLimit = cmp.Or(opts.ParserTokenLimit, 5000)
	opts.MaxErrors = cmp.Or(opts.MaxErrors, 20)
	opts.Timeout = cmp.Or(opts.Timeout, 10*time.Second)
	opts.ResponseCacheBytes = cmp.Or(opts.ResponseCacheBytes, DefaultResponseCacheBytes)
	opts.WebsocketInitTimeout = cmp.Or(opts.WebsocketInitTimeout, 5*time.Second)
	opts.KeepAlive = cmp.Or(opts.KeepAlive, 15*time.Second)
	opts.WriteTimeout = cmp.Or(opts.WriteTimeout, 60*time.Second)
	opts.MaxSubscriptions = cmp.Or(opts.MaxSubscriptions, 5000)
	opts.MaxOperationsPerConnection = cmp.Or(opts.MaxOperationsPerConnection, 100)
	opts.MaxStreamsPerClient = cmp.Or(opts.MaxStreamsPerClient, 256)
	if opts.Limits == nil {
		l := limits.Default()
		opts.Limits = &l
	}

	cors, err := newCORS(opts.CORSOrigins, opts.CORSCredentials)
	if err != nil {
		return nil, err
	}
	es := graph.NewExecutableSchema(s, opts.Search)
	exec := executor.New(es)
	if opts.Metrics != nil {
		// First, so it also sees the operations later extensions refuse.
		exec.Use(opts.Metrics.GraphQL())
	}
	if opts.Tracing {
		exec.Use(observe.Tracing())
	}
	if opts.TrustedDocuments != nil {
		td, err := newTrustedDocuments(opts.TrustedDocuments)
		if err != nil {
			return nil, err
		}
		exec.Use(td)
		// The operations a locked-down server runs are labelled by name
		// in its metrics.
		opts.Metrics.KnowOperations(slices.Collect(maps.Values(td.byHash))...)
	} else {
		// Automatic persisted queries: a client may send a document's hash
		// instead of the document once the server has seen it.
		exec.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	}
	if !opts.NoIntrospection {
		exec.Use(extension.Introspection{})
	}
	exec.Use(operationPolicy{introspection: !opts.NoIntrospection, sdl: !opts.HideSchema})
	lim := *opts.Limits
	if lim.Graph == nil && s != nil {
		lim.Graph = graph.CostModel(s)
	}
	exec.Use(limits.New(lim))
	ops := &operations{store: s, timeout: opts.Timeout, subscriptions: &slots{max: opts.MaxSubscriptions}}
	exec.AroundOperations(ops.intercept)
	exec.AroundResponses(ops.unrun)
	exec.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	exec.SetParserTokenLimit(opts.ParserTokenLimit)
	exec.SetDisableSuggestion(!opts.Development)
	exec.SetErrorPresenter(presentError(opts.Logger))
	exec.SetRecoverFunc(recoverFunc(opts.Logger))

	srv := &Server{
		opts:      opts,
		store:     s,
		exec:      exec,
		websocket: newWebsocket(s, opts.ReadsNeedToken, opts.MaxBodyBytes, opts.WebsocketInitTimeout, opts.KeepAlive, opts.MaxOperationsPerConnection, opts.Logger),
		streams:   newPerAddress(opts.MaxStreamsPerClient),
		cors:      cors,
		schema:    http.NotFoundHandler(),
	}
	if !opts.HideSchema {
		srv.schema = newSchemaHandler(es.Schema(), cors)
	}
	if opts.ResponseCacheBytes > 0 && s != nil {
		srv.cache = newResponseCache(s, opts.Search, opts.ResponseCacheBytes, opts.Metrics)
	}
	if opts.Metrics != nil {
		srv.register(opts.Metrics.Registry(), ops.subscriptions)
	}
	return srv, nil
}

// Schema serves the schema as SDL, for GET /schema.graphql: what
// introspection describes, printed, with an ETag. It serves it when
// introspection is off too (codegen tools need it), unless HideSchema.
func (srv *Server) Schema() http.Handler { return srv.schema }

// register adds gauges of what the endpoint holds to reg: the response
// cache's bytes and answers, the subscriptions and streams open.
func (srv *Server) register(reg *prometheus.Registry, subscriptions *slots) {
	gauges := []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tupu_subscriptions_open", Help: "Subscriptions open, over every transport."},
			func() float64 { return float64(subscriptions.held.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tupu_streams_open", Help: "WebSockets and event streams open."},
			func() float64 { return float64(srv.streams.open()) }),
	}
	if c := srv.cache; c != nil {
		gauges = append(gauges,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tupu_response_cache_bytes", Help: "Bytes the response cache holds, as it counts them against its bound."},
				func() float64 { n, _ := c.held(); return float64(n) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "tupu_response_cache_answers", Help: "Answers the response cache holds."},
				func() float64 { _, n := c.held(); return float64(n) }))
	}
	for _, g := range gauges {
		reg.Register(g) // a second endpoint on the same metrics reports through the first's
	}
}

// ServeHTTP is the one path of every request to the endpoint.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if srv.cors.handle(w, r) {
		return // a preflight
	}
	if r.Method == http.MethodOptions {
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	req, refused := classify(r, srv.opts.MaxBodyBytes)
	if refused != nil {
		refused.write(w, r, mediaJSON)
		return
	}
	tok, err := authenticate(srv.store, r, srv.opts.ReadsNeedToken)
	// A WebSocket may carry its token in connection_init instead, which
	// checks it then.
	if err == nil && tok == nil && srv.opts.ReadsNeedToken && req.transport != transportWebsocket {
		err = tupu.Errorf(tupu.Unauthenticated, "this server needs a token for reads too: send Authorization: Bearer <token>")
	}
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tupu"`)
		writeError(w, r, mediaJSON, http.StatusUnauthorized, string(tupu.ErrorCode(err)), tupu.ErrorMessage(err))
		return
	}
	req.token = tok

	var (
		key    [32]byte
		before [2]uint64
	)
	cached := srv.cache != nil && (req.transport == transportPOST || req.transport == transportGET)
	if cached {
		before, key = srv.cache.version(), srv.cache.key(r, req)
		if srv.cache.serve(w, r, key, before) {
			return
		}
	}

	ctx := graphql.StartOperationTrace(r.Context())
	ctx = model.WithLanguage(graph.WithToken(withRequest(ctx, req), tok), acceptLanguage(r.Header.Get("Accept-Language")))
	r = r.WithContext(ctx)
	switch req.transport {
	case transportWebsocket, transportSSE:
		srv.serveStream(w, r, req)
	default:
		var keep func(contentType string, body []byte, op *observe.Operation)
		if cached {
			keep = func(contentType string, body []byte, op *observe.Operation) {
				srv.cache.keep(key, req, contentType, body, op, before)
			}
		}
		srv.serveAnswer(w, r, req, keep)
	}
}

// languages are what labels can be asked for in; Chinese first, the
// sources' language, so a request that prefers neither gets it.
var languages = language.NewMatcher([]language.Tag{language.Chinese, language.English})

// acceptLanguage reads an Accept-Language header: English if the client
// prefers it to Chinese, else Chinese.
func acceptLanguage(header string) model.Language {
	if header == "" {
		return model.LanguageZh
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return model.LanguageZh
	}
	if _, i, conf := languages.Match(tags...); i == 1 && conf != language.No {
		return model.LanguageEn
	}
	return model.LanguageZh
}
