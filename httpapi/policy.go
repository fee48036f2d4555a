package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The policy every operation passes, whatever transport brought it: these
// are executor extensions, which gqlgen runs for every operation it
// creates (POST, GET, SSE and each WebSocket subscribe alike), so a
// transport cannot skip them. The limits (graph/limits) and the trusted
// documents or automatic persisted queries are extensions too; the
// deadline, the read side and the subscription bounds are in operation.go.

// operationPolicy looks at the operation once it is parsed and validated:
// it records on the request which operation runs and whether it defers,
// and refuses what the request may not run: introspection when it is off,
// federation's Query._service when the schema is hidden, a mutation over
// GET, a subscription without a stream to send it on.
type operationPolicy struct {
	introspection bool
	// sdl: the schema's SDL is served (/schema.graphql), and so is the
	// subgraph's (Query._service), with introspection off too.
	sdl bool
}

var (
	_ graphql.HandlerExtension        = operationPolicy{}
	_ graphql.OperationContextMutator = operationPolicy{}
)

func (operationPolicy) ExtensionName() string { return "TupuOperationPolicy" }

func (operationPolicy) Validate(graphql.ExecutableSchema) error { return nil }

func (p operationPolicy) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Operation
	asks := inspect(op)
	if asks.schema && !p.introspection {
		return coded("INTROSPECTION_DISABLED", "introspection is turned off on this server")
	}
	if asks.service {
		if !p.sdl && !p.introspection {
			return coded("INTROSPECTION_DISABLED", "the schema is hidden on this server: introspection and the schema's URL are turned off")
		}
		// gqlgen answers _service only where introspection is on; __schema
		// and __type were refused above if it is not.
		oc.DisableIntrospection = false
	}
	req := requestFrom(ctx)
	if req == nil || req.transport == transportWebsocket {
		// A WebSocket's request is its connection's, which runs many
		// operations at once: nothing of one is written into it.
		return nil
	}
	req.operation, req.deferred = op.Operation, asks.deferral
	switch {
	case req.transport == transportGET && op.Operation != ast.Query:
		return coded("METHOD_NOT_ALLOWED", "GET runs queries only; send mutations with POST")
	case op.Operation == ast.Subscription && (req.transport == transportGET || req.transport == transportPOST):
		return coded("BAD_REQUEST", "a subscription needs a stream: POST with Accept: text/event-stream, or a WebSocket (graphql-transport-ws)")
	}
	return nil
}

// asked is what an operation selects that the policy cares about.
type asked struct {
	schema   bool // __schema or __type
	service  bool // federation's _service: the subgraph's SDL
	deferral bool // a @defer fragment
}

// inspect walks the selections of op, each fragment once.
func inspect(op *ast.OperationDefinition) asked {
	var a asked
	seen := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				switch s.Name {
				case "__schema", "__type":
					a.schema = true
				case "_service":
					a.service = true
				}
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				if s.Directives.ForName("defer") != nil {
					a.deferral = true
				}
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Directives.ForName("defer") != nil {
					a.deferral = true
				}
				if !seen[s.Name] && s.Definition != nil {
					seen[s.Name] = true
					walk(s.Definition.SelectionSet)
				}
			}
		}
	}
	if op != nil {
		walk(op.SelectionSet)
	}
	return a
}

func coded(code, message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}}
}

// trustedDocuments is the allow-list of operations a locked-down server
// runs: a client sends the document's SHA-256 (as in automatic persisted
// queries) or the document itself, and only registered ones run.
type trustedDocuments struct {
	byHash map[string]string
}

var (
	_ graphql.HandlerExtension          = (*trustedDocuments)(nil)
	_ graphql.OperationParameterMutator = (*trustedDocuments)(nil)
)

// newTrustedDocuments reads a manifest: a JSON object from SHA-256 hex
// hashes, bare or as document identifiers ("sha256:<hex>", as GraphQL Code
// Generator's persisted-documents.json has them), to documents. Every hash
// must match its document.
func newTrustedDocuments(manifest []byte) (*trustedDocuments, error) {
	var docs map[string]string
	if err := json.Unmarshal(manifest, &docs); err != nil {
		return nil, fmt.Errorf("trusted documents: not a JSON object of hash to document: %w", err)
	}
	byHash := make(map[string]string, len(docs))
	for id, doc := range docs {
		hash := documentHash(id)
		if sum := sha256.Sum256([]byte(doc)); hex.EncodeToString(sum[:]) != hash {
			return nil, fmt.Errorf("trusted documents: %s is not the SHA-256 of its document", id)
		}
		byHash[hash] = doc
	}
	return &trustedDocuments{byHash: byHash}, nil
}

// documentHash is the SHA-256 hex hash of a document identifier:
// "sha256:<hex>" (the GraphQL over HTTP persisted documents form) or the
// bare hex.
func documentHash(id string) string {
	id = strings.ToLower(strings.TrimSpace(id))
	return strings.TrimPrefix(id, "sha256:")
}

func (*trustedDocuments) ExtensionName() string { return "TupuTrustedDocuments" }

func (*trustedDocuments) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters fills in the query of a request that names a
// trusted document by hash, and refuses any other.
func (td *trustedDocuments) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	hash := ""
	if pq, ok := p.Extensions["persistedQuery"].(map[string]any); ok {
		hash, _ = pq["sha256Hash"].(string)
	}
	if p.Query != "" {
		sum := sha256.Sum256([]byte(p.Query))
		hash = hex.EncodeToString(sum[:])
	}
	doc, ok := td.byHash[documentHash(hash)]
	if !ok {
		return coded("PERSISTED_QUERY_NOT_FOUND", "this server runs registered operations only, and this is not one")
	}
	p.Query = doc
	delete(p.Extensions, "persistedQuery")
	return nil
}
