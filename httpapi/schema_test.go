package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"tupu/graph"
	"tupu/httpapi"
)

func getSchema(t *testing.T, h http.Handler, header http.Header) (*http.Response, string) {
	t.Helper()
	ts := httptest.NewServer(h)
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/schema.graphql", nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestSchemaURL: the SDL at /schema.graphql describes what introspection
// does (every type, field, argument, enum value and directive, @defer
// included), comes with an ETag that a revalidation answers with 304, is
// there with introspection off, and gone only when its own setting hides
// it.
func TestSchemaURL(t *testing.T) {
	srv, err := httpapi.New(nil, httpapi.Options{NoIntrospection: true})
	if err != nil {
		t.Fatal(err)
	}
	resp, sdl := getSchema(t, srv.Schema(), nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET: %d %v", resp.StatusCode, resp.Header)
	}
	printed, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: sdl})
	if gerr != nil {
		t.Fatalf("the SDL does not load: %v", gerr)
	}
	want := graph.NewExecutableSchema(nil, nil).Schema()
	for name, def := range want.Types {
		if def.BuiltIn {
			continue
		}
		got := printed.Types[name]
		if got == nil || got.Kind != def.Kind || got.Description != def.Description {
			t.Errorf("type %s: printed as %+v", name, got)
			continue
		}
		for _, f := range def.Fields {
			if f.Position != nil && f.Position.Src.BuiltIn {
				continue // federation's _entities and _service: below
			}
			g := got.Fields.ForName(f.Name)
			if g == nil || g.Type.String() != f.Type.String() || g.Description != f.Description || len(g.Arguments) != len(f.Arguments) {
				t.Errorf("field %s.%s: printed as %+v", name, f.Name, g)
			}
		}
		for _, v := range def.EnumValues {
			if got.EnumValues.ForName(v.Name) == nil {
				t.Errorf("enum value %s.%s is missing", name, v.Name)
			}
		}
		if !slices.Equal(got.Interfaces, def.Interfaces) || !slices.Equal(got.Types, def.Types) {
			t.Errorf("type %s: interfaces %v / members %v, want %v / %v", name, got.Interfaces, got.Types, def.Interfaces, def.Types)
		}
	}
	if printed.Directives["defer"] == nil || printed.Query.Name != "Query" || printed.Mutation == nil || printed.Subscription == nil {
		t.Errorf("the SDL lacks @defer or a root type")
	}
	// The public schema is not the subgraph's: a router reads that one
	// from Query._service (graph's TestService).
	for _, federation := range []string{"_entities", "_service", "_Any", "_Entity", "@key", "@link", "FederationEntity", "ByIDsInput"} {
		if strings.Contains(sdl, federation) {
			t.Errorf("the public SDL has %s in it", federation)
		}
	}

	resp, body := getSchema(t, srv.Schema(), http.Header{"If-None-Match": {etag}})
	if resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("revalidation: %d, %d bytes", resp.StatusCode, len(body))
	}
	if resp, _ := getSchema(t, srv.Schema(), http.Header{"If-None-Match": {`"something else"`}}); resp.StatusCode != 200 {
		t.Errorf("another ETag: %d", resp.StatusCode)
	}

	hidden, _ := httpapi.New(nil, httpapi.Options{HideSchema: true})
	if resp, _ := getSchema(t, hidden.Schema(), nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("hidden: %d", resp.StatusCode)
	}
}
