// Package apitest serves the real GraphQL endpoint over a store seeded
// with the built-in data set, for tests that speak to it over HTTP as a
// client would.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"tupu/httpapi"
	"tupu/indexer"
	"tupu/seed"
	"tupu/store"
)

// Server is the real handler on 127.0.0.1 over a seeded store, with its
// search index following the store.
type Server struct {
	Store *store.Store
	// URL is the GraphQL endpoint.
	URL string
}

// Serve starts the handler with opts (its Search is set to the server's
// index) and stops it when the test ends, checking the store's
// consistency.
func Serve(tb testing.TB, opts httpapi.Options) *Server {
	tb.Helper()
	return serve(tb, opts, Seed)
}

// Seed writes the built-in data set into s, as a server's first start
// does.
func Seed(s *store.Store) error {
	d, err := seed.Load(seed.Data())
	if err != nil {
		return err
	}
	_, err = s.Sync(d, store.SyncOptions{})
	return err
}

// SeededStore opens the store at loc (a file's path, or a cluster's
// URL), seeds it, and closes it when the test ends.
func SeededStore(tb testing.TB, loc string) *store.Store {
	tb.Helper()
	s, err := store.Open(loc, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := Seed(s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// ServeLoaded is Serve over a store holding what src yields, written by
// store.Load (a generated graph, say) instead of the seed.
func ServeLoaded(tb testing.TB, opts httpapi.Options, src store.Source) *Server {
	tb.Helper()
	return serve(tb, opts, func(s *store.Store) error {
		_, err := s.Load(context.Background(), src, store.LoadOptions{})
		return err
	})
}

func serve(tb testing.TB, opts httpapi.Options, fill func(*store.Store) error) *Server {
	tb.Helper()
	s, err := store.Open(filepath.Join(tb.TempDir(), "tupu.db"), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := fill(s); err != nil {
		tb.Fatal(err)
	}
	x, err := indexer.Open(filepath.Join(tb.TempDir(), "search"), s, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() { x.Follow(ctx); close(followed) }()
	tb.Cleanup(func() { stop(); <-followed; x.Close() })
	opts.Search = x
	h, err := httpapi.New(s, opts)
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(checkEstimates(tb, h))
	tb.Cleanup(func() {
		ts.Close()
		if err := s.Check(); err != nil {
			tb.Errorf("consistency check: %v", err)
		}
		s.Close()
	})
	return &Server{Store: s, URL: ts.URL}
}

// Response is a GraphQL response with its data left raw for decoding
// into whatever shape a test expects.
type Response struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	Status int    `json:"-"`
	Raw    []byte `json:"-"`
}

// Code is the first error's extensions.code, or "".
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Post posts a query anonymously.
func (s *Server) Post(tb testing.TB, query string, vars map[string]any) *Response {
	tb.Helper()
	return s.As(tb, "", query, vars)
}

// As posts a query with a bearer token (none when secret is empty).
func (s *Server) As(tb testing.TB, secret, query string, vars map[string]any) *Response {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", s.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	r := &Response{Status: resp.StatusCode, Raw: buf.Bytes()}
	if err := json.Unmarshal(r.Raw, r); err != nil {
		tb.Fatalf("response is not JSON: %v\n%s", err, r.Raw)
	}
	return r
}

// MustQuery posts a query that must succeed and decodes its data into v.
func (s *Server) MustQuery(tb testing.TB, query string, vars map[string]any, v any) {
	tb.Helper()
	r := s.Post(tb, query, vars)
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		tb.Fatalf("status %d, errors: %s", r.Status, r.Raw)
	}
	if v != nil {
		if err := json.Unmarshal(r.Data, v); err != nil {
			tb.Fatal(err)
		}
	}
}

// ErrorCode posts a query that must fail and returns its first error code.
func (s *Server) ErrorCode(tb testing.TB, query string, vars map[string]any) string {
	tb.Helper()
	r := s.Post(tb, query, vars)
	if len(r.Errors) == 0 {
		tb.Fatalf("want an error, got %s", r.Raw)
	}
	return r.Code()
}

// Token creates a token on the server's store and returns its secret.
func (s *Server) Token(tb testing.TB, name string, role store.Role) string {
	tb.Helper()
	var secret string
	err := s.Store.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		_, secret, err = tx.CreateToken(store.ActorOffline, name, role)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}

// QueryBody is the JSON body of a POST of query.
func QueryBody(query string) string {
	b, _ := json.Marshal(map[string]string{"query": query})
	return string(b)
}

// checkEstimates fails the test when an answer's extensions.cost (see
// graph/limits) counts more objects than its estimate, which is to be an
// upper bound of them on every query any test sends, or when an answer
// with data has no figures. Streams (WebSocket, server-sent events) pass
// through unchecked.
func checkEstimates(tb testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" || strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			h.ServeHTTP(w, r)
			return
		}
		var sent capped // what the handler reads of the body, to name the query
		if r.Body != nil {
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.TeeReader(r.Body, &sent), r.Body}
		}
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if !strings.Contains(w.Header().Get("Content-Type"), "json") {
			return
		}
		var answer struct {
			Data       json.RawMessage `json:"data"`
			Extensions struct {
				Cost *struct{ Estimate, Objects, Limit int }
			}
		}
		if json.Unmarshal(rec.body.Bytes(), &answer) != nil {
			return
		}
		c := answer.Extensions.Cost
		switch {
		case c == nil && len(answer.Data) > 0 && string(answer.Data) != "null":
			tb.Errorf("an answer with data has no extensions.cost: %.300s", rec.body.Bytes())
		case c != nil && c.Objects > c.Estimate:
			tb.Errorf("%d objects resolved, over the estimate of %d, for %s %s %.500s", c.Objects, c.Estimate, r.Method, r.URL, sent.Bytes())
		}
	})
}

// recorder keeps a copy of what a handler writes.
type recorder struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer (to
// flush the parts of a deferred answer).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// capped keeps the first 4 KiB written to it.
type capped struct{ bytes.Buffer }

func (c *capped) Write(b []byte) (int, error) {
	if room := 4<<10 - c.Len(); room > 0 {
		c.Buffer.Write(b[:min(len(b), room)])
	}
	return len(b), nil
}
