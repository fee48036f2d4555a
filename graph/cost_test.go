package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"tupu/graph"
	"tupu/graph/limits"
	"tupu/httpapi"
	"tupu/httpapi/apitest"
	"tupu/synth"
)

// nestedPages is the playground's example query with other page sizes:
// parks, companies, labs, partners.
func nestedPages(parks, companies, labs, partners int) string {
	q := graph.ExampleQuery
	for _, r := range []struct {
		field string
		n     int
	}{{"parks", parks}, {"companies", companies}, {"labs", labs}, {"partners", partners}} {
		i := strings.Index(q, r.field+"(first: ")
		j := strings.Index(q[i:], ")")
		q = q[:i] + fmt.Sprintf("%s(first: %d", r.field, r.n) + q[i+j:]
	}
	return q
}

// TestCost_seedAnswersFrontendPages: with the default limits, the nested
// query from 渝北区 to the labs' partners answers at the page sizes a
// frontend writes, the largest included: the statistics of the seed bound
// each relation far below its page.
func TestCost_seedAnswersFrontendPages(t *testing.T) {
	s := apitest.Serve(t, httpapi.Options{})
	for _, p := range [][4]int{{10, 20, 10, 10}, {20, 50, 20, 20}, {50, 100, 50, 50}, {100, 100, 100, 100}} {
		q := nestedPages(p[0], p[1], p[2], p[3])
		var out struct {
			Entity struct {
				Parks struct {
					Nodes []struct {
						Companies struct {
							Nodes []struct{ Name string }
						}
					}
				}
			}
		}
		s.MustQuery(t, q, nil, &out)
		companies := 0
		for _, p := range out.Entity.Parks.Nodes {
			companies += len(p.Companies.Nodes)
		}
		if companies == 0 {
			t.Errorf("first: %v: no companies in %+v", p, out)
		}
	}
}

// TestCost_fanOutRefused: on a generated graph, fan-out queries with
// first: 100 at every level are refused before anything is read, with a
// short answer that names the field that multiplies most; on the seed too.
// How fast they are refused is the harness's to measure (tupubench W6, on
// 100,000 entities: docs/cost.md), not a timer's in a test.
func TestCost_fanOutRefused(t *testing.T) {
	generated := apitest.ServeLoaded(t, httpapi.Options{}, synth.Source(synth.Options{Entities: 3000, Seed: 1}))
	seeded := apitest.Serve(t, httpapi.Options{})
	fanOut, deep := graph.FanOutQuery(6), graph.RelationsOfRelationsQuery
	for _, tt := range []struct {
		name  string
		s     *apitest.Server
		query string
	}{
		{"generated, six levels", generated, fanOut},
		{"generated, three levels to names", generated, deep},
		{"seed, six levels", seeded, fanOut},
		{"seed, three levels to names", seeded, deep},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reads := tt.s.Store.ReadTransactions()
			r := tt.s.Post(t, tt.query, nil)
			if r.Code() != "COMPLEXITY_LIMIT" || r.Status != http.StatusOK {
				t.Fatalf("HTTP %d, %s", r.Status, r.Raw)
			}
			if n := tt.s.Store.ReadTransactions() - reads; n != 0 {
				t.Errorf("the refused query read the store %d times", n)
			}
			if len(r.Raw) >= 8<<10 {
				t.Errorf("the refusal is %d bytes, want under 8 KB", len(r.Raw))
			}
			ext := r.Errors[0].Extensions
			if ext["field"] == nil || ext["multiplier"] == nil || !strings.Contains(r.Errors[0].Message, fmt.Sprint(ext["field"])) {
				t.Errorf("the refusal names no field: %s", r.Raw)
			}
			var pretty bytes.Buffer
			json.Indent(&pretty, r.Raw, "", "  ")
			t.Logf("refused, %d bytes:\n%s", len(r.Raw), pretty.Bytes())
		})
	}
}

// costFigures reads a response's extensions.cost.
func costFigures(tb testing.TB, r *apitest.Response) (estimate, objects, limit int) {
	tb.Helper()
	var ext struct {
		Extensions struct {
			Cost *struct{ Estimate, Objects, Limit int }
		}
	}
	if err := json.Unmarshal(r.Raw, &ext); err != nil || ext.Extensions.Cost == nil {
		tb.Fatalf("no extensions.cost in %s", r.Raw)
	}
	c := ext.Extensions.Cost
	return c.Estimate, c.Objects, c.Limit
}

// TestCost_figures: every answer says what it was estimated at and how
// many objects it holds (a cached answer the figures it was computed
// with); a refusal, its estimate and no objects.
func TestCost_figures(t *testing.T) {
	s := apitest.Serve(t, httpapi.Options{})
	r := s.Post(t, graph.ExampleQuery, nil)
	estimate, objects, limit := costFigures(t, r)
	// The objects of the example's answer, counted from its JSON: every
	// JSON object below data.
	var data any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatal(err)
	}
	var count func(any) int
	count = func(v any) int {
		n := 0
		switch v := v.(type) {
		case map[string]any:
			n++
			for _, x := range v {
				n += count(x)
			}
		case []any:
			for _, x := range v {
				n += count(x)
			}
		}
		return n
	}
	if want := count(data) - 1; objects != want {
		t.Errorf("%d objects counted, the answer holds %d", objects, want)
	}
	if estimate < objects || limit != 50_000 {
		t.Errorf("estimate %d, objects %d, limit %d", estimate, objects, limit)
	}
	t.Logf("the example: estimate %d, %d objects", estimate, objects)
	again := s.Post(t, graph.ExampleQuery, nil)
	if e, o, l := costFigures(t, again); e != estimate || o != objects || l != limit {
		t.Errorf("a second (cached) answer: %d, %d, %d", e, o, l)
	}
	refused := s.Post(t, graph.FanOutQuery(6), nil)
	e, o, l := costFigures(t, refused)
	if o != 0 || l != 50_000 || e != int(refused.Errors[0].Extensions["value"].(float64)) {
		t.Errorf("a refusal's figures: %d, %d, %d; error %v", e, o, l, refused.Errors[0].Extensions)
	}
}

// lowball is a cost model that believes every list holds one item, as
// statistics the graph has outgrown would.
type lowball struct{}

func (lowball) Bound(s limits.Scope, f limits.Field) limits.Bound {
	return limits.Bound{N: 1, Child: limits.Scope{Items: 1}}
}

func (lowball) Kind(string) string { return "" }

// TestCost_budgetStops: when the estimate falls short (here a model that
// believes every list holds one item), the executor stops the response
// once it would pass the budget: the field where it ran out, and every
// field of objects after it, is null with COMPLEXITY_LIMIT (the first
// error says where), null propagates as GraphQL has it (here up to the
// root field, since connections are non-null), the data resolved before
// stays, and the answer holds no more objects than the budget.
func TestCost_budgetStops(t *testing.T) {
	s := apitest.SeededStore(t, filepath.Join(t.TempDir(), "tupu.db"))
	cfg := limits.Default()
	cfg.MaxCost, cfg.Graph = 20, lowball{}
	h, err := httpapi.New(s, httpapi.Options{Limits: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	query := strings.Replace(graph.ExampleQuery, `entity(name: "渝北区")`, `first: entity(key: "qualcomm") { name } second: entity(name: "渝北区")`, 1)
	body, _ := json.Marshal(map[string]string{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	r := &apitest.Response{Status: w.Code, Raw: w.Body.Bytes()}
	if err := json.Unmarshal(r.Raw, r); err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusOK || r.Code() != "COMPLEXITY_LIMIT" {
		t.Fatalf("HTTP %d: %s", r.Status, r.Raw)
	}
	first := r.Errors[0]
	if len(first.Path) == 0 || !strings.Contains(first.Message, "passed its budget of 20 objects at second.parks") {
		t.Errorf("the first error does not say where the budget ran out: %+v", first)
	}
	for _, e := range r.Errors {
		if e.Extensions["code"] != "COMPLEXITY_LIMIT" {
			t.Errorf("an error of another code: %+v", e)
		}
	}
	var data struct {
		First  *struct{ Name string }
		Second *struct{ Name string }
	}
	if err := json.Unmarshal(r.Data, &data); err != nil || data.First == nil || data.First.Name != "美国高通公司" || data.Second != nil {
		t.Errorf("data %s, want the first root field resolved, the second null", r.Data)
	}
	estimate, objects, limit := costFigures(t, r)
	if objects > limit || objects == 0 || limit != 20 || estimate > 20 {
		t.Errorf("figures: estimate %d, objects %d, limit %d", estimate, objects, limit)
	}
	t.Logf("%s", r.Raw)
}
