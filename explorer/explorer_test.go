package explorer

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"tupu/internal/nodetest"
)

// budget is the most JavaScript and CSS, gzipped, the app may ship.
const budget = 400 << 10

func TestBundle_withinBudget(t *testing.T) {
	total := 0
	for _, f := range []string{"dist/app.js", "dist/app.css"} {
		data, err := files.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(data)
		w.Close()
		t.Logf("%s: %d bytes, %d gzipped", f, len(data), z.Len())
		total += z.Len()
	}
	if total > budget {
		t.Errorf("the app is %d bytes gzipped, over the budget of %d", total, budget)
	}
}

func TestHandler(t *testing.T) {
	mux := http.NewServeMux()
	Mount(mux)
	get := func(method, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		return rec
	}
	for _, path := range []string{
		"/explore", "/explore/", "/explore/e/xiantao-data-valley", "/explore/e/xiantao-data-valley/",
		"/explore/e/%E5%8F%B0/graph", "/explore/doc/yubei-2021", "/explore/paths", "/explore/figures",
	} {
		rec := get(http.MethodGet, path)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: %d %s, want the page", path, rec.Code, rec.Header().Get("Content-Type"))
			continue
		}
		if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "connect-src 'self'") {
			t.Errorf("GET %s: no content security policy keeping requests to the server", path)
		}
	}
	for _, path := range []string{"/explore/e", "/explore/e/a/b", "/explore/nope", "/explore/assets/app.js"} {
		if rec := get(http.MethodGet, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
	if rec := get(http.MethodGet, "/explore/licenses.txt"); rec.Code != http.StatusOK ||
		!strings.Contains(rec.Body.String(), "=== echarts ") || !strings.Contains(rec.Body.String(), "Apache License") ||
		!strings.Contains(rec.Body.String(), "--- NOTICE") {
		t.Errorf("GET /explore/licenses.txt: %d, without the licence and notice of echarts:\n%.300s", rec.Code, rec.Body.String())
	}
	if rec := get(http.MethodPost, "/explore"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /explore: %d, want 405", rec.Code)
	}

	// The page names its assets by content, and they are served for good.
	page := get(http.MethodGet, "/explore").Body.String()
	assets := regexp.MustCompile(`(?:src|href)="(/explore/assets/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(assets) != 2 {
		t.Fatalf("the page names %d assets, want the script and the style sheet:\n%s", len(assets), page)
	}
	for _, a := range assets {
		rec := get(http.MethodGet, a[1])
		if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") || rec.Body.Len() < 1000 {
			t.Errorf("GET %s: %d, %q, %d bytes", a[1], rec.Code, rec.Header().Get("Cache-Control"), rec.Body.Len())
		}
	}
}

// TestTrustedDocuments checks that the manifest holds exactly the
// operations of the sources, each under the SHA-256 of its text, and that
// the bundle sends those texts.
func TestTrustedDocuments(t *testing.T) {
	manifest := TrustedDocuments()
	bundle, err := files.ReadFile("dist/app.js")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	err = filepath.WalkDir("src", func(path string, d fs.DirEntry, err error) error {
		if err != nil || filepath.Ext(path) != ".graphql" {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(raw)
		hash := hex.EncodeToString(sum[:])
		if manifest[hash] != string(raw) {
			t.Errorf("%s is not in the manifest under its hash %s (run go generate ./explorer)", path, hash)
		}
		if !bytes.Contains(bundle, []byte(hash)) {
			t.Errorf("the bundle lacks the operation of %s (run go generate ./explorer)", path)
		}
		seen++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(manifest) || seen == 0 {
		t.Errorf("the sources have %d operations, the manifest %d", seen, len(manifest))
	}
}

// TestTypeScript type-checks the sources with the TypeScript compiler from
// the lock file (esbuild only strips the types).
func TestTypeScript(t *testing.T) {
	nodetest.Open(t, ".").Bin(t, 2*time.Minute, nil, "tsc", "-p", ".")
}

// TestKindColors_contrast holds every kind's colour to 4.5:1 contrast with
// the white text of its badge (WCAG AA for normal text).
func TestKindColors_contrast(t *testing.T) {
	src, err := os.ReadFile("src/ui.ts")
	if err != nil {
		t.Fatal(err)
	}
	colors := regexp.MustCompile(`(?m)^\s+([A-Z_]+): "#([0-9a-f]{6})",$`).FindAllStringSubmatch(string(src), -1)
	if len(colors) < 29 {
		t.Fatalf("found %d kind colours in src/ui.ts, want one for each of the 29 kinds", len(colors))
	}
	for _, c := range colors {
		var rgb [3]float64
		for i := range rgb {
			var v int
			fmt.Sscanf(c[2][2*i:2*i+2], "%02x", &v)
			s := float64(v) / 255
			if s <= 0.03928 {
				rgb[i] = s / 12.92
			} else {
				rgb[i] = math.Pow((s+0.055)/1.055, 2.4)
			}
		}
		lum := 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
		if ratio := 1.05 / (lum + 0.05); ratio < 4.5 {
			t.Errorf("%s's colour #%s has contrast %.2f:1 with white, want at least 4.5:1", c[1], c[2], ratio)
		}
	}
}
