// Package explorer serves the explorer: the web app at /explore where
// people search the graph, read an entity with the words that state each
// fact, follow its relations, draw its neighbourhood, find paths and
// compare figures. The app is built from the TypeScript and GraphQL files
// under src by `go generate` (see internal/build) and embedded, so the
// service needs neither Node nor the internet to serve it.
package explorer

//go:generate go run ./internal/build

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Prefix is where the explorer is served; its pages live below it.
const Prefix = "/explore"

//go:embed index.html dist/app.js dist/app.css dist/trusted-documents.json dist/licenses.txt
var files embed.FS

// asset is a generated file, served under a name that holds its hash so
// browsers may keep it for good.
type asset struct {
	name        string // as served, under Prefix + "/assets/"
	contentType string
	data        []byte
}

// site is the page and its assets, ready to serve.
type site struct {
	page     []byte
	assets   map[string]asset
	licenses []byte // of the npm packages in the bundle
}

var built = mustBuild()

func mustBuild() *site {
	s := &site{assets: map[string]asset{}}
	page := must(files.ReadFile("index.html"))
	for _, f := range []struct{ path, placeholder, contentType string }{
		{"dist/app.js", "{{app.js}}", "text/javascript; charset=utf-8"},
		{"dist/app.css", "{{app.css}}", "text/css; charset=utf-8"},
	} {
		data := must(files.ReadFile(f.path))
		sum := sha256.Sum256(data)
		base := strings.TrimPrefix(f.path, "dist/")
		dot := strings.LastIndexByte(base, '.')
		name := base[:dot] + "." + hex.EncodeToString(sum[:6]) + base[dot:]
		s.assets[name] = asset{name: name, contentType: f.contentType, data: data}
		if !bytes.Contains(page, []byte(f.placeholder)) {
			panic("explorer: index.html lacks " + f.placeholder)
		}
		page = bytes.ReplaceAll(page, []byte(f.placeholder), []byte(Prefix+"/assets/"+name))
	}
	s.page = page
	s.licenses = must(files.ReadFile("dist/licenses.txt"))
	return s
}

func must[T any](v T, err error) T {
	if err != nil {
		panic("explorer: " + err.Error())
	}
	return v
}

// TrustedDocuments returns the explorer's GraphQL operations keyed by the
// SHA-256 of each (hex): the same manifest --trusted-documents reads, so a
// server that runs only trusted documents can add these and still serve
// the explorer.
func TrustedDocuments() map[string]string {
	var m map[string]string
	if err := json.Unmarshal(must(files.ReadFile("dist/trusted-documents.json")), &m); err != nil {
		panic("explorer: trusted-documents.json: " + err.Error())
	}
	return m
}

// Mount registers the explorer on mux: its pages at Prefix and below, its
// assets under Prefix/assets/.
func Mount(mux *http.ServeMux) {
	h := Handler()
	mux.Handle("GET "+Prefix, h)
	mux.Handle("GET "+Prefix+"/", h)
}

// Handler serves the explorer for GET and HEAD. Every path of the app
// (the search page, /e/{key} and its graph, /doc/{key}, /paths,
// /figures) gets the same page, which draws the view the URL names, so
// links into the app can be shared and opened directly; /licenses.txt
// holds the licences of the npm packages in the bundle. Unknown paths are
// 404.
func Handler() http.Handler {
	return built
}

// pages are the app's routes below Prefix, as path segments; "*" is any
// one segment (a key).
var pages = [][]string{
	{},
	{"e", "*"},
	{"e", "*", "graph"},
	{"doc", "*"},
	{"paths"},
	{"figures"},
}

func isPage(path string) bool {
	rest, ok := strings.CutPrefix(path, Prefix)
	if !ok {
		return false
	}
	rest = strings.Trim(rest, "/")
	var segs []string
	if rest != "" {
		segs = strings.Split(rest, "/")
	}
	for _, p := range pages {
		if len(p) != len(segs) {
			continue
		}
		match := true
		for i := range p {
			if segs[i] == "" || (p[i] != "*" && p[i] != segs[i]) {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// contentSecurityPolicy keeps the page to this server: scripts, styles,
// and requests go nowhere else.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if name, ok := strings.CutPrefix(r.URL.Path, Prefix+"/assets/"); ok {
		a, ok := s.assets[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.data))
		return
	}
	if r.URL.Path == Prefix+"/licenses.txt" {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(s.licenses))
		return
	}
	if !isPage(r.URL.Path) {
		http.NotFound(w, r)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Referrer-Policy", "same-origin")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(s.page))
}
