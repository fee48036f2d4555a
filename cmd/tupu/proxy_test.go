package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"tupu/graph"
	"tupu/internal/etcdtest"
	"tupu/internal/syncbuf"
)

// TestPackaging_nginx runs packaging/nginx/tupu.conf as shipped (only the
// ports of its upstream servers and of its listen line changed) in front
// of two servers over one etcd cluster, each started with
// --trusted-proxies 127.0.0.1/32, and speaks to it as a client on
// another address (127.0.0.2) would:
//
//   - a query is answered as the server answers it;
//   - a mutation is acknowledged, and read back through the proxy within
//     the second docs/cluster.md promises, whichever server answers;
//   - a graphql-transport-ws subscription gets the event of a write made
//     through the proxy, and an event stream (SSE) gets one while it is
//     still open, before the last thing it sends;
//   - an answer in parts (@defer, multipart/mixed) reaches the client
//     part by part: the first part arrives while the rest is still held
//     between the server and the proxy;
//   - the servers' access logs name the client's address, not the
//     proxy's, nor one the client wrote in X-Forwarded-For;
//   - bodies up to tupu's limit pass, a larger one gets tupu's coded
//     refusal, /metrics is not published, /readyz is;
//   - with one server stopped, every query is still answered.
//
// Skips without nginx, except under CI, where .ci/run installs it.
func TestPackaging_nginx(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	nginx := needNginx(t)
	cluster := oneMember(t, etcdtest.Options{NoFsync: true})
	store := cluster.URL("graph", "")
	serverA := proxiedServer(t, store)
	serverB := proxiedServer(t, store)
	// B is reached through a relay that passes every byte, and can hold
	// back the rest of an answer once its first part has gone by.
	relayB := newRelay(t, serverB.addr)
	proxy := startNginx(t, nginx, serverA.addr, relayB.addr())
	client := clientAt(t, "127.0.0.2")

	// A query, as a server answers it.
	want, err := curPost(serverA.url, "", graph.ExampleQuery, nil)
	if err != nil || !want.ok() {
		t.Fatalf("the example query on a server: %v %s", err, want.raw)
	}
	for range 2 { // both servers, by round robin
		got, err := curPostWith(client, proxy, "", graph.ExampleQuery, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.raw, want.raw) {
			t.Errorf("the example query through the proxy:\n%.300s\nwant:\n%.300s", got.raw, want.raw)
		}
	}

	// The client's address is in the access log; what it claims in
	// X-Forwarded-For is not.
	spoofed := &http.Client{Transport: headerTransport{client.Transport, "X-Forwarded-For", "198.51.100.9"}, Timeout: client.Timeout}
	if r, err := curPostWith(spoofed, proxy, "", `query Spoofed { districts { totalCount } }`, nil); err != nil || !r.ok() {
		t.Fatalf("a query with X-Forwarded-For of its own: %v %v", err, r)
	}
	line := regexp.MustCompile(`msg="http request".*remote=127\.0\.0\.2 proxy=127\.0\.0\.1:\d+ operation=Spoofed`)
	deadline := time.Now().Add(5 * time.Second)
	for !line.MatchString(serverA.log.String() + serverB.log.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no server logged the query as from 127.0.0.2 through 127.0.0.1:\n%s\n%s", serverA.log.String(), serverB.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(serverA.log.String()+serverB.log.String(), "198.51.100.9") {
		t.Errorf("a server logged the address the client wrote itself")
	}

	// A mutation is never sent twice: when B goes away with one (the
	// relay drops it once sent), the client is told, and A does not run
	// it. By round robin a mutation goes to A or to B: until one goes to
	// B, those A commits are acknowledged.
	secret := curTokenAt(t, "editor", "--store", store)
	dropped := relayB.dropNextPOST()
	for i := 0; ; i++ {
		v, _ := entityNote(t, serverA.url, "changshou")
		r, err := curPostWith(client, proxy, secret, clusterUpdate, map[string]any{"in": map[string]any{"id": "changshou", "expectedVersion": v, "note": fmt.Sprintf("attempt %d", i)}})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-dropped:
			if r.status != http.StatusServiceUnavailable || r.code() != "UNAVAILABLE" {
				t.Errorf("a mutation its server dropped: %d %s, want 503 UNAVAILABLE", r.status, r.raw)
			}
			if after, note := entityNote(t, serverA.url, "changshou"); after != v {
				t.Errorf("a mutation its server dropped was sent to the other server too: version %d → %d, note %q", v, after, note)
			}
		default:
			if !r.ok() || i == 10 {
				t.Fatalf("mutation %d through the proxy: %d %s", i, r.status, r.raw)
			}
			continue
		}
		break
	}

	// Subscribers on both transports, then a write through the proxy.
	ws := proxyWebsocket(t, client, proxy, `subscription { entityChanged(keys: ["yunyang-county"]) { entityKey } }`)
	sse := proxyEvents(t, client, proxy, `subscription { entityChanged(keys: ["yunyang-county"]) { entityKey } }`)
	v, _ := entityNote(t, proxy, "yunyang-county")
	var upd struct {
		UpdateEntity struct{ Entity struct{ Version int } }
	}
	r, err := curPostWith(client, proxy, secret, clusterUpdate, map[string]any{"in": map[string]any{"id": "yunyang-county", "expectedVersion": v, "note": "through the proxy"}})
	if err != nil || !r.ok() {
		t.Fatalf("a mutation through the proxy: %v %v", err, r)
	}
	json.Unmarshal(r.Data, &upd)
	// Read back: the server that wrote it at once, the other within a
	// second; through the proxy, either may answer.
	deadline = time.Now().Add(time.Second)
	for {
		got, note := entityNote(t, proxy, "yunyang-county")
		if got == upd.UpdateEntity.Entity.Version && note == "through the proxy" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the write is not read through the proxy within a second: version %d, note %q", got, note)
		}
		time.Sleep(20 * time.Millisecond)
	}
	ws.wait(t, `"entityKey":"yunyang-county"`)
	sse.wait(t, `"entityKey":"yunyang-county"`)
	if sse.completed() {
		t.Errorf("the event stream completed: its event came with the end, not before it")
	}
	ws.close()
	sse.close()

	// Bodies: tupu's limit passes, one byte more is refused at the proxy
	// with tupu's answer.
	query := `{ districts { totalCount } }`
	pad := func(n int) string { // a body of n bytes
		b := `{"query":"` + query + `"}`
		return `{"query":"` + query + strings.Repeat(" ", n-len(b)) + `"}`
	}
	if status, body := rawPost(t, client, proxy, pad(64<<10)); status != http.StatusOK || !strings.Contains(body, `"totalCount"`) {
		t.Errorf("a body of 64 KiB through the proxy: %d %.200s", status, body)
	}
	if status, body := rawPost(t, client, proxy, pad(64<<10+1)); status != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"PAYLOAD_TOO_LARGE"`) {
		t.Errorf("a body over 64 KiB through the proxy: %d %.200s", status, body)
	}
	// A GET's URL query may be as long as a body: 60,000 bytes pass.
	long := "query=" + strings.Repeat("+", 60000) + url.QueryEscape(query)
	if status, body := rawGet(t, client, proxy+"graphql?"+long); status != http.StatusOK || !strings.Contains(body, `"totalCount"`) {
		t.Errorf("a GET query of %d bytes through the proxy: %d %.200s", len(long), status, body)
	}
	if status, _ := rawGet(t, client, proxy+"metrics"); status != http.StatusNotFound {
		t.Errorf("/metrics through the proxy: %d, want 404", status)
	}
	if status, body := rawGet(t, client, proxy+"readyz"); status != http.StatusOK || !strings.HasPrefix(body, "ready") {
		t.Errorf("/readyz through the proxy: %d %q", status, body)
	}

	// B failed once (the dropped mutation), so it is passed over for
	// fail_timeout (5 s); before A stops, B must be back in turn. A
	// query with a name of its own shows in the log of the server that
	// answered it.
	deadline = time.Now().Add(15 * time.Second)
	for i := 0; !strings.Contains(serverB.log.String(), "operation=BackInTurn"); i++ {
		if time.Now().After(deadline) {
			t.Fatal("B is not sent requests again within 15 s of its failure")
		}
		if r, err := curPostWith(client, proxy, "", `query BackInTurn { districts { totalCount } }`, nil); err != nil || !r.ok() {
			t.Fatalf("a query while B is passed over: %v %v", err, r)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// One server stops; every query is still answered.
	serverA.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-serverA.exited:
	case <-time.After(15 * time.Second):
		t.Fatal("server A did not stop within 15 s of SIGTERM")
	}
	for i := range 20 {
		r, err := curPostWith(client, proxy, "", query, nil)
		if err != nil || !r.ok() {
			t.Fatalf("query %d with one server stopped: %v %v", i, err, r)
		}
		if status, body := rawGet(t, client, proxy+"graphql?query="+strings.ReplaceAll(query, " ", "%20")); status != http.StatusOK || !strings.Contains(body, `"totalCount"`) {
			t.Fatalf("GET query %d with one server stopped: %d %s", i, status, body)
		}
	}

	// An answer in parts, from B (the one left): the relay lets the first
	// part through and holds the rest; the client must have the first
	// part before the relay lets the rest go.
	held := relayB.holdAfterFirstPart()
	parts := deferThroughProxy(t, client, proxy, held)
	if len(parts) < 2 || !strings.Contains(parts[0], `"hasNext":true`) || !strings.Contains(parts[len(parts)-1], `"hasNext":false`) {
		t.Errorf("the answer in parts: %q", parts)
	}

	// No server left: the client gets a coded answer, and when to retry.
	serverB.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-serverB.exited:
	case <-time.After(15 * time.Second):
		t.Fatal("server B did not stop within 15 s of SIGTERM")
	}
	if r, err := curPostWith(client, proxy, "", query, nil); err != nil || r.status != http.StatusServiceUnavailable || r.code() != "UNAVAILABLE" || r.header.Get("Retry-After") == "" {
		t.Errorf("a query with no server left: %v %v", err, r)
	}
}

// needNginx returns the path of nginx, which Debian installs in
// /usr/sbin (not on every user's PATH); it skips without it, except under
// CI.
func needNginx(t *testing.T) string {
	t.Helper()
	if path, err := exec.LookPath("nginx"); err == nil {
		return path
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	return needCommand(t, "nginx") // skips, or fails under CI
}

// proxied is a `tupu serve` behind the proxy.
type proxied struct {
	cmd    *exec.Cmd
	log    *syncbuf.Buffer
	exited <-chan error
	url    string // http://127.0.0.1:PORT/
	addr   string // 127.0.0.1:PORT
}

// proxiedServer starts `tupu serve` over the cluster at store, trusting
// the proxy on 127.0.0.1.
func proxiedServer(t *testing.T, store string) *proxied {
	t.Helper()
	cmd, log, exited := start(t, "serve", "--addr", "127.0.0.1:0", "--store", store,
		"--db", filepath.Join(t.TempDir(), "tupu.db"), "--trusted-proxies", "127.0.0.1/32")
	url := waitForURL(t, log.String, exited)
	return &proxied{cmd: cmd, log: log, exited: exited, url: url,
		addr: strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")}
}

// startNginx renders packaging/nginx/tupu.conf for the servers at a and
// b and a free port, runs nginx as it is (no root needed: its pid file,
// logs and temporary files are under a directory of the test's), and
// returns the proxy's base URL once it answers.
func startNginx(t *testing.T, nginx, a, b string) string {
	t.Helper()
	shipped, err := os.ReadFile("../../packaging/nginx/tupu.conf")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	conf := string(shipped)
	for _, r := range []struct{ from, to string }{
		{"server 127.0.0.1:8081 ", "server " + a + " "},
		{"server 127.0.0.1:8082 ", "server " + b + " "},
		{"listen 8080;", "listen " + listen + ";"},
	} {
		if strings.Count(conf, r.from) != 1 {
			t.Fatalf("packaging/nginx/tupu.conf has not one %q to render", r.from)
		}
		conf = strings.Replace(conf, r.from, r.to, 1)
	}
	dir := t.TempDir()
	site := filepath.Join(dir, "tupu.conf")
	main := filepath.Join(dir, "nginx.conf")
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers would run as nobody, who cannot write here
	}
	mainConf := fmt.Sprintf(`%s
pid %[2]s/nginx.pid;
error_log %[2]s/error.log info;
events { worker_connections 256; }
http {
    access_log %[2]s/access.log;
    client_body_temp_path %[2]s/client_body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    include %[3]s;
}
`, user, dir, site)
	if err := os.WriteFile(site, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(main, []byte(mainConf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", main, "-g", "daemon off;")
	var out syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT) // nginx's graceful stop
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			errors, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx's error log:\n%s", errors)
		}
	})
	base := "http://" + listen + "/"
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case err := <-exited:
			errors, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %v\n%s\n%s", err, out.String(), errors)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx does not answer on %s: %v", listen, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clientAt returns an HTTP client whose connections come from the local
// address ip (any 127.0.0.0/8 address is this machine's): a client the
// servers do not trust, unlike the proxy on 127.0.0.1.
func clientAt(t *testing.T, ip string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// headerTransport sets one header on every request.
type headerTransport struct {
	http.RoundTripper
	name, value string
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return h.RoundTripper.RoundTrip(r)
}

func rawPost(t *testing.T, client *http.Client, base, body string) (int, string) {
	t.Helper()
	resp, err := client.Post(base+"graphql", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func rawGet(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// subscriber is a subscription's messages as they come.
type subscriber struct {
	lines  chan string
	seen   []string
	close  func()
	mu     sync.Mutex
	closed bool // the server sent the end of the stream
}

// wait waits up to five seconds for a message holding want.
func (s *subscriber) wait(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatalf("the stream ended without %s:\n%s", want, strings.Join(s.seen, "\n"))
			}
			s.seen = append(s.seen, l)
			if strings.Contains(l, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no message with %s within 5 s:\n%s", want, strings.Join(s.seen, "\n"))
		}
	}
}

func (s *subscriber) completed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// proxyEvents opens subscription over server-sent events through the
// proxy; it returns once the stream's opening comment has arrived, so the
// subscription is running.
func proxyEvents(t *testing.T, client *http.Client, base, subscription string) *subscriber {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": subscription})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{Transport: client.Transport}).Do(req) // no timeout: it is a stream
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("event stream through the proxy: %s %s", resp.Status, b)
	}
	s := &subscriber{lines: make(chan string, 100), close: cancel}
	opened := make(chan struct{})
	go func() {
		defer close(s.lines)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		first := true
		for sc.Scan() {
			l := sc.Text()
			if first && l == ":" {
				first = false
				close(opened)
			}
			if l == "event: complete" {
				s.mu.Lock()
				s.closed = true
				s.mu.Unlock()
			}
			if strings.HasPrefix(l, "event: ") || strings.HasPrefix(l, "data: ") {
				s.lines <- l
			}
		}
	}()
	select {
	case <-opened:
	case <-time.After(5 * time.Second):
		t.Fatal("the event stream's opening comment did not come through the proxy within 5 s")
	}
	return s
}

// proxyWebsocket subscribes over a graphql-transport-ws WebSocket through
// the proxy, as a page of the proxy's own origin would; it returns once
// the server acknowledged the connection.
func proxyWebsocket(t *testing.T, client *http.Client, base, subscription string) *subscriber {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"graphql", &websocket.DialOptions{
		HTTPClient:   &http.Client{Transport: client.Transport},
		Subprotocols: []string{"graphql-transport-ws"},
		HTTPHeader:   http.Header{"Origin": {strings.TrimSuffix(base, "/")}},
	})
	if err != nil {
		t.Fatalf("WebSocket through the proxy: %v %v", err, resp)
	}
	if c.Subprotocol() != "graphql-transport-ws" {
		t.Errorf("the WebSocket's subprotocol through the proxy: %q", c.Subprotocol())
	}
	send := func(msg map[string]any) {
		b, _ := json.Marshal(msg)
		if err := c.Write(ctx, websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
	send(map[string]any{"type": "connection_init"})
	if _, b, err := c.Read(ctx); err != nil || !strings.Contains(string(b), `"connection_ack"`) {
		t.Fatalf("connection_init through the proxy: %v %s", err, b)
	}
	send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": subscription}})
	s := &subscriber{lines: make(chan string, 100), close: func() { c.Close(websocket.StatusNormalClosure, ""); cancel() }}
	go func() {
		defer close(s.lines)
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				return
			}
			s.lines <- string(b)
		}
	}()
	// The subscription runs once the server has it: a ping through the
	// proxy comes back after the subscribe was read.
	send(map[string]any{"type": "ping"})
	s.wait(t, `"pong"`)
	return s
}

// deferThroughProxy posts a query with @defer through the proxy, reading
// multipart/mixed, and returns its parts. held reports when the relay
// holds the rest of the answer back, and lets it go when closed: the
// first part must reach the client in between.
func deferThroughProxy(t *testing.T, client *http.Client, base string, held *relayHold) []string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": `query Deferred { entity(key: "xiantao-data-valley") { key ... on Park @defer(label: "companies") { companies(first: 3) { totalCount } } } }`})
	req, _ := http.NewRequest("POST", base+"graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "multipart/mixed;deferSpec=20220824, application/json")
	result := make(chan []string, 1)
	go func() {
		defer held.releaseOnce() // whatever happens, the relay goes on
		resp, err := (&http.Client{Transport: client.Transport}).Do(req)
		if err != nil {
			t.Error(err)
			result <- nil
			return
		}
		defer resp.Body.Close()
		media, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if media != "multipart/mixed" {
			b, _ := io.ReadAll(resp.Body)
			t.Errorf("@defer through the proxy: %s %s", resp.Header.Get("Content-Type"), b)
			result <- nil
			return
		}
		mr := multipart.NewReader(resp.Body, params["boundary"])
		var parts []string
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			if len(parts) == 0 {
				// The first part is whole: the relay must still hold the rest.
				select {
				case <-held.holding:
				default:
					t.Errorf("the first part came before the relay held the rest back: the relay did not see it")
				}
				if held.released() {
					t.Errorf("the first part came only after the rest was let go")
				}
				held.releaseOnce()
			}
			parts = append(parts, string(b))
		}
		result <- parts
	}()
	select {
	case parts := <-result:
		return parts
	case <-time.After(10 * time.Second):
		// The first part never came while the rest was held: the proxy
		// waits for the whole answer.
		held.releaseOnce()
		t.Fatal("the first part of an answer in parts did not reach the client while the rest was held back")
		return nil
	}
}

// relay passes TCP connections to a server, every byte as it comes; see
// holdAfterFirstPart.
type relay struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	hold   *relayHold    // armed, until a connection holds
	drop   chan struct{} // armed, until a POST is dropped; then closed
}

// relayHold is one holding back of an answer's rest.
type relayHold struct {
	holding chan struct{} // closed when the relay holds the rest
	release chan struct{} // closed to let it go
	once    sync.Once
}

func (h *relayHold) releaseOnce() { h.once.Do(func() { close(h.release) }) }

func (h *relayHold) released() bool {
	select {
	case <-h.release:
		return true
	default:
		return false
	}
}

func newRelay(t *testing.T, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go r.pass(c)
		}
	}()
	return r
}

func (r *relay) addr() string { return r.ln.Addr().String() }

// holdAfterFirstPart arms the relay: in the next answer in parts
// (multipart/mixed) the server sends, it lets through the first part and
// the delimiter line after it, and holds back the rest until released.
func (r *relay) holdAfterFirstPart() *relayHold {
	h := &relayHold{holding: make(chan struct{}), release: make(chan struct{})}
	r.mu.Lock()
	r.hold = h
	r.mu.Unlock()
	return h
}

// dropNextPOST arms the relay to drop the next POST it is sent, closing
// its connections; the channel closes when it has.
func (r *relay) dropNextPOST() <-chan struct{} {
	d := make(chan struct{})
	r.mu.Lock()
	r.drop = d
	r.mu.Unlock()
	return d
}

func (r *relay) pass(c net.Conn) {
	defer c.Close()
	s, err := net.Dial("tcp", r.target)
	if err != nil {
		return
	}
	defer s.Close()
	go func() {
		// From the proxy to the server, unless the relay is to drop the
		// next POST: then the server never gets it, and the proxy sees
		// its connection closed once the request is sent, as when a
		// server dies in the middle of a request.
		buf := make([]byte, 32<<10)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				r.mu.Lock()
				dropped := r.drop
				if dropped != nil && bytes.HasPrefix(buf[:n], []byte("POST ")) {
					r.drop = nil
				} else {
					dropped = nil
				}
				r.mu.Unlock()
				if dropped != nil {
					// Said before the connection ends: the proxy answers
					// its client as soon as it sees the end, and the test
					// asks, once answered, whether this relay dropped it.
					close(dropped)
					c.Close()
					s.Close()
					return
				}
				if _, err := s.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				s.(*net.TCPConn).CloseWrite()
				return
			}
		}
	}()
	// From the server to the proxy: everything since the relay was armed
	// is kept, to find where the first part of an answer ends.
	var seen []byte
	buf := make([]byte, 32<<10)
	for {
		n, err := s.Read(buf)
		chunk := buf[:n]
		if n > 0 {
			r.mu.Lock()
			h := r.hold
			r.mu.Unlock()
			if h != nil {
				seen = append(seen, chunk...)
				if end := firstPartEnd(seen); end >= 0 {
					r.mu.Lock()
					mine := r.hold == h
					r.hold = nil
					r.mu.Unlock()
					if mine {
						at := end - (len(seen) - n) // where it ends in chunk
						if _, err := c.Write(chunk[:at]); err != nil {
							return
						}
						close(h.holding)
						<-h.release
						chunk = chunk[at:]
					}
					seen = nil
				}
			}
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
		if err != nil {
			c.(*net.TCPConn).CloseWrite()
			return
		}
	}
}

// firstPartEnd returns where, in what a server sent, the first part of a
// multipart/mixed answer ends, with what a client needs to know it has
// ended, or -1 if that has not come yet. tupu's boundary is "-": a part's
// body starts after a blank line with "{"; the delimiter line after it,
// CRLF "---", is followed by CRLF and the next part's headers. A
// multipart reader waits for that CRLF before it ends the part, so it
// goes through too (with the chunked encoding's own lines around it),
// and the next part's "Content-Type" is held.
func firstPartEnd(b []byte) int {
	start := bytes.Index(b, []byte("\r\n\r\n{"))
	if start < 0 || !bytes.Contains(b[:start], []byte("multipart/mixed")) {
		return -1
	}
	i := bytes.Index(b[start:], []byte("\r\n---"))
	if i < 0 {
		return -1
	}
	after := start + i + len("\r\n---")
	j := bytes.Index(b[after:], []byte("\r\nContent-Type"))
	if j < 0 {
		return -1
	}
	return after + j + len("\r\n")
}
