package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADME_quickStart sends the request of the README's quick start to
// the running program, as its curl command does, and gets the answer the
// README shows under it.
func TestREADME_quickStart(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```sh\ncurl -s http://127\\.0\\.0\\.1:8080/graphql -H 'Content-Type: application/json' \\\\\n  -d '([^']*)'\n((?:# [^\n]*\n)+)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("the README's quick start has no curl command of /graphql followed by its answer")
	}
	var want any
	answer := regexp.MustCompile(`(?m)^# ?`).ReplaceAllString(string(m[2]), "")
	if err := json.Unmarshal([]byte(answer), &want); err != nil {
		t.Fatalf("the README's answer is not JSON: %v\n%s", err, answer)
	}

	base, _ := startProgram(t, context.Background())
	resp, err := http.Post(base+"graphql", "application/json", bytes.NewReader(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var got any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("the quick start's request answers\n%s\nwhere the README shows\n%s", strings.TrimSpace(string(body)), w)
	}
}
