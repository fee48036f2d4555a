package limits

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/testserver"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"tupu"
)

var (
	schemaOnce sync.Once
	schema     *ast.Schema
	schemaErr  error
)

// tupuSchema is the real schema, loaded once.
func tupuSchema(tb testing.TB) *ast.Schema {
	tb.Helper()
	schemaOnce.Do(func() {
		var src []byte
		src, schemaErr = os.ReadFile("../../schema.graphql")
		if schemaErr == nil {
			schema, schemaErr = gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: string(src)})
		}
	})
	if schemaErr != nil {
		tb.Fatal(schemaErr)
	}
	return schema
}

// load parses and validates query against the real schema.
func load(tb testing.TB, query string) (*ast.QueryDocument, *ast.OperationDefinition) {
	tb.Helper()
	doc, errs := gqlparser.LoadQuery(tupuSchema(tb), query)
	if len(errs) > 0 {
		tb.Fatalf("invalid query: %v", errs)
	}
	return doc, doc.Operations[0]
}

func measureQuery(tb testing.TB, cfg Config, query string, vars map[string]any) Stats {
	tb.Helper()
	doc, op := load(tb, query)
	s, err := Cost(doc, op, vars, cfg)
	if err != nil {
		tb.Fatalf("Cost: %v", err)
	}
	return s
}

func readTestdata(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// exampleQuery is the playground's example (graph.ExampleQuery; a copy, since
// this package cannot import graph).
const exampleQuery = `query DistrictToPartners {
  entity(name: "渝北区") {
    ... on District {
      name
      nameEn
      facts(property: "gdp") {
        value
        unit
        period
        source { quote }
      }
      parks(first: 10) {
        totalCount
        nodes {
          name
          nameEn
          companies(first: 20) {
            totalCount
            nodes {
              name
              labs(first: 10) {
                nodes {
                  name
                  nameEn
                  partners(first: 10) {
                    nodes { name nameEn kind }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}`

// nestedQuery is graph_test.go's.
const nestedQuery = `query Nested {
  entity(name: "渝北区") {
    ... on District {
      name
      nameEn
      facts(property: "gdp") { value unit period source { quote document { key title } } }
      parks(first: 10) {
        totalCount
        nodes {
          name
          companies(first: 20) {
            totalCount
            nodes {
              name
              labs(first: 10) {
                nodes {
                  name
                  builder { name }
                  partners(first: 10) { totalCount nodes { name nameEn kind } }
                }
              }
            }
          }
        }
      }
    }
  }
}`

const hundredCubed = `{ districts(first: 100) { nodes { parks(first: 100) { nodes { companies(first: 100) { nodes { name } } } } } } }`

// fanOut returns entity { relations { nodes { relations { nodes ... name } } } },
// hops levels of relations (2 depth each) plus entity and name.
func fanOut(hops int) string {
	var b strings.Builder
	b.WriteString(`{ entity(key: "yubei-district") {`)
	for range hops {
		b.WriteString(` relations { nodes {`)
	}
	b.WriteString(` name`)
	for range hops {
		b.WriteString(` } }`)
	}
	b.WriteString(` } }`)
	return b.String()
}

// doubling returns the fragment chain F0 → 2×F1 → 4×F2 ... of levels
// levels ending in body: it expands to 2^levels copies of body.
func doubling(levels int, body string) string {
	var b strings.Builder
	b.WriteString("query Doubling { ...F0 }\n")
	for i := range levels {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { %s }\n", levels, body)
	return b.String()
}

func repeat(n int, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, " ")
}

func TestDefaultLimits(t *testing.T) {
	cfg := Default()
	// The playground example, by Pages (no statistics): facts count as
	// the largest page, every connection as the page asked for.
	partners := 1 + 10               // partners(first: 10) { nodes }
	labs := 1 + 10*(1+partners)      // labs(first: 10) { nodes { partners } }
	companies := 1 + 20*(1+labs)     // companies(first: 20) { nodes { labs } }
	parks := 1 + 10*(1+companies)    // parks(first: 10) { nodes { companies } }
	example := 1 + 100*(1+1) + parks // entity { facts { source } parks }
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		code  string // "" means the operation passes
		stats *Stats // if set, the exact measure (Steps and Widest ignored)
	}{
		{name: "playground example", query: exampleQuery,
			stats: &Stats{Cost: example, Depth: 10}},
		{name: "graph_test nested query", query: nestedQuery},
		{name: "three levels of first:100", query: hundredCubed, code: CodeComplexity,
			stats: &Stats{Cost: 1 + 100*(2+100*(2+100)), Depth: 7}},
		{name: "three levels of first:$n, n=100", code: CodeComplexity,
			query: `query($n: Int) { districts(first: $n) { nodes { parks(first: $n) { nodes { companies(first: $n) { nodes { name } } } } } } }`,
			vars:  map[string]any{"n": 100}, stats: &Stats{Cost: 1 + 100*(2+100*(2+100)), Depth: 7}},
		{name: "three levels of first:$n, n=10",
			query: `query($n: Int) { districts(first: $n) { nodes { parks(first: $n) { nodes { companies(first: $n) { nodes { name } } } } } } }`,
			vars:  map[string]any{"n": 10}, stats: &Stats{Cost: 1 + 10*(2+10*(2+10)), Depth: 7}},
		{name: "last:$n as json.Number",
			query: `query($n: Int) { districts(last: $n) { nodes { name } } }`,
			vars:  map[string]any{"n": json.Number("7")}, stats: &Stats{Cost: 1 + 7, Depth: 3}},
		{name: "variable absent: its default",
			query: `query($n: Int = 5) { districts(first: $n) { nodes { name } } }`,
			stats: &Stats{Cost: 1 + 5, Depth: 3}},
		{name: "variable null: DefaultPageSize",
			query: `query($n: Int = 5) { districts(first: $n) { nodes { name } } }`,
			vars:  map[string]any{"n": nil}, stats: &Stats{Cost: 1 + 20, Depth: 3}},
		{name: "no first or last: DefaultPageSize",
			query: `{ districts { totalCount nodes { name } } }`,
			stats: &Stats{Cost: 1 + 20, Depth: 3}},
		{name: "negative first counts as 100",
			query: `{ districts(first: -1) { nodes { name } } }`,
			stats: &Stats{Cost: 1 + 100, Depth: 3}},
		{name: "absurd first counts as 100",
			query: `{ districts(first: 2000000000) { nodes { name } } }`,
			stats: &Stats{Cost: 1 + 100, Depth: 3}},
		{name: "first and last: the larger",
			query: `{ districts(first: 3, last: 9) { nodes { name } } }`,
			stats: &Stats{Cost: 1 + 9, Depth: 3}},
		{name: "first:0: the connection alone",
			query: `{ districts(first: 0) { totalCount pageInfo { hasNextPage } nodes { name } } }`,
			stats: &Stats{Cost: 1 + 1, Depth: 3}},
		{name: "edges and nodes: an object per item each, and the edge's node",
			query: `{ districts(first: 4) { edges { cursor node { name } } nodes { name } } }`,
			stats: &Stats{Cost: 1 + 4*2 + 4, Depth: 4}},
		{name: "paths' first: the schema's default",
			query: `{ paths(from: "a", to: "b") { length } }`,
			stats: &Stats{Cost: 10, Depth: 2}},
		{name: "nodes(ids:) by the list's length",
			query: `{ nodes(ids: ["a", "b", "c"]) { id ... on Entity { name } } }`,
			stats: &Stats{Cost: 3, Depth: 2}},
		{name: "nodes(ids: $ids)",
			query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
			vars:  map[string]any{"ids": []any{"a", "b", "c", "d"}},
			stats: &Stats{Cost: 4, Depth: 2}},
		{name: "a list nothing bounds counts as the largest page; fragments on object types are alternatives",
			query: `{ entity(key: "k") { facts { value } ... on District { facts { unit } aliases } ... on Park { facts { period } } } }`,
			stats: &Stats{Cost: 1 + 100 + 100, Depth: 3}},
		{name: "scalars are not objects", query: `{ entity(key: "k") { name nameEn aliases kind } }`,
			stats: &Stats{Cost: 1, Depth: 2}},
		{name: "14-deep fan-out", query: fanOut(6), code: CodeDepth},
		{name: "12-deep relations is not over depth but over cost", query: fanOut(5), code: CodeComplexity},
		{name: "two hops of relations pass", query: fanOut(2)},
		{name: "depth counts fragments where they are spread",
			query: `{ entity(key: "k") { ...R } } fragment R on Entity { relations { nodes { ...R2 } } } fragment R2 on Entity { relations { nodes { relations(first: 1) { nodes { relations(first: 1) { nodes { relations(first: 1) { nodes { relations(first: 1) { nodes { name } } } } } } } } } } }`,
			code:  CodeDepth},
		{name: "60 aliases", code: CodeAlias,
			query: "{ " + repeat(60, func(i int) string { return fmt.Sprintf("a%d: kinds { kind }", i) }) + " }"},
		{name: "aliases counted per spread", code: CodeAlias,
			query: `{ a: entity(key: "a") { ...A } b: entity(key: "b") { ...A } c: entity(key: "c") { ...A } d: entity(key: "d") { ...A } e: entity(key: "e") { ...A } }
				fragment A on Entity { ` + repeat(10, func(i int) string { return fmt.Sprintf("n%d: name", i) }) + ` }`,
			stats: &Stats{Aliases: 5 + 5*10, Cost: 5, Depth: 2, Directives: 0}},
		{name: "40 aliases pass",
			query: "{ " + repeat(40, func(i int) string { return fmt.Sprintf("d%d: entity(key: \"k%d\") { name }", i, i) }) + " }"},
		{name: "1000 directives", code: CodeDirective,
			query: "{ " + repeat(1000, func(int) string { return "__typename @include(if: true)" }) + " }"},
		{name: "directives on spreads and in fragments, per spread", code: CodeDirective,
			query: "{ " + repeat(26, func(int) string { return "...Q @skip(if: false)" }) + " } fragment Q on Query { __typename @include(if: true) }",
			stats: &Stats{Cost: 0, Depth: 1, Directives: 52}},
		{name: "doubling fragments, 30 levels", query: doubling(30, `entity(key: "k") { name }`), code: CodeComplexity,
			stats: &Stats{Cost: 1 << 30, Depth: 2}},
		{name: "doubling fragments, 70 levels saturate", query: doubling(70, "kinds { kind }"), code: CodeComplexity,
			stats: &Stats{Cost: math.MaxInt, Depth: 2}},
		{name: "doubling fragments with an alias", query: doubling(30, "t: __typename"), code: CodeAlias,
			stats: &Stats{Cost: 0, Depth: 1, Aliases: 1 << 30}},
		{name: "GraphiQL introspection", query: readTestdata(t, "graphiql_introspection.graphql"),
			stats: &Stats{Cost: 0, Depth: 1, IntrospectionNesting: 1}},
		{name: "full introspection", query: readTestdata(t, "introspection_full.graphql")},
		{name: "introspection nesting 2 passes",
			query: `{ __schema { types { fields { type { fields { name } } } } } }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, op := load(t, tt.query)
			start := time.Now()
			s, err := Cost(doc, op, tt.vars, cfg)
			elapsed := time.Since(start)
			if err != nil {
				t.Fatalf("Cost: %v", err)
			}
			if elapsed > 100*time.Millisecond {
				t.Errorf("Cost took %v", elapsed)
			}
			// The walk is linear: a visit per selection written (twice at
			// most, inside and outside introspection).
			if n := countSelections(doc); s.Steps > 2*n {
				t.Errorf("the walk took %d steps over %d selections", s.Steps, n)
			}
			if tt.stats != nil {
				got := s
				got.Steps, got.Widest, got.WidestBy = 0, "", 0
				if got != *tt.stats {
					t.Errorf("stats %+v, want %+v", got, *tt.stats)
				}
			}
			gerr := cfg.Check(s)
			switch {
			case tt.code == "" && gerr != nil:
				t.Errorf("rejected (%s): %v", s, gerr)
			case tt.code != "" && gerr == nil:
				t.Errorf("passed (%s), want %s", s, tt.code)
			case tt.code != "" && gerr.Extensions["code"] != tt.code:
				t.Errorf("code %v (%v), want %s", gerr.Extensions["code"], gerr, tt.code)
			}
			t.Logf("%s in %v", s, elapsed)
		})
	}
}

// countSelections counts the selections written in doc.
func countSelections(doc *ast.QueryDocument) int {
	var count func(ast.SelectionSet) int
	count = func(set ast.SelectionSet) int {
		n := len(set)
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				n += count(sel.SelectionSet)
			case *ast.InlineFragment:
				n += count(sel.SelectionSet)
			}
		}
		return n
	}
	n := 0
	for _, op := range doc.Operations {
		n += count(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		n += count(f.SelectionSet)
	}
	return n
}

func TestErrorShape(t *testing.T) {
	doc, op := load(t, hundredCubed)
	s, err := Cost(doc, op, nil, Default())
	if err != nil {
		t.Fatal(err)
	}
	gerr := Default().Check(s)
	if gerr == nil {
		t.Fatal("passed")
	}
	if want := "the operation may return up to 1,020,201 objects, over the limit of 50,000; districts multiplies most (up to 100 for each object above it): ask it for fewer items"; gerr.Message != want {
		t.Errorf("message %q, want %q", gerr.Message, want)
	}
	want := map[string]any{"code": "COMPLEXITY_LIMIT", "limit": 50000, "value": 1020201, "field": "districts", "multiplier": 100}
	if fmt.Sprint(gerr.Extensions) != fmt.Sprint(want) {
		t.Errorf("extensions %v, want %v", gerr.Extensions, want)
	}
	if CodeComplexity != string(tupu.ComplexityLimit) {
		t.Errorf("CodeComplexity %q differs from tupu.ComplexityLimit %q", CodeComplexity, tupu.ComplexityLimit)
	}
}

func TestZeroLimitsAreOff(t *testing.T) {
	s := measureQuery(t, Config{}, hundredCubed, nil)
	if gerr := (Config{}).Check(s); gerr != nil {
		t.Errorf("zero Config rejected: %v", gerr)
	}
}

// TestFragmentCycle runs Cost on documents validation would reject: it must
// neither hang nor recurse without end.
func TestFragmentCycle(t *testing.T) {
	for name, query := range map[string]string{
		"self":             `{ ...A } fragment A on Query { __typename ...A }`,
		"two":              `{ ...A } fragment A on Query { ...B } fragment B on Query { kinds { kind } ...A }`,
		"in introspection": `{ __schema { types { ...T } } } fragment T on __Type { name fields { type { ...T } } }`,
	} {
		t.Run(name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: query})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Cost(doc, doc.Operations[0], nil, Default()); !errors.Is(err, ErrFragmentCycle) {
				t.Errorf("err %v, want ErrFragmentCycle", err)
			}
		})
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: `{ ...Missing }`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Cost(doc, doc.Operations[0], nil, Default()); err == nil {
		t.Error("unknown fragment: no error")
	}
}

// TestUnvalidated: without field definitions, given first/last still count.
func TestUnvalidated(t *testing.T) {
	doc, err := parser.ParseQuery(&ast.Source{Input: hundredCubed})
	if err != nil {
		t.Fatal(err)
	}
	s, cerr := Cost(doc, doc.Operations[0], nil, Default())
	if cerr != nil || s.Cost != 1020201 {
		t.Errorf("Cost = %d, %v; want 1020201", s.Cost, cerr)
	}
}

// TestIntrospectionNesting: gqlparser's validation rejects these already
// (its MaxIntrospectionDepth rule); Cost measures them on its own too.
func TestIntrospectionNesting(t *testing.T) {
	for _, tt := range []struct {
		query string
		want  int
	}{
		{`{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`, 3},
		{`{ __type(name: "District") { ...T } } fragment T on __Type { interfaces { possibleTypes { inputFields { name } } } }`, 3},
		{`{ __schema { types { fields { type { fields { name } } } } } }`, 2},
		{readTestdata(t, "graphiql_introspection.graphql"), 1},
	} {
		doc, err := parser.ParseQuery(&ast.Source{Input: tt.query})
		if err != nil {
			t.Fatal(err)
		}
		s, cerr := Cost(doc, doc.Operations[0], nil, Default())
		if cerr != nil || s.IntrospectionNesting != tt.want {
			t.Errorf("%.60s: nesting %d, %v; want %d", tt.query, s.IntrospectionNesting, cerr, tt.want)
		}
		gerr := Default().Check(s)
		if (tt.want > 2) != (gerr != nil && gerr.Extensions["code"] == CodeDepth) {
			t.Errorf("%.60s: Check = %v", tt.query, gerr)
		}
	}
}

// TestFragmentDefinitionDirectives: a directive on a fragment definition
// (only custom ones may go there) counts once per spread.
func TestFragmentDefinitionDirectives(t *testing.T) {
	doc, err := parser.ParseQuery(&ast.Source{Input: `query Q($v: Int @d) @d { ...F ...F @d ...F } fragment F on Query @d @e { __typename }`})
	if err != nil {
		t.Fatal(err)
	}
	s, cerr := Cost(doc, doc.Operations[0], nil, Default())
	if cerr != nil || s.Directives != 2+3*2+1 {
		t.Errorf("directives %d, %v; want 9", s.Directives, cerr)
	}
}

func TestSaturating(t *testing.T) {
	if satAdd(math.MaxInt, 1) != math.MaxInt || satAdd(math.MaxInt-1, 1) != math.MaxInt || satAdd(2, 3) != 5 {
		t.Error("satAdd")
	}
	if satMul(math.MaxInt/2+1, 2) != math.MaxInt || satMul(0, math.MaxInt) != 0 || satMul(6, 7) != 42 {
		t.Error("satMul")
	}
}

// post sends query to h and decodes the response.
func post(t *testing.T, h http.Handler, query string, vars map[string]any) (int, struct {
	Data   json.RawMessage `json:"data"`
	Errors gqlerror.List   `json:"errors"`
}) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors gqlerror.List   `json:"errors"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("%v: %s", err, w.Body)
	}
	return w.Code, resp
}

// TestTestServer wires the extension into gqlgen's test server: the error
// reaches the response with its code, limit and value, and a rejected
// operation runs no resolver.
func TestTestServer(t *testing.T) {
	srv := testserver.New()
	srv.AddTransport(transport.POST{})
	srv.Use(New(Config{MaxAliases: 1, MaxDirectives: 2, MaxCost: 3}))
	var resolved atomic.Int32
	srv.AroundFields(func(ctx context.Context, next graphql.Resolver) (any, error) {
		resolved.Add(1)
		return next(ctx)
	})
	var costs []int
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		if s := GetStats(ctx); s != nil {
			costs = append(costs, s.Cost)
		}
		return next(ctx)
	})

	for _, tt := range []struct {
		query, code string
		limit, val  float64
	}{
		{`{ a: name b: name }`, CodeAlias, 1, 2},
		{`{ name @include(if: true) @skip(if: false) n: name @include(if: true) }`, CodeDirective, 2, 3},
		{`{ name n: name m: find(id: 1) x: name }`, CodeAlias, 1, 3},
	} {
		status, resp := post(t, srv, tt.query, nil)
		if len(resp.Errors) != 1 {
			t.Fatalf("%s: errors %v", tt.query, resp.Errors)
		}
		ext := resp.Errors[0].Extensions
		if ext["code"] != tt.code || ext["limit"] != tt.limit || ext["value"] != tt.val {
			t.Errorf("%s: extensions %v, want code %s limit %v value %v", tt.query, ext, tt.code, tt.limit, tt.val)
		}
		if status != http.StatusUnprocessableEntity || (len(resp.Data) > 0 && string(resp.Data) != "null") {
			t.Errorf("%s: status %d, data %s", tt.query, status, resp.Data)
		}
		t.Logf("%d %s", status, resp.Errors[0].Message)
	}
	if n := resolved.Load(); n != 0 {
		t.Errorf("rejected operations ran %d resolvers", n)
	}

	status, resp := post(t, srv, `{ name }`, nil)
	if status != http.StatusOK || len(resp.Errors) != 0 || string(resp.Data) != `{"name":"test"}` {
		t.Errorf("{ name }: %d %s %v", status, resp.Data, resp.Errors)
	}
	if n := resolved.Load(); n != 1 {
		t.Errorf("the accepted operation ran %d resolvers, want 1", n)
	}
	// Metrics see the stats of rejected operations too. (This schema
	// has no objects: every cost is 0.)
	if fmt.Sprint(costs) != "[0 0 0 0]" {
		t.Errorf("GetStats in AroundResponses saw costs %v, want [0 0 0 0]", costs)
	}
}

// TestRealSchemaHandler serves the real schema through gqlgen's handler with
// the default limits and the server's token limit; the executable schema is
// a mock that counts executions, since resolvers need a store.
func TestRealSchemaHandler(t *testing.T) {
	var executed atomic.Int32
	srv := handler.New(&graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return tupuSchema(t) },
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			executed.Add(1)
			return graphql.OneShot(&graphql.Response{Data: []byte(`{}`)})
		},
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 0, false
		},
	})
	srv.AddTransport(transport.POST{})
	srv.SetParserTokenLimit(5000)
	srv.Use(New(Default()))

	for _, tt := range []struct {
		name, query string
		vars        map[string]any
		code        string
	}{
		{"example", exampleQuery, nil, ""},
		{"graphiql introspection", readTestdata(t, "graphiql_introspection.graphql"), nil, ""},
		{"first:100 ×3", hundredCubed, nil, CodeComplexity},
		{"first:$n ×3 with n=100 from JSON",
			`query($n: Int) { districts(first: $n) { nodes { parks(first: $n) { nodes { companies(first: $n) { nodes { name } } } } } } }`,
			map[string]any{"n": 100}, CodeComplexity},
		{"first:$n ×3 with n=10 from JSON",
			`query($n: Int) { districts(first: $n) { nodes { parks(first: $n) { nodes { companies(first: $n) { nodes { name } } } } } } }`,
			map[string]any{"n": 10}, ""},
		{"fan-out", fanOut(6), nil, CodeDepth},
		{"doubling fragments", doubling(30, `entity(key: "k") { name }`), nil, CodeComplexity},
		{"directives", "{ " + repeat(300, func(int) string { return "__typename @include(if: true)" }) + " }", nil, CodeDirective},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := executed.Load()
			start := time.Now()
			status, resp := post(t, srv, tt.query, tt.vars)
			elapsed := time.Since(start)
			ran := executed.Load() != before
			if tt.code == "" {
				if status != http.StatusOK || len(resp.Errors) != 0 || !ran {
					t.Errorf("status %d, errors %v, executed %v", status, resp.Errors, ran)
				}
			} else {
				if len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != tt.code {
					t.Errorf("errors %v, want one %s", resp.Errors, tt.code)
				}
				if ran {
					t.Error("the rejected operation was executed")
				}
			}
			t.Logf("HTTP %d in %v (parse, validation, limits)", status, elapsed)
		})
	}
}

func BenchmarkCost(b *testing.B) {
	for _, bm := range []struct{ name, query string }{
		{"example", exampleQuery},
		{"doubling30", doubling(30, "__typename")},
		{"graphiql_introspection", readTestdata(b, "graphiql_introspection.graphql")},
		{"directives1000", "{ " + repeat(1000, func(int) string { return "__typename @include(if: true)" }) + " }"},
	} {
		doc, op := load(b, bm.query)
		cfg := Default()
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Cost(doc, op, nil, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fakeGraph bounds a few fields by kind, as statistics would: a district
// has at most 4 parks, a park at most 3 companies; an entity's relations
// and facts depend on its kind.
type fakeGraph struct{}

func (fakeGraph) Kind(typ string) string {
	return map[string]string{"District": "DISTRICT", "Park": "PARK", "Company": "COMPANY"}[typ]
}

func (fakeGraph) Bound(s Scope, f Field) Bound {
	switch f.Object() + "." + f.Name() {
	case "District.parks":
		return Bound{N: 1, Child: Scope{Kind: "PARK", Items: min(f.Page(), 4)}}
	case "Park.companies":
		return Bound{N: 1, Child: Scope{Kind: "COMPANY", Items: min(f.Page(), 3)}}
	case "Query.entities":
		k, _ := f.String("kind")
		return Bound{N: 1, Child: Scope{Kind: k, Items: f.Page()}}
	}
	if f.Implements("Entity") {
		switch f.Name() {
		case "relations":
			fanout := map[string]int{"DISTRICT": 7, "PARK": 2, "COMPANY": 5, "": 9}[s.Kind]
			return Bound{N: 1, Child: Scope{Items: min(f.Page(), fanout)}}
		case "facts":
			return Bound{N: map[string]int{"DISTRICT": 11, "": 13}[s.Kind]}
		}
	}
	return Pages{}.Bound(s, f)
}

func TestGraph(t *testing.T) {
	cfg := Default()
	cfg.Graph = fakeGraph{}
	for _, tt := range []struct {
		name, query string
		cost        int
		widest      string
		widestBy    int
	}{
		{"a page of 50 over a relation of at most 4 counts 4",
			`{ districts(first: 1) { nodes { parks(first: 50) { nodes { name } } } } }`,
			1 + 1*(1+1+4), "districts.nodes.parks", 4},
		{"a smaller page counts its size",
			`{ districts(first: 1) { nodes { parks(first: 2) { nodes { name } } } } }`,
			1 + 1*(1+1+2), "districts.nodes.parks", 2},
		{"the kind of a typed entity selects its statistics",
			`{ districts(first: 2) { nodes { relations(first: 100) { nodes { name } } facts { value } } } }`,
			1 + 2*(1+(1+7)+11), "districts.nodes.facts", 11},
		{"an entity of no known kind takes the most of any kind",
			`{ entity(key: "k") { relations(first: 100) { nodes { name } } facts { value } } }`,
			1 + (1 + 9) + 13, "entity.facts", 13},
		{"an inline fragment narrows the kind",
			`{ entity(key: "k") { ... on District { relations(first: 100) { nodes { name } } } } }`,
			1 + (1 + 7), "entity.relations", 7},
		{"a fragment on another kind counts nothing there",
			`{ entities(kind: PARK, first: 3) { nodes { ... on District { relations(first: 100) { nodes { name } } } } } }`,
			1 + 3, "entities", 3},
		{"of fragments on several object types, the largest counts",
			`{ entity(key: "k") { ... on District { relations { nodes { name } } } ... on Park { relations { nodes { name } } } } }`,
			1 + (1 + 7), "entity.relations", 7},
		{"one fragment, spread on entities of two kinds, counts each kind's",
			`{ districts(first: 2) { nodes { ...R parks(first: 10) { nodes { ...R } } } } }
			 fragment R on Entity { relations(first: 50) { nodes { name } } }`,
			1 + 2*(1+(1+7)+(1+4*(1+(1+2)))), "districts.nodes.relations", 7},
		{"one connection fragment, spread under two pages, counts each page",
			`{ districts(first: 1) { nodes { a: parks(first: 1) { ...P } b: parks(first: 3) { ...P } } } }
			 fragment P on ParkConnection { totalCount nodes { name companies { nodes { name } } } }`,
			1 + 1*(1+(1+1*(1+1+3))+(1+3*(1+1+3))), "districts.nodes.a.nodes.companies", 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := measureQuery(t, cfg, tt.query, nil)
			if s.Cost != tt.cost || s.Widest != tt.widest || s.WidestBy != tt.widestBy {
				t.Errorf("cost %d, widest %s by %d; want %d, %s by %d", s.Cost, s.Widest, s.WidestBy, tt.cost, tt.widest, tt.widestBy)
			}
		})
	}
}

func TestFigures(t *testing.T) {
	b, err := json.Marshal(map[string]any{"cost": Figures{Estimate: 1088, Objects: 52, Limit: 50000}})
	if err != nil || string(b) != `{"cost":{"estimate":1088,"objects":52,"limit":50000}}` {
		t.Errorf("%s, %v", b, err)
	}
	type entity struct{}
	var none *entity
	for _, tt := range []struct {
		v    any
		want int
	}{{&entity{}, 1}, {none, 0}, {[]*entity{{}, nil, {}}, 3}, {[]entity{}, 0}, {"scalar", 1}} {
		if got := objects(tt.v); got != tt.want {
			t.Errorf("objects(%#v) = %d, want %d", tt.v, got, tt.want)
		}
	}
}

// TestGraph_linear: a fragment is walked once per kind it is spread on,
// however often, so a doubling chain spread on entities of three kinds
// is still measured in a few steps per selection.
func TestGraph_linear(t *testing.T) {
	cfg := Default()
	cfg.Graph = fakeGraph{}
	var b strings.Builder
	b.WriteString(`{ entity(key: "k") { ...F0 } districts { nodes { ...F0 parks { nodes { ...F0 } } } } }`)
	for i := range 40 {
		fmt.Fprintf(&b, "\nfragment F%d on Entity { name ...F%d ...F%d }", i, i+1, i+1)
	}
	b.WriteString("\nfragment F40 on Entity { relations(first: 1) { nodes { name } } }")
	doc, op := load(t, b.String())
	start := time.Now()
	s, err := Cost(doc, op, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := countSelections(doc); s.Steps > 3*2*n {
		t.Errorf("%d steps over %d selections, spread on 3 kinds", s.Steps, n)
	}
	if s.Cost < 1<<40 || time.Since(start) > 100*time.Millisecond {
		t.Errorf("cost %d in %v", s.Cost, time.Since(start))
	}
}
