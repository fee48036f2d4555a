package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"tupu/graph"
	"tupu/httpapi"
	"tupu/httpapi/apitest"
	"tupu/store"
)

func sha(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

func persisted(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

// expect is what a policy case must see.
type expect struct {
	ran  bool   // the operation answered with data (a failed mutation nulls it)
	code string // the first error's code, or the close reason's start over a WebSocket
	// status is the HTTP status over POST (server-sent events and
	// WebSockets report errors in their stream, GET has statuses of its
	// own for some); 0: not checked.
	status int
}

func (e expect) check(t *testing.T, tr transportClient, o outcome) {
	t.Helper()
	if o.ran() != e.ran {
		t.Errorf("ran %v, want %v: %.300s", o.ran(), e.ran, o.raw)
	}
	got := o.code()
	if got == "" && o.closed != "" {
		got, _, _ = strings.Cut(o.closed, ":")
	}
	if got != e.code {
		t.Errorf("code %q, want %q (status %d, closed %q): %.300s", got, e.code, o.status, o.closed, o.raw)
	}
	if e.status != 0 && tr.name == "POST" && o.status != e.status {
		t.Errorf("status %d, want %d", o.status, e.status)
	}
}

// policyCase is one request and what every transport must make of it.
type policyCase struct {
	name string
	op   func(tokens map[string]string) operation
	want expect
	// writes: the case is a mutation, which GET refuses with 405 once the
	// operation is known; get, when set, is what GET does instead.
	writes bool
	get    *expect
}

// TestPolicy_everyTransport runs every policy against every transport,
// through the real handler on 127.0.0.1: the body bound, trusted
// documents, automatic persisted queries, introspection off (and
// federation's _service, which follows the schema's URL), the operation
// limits, the deadline of queries and mutations, and tokens. A transport
// added to transportClients is held to all of them.
func TestPolicy_everyTransport(t *testing.T) {
	const query = `{ districts { totalCount } }`
	const mutation = `mutation { updateEntity(input: {id: "yubei-district", expectedVersion: 99, note: "x"}) { entity { version } } }`
	deep := "{ entity(key: \"yubei-district\") { " + strings.Repeat("relations { nodes { ", 14) + "key" + strings.Repeat(" } }", 14) + " } }"
	// A key may be the bare hash or a document identifier, as GraphQL Code
	// Generator writes them.
	manifest, _ := json.Marshal(map[string]string{"sha256:" + sha(query): query})

	for _, p := range []struct {
		name  string
		opts  httpapi.Options
		cases []policyCase
	}{
		{"body size", httpapi.Options{MaxBodyBytes: 2048}, []policyCase{
			{name: "over the bound", op: func(map[string]string) operation {
				return operation{query: "{ districts { totalCount } " + strings.Repeat(" ", 4096) + "}"}
			}, want: expect{code: "PAYLOAD_TOO_LARGE", status: http.StatusRequestEntityTooLarge}},
			{name: "under it", op: func(map[string]string) operation { return operation{query: query} }, want: expect{ran: true}},
		}},
		{"trusted documents", httpapi.Options{TrustedDocuments: manifest}, []policyCase{
			{name: "a registered document", op: func(map[string]string) operation { return operation{query: query} }, want: expect{ran: true}},
			{name: "a registered document by hash", op: func(map[string]string) operation {
				return operation{extensions: persisted(sha(query))}
			}, want: expect{ran: true}},
			{name: "any other query", op: func(map[string]string) operation {
				return operation{query: `{ parks { totalCount } }`}
			}, want: expect{code: "PERSISTED_QUERY_NOT_FOUND", status: http.StatusOK}},
			{name: "an unknown hash", op: func(map[string]string) operation {
				return operation{extensions: persisted(strings.Repeat("ab", 32))}
			}, want: expect{code: "PERSISTED_QUERY_NOT_FOUND"}},
			{name: "a mutation by an editor", writes: true, get: &expect{code: "PERSISTED_QUERY_NOT_FOUND"}, op: func(tok map[string]string) operation {
				return operation{query: mutation, token: tok["editor"]}
			}, want: expect{code: "PERSISTED_QUERY_NOT_FOUND"}},
			{name: "introspection", op: func(map[string]string) operation {
				return operation{query: `{ __schema { types { name } } }`}
			}, want: expect{code: "PERSISTED_QUERY_NOT_FOUND"}},
		}},
		{"automatic persisted queries", httpapi.Options{}, []policyCase{
			{name: "an unknown hash", op: func(map[string]string) operation {
				return operation{extensions: persisted(sha(`{ counties { totalCount } }`))}
			}, want: expect{code: "PERSISTED_QUERY_NOT_FOUND"}},
			{name: "the document with its hash", op: func(map[string]string) operation {
				return operation{query: query, extensions: persisted(sha(query))}
			}, want: expect{ran: true}},
			{name: "a hash that is not the document's", op: func(map[string]string) operation {
				return operation{query: query, extensions: persisted(sha(`{ parks { totalCount } }`))}
			}, want: expect{code: "BAD_USER_INPUT"}},
		}},
		{"introspection off", httpapi.Options{NoIntrospection: true}, []policyCase{
			{name: "__schema", op: func(map[string]string) operation {
				return operation{query: `{ __schema { queryType { name } } }`}
			}, want: expect{code: "INTROSPECTION_DISABLED"}},
			{name: "__type in a fragment", op: func(map[string]string) operation {
				return operation{query: `{ ...F } fragment F on Query { __type(name: "Park") { name } }`}
			}, want: expect{code: "INTROSPECTION_DISABLED"}},
			{name: "an ordinary query", op: func(map[string]string) operation { return operation{query: query} }, want: expect{ran: true}},
			// A federation router composes the supergraph from the
			// subgraph's SDL, which is served as /schema.graphql is.
			{name: "federation's _service", op: func(map[string]string) operation {
				return operation{query: `{ _service { sdl } }`}
			}, want: expect{ran: true}},
			{name: "_service with __schema", op: func(map[string]string) operation {
				return operation{query: `{ _service { sdl } __schema { queryType { name } } }`}
			}, want: expect{code: "INTROSPECTION_DISABLED"}},
		}},
		{"introspection off, schema hidden", httpapi.Options{NoIntrospection: true, HideSchema: true}, []policyCase{
			{name: "federation's _service", op: func(map[string]string) operation {
				return operation{query: `{ _service { sdl } }`}
			}, want: expect{code: "INTROSPECTION_DISABLED"}},
			{name: "an ordinary query", op: func(map[string]string) operation { return operation{query: query} }, want: expect{ran: true}},
		}},
		{"limits", httpapi.Options{}, []policyCase{
			{name: "14 deep", op: func(map[string]string) operation { return operation{query: deep} }, want: expect{code: "DEPTH_LIMIT"}},
			{name: "fan-out cost", op: func(map[string]string) operation {
				return operation{query: graph.RelationsOfRelationsQuery}
			}, want: expect{code: "COMPLEXITY_LIMIT"}},
		}},
		{"deadline", httpapi.Options{Timeout: time.Nanosecond}, []policyCase{
			{name: "a query", op: func(map[string]string) operation { return operation{query: query} }, want: expect{code: "UNAVAILABLE"}},
			{name: "a mutation", writes: true, op: func(tok map[string]string) operation {
				return operation{query: mutation, token: tok["editor"]}
			}, want: expect{code: "UNAVAILABLE"}},
		}},
		{"writes need a token", httpapi.Options{}, []policyCase{
			{name: "anonymous", writes: true, op: func(map[string]string) operation { return operation{query: mutation} }, want: expect{code: "UNAUTHENTICATED"}},
			{name: "an editor's runs, to its conflict", writes: true, op: func(tok map[string]string) operation {
				return operation{query: mutation, token: tok["editor"]}
			}, want: expect{code: "CONFLICT"}},
		}},
		{"reads need a token", httpapi.Options{ReadsNeedToken: true}, []policyCase{
			{name: "anonymous", op: func(map[string]string) operation { return operation{query: query} }, want: expect{code: "UNAUTHENTICATED", status: http.StatusUnauthorized}},
			{name: "with a token", op: func(tok map[string]string) operation { return operation{query: query, token: tok["editor"]} }, want: expect{ran: true}},
			{name: "a forged token", op: func(map[string]string) operation { return operation{query: query, token: "tupu_forged"} }, want: expect{code: "UNAUTHENTICATED", status: http.StatusUnauthorized}},
		}},
	} {
		t.Run(p.name, func(t *testing.T) {
			s := apitest.Serve(t, p.opts)
			tokens := map[string]string{"editor": s.Token(t, "alice", store.RoleEditor)}
			for _, tr := range transportClients {
				for _, c := range p.cases {
					t.Run(tr.name+"/"+c.name, func(t *testing.T) {
						want := c.want
						switch {
						case tr.readsOnly && c.get != nil:
							want = *c.get
						case tr.readsOnly && c.writes:
							want = expect{code: "METHOD_NOT_ALLOWED"}
						}
						want.check(t, tr, tr.do(t, s.URL, c.op(tokens)))
					})
				}
			}
		})
	}
}
