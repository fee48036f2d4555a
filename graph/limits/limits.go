// Package limits is a gqlgen handler extension that rejects hostile
// operations after parsing and validation and before any resolver runs,
// and holds the response of an operation it let run to a budget.
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
//   - cost (MaxCost): an estimate of the most objects the operation can
//     return, by the model below, from the graph's own statistics.
//
// Cost model. An object is a value of an object or interface type in the
// response: an entity, a connection, an edge, a page info, a fact, a
// source, a document, a search result, the payload of a mutation. Scalar
// and enum values are not objects (how many an object holds is bounded by
// the document, whose tokens the server limits); the root is not one.
// The estimate is
//
//	objects(field) = n(field) × (1 + objects(its selection))
//
// for every field whose values are objects, and 0 for the others, summed
// over a selection set, where n(field) is the most values the field gives
// one object: 1 for a single value, a list's most elements. A Graph says
// what n is for each field (see Graph and Bound), from what it knows of
// the data: a relation followed from an entity holds at most as many
// entities as the most any entity of that kind has (graph's CostModel
// reads those statistics from the store), and a page at most first or
// last items, so `parks(first: 50)` from a district whose kind has at
// most 4 parks counts 4, not 50. Without a Graph (Pages), only the pages
// bound a list: first or last as given, the largest page when refused,
// DefaultPageSize when neither is given; `ids` by its length (at most the
// largest page) and federation's `representations` by theirs; any other
// list of objects as the largest page.
//
// The estimate is an upper bound of the objects the executor resolves
// (what the runtime budget counts, see Extension), as long as the Graph's
// bounds are: fragments that apply only to another kind of entity than
// the one a selection is on count nothing, and of fragments on different
// object types (only one of which applies to any object) the largest
// counts. A fragment is measured once per kind of entity it is spread on,
// its objects kept as a linear function of the page it is spread under;
// skipped fields (@skip, @include) count as if they ran, and fields that
// gqlgen would merge count once per occurrence.
//
// Fields below __schema and __type count no objects: introspection is
// answered from the schema in memory, and its fan-out is bounded by
// MaxIntrospectionNesting instead.
//
// The walk is linear in the document: each fragment's measure is computed
// once (per entity kind) and reused at every spread, so the
// doubling-fragment document (F0 spreads F1 twice, F1 spreads F2 twice,
// ...) costs microseconds to measure although it expands to 2^levels
// fields. A fragment cycle (which validation rejects, but the walk does
// not rely on it) is an error, not a hang. All arithmetic saturates at
// math.MaxInt.
//
// The budget. What the estimate promises holds only as far as the
// statistics it was computed from: so while an operation runs, the
// executor counts the objects it resolves for each response, by the same
// measure, and a response that would pass MaxCost is stopped at the field
// where it would (see budget.go). Every response's extensions.cost holds
// the estimate, the objects counted and the limit (Figures); a refused
// operation's holds its estimate and no objects.
//
// The document's token count is not limited here: the server sets
// handler.Server.SetParserTokenLimit, which bounds the work of parsing and
// validation (gqlparser's overlapping-fields rule is quadratic) before this
// extension runs.
package limits

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
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

// budgetName is the key of an operation's budget in its graphql.Stats.
const budgetName = "OperationLimits.budget"

// CostExtension is the key of a response's figures (Figures) in its
// extensions.
const CostExtension = "cost"

// Config sets the limits. A zero or negative Max field turns its check off.
type Config struct {
	MaxDepth                int // selection depth, fragments expanded
	MaxAliases              int // aliased fields, fragments counted per spread
	MaxDirectives           int // directive uses, fragments counted per spread
	MaxCost                 int // objects: the estimate's limit, and the runtime budget
	MaxIntrospectionNesting int // nesting of fields/interfaces/possibleTypes/inputFields under introspection

	// DefaultPageSize is the page size of a connection given neither first
	// nor last; zero means 20, the resolvers' default.
	DefaultPageSize int
	// MaxPageSize is the largest page the resolvers serve; a larger or
	// negative first/last, or a longer ids list, counts as this. Zero means
	// 100, the resolvers' maximum.
	MaxPageSize int
	// Graph bounds the lists of the schema from what it knows of the
	// data; nil means Pages, which knows only page sizes.
	Graph Graph
}

// DefaultMaxCost is the default budget of one operation, in objects; see
// Default.
const DefaultMaxCost = 50_000

// Default returns the limits for production. What fits is any query a
// page of a frontend needs; what does not is a fan-out no page shows.
//
//   - MaxDepth 12: the playground's example (district → parks → companies
//     → labs → partners) is 10 deep; three hops along relations through
//     edges (entity relations edges node ×3, name) are 11. A 14-deep
//     query is a fan-out, not a question.
//   - MaxAliases 50: one alias per district and county of Chongqing (38)
//     in one request, with room. More is batching, which costs the same
//     split over requests and keeps each one bounded.
//   - MaxDirectives 50: @include/@skip on each optional field of a large
//     form-driven query is a few dozen; a thousand is an attack on the
//     validator and executor, not a query.
//   - MaxCost 50,000 objects (DefaultMaxCost): five full pages of 100
//     entities, each with 100 related entities (5 × 100 × 100 = 50,000),
//     or a page of 100 entities with 100 relations each and every
//     relation's entity and source (100 × (1 + 100 × 4) = 40,100). By the
//     seed's statistics the playground's example is estimated at 1,088
//     objects (it holds 52), at first: 50/100/50/50 as well; on a
//     generated graph of 100,000 entities at 6,322. At the 76 bytes an
//     object takes in tupu's answers, 50,000 are about 4 MB of JSON: the
//     most one answer should hold, whatever the graph; larger needs are
//     pages. docs/cost.md has the measurements.
//   - MaxIntrospectionNesting 2: what graphql-js allows; the standard
//     introspection query nests 1.
//   - DefaultPageSize 20 and MaxPageSize 100: the resolvers' (graph/paging.go).
func Default() Config {
	return Config{
		MaxDepth:                12,
		MaxAliases:              50,
		MaxDirectives:           50,
		MaxCost:                 DefaultMaxCost,
		MaxIntrospectionNesting: 2,
		DefaultPageSize:         20,
		MaxPageSize:             100,
	}
}

// Extension enforces a Config; use it with handler.Server.Use. Before an
// operation runs it measures it and refuses it when it is over a limit;
// while it runs it counts the objects the executor resolves for each
// response (see budget) and stops the response past MaxCost; and it
// writes both figures into every response's extensions.cost (see Figures).
type Extension struct {
	cfg Config
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = (*Extension)(nil)

// New returns an Extension enforcing c.
func New(c Config) *Extension {
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
// which case no resolver runs. Otherwise it puts the operation's budget
// in front of every field the executor resolves.
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
	if gerr := e.cfg.Check(s); gerr != nil {
		return gerr
	}
	b := &budget{stats: &s, limit: e.cfg.MaxCost}
	inner := rc.ResolverMiddleware
	rc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		return b.resolve(ctx, next, inner)
	}
	rc.Stats.SetExtension(budgetName, b)
	return nil
}

// InterceptResponse writes the operation's figures into the response's
// extensions.cost: the estimate, and the objects resolved for the
// response (zero when it was refused). For a subscription, each event is
// a response of its own, with a budget of its own and an estimate from
// the statistics as they are when it is sent.
func (e *Extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	rc := graphql.GetOperationContext(ctx)
	s, _ := rc.Stats.GetExtension(ExtensionName).(*Stats)
	if s == nil {
		return next(ctx) // refused before it was measured
	}
	b, _ := rc.Stats.GetExtension(budgetName).(*budget)
	event := b != nil && rc.Operation != nil && rc.Operation.Operation == ast.Subscription
	if event {
		if fresh, err := Cost(rc.Doc, rc.Operation, rc.Variables, e.cfg); err == nil {
			s.Cost = fresh.Cost
		}
		b.reset()
	}
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	if b != nil {
		s.Objects = b.objects()
	}
	if event && len(resp.Data) > 0 && string(resp.Data) != "null" && hasObjects(rc.Operation.SelectionSet) {
		// The event itself: the executor resolved the subscription's
		// field once, at subscribe time, not per event.
		s.Objects++
	}
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions[CostExtension] = Figures{Estimate: s.Cost, Objects: s.Objects, Limit: e.cfg.MaxCost}
	return resp
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
		return costError(s, c.MaxCost)
	}
	return nil
}

func over(v, limit int) bool { return limit > 0 && v > limit }

func limitError(code, what string, value, limit int) *gqlerror.Error {
	e := gqlerror.Errorf("the operation's %s is %d, over the limit of %d", what, value, limit)
	e.Extensions = map[string]any{"code": code, "limit": limit, "value": value}
	return e
}

// costError refuses an operation whose estimate is over the limit, naming
// the field that multiplies most.
func costError(s Stats, limit int) *gqlerror.Error {
	msg := fmt.Sprintf("the operation may return up to %s objects, over the limit of %s", count(s.Cost), count(limit))
	if s.Widest != "" {
		msg += fmt.Sprintf("; %s multiplies most (up to %s for each object above it): ask it for fewer items", s.Widest, count(s.WidestBy))
	}
	e := gqlerror.Errorf("%s", msg)
	e.Extensions = map[string]any{"code": CodeComplexity, "limit": limit, "value": s.Cost}
	if s.Widest != "" {
		e.Extensions["field"], e.Extensions["multiplier"] = s.Widest, s.WidestBy
	}
	return e
}

// count writes n with thousands separators; "more than can be counted"
// when it saturated.
func count(n int) string {
	if n == math.MaxInt {
		return "more than " + count(math.MaxInt64/10*10)
	}
	d := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
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
	return fmt.Sprintf("cost=%d depth=%d aliases=%d directives=%d introspectionNesting=%d steps=%d widest=%s×%d",
		s.Cost, s.Depth, s.Aliases, s.Directives, s.IntrospectionNesting, s.Steps, s.Widest, s.WidestBy)
}

// hasObjects reports whether a subscription's field (its one root field)
// has a selection: whether its events are objects.
func hasObjects(set ast.SelectionSet) bool {
	for _, sel := range set {
		if f, ok := sel.(*ast.Field); ok && !strings.HasPrefix(f.Name, "__") {
			return len(f.SelectionSet) > 0
		}
	}
	return false
}
