package limits

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The runtime budget. The estimate bounds what an operation can return
// only as far as the statistics it was computed from hold: a write between
// the estimate and the read, or a Graph that is wrong, could let more
// through. So the executor counts what it resolves, by the estimate's
// measure: every field whose values are objects (outside introspection)
// adds its values, one for a single object, a list's length for a list.
// A field whose values would take the count past MaxCost resolves to null
// with COMPLEXITY_LIMIT at its path, as does every field of objects after
// it: the response carries what was resolved before, and never more than
// MaxCost objects, whatever the statistics say.
//
// The count is reached from the operation's resolver middleware without a
// context lookup. The executable schema resolves a response on one
// goroutine (see graph/sequential), but the deferred fragments of an
// answer sent in parts resolve on another while the part before is sent:
// the count is atomic (uncontended, it costs what an addition does).
type budget struct {
	stats   *Stats // the estimate; Objects is set from count when a response is done
	limit   int    // MaxCost; zero or negative: count, never stop
	count   atomic.Int64
	stopped atomic.Bool
}

// objects returns the count so far.
func (b *budget) objects() int { return int(b.count.Load()) }

// reset starts the count of a new response of the same operation (an
// event of a subscription).
func (b *budget) reset() {
	b.count.Store(0)
	b.stopped.Store(false)
}

// resolve is the operation's resolver middleware: it counts the objects
// of field being resolved and stops the response past the budget.
func (b *budget) resolve(ctx context.Context, next graphql.Resolver, inner func(context.Context, graphql.Resolver) (any, error)) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || len(fc.Field.Selections) == 0 || strings.HasPrefix(fc.Object, "__") || strings.HasPrefix(fc.Field.Name, "__") {
		return inner(ctx, next) // a scalar, or introspection: not counted
	}
	if b.stopped.Load() {
		return nil, b.stoppedError(fc, false)
	}
	res, err := inner(ctx, next)
	if err != nil || res == nil {
		return res, err
	}
	n := objects(res)
	if b.limit > 0 && satAdd(b.objects(), n) > b.limit {
		b.stopped.Store(true)
		return nil, b.stoppedError(fc, true)
	}
	b.count.Add(int64(n))
	return res, nil
}

// objects returns how many objects a field's value is: a list's length,
// 0 for nil, else 1.
func objects(v any) int {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		return rv.Len()
	case reflect.Pointer, reflect.Interface, reflect.Map:
		if rv.IsNil() {
			return 0
		}
	}
	return 1
}

// stoppedError is the error of a field the budget stopped: the first
// (where the budget ran out) says why, the ones after it point back.
func (b *budget) stoppedError(fc *graphql.FieldContext, first bool) *gqlerror.Error {
	var e *gqlerror.Error
	if first {
		e = gqlerror.Errorf("the response passed its budget of %s objects at %s (it was estimated at %s before it ran, from statistics the graph has since outgrown); the data holds what was resolved before it: ask for fewer items",
			count(b.limit), fc.Path(), count(b.stats.Cost))
	} else {
		e = gqlerror.Errorf("not resolved: the response passed its budget of %s objects before", count(b.limit))
	}
	e.Extensions = map[string]any{"code": CodeComplexity, "limit": b.limit, "value": b.objects()}
	return e
}

// Figures are what a response's extensions.cost holds: the estimate of
// the operation (the most objects it can return), the objects resolved
// for the response, and the limit both are held to (MaxCost).
type Figures struct {
	Estimate int `json:"estimate"`
	Objects  int `json:"objects"`
	Limit    int `json:"limit"`
}

// MarshalJSON writes the figures without reflection: every response
// carries them.
func (f Figures) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 64)
	b = append(b, `{"estimate":`...)
	b = strconv.AppendInt(b, int64(f.Estimate), 10)
	b = append(b, `,"objects":`...)
	b = strconv.AppendInt(b, int64(f.Objects), 10)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(f.Limit), 10)
	return append(b, '}'), nil
}

// String formats the figures for logs.
func (f Figures) String() string {
	return fmt.Sprintf("estimate=%d objects=%d limit=%d", f.Estimate, f.Objects, f.Limit)
}
