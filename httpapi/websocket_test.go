package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"tupu/httpapi"
	"tupu/store"
)

func dial(t *testing.T, ctx context.Context, url string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	return websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header,
	})
}

func send(t *testing.T, ctx context.Context, c *websocket.Conn, msg map[string]any) {
	t.Helper()
	b, _ := json.Marshal(msg)
	if err := c.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, ctx context.Context, c *websocket.Conn) (map[string]any, error) {
	t.Helper()
	_, b, err := c.Read(ctx)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}

// TestWebsocket speaks graphql-ws: a subscriber authenticated at init sees
// a change; a bad token, a silent client and a foreign page are refused.
func TestWebsocket(t *testing.T) {
	s := mustServeWith(t, httpapi.Options{WebsocketInitTimeout: 300 * time.Millisecond})
	editor := s.Token(t, "alice", store.RoleEditor)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	t.Run("subscribe", func(t *testing.T) {
		c, _, err := dial(t, ctx, s.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		send(t, ctx, c, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + editor}})
		if m, err := read(t, ctx, c); err != nil || m["type"] != "connection_ack" {
			t.Fatalf("init: %v %v", m, err)
		}
		send(t, ctx, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
			"query": `subscription { entityChanged(kinds: [COUNTY]) { operation actor entityKey } }`}})
		time.Sleep(100 * time.Millisecond)
		s.As(t, editor, `mutation { updateEntity(input: {id: "yunyang-county", expectedVersion: 1, note: "paired"}) { entity { version } } }`, nil)
		m, err := read(t, ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(m)
		if m["type"] != "next" || !strings.Contains(string(b), `"entityKey":"yunyang-county"`) || !strings.Contains(string(b), `"actor":"alice"`) {
			t.Errorf("message: %s", b)
		}
		// Each event carries its own figures: one object, the change.
		if !strings.Contains(string(b), `"cost":{"estimate":1,"limit":50000,"objects":1}`) {
			t.Errorf("an event without its cost figures: %s", b)
		}
	})

	t.Run("bad token at init", func(t *testing.T) {
		c, _, err := dial(t, ctx, s.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		send(t, ctx, c, map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": "tupu_forged"}})
		if m, err := read(t, ctx, c); err == nil && m["type"] == "connection_ack" {
			t.Errorf("a forged token was acknowledged")
		}
	})

	t.Run("no init", func(t *testing.T) {
		c, _, err := dial(t, ctx, s.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		start := time.Now()
		if _, err := read(t, ctx, c); err == nil {
			t.Error("a connection that never sent connection_init got a message")
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("closed after %v; the init timeout is 300ms", d)
		}
	})

	t.Run("foreign origin", func(t *testing.T) {
		_, resp, err := dial(t, ctx, s.URL, http.Header{"Origin": {"https://evil.example"}})
		if err == nil {
			t.Fatal("a page from another origin opened a WebSocket")
		}
		if resp != nil && resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
	})
}

// TestWebsocket_concurrentOperations runs queries and subscriptions at once
// on one connection (with -race, a check that nothing of one operation is
// written where another reads it): every query is answered.
func TestWebsocket_concurrentOperations(t *testing.T) {
	s := mustServe(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _, err := dial(t, ctx, s.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	send(t, ctx, c, map[string]any{"type": "connection_init"})
	if m, err := read(t, ctx, c); err != nil || m["type"] != "connection_ack" {
		t.Fatalf("init: %v %v", m, err)
	}
	const n = 20
	for i := range n {
		send(t, ctx, c, map[string]any{"id": fmt.Sprint("s", i), "type": "subscribe", "payload": map[string]any{
			"query": `subscription { entityChanged { entityKey } }`}})
		send(t, ctx, c, map[string]any{"id": fmt.Sprint("q", i), "type": "subscribe", "payload": map[string]any{
			"query": `query { entity(key: "xiantao-data-valley") { name ... on Park @defer { companies(first: 2) { totalCount } } } }`}})
	}
	answered := map[string]bool{}
	for len(answered) < n {
		m, err := read(t, ctx, c)
		if err != nil {
			t.Fatalf("after %d answers: %v", len(answered), err)
		}
		id, _ := m["id"].(string)
		if m["type"] == "next" && strings.HasPrefix(id, "q") {
			b, _ := json.Marshal(m["payload"])
			if !strings.Contains(string(b), `"totalCount":13`) {
				t.Errorf("%s: %s", id, b)
			}
			answered[id] = true
		}
	}
}
