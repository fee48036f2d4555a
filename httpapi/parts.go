package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// An answer with @defer fragments goes in parts, in the incremental
// delivery format Apollo Client and urql read (deferSpec=20220824): the
// first part is the answer without the deferred fragments, with
// "hasNext": true; each later part carries one fragment's data at its
// path, in "incremental", and the last says "hasNext": false. Over POST
// and GET the parts are a multipart/mixed body; over server-sent events,
// "next" events.

// incremental is one deferred fragment's data, at its path in the answer.
type incremental struct {
	Data       json.RawMessage `json:"data"`
	Path       ast.Path        `json:"path"`
	Label      string          `json:"label,omitempty"`
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// subsequent is a part after the first.
type subsequent struct {
	Incremental []incremental `json:"incremental"`
	HasNext     bool          `json:"hasNext"`
}

// encodePart encodes resp, the answer's first part or a later one, with
// at most maxErrors errors.
func encodePart(resp *graphql.Response, first bool, maxErrors int) ([]byte, error) {
	resp.Errors = capErrors(resp.Errors, maxErrors)
	if first {
		return json.Marshal(resp)
	}
	hasNext := resp.HasNext != nil && *resp.HasNext
	path := resp.Path
	if path == nil {
		path = ast.Path{}
	}
	return json.Marshal(subsequent{
		Incremental: []incremental{{Data: resp.Data, Path: path, Label: resp.Label, Errors: resp.Errors, Extensions: resp.Extensions}},
		HasNext:     hasNext,
	})
}

// multipartBoundary separates the parts: "-" is what Apollo Client
// assumes when a server names none, and JSON never starts a line with it.
const multipartBoundary = "-"

// writeMultipart sends first and the parts responses gives after it as a
// multipart/mixed body, each flushed as soon as it is made: the client
// renders the first part while the deferred fragments resolve. Each part
// is followed at once by the next delimiter, which is how a client knows
// the part is whole.
func (srv *Server) writeMultipart(w http.ResponseWriter, ctx context.Context, first *graphql.Response, responses graphql.ResponseHandler) {
	h := w.Header()
	h.Set("Content-Type", `multipart/mixed; boundary="`+multipartBoundary+`"; deferSpec=20220824`)
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flush := http.NewResponseController(w).Flush
	io.WriteString(w, "\r\n--"+multipartBoundary)
	for resp, isFirst := first, true; resp != nil; resp, isFirst = responses(ctx), false {
		b, err := encodePart(resp, isFirst, srv.opts.MaxErrors)
		if err != nil {
			b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}],"hasNext":false}`)
		}
		io.WriteString(w, "\r\nContent-Type: application/json; charset=utf-8\r\n\r\n")
		w.Write(b)
		io.WriteString(w, "\r\n--"+multipartBoundary)
		if err := flush(); err != nil {
			return // the client went away; the request's end stops the rest
		}
		if resp.HasNext == nil || !*resp.HasNext {
			break
		}
	}
	io.WriteString(w, "--\r\n")
}
