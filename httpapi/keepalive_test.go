package httpapi_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"tupu/httpapi"
)

// TestEvents_keepAlive: an event stream with nothing to say sends a
// comment every KeepAlive, as a WebSocket is pinged, so that a proxy
// that ends silent streams keeps a quiet subscription open.
func TestEvents_keepAlive(t *testing.T) {
	s := mustServeWith(t, httpapi.Options{KeepAlive: 50 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL, strings.NewReader(`{"query":"subscription { entityChanged { entityKey } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	comments := 0
	for comments < 3 && sc.Scan() {
		switch l := sc.Text(); {
		case l == ":":
			comments++
		case l != "":
			t.Fatalf("a quiet subscription's stream says %q", l)
		}
	}
	if comments < 3 {
		t.Fatalf("the stream ended after %d comments: %v", comments, sc.Err())
	}
}
