package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBinary_connectionsPerClient: one address holds at most
// --max-connections-per-client connections; one more is answered 429
// TOO_MANY_CONNECTIONS and closed, even one that sends nothing, and a
// connection closed frees its place.
func TestBinary_connectionsPerClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db := filepath.Join(t.TempDir(), "tupu.db")
	_, log, exited := start(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--max-connections-per-client", "3")
	url := waitForURL(t, log.String, exited)
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")

	// Three idle connections: what a client holds open sending nothing.
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	// The server counts a connection once it accepts it: wait until the
	// fourth is refused.
	var resp *http.Response
	var body []byte
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, body = fourth(t, addr)
		if resp.StatusCode == http.StatusTooManyRequests || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "TOO_MANY_CONNECTIONS") || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a fourth connection: %d %v %s", resp.StatusCode, resp.Header, body)
	}

	// One closed, a new connection is served.
	held[0].Close()
	deadline = time.Now().Add(10 * time.Second)
	for {
		resp, body = fourth(t, addr)
		if resp.StatusCode == http.StatusOK || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"totalCount"`) {
		t.Fatalf("after one closed: %d %s", resp.StatusCode, body)
	}
}

// fourth posts a query on a new connection, writing the whole request
// before reading, and returns the answer.
func fourth(t *testing.T, addr string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	query := `{"query":"{ districts { totalCount } }"}`
	io.WriteString(c, "POST /graphql HTTP/1.1\r\nHost: "+addr+"\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "+strconv.Itoa(len(query))+"\r\n\r\n"+query)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}
