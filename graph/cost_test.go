package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"tupu/graph"
	"tupu/httpapi"
	"tupu/httpapi/apitest"
	"tupu/synth"
)

// nestedPages is the playground's example query with other page sizes:
// parks, companies, labs, partners.
func nestedPages(parks, companies, labs, partners int) string {
	q := graph.ExampleQuery
	for _, r := range []struct {
		field string
		n     int
	}{{"parks", parks}, {"companies", companies}, {"labs", labs}, {"partners", partners}} {
		i := strings.Index(q, r.field+"(first: ")
		j := strings.Index(q[i:], ")")
		q = q[:i] + fmt.Sprintf("%s(first: %d", r.field, r.n) + q[i+j:]
	}
	return q
}

// TestCost_seedAnswersFrontendPages: with the default limits, the nested
// query from 渝北区 to the labs' partners answers at the page sizes a
// frontend writes, the largest included: the statistics of the seed bound
// each relation far below its page.
func TestCost_seedAnswersFrontendPages(t *testing.T) {
	s := apitest.Serve(t, httpapi.Options{})
	for _, p := range [][4]int{{10, 20, 10, 10}, {20, 50, 20, 20}, {50, 100, 50, 50}, {100, 100, 100, 100}} {
		q := nestedPages(p[0], p[1], p[2], p[3])
		var out struct {
			Entity struct {
				Parks struct {
					Nodes []struct {
						Companies struct {
							Nodes []struct{ Name string }
						}
					}
				}
			}
		}
		s.MustQuery(t, q, nil, &out)
		companies := 0
		for _, p := range out.Entity.Parks.Nodes {
			companies += len(p.Companies.Nodes)
		}
		if companies == 0 {
			t.Errorf("first: %v: no companies in %+v", p, out)
		}
	}
}

// fanOut is a query of levels connections of first: 100 each, from a
// page of entities down relations: six levels reach the default depth
// limit (12) exactly.
func fanOut(levels int) string {
	var b strings.Builder
	b.WriteString("{ entities(first: 100) {")
	for range levels - 1 {
		b.WriteString(" nodes { relations(first: 100) {")
	}
	b.WriteString(" totalCount")
	for range levels - 1 {
		b.WriteString(" } }")
	}
	b.WriteString(" } }")
	return b.String()
}

// TestCost_fanOutRefused: on a generated graph, fan-out queries with
// first: 100 at every level are refused before anything is read, at once,
// with a short answer that names the field that multiplies most; on the
// seed too. (The harness shows the same on 100,000 entities: docs/cost.md.)
func TestCost_fanOutRefused(t *testing.T) {
	generated := apitest.ServeLoaded(t, httpapi.Options{}, synth.Source(synth.Options{Entities: 3000, Seed: 1}))
	seeded := apitest.Serve(t, httpapi.Options{})
	deep := `{ entities(first: 100) { nodes { relations(first: 100) { nodes { relations(first: 100) { nodes { name } } } } } } }`
	for _, tt := range []struct {
		name  string
		s     *apitest.Server
		query string
	}{
		{"generated, six levels", generated, fanOut(6)},
		{"generated, three levels to names", generated, deep},
		{"seed, six levels", seeded, fanOut(6)},
		{"seed, three levels to names", seeded, deep},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reads := tt.s.Store.ReadTransactions()
			fastest := time.Hour
			var r *apitest.Response
			for range 5 {
				start := time.Now()
				r = tt.s.Post(t, tt.query, nil)
				fastest = min(fastest, time.Since(start))
			}
			if r.Code() != "COMPLEXITY_LIMIT" || r.Status != http.StatusOK {
				t.Fatalf("HTTP %d, %s", r.Status, r.Raw)
			}
			if n := tt.s.Store.ReadTransactions() - reads; n != 0 {
				t.Errorf("the refused query read the store %d times", n)
			}
			if fastest > 10*time.Millisecond {
				t.Errorf("refused in %v at best, want within 10ms", fastest)
			}
			if len(r.Raw) >= 8<<10 {
				t.Errorf("the refusal is %d bytes, want under 8 KB", len(r.Raw))
			}
			ext := r.Errors[0].Extensions
			if ext["field"] == nil || ext["multiplier"] == nil || !strings.Contains(r.Errors[0].Message, fmt.Sprint(ext["field"])) {
				t.Errorf("the refusal names no field: %s", r.Raw)
			}
			var pretty bytes.Buffer
			json.Indent(&pretty, r.Raw, "", "  ")
			t.Logf("refused in %v, %d bytes:\n%s", fastest, len(r.Raw), pretty.Bytes())
		})
	}
}
