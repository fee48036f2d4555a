package graph_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"tupu/graph"
)

// BenchmarkNestedQuery runs the playground's nested query through the real
// handler without the response cache: the cost of answering it afresh.
func BenchmarkNestedQuery(b *testing.B) {
	s := mustServeWith(b, graph.Options{ResponseCache: -1})
	h, err := graph.NewHandler(s.store, graph.Options{ResponseCache: -1})
	if err != nil {
		b.Fatal(err)
	}
	body := jsonQuery(nestedQuery)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || strings.Contains(rec.Body.String(), `"errors"`) {
			b.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
	}
}
