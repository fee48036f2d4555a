package httpapi

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// noIntrospection refuses, before execution and with a code, operations
// that ask for the schema (__schema, __type) when introspection is off.
// Without it gqlgen answers such a field with an uncoded error at
// execution time.
type noIntrospection struct{}

var (
	_ graphql.HandlerExtension        = noIntrospection{}
	_ graphql.OperationContextMutator = noIntrospection{}
)

func (noIntrospection) ExtensionName() string { return "NoIntrospection" }

func (noIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

func (noIntrospection) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	seen := map[string]bool{}
	var asks func(ast.SelectionSet) bool
	asks = func(set ast.SelectionSet) bool {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Name == "__schema" || s.Name == "__type" || asks(s.SelectionSet) {
					return true
				}
			case *ast.InlineFragment:
				if asks(s.SelectionSet) {
					return true
				}
			case *ast.FragmentSpread:
				if !seen[s.Name] && s.Definition != nil {
					seen[s.Name] = true
					if asks(s.Definition.SelectionSet) {
						return true
					}
				}
			}
		}
		return false
	}
	if rc.Operation != nil && asks(rc.Operation.SelectionSet) {
		return &gqlerror.Error{Message: "introspection is turned off on this server",
			Extensions: map[string]any{"code": "INTROSPECTION_DISABLED"}}
	}
	return nil
}
