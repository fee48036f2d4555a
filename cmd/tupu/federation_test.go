package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"tupu/internal/nodetest"
)

// federationDir is the Node project that puts tupu in a supergraph: a
// reviews subgraph (@apollo/subgraph) and Apollo Gateway.
var federationDir = filepath.Join("..", "..", "e2e", "federation")

// gqlResponse is a GraphQL response whose data a test decodes later.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []any           `json:"errors"`
}

// TestFederation composes the running program, with introspection off as
// in production, and a second subgraph that adds reviews to tupu's
// companies (e2e/federation/reviews.json), behind Apollo Gateway, which
// composes them from their _service SDL; the gateway's answers to queries
// that cross both subgraphs, each way, hold what tupu itself answers for
// the same fields, and the reviews of the fixture.
func TestFederation(t *testing.T) {
	project := nodetest.Open(t, federationDir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	base, _ := startProgram(t, ctx, "--introspection=false")
	out := project.Node(t, 2*time.Minute, []string{"TUPU_GRAPHQL_URL=" + base + "graphql"}, "gateway.mjs")
	var answers struct{ TupuThenReviews, ReviewsThenTupu gqlResponse }
	if err := json.Unmarshal([]byte(lastLine(out)), &answers); err != nil {
		t.Fatalf("gateway.mjs: %v\n%s", err, out)
	}
	for name, r := range map[string]gqlResponse{"TupuThenReviews": answers.TupuThenReviews, "ReviewsThenTupu": answers.ReviewsThenTupu} {
		if len(r.Errors) > 0 || len(r.Data) == 0 {
			t.Fatalf("%s through the gateway: errors %v, data %s", name, r.Errors, r.Data)
		}
	}

	// The fixture: reviews of tupu's companies, by tupu ID.
	raw, err := os.ReadFile(filepath.Join(federationDir, "reviews.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fixture struct {
		Reviews []struct {
			ID      string
			Company struct{ ID, Key string }
			Stars   int
		}
	}
	if err := json.Unmarshal(raw, &fixture); err != nil {
		t.Fatal(err)
	}
	starsOf := map[string][]int{} // by company key
	for _, r := range fixture.Reviews {
		starsOf[r.Company.Key] = append(starsOf[r.Company.Key], r.Stars)
	}

	// tupu's own answer to a query, straight from the program.
	direct := func(query string, vars map[string]any, v any) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		var r gqlResponse
		if err := json.Unmarshal([]byte(postRaw(t, base+"graphql", string(body))), &r); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%s: %v %v", query, err, r.Errors)
		}
		if err := json.Unmarshal(r.Data, v); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("from tupu to reviews", func(t *testing.T) {
		type company struct {
			Key     string
			Reviews []struct{ Stars int }
		}
		var got struct {
			Entity struct {
				Name, NameEn string
				Reviews      []struct{ Stars int }
				Labs         any
			}
			Companies struct{ Nodes []company }
		}
		if err := json.Unmarshal(answers.TupuThenReviews.Data, &got); err != nil {
			t.Fatal(err)
		}
		var want struct {
			Entity struct {
				Name, NameEn string
				Labs         any
			}
			Companies struct{ Nodes []company }
		}
		direct(`query($key: String!) {
		  entity(key: $key) { name ... on Company { nameEn labs(first: 10) { nodes { name } } } }
		  companies(first: 50) { nodes { key } }
		}`, map[string]any{"key": "thundersoft-chongqing"}, &want)
		if got.Entity.Name != want.Entity.Name || got.Entity.NameEn != want.Entity.NameEn || !reflect.DeepEqual(got.Entity.Labs, want.Entity.Labs) {
			t.Errorf("entity through the gateway %+v, tupu's %+v", got.Entity, want.Entity)
		}
		if !slices.Equal(stars(got.Entity.Reviews), starsOf["thundersoft-chongqing"]) {
			t.Errorf("the entity's reviews %v, the fixture's %v", got.Entity.Reviews, starsOf["thundersoft-chongqing"])
		}
		if len(got.Companies.Nodes) != len(want.Companies.Nodes) || len(want.Companies.Nodes) == 0 {
			t.Fatalf("%d companies through the gateway, tupu has %d", len(got.Companies.Nodes), len(want.Companies.Nodes))
		}
		reviewed := 0
		for i, c := range got.Companies.Nodes {
			if c.Key != want.Companies.Nodes[i].Key || !slices.Equal(stars(c.Reviews), starsOf[c.Key]) {
				t.Errorf("company %d: %s with reviews %v, want %s with %v", i, c.Key, c.Reviews, want.Companies.Nodes[i].Key, starsOf[want.Companies.Nodes[i].Key])
			}
			if len(c.Reviews) > 0 {
				reviewed++
			}
		}
		if reviewed != len(starsOf) {
			t.Errorf("%d companies with reviews, the fixture reviews %d", reviewed, len(starsOf))
		}
	})

	t.Run("from reviews to tupu", func(t *testing.T) {
		var got struct {
			Reviews []struct {
				ID      string
				Stars   int
				Company map[string]any
			}
		}
		if err := json.Unmarshal(answers.ReviewsThenTupu.Data, &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Reviews) != len(fixture.Reviews) {
			t.Fatalf("%d reviews through the gateway, the fixture has %d", len(got.Reviews), len(fixture.Reviews))
		}
		for i, r := range got.Reviews {
			// What the gateway got from tupu's _entities for the review's
			// company is what tupu answers for node(id:).
			var want struct{ Node map[string]any }
			direct(`query($id: ID!) { node(id: $id) { ... on Company {
			  id name nameEn
			  parks(first: 5) { nodes { name district { name } } }
			  labs(first: 5) { nodes { name partners(first: 5) { nodes { name } } } }
			} } }`, map[string]any{"id": fixture.Reviews[i].Company.ID}, &want)
			if r.ID != fixture.Reviews[i].ID || want.Node == nil || !reflect.DeepEqual(r.Company, want.Node) {
				t.Errorf("review %s: company through the gateway %v, tupu's %v", r.ID, r.Company, want.Node)
			}
		}
	})
}

// stars are the stars of reviews, in order.
func stars(reviews []struct{ Stars int }) []int {
	s := make([]int, len(reviews))
	for i, r := range reviews {
		s[i] = r.Stars
	}
	return s
}
