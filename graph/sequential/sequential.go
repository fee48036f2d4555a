// Package sequential resolves a GraphQL response on one goroutine.
//
// gqlgen's generated code resolves every element of a list of objects, and
// every resolver field of an object, on a goroutine of its own, so that
// resolvers waiting on a remote store overlap. tupu's resolvers read a
// local snapshot and never wait: the goroutines buy nothing and cost most
// of a nested query's CPU (starting them, growing their stacks, computing
// a response path per object for @defer). internal/execgen points the
// generated code at these functions instead; each keeps the contract of
// the gqlgen function it replaces (field contexts, list indexes in paths,
// panics recovered into errors, null propagation), minus the goroutine.
//
// @defer is refused by validation (see graph), so no field resolved here
// is ever deferred.
package sequential

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// MarshalSlice replaces graphql.MarshalSliceConcurrently: it marshals the
// elements in order, each under a field context holding its index.
func MarshalSlice(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	if length == 0 {
		return ret
	}
	// One allocation for all the elements' contexts and indexes.
	fcs := make([]graphql.FieldContext, length)
	indexes := make([]int, length)
	for i := range length {
		indexes[i] = i
		fcs[i].Index = &indexes[i]
		childCtx := graphql.WithFieldContext(ctx, &fcs[i])
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		ret[i] = marshalRecovering(childCtx, i, marshalElement)
	}
	return ret
}

func marshalRecovering(ctx context.Context, i int, marshalElement func(ctx context.Context, i int) graphql.Marshaler) (m graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			m = graphql.Null
		}
	}()
	return marshalElement(ctx, i)
}

// Resolve replaces (*graphql.FieldSet).ResolveConcurrently: it resolves
// field i of out at once, on the caller's goroutine.
func Resolve(ctx context.Context, out *graphql.FieldSet, oc *graphql.OperationContext, field graphql.CollectedField, i int, recoverFromPanic, nonNull bool, resolve func(ctx context.Context) graphql.Marshaler) {
	if field.IsDeferred() {
		oc.Error(ctx, gqlerror.Errorf("@defer is not supported"))
		out.Values[i] = graphql.Null
		count(out, i, nonNull)
		return
	}
	out.Values[i] = recoverToNull(ctx, oc, recoverFromPanic, resolve)
	count(out, i, nonNull)
}

// ResolveRoot replaces (*graphql.FieldSet).ResolveRootConcurrently: it
// resolves root field i of out at once, under the operation's root
// resolver middleware.
func ResolveRoot(ctx context.Context, out *graphql.FieldSet, oc *graphql.OperationContext, i int, recoverFromPanic, nonNull bool, resolve func(ctx context.Context) graphql.Marshaler) {
	out.Values[i] = oc.RootResolverMiddleware(ctx, func(ctx context.Context) graphql.Marshaler {
		return recoverToNull(ctx, oc, recoverFromPanic, resolve)
	})
	count(out, i, nonNull)
}

// count marks out invalid when field i resolved to the null its type does
// not allow, as gqlgen's field sets do.
func count(out *graphql.FieldSet, i int, nonNull bool) {
	invalid := graphql.RequiredNull
	if nonNull {
		invalid = graphql.Null
	}
	if out.Values[i] == invalid {
		out.Invalids++
	}
}

func recoverToNull(ctx context.Context, oc *graphql.OperationContext, recoverFromPanic bool, resolve func(ctx context.Context) graphql.Marshaler) (m graphql.Marshaler) {
	if recoverFromPanic {
		defer func() {
			if r := recover(); r != nil {
				oc.Error(ctx, oc.Recover(ctx, r))
				m = graphql.Null
			}
		}()
	}
	return resolve(ctx)
}

// NewDeferredGroup replaces graphql.NewDeferredGroup without computing the
// object's response path, which only deferred fields use and which costs
// an allocation per path element for every object of a response.
func NewDeferredGroup(ctx context.Context) graphql.DeferredGroup {
	return graphql.DeferredGroup{Context: ctx}
}
