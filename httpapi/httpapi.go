// Package httpapi serves the GraphQL schema of package graph over HTTP:
// GraphQL over HTTP (POST and GET), server-sent events and WebSockets,
// the response cache, authentication and the abuse limits of an open
// endpoint.
package httpapi

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/text/language"

	"tupu"
	"tupu/graph"
	"tupu/graph/limits"
	"tupu/graph/model"
	"tupu/indexer"
	"tupu/observe"
	"tupu/store"
)

// Options tune the GraphQL handler. The zero value of each field means
// its production default.
type Options struct {
	// Logger receives internal errors and panics; nil means slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body (413 past it); default 64 KiB,
	// a hundred times the largest operation tupu's own clients send.
	MaxBodyBytes int64
	// ParserTokenLimit bounds the tokens of a document; default 5,000.
	// gqlgen leaves it off, and a huge document costs seconds to validate.
	ParserTokenLimit int
	// MaxErrors bounds the errors one response carries; default 20.
	MaxErrors int
	// Timeout bounds the work of one request; default 10 s. Loaders stop
	// reading once it passes.
	Timeout time.Duration
	// Limits bound what one operation may ask for; nil means limits.Default().
	Limits *limits.Config
	// Metrics, when set, counts operations by name and outcome.
	Metrics *observe.Metrics
	// Tracing adds spans per operation and resolver; leave it off unless
	// a tracer provider is installed (it costs a little on every field).
	Tracing bool
	// NoIntrospection turns schema introspection off (the playground
	// needs it on).
	NoIntrospection bool
	// Development turns on field suggestions in validation errors
	// ("did you mean ..."), which outside development map the schema for
	// whoever probes it.
	Development bool
	// TrustedDocuments, when set, is a JSON manifest of SHA-256 hash to
	// document, and only those documents run.
	TrustedDocuments []byte
	// Search is the search index; nil turns search off.
	Search *indexer.Indexer
	// ResponseCache is how many answers the response cache keeps; zero
	// means 1,000, negative turns it off.
	ResponseCache int
	// WebsocketInitTimeout bounds the wait for a WebSocket's
	// connection_init; default 5 s.
	WebsocketInitTimeout time.Duration
	// ReadsNeedToken closes reads to requests without a valid token;
	// reads are open by default.
	ReadsNeedToken bool
	// AllowedOrigins are host patterns ("app.example.com", "*.example.com")
	// of pages, besides the server's own, that may open a WebSocket.
	AllowedOrigins []string
}

// NewHandler returns the GraphQL endpoint over s: POST with a JSON body,
// and GET for queries. Each response reads one snapshot of the graph.
func NewHandler(s *store.Store, opts Options) (http.Handler, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.MaxBodyBytes = cmp.Or(opts.MaxBodyBytes, 64<<10)
	opts.ParserTokenLimit = cmp.Or(opts.ParserTokenLimit, 5000)
	opts.MaxErrors = cmp.Or(opts.MaxErrors, 20)
	opts.Timeout = cmp.Or(opts.Timeout, 10*time.Second)
	if opts.Limits == nil {
		l := limits.Default()
		opts.Limits = &l
	}
	t := httpTransport{maxBody: opts.MaxBodyBytes, maxErrors: opts.MaxErrors}
	if opts.TrustedDocuments != nil {
		td, err := newTrustedDocuments(opts.TrustedDocuments)
		if err != nil {
			return nil, err
		}
		t.trusted = td
	}

	srv := handler.New(graph.NewExecutableSchema(s, opts.Search))
	if opts.Metrics != nil {
		// First, so it also sees the operations later extensions refuse.
		srv.Use(opts.Metrics.GraphQL())
	}
	if opts.Tracing {
		srv.Use(observe.Tracing())
	}
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		// Per response, not per request: each event of a subscription
		// reads the graph as it is when the event is sent.
		ctx, r := graph.BeginReads(ctx, s)
		defer r.Close()
		resp := next(ctx)
		judgeCacheable(ctx, r, resp)
		return resp
	})
	srv.SetValidationRulesFn(validationRules)
	srv.AddTransport(transport.Options{AllowedMethods: []string{http.MethodGet, http.MethodPost}})
	srv.AddTransport(transport.SSE{})
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: 15 * time.Second,
		InitTimeout:           cmp.Or(opts.WebsocketInitTimeout, 5*time.Second),
		InitFunc:              websocketInit(s, opts.ReadsNeedToken),
		// coder/websocket refuses a browser's upgrade from another origin
		// unless its host matches one of these patterns.
		Implementation: transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{OriginPatterns: opts.AllowedOrigins}},
	})
	srv.AddTransport(t)
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(opts.ParserTokenLimit)
	srv.SetDisableSuggestion(!opts.Development)
	if opts.NoIntrospection {
		srv.Use(noIntrospection{})
	} else {
		srv.Use(extension.Introspection{})
	}
	if t.trusted == nil {
		// Automatic persisted queries: a client may send a document's hash
		// instead of the document once the server has seen it.
		srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	}
	srv.Use(limits.New(*opts.Limits))
	srv.SetErrorPresenter(presentError(opts.Logger))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		opts.Logger.Error("panic in resolver", "panic", p, "stack", string(debug.Stack()))
		return tupu.Errorf(tupu.Internal, tupu.InternalMessage)
	})
	// What runs an operation; the response cache answers before it.
	var serve http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if !isWebsocket(r) {
			// A subscription lives as long as its connection, not a request.
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
			defer cancel()
		}
		ctx = model.WithLanguage(ctx, acceptLanguage(r.Header.Get("Accept-Language")))
		srv.ServeHTTP(w, r.WithContext(ctx))
	})
	if opts.ResponseCache >= 0 && s != nil {
		serve = newResponseCache(s, opts.Search, cmp.Or(opts.ResponseCache, 1000), 1<<20, opts.Metrics).wrap(serve, opts.MaxBodyBytes)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodPost, http.MethodOptions:
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			writeError(w, mediaJSON, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "use GET for queries or POST")
			return
		}
		tok, err := authenticate(s, r)
		if err == nil && tok == nil && opts.ReadsNeedToken {
			err = tupu.Errorf(tupu.Unauthenticated, "this server needs a token for reads too: send Authorization: Bearer <token>")
		}
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tupu"`)
			writeError(w, mediaJSON, http.StatusUnauthorized, string(tupu.ErrorCode(err)), tupu.ErrorMessage(err))
			return
		}
		serve.ServeHTTP(w, r.WithContext(graph.WithToken(r.Context(), tok)))
	}), nil
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

// presentError is the one place where errors get their extensions.code:
// a domain error keeps its code and message; gqlgen's own errors (parse,
// validation) keep theirs; anything else is logged and shown as INTERNAL
// with a fixed message, so no path or stack leaks.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var domain *tupu.Error
		switch {
		case errors.As(err, &domain):
			gerr.Message = domain.Message
			setCode(gerr, domain.Code)
			if domain.Code == tupu.Unavailable {
				// The operator needs the cause (a damaged file, a full disk).
				log.Error("unavailable", "error", err, "path", gerr.Path.String())
			}
		case errors.Is(err, syscall.ENOSPC):
			log.Error("disk full", "error", err)
			gerr.Message = "the database's disk is full: nothing was written; free some space and try again"
			setCode(gerr, tupu.Unavailable)
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
			gerr.Message = "the request was cancelled or ran out of time"
			setCode(gerr, tupu.Unavailable)
		case gerr.Extensions["code"] != nil:
			// parse and validation errors: gqlgen set the code.
		default:
			var inner *gqlerror.Error
			if errors.As(err, &inner) && inner.Err == nil && inner.Path == nil {
				// An error gqlgen raised about the request itself.
				setCode(gerr, tupu.BadUserInput)
				break
			}
			log.Error("internal error", "error", err, "path", gerr.Path.String())
			gerr.Message = tupu.InternalMessage
			setCode(gerr, tupu.Internal)
		}
		return gerr
	}
}

func setCode(e *gqlerror.Error, code tupu.Code) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = string(code)
}
