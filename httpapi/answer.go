package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"tupu"
	"tupu/clientaddr"
	"tupu/graph/limits"
	"tupu/observe"
)

// serveAnswer runs a POST or GET request and sends its answer: whole, as
// JSON, or in parts (writeMultipart) when it defers and its client reads
// parts. keep, when set, is offered a whole answer for the response cache
// if the request may be kept (request.cacheable).
func (srv *Server) serveAnswer(w http.ResponseWriter, r *http.Request, req *request, keep func(contentType string, body []byte, op *observe.Operation)) {
	media, ok := responseMedia(req.accept)
	if !ok && req.parts {
		// A client that reads parts only gets a whole answer as JSON.
		media, ok = mediaJSON, true
	}
	if !ok {
		writeError(w, r, mediaJSON, http.StatusNotAcceptable, "NOT_ACCEPTABLE",
			"the response can be application/graphql-response+json or application/json; the Accept header allows neither")
		return
	}
	params, msg := req.params(r)
	if msg != "" {
		writeError(w, r, media, http.StatusBadRequest, "BAD_REQUEST", msg)
		return
	}
	ctx := r.Context()
	oc, errs := srv.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := srv.exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		noteOperation(ctx, params, oc, resp)
		status := http.StatusOK // legacy JSON clients read the errors from a 200
		if media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		if codeOf(resp.Errors[0]) == "METHOD_NOT_ALLOWED" {
			w.Header().Set("Allow", http.MethodPost)
			status = http.StatusMethodNotAllowed
		}
		send(w, media, status, requestErrors{Errors: capErrors(resp.Errors, srv.opts.MaxErrors), Extensions: resp.Extensions})
		return
	}
	responses, ctx := srv.exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if resp == nil {
		resp = &graphql.Response{Errors: gqlerror.List{coded("UNAVAILABLE", "the request was cancelled or ran out of time")}}
	}
	op := noteOperation(ctx, params, oc, resp)
	if resp.HasNext != nil && *resp.HasNext {
		srv.writeMultipart(w, ctx, resp, responses)
		return
	}
	resp.Errors = capErrors(resp.Errors, srv.opts.MaxErrors)
	body, err := encodeResponse(resp)
	if err != nil {
		send(w, media, http.StatusInternalServerError, nil)
		return
	}
	contentType := media + "; charset=utf-8"
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
	if keep != nil && req.cacheable(resp) {
		keep(contentType, body, op)
	}
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

// serveStream serves a request that holds a stream open: a WebSocket, or
// server-sent events. Each client address (the forwarded one behind a
// trusted proxy: clientaddr.Of) holds at most MaxStreamsPerClient of them
// at once.
func (srv *Server) serveStream(w http.ResponseWriter, r *http.Request, req *request) {
	if req.transport == transportWebsocket && !originAllowed(r, srv.opts.AllowedOrigins) && !srv.cors.allows(r.Header.Get("Origin")) {
		writeError(w, r, mediaJSON, http.StatusForbidden, "FORBIDDEN",
			"a page from this origin may not open a WebSocket here (see --allowed-origins)")
		return
	}
	release, ok := srv.streams.take(clientaddr.Of(r).Key())
	if !ok {
		w.Header().Set("Retry-After", "10")
		writeError(w, r, mediaJSON, http.StatusTooManyRequests, "TOO_MANY_STREAMS",
			fmt.Sprintf("this address holds %d streams (WebSockets and event streams) open, as many as it may; close one first", srv.opts.MaxStreamsPerClient))
		return
	}
	defer release()
	r = r.WithContext(withStream(r.Context()))
	if req.token != nil {
		r = r.WithContext(untilRevoked(r.Context(), srv.store, req.token))
	}
	if req.transport == transportWebsocket {
		srv.websocket.Do(w, r, srv.exec)
		return
	}
	srv.serveEvents(w, r, req)
}

// serveEvents runs a request over server-sent events (the distinct
// connections mode of the GraphQL over SSE protocol): every answer of the
// operation, including the errors of one that could not run, is a "next"
// event, and "complete" ends the stream.
func (srv *Server) serveEvents(w http.ResponseWriter, r *http.Request, req *request) {
	h := w.Header()
	h.Set("Content-Type", mediaEventStream+"; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	var mu sync.Mutex // the keep-alive and the events write in turn
	write := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		// The server's write timeout would end the stream that long after
		// it opened; a stream lives as long as its operation, and each
		// write has that long to reach the client instead.
		rc.SetWriteDeadline(time.Now().Add(srv.opts.WriteTimeout))
		io.WriteString(w, s)
		rc.Flush()
	}
	write(":\n\n") // the stream is open before the first event comes
	send := func(b []byte, err error) {
		if err != nil {
			b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
		}
		write("event: next\ndata: " + string(b) + "\n\n")
	}
	event := func(data any) { send(json.Marshal(data)) }
	// A comment every KeepAlive, as a WebSocket is pinged: a proxy that
	// ends a stream silent for a while (nginx's proxy_read_timeout, 60 s
	// by default) keeps a quiet subscription, and a client gone away is
	// found when the write fails.
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(srv.opts.KeepAlive)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				write(":\n\n")
			}
		}
	}()
	defer func() {
		close(stop)
		<-stopped
		write("event: complete\ndata:\n\n")
	}()
	ctx := r.Context()
	params, msg := req.params(r)
	if msg != "" {
		event(requestErrors{Errors: gqlerror.List{coded("BAD_REQUEST", msg)}})
		return
	}
	oc, errs := srv.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := srv.exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		noteOperation(ctx, params, oc, resp)
		event(requestErrors{Errors: capErrors(resp.Errors, srv.opts.MaxErrors), Extensions: resp.Extensions})
		return
	}
	responses, ctx := srv.exec.DispatchOperation(ctx, oc)
	inParts := false // an answer in parts (@defer), not a stream of answers
	for first := true; ; first = false {
		resp := responses(ctx)
		if resp == nil {
			if revoked(ctx) {
				event(requestErrors{Errors: gqlerror.List{coded(string(tupu.ErrorCode(errRevoked)), tupu.ErrorMessage(errRevoked))}})
			}
			return
		}
		if first {
			noteOperation(ctx, params, oc, resp)
			inParts = resp.HasNext != nil
		}
		if inParts {
			send(encodePart(resp, first, srv.opts.MaxErrors))
			continue
		}
		resp.Errors = capErrors(resp.Errors, srv.opts.MaxErrors)
		event(resp)
	}
}

// noteOperation tells the access log which operation the request ran
// (params asked for it, oc is what it became) and how its (first)
// response went: its first error's code and its cost figures.
func noteOperation(ctx context.Context, params *graphql.RawParams, oc *graphql.OperationContext, resp *graphql.Response) *observe.Operation {
	op := operationOf(params.OperationName, oc, resp)
	observe.NoteOperation(ctx, op)
	return op
}

// operationOf is what the access log says of an operation: its name (the
// one the client asked for, or the one oc ran), its type, and how its
// (first) response went: its first error's code and its cost figures.
func operationOf(name string, oc *graphql.OperationContext, resp *graphql.Response) *observe.Operation {
	op := &observe.Operation{Name: name}
	if oc != nil && oc.Operation != nil {
		op.Type = string(oc.Operation.Operation)
		if oc.Operation.Name != "" {
			op.Name = oc.Operation.Name
		}
	}
	if resp != nil {
		if len(resp.Errors) > 0 {
			op.Code = codeOf(resp.Errors[0])
		}
		if f, ok := resp.Extensions[limits.CostExtension].(limits.Figures); ok {
			op.Estimate, op.Objects = f.Estimate, f.Objects
		}
	}
	return op
}
