package graph_test

import (
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"tupu/httpapi"
	"tupu/httpapi/apitest"
)

// BenchmarkNestedQuery runs the playground's nested query through the real
// handler without the response cache: the cost of answering it afresh.
func BenchmarkNestedQuery(b *testing.B) {
	s := mustServeWith(b, httpapi.Options{ResponseCacheBytes: -1})
	h, err := httpapi.New(s.Store, httpapi.Options{ResponseCacheBytes: -1})
	if err != nil {
		b.Fatal(err)
	}
	before := s.Store.ReadTransactions()
	var cpu0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &cpu0)
	body := apitest.QueryBody(nestedQuery)
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
	var cpu1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &cpu1)
	cpu := time.Duration(syscall.TimevalToNsec(cpu1.Utime)+syscall.TimevalToNsec(cpu1.Stime)-
		syscall.TimevalToNsec(cpu0.Utime)-syscall.TimevalToNsec(cpu0.Stime)) * time.Nanosecond
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(s.Store.ReadTransactions()-before)/float64(b.N), "reads/op")
}
