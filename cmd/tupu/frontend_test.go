package main

import (
	"context"
	"os"
	"path/filepath"
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
// code that uses them, compile with tsc in strict mode.
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
}
