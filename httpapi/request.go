package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"tupu/graph"
	"tupu/store"
)

// transport is how a request came and how its answer goes back.
type transport uint8

const (
	// transportPOST is a POST with a JSON body: one answer, or the parts
	// of a deferred one as multipart/mixed.
	transportPOST transport = iota + 1
	// transportGET is a GET with the request in the URL: queries only.
	transportGET
	// transportSSE is a POST that accepts text/event-stream: every answer
	// of the operation as an event (subscriptions, deferred parts).
	transportSSE
	// transportWebsocket is an upgrade to the graphql-ws protocol.
	transportWebsocket
)

func (t transport) String() string {
	switch t {
	case transportPOST:
		return "POST"
	case transportGET:
		return "GET"
	case transportSSE:
		return "SSE"
	case transportWebsocket:
		return "WebSocket"
	}
	return "unknown"
}

// request is one GraphQL request as the request path classified it, once,
// at the door: how it came, what its client accepts, its body (read once,
// bounded) and its token. What execution learns about it (which operation
// ran, whether it defers, what its answer read) is added to it as it
// happens, so no later step works any of it out again. It travels in the
// request's context.
type request struct {
	transport transport
	accept    string
	// parts: the client reads an answer in parts (incremental delivery of
	// @defer): SSE always, POST and GET when Accept allows multipart/mixed.
	parts bool
	body  []byte
	token *store.Token

	// Set when the operation is known (see policy).
	operation ast.Operation
	deferred  bool // the operation has @defer fragments
	// reads is the read side of the operation's answer, for the response
	// cache; set when the answer is complete.
	reads *graph.Reads
}

type requestKey struct{}

func withRequest(ctx context.Context, req *request) context.Context {
	return context.WithValue(ctx, requestKey{}, req)
}

// requestFrom returns the request of ctx; nil outside the request path.
func requestFrom(ctx context.Context) *request {
	req, _ := ctx.Value(requestKey{}).(*request)
	return req
}

// refusal is a request refused before GraphQL: a status, a code and a
// message that never repeats the request.
type refusal struct {
	status  int
	code    string
	message string
	allow   string // the Allow header of a 405
}

func (f *refusal) write(w http.ResponseWriter, r *http.Request, media string) {
	if f.allow != "" {
		w.Header().Set("Allow", f.allow)
	}
	writeError(w, r, media, f.status, f.code, f.message)
}

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaEventStream     = "text/event-stream"
	mediaMultipart       = "multipart/mixed"
)

// classify reads what the request path needs to know about r, and its body
// (at most maxBody bytes), once. A request tupu does not serve is refused
// here, before anything else looks at it.
func classify(r *http.Request, maxBody int64) (*request, *refusal) {
	accept := r.Header.Get("Accept")
	req := &request{accept: accept}
	switch r.Method {
	case http.MethodGet:
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			req.transport = transportWebsocket
			return req, nil
		}
		if int64(len(r.URL.RawQuery)) > maxBody {
			// A GET's request is its URL: the same bound as a body.
			return nil, &refusal{status: http.StatusRequestURITooLong, code: "PAYLOAD_TOO_LARGE",
				message: fmt.Sprintf("the request's URL query is over the limit of %d bytes; POST it", maxBody)}
		}
		req.transport = transportGET
		req.parts = strings.Contains(accept, mediaMultipart)
		return req, nil
	case http.MethodPost:
	default:
		return nil, &refusal{status: http.StatusMethodNotAllowed, code: "METHOD_NOT_ALLOWED",
			message: "use GET for queries or POST", allow: "GET, POST, OPTIONS"}
	}
	if ct := r.Header.Get("Content-Type"); ct != mediaJSON {
		// The exact header needs no parsing; anything else does.
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != mediaJSON {
			return nil, &refusal{status: http.StatusUnsupportedMediaType, code: "UNSUPPORTED_MEDIA_TYPE",
				message: "POST a JSON body with Content-Type: application/json"}
		}
	}
	body, f := readBody(r, maxBody)
	if f != nil {
		return nil, f
	}
	req.body = body
	req.transport = transportPOST
	req.parts = strings.Contains(accept, mediaMultipart)
	if strings.Contains(accept, mediaEventStream) {
		req.transport, req.parts = transportSSE, true
	}
	return req, nil
}

// readBody reads a request body of at most limit bytes, into a buffer of
// its announced size.
func readBody(r *http.Request, limit int64) ([]byte, *refusal) {
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(max(r.ContentLength, 0), limit)+1))
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1)); err != nil {
		return nil, &refusal{status: http.StatusBadRequest, code: "BAD_REQUEST", message: "could not read the request body"}
	}
	if int64(buf.Len()) > limit {
		return nil, tooLarge(limit)
	}
	return buf.Bytes(), nil
}

func tooLarge(limit int64) *refusal {
	return &refusal{status: http.StatusRequestEntityTooLarge, code: "PAYLOAD_TOO_LARGE",
		message: fmt.Sprintf("the request body is over the limit of %d bytes", limit)}
}

// cacheable reports whether the answer to req, which ran and produced
// resp, may be kept by the response cache: a query's, sent whole as JSON,
// without errors, that shows nothing only its token may see.
func (req *request) cacheable(resp *graphql.Response) bool {
	return (req.transport == transportPOST || req.transport == transportGET) &&
		req.operation == ast.Query && !req.deferred && req.reads != nil && !req.reads.Private() &&
		resp != nil && len(resp.Errors) == 0 && resp.HasNext == nil
}

// rawParams is a POST body or the parameters of a GET, still raw so each
// can be checked with a clear message.
type rawParams struct {
	Query         *string         `json:"query"`
	OperationName *string         `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
	// DocumentID names a persisted document ("sha256:<hex>"), the GraphQL
	// over HTTP draft's form of what Apollo sends as
	// extensions.persistedQuery.sha256Hash; it is read as that.
	DocumentID *string `json:"documentId"`
}

// params decodes the GraphQL request of an HTTP request: its body for a
// POST, its URL for a GET. The message of a failure never repeats the
// request.
func (req *request) params(r *http.Request) (*graphql.RawParams, string) {
	var raw rawParams
	if req.transport == transportGET {
		q := r.URL.Query()
		for name, field := range map[string]**string{"query": &raw.Query, "operationName": &raw.OperationName, "documentId": &raw.DocumentID} {
			if v, ok := q[name]; ok {
				*field = &v[0]
			}
		}
		raw.Variables = json.RawMessage(q.Get("variables"))
		raw.Extensions = json.RawMessage(q.Get("extensions"))
	} else if err := decodeStrict(req.body, &raw); err != nil {
		return nil, "the body is not a GraphQL request: " + err.Error()
	}
	p := &graphql.RawParams{Headers: r.Header}
	if raw.Query != nil {
		p.Query = *raw.Query
	}
	if raw.OperationName != nil {
		p.OperationName = *raw.OperationName
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		into *map[string]any
	}{{"variables", raw.Variables, &p.Variables}, {"extensions", raw.Extensions, &p.Extensions}} {
		if len(f.raw) == 0 || string(f.raw) == "null" {
			continue
		}
		if err := decodeStrict(f.raw, f.into); err != nil || *f.into == nil {
			return nil, f.name + " must be a JSON object"
		}
	}
	if raw.DocumentID != nil {
		if p.Extensions["persistedQuery"] != nil {
			return nil, "send documentId or extensions.persistedQuery, not both"
		}
		if p.Extensions == nil {
			p.Extensions = map[string]any{}
		}
		p.Extensions["persistedQuery"] = map[string]any{"version": 1, "sha256Hash": documentHash(*raw.DocumentID)}
	}
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return nil, "the request has no query"
	}
	return p, ""
}

// decodeStrict decodes one JSON value, keeping numbers exact, and says
// what is wrong without repeating the input.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			field := typeErr.Field
			if field == "" {
				field = "the value"
			}
			return fmt.Errorf("%s must not be a JSON %s", field, typeErr.Value)
		}
		return errors.New("malformed JSON")
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// responseMedia picks the media type of a whole answer from an Accept
// header: the first of the two JSON types it lists, application/json for
// a wildcard or no header; ok is false when it allows neither.
func responseMedia(accept string) (media string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, true
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || params["q"] == "0" {
			continue
		}
		switch mt {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse, true
		case mediaJSON, "*/*", "application/*":
			return mediaJSON, true
		}
	}
	return "", false
}
