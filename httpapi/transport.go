package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// httpTransport is GraphQL over HTTP as the working draft of the spec
// says it, with the limits an open endpoint needs. It replaces gqlgen's
// GET and POST transports, which read bodies without bound, echo a
// malformed body back in the error, answer a mutation over GET with 406,
// and accept any number of errors.
//
//   - POST with Content-Type application/json; any other media type is
//     415, which also keeps cross-site HTML forms (text/plain, form
//     encodings, multipart) from running anything.
//   - GET for queries only: a mutation is 405 with Allow: POST.
//   - Accept: application/graphql-response+json gets that media type and
//     4xx statuses for requests that fail before execution; plain
//     application/json (or no Accept) gets 200 with the errors, as the
//     spec asks for legacy clients.
//   - A body over maxBody is 413; at most maxErrors errors are returned.
type httpTransport struct {
	maxBody   int64
	maxErrors int
	trusted   *trustedDocuments
}

var _ graphql.Transport = httpTransport{}

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

func (httpTransport) Supports(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodPost) && r.Header.Get("Upgrade") == ""
}

// request is a POST body or the parameters of a GET, still raw so each
// can be checked with a clear message.
type request struct {
	Query         *string         `json:"query"`
	OperationName *string         `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media, ok := responseMedia(r.Header.Get("Accept"))
	if !ok {
		writeError(w, mediaJSON, http.StatusNotAcceptable, "NOT_ACCEPTABLE",
			"the response can be application/graphql-response+json or application/json; the Accept header allows neither")
		return
	}
	var req request
	if r.Method == http.MethodPost {
		ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || ct != mediaJSON {
			writeError(w, media, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE",
				"POST a JSON body with Content-Type: application/json")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, t.maxBody+1))
		if err != nil {
			writeError(w, media, http.StatusBadRequest, "BAD_REQUEST", "could not read the request body")
			return
		}
		if int64(len(body)) > t.maxBody {
			writeError(w, media, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
				fmt.Sprintf("the request body is over the limit of %d bytes", t.maxBody))
			return
		}
		if err := decodeStrict(body, &req); err != nil {
			writeError(w, media, http.StatusBadRequest, "BAD_REQUEST", "the body is not a GraphQL request: "+err.Error())
			return
		}
	} else {
		q := r.URL.Query()
		for name, field := range map[string]**string{"query": &req.Query, "operationName": &req.OperationName} {
			if v, ok := q[name]; ok {
				*field = &v[0]
			}
		}
		req.Variables = json.RawMessage(q.Get("variables"))
		req.Extensions = json.RawMessage(q.Get("extensions"))
	}

	if r.Method == http.MethodGet && req.Query != nil && !readsOnly(*req.Query, req.OperationName) {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, media, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "GET runs queries only; send mutations with POST")
		return
	}
	params, msg := req.params()
	if msg != "" {
		writeError(w, media, http.StatusBadRequest, "BAD_REQUEST", msg)
		return
	}
	params.Headers = r.Header
	if t.trusted != nil {
		if err := t.trusted.resolve(params); err != nil {
			t.writeRequestError(w, media, http.StatusBadRequest, exec.DispatchError(r.Context(), gqlerror.List{err}))
			return
		}
	}
	rc, errs := exec.CreateOperationContext(r.Context(), params)
	if errs != nil {
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		t.writeRequestError(w, media, status, exec.DispatchError(graphql.WithOperationContext(r.Context(), rc), errs))
		return
	}
	if r.Method == http.MethodGet && rc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, media, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "GET runs queries only; send mutations with POST")
		return
	}
	responses, ctx := exec.DispatchOperation(r.Context(), rc)
	t.write(w, media, http.StatusOK, responses(ctx))
}

// readsOnly reports whether the operation a GET selects is a query. It
// parses without the schema, so it can refuse a mutation before anything
// else looks at it; a document that does not parse is left to the
// executor, which says why.
func readsOnly(query string, operationName *string) bool {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return true
	}
	for _, op := range doc.Operations {
		if (operationName == nil || *operationName == "" || op.Name == *operationName) && op.Operation != ast.Query {
			return false
		}
	}
	return true
}

// params checks the request's fields and converts them.
func (req *request) params() (*graphql.RawParams, string) {
	p := &graphql.RawParams{}
	if req.Query != nil {
		p.Query = *req.Query
	}
	if req.OperationName != nil {
		p.OperationName = *req.OperationName
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		into *map[string]any
	}{{"variables", req.Variables, &p.Variables}, {"extensions", req.Extensions, &p.Extensions}} {
		if len(f.raw) == 0 || string(f.raw) == "null" {
			continue
		}
		if err := decodeStrict(f.raw, f.into); err != nil || *f.into == nil {
			return nil, f.name + " must be a JSON object"
		}
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
			return fmt.Errorf("%s must not be a JSON %s", cmpOr(typeErr.Field, "the value"), typeErr.Value)
		}
		return errors.New("malformed JSON")
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// responseMedia picks the response's media type from an Accept header:
// the first of the two JSON types it lists, application/json for a
// wildcard or no header; ok is false when it allows neither.
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

// write sends the response of an operation that ran, keeping at most
// maxErrors errors.
func (t httpTransport) write(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	resp.Errors = t.capErrors(resp.Errors)
	b, err := encodeResponse(resp)
	if err != nil {
		send(w, media, http.StatusInternalServerError, nil)
		return
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

// encodeResponse writes a response with its data as gqlgen made it:
// json.Marshal would check and compact those bytes again, which is a tenth
// of the CPU of a request.
func encodeResponse(resp *graphql.Response) ([]byte, error) {
	if resp.Label != "" || resp.Path != nil || resp.HasNext != nil {
		return json.Marshal(resp) // incremental delivery: rare, keep it simple
	}
	b := make([]byte, 0, len(resp.Data)+64)
	b = append(b, '{')
	if len(resp.Errors) > 0 {
		errs, err := json.Marshal(resp.Errors)
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, `"errors":`...), errs...), ',')
	}
	b = append(b, `"data":`...)
	if len(resp.Data) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, resp.Data...)
	}
	if len(resp.Extensions) > 0 {
		ext, err := json.Marshal(resp.Extensions)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `,"extensions":`...), ext...)
	}
	return append(b, '}'), nil
}

// writeRequestError sends the errors of a request that failed before
// execution. Such a response has no data entry at all, not even null: a
// client tells "never ran" from "ran and nulled the root" by it.
func (t httpTransport) writeRequestError(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	send(w, media, status, requestErrors{Errors: t.capErrors(resp.Errors), Extensions: resp.Extensions})
}

// requestErrors is a response without data.
type requestErrors struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

func (t httpTransport) capErrors(errs gqlerror.List) gqlerror.List {
	if n := len(errs); t.maxErrors > 0 && n > t.maxErrors {
		errs = append(errs[:t.maxErrors:t.maxErrors], &gqlerror.Error{
			Message:    fmt.Sprintf("%d more errors not shown", n-t.maxErrors),
			Extensions: map[string]any{"code": "TOO_MANY_ERRORS"},
		})
	}
	return errs
}

// writeError sends a request-level error: one error with a code, no data.
func writeError(w http.ResponseWriter, media string, status int, code, msg string) {
	send(w, media, status, requestErrors{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}})
}

func send(w http.ResponseWriter, media string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil || v == nil {
		media, status = mediaJSON, http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

// trustedDocuments is the allow-list of operations a locked-down server
// runs: a client sends the document's SHA-256 (as in automatic persisted
// queries) or the document itself, and only registered ones run.
type trustedDocuments struct {
	byHash map[string]string
}

// newTrustedDocuments reads a manifest: a JSON object from SHA-256 hex
// hashes to documents. Every hash must match its document.
func newTrustedDocuments(manifest []byte) (*trustedDocuments, error) {
	var docs map[string]string
	if err := json.Unmarshal(manifest, &docs); err != nil {
		return nil, fmt.Errorf("trusted documents: not a JSON object of hash to document: %w", err)
	}
	for hash, doc := range docs {
		if sum := sha256.Sum256([]byte(doc)); hex.EncodeToString(sum[:]) != strings.ToLower(hash) {
			return nil, fmt.Errorf("trusted documents: %s is not the SHA-256 of its document", hash)
		}
	}
	return &trustedDocuments{byHash: docs}, nil
}

// resolve fills in the query of a request that names a trusted document by
// hash, and refuses any other.
func (td *trustedDocuments) resolve(p *graphql.RawParams) *gqlerror.Error {
	hash := ""
	if pq, ok := p.Extensions["persistedQuery"].(map[string]any); ok {
		hash, _ = pq["sha256Hash"].(string)
	}
	if p.Query != "" {
		sum := sha256.Sum256([]byte(p.Query))
		hash = hex.EncodeToString(sum[:])
	}
	doc, ok := td.byHash[strings.ToLower(hash)]
	if !ok {
		return &gqlerror.Error{Message: "this server runs registered operations only, and this is not one",
			Extensions: map[string]any{"code": "PERSISTED_QUERY_NOT_FOUND"}}
	}
	p.Query = doc
	delete(p.Extensions, "persistedQuery")
	return nil
}
