// Package limits is a gqlgen handler extension that rejects hostile
// operations after parsing and validation and before any resolver runs.
//
// It measures an operation in one walk of its document and rejects it when
// it goes over any of these limits (a zero or negative limit is off):
//
//   - depth (MaxDepth): how deep fields nest, with fragments and inline
//     fragments expanded, so that a field inside a fragment counts at the
//     depth where the fragment is spread. Fields below __schema and __type
//     do not count: introspection has a limit of its own (below).
//   - aliases (MaxAliases): fields whose response name differs from their
//     name, in the whole operation, a fragment's counted once per spread.
//   - directives (MaxDirectives): directive uses on the operation, its
//     variables, fields, inline fragments and spreads, and those on a
//     fragment definition once per spread.
//   - introspection nesting (MaxIntrospectionNesting): how deep the list
//     fields `fields`, `interfaces`, `possibleTypes` and `inputFields` nest
//     below __schema or __type. It is graphql-js's MaxIntrospectionDepthRule
//     (which rejects 3): `__Type.fields` → `__Field.type` → `__Type.fields`
//     is a cycle whose output grows as (fields per type)^levels while its
//     cost below stays tiny. gqlparser's validation has the same rule, so
//     this is a second guard, for documents measured without it.
//   - cost (MaxCost), an upper bound on the objects and values the
//     operation can produce, by this model:
//
// Cost model. Every field costs 1, plus its sub-selection's cost times the
// field's multiplier:
//
//	cost(field) = 1 + multiplier(field) × Σ cost(selections)
//
// The multiplier is
//
//   - for a field that takes `first` or `last` (a connection): the page size
//     asked for, from the argument's literal or the variable's value, or
//     DefaultPageSize when neither is given. A value the resolver refuses
//     (negative, or over MaxPageSize) counts as MaxPageSize; first and last
//     together count as the larger; first:0 counts as 1, since the
//     connection's own fields (totalCount, pageInfo) are still produced. So
//     `districts(first:100){ nodes { parks(first:100) { nodes {
//     companies(first:100) { nodes { name }}}}}}` costs
//     1 + 100×(1 + 1 + 100×(1 + 1 + 100×2)) = 2,020,201: about 100³;
//   - for a field with an `ids` list argument (`nodes(ids:)`): the length
//     of the list, capped at MaxPageSize (the resolver refuses more);
//   - for a field named in ListCosts, keyed "Type.field" (the type is the
//     one the selection is on, or one of the interfaces it implements, so
//     "Entity.facts" covers District.facts too): that number, the assumed
//     length of an unpaged list;
//   - 1 for anything else. Unpaged lists in this schema are short (facts,
//     aliases, kinds, predicates).
//
// Fields below __schema and __type cost 1 each with no multiplier:
// introspection is answered from the schema in memory, and its fan-out is
// bounded by MaxIntrospectionNesting instead. The standard introspection
// query (graphql-js getIntrospectionQuery, which GraphiQL sends) costs a few
// hundred and passes Default.
//
// The walk is linear in the document: each fragment's (cost, depth,
// aliases, directives) is computed once and reused at every spread, so the
// doubling-fragment document (F0 spreads F1 twice, F1 spreads F2 twice, ...)
// costs microseconds to measure although it expands to 2^levels fields. A
// fragment cycle (which validation rejects, but the walk does not rely on
// it) is an error, not a hang. All arithmetic saturates at math.MaxInt.
//
// Skipped fields (@skip, @include) are counted as if they ran, and fields
// that gqlgen would merge are counted once per occurrence: the cost is an
// upper bound.
//
// The document's token count is not limited here: the server sets
// handler.Server.SetParserTokenLimit, which bounds the work of parsing and
// validation (gqlparser's overlapping-fields rule is quadratic) before this
// extension runs.
package limits

import (
	"context"
	"fmt"
	"maps"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The extensions.code of the errors the extension returns.
const (
	CodeComplexity = "COMPLEXITY_LIMIT" // cost over MaxCost
	CodeDepth      = "DEPTH_LIMIT"      // depth over MaxDepth, or introspection nesting over MaxIntrospectionNesting
	CodeAlias      = "ALIAS_LIMIT"      // aliases over MaxAliases
	CodeDirective  = "DIRECTIVE_LIMIT"  // directives over MaxDirectives
	CodeInvalid    = "GRAPHQL_VALIDATION_FAILED"
)

// The limit errors are request errors, like validation's: the operation is
// refused as a whole and nothing runs. gqlgen's HTTP transports answer them
// 422 (400 for application/graphql-response+json) rather than 200.
func init() {
	for _, code := range []string{CodeComplexity, CodeDepth, CodeAlias, CodeDirective} {
		errcode.RegisterErrorType(code, errcode.KindProtocol)
	}
}

// ExtensionName is the name of the extension, and the key of its Stats in
// an operation's graphql.Stats (see GetStats).
const ExtensionName = "OperationLimits"

// Config sets the limits. A zero or negative Max field turns its check off.
type Config struct {
	MaxDepth                int // selection depth, fragments expanded
	MaxAliases              int // aliased fields, fragments counted per spread
	MaxDirectives           int // directive uses, fragments counted per spread
	MaxCost                 int // cost, by the model of the package comment
	MaxIntrospectionNesting int // nesting of fields/interfaces/possibleTypes/inputFields under introspection

	// DefaultPageSize is the page size of a connection given neither first
	// nor last; zero means 20, the resolvers' default.
	DefaultPageSize int
	// MaxPageSize is the largest page the resolvers serve; a larger or
	// negative first/last, or a longer ids list, counts as this. Zero means
	// 100, the resolvers' maximum.
	MaxPageSize int
	// ListCosts gives the assumed length of unpaged list fields, keyed
	// "Type.field"; the field's sub-selection cost is multiplied by it.
	ListCosts map[string]int
}

// Default returns the limits for production. tupu's deepest useful
// queries, such as the playground's example (district → parks → companies
// → labs → partners, depth 10, cost 88,905 here), fit with room; what does
// not fit is a query that no page of real data needs.
//
//   - MaxDepth 12: the example query is 10 deep; three hops along relations
//     through edges (entity relations edges node ×3, name) are 11. A
//     14-deep query is a fan-out, not a question.
//   - MaxAliases 50: one alias per district and county of Chongqing (38)
//     in one request, with room. More is batching, which costs the same
//     split over requests and keeps each one bounded.
//   - MaxDirectives 50: @include/@skip on each optional field of a large
//     form-driven query is a few dozen; a thousand is an attack on the
//     validator and executor, not a query.
//   - MaxCost 250,000: about 2.8× the example query (88,905), so a client
//     can double one of its page sizes, while three nested first:100
//     connections (2,020,201) or the example at first:100 everywhere are
//     refused. 250,000 objects is also about the most one response should
//     carry (tens of MB of JSON) from a graph of this size.
//   - MaxIntrospectionNesting 2: what graphql-js allows; the standard
//     introspection query nests 1.
//   - DefaultPageSize 20 and MaxPageSize 100: the resolvers' (graph/paging.go).
//   - ListCosts: an entity has a handful of facts (the most today is 71,
//     for 渝北区 alone; 10 is the planning figure); kinds and predicates are
//     the vocabulary's ~30 each.
func Default() Config {
	return Config{
		MaxDepth:                12,
		MaxAliases:              50,
		MaxDirectives:           50,
		MaxCost:                 250_000,
		MaxIntrospectionNesting: 2,
		DefaultPageSize:         20,
		MaxPageSize:             100,
		ListCosts: map[string]int{
			"Entity.facts":     10,
			"Query.kinds":      30,
			"Query.predicates": 30,
		},
	}
}

// Extension enforces a Config; use it with handler.Server.Use.
type Extension struct {
	cfg Config
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*Extension)(nil)

// New returns an Extension enforcing c.
func New(c Config) *Extension {
	c.ListCosts = maps.Clone(c.ListCosts)
	return &Extension{cfg: c.withDefaults()}
}

func (c Config) withDefaults() Config {
	if c.DefaultPageSize <= 0 {
		c.DefaultPageSize = 20
	}
	if c.MaxPageSize <= 0 {
		c.MaxPageSize = 100
	}
	return c
}

// ExtensionName implements graphql.HandlerExtension.
func (*Extension) ExtensionName() string { return ExtensionName }

// Validate implements graphql.HandlerExtension.
func (*Extension) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext measures the operation, records its Stats in
// rc.Stats (see GetStats) and returns an error if it is over a limit, in
// which case no resolver runs.
func (e *Extension) MutateOperationContext(_ context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	op := rc.Operation
	if op == nil && rc.Doc != nil {
		op = rc.Doc.Operations.ForName(rc.OperationName)
	}
	if op == nil {
		return nil // the executor reports a missing operation itself
	}
	s, err := Cost(rc.Doc, op, rc.Variables, e.cfg)
	rc.Stats.SetExtension(ExtensionName, &s)
	if err != nil {
		gerr := gqlerror.Errorf("%s", err)
		gerr.Extensions = map[string]any{"code": CodeInvalid}
		return gerr
	}
	return e.cfg.Check(s)
}

// Check returns the error for the first limit s is over, in the order
// depth, introspection nesting, aliases, directives, cost; or nil.
func (c Config) Check(s Stats) *gqlerror.Error {
	switch {
	case over(s.Depth, c.MaxDepth):
		return limitError(CodeDepth, "depth", s.Depth, c.MaxDepth)
	case over(s.IntrospectionNesting, c.MaxIntrospectionNesting):
		return limitError(CodeDepth, "introspection nesting", s.IntrospectionNesting, c.MaxIntrospectionNesting)
	case over(s.Aliases, c.MaxAliases):
		return limitError(CodeAlias, "number of aliases", s.Aliases, c.MaxAliases)
	case over(s.Directives, c.MaxDirectives):
		return limitError(CodeDirective, "number of directives", s.Directives, c.MaxDirectives)
	case over(s.Cost, c.MaxCost):
		return limitError(CodeComplexity, "cost", s.Cost, c.MaxCost)
	}
	return nil
}

func over(v, limit int) bool { return limit > 0 && v > limit }

func limitError(code, what string, value, limit int) *gqlerror.Error {
	e := gqlerror.Errorf("the operation's %s is %d, over the limit of %d", what, value, limit)
	e.Extensions = map[string]any{"code": code, "limit": limit, "value": value}
	return e
}

// GetStats returns the Stats the extension recorded for the operation of
// ctx, or nil if it did not run (for metrics and logs: call it from an
// AroundOperations or AroundResponses middleware).
func GetStats(ctx context.Context) *Stats {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	s, _ := graphql.GetOperationContext(ctx).Stats.GetExtension(ExtensionName).(*Stats)
	return s
}

// String formats s for logs.
func (s Stats) String() string {
	return fmt.Sprintf("cost=%d depth=%d aliases=%d directives=%d introspectionNesting=%d steps=%d",
		s.Cost, s.Depth, s.Aliases, s.Directives, s.IntrospectionNesting, s.Steps)
}
