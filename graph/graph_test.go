package graph_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tupu/httpapi"
	"tupu/httpapi/apitest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// server is the real GraphQL handler over a store seeded with the
// built-in data set.
type server = apitest.Server

func mustServe(tb testing.TB) *server { return apitest.Serve(tb, httpapi.Options{}) }

func mustServeWith(tb testing.TB, opts httpapi.Options) *server { return apitest.Serve(tb, opts) }

// golden compares got with testdata/name, or rewrites it with -update.
func golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		tb.Fatal(err)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test ./graph -update to create it)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		tb.Errorf("response differs from %s (run go test ./graph -update if the change is right)\ngot:\n%s", path, pretty.String())
	}
}

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

func TestNestedQuery(t *testing.T) {
	s := mustServe(t)
	r := s.Post(t, nestedQuery, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %s", r.Raw)
	}
	golden(t, "nested.json", r.Data)

	var data struct {
		Entity struct {
			Parks struct {
				Nodes []struct {
					Name      string
					Companies struct {
						Nodes []struct {
							Name string
							Labs struct {
								Nodes []struct {
									Name     string
									Builder  struct{ Name string }
									Partners struct{ Nodes []struct{ Name string } }
								}
							}
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatal(err)
	}
	partners := map[string]string{}
	for _, p := range data.Entity.Parks.Nodes {
		for _, c := range p.Companies.Nodes {
			for _, l := range c.Labs.Nodes {
				if l.Builder.Name != c.Name {
					t.Errorf("lab %s: builder %q, want the company that lists it, %q", l.Name, l.Builder.Name, c.Name)
				}
				for _, pa := range l.Partners.Nodes {
					partners[l.Name] = pa.Name
				}
			}
		}
	}
	for lab, partner := range map[string]string{
		"智能座舱联合实验室":       "美国高通公司",
		"车用视觉传感器联合实验室":    "SONY",
		"应用处理器与雷达技术联合实验室": "德州仪器",
		"车联网与智慧交通实验室":     "重庆邮电大学",
	} {
		if partners[lab] != partner {
			t.Errorf("partner of %s: got %q, want %q", lab, partners[lab], partner)
		}
	}
}

// TestNestedQuery_oneSnapshot counts the store's read transactions: the
// whole nested query reads one snapshot, however many objects it holds.
func TestNestedQuery_oneSnapshot(t *testing.T) {
	// Without the response cache, which would answer the repeat itself.
	s := mustServeWith(t, httpapi.Options{ResponseCacheBytes: -1})
	s.MustQuery(t, nestedQuery, nil, nil) // warm the query cache
	// The search indexer reads the same store in the background: the
	// fewest transactions of a few runs is the query's own.
	var data json.RawMessage
	reads := uint64(1 << 62)
	for range 3 {
		before := s.Store.ReadTransactions()
		s.MustQuery(t, nestedQuery, nil, &data)
		reads = min(reads, s.Store.ReadTransactions()-before)
	}
	objects := strings.Count(string(data), `"name"`)
	t.Logf("%d objects in %d read transactions", objects, reads)
	if objects < 20 {
		t.Fatalf("the nested query returned only %d named objects; the test needs a real fan-out", objects)
	}
	if reads != 1 {
		t.Errorf("%d read transactions for %d objects, want 1", reads, objects)
	}
}

func TestPaging(t *testing.T) {
	s := mustServe(t)
	type pageData struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
		Edges []struct {
			Cursor string
			Node   struct{ Key string }
		}
		Nodes []struct{ Key string }
	}
	const q = `query($first: Int, $after: String, $last: Int, $before: String) {
	  entities(kind: COMPANY, first: $first, after: $after, last: $last, before: $before) {
	    totalCount
	    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
	    edges { cursor node { key } }
	    nodes { key }
	  }
	}`
	fetch := func(vars map[string]any) pageData {
		var d struct{ Entities pageData }
		s.MustQuery(t, q, vars, &d)
		return d.Entities
	}

	t.Run("forward_walks_every_entity_once", func(t *testing.T) {
		var keys []string
		vars := map[string]any{"first": 3}
		pages := 0
		for {
			p := fetch(vars)
			pages++
			if pages > 1 && !p.PageInfo.HasPreviousPage {
				t.Errorf("page %d: hasPreviousPage false", pages)
			}
			for i, e := range p.Edges {
				if p.Nodes[i].Key != e.Node.Key {
					t.Errorf("nodes and edges disagree at %d", i)
				}
				keys = append(keys, e.Node.Key)
			}
			if !p.PageInfo.HasNextPage {
				if len(keys) != p.TotalCount {
					t.Errorf("walked %d companies, totalCount says %d", len(keys), p.TotalCount)
				}
				break
			}
			vars = map[string]any{"first": 3, "after": *p.PageInfo.EndCursor}
		}
		if pages < 3 {
			t.Fatalf("only %d pages: the test needs more companies", pages)
		}
		for i := 1; i < len(keys); i++ {
			if keys[i-1] >= keys[i] {
				t.Errorf("keys out of order or repeated: %q then %q", keys[i-1], keys[i])
			}
		}
	})

	t.Run("backward_matches_forward", func(t *testing.T) {
		all := fetch(map[string]any{"first": 100})
		last := fetch(map[string]any{"last": 2})
		n := len(all.Nodes)
		if len(last.Nodes) != 2 || last.Nodes[0].Key != all.Nodes[n-2].Key || last.Nodes[1].Key != all.Nodes[n-1].Key {
			t.Fatalf("last 2 = %v, want the last two of %v", last.Nodes, all.Nodes)
		}
		if last.PageInfo.HasNextPage || !last.PageInfo.HasPreviousPage {
			t.Errorf("last page: pageInfo %+v", last.PageInfo)
		}
		before := fetch(map[string]any{"last": 2, "before": *last.PageInfo.StartCursor})
		if len(before.Nodes) != 2 || before.Nodes[1].Key != all.Nodes[n-3].Key {
			t.Errorf("the 2 before %s = %v", last.Nodes[0].Key, before.Nodes)
		}
	})

	t.Run("nested_connection_second_page", func(t *testing.T) {
		const nq = `query($after: String) { entity(key: "xiantao-data-valley") { ... on Park {
		  companies(first: 5, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { key } } } } }`
		var d1, d2 struct {
			Entity struct {
				Companies struct {
					TotalCount int
					PageInfo   struct {
						HasNextPage bool
						EndCursor   string
					}
					Nodes []struct{ Key string }
				}
			}
		}
		s.MustQuery(t, nq, nil, &d1)
		if !d1.Entity.Companies.PageInfo.HasNextPage {
			t.Fatalf("仙桃数据谷 should host more than 5 companies: %+v", d1)
		}
		s.MustQuery(t, nq, map[string]any{"after": d1.Entity.Companies.PageInfo.EndCursor}, &d2)
		if len(d2.Entity.Companies.Nodes) == 0 || d2.Entity.Companies.Nodes[0].Key <= d1.Entity.Companies.Nodes[4].Key {
			t.Errorf("second page %v does not follow first %v", d2.Entity.Companies.Nodes, d1.Entity.Companies.Nodes)
		}
	})

	t.Run("limits", func(t *testing.T) {
		for _, vars := range []map[string]any{
			{"first": 101}, {"last": 101}, {"first": -1}, {"first": 1, "last": 1},
			{"first": 1, "after": "not a cursor!"},
		} {
			if code := s.ErrorCode(t, q, vars); code != "BAD_USER_INPUT" {
				t.Errorf("%v: code %q, want BAD_USER_INPUT", vars, code)
			}
		}
	})

	t.Run("cursor_from_another_list", func(t *testing.T) {
		parks := struct {
			Parks struct{ PageInfo struct{ EndCursor string } }
		}{}
		s.MustQuery(t, `{ parks(first: 1) { pageInfo { endCursor } } }`, nil, &parks)
		if code := s.ErrorCode(t, q, map[string]any{"first": 1, "after": parks.Parks.PageInfo.EndCursor}); code != "BAD_USER_INPUT" {
			t.Errorf("code %q, want BAD_USER_INPUT", code)
		}
	})
}

func TestEntityLookup(t *testing.T) {
	s := mustServe(t)
	for _, tc := range []struct{ by, value, wantKey string }{
		{"key", "xiantao-data-valley", "xiantao-data-valley"},
		{"name", "重庆仙桃数据谷", "xiantao-data-valley"},
		{"name", "仙桃数据谷", "xiantao-data-valley"},
		{"name", "Chongqing Xiantao International Big Data Valley", "xiantao-data-valley"},
		{"name", "chongqing xiantao international big data valley", "xiantao-data-valley"},
		{"name", "Xiantao Data Valley", "xiantao-data-valley"},
		{"name", "传音", "transsion-chongqing"},
		{"name", "TI", "texas-instruments"},
		{"name", "ti", "texas-instruments"},
		{"name", "临空人才专项", "linkong-talent-special-fund"},
		{"name", "临空英才专项", "linkong-talent-special-fund"},
	} {
		var d struct{ Entity *struct{ Key string } }
		s.MustQuery(t, `query($key: String, $name: String) { entity(key: $key, name: $name) { key } }`, map[string]any{tc.by: tc.value}, &d)
		if d.Entity == nil || d.Entity.Key != tc.wantKey {
			t.Errorf("entity(%s: %q) = %+v, want %s", tc.by, tc.value, d.Entity, tc.wantKey)
		}
	}
	var d struct{ Entity *struct{ Key string } }
	s.MustQuery(t, `{ entity(name: "no such thing") { key } }`, nil, &d)
	if d.Entity != nil {
		t.Errorf("unknown name: got %+v, want null", d.Entity)
	}
	if code := s.ErrorCode(t, `{ entity { key } }`, nil); code != "BAD_USER_INPUT" {
		t.Errorf("entity without key or name: code %q", code)
	}
}

func TestNode(t *testing.T) {
	s := mustServe(t)
	var d struct {
		Entity struct {
			ID, Key string
			Source  struct{ Document struct{ ID, Key string } }
		}
	}
	s.MustQuery(t, `{ entity(name: "云阳县") { id key source { document { id key } } } }`, nil, &d)

	var n struct {
		Node  struct{ Typename, Key string } `json:"node"`
		Doc   struct{ Typename, Key string }
		Nodes []*struct{ Key string }
	}
	s.MustQuery(t, `query($id: ID!, $doc: ID!, $ids: [ID!]!) {
	  node(id: $id) { typename: __typename ... on Entity { key } }
	  doc: node(id: $doc) { typename: __typename ... on Document { key } }
	  nodes(ids: $ids) { ... on Entity { key } }
	}`, map[string]any{
		"id": d.Entity.ID, "doc": d.Entity.Source.Document.ID,
		"ids": []string{d.Entity.ID, "RTpuby1zdWNoLWtleQ"}, // the second names no entity
	}, &n)
	if n.Node.Typename != "County" || n.Node.Key != d.Entity.Key {
		t.Errorf("node(id) = %+v, want County %s", n.Node, d.Entity.Key)
	}
	if n.Doc.Typename != "Document" || n.Doc.Key != "yubei-2021" {
		t.Errorf("node(document id) = %+v", n.Doc)
	}
	if len(n.Nodes) != 2 || n.Nodes[0] == nil || n.Nodes[0].Key != d.Entity.Key || n.Nodes[1] != nil {
		t.Errorf("nodes = %+v, want [%s, null]", n.Nodes, d.Entity.Key)
	}
	if code := s.ErrorCode(t, `{ node(id: "!!") { id } }`, nil); code != "BAD_USER_INPUT" {
		t.Errorf("malformed id: code %q, want BAD_USER_INPUT", code)
	}
}

func TestErrors(t *testing.T) {
	s := mustServe(t)
	for _, tc := range []struct{ name, query, code string }{
		{"syntax", `{ entities(`, "GRAPHQL_PARSE_FAILED"},
		{"unknown_field", `{ nope }`, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown_predicate", `{ entity(key: "yubei-district") { relations(predicate: "nope") { totalCount } } }`, "BAD_USER_INPUT"},
		{"page_too_big", `{ parks(first: 1000) { totalCount } }`, "BAD_USER_INPUT"},
		{"too_many_ids", `{ nodes(ids: [` + strings.Repeat(`"x",`, 101) + `]) { id } }`, "BAD_USER_INPUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code := s.ErrorCode(t, tc.query, nil); code != tc.code {
				t.Errorf("code %q, want %q", code, tc.code)
			}
		})
	}
	t.Run("bad_json_keeps_serving", func(t *testing.T) {
		resp, err := http.Post(s.URL, "application/json", strings.NewReader(`{"query": `))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("status %d, want 4xx", resp.StatusCode)
		}
		s.MustQuery(t, `{ districts { totalCount } }`, nil, nil)
	})
}

func TestFactsAndRelations(t *testing.T) {
	s := mustServe(t)
	var d struct {
		Entity struct {
			Facts []struct {
				Property, Unit, Period string
				Value                  *float64
				Source                 struct{ Quote string }
			}
			Relations struct {
				TotalCount int
				Edges      []struct {
					Predicate, Direction string
					Node                 struct{ Key string }
					Source               *struct{ Quote string }
				}
			}
			PartnerDistricts struct{ Nodes []struct{ Key string } }
		}
	}
	s.MustQuery(t, `{ entity(name: "云阳县") { facts { property value unit period source { quote } }
	  relations(first: 100) { totalCount edges { predicate direction node { key } source { quote } } }
	  ... on County { partnerDistricts { nodes { key } } } } }`, nil, &d)
	if len(d.Entity.PartnerDistricts.Nodes) != 1 || d.Entity.PartnerDistricts.Nodes[0].Key != "yubei-district" {
		t.Errorf("云阳县 partnerDistricts = %+v", d.Entity.PartnerDistricts)
	}
	if d.Entity.Relations.TotalCount != len(d.Entity.Relations.Edges) {
		t.Errorf("totalCount %d, %d edges", d.Entity.Relations.TotalCount, len(d.Entity.Relations.Edges))
	}
	paired := false
	for _, e := range d.Entity.Relations.Edges {
		if e.Source == nil || e.Source.Quote == "" {
			t.Errorf("relation %s %s has no source", e.Predicate, e.Node.Key)
		}
		if e.Predicate == "paired_with" && e.Direction == "IN" && e.Node.Key == "yubei-district" {
			paired = true
		}
	}
	if !paired {
		t.Errorf("云阳县 has no IN paired_with edge from 渝北区: %+v", d.Entity.Relations.Edges)
	}
	for _, f := range d.Entity.Facts {
		if f.Source.Quote == "" {
			t.Errorf("fact %s has no quote", f.Property)
		}
	}
}

func TestTalentProgramLevel(t *testing.T) {
	s := mustServe(t)
	var d struct {
		TalentPrograms struct {
			Nodes []struct {
				Name     string
				Level    *string
				District *struct{ Key string }
			}
		}
	}
	s.MustQuery(t, `{ talentPrograms { nodes { name level district { key } } } }`, nil, &d)
	levels := map[string]string{}
	for _, p := range d.TalentPrograms.Nodes {
		if p.Level != nil {
			levels[p.Name] = *p.Level
		}
		if p.Level != nil && *p.Level == "DISTRICT" && (p.District == nil || p.District.Key != "yubei-district") {
			t.Errorf("%s is a district program but its district is %+v", p.Name, p.District)
		}
	}
	if levels["重庆英才计划"] != "MUNICIPAL" || levels["临空英才计划"] != "DISTRICT" {
		t.Errorf("levels = %v", levels)
	}
}

func TestSearch(t *testing.T) {
	s := mustServe(t)
	var d struct {
		Search struct {
			TotalCount        int
			TotalCountIsExact bool
			Nodes             []struct {
				Entity  struct{ Key, Kind string }
				Score   float64
				Matched string
			}
		}
	}
	s.MustQuery(t, `{ search(query: "数据谷") { totalCount nodes { entity { key kind } score matched } } }`, nil, &d)
	if len(d.Search.Nodes) == 0 || d.Search.Nodes[0].Entity.Key != "xiantao-data-valley" {
		t.Fatalf("search 数据谷: %+v", d.Search)
	}
	s.MustQuery(t, `{ search(query: "实验室", kinds: [LAB], first: 2) { totalCount totalCountIsExact nodes { entity { key kind } score matched } } }`, nil, &d)
	if d.Search.TotalCount < 4 || len(d.Search.Nodes) != 2 || !d.Search.TotalCountIsExact {
		t.Errorf("search 实验室 in labs: %+v", d.Search)
	}
	for _, n := range d.Search.Nodes {
		if n.Entity.Kind != "LAB" {
			t.Errorf("kinds filter let through %+v", n)
		}
	}
	s.MustQuery(t, `{ search(query: "qualcomm") { nodes { entity { key } score } } }`, nil, &d)
	if len(d.Search.Nodes) == 0 || d.Search.Nodes[0].Score < 3 {
		t.Errorf("search qualcomm: %+v", d.Search)
	}
}

// TestConnection_edgesAskedThroughFragments checks that a connection's
// edges and page info, built only when asked for, are there however they
// are asked: directly, through a named fragment, or an inline one.
func TestConnection_edgesAskedThroughFragments(t *testing.T) {
	s := mustServe(t)
	for _, q := range []string{
		`{ parks(first: 2) { edges { cursor node { name } } } }`,
		`{ parks(first: 2) { ...E } } fragment E on ParkConnection { edges { cursor node { name } } }`,
		`{ parks(first: 2) { ... on ParkConnection { edges { cursor node { name } } } } }`,
		`{ entity(key: "xiantao-data-valley") { ... on Park { parks: companies(first: 2) { edges { cursor node { name } } } } } }`,
	} {
		var data struct {
			Parks struct {
				Edges []struct {
					Cursor string
					Node   struct{ Name string }
				}
			}
			Entity struct {
				Parks struct {
					Edges []struct {
						Cursor string
						Node   struct{ Name string }
					}
				}
			}
		}
		s.MustQuery(t, q, nil, &data)
		n := 0
		for _, e := range data.Parks.Edges {
			if e.Cursor != "" && e.Node.Name != "" {
				n++
			}
		}
		for _, e := range data.Entity.Parks.Edges {
			if e.Cursor != "" && e.Node.Name != "" {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%s: %d edges, want 2", q, n)
		}
	}
	var info struct {
		Parks struct {
			PageInfo struct {
				EndCursor   string
				HasNextPage bool
			}
		}
	}
	s.MustQuery(t, `{ parks(first: 1) { ...P } } fragment P on ParkConnection { pageInfo { endCursor hasNextPage } }`, nil, &info)
	if info.Parks.PageInfo.EndCursor == "" || !info.Parks.PageInfo.HasNextPage {
		t.Errorf("page info asked through a fragment: %+v", info.Parks.PageInfo)
	}
}
