package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"tupu/httpapi"
	"tupu/httpapi/apitest"
	"tupu/store"
)

// TestRevocation_endsStreams: the streams opened with a token end when an
// admin revokes it on the running server: a WebSocket that sent it in
// connection_init, one that sent it on the upgrade (both closed with 4403
// and the reason), and server-sent events (whose last event says why). Another token's WebSocket goes on,
// and the revoked token opens no new one.
func TestRevocation_endsStreams(t *testing.T) {
	s := mustServeWith(t, httpapi.Options{})
	root := s.Token(t, "root", store.RoleAdmin)
	alice := s.Token(t, "alice", store.RoleEditor)
	bob := s.Token(t, "bob", store.RoleEditor)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const subscription = `subscription { entityChanged(kinds: [COUNTY]) { entityKey actor } }`

	// subscribe opens a WebSocket with the token in connection_init or in
	// the upgrade's Authorization header, and subscribes.
	subscribe := func(token string, atInit bool) *websocket.Conn {
		t.Helper()
		var header http.Header
		payload := map[string]any{}
		if atInit {
			payload["Authorization"] = "Bearer " + token
		} else {
			header = http.Header{"Authorization": {"Bearer " + token}}
		}
		c, _, err := dial(t, ctx, s.URL, header)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.CloseNow() })
		send(t, ctx, c, map[string]any{"type": "connection_init", "payload": payload})
		if m, err := read(t, ctx, c); err != nil || m["type"] != "connection_ack" {
			t.Fatalf("init: %v %v", m, err)
		}
		send(t, ctx, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": subscription}})
		return c
	}
	aliceAtInit := subscribe(alice, true)
	aliceOnUpgrade := subscribe(alice, false)
	bobs := subscribe(bob, true)

	// Alice's event stream: every event it sends, until it ends.
	body, _ := json.Marshal(map[string]any{"query": subscription})
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+alice)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("event stream: %s", resp.Status)
	}
	events := make(chan []string, 1)
	go func() {
		var got []string
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "event: ") || strings.HasPrefix(line, "data: ") {
				got = append(got, line)
			}
		}
		events <- got
	}()
	time.Sleep(200 * time.Millisecond) // the subscriptions start

	mustOK(t, s.As(t, root, `mutation { revokeToken(input: {name: "alice"}) { token { name } } }`, nil))

	for name, c := range map[string]*websocket.Conn{"connection_init": aliceAtInit, "upgrade": aliceOnUpgrade} {
		for {
			m, err := read(t, ctx, c)
			if err != nil {
				if ctx.Err() != nil {
					t.Errorf("the WebSocket with alice's token in %s is still open", name)
				} else if code := websocket.CloseStatus(err); code != 4403 || !strings.Contains(err.Error(), "revoked") {
					t.Errorf("the WebSocket with alice's token in %s closed with %v, want 4403 and the reason", name, err)
				}
				break
			}
			if m["type"] == "next" {
				t.Errorf("alice's WebSocket (token in %s) sent an event after the revocation: %v", name, m)
			}
		}
	}
	select {
	case got := <-events:
		all := strings.Join(got, "\n")
		if !strings.Contains(all, `"code":"UNAUTHENTICATED"`) || !strings.Contains(all, "revoked") || !strings.HasSuffix(all, "event: complete") {
			t.Errorf("alice's event stream ended with:\n%s", all)
		}
	case <-ctx.Done():
		t.Fatal("alice's event stream is still open")
	}

	// Bob's goes on: the next change reaches him.
	mustOK(t, s.As(t, root, `mutation { updateEntity(input: {id: "yunyang-county", expectedVersion: 1, note: "paired"}) { entity { version } } }`, nil))
	m, err := read(t, ctx, bobs)
	if b, _ := json.Marshal(m); err != nil || m["type"] != "next" || !strings.Contains(string(b), `"entityKey":"yunyang-county"`) {
		t.Errorf("bob's subscription after alice's revocation: %s %v", b, err)
	}

	// And alice's token opens nothing new.
	c, _, err := dial(t, ctx, s.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	send(t, ctx, c, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + alice}})
	if m, err := read(t, ctx, c); err == nil && m["type"] == "connection_ack" {
		t.Error("the revoked token opened a WebSocket")
	} else if code := websocket.CloseStatus(err); code != 4403 {
		t.Errorf("a WebSocket with the revoked token: %v, want close 4403", err)
	}
}

func mustOK(t *testing.T, r *apitest.Response) {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
}
