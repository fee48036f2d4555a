package playground

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"

	gqlplayground "github.com/99designs/gqlgen/graphql/playground"
)

const testQuery = `query Demo { hello(name: "</script><b>x</b>") }`

var (
	refRe       = regexp.MustCompile(`(?s)<(script|link)\b[^>]*?(?:src|href)="([^"]+)"[^>]*?integrity="([^"]+)"`)
	externalURL = regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]*(jsdelivr|unpkg|cdnjs|esm\.sh|skypack|googleapis|gstatic)`)
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	Mount(mux, "/graphql", testQuery)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

type ref struct{ url, sri string }

func pageRefs(page string) []ref {
	var refs []ref
	for _, m := range refRe.FindAllStringSubmatch(page, -1) {
		refs = append(refs, ref{html.UnescapeString(m[2]), html.UnescapeString(m[3])})
	}
	return refs
}

func sri(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

func TestPageIsLocal(t *testing.T) {
	srv := newServer(t)
	resp, body := get(t, srv.URL+"/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q", ct)
	}
	page := string(body)
	if m := externalURL.FindString(page); m != "" {
		t.Errorf("page references a CDN: %q", m)
	}
	refs := pageRefs(page)
	if len(refs) != len(allAssets) {
		t.Fatalf("page has %d script/link refs with integrity, want %d: %v", len(refs), len(allAssets), refs)
	}
	for _, r := range refs {
		if !strings.HasPrefix(r.url, AssetsPrefix) {
			t.Errorf("asset URL %q is not below %s", r.url, AssetsPrefix)
		}
	}
	if !strings.Contains(page, `const url = location.protocol + '//' + location.host + "/graphql";`) {
		t.Error("page does not point at the /graphql endpoint")
	}
}

func TestAssetsServedWithSRI(t *testing.T) {
	srv := newServer(t)
	_, body := get(t, srv.URL+"/")
	refs := pageRefs(string(body))
	if len(refs) != len(allAssets) {
		t.Fatalf("page has %d asset refs, want %d", len(refs), len(allAssets))
	}
	for _, r := range refs {
		resp, data := get(t, srv.URL+r.url)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", r.url, resp.StatusCode)
			continue
		}
		want := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}[path.Ext(r.url)]
		if ct := resp.Header.Get("Content-Type"); ct != want {
			t.Errorf("GET %s: Content-Type = %q, want %q", r.url, ct, want)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("GET %s: Cache-Control = %q", r.url, cc)
		}
		if got := sri(data); got != r.sri {
			t.Errorf("GET %s: content hash %s, page's integrity %s", r.url, got, r.sri)
		}
		if len(data) < 1000 {
			t.Errorf("GET %s: only %d bytes", r.url, len(data))
		}
	}
	for _, p := range []string{AssetsPrefix, AssetsPrefix + "nope.js", AssetsPrefix + "../go.mod", "/other"} {
		if resp, _ := get(t, srv.URL+p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, resp.StatusCode)
		}
	}
}

// TestSameFilesAsGqlgen checks that we serve the files gqlgen's own page
// loads from the CDN: same versions (file names) and same SRI hashes, except
// the explorer CSS (see the comment at the asset list).
func TestSameFilesAsGqlgen(t *testing.T) {
	rec := httptest.NewRecorder()
	gqlplayground.Handler("t", "/graphql", gqlplayground.WithGraphiqlEnablePluginExplorer(true)).
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	theirs := pageRefs(rec.Body.String())
	if len(theirs) != len(allAssets) {
		t.Fatalf("gqlgen page has %d refs, want %d", len(theirs), len(allAssets))
	}
	npmURL := regexp.MustCompile(`/npm/(?:@[^/]+/)?([^/@]+)@([0-9.]+)/(.+)$`)
	byName := map[string]asset{}
	for _, a := range allAssets {
		byName[path.Base(a.path)] = a
	}
	for _, r := range theirs {
		m := npmURL.FindStringSubmatch(r.url)
		if m == nil {
			t.Errorf("unexpected gqlgen asset URL %s", r.url)
			continue
		}
		name := path.Base(m[3])
		// gqlgen's page asks its CDN for a minified CSS the npm package
		// does not hold; we serve the package's own dist/style.css.
		if strings.HasSuffix(r.url, "/npm/@graphiql/plugin-explorer@4.0.6/dist/style.min.css") {
			name = path.Base(pluginExplorerCSS.path)
		}
		ours, ok := byName[name]
		if !ok {
			t.Errorf("gqlgen loads %s, which we do not serve: update third_party/graphiql", r.url)
			continue
		}
		if dir := m[1] + "-" + m[2]; path.Dir(ours.path) != dir {
			t.Errorf("gqlgen loads %s, we serve %s: update third_party/graphiql", r.url, ours.path)
		}
		if ours != pluginExplorerCSS && r.sri != ours.sri {
			t.Errorf("gqlgen pins %s with %s, we serve %s with %s: update third_party/graphiql (fetch.sh)", r.url, r.sri, ours.path, ours.sri)
		}
	}
}

func TestDefaultQuery(t *testing.T) {
	srv := newServer(t)
	_, body := get(t, srv.URL+"/")
	page := string(body)
	want := `defaultQuery: "query Demo { hello(name: \"\u003c/script\u003e\u003cb\u003ex\u003c/b\u003e\") }",`
	if !strings.Contains(page, want) {
		t.Errorf("page lacks %s", want)
	}
	if strings.Contains(page, "</script><b>") {
		t.Error("default query is not escaped")
	}
	if i, j := strings.Index(page, propsMarker), strings.Index(page, "defaultQuery:"); i < 0 || j < i {
		t.Error("defaultQuery is not among the GraphiQL props")
	}
}

func TestMethods(t *testing.T) {
	h := Handler("/graphql", "{ a }")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, AssetsPrefix+reactJS.path, nil))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD asset = %d with %d bytes", rec.Code, rec.Body.Len())
	}
}
