package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The clients of every transport the endpoint speaks, each sending an
// operation the way a real client of that transport does and reading back
// one outcome, so that a test can hold every transport to the same
// policy.

// operation is what a client asks for.
type operation struct {
	query         string
	operationName string
	variables     map[string]any
	extensions    map[string]any
	token         string      // sent as a bearer token (in connection_init over a WebSocket)
	header        http.Header // more headers on the HTTP request
	body          []byte      // sent as the body as it is, instead of the fields above
}

func (op operation) params() map[string]any {
	p := map[string]any{"query": op.query}
	if op.query == "" {
		delete(p, "query")
	}
	if op.operationName != "" {
		p["operationName"] = op.operationName
	}
	if op.variables != nil {
		p["variables"] = op.variables
	}
	if op.extensions != nil {
		p["extensions"] = op.extensions
	}
	return p
}

func (op operation) jsonBody() []byte {
	if op.body != nil {
		return op.body
	}
	b, _ := json.Marshal(op.params())
	return b
}

// outcome is the first answer to an operation, whatever carried it.
type outcome struct {
	status int // the HTTP status; 101 for a WebSocket that upgraded
	// closed is the close reason of a WebSocket closed before it answered.
	closed string
	errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	}
	data json.RawMessage // absent: the operation never ran
	raw  string
}

// code is the first error's code, or "".
func (o outcome) code() string {
	if len(o.errors) == 0 {
		return ""
	}
	c, _ := o.errors[0].Extensions["code"].(string)
	return c
}

// ran reports whether the operation answered with data (not null).
func (o outcome) ran() bool { return len(o.data) > 0 && string(o.data) != "null" }

func (o *outcome) decode(b []byte) {
	o.raw = string(b)
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(b, &r) == nil {
		o.data = r.Data
		json.Unmarshal(r.Errors, &o.errors)
	}
}

// transportClient is one transport's client.
type transportClient struct {
	name string
	// reads: the transport runs queries only (GET).
	readsOnly bool
	do        func(t testing.TB, endpoint string, op operation) outcome
}

// transportClients are every transport the endpoint serves. A transport
// added to the endpoint is added here, and every test that ranges over
// this list holds it to the same policy.
var transportClients = []transportClient{
	{name: "POST", do: doPOST},
	{name: "GET", readsOnly: true, do: doGET},
	{name: "SSE", do: doSSE},
	{name: "WebSocket", do: doWebsocket},
	{name: "multipart", do: doMultipart},
}

func httpDo(t testing.TB, req *http.Request, op operation) *http.Response {
	t.Helper()
	if op.token != "" {
		req.Header.Set("Authorization", "Bearer "+op.token)
	}
	for k, v := range op.header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func doPOST(t testing.TB, endpoint string, op operation) outcome {
	t.Helper()
	req, _ := http.NewRequest("POST", endpoint, bytes.NewReader(op.jsonBody()))
	req.Header.Set("Content-Type", "application/json")
	resp := httpDo(t, req, op)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	o := outcome{status: resp.StatusCode}
	o.decode(b)
	return o
}

func doGET(t testing.TB, endpoint string, op operation) outcome {
	t.Helper()
	q := url.Values{}
	for k, v := range op.params() {
		if s, ok := v.(string); ok {
			q.Set(k, s)
		} else {
			b, _ := json.Marshal(v)
			q.Set(k, string(b))
		}
	}
	if op.body != nil {
		q.Set("query", string(op.body))
	}
	req, _ := http.NewRequest("GET", endpoint+"?"+q.Encode(), nil)
	resp := httpDo(t, req, op)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	o := outcome{status: resp.StatusCode}
	o.decode(b)
	return o
}

// multipartAccept is what Apollo Client sends with an operation that
// defers.
const multipartAccept = "multipart/mixed;deferSpec=20220824,application/json"

// doMultipart posts the operation as a client that reads incremental
// delivery does, and reads the first part of a multipart answer (or the
// whole answer, when it came whole).
func doMultipart(t testing.TB, endpoint string, op operation) outcome {
	t.Helper()
	parts, o := postParts(t, endpoint, op)
	if len(parts) > 0 {
		o.decode(parts[0])
	}
	return o
}

// postParts posts op accepting multipart/mixed and returns the parts of
// the answer, or none and the outcome of an answer that came whole.
func postParts(t testing.TB, endpoint string, op operation) ([][]byte, outcome) {
	t.Helper()
	req, _ := http.NewRequest("POST", endpoint, bytes.NewReader(op.jsonBody()))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", multipartAccept)
	resp := httpDo(t, req, op)
	defer resp.Body.Close()
	o := outcome{status: resp.StatusCode}
	mt, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "multipart/mixed" {
		b, _ := io.ReadAll(resp.Body)
		o.decode(b)
		return nil, o
	}
	if params["deferspec"] != "20220824" {
		t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	var parts [][]byte
	mr := multipart.NewReader(resp.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return parts, o
		}
		if err != nil {
			t.Fatalf("part %d: %v", len(parts), err)
		}
		if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("part %d: Content-Type %q", len(parts), ct)
		}
		b, _ := io.ReadAll(p)
		parts = append(parts, b)
	}
}

// doSSE posts the operation asking for server-sent events and reads the
// first "next" event (or the refusal, when the server answers without a
// stream).
func doSSE(t testing.TB, endpoint string, op operation) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", endpoint, bytes.NewReader(op.jsonBody()))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp := httpDo(t, req, op)
	defer resp.Body.Close()
	o := outcome{status: resp.StatusCode}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		o.decode(b)
		return o
	}
	event := ""
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok && event == "next" {
			o.decode([]byte(d))
			return o
		}
		if event == "complete" {
			break
		}
	}
	o.raw = "the stream ended without a next event"
	return o
}

// doWebsocket speaks graphql-transport-ws: init (with the token), one
// subscribe, and the first next or error message.
func doWebsocket(t testing.TB, endpoint string, op operation) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(endpoint, "http"), &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: op.header,
	})
	if err != nil {
		o := outcome{raw: err.Error()}
		if resp != nil {
			o.status = resp.StatusCode
			b, _ := io.ReadAll(resp.Body)
			o.decode(b)
		}
		return o
	}
	defer c.CloseNow()
	c.SetReadLimit(8 << 20)
	o := outcome{status: resp.StatusCode}
	closed := func(err error) outcome {
		var ce websocket.CloseError
		switch {
		case errors.As(err, &ce) && ce.Code == websocket.StatusMessageTooBig:
			o.closed = "PAYLOAD_TOO_LARGE: " + ce.Reason // the protocol's word for it
		case errors.As(err, &ce):
			o.closed = ce.Reason
		default:
			o.closed = err.Error()
		}
		return o
	}
	init := map[string]any{"type": "connection_init"}
	if op.token != "" {
		init["payload"] = map[string]any{"Authorization": "Bearer " + op.token}
	}
	write := func(m map[string]any) error {
		b, _ := json.Marshal(m)
		return c.Write(ctx, websocket.MessageText, b)
	}
	if err := write(init); err != nil {
		return closed(err)
	}
	for {
		var m struct {
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		_, b, err := c.Read(ctx)
		if err != nil {
			return closed(err)
		}
		json.Unmarshal(b, &m)
		switch m.Type {
		case "connection_ack":
			var payload any = op.params()
			if op.body != nil {
				payload = json.RawMessage(op.body)
			}
			if err := write(map[string]any{"id": "1", "type": "subscribe", "payload": payload}); err != nil {
				return closed(err)
			}
		case "next":
			o.decode(m.Payload)
			return o
		case "error":
			o.decode([]byte(`{"errors":` + string(m.Payload) + `}`))
			return o
		case "complete":
			o.raw = "completed without an answer"
			return o
		}
	}
}

// sseEvents posts op asking for server-sent events and returns the data
// of every "next" event until "complete".
func sseEvents(t testing.TB, endpoint string, op operation) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", endpoint, bytes.NewReader(op.jsonBody()))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp := httpDo(t, req, op)
	defer resp.Body.Close()
	var events []string
	event := ""
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
			if e == "complete" {
				return events
			}
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok && event == "next" {
			events = append(events, d)
		}
	}
	t.Fatalf("the stream ended without complete after %d events", len(events))
	return nil
}
