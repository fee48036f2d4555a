package sequential

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

func responseContext() context.Context {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, func(ctx context.Context, err any) error {
		return errors.New("recovered")
	})
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "list"}}})
}

// TestMarshalSlice checks what gqlgen's concurrent version guarantees:
// elements in order, each with its index in the response path, and a
// panicking element turned into null and an error at its path.
func TestMarshalSlice(t *testing.T) {
	ctx := responseContext()
	var paths []string
	got := MarshalSlice(ctx, 3, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		paths = append(paths, graphql.GetPath(ctx).String())
		if i == 1 {
			panic("boom")
		}
		return graphql.MarshalInt(i)
	})
	if len(got) != 3 || got[1] != graphql.Null || got[0] == graphql.Null || got[2] == graphql.Null {
		t.Fatalf("elements: %v", got)
	}
	if want := []string{"list[0]", "list[1]", "list[2]"}; len(paths) != 3 || paths[0] != want[0] || paths[1] != want[1] || paths[2] != want[2] {
		t.Errorf("paths %v, want %v", paths, want)
	}
	errs := graphql.GetErrors(ctx)
	if len(errs) != 1 || errs[0].Path.String() != "list[1]" || errs[0].Message != "recovered" {
		t.Errorf("errors: %v", errs)
	}
	if got := MarshalSlice(ctx, 0, 0, false, nil); got == nil || len(got) != 0 {
		t.Errorf("an empty list marshals as %v, want an empty array", got)
	}
}

// TestResolve checks null propagation: a non-null field that resolves to
// null marks its object invalid, a nullable one does not.
func TestResolve(t *testing.T) {
	ctx := responseContext()
	oc := &graphql.OperationContext{RecoverFunc: func(context.Context, any) error { return errors.New("recovered") }}
	fields := []graphql.CollectedField{{Field: &ast.Field{Name: "a"}}, {Field: &ast.Field{Name: "b"}}, {Field: &ast.Field{Name: "c"}}}
	out := graphql.NewFieldSet(fields)
	null := func(context.Context) graphql.Marshaler { return graphql.Null }
	Resolve(ctx, out, oc, fields[0], 0, true, false, null)
	if out.Invalids != 0 {
		t.Errorf("a nullable field's null made the object invalid")
	}
	Resolve(ctx, out, oc, fields[1], 1, true, true, func(context.Context) graphql.Marshaler { panic("boom") })
	if out.Values[1] != graphql.Null || out.Invalids != 1 {
		t.Errorf("a panicking non-null field: value %v, invalids %d", out.Values[1], out.Invalids)
	}
	ResolveRoot(ctx, out, &graphql.OperationContext{RootResolverMiddleware: func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		return next(ctx)
	}}, 2, true, false, func(context.Context) graphql.Marshaler { return graphql.MarshalString("c") })
	if out.Values[2] == graphql.Null || out.Invalids != 1 {
		t.Errorf("root field: value %v, invalids %d", out.Values[2], out.Invalids)
	}
	if errs := graphql.GetErrors(ctx); len(errs) != 1 {
		t.Errorf("errors: %v", errs)
	}
}

// resolveField is what the generated code does for field i of out (see
// internal/execgen).
func resolveField(ctx context.Context, out *graphql.FieldSet, oc *graphql.OperationContext, group *graphql.DeferredGroup, field graphql.CollectedField, i int, resolve func(context.Context) graphql.Marshaler) {
	if Deferred(ctx, field) {
		out.ResolveConcurrently(oc, group, i, true, false, Later(ctx, group, field, resolve))
	} else {
		Resolve(ctx, out, oc, field, i, true, false, resolve)
	}
}

// TestResolve_deferred: a deferred field of an answer in parts goes to its
// object's deferred group and resolves only after Start; without a
// Deferral (an answer sent whole) it resolves in place.
func TestResolve_deferred(t *testing.T) {
	deferredField := graphql.CollectedField{Field: &ast.Field{Name: "later", Alias: "later"}, Deferrables: []*graphql.Deferrable{{Label: "L"}}}
	now := graphql.CollectedField{Field: &ast.Field{Name: "now", Alias: "now"}}
	oc := &graphql.OperationContext{RecoverFunc: func(context.Context, any) error { return errors.New("recovered") }}

	whole := responseContext()
	out := graphql.NewFieldSet([]graphql.CollectedField{now, deferredField})
	group := NewDeferredGroup(whole)
	resolveField(whole, out, oc, &group, deferredField, 1, func(context.Context) graphql.Marshaler { return graphql.MarshalString("x") })
	if out.Values[1] == graphql.Null || group.Defers != nil {
		t.Errorf("an answer sent whole deferred the field: %v, group %v", out.Values[1], group.Defers)
	}

	ctx, d := WithDeferral(responseContext())
	out = graphql.NewFieldSet([]graphql.CollectedField{now, deferredField})
	group = NewDeferredGroup(ctx)
	resolved := make(chan struct{})
	resolveField(ctx, out, oc, &group, deferredField, 1, func(context.Context) graphql.Marshaler {
		close(resolved)
		return graphql.MarshalString("x")
	})
	if out.Values[1] != graphql.Null || len(group.Defers) != 1 || group.Defers["L"] == nil {
		t.Fatalf("in parts: value %v, group %v", out.Values[1], group.Defers)
	}
	if got := d.Trim([]byte(`{"list":{"now":1,"later":null}}`), nil); string(got) != `{"list":{"now":1}}` {
		t.Errorf("the first part trimmed: %s", got)
	}
	done := make(chan struct{})
	group.Defers["L"].SetOnComplete(func(context.Context) { close(done) })
	go group.FieldSet.Dispatch(ctx)
	select {
	case <-resolved:
		t.Fatal("the deferred field resolved before Start")
	case <-time.After(50 * time.Millisecond):
	}
	d.Start()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the deferred field did not resolve after Start")
	}
}
