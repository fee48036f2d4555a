package httpapi

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Lingering close. net/http closes a connection as soon as it has
// answered a request it will not read to its end: headers over the limit
// (431), a body past what it discards for an early answer such as a 413
// or 415 (256 KiB), or any early answer to a client that asked for
// Connection: close (Python's urllib always does). A client that writes
// its whole request before it reads is then still writing: the close
// makes the kernel answer its next segment with a reset, which throws
// away the answer waiting unread in the client's receive buffer, and the
// client sees "connection reset" instead of the 413. RFC 9112, section
// 9.6, asks a server to shut its sending side and keep reading until the
// client closes; Apache and nginx (lingering_close) do.
//
// Linger does it for the connections of one server. When the server
// closes a connection in the middle of a request (net/http's state for
// it is still active: it is not idle between requests, not hijacked for
// a WebSocket), Close shuts the sending side, so the client reads the
// answer to its end, then reads and discards what the client still sends
// until it closes, within bounds a client cannot stretch. A client that
// sent its whole request and reads its answer closes at once; only one
// still sending costs more, and no more than the bounds.
const (
	// DefaultLingerBytes is the most a closing connection reads: four
	// times the 8 MiB a client may well send unasked.
	DefaultLingerBytes = 32 << 20
	// DefaultLingerTime is the most a connection lingers, well under the
	// 30 s a request body may take to arrive.
	DefaultLingerTime = 10 * time.Second
	// DefaultLingerIdle ends the lingering of a client that sends nothing
	// for this long (nginx's lingering_timeout is 5 s).
	DefaultLingerIdle = 2 * time.Second
)

// LingerBounds bound the lingering close of one connection; a zero field
// means its default.
type LingerBounds struct {
	Bytes int64
	Time  time.Duration
	Idle  time.Duration
}

// Linger returns ln whose connections srv closes lingering (see above),
// within bounds b; srv must serve the listener it returns. It sets
// srv.ConnState, calling the hook already there. Closing the listener
// (srv.Shutdown does it first) cuts every lingering short, so a shutdown
// never waits for one.
func Linger(srv *http.Server, ln net.Listener, b LingerBounds) net.Listener {
	if b.Bytes <= 0 {
		b.Bytes = DefaultLingerBytes
	}
	if b.Time <= 0 {
		b.Time = DefaultLingerTime
	}
	if b.Idle <= 0 {
		b.Idle = DefaultLingerIdle
	}
	l := &lingerListener{Listener: ln, bounds: b, lingering: map[*lingerConn]struct{}{}}
	hook := srv.ConnState
	srv.ConnState = func(c net.Conn, s http.ConnState) {
		if lc, ok := c.(*lingerConn); ok {
			lc.state.Store(int32(s))
		}
		if hook != nil {
			hook(c, s)
		}
	}
	return l
}

type lingerListener struct {
	net.Listener
	bounds LingerBounds

	mu        sync.Mutex
	closed    bool
	lingering map[*lingerConn]struct{}
}

func (l *lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &lingerConn{Conn: c, l: l}, nil
}

// Close closes the listener and cuts every lingering short.
func (l *lingerListener) Close() error {
	l.mu.Lock()
	l.closed = true
	for c := range l.lingering {
		c.Conn.SetReadDeadline(time.Now())
	}
	l.mu.Unlock()
	return l.Listener.Close()
}

// readDeadline sets c's read deadline to t, unless the listener is
// closed, under the lock Close takes, so no deadline set here outlives a
// Close.
func (l *lingerListener) readDeadline(c *lingerConn, t time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.lingering[c] = struct{}{}
	c.Conn.SetReadDeadline(t)
	return true
}

func (l *lingerListener) done(c *lingerConn) {
	l.mu.Lock()
	delete(l.lingering, c)
	l.mu.Unlock()
}

// lingerConn is a connection of a lingerListener, with net/http's last
// state for it.
type lingerConn struct {
	net.Conn
	l      *lingerListener
	state  atomic.Int32 // http.ConnState
	closed atomic.Bool
}

// CloseWrite shuts the sending side (a FIN for TCP). net/http calls it
// itself before some closes; it must reach the TCP connection.
func (c *lingerConn) CloseWrite() error { return closeWrite(c.Conn) }

// Close closes the connection, lingering first if the server closes it
// in the middle of a request.
func (c *lingerConn) Close() error {
	if !c.closed.Swap(true) && http.ConnState(c.state.Load()) == http.StateActive {
		c.linger()
	}
	return c.Conn.Close()
}

// linger shuts the sending side, then reads and discards what the client
// sends until it closes, goes quiet or reaches the bounds.
func (c *lingerConn) linger() {
	if c.CloseWrite() != nil {
		return
	}
	defer c.l.done(c)
	discard(c.Conn, c.l.bounds, func(t time.Time) bool { return c.l.readDeadline(c, t) })
}

// discard reads and discards what c's client sends until it closes, sends
// nothing for b.Idle, or has sent b.Bytes, for b.Time at most. deadline
// sets the read deadline of each wait and reports false when the reading
// must end at once.
func discard(c net.Conn, b LingerBounds, deadline func(time.Time) bool) {
	end := time.Now().Add(b.Time)
	buf := make([]byte, 32<<10)
	for left := b.Bytes; left > 0; {
		t := time.Now().Add(b.Idle)
		if t.After(end) {
			t = end
		}
		if !deadline(t) {
			return
		}
		n, err := c.Read(buf[:min(int64(len(buf)), left)])
		left -= int64(n)
		if err != nil {
			return // the client closed, went quiet, or the time is up
		}
	}
}
