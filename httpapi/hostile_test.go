package httpapi_test

import (
	"cmp"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"tupu/graph"
	"tupu/httpapi/apitest"
)

// TestHostileInput sends each kind of hostile request to the real handler:
// each fails fast, with a small answer, the right status and a code.
func TestHostileInput(t *testing.T) {
	s := mustServe(t)
	doubling := func(levels int) string {
		var b strings.Builder
		b.WriteString("query { ...F0 }\n")
		for i := range levels {
			b.WriteString("fragment F" + strconv.Itoa(i) + " on Query { ")
			if i == levels-1 {
				b.WriteString("kinds { kind } }\n") // objects: 2^levels copies would be too many
			} else {
				b.WriteString("...F" + strconv.Itoa(i+1) + " ...F" + strconv.Itoa(i+1) + " }\n")
			}
		}
		return b.String()
	}
	deep := "{ entity(key: \"yubei-district\") { " + strings.Repeat("relations { nodes { ", 14) + "key" + strings.Repeat(" } }", 14) + " } }"
	aliases := "{ " + strings.Repeat("a"+"%d: __typename ", 1) + "}"
	var ab strings.Builder
	ab.WriteString("{ ")
	for i := range 200 {
		ab.WriteString("a" + strconv.Itoa(i) + ": __typename ")
	}
	ab.WriteString("}")
	aliases = ab.String()
	directives := "{ " + strings.Repeat("__typename @include(if: true) ", 300) + "}"
	tokens := "{ " + strings.Repeat("x ", 6000) + "}"
	manyErrors := "{ " + strings.Repeat("nope ", 60) + "}"

	const gqlResponse = "application/graphql-response+json"
	for _, tc := range []struct {
		name        string
		method      string
		contentType string
		accept      string
		body        string
		query       string // for GET
		status      int
		code        string
	}{
		{name: "body too large", body: `{"query":"` + strings.Repeat(" ", 70<<10) + `{ __typename }"}`, status: 413, code: "PAYLOAD_TOO_LARGE"},
		{name: "malformed JSON", body: `{"query": "{ __typename }"`, status: 400, code: "BAD_REQUEST"},
		{name: "JSON that is not an object", body: `["{ __typename }"]`, status: 400, code: "BAD_REQUEST"},
		{name: "variables not an object", body: `{"query": "{ __typename }", "variables": [1]}`, status: 400, code: "BAD_REQUEST"},
		{name: "no query", body: `{}`, status: 400, code: "BAD_REQUEST"},
		{name: "form post", contentType: "application/x-www-form-urlencoded", body: `query=%7B__typename%7D`, status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "text/plain post (cross-site form)", contentType: "text/plain", body: `{"query": "{ __typename }"}`, status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "multipart post", contentType: "multipart/form-data; boundary=x", body: "--x--", status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "PUT", method: "PUT", body: `{"query": "{ __typename }"}`, status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "mutation over GET", method: "GET", query: "mutation { __typename }", status: 405, code: "METHOD_NOT_ALLOWED"},
		{name: "URL too long", method: "GET", query: "{ __typename " + strings.Repeat(" ", 70<<10) + "}", status: 414, code: "PAYLOAD_TOO_LARGE"},
		{name: "subscription without a stream", accept: gqlResponse, body: `{"query": "subscription { entityChanged { entityKey } }"}`, status: 400, code: "BAD_REQUEST"},
		{name: "unacceptable Accept", accept: "text/html", body: `{"query": "{ __typename }"}`, status: 406, code: "NOT_ACCEPTABLE"},
		{name: "parse error", accept: gqlResponse, body: `{"query": "{ entities("}`, status: 400, code: "GRAPHQL_PARSE_FAILED"},
		{name: "parse error, legacy JSON", body: `{"query": "{ entities("}`, status: 200, code: "GRAPHQL_PARSE_FAILED"},
		{name: "token limit", accept: gqlResponse, body: apitest.QueryBody(tokens), status: 400, code: "GRAPHQL_PARSE_FAILED"},
		{name: "doubling fragments", accept: gqlResponse, body: apitest.QueryBody(doubling(30)), status: 400, code: "COMPLEXITY_LIMIT"},
		{name: "fan-out cost", accept: gqlResponse, body: apitest.QueryBody(graph.RelationsOfRelationsQuery), status: 400, code: "COMPLEXITY_LIMIT"},
		{name: "14 deep", accept: gqlResponse, body: apitest.QueryBody(deep), status: 400, code: "DEPTH_LIMIT"},
		{name: "200 aliases", accept: gqlResponse, body: apitest.QueryBody(aliases), status: 400, code: "ALIAS_LIMIT"},
		{name: "300 directives", accept: gqlResponse, body: apitest.QueryBody(directives), status: 400, code: "DIRECTIVE_LIMIT"},
		{name: "page too big", accept: gqlResponse, body: apitest.QueryBody(`{ parks(first: 1000) { totalCount } }`), status: 200, code: "BAD_USER_INPUT"},
		{name: "many errors are capped", accept: gqlResponse, body: apitest.QueryBody(manyErrors), status: 400, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "unknown persisted query", accept: gqlResponse, body: `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "` + strings.Repeat("ab", 32) + `"}}}`, status: 400, code: "PERSISTED_QUERY_NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = "POST"
			}
			target := s.URL
			if tc.query != "" {
				target += "?query=" + url.QueryEscape(tc.query)
			}
			req, _ := http.NewRequest(method, target, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", cmp.Or(tc.contentType, "application/json"))
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			start := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			elapsed := time.Since(start)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d: %.300s", resp.StatusCode, tc.status, body)
			}
			if !strings.Contains(string(body), `"code":"`+tc.code+`"`) {
				t.Errorf("no code %s in %.300s", tc.code, body)
			}
			if len(body) > 4<<10 {
				t.Errorf("answer of %d bytes, want under 4 KiB", len(body))
			}
			// A loose guard against a limit that only fails slowly: these
			// take milliseconds; a second means the limit is not working.
			if elapsed > time.Second {
				t.Errorf("took %v", elapsed)
			}
			if tc.status == 405 && resp.Header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
			if strings.Contains(string(body), strings.Repeat(" ", 100)) {
				t.Error("the answer echoes the request")
			}
		})
	}
	// The service keeps serving.
	s.MustQuery(t, `{ districts { totalCount } }`, nil, nil)
}
