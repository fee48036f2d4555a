package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// frontendPage is a page of a frontend on another origin: it fetches the
// nested query from the API with POST (a JSON body) and with GET (with a
// bearer token), the requests a browser preflights, and leaves what
// happened in window.outcome.
const frontendPage = `<!doctype html><meta charset="utf-8"><title>frontend</title>
<script>
const api = %q;
const query = %q;
async function call() {
  try {
    const post = await fetch(api, {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({query})});
    const posted = await post.json();
    const get = await fetch(api + '?query=' + encodeURIComponent(query),
      {headers: {'Authorization': 'Bearer not-a-token', 'Accept': 'application/graphql-response+json'}});
    return JSON.stringify({post: posted, getStatus: get.status});
  } catch (e) {
    return 'blocked: ' + e;
  }
}
call().then(r => { window.outcome = r; });
</script>`

// TestBrowser_cors serves a frontend page from another port of 127.0.0.1
// and opens it in Chromium: with the page's origin in --cors-origins its
// fetches of the nested query get the answer; from an origin not listed
// the browser blocks them.
func TestBrowser_cors(t *testing.T) {
	needChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var api string // set once the program serves
	page := func() *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, frontendPage, api, nestedQuery)
		}))
	}
	listed, unlisted := page(), page()
	defer listed.Close()
	defer unlisted.Close()
	base, serverLog := startProgram(t, ctx, "--cors-origins", listed.URL+", https://*.example.com")
	api = base + "graphql"
	bctx, browserLog := startBrowser(t, ctx)

	outcome := func(pageURL string) string {
		t.Helper()
		err := chromedp.Do(bctx, chromedp.Navigate(pageURL))
		var got string
		if err == nil {
			got, err = chromedp.Run(bctx, chromedp.Poll[string](`window.outcome || ''`,
				chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
		}
		if err != nil {
			t.Fatalf("%s: %v\nserver log:\n%s\nbrowser log:\n%s", pageURL, err, serverLog.String(), browserLog.String())
		}
		return got
	}

	got := outcome(listed.URL)
	var answer struct {
		Post struct {
			Data   json.RawMessage
			Errors json.RawMessage
		}
		GetStatus int
	}
	if err := json.Unmarshal([]byte(got), &answer); err != nil {
		t.Fatalf("a listed origin: %s", got)
	}
	if !strings.Contains(string(answer.Post.Data), "美国高通公司") || answer.Post.Errors != nil {
		t.Errorf("a listed origin's POST of the nested query: %s", got)
	}
	// The GET's preflight allowed Authorization; the token is not valid,
	// and the page can read that answer too.
	if answer.GetStatus != http.StatusUnauthorized {
		t.Errorf("a listed origin's GET with a token: status %d", answer.GetStatus)
	}

	if got := outcome(unlisted.URL); !strings.HasPrefix(got, "blocked: ") {
		t.Errorf("an origin not listed read the answer: %s", got)
	}
}

// nestedQuery is the nested page query a frontend writes, from the
// district down to the labs' partners.
const nestedQuery = `query Frontend {
  entity(name: "渝北区") {
    ... on District {
      name
      parks(first: 10) { nodes { name companies(first: 20) { nodes { name labs(first: 10) { nodes { name partners(first: 10) { nodes { name } } } } } } } }
    }
  }
}`
