package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"tupu/httpapi"
	"tupu/httpapi/apitest"
	"tupu/store"
)

// TestCORS: pages on listed origins, exact or by pattern, may call the
// endpoint from a browser; others get no permission; answers say they
// vary by Origin; credentials only when configured.
func TestCORS(t *testing.T) {
	s := apitest.Serve(t, httpapi.Options{CORSOrigins: []string{"http://localhost:3000", "https://*.example.com"}})
	preflight := func(origin, method, headers string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("OPTIONS", s.URL, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", method)
		req.Header.Set("Access-Control-Request-Headers", headers)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, origin := range []string{"http://localhost:3000", "https://app.example.com", "https://a.b.example.com"} {
		for _, method := range []string{"POST", "GET"} {
			resp := preflight(origin, method, "content-type, authorization, apollographql-client-name")
			h := resp.Header
			if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != origin ||
				!strings.Contains(h.Get("Access-Control-Allow-Methods"), method) ||
				!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") ||
				!strings.Contains(h.Get("Vary"), "Origin") || h.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("preflight of %s %s: %d %v", method, origin, resp.StatusCode, h)
			}
		}
	}
	for _, origin := range []string{"http://localhost:3001", "https://example.com", "http://app.example.com", "https://evil.com", "null"} {
		if h := preflight(origin, "POST", "content-type").Header; h.Get("Access-Control-Allow-Origin") != "" || h.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("preflight from %s was allowed: %v", origin, h)
		}
	}

	// The request itself, answered afresh and then from the cache: both
	// carry the permission for the listed origin, and vary by Origin.
	for range 2 {
		for origin, allowed := range map[string]bool{"https://app.example.com": true, "https://evil.com": false} {
			req, _ := http.NewRequest("POST", s.URL, strings.NewReader(apitest.QueryBody(`{ districts { totalCount } }`)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", origin)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Access-Control-Allow-Origin"); (got == origin) != allowed || !strings.Contains(resp.Header.Get("Vary"), "Origin") {
				t.Errorf("POST from %s (X-Cache %q): Allow-Origin %q, Vary %q", origin, resp.Header.Get("X-Cache"), got, resp.Header.Get("Vary"))
			}
		}
	}

	// A listed origin may open a WebSocket too.
	o := doWebsocket(t, s.URL, operation{query: `{ districts { totalCount } }`, header: http.Header{"Origin": {"https://app.example.com"}}})
	if !o.ran() {
		t.Errorf("a WebSocket from a listed origin: %d %s", o.status, o.raw)
	}
	if o := doWebsocket(t, s.URL, operation{query: `{ districts { totalCount } }`, header: http.Header{"Origin": {"https://evil.com"}}}); o.status != http.StatusForbidden {
		t.Errorf("a WebSocket from another origin: %d %s", o.status, o.raw)
	}
}

// TestCORS_credentials: with credentials configured, allowed origins get
// Access-Control-Allow-Credentials; every origin ("*") cannot have them.
func TestCORS_credentials(t *testing.T) {
	s := apitest.Serve(t, httpapi.Options{CORSOrigins: []string{"https://app.example.com"}, CORSCredentials: true})
	editor := s.Token(t, "alice", store.RoleEditor)
	req, _ := http.NewRequest("POST", s.URL, strings.NewReader(apitest.QueryBody(`{ districts { totalCount } }`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Authorization", "Bearer "+editor)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Credentials") != "true" || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("headers: %v", resp.Header)
	}
	for _, bad := range [][]string{{"*"}, {"app.example.com"}, {"https://*"}, {"https://a.*.example.com"}, {"ftp://x.example.com"}, {"https://x.example.com/path"}} {
		if _, err := httpapi.New(nil, httpapi.Options{CORSOrigins: bad, CORSCredentials: true}); err == nil {
			t.Errorf("origins %v with credentials were accepted", bad)
		}
	}
	if _, err := httpapi.New(nil, httpapi.Options{CORSOrigins: []string{"*"}}); err != nil {
		t.Errorf("every origin, without credentials: %v", err)
	}
}
