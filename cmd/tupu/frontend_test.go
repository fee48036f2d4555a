package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tupu/internal/nodetest"
)

// frontendDir is the Node project of what a frontend developer runs
// against tupu: GraphQL Code Generator, TypeScript, Apollo Client.
var frontendDir = filepath.Join("..", "..", "e2e", "frontend")

// TestFrontend_codegen runs GraphQL Code Generator (the client preset)
// against the schema a running tupu serves at /schema.graphql, with
// introspection off as in production, for the operations in
// e2e/frontend/src/operations; the typed documents it writes, and the
// code that uses them, compile with tsc in strict mode; and the persisted
// documents it writes are the manifest of a server that runs only them.
func TestFrontend_codegen(t *testing.T) {
	project := nodetest.Open(t, frontendDir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	base, _ := startProgram(t, ctx, "--introspection=false")

	generated := filepath.Join(project.Dir(), "src", "gql")
	if err := os.RemoveAll(generated); err != nil {
		t.Fatal(err)
	}
	project.Bin(t, 3*time.Minute, []string{"TUPU_SCHEMA_URL=" + base + "schema.graphql"}, "graphql-codegen", "--config", "codegen.yml")
	types, err := os.ReadFile(filepath.Join(generated, "graphql.ts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DistrictToPartnersDocument", "SearchDocument", "ParkWithCompaniesDocument", "SetFactDocument", "export type EntityKind"} {
		if !strings.Contains(string(types), want) {
			t.Errorf("the generated types lack %s", want)
		}
	}
	project.Bin(t, 3*time.Minute, nil, "tsc", "-p", ".")

	// The persisted documents it wrote are a trusted-documents manifest: a
	// server that runs nothing else runs them by their identifiers.
	manifest := filepath.Join(generated, "persisted-documents.json")
	raw, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var docs map[string]string
	if err := json.Unmarshal(raw, &docs); err != nil || len(docs) != 4 {
		t.Fatalf("persisted-documents.json: %v, %d documents", err, len(docs))
	}
	locked, _ := startProgram(t, ctx, "--introspection=false", "--trusted-documents", manifest)
	for id, doc := range docs {
		if !strings.Contains(doc, "query DistrictToPartners") {
			continue
		}
		body, _ := json.Marshal(map[string]any{"documentId": id, "variables": map[string]any{"name": "渝北区"}})
		if got := postRaw(t, locked+"graphql", string(body)); !strings.Contains(got, "美国高通公司") || strings.Contains(got, `"errors"`) {
			t.Errorf("DistrictToPartners by its documentId: %.300s", got)
		}
	}
	if got := postRaw(t, locked+"graphql", `{"query": "{ districts { totalCount } }"}`); !strings.Contains(got, "PERSISTED_QUERY_NOT_FOUND") {
		t.Errorf("a query outside the manifest: %.300s", got)
	}
}

func postRaw(t *testing.T, url, body string) string {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestFrontend_defer runs Apollo Client's own @defer support (its
// Defer20220824 incremental handler, reading multipart/mixed) and the
// graphql-sse client against the running program, with the park's page
// query: Apollo's first result has the park without its companies, a
// later one has them; over server-sent events the first payload lacks
// them and a later incremental payload brings them.
func TestFrontend_defer(t *testing.T) {
	project := nodetest.Open(t, frontendDir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	base, _ := startProgram(t, ctx)
	env := []string{"TUPU_GRAPHQL_URL=" + base + "graphql"}

	type company struct{ Name string }
	type park struct {
		Name      string
		Companies *struct{ Nodes []company }
	}
	var apollo []struct {
		DataState string
		Data      *struct{ Entity park }
		Error     *string
	}
	out := project.Node(t, time.Minute, env, "apollo-defer.mjs")
	if err := json.Unmarshal([]byte(lastLine(out)), &apollo); err != nil {
		t.Fatalf("apollo-defer.mjs: %v\n%s", err, out)
	}
	first, last := -1, -1
	for i, r := range apollo {
		switch {
		case r.Error != nil:
			t.Errorf("result %d: %s", i, *r.Error)
		case r.Data == nil:
		case first < 0:
			first = i
			if r.DataState != "streaming" || r.Data.Entity.Name != "重庆仙桃数据谷" || r.Data.Entity.Companies != nil {
				t.Errorf("Apollo's first result is not the park without its companies: %+v", r)
			}
		default:
			last = i
		}
	}
	if first < 0 || last < 0 || apollo[last].DataState != "complete" || apollo[last].Data.Entity.Companies == nil ||
		!slices.ContainsFunc(apollo[last].Data.Entity.Companies.Nodes, func(c company) bool { return c.Name == "美国高通公司" }) {
		t.Errorf("Apollo's results do not end with the park's companies:\n%s", out)
	}

	var sse []struct {
		Data        *struct{ Entity map[string]any }
		HasNext     bool
		Incremental []struct {
			Data map[string]any
			Path []any
		}
	}
	out = project.Node(t, time.Minute, env, "sse-defer.mjs")
	if err := json.Unmarshal([]byte(lastLine(out)), &sse); err != nil {
		t.Fatalf("sse-defer.mjs: %v\n%s", err, out)
	}
	if len(sse) < 2 || sse[0].Data == nil || !sse[0].HasNext || sse[0].Data.Entity["companies"] != nil {
		t.Fatalf("over SSE, the first payload: %s", out)
	}
	if inc := sse[len(sse)-1].Incremental; sse[len(sse)-1].HasNext || len(inc) == 0 || inc[0].Data["companies"] == nil {
		t.Errorf("over SSE, the last payload: %s", out)
	}
}

// lastLine is the last line of a program's output, where the scripts
// print their JSON.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}
