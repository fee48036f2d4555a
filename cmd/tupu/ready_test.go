package main

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBinary_readyWhileIndexing: on a graph whose search index is built
// after the start, /readyz says reads are ready and how far the index is,
// /readyz?all is 503 until it is built, and /metrics follows the build;
// once built, both are 200 and the index holds every entity.
func TestBinary_readyWhileIndexing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db := filepath.Join(t.TempDir(), "tupu.db")
	curMustCLI(t, "generate", "--db", db, "--entities", "20000", "--quiet")
	srv := curServe(t, db)
	building := regexp.MustCompile(`^ready\nstore: ready\nsearch: building: (\d+)% \((\d+) of (\d+) entities\)\n$`)
	var seen []int // percentages seen while building
	var total string
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		status, body := get(t, srv.url+"readyz")
		if status != http.StatusOK {
			t.Fatalf("readyz while the index builds: %d %q", status, body)
		}
		if body == "ready\nstore: ready\nsearch: ready\n" {
			break
		}
		m := building.FindStringSubmatch(body)
		if m == nil {
			if body != "ready\nstore: ready\nsearch: waiting to be built\n" {
				t.Fatalf("readyz: %q", body)
			}
			continue
		}
		p, _ := strconv.Atoi(m[1])
		seen, total = append(seen, p), m[3]
		if status, body := get(t, srv.url+"readyz?all"); status != http.StatusServiceUnavailable && !strings.Contains(body, "search: ready") {
			t.Errorf("readyz?all while the index builds: %d %q", status, body)
		}
		if _, metrics := get(t, srv.url+"metrics"); !strings.Contains(metrics, "\ntupu_search_index_ready 0\n") && !strings.Contains(metrics, "\ntupu_search_index_ready 1\n") {
			t.Errorf("/metrics lacks tupu_search_index_ready")
		}
		if time.Now().After(deadline) {
			t.Fatalf("the index is not built after 5 minutes: %q", body)
		}
	}
	if len(seen) == 0 || seen[len(seen)-1] < seen[0] {
		t.Errorf("percentages seen while building: %v, want some, rising", seen)
	}
	if status, body := get(t, srv.url+"readyz?all"); status != http.StatusOK {
		t.Errorf("readyz?all once built: %d %q", status, body)
	}
	_, metrics := get(t, srv.url+"metrics")
	for _, want := range []string{"\ntupu_search_index_ready 1\n", "\ntupu_search_index_build_progress 1\n", "\ntupu_search_index_documents " + total + "\n", "\ntupu_search_index_lag_versions 0\n"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics once built lacks %q", strings.TrimSpace(want))
		}
	}
}
