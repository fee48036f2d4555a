package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tupu/httpapi"
)

func TestGET(t *testing.T) {
	s := mustServe(t)
	resp, err := http.Get(s.URL + "?query=" + url.QueryEscape(`query Q { districts { totalCount } }`) + "&operationName=Q")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"totalCount":1`) {
		t.Errorf("GET query: %d %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestIntrospectionAndSuggestions(t *testing.T) {
	open := mustServe(t)
	open.MustQuery(t, `{ __schema { queryType { name } } }`, nil, nil)
	r := open.Post(t, `{ district { key } }`, nil)
	if len(r.Errors) == 0 || strings.Contains(r.Errors[0].Message, "Did you mean") {
		t.Errorf("field suggestions outside development: %s", r.Raw)
	}

	closed := mustServeWith(t, httpapi.Options{NoIntrospection: true})
	if code := closed.ErrorCode(t, `{ __schema { queryType { name } } }`, nil); code == "" {
		t.Error("introspection off, yet no coded error")
	}
	closed.MustQuery(t, `{ districts { totalCount } }`, nil, nil)

	dev := mustServeWith(t, httpapi.Options{Development: true})
	r = dev.Post(t, `{ district { key } }`, nil)
	if len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "Did you mean") {
		t.Errorf("no suggestion in development: %s", r.Raw)
	}
}

func TestPersistedQueries(t *testing.T) {
	const q = `{ districts { totalCount } }`
	sum := sha256.Sum256([]byte(q))
	hash := hex.EncodeToString(sum[:])
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}

	t.Run("automatic", func(t *testing.T) {
		s := mustServe(t)
		post := func(body map[string]any) string {
			b, _ := json.Marshal(body)
			resp, err := http.Post(s.URL, "application/json", strings.NewReader(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			return string(out)
		}
		if got := post(map[string]any{"extensions": ext}); !strings.Contains(got, "PERSISTED_QUERY_NOT_FOUND") {
			t.Errorf("hash before the document: %s", got)
		}
		if got := post(map[string]any{"query": q, "extensions": ext}); !strings.Contains(got, `"totalCount":1`) {
			t.Errorf("document with its hash: %s", got)
		}
		if got := post(map[string]any{"extensions": ext}); !strings.Contains(got, `"totalCount":1`) {
			t.Errorf("hash after the document: %s", got)
		}
	})

	t.Run("trusted documents only", func(t *testing.T) {
		manifest, _ := json.Marshal(map[string]string{hash: q})
		s := mustServeWith(t, httpapi.Options{TrustedDocuments: manifest})
		s.MustQuery(t, q, nil, nil)
		b, _ := json.Marshal(map[string]any{"extensions": ext})
		resp, err := http.Post(s.URL, "application/json", strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(out), `"totalCount":1`) {
			t.Errorf("a trusted document by hash: %s", out)
		}
		if code := s.ErrorCode(t, `{ parks { totalCount } }`, nil); code != "PERSISTED_QUERY_NOT_FOUND" {
			t.Errorf("an unregistered document: code %s", code)
		}
	})

	t.Run("a manifest that lies is refused", func(t *testing.T) {
		manifest, _ := json.Marshal(map[string]string{hash: q + " "})
		if _, err := httpapi.New(nil, httpapi.Options{TrustedDocuments: manifest}); err == nil {
			t.Error("a hash that does not match its document was accepted")
		}
	})
}

// TestPersistedDocuments_documentId: a persisted document may be named as
// the GraphQL over HTTP draft names it, "documentId": "sha256:<hex>", over
// POST and GET, and a manifest may key its documents that way, as GraphQL
// Code Generator's persisted-documents.json does.
func TestPersistedDocuments_documentId(t *testing.T) {
	const q = `query Districts { districts { totalCount } }`
	sum := sha256.Sum256([]byte(q))
	id := "sha256:" + hex.EncodeToString(sum[:])
	manifest, _ := json.Marshal(map[string]string{id: q})
	s := mustServeWith(t, httpapi.Options{TrustedDocuments: manifest})
	for _, tc := range []struct {
		name string
		o    outcome
	}{
		{"POST", doPOST(t, s.URL, operation{body: []byte(`{"documentId": "` + id + `"}`)})},
		{"GET", func() outcome {
			resp, err := http.Get(s.URL + "?documentId=" + url.QueryEscape(id))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			o := outcome{status: resp.StatusCode}
			o.decode(b)
			return o
		}()},
	} {
		if !tc.o.ran() || !strings.Contains(tc.o.raw, `"totalCount":1`) {
			t.Errorf("%s by documentId: %s", tc.name, tc.o.raw)
		}
	}
	if o := doPOST(t, s.URL, operation{body: []byte(`{"documentId": "sha256:` + strings.Repeat("0", 64) + `"}`)}); o.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Errorf("an unknown documentId: %s", o.raw)
	}
}
