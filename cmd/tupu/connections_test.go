package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
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

// TestBinary_trustedProxies: behind a proxy the server trusts
// (--trusted-proxies; here the test itself, on 127.0.0.1, is the proxy),
// every per-client rule counts the address the proxy forwarded in
// X-Forwarded-For: streams per client, and requests in flight per client
// in place of connections, while the proxy's own connections are not
// bounded per address; the access log names the forwarded client and the
// proxy. A client's own X-Forwarded-For entries, left of what the proxy
// appended, are not believed.
func TestBinary_trustedProxies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	_, log, exited := start(t, "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "tupu.db"),
		"--trusted-proxies", "127.0.0.1/32", "--max-streams-per-client", "1", "--max-connections-per-client", "2")
	base := waitForURL(t, log.String, exited)
	addr := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/")

	// One stream each for two clients behind the proxy; a second of the
	// first is one too many.
	stream(t, addr, "203.0.113.1", http.StatusOK)
	stream(t, addr, "203.0.113.1", http.StatusTooManyRequests, "TOO_MANY_STREAMS")
	stream(t, addr, "203.0.113.2", http.StatusOK)

	// 203.0.113.1 holds its stream and a request whose body has not come:
	// two in flight, as many as --max-connections-per-client lets it.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST /graphql HTTP/1.1\r\nHost: "+addr+"\r\nX-Forwarded-For: 203.0.113.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	deadline := time.Now().Add(10 * time.Second)
	for {
		// The server counts the request once it reads its headers.
		status, body := forwardedQuery(t, addr, "203.0.113.1")
		if status == http.StatusTooManyRequests {
			if !strings.Contains(body, "TOO_MANY_CONNECTIONS") {
				t.Errorf("a third request in flight: %s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a third request in flight of one forwarded client: %d %s", status, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Other clients of the same proxy are served, on new connections: the
	// proxy holds more than two connections, and is not bounded by them.
	for _, xff := range []string{"203.0.113.2", "203.0.113.3", "198.51.100.9, 203.0.113.4"} {
		if status, body := forwardedQuery(t, addr, xff); status != http.StatusOK {
			t.Errorf("a query of %s behind the proxy: %d %s", xff, status, body)
		}
	}
	// The client's own claim (198.51.100.9) is not what the log names.
	waitLog(t, log.String, regexp.MustCompile(`msg="http request".* status=200 .*remote=203\.0\.113\.4 proxy=127\.0\.0\.1:\d+`))
	if strings.Contains(log.String(), "198.51.100.9") {
		t.Errorf("the log names an address the client wrote itself:\n%s", log.String())
	}
}

// TestBinary_untrustedForwardedFor: by default nobody is trusted, and
// X-Forwarded-For changes nothing: two clients claiming different
// addresses from one peer share its bound, and the log names the peer.
func TestBinary_untrustedForwardedFor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	_, log, exited := start(t, "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "tupu.db"), "--max-streams-per-client", "1")
	base := waitForURL(t, log.String, exited)
	addr := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/")
	stream(t, addr, "203.0.113.1", http.StatusOK)
	stream(t, addr, "203.0.113.2", http.StatusTooManyRequests, "TOO_MANY_STREAMS")
	if status, body := forwardedQuery(t, addr, "203.0.113.3"); status != http.StatusOK {
		t.Fatalf("a query: %d %s", status, body)
	}
	waitLog(t, log.String, regexp.MustCompile(`msg="http request".* status=200 .*remote=127\.0\.0\.1:\d+ operation`))
	if strings.Contains(log.String(), "203.0.113") {
		t.Errorf("the log believes X-Forwarded-For of an untrusted peer:\n%s", log.String())
	}
}

// stream opens a subscription over server-sent events, with xff as its
// X-Forwarded-For, and checks its status (and that the body holds want);
// a stream that opens is held until the test ends.
func stream(t *testing.T, addr, xff string, status int, want ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/graphql", strings.NewReader(`{"query":"subscription { entityChanged { entityKey } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("X-Forwarded-For", xff)
	// A transport of its own: each stream on a connection of its own.
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != status {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("a stream of %s: %d %s, want %d", xff, resp.StatusCode, b, status)
	}
	if len(want) > 0 {
		b, _ := io.ReadAll(resp.Body)
		for _, w := range want {
			if !strings.Contains(string(b), w) {
				t.Errorf("a stream of %s: %s, want %s", xff, b, w)
			}
		}
	}
}

// forwardedQuery posts a query with xff as its X-Forwarded-For, on a new
// connection, and returns the status and body of the answer.
func forwardedQuery(t *testing.T, addr, xff string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+addr+"/graphql", strings.NewReader(`{"query":"{ districts { totalCount } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", xff)
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitLog waits up to five seconds for a line of the log matching re.
func waitLog(t *testing.T, log func() string, re *regexp.Regexp) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !re.MatchString(log()) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line matches %s:\n%s", re, log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
