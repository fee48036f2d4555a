package httpapi_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"tupu/httpapi"
	"tupu/httpapi/apitest"
)

// lingerServer serves a handler that answers 413 without reading the body,
// as the GraphQL endpoint does for a body announced over its limit, on
// 127.0.0.1 through httpapi.Linger with bounds b (through a plain listener
// when linger is false). closed receives the time each connection closes.
type lingerServer struct {
	addr   string
	srv    *http.Server
	closed chan time.Time
}

func serveEarlyAnswer(t *testing.T, linger bool, b httpapi.LingerBounds, tune func(*http.Server)) *lingerServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &lingerServer{addr: ln.Addr().String(), closed: make(chan time.Time, 16)}
	s.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			io.WriteString(w, "too large\n")
		}),
		ReadHeaderTimeout: 5 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ConnState: func(_ net.Conn, state http.ConnState) {
			if state == http.StateClosed {
				s.closed <- time.Now()
			}
		},
	}
	if tune != nil {
		tune(s.srv)
	}
	if linger {
		ln = httpapi.Linger(s.srv, ln, b)
	}
	served := make(chan struct{})
	go func() { s.srv.Serve(ln); close(served) }()
	t.Cleanup(func() { s.srv.Close(); <-served })
	return s
}

// waitClosed waits for the server to close a connection and returns when.
func (s *lingerServer) waitClosed(t *testing.T, within time.Duration) time.Time {
	t.Helper()
	select {
	case at := <-s.closed:
		return at
	case <-time.After(within):
		t.Fatalf("the server did not close the connection within %v", within)
		return time.Time{}
	}
}

// writeFirst writes a POST with a body of n bytes and extra headers
// whole before it reads, and returns the answer's status or the failure.
func writeFirst(addr string, n int, extra string) (int, error) {
	resp, _, err := apitest.WriteFirst(addr, "POST /graphql HTTP/1.1\r\nHost: "+addr+"\r\nContent-Type: application/json"+extra, n, false)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// TestLinger_clientThatWritesFirst: a client that writes an 8 MiB body
// before reading gets the early 413, whether it asks to keep the
// connection or to close it; through a plain listener it gets a reset
// (the failure Linger is for, shown by the same client).
func TestLinger_clientThatWritesFirst(t *testing.T) {
	for _, extra := range []string{"", "\r\nConnection: close"} {
		name := "keep-alive"
		if extra != "" {
			name = "connection close"
		}
		t.Run(name, func(t *testing.T) {
			s := serveEarlyAnswer(t, true, httpapi.LingerBounds{}, nil)
			status, err := writeFirst(s.addr, 8<<20, extra)
			if err != nil || status != http.StatusRequestEntityTooLarge {
				t.Errorf("got %d, %v; want the 413", status, err)
			}
		})
		t.Run(name+", without Linger", func(t *testing.T) {
			s := serveEarlyAnswer(t, false, httpapi.LingerBounds{}, nil)
			if status, err := writeFirst(s.addr, 8<<20, extra); err == nil {
				t.Errorf("got %d without Linger: net/http lingers by itself now, and Linger may go", status)
			}
		})
	}
}

// TestLinger_bounds: a lingering connection reads no more than its bytes
// and no longer than its time, and stops at a client gone quiet.
func TestLinger_bounds(t *testing.T) {
	t.Run("bytes", func(t *testing.T) {
		s := serveEarlyAnswer(t, true, httpapi.LingerBounds{Bytes: 1 << 20}, nil)
		if status, err := writeFirst(s.addr, 16<<20, ""); err == nil {
			t.Errorf("got %d after 16 MiB with a bound of 1 MiB; want the connection cut", status)
		}
	})
	t.Run("quiet client", func(t *testing.T) {
		const idle = 300 * time.Millisecond
		s := serveEarlyAnswer(t, true, httpapi.LingerBounds{Idle: idle}, nil)
		c := mustDial(t, s.addr)
		// A request of 8 MiB of which the client sends 1 MiB, then nothing.
		fmt.Fprintf(c, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", 8<<20, strings.Repeat("x", 1<<20))
		answered := time.Now()
		if line, err := bufio.NewReader(c).ReadString('\n'); !strings.Contains(line, "413") {
			t.Fatalf("answer %q, %v", line, err)
		}
		// net/http waits half a second before its close, then Linger
		// waits idle.
		closedAt := s.waitClosed(t, 10*time.Second)
		if took := closedAt.Sub(answered); took < idle || took > 5*time.Second {
			t.Errorf("closed %v after the answer; want idle (%v) after net/http's half second", took, idle)
		}
	})
	t.Run("time", func(t *testing.T) {
		const most = time.Second
		s := serveEarlyAnswer(t, true, httpapi.LingerBounds{Time: most, Idle: time.Minute}, nil)
		c := mustDial(t, s.addr)
		start := time.Now()
		stop := trickle(c, 1<<30)
		defer stop()
		closedAt := s.waitClosed(t, 15*time.Second)
		if took := closedAt.Sub(start); took < most || took > most+5*time.Second {
			t.Errorf("a client still sending held the connection %v; want about %v", took, most)
		}
	})
	t.Run("shutdown", func(t *testing.T) {
		s := serveEarlyAnswer(t, true, httpapi.LingerBounds{Time: time.Minute, Idle: time.Minute}, nil)
		c := mustDial(t, s.addr)
		stop := trickle(c, 1<<30)
		defer stop()
		time.Sleep(time.Second) // answered, and lingering
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		if err := s.srv.Shutdown(ctx); err != nil {
			t.Fatalf("shutdown: %v", err)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("shutdown waited %v for a lingering connection", took)
		}
	})
}

// TestLinger_onlyMidRequest: a keep-alive connection closed while idle
// between requests, and one closed after a request read whole, do not
// linger.
func TestLinger_onlyMidRequest(t *testing.T) {
	bounds := httpapi.LingerBounds{Idle: 30 * time.Second, Time: time.Minute}
	t.Run("idle keep-alive", func(t *testing.T) {
		s := serveEarlyAnswer(t, true, bounds, func(srv *http.Server) { srv.IdleTimeout = 200 * time.Millisecond })
		c := mustDial(t, s.addr)
		fmt.Fprintf(c, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
		if line, err := bufio.NewReader(c).ReadString('\n'); !strings.Contains(line, "413") {
			t.Fatalf("answer %q, %v", line, err)
		}
		answered := time.Now()
		if took := s.waitClosed(t, 20*time.Second).Sub(answered); took > 5*time.Second {
			t.Errorf("an idle connection closed %v after its answer; want the idle timeout", took)
		}
	})
	t.Run("client asked to close", func(t *testing.T) {
		s := serveEarlyAnswer(t, true, bounds, nil)
		c := mustDial(t, s.addr)
		fmt.Fprintf(c, "POST /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}")
		// The answer and then the end of the stream: the server shut its
		// side, although it lingers until this client closes.
		if b, err := io.ReadAll(c); err != nil || !strings.Contains(string(b), "413") {
			t.Fatalf("answer %q, %v", b, err)
		}
		c.Close()
		closed := time.Now()
		if took := s.waitClosed(t, 20*time.Second).Sub(closed); took > 5*time.Second {
			t.Errorf("the server closed %v after its client; want at once", took)
		}
	})
}

func mustDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// trickle sends a request with a body of n bytes a kilobyte every 20 ms
// until stop is called or a write fails; the answer is never read.
func trickle(c net.Conn, n int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		fmt.Fprintf(c, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", n)
		kb := []byte(strings.Repeat("x", 1<<10))
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := c.Write(kb); err != nil && !errors.Is(err, net.ErrClosed) {
				return
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
