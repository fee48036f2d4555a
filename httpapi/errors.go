package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"syscall"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"tupu"
	"tupu/observe"
)

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
			for k, v := range domain.Extensions {
				if gerr.Extensions == nil {
					gerr.Extensions = map[string]any{}
				}
				gerr.Extensions[k] = v
			}
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
		case fromEntitiesField(ctx):
			// gqlgen's federation code refusing a representation (an
			// unknown __typename, no id): what the router sent is wrong.
			setCode(gerr, tupu.BadUserInput)
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

// fromEntitiesField reports whether ctx is that of federation's
// Query._entities field (whatever its alias) itself: tupu's resolvers
// below it return coded errors, so an error without a code raised there
// is gqlgen's about a representation.
func fromEntitiesField(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && fc.Object == "Query" && fc.Field.Name == "_entities"
}

// recoverFunc turns a panic in a resolver into INTERNAL; the stack goes to
// the log only.
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.Error("panic in resolver", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return tupu.Errorf(tupu.Internal, tupu.InternalMessage)
	}
}

func setCode(e *gqlerror.Error, code tupu.Code) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = string(code)
}

// codeOf is the code of a presented error, or "".
func codeOf(e *gqlerror.Error) string {
	code, _ := e.Extensions["code"].(string)
	return code
}

// requestErrors is a response without data: a request that failed before
// execution. It has no data entry at all, not even null: a client tells
// "never ran" from "ran and nulled the root" by it.
type requestErrors struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// capErrors keeps at most max errors, and says how many it left out.
func capErrors(errs gqlerror.List, max int) gqlerror.List {
	if n := len(errs); max > 0 && n > max {
		errs = append(errs[:max:max], &gqlerror.Error{
			Message:    fmt.Sprintf("%d more errors not shown", n-max),
			Extensions: map[string]any{"code": "TOO_MANY_ERRORS"},
		})
	}
	return errs
}

// writeError sends a request-level error: one error with a code, no data.
func writeError(w http.ResponseWriter, r *http.Request, media string, status int, code, msg string) {
	observe.NoteOperation(r.Context(), &observe.Operation{Code: code}) // refused before any operation
	send(w, media, status, requestErrors{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}})
}

func send(w http.ResponseWriter, media string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil || v == nil {
		media, status = mediaJSON, http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}
