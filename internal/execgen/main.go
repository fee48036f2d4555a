// Command execgen generates the GraphQL layer with gqlgen (gqlgen.yml),
// then points the executable schema's list and field resolution at
// tupu/graph/sequential, which resolves a response on one goroutine
// instead of one goroutine per list element and resolver field.
//
// gqlgen has no option for this (worker_limit only bounds the goroutines),
// so the generated calls are rewritten here, every time the code is
// generated: `go generate ./...` runs this command and .ci/run checks that
// the committed code is what it produces. Each rewrite must match: when a
// gqlgen upgrade changes the generated calls, generation fails instead of
// silently going back to goroutines.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"go/parser"
	"go/token"
	"os"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
	"golang.org/x/tools/go/ast/astutil"
)

const sequentialPackage = "tupu/graph/sequential"

// rewrites are the generated calls replaced, each by the function of
// package sequential with the same contract; the replacements add the
// context and field the generated code has in scope at each call.
var rewrites = []struct{ from, to string }{
	{"graphql.MarshalSliceConcurrently(", "sequential.MarshalSlice("},
	{"out.ResolveConcurrently(ec.OperationContext, &deferred, i,", "sequential.Resolve(ctx, out, ec.OperationContext, &deferred, field, i,"},
	{"out.ResolveRootConcurrently(innerCtx, ec.OperationContext, i,", "sequential.ResolveRoot(innerCtx, out, ec.OperationContext, i,"},
	{"graphql.NewDeferredGroup(ctx)", "sequential.NewDeferredGroup(ctx)"},
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "execgen:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		return err
	}
	if err := api.Generate(cfg); err != nil {
		return err
	}
	return rewrite(cfg.Exec.Filename)
}

func rewrite(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, r := range rewrites {
		if !bytes.Contains(src, []byte(r.from)) {
			return fmt.Errorf("%s: no %q to rewrite: has gqlgen changed the code it generates?", path, r.from)
		}
		src = bytes.ReplaceAll(src, []byte(r.from), []byte(r.to))
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		return fmt.Errorf("%s after rewriting: %w", path, err)
	}
	astutil.AddImport(fset, file, sequentialPackage)
	var out bytes.Buffer
	if err := format.Node(&out, fset, file); err != nil {
		return err
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}
