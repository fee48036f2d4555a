package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"tupu/clientaddr"
)

// DefaultConnectionsPerClient is how many connections one client address
// may hold open at once by default: far more than browsers (six per
// origin), load generators and the proxies in front of a service open,
// and four times the streams (WebSockets, event streams) it may hold.
const DefaultConnectionsPerClient = 1024

// LimitConnections returns a listener over l that lets each client address
// hold at most max connections open at once (at least 1). A connection
// past that is answered at once with 429 TOO_MANY_CONNECTIONS and closed,
// without a goroutine of the server's or a read of what it sends: the
// server's timeouts bound how long one connection is held, this bounds
// how many one client holds, so it cannot exhaust the server's memory or
// file descriptors by opening connections and sending nothing.
//
// The connections of a trusted proxy are not bounded here: each carries
// the requests of many clients. LimitForwarded bounds those clients, one
// by one, by the requests they have in flight.
func LimitConnections(l net.Listener, max int, trusted *clientaddr.Trusted) net.Listener {
	return &limitedListener{Listener: l, conns: newPerAddress(max), trusted: trusted, refusal: connectionRefusal(max)}
}

type limitedListener struct {
	net.Listener
	conns   *perAddress
	trusted *clientaddr.Trusted
	refusal []byte
}

// Accept returns the next connection its client may hold.
func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		// Who the peer is, as every request on the connection will decide
		// it before reading its X-Forwarded-For.
		peer := l.trusted.Decide(c.RemoteAddr().String(), nil)
		if l.trusted.Contains(peer.Addr) {
			return c, nil
		}
		release, ok := l.conns.take(peer.Key())
		if ok {
			return &limitedConn{Conn: c, release: release}, nil
		}
		go refuseConnection(c, l.refusal)
	}
}

// refuseConnection sends a connection over its client's bound the refusal, giving a
// client that does not read it a second, and closes it.
func refuseConnection(c net.Conn, refusal []byte) {
	c.SetWriteDeadline(time.Now().Add(time.Second))
	c.Write(refusal)
	if tc, ok := c.(*net.TCPConn); ok {
		// Whatever the client sent stays unread; closing its side for
		// writing first lets it read the answer before the reset.
		tc.CloseWrite()
		discard(c, LingerBounds{Bytes: 64 << 10, Time: time.Second, Idle: time.Second},
			func(t time.Time) bool { return c.SetReadDeadline(t) == nil })
	}
	c.Close()
}

// LimitForwarded lets each client behind a trusted proxy (a request that
// clientaddr.Handler decided is Forwarded) have at most max requests in
// flight at once, streams included: each holds one of the proxy's
// connections to the server, so this is the bound LimitConnections keeps
// for a client that connects itself, kept per forwarded address. A
// request past it is answered 429 TOO_MANY_CONNECTIONS. Other requests
// pass; their connections are bounded by the listener.
func LimitForwarded(max int, next http.Handler) http.Handler {
	inFlight := newPerAddress(max)
	msg := fmt.Sprintf("this address has %d requests in flight through the proxy, as many as it may; wait for one to end", max)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := clientaddr.Of(r)
		if !c.Forwarded {
			next.ServeHTTP(w, r)
			return
		}
		release, ok := inFlight.take(c.Key())
		if !ok {
			w.Header().Set("Retry-After", "10")
			writeError(w, r, mediaJSON, http.StatusTooManyRequests, "TOO_MANY_CONNECTIONS", msg)
			return
		}
		defer release()
		next.ServeHTTP(w, r)
	})
}

// connectionRefusal is the HTTP answer to a connection over the bound.
func connectionRefusal(max int) []byte {
	body, _ := json.Marshal(requestErrors{Errors: gqlerror.List{{
		Message:    fmt.Sprintf("this address holds %d connections open, as many as it may; reuse one, or close one first", max),
		Extensions: map[string]any{"code": "TOO_MANY_CONNECTIONS"},
	}}})
	resp := &http.Response{
		StatusCode: http.StatusTooManyRequests, ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{
			"Content-Type": {mediaJSON + "; charset=utf-8"},
			"Retry-After":  {"10"},
			"Connection":   {"close"},
		},
		ContentLength: int64(len(body)),
		Body:          io.NopCloser(bytes.NewReader(body)),
		Close:         true,
	}
	var b bytes.Buffer
	resp.Write(&b)
	return b.Bytes()
}

// limitedConn uncounts itself when closed.
type limitedConn struct {
	net.Conn
	release func()
}

func (c *limitedConn) Close() error {
	c.release()
	return c.Conn.Close()
}

// CloseWrite shuts the sending side of the connection, which net/http and
// Linger do before they close one they have not read to its end.
func (c *limitedConn) CloseWrite() error { return closeWrite(c.Conn) }

// closeWrite shuts the sending side of c, if it has one (a TCP
// connection, or a wrapper of one that passes it on).
func closeWrite(c net.Conn) error {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
