package observe

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tupu/clientaddr"
)

// RequestIDHeader is the header that carries a request's id, both ways.
const RequestIDHeader = "X-Request-Id"

// request is what a request's context carries: its id, and its logger,
// made on first use (most requests log only the access line, which does
// not need it).
type request struct {
	id     string
	base   *slog.Logger
	once   sync.Once
	logger *slog.Logger
	// op is what the GraphQL endpoint noted of the operation the request
	// ran, for the access log line; nil when it noted nothing.
	op atomic.Pointer[Operation]
}

// Operation is what the access log line says of the GraphQL operation a
// request ran, besides what HTTP says.
type Operation struct {
	// Name is the operation's name as the client gave it ("" when it has
	// none); Type is query, mutation or subscription ("" when the
	// request failed before its operation was known).
	Name, Type string
	// Code is the first error's extensions.code; "" when there was none.
	Code string
	// Estimate and Objects are the operation's cost figures: the objects
	// estimated before it ran and counted while it ran (0 when it did not
	// run).
	Estimate, Objects int
	// CacheHit: the answer came from the response cache.
	CacheHit bool
}

// NoteOperation records op as the operation of ctx's request, for its
// access log line; the first note of a request wins, and op must not
// change after it (a cached answer notes the same op each time it is
// served). Outside a request (Middleware's) it does nothing.
func NoteOperation(ctx context.Context, op *Operation) {
	if r, ok := ctx.Value(requestKey{}).(*request); ok {
		r.op.CompareAndSwap(nil, op)
	}
}

// appendAttrs appends op's fields, as a log line names them.
func (op *Operation) appendAttrs(attrs []slog.Attr) []slog.Attr {
	return append(attrs,
		slog.String("operation", truncate(op.Name, 128)),
		slog.String("operation_type", op.Type),
		slog.String("code", truncate(op.Code, 64)),
		slog.Int("cost_estimate", op.Estimate),
		slog.Int("cost_objects", op.Objects),
		slog.Bool("cache_hit", op.CacheHit),
	)
}

// LogOperation logs one line, "graphql operation", for an operation that
// ran over a WebSocket: its connection's "http request" line, written when
// the connection closes, is shared by every operation the connection ran.
// The line has the connection's request_id, op's fields as an "http
// request" line has them, responses (the answers or events sent) and
// duration (from the operation's start to its last response or its
// stream's end). Outside a request (Middleware's) it does nothing.
func LogOperation(ctx context.Context, op *Operation, responses int, d time.Duration) {
	r, ok := ctx.Value(requestKey{}).(*request)
	if !ok {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs, slog.String("request_id", r.id), slog.String("transport", "websocket"))
	attrs = op.appendAttrs(attrs)
	attrs = append(attrs, slog.Int("responses", responses), slog.Duration("duration", d))
	r.base.LogAttrs(ctx, slog.LevelInfo, "graphql operation", attrs...)
}

type requestKey struct{}

// RequestID returns the id Middleware gave the request of ctx, or "".
func RequestID(ctx context.Context) string {
	if r, ok := ctx.Value(requestKey{}).(*request); ok {
		return r.id
	}
	return ""
}

// Logger returns the request-scoped logger Middleware stored in ctx (it
// carries request_id), or slog.Default() outside a request.
func Logger(ctx context.Context) *slog.Logger {
	r, ok := ctx.Value(requestKey{}).(*request)
	if !ok {
		return slog.Default()
	}
	r.once.Do(func() { r.logger = r.base.With(slog.String("request_id", r.id)) })
	return r.logger
}

// WithRequestID returns ctx carrying id and a logger derived from log with
// request_id set, as Middleware does; for work started outside an HTTP
// request (a job, a test) that should log like one. A nil log means
// slog.Default().
func WithRequestID(ctx context.Context, log *slog.Logger, id string) context.Context {
	if log == nil {
		log = slog.Default()
	}
	return context.WithValue(ctx, requestKey{}, &request{id: id, base: log})
}

// Middleware gives each request an id, logs one line per request with log
// when it ends, and records tupu_http_requests_total{method,path,status} and
// tupu_http_request_duration_seconds{path}.
//
// The id is the client's X-Request-Id when that is 1 to 64 characters of
// [A-Za-z0-9._-], else 16 random hex characters. It is set on the response
// header X-Request-Id before next runs, and stored in the request's context
// (RequestID) together with a logger carrying it (Logger).
//
// The log line, "http request", has method, path (never the query string,
// which may hold a whole GraphQL document; cut to 256 bytes), status, bytes
// (of the body written), duration, remote (the client, as
// clientaddr.Of decided it: the peer's host:port, or the address a trusted
// proxy forwarded, with that proxy's host:port in proxy) and request_id; for a request
// that ran a GraphQL operation (NoteOperation), also operation,
// operation_type, code, cost_estimate, cost_objects and cache_hit (an
// operation over a WebSocket has a line of its own: LogOperation). It is
// at level Info, or Warn for a 5xx status. A nil log means slog.Default(); a nil m
// logs without recording metrics.
func (m *Metrics) Middleware(log *slog.Logger, next http.Handler) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		note := &request{id: id, base: log}
		ctx := context.WithValue(r.Context(), requestKey{}, note)
		rw := &responseWriter{w: w}
		client := clientaddr.Of(r)

		defer func() {
			p := recover()
			status := rw.status
			switch {
			case p != nil && !rw.wroteHeader:
				// net/http will abort the connection; count what the
				// client gets: no response, recorded as a 500.
				status = http.StatusInternalServerError
			case status == 0:
				status = http.StatusOK // the handler wrote nothing: net/http sends 200
			}
			d := time.Since(start)
			if m != nil {
				path := pathLabel(r.URL.Path)
				m.httpRequests.WithLabelValues(methodLabel(r.Method), path, strconv.Itoa(status)).Inc()
				m.httpDuration.WithLabelValues(path).Observe(d.Seconds())
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelWarn
			}
			attrs := make([]slog.Attr, 0, 15)
			attrs = append(attrs,
				slog.String("request_id", id),
				slog.String("method", truncate(r.Method, 32)),
				slog.String("path", truncate(r.URL.Path, 256)),
				slog.Int("status", status),
				slog.Int64("bytes", rw.bytes),
				slog.Duration("duration", d),
				slog.String("remote", client.String()),
			)
			if client.Forwarded {
				attrs = append(attrs, slog.String("proxy", client.Peer))
			}
			if op := note.op.Load(); op != nil {
				attrs = op.appendAttrs(attrs)
			}
			log.LogAttrs(ctx, level, "http request", attrs...)
			if p != nil {
				panic(p)
			}
		}()
		next.ServeHTTP(rw, r.WithContext(ctx))
	})
}

// validRequestID reports whether a client's id is 1-64 characters of
// [A-Za-z0-9._-], safe to log and echo as it is.
func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 16 random hex characters.
func newRequestID() string {
	var b [8]byte
	rand.Read(b[:]) // never fails since Go 1.24
	return hex.EncodeToString(b[:])
}

// pathLabel maps a request path to a label from a fixed set.
func pathLabel(p string) string {
	switch p {
	case "/graphql", "/schema.graphql", "/", "/metrics", "/healthz", "/readyz":
		return p
	}
	if strings.HasPrefix(p, "/playground/assets/") {
		return "/playground/assets/"
	}
	return "other"
}

// methodLabel maps a request method to a label from a fixed set: a client
// may send any token as a method.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// responseWriter records the status and the body bytes of a response. It
// implements Unwrap for http.ResponseController, and Flush and Hijack
// directly for code that asserts http.Flusher or http.Hijacker on the
// writer (gqlgen's SSE and multipart transports, websocket libraries).
type responseWriter struct {
	w           http.ResponseWriter
	status      int
	wroteHeader bool
	bytes       int64
}

var (
	_ http.Flusher  = (*responseWriter)(nil)
	_ http.Hijacker = (*responseWriter)(nil)
)

func (rw *responseWriter) Header() http.Header { return rw.w.Header() }

func (rw *responseWriter) WriteHeader(code int) {
	if !rw.wroteHeader {
		// 1xx responses other than 101 are informational (103 Early
		// Hints): the final status is still to come.
		if code >= 200 || code == http.StatusSwitchingProtocols {
			rw.status = code
			rw.wroteHeader = true
		}
	}
	rw.w.WriteHeader(code)
}

func (rw *responseWriter) Write(b []byte) (int, error) {
	if !rw.wroteHeader {
		rw.status, rw.wroteHeader = http.StatusOK, true
	}
	n, err := rw.w.Write(b)
	rw.bytes += int64(n)
	return n, err
}

// Flush sends buffered data to the client; it does nothing when the
// underlying writer cannot flush.
func (rw *responseWriter) Flush() {
	if !rw.wroteHeader {
		rw.status, rw.wroteHeader = http.StatusOK, true
	}
	_ = http.NewResponseController(rw.w).Flush()
}

// Hijack takes over the connection when the underlying writer allows it,
// else returns an error wrapping http.ErrNotSupported.
func (rw *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(rw.w).Hijack()
	if err == nil && !rw.wroteHeader {
		rw.status, rw.wroteHeader = http.StatusSwitchingProtocols, true
	}
	return c, brw, err
}

// Unwrap returns the writer this one wraps, for http.ResponseController.
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.w }
