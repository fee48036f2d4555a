package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"tupu/graph"
)

// printSchema prints the public schema as SDL: every type and directive
// it declares, with their descriptions, which is what introspection
// describes. gqlparser's built-ins are left out, as every GraphQL tool
// knows them, except @defer, which introspection lists and graphql-js
// (and so GraphQL Code Generator) does not declare itself: without it,
// documents that defer fail to validate against the SDL.
//
// What makes the schema a federation subgraph is left out too: the
// fields, types and directives gqlgen's federation plugin declares are
// built-ins to the formatter, and the @key and @link uses of
// federation.graphql are taken off here (graph.FromFederation). A router
// reads them from Query._service instead.
func printSchema(s *ast.Schema) []byte {
	var b bytes.Buffer
	formatter.NewFormatter(&b).FormatSchema(withoutFederation(s))
	if d := s.Directives["defer"]; d != nil {
		formatter.NewFormatter(&b, formatter.WithBuiltin()).FormatSchemaDocument(&ast.SchemaDocument{Directives: ast.DirectiveDefinitionList{d}})
	}
	return b.Bytes()
}

// withoutFederation returns s without the directive uses of
// federation.graphql, sharing everything else with it.
func withoutFederation(s *ast.Schema) *ast.Schema {
	public := *s
	public.SchemaDirectives = ourDirectives(s.SchemaDirectives)
	public.Types = make(map[string]*ast.Definition, len(s.Types))
	for name, def := range s.Types {
		if ours := ourDirectives(def.Directives); len(ours) != len(def.Directives) {
			d := *def
			d.Directives = ours
			def = &d
		}
		public.Types[name] = def
	}
	return &public
}

func ourDirectives(list ast.DirectiveList) ast.DirectiveList {
	var ours ast.DirectiveList
	for _, d := range list {
		if !graph.FromFederation(d.Position) {
			ours = append(ours, d)
		}
	}
	return ours
}

// schemaHandler serves the SDL, with an ETag so a client revalidates it
// for the price of a 304.
type schemaHandler struct {
	sdl  []byte
	etag string
	cors *cors
}

func newSchemaHandler(s *ast.Schema, c *cors) *schemaHandler {
	sdl := printSchema(s)
	sum := sha256.Sum256(sdl)
	return &schemaHandler{sdl: sdl, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, cors: c}
}

func (h *schemaHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cors.handle(w, r) {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, r, mediaJSON, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "GET the schema")
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/plain; charset=utf-8")
	hd.Set("ETag", h.etag)
	hd.Set("Cache-Control", "no-cache") // revalidate: the schema changes with the binary
	// ServeContent answers If-None-Match with 304, HEAD and ranges.
	http.ServeContent(w, r, "schema.graphql", time.Time{}, bytes.NewReader(h.sdl))
}
