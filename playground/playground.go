// Package playground serves the GraphiQL playground of the tupu GraphQL
// service without any internet access.
//
// gqlgen's own playground page (github.com/99designs/gqlgen/graphql/playground)
// loads GraphiQL, React and the explorer plugin from a CDN, so it stays at
// "Loading…" on a machine that cannot reach one. This package renders the same
// gqlgen page, but points its <script>/<link> tags at local URLs under
// AssetsPrefix and serves those files from the binary (go:embed, package
// tupu/third_party/graphiql), keeping the page's SRI integrity hashes. It also
// pre-fills the query editor with a default query, which gqlgen's page has no
// option for.
package playground

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"

	gqlplayground "github.com/99designs/gqlgen/graphql/playground"

	"tupu/third_party/graphiql"
)

// Title is the page title of the playground.
const Title = "tupu GraphiQL"

// AssetsPrefix is the URL path under which the GraphiQL assets are served.
// The file paths below it carry the package versions, so the files can be
// cached as immutable.
const AssetsPrefix = "/playground/assets/"

// asset is one embedded file referenced by the page.
type asset struct {
	path        string // path in graphiql.FS, and below AssetsPrefix
	sri         string // integrity= value in the page
	contentType string
}

const (
	jsType  = "text/javascript; charset=utf-8"
	cssType = "text/css; charset=utf-8"
)

// The SRI hashes are the ones gqlgen v0.17.98 pins for its CDN URLs (the
// npm files are byte-identical), except the explorer CSS: gqlgen loads a
// jsDelivr-generated "style.min.css" that is not in the npm package, so we
// serve the package's dist/style.css and pin its hash here.
var (
	graphiqlJS        = asset{graphiql.GraphiQLJS, "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs=", jsType}
	graphiqlCSS       = asset{graphiql.GraphiQLCSS, "sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU=", cssType}
	reactJS           = asset{graphiql.ReactJS, "sha256-S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY=", jsType}
	reactDOMJS        = asset{graphiql.ReactDOMJS, "sha256-IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc=", jsType}
	pluginExplorerJS  = asset{graphiql.PluginExplorerJS, "sha256-UM8sWOS0Xa9yLY85q6Clh0pF4qpxX+TOcJ41flECqBs=", jsType}
	pluginExplorerCSS = asset{graphiql.PluginExplorerCSS, "sha256-aJCaSuI7+t/EWRrLTis8jU9EFTua5/o7fnwxnroxDvE=", cssType}

	allAssets = []asset{graphiqlJS, graphiqlCSS, reactJS, reactDOMJS, pluginExplorerJS, pluginExplorerCSS}
)

// propsMarker is where gqlgen's page opens the props of the GraphiQL
// component; the default query is inserted right after it.
const propsMarker = "React.createElement(GraphiQL, {"

// Handler returns a handler that serves, for GET and HEAD, the GraphiQL page
// at "/" and its assets under AssetsPrefix; anything else is 404 (or 405 for
// other methods). endpoint is the GraphQL endpoint the page queries (a path
// such as "/graphql", or an absolute URL); defaultQuery is shown in the query
// editor when the browser has no saved GraphiQL state (first visit, new tab).
//
// It panics if the page cannot be built, which only happens if the gqlgen
// page template changed incompatibly (the package tests catch that).
func Handler(endpoint, defaultQuery string) http.Handler {
	page, err := renderPage(endpoint, defaultQuery)
	if err != nil {
		panic("playground: " + err.Error())
	}
	files := make(map[string]servedAsset, len(allAssets))
	for _, a := range allAssets {
		data, err := fs.ReadFile(graphiql.FS, a.path)
		if err != nil {
			panic("playground: " + err.Error())
		}
		files[a.path] = servedAsset{asset: a, data: data}
	}
	return &handler{page: page, files: files}
}

// Mount registers Handler(endpoint, defaultQuery) on mux for the patterns
// "GET /{$}" (the page) and "GET "+AssetsPrefix (the assets).
func Mount(mux *http.ServeMux, endpoint, defaultQuery string) {
	h := Handler(endpoint, defaultQuery)
	mux.Handle("GET /{$}", h)
	mux.Handle("GET "+AssetsPrefix, h)
}

type servedAsset struct {
	asset
	data []byte
}

type handler struct {
	page  []byte
	files map[string]servedAsset
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	switch {
	case r.URL.Path == "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.page))
	case strings.HasPrefix(r.URL.Path, AssetsPrefix):
		f, ok := h.files[strings.TrimPrefix(r.URL.Path, AssetsPrefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.contentType)
		// The URL contains the package version: cache it for a year.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("ETag", `"`+f.sri+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
	default:
		http.NotFound(w, r)
	}
}

// renderPage renders gqlgen's GraphiQL page with the local asset URLs and
// inserts the defaultQuery prop into the GraphiQL component's props.
func renderPage(endpoint, defaultQuery string) ([]byte, error) {
	u := func(a asset) string { return AssetsPrefix + a.path }
	gql := gqlplayground.Handler(Title, endpoint,
		gqlplayground.WithGraphiqlVersion(u(graphiqlJS), u(graphiqlCSS), graphiqlJS.sri, graphiqlCSS.sri),
		gqlplayground.WithGraphiqlReactVersion(u(reactJS), u(reactDOMJS), reactJS.sri, reactDOMJS.sri),
		gqlplayground.WithGraphiqlPluginExplorerVersion(u(pluginExplorerJS), u(pluginExplorerCSS), pluginExplorerJS.sri, pluginExplorerCSS.sri),
		gqlplayground.WithGraphiqlEnablePluginExplorer(true),
	)
	rec := &recorder{header: http.Header{}}
	req, err := http.NewRequest(http.MethodGet, "/", nil)
	if err != nil {
		return nil, err
	}
	gql(rec, req)
	page := rec.body.Bytes()

	if n := bytes.Count(page, []byte(propsMarker)); n != 1 {
		return nil, fmt.Errorf("gqlgen's GraphiQL page has %d occurrences of %q, want 1", n, propsMarker)
	}
	// json.Marshal escapes <, > and & (and U+2028/U+2029), so the string
	// literal cannot end the <script> element.
	q, err := json.Marshal(defaultQuery)
	if err != nil {
		return nil, err
	}
	return bytes.Replace(page, []byte(propsMarker),
		[]byte(propsMarker+"\n          defaultQuery: "+string(q)+","), 1), nil
}

// recorder is a minimal http.ResponseWriter that keeps the body.
type recorder struct {
	header http.Header
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }
func (r *recorder) WriteHeader(int)             {}
