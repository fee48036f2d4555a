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
//
// It also runs gqlgen's federation plugin under another name for the one
// type the plugin declares for itself (see federation.go).
package main

import (
	"bytes"
	"fmt"
	"go/ast"
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
	{"out.ResolveRootConcurrently(innerCtx, ec.OperationContext, i,", "sequential.ResolveRoot(innerCtx, out, ec.OperationContext, i,"},
	{"graphql.NewDeferredGroup(ctx)", "sequential.NewDeferredGroup(ctx)"},
}

// A field's resolution, out.ResolveConcurrently(ec.OperationContext,
// &deferred, i, recover, nonNull, func(ctx) {...}), becomes two calls:
//
//	if sequential.Deferred(ctx, field) {
//		out.ResolveConcurrently(ec.OperationContext, &deferred, i, recover, nonNull,
//			sequential.Later(ctx, &deferred, field, func(ctx) {...}))
//	} else {
//		sequential.Resolve(ctx, out, ec.OperationContext, field, i, recover, nonNull, func(ctx) {...})
//	}
//
// gqlgen's own call for a field deferred in an answer sent in parts, and
// sequential.Resolve for every other. The closure is written twice on
// purpose: the deferred one outlives its call and so is made on the heap,
// which, were there one closure for both, every field of every response
// would pay for.
const resolveConcurrently = "ResolveConcurrently"

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
	fed := &federationOption{}
	if err := api.Generate(cfg, fed.apply); err != nil {
		return err
	}
	if cfg.Federation.IsDefined() && !fed.wrapped {
		return fmt.Errorf("gqlgen.yml configures federation, and gqlgen ran no federation plugin to wrap: has gqlgen changed how it adds it?")
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
	if n := splitDeferred(file); n == 0 {
		return fmt.Errorf("%s: no out.%s(...) to rewrite: has gqlgen changed the code it generates?", path, resolveConcurrently)
	}
	astutil.AddImport(fset, file, sequentialPackage)
	var out bytes.Buffer
	if err := format.Node(&out, fset, file); err != nil {
		return err
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}

// splitDeferred rewrites each field resolution as resolveConcurrently's
// comment says, and returns how many it rewrote.
func splitDeferred(file *ast.File) int {
	n := 0
	astutil.Apply(file, func(c *astutil.Cursor) bool {
		stmt, ok := c.Node().(*ast.ExprStmt)
		if !ok {
			return true
		}
		call, ok := stmt.X.(*ast.CallExpr)
		if !ok || len(call.Args) != 6 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != resolveConcurrently || !isIdent(sel.X, "out") {
			return true
		}
		oc, deferred, i, recoverFromPanic, nonNull, resolve := call.Args[0], call.Args[1], call.Args[2], call.Args[3], call.Args[4], call.Args[5]
		ctx, field := ast.NewIdent("ctx"), ast.NewIdent("field")
		later := &ast.CallExpr{Fun: selector("sequential", "Later"), Args: []ast.Expr{ctx, deferred, field, resolve}}
		now := &ast.CallExpr{Fun: selector("sequential", "Resolve"), Args: []ast.Expr{ctx, ast.NewIdent("out"), oc, field, i, recoverFromPanic, nonNull, resolve}}
		c.Replace(&ast.IfStmt{
			Cond: &ast.CallExpr{Fun: selector("sequential", "Deferred"), Args: []ast.Expr{ctx, field}},
			Body: &ast.BlockStmt{List: []ast.Stmt{&ast.ExprStmt{X: &ast.CallExpr{Fun: call.Fun, Args: []ast.Expr{oc, deferred, i, recoverFromPanic, nonNull, later}}}}},
			Else: &ast.BlockStmt{List: []ast.Stmt{&ast.ExprStmt{X: now}}},
		})
		n++
		return true
	}, nil)
	return n
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func selector(pkg, name string) *ast.SelectorExpr {
	return &ast.SelectorExpr{X: ast.NewIdent(pkg), Sel: ast.NewIdent(name)}
}
