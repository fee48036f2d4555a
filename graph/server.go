package graph

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/text/language"

	"tupu"
	"tupu/graph/exec"
	"tupu/graph/limits"
	"tupu/graph/model"
	"tupu/observe"
	"tupu/store"
)

// Options tune the GraphQL handler.
type Options struct {
	// Logger receives internal errors and panics; nil means slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body; zero means 1 MiB.
	MaxBodyBytes int64
	// ParserTokenLimit bounds the tokens of a document; zero means 5,000.
	// gqlgen leaves it off, and a huge document costs seconds to validate.
	ParserTokenLimit int
	// BatchWait is how long loaders collect keys; zero means DefaultBatchWait.
	BatchWait time.Duration
	// Limits bound what one operation may ask for; the zero value means
	// limits.Default().
	Limits *limits.Config
	// Metrics, when set, counts operations by name and outcome.
	Metrics *observe.Metrics
}

// NewHandler returns the GraphQL endpoint over s: POST with a JSON body,
// and GET for queries. Each request gets loaders of its own, so that the
// reads of one query are batched and never shared with another request.
func NewHandler(s *store.Store, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.BatchWait == 0 {
		opts.BatchWait = DefaultBatchWait
	}
	if opts.ParserTokenLimit == 0 {
		opts.ParserTokenLimit = 5000
	}
	srv := handler.New(exec.NewExecutableSchema(exec.Config{Resolvers: &Resolver{store: s}}))

	if opts.Limits == nil {
		l := limits.Default()
		opts.Limits = &l
	}
	if opts.Metrics != nil {
		// First, so it also sees the operations later extensions refuse.
		srv.Use(opts.Metrics.GraphQL())
	}
	srv.Use(limits.New(*opts.Limits))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(opts.ParserTokenLimit)
	srv.Use(extension.Introspection{})
	srv.SetErrorPresenter(presentError(opts.Logger))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		opts.Logger.Error("panic in resolver", "panic", p, "stack", string(debug.Stack()))
		return tupu.Errorf(tupu.Internal, tupu.InternalMessage)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, opts.MaxBodyBytes)
		ctx := withLoaders(r.Context(), s, opts.BatchWait)
		ctx = model.WithLanguage(ctx, acceptLanguage(r.Header.Get("Accept-Language")))
		srv.ServeHTTP(w, r.WithContext(ctx))
	})
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
