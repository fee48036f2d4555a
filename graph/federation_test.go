package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"tupu/graph"
	"tupu/graph/exec"
	"tupu/graph/limits"
	"tupu/graph/model"
	"tupu/httpapi"
	"tupu/store"
)

// entityFields is what the tests ask of each entity _entities returns.
const entityFields = `_entities(representations: $reps) {
  __typename
  ... on Node { id }
  ... on Entity { key name }
  ... on Document { key title }
}`

type federated struct {
	Typename string `json:"__typename"`
	ID, Key  string
	Name     string
	Title    string
}

// oneOfEach returns, by GraphQL type, the ID and key of one object of each
// type federation.graphql keys: the six kinds' types, OtherEntity and
// Document.
func oneOfEach(t *testing.T, s *server) map[string]federated {
	t.Helper()
	var d struct {
		Districts, Parks, Companies, Labs, TalentPrograms, Counties struct{ Nodes []federated }
		Other                                                       struct{ Nodes []federated }
		Entity                                                      struct {
			Source struct{ Document federated }
		}
	}
	s.MustQuery(t, `{
	  districts(first: 1) { nodes { __typename id key } }
	  parks(first: 1) { nodes { __typename id key } }
	  companies(first: 1) { nodes { __typename id key } }
	  labs(first: 1) { nodes { __typename id key } }
	  talentPrograms(first: 1) { nodes { __typename id key } }
	  counties(first: 1) { nodes { __typename id key } }
	  other: entities(kind: UNIVERSITY, first: 1) { nodes { __typename id key } }
	  entity(key: "yubei-district") { source { document { __typename id key } } }
	}`, nil, &d)
	out := map[string]federated{"Document": d.Entity.Source.Document}
	for _, list := range [][]federated{d.Districts.Nodes, d.Parks.Nodes, d.Companies.Nodes, d.Labs.Nodes, d.TalentPrograms.Nodes, d.Counties.Nodes, d.Other.Nodes} {
		if len(list) != 1 {
			t.Fatalf("the seed lacks an entity of a kind: %+v", d)
		}
		out[list[0].Typename] = list[0]
	}
	for _, typ := range []string{"District", "Park", "Company", "Lab", "TalentProgram", "County", "OtherEntity", "Document"} {
		if out[typ].ID == "" {
			t.Fatalf("no %s in %+v", typ, out)
		}
	}
	return out
}

func rep(typename, id string) map[string]any { return map[string]any{"__typename": typename, "id": id} }

// TestEntities: Query._entities, as a federation router calls it, resolves
// representations of every entity type in one request, in their order,
// through one snapshot; an ID nothing has, or whose object is of another
// type than its __typename, is null; a malformed ID is null with
// BAD_USER_INPUT at its index, and the others still resolve.
func TestEntities(t *testing.T) {
	s := mustServeWith(t, httpapi.Options{ResponseCacheBytes: -1})
	each := oneOfEach(t, s)
	var reps []map[string]any
	var want []*federated
	for _, typ := range []string{"Company", "District", "Document", "Park", "Lab", "TalentProgram", "County", "OtherEntity", "Company"} {
		o := each[typ]
		reps = append(reps, rep(typ, o.ID))
		want = append(want, &federated{Typename: typ, ID: o.ID, Key: o.Key})
	}
	reps = append(reps,
		rep("Company", model.EntityID("no-such-entity")), // names nothing
		rep("Company", each["Park"].ID),                  // a park, not a company
		rep("Document", each["County"].ID),               // an entity, not a document
	)
	want = append(want, nil, nil, nil)

	query := `query($reps: [_Any!]!) { ` + entityFields + ` }`
	var got struct {
		Entities []*federated `json:"_entities"`
	}
	s.MustQuery(t, query, map[string]any{"reps": reps}, &got)
	if len(got.Entities) != len(want) {
		t.Fatalf("%d entities for %d representations", len(got.Entities), len(want))
	}
	for i, w := range want {
		g := got.Entities[i]
		switch {
		case w == nil && g != nil:
			t.Errorf("_entities[%d] (%v) = %+v, want null", i, reps[i], g)
		case w != nil && (g == nil || g.Typename != w.Typename || g.ID != w.ID || g.Key != w.Key || g.Name+g.Title == ""):
			t.Errorf("_entities[%d] = %+v, want %s %s", i, g, w.Typename, w.Key)
		}
	}

	// The whole request reads one snapshot, as any response does.
	before := s.Store.ReadTransactions()
	s.MustQuery(t, query, map[string]any{"reps": reps}, nil)
	if n := s.Store.ReadTransactions() - before; n != 1 {
		// The indexer reads in the background; once more to be sure.
		before = s.Store.ReadTransactions()
		s.MustQuery(t, query, map[string]any{"reps": reps}, nil)
		if n := s.Store.ReadTransactions() - before; n != 1 {
			t.Errorf("%d read transactions for one _entities request, want 1", n)
		}
	}

	t.Run("malformed_id", func(t *testing.T) {
		r := s.Post(t, query, map[string]any{"reps": []map[string]any{rep("Company", "!!"), rep("Company", each["Company"].ID)}})
		var d struct {
			Entities []*federated `json:"_entities"`
		}
		if err := json.Unmarshal(r.Data, &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Entities) != 2 || d.Entities[0] != nil || d.Entities[1] == nil || d.Entities[1].Key != each["Company"].Key {
			t.Errorf("entities %s, want [null, %s]", r.Data, each["Company"].Key)
		}
		if len(r.Errors) != 1 || r.Code() != "BAD_USER_INPUT" || fmt.Sprint(r.Errors[0].Path) != "[_entities 0]" {
			t.Errorf("errors %s, want one BAD_USER_INPUT at _entities.0", r.Raw)
		}
	})
	t.Run("unknown_typename", func(t *testing.T) {
		r := s.Post(t, query, map[string]any{"reps": []map[string]any{rep("Nothing", each["Company"].ID), rep("Company", each["Company"].ID)}})
		var d struct {
			Entities []*federated `json:"_entities"`
		}
		if err := json.Unmarshal(r.Data, &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Entities) != 2 || d.Entities[0] != nil || d.Entities[1] == nil || len(r.Errors) != 1 || r.Code() != "BAD_USER_INPUT" {
			t.Errorf("got %s, want [null, the company] and a BAD_USER_INPUT error", r.Raw)
		}
	})
	t.Run("no_id", func(t *testing.T) {
		r := s.Post(t, query, map[string]any{"reps": []map[string]any{{"__typename": "Company", "key": "arm"}}})
		if r.Code() != "BAD_USER_INPUT" || !strings.Contains(string(r.Data), `"_entities":[null]`) {
			t.Errorf("got %s, want [null] and a BAD_USER_INPUT error", r.Raw)
		}
	})
}

// TestService: Query._service gives a federation router the subgraph's
// SDL: schema.graphql and federation.graphql as written, so every type
// with an ID is an entity keyed by it.
func TestService(t *testing.T) {
	s := mustServeWith(t, httpapi.Options{NoIntrospection: true})
	var d struct {
		Service struct{ SDL string } `json:"_service"`
	}
	s.MustQuery(t, `{ _service { sdl } }`, nil, &d)
	var want []string
	for _, f := range []string{"../schema.graphql", "../federation.graphql"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, string(b))
	}
	if d.Service.SDL != strings.Join(want, "\n") {
		t.Errorf("_service.sdl is not schema.graphql and federation.graphql (%d bytes, want %d)", len(d.Service.SDL), len(strings.Join(want, "\n")))
	}
	// Every object type a Relay ID names, now and when one is added.
	schema := exec.NewExecutableSchema(exec.Config{}).Schema()
	keyed := 0
	for _, def := range schema.PossibleTypes["Node"] {
		if def.Kind != ast.Object {
			continue // the interface Entity
		}
		key := def.Directives.ForName("key")
		if key == nil || key.Arguments.ForName("fields").Value.Raw != "id" {
			t.Errorf("%s implements Node and is not an entity keyed by id: add it to federation.graphql", def.Name)
			continue
		}
		if !strings.Contains(d.Service.SDL, "extend type "+def.Name+` @key(fields: "id")`) {
			t.Errorf("_service.sdl does not key %s by id", def.Name)
		}
		keyed++
	}
	if keyed < 8 {
		t.Errorf("%d entity types, want the six kinds', OtherEntity and Document", keyed)
	}
}

// TestEntities_cachedByKey: an _entities answer depends on the entities it
// holds, by key, as node's does: a write elsewhere keeps it in the
// response cache, a write to one of them does not.
func TestEntities_cachedByKey(t *testing.T) {
	s := mustServe(t)
	editor := s.Token(t, "alice", store.RoleEditor)
	each := oneOfEach(t, s)
	company := each["Company"]
	body, _ := json.Marshal(map[string]any{
		"query":     `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Company { key note } } }`,
		"variables": map[string]any{"reps": []map[string]any{rep("Company", company.ID)}},
	})
	if x, _ := cachePost(t, s.URL, body); x == "hit" {
		t.Fatalf("first request answered from the cache")
	}
	if x, _ := cachePost(t, s.URL, body); x != "hit" {
		t.Fatalf("repeat: %q, want a hit", x)
	}
	update := func(key, note string) {
		t.Helper()
		var d struct{ Entity struct{ Version int } }
		s.MustQuery(t, `query($k: String!) { entity(key: $k) { version } }`, map[string]any{"k": key}, &d)
		r := s.As(t, editor, `mutation($k: ID!, $v: Int!, $n: String!) { updateEntity(input: {id: $k, expectedVersion: $v, note: $n}) { entity { note } } }`,
			map[string]any{"k": key, "v": d.Entity.Version, "n": note})
		if len(r.Errors) > 0 {
			t.Fatalf("update %s: %s", key, r.Raw)
		}
	}
	update(each["Park"].Key, "elsewhere")
	if x, _ := cachePost(t, s.URL, body); x != "hit" {
		t.Errorf("after a write to another entity: %q, want a hit", x)
	}
	update(company.Key, "seen by the router")
	x, b := cachePost(t, s.URL, body)
	if x == "hit" || !strings.Contains(string(b), "seen by the router") {
		t.Errorf("after a write to the entity: %q %s", x, b)
	}
}

// cachePost posts a JSON body and returns the answer's X-Cache header
// ("hit" when the response cache answered) and body.
func cachePost(t *testing.T, url string, body []byte) (string, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.Header.Get("X-Cache"), b
}

// TestEntities_cost: the cost model counts _entities as one value per
// representation, however many the router sends, and a request of a few
// hundred, as a router sends for a page of references, answers.
func TestEntities_cost(t *testing.T) {
	s := mustServe(t)
	company := oneOfEach(t, s)["Company"]
	reps := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = rep("Company", company.ID)
		}
		return out
	}
	const query = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Company { name labs(first: 5) { nodes { name } } } } }`
	schema := exec.NewExecutableSchema(exec.Config{}).Schema()
	doc := gqlparser.MustLoadQuery(schema, query)
	cost := func(n int) int {
		st, err := limits.Cost(doc, doc.Operations[0], map[string]any{"reps": reps(n)}, limits.Config{Graph: graph.CostModel(s.Store)})
		if err != nil {
			t.Fatal(err)
		}
		return st.Cost
	}
	three, many := cost(3), cost(300)
	if three < 3 || many != 100*three {
		t.Errorf("cost of 3 representations %d, of 300 %d: want at least 3, and 100 times as much", three, many)
	}

	var d struct {
		Entities []*federated `json:"_entities"`
	}
	s.MustQuery(t, `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Company { key } } }`, map[string]any{"reps": reps(300)}, &d)
	if len(d.Entities) != 300 || d.Entities[299] == nil || d.Entities[299].Key != company.Key {
		t.Errorf("%d entities", len(d.Entities))
	}
}
