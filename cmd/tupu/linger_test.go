package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"tupu/httpapi/apitest"
)

// TestServe_clientsThatWriteFirst: the running program answers a client
// that writes its whole request before it reads (8 MiB of body, or of
// headers) with the early refusal, not a reset: 413 for a body over
// the limit, announced or chunked, 415 for one that is not JSON, 431 for
// headers over the limit.
func TestServe_clientsThatWriteFirst(t *testing.T) {
	base, _ := startProgram(t, context.Background())
	u, _ := url.Parse(base)
	addr := u.Host
	const body = 8 << 20
	post := "POST /graphql HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: "
	for _, tc := range []struct {
		name    string
		head    string
		n       int
		chunked bool
		status  int
		code    string
	}{
		{"body over the limit", post + "application/json", body, false, 413, "PAYLOAD_TOO_LARGE"},
		{"chunked body over the limit", post + "application/json", body, true, 413, "PAYLOAD_TOO_LARGE"},
		{"not JSON", post + "text/plain", body, false, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"client asks to close", post + "application/json\r\nConnection: close", body, false, 413, "PAYLOAD_TOO_LARGE"},
		{"headers over the limit", "GET /healthz HTTP/1.1\r\nHost: " + addr + "\r\nX-Padding: " + strings.Repeat("x", body), 0, false, 431, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, got, err := apitest.WriteFirst(addr, tc.head, tc.n, tc.chunked)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, got)
			}
			if tc.code != "" && errorCode(got) != tc.code {
				t.Errorf("answer %s, want the code %s", got, tc.code)
			}
		})
	}
}

// TestServe_pythonURLLib: Python's urllib, which sends a whole body before
// it reads, posts 8 MiB and reads the 413 and its code. Skips without
// python3, except under CI, where .ci/run installs it.
func TestServe_pythonURLLib(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is missing; .ci/run installs it")
		}
		t.Skip("python3 is missing")
	}
	base, _ := startProgram(t, context.Background())
	const script = `
import sys, urllib.request, urllib.error
body = b'{"query":"' + b"x" * (8 << 20) + b'"}'
req = urllib.request.Request(sys.argv[1], data=body, headers={"Content-Type": "application/json"})
try:
    urllib.request.urlopen(req)
    print("no error")
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
`
	out, err := exec.Command(python, "-c", script, base+"graphql").CombinedOutput()
	if err != nil {
		t.Fatalf("urllib: %v\n%s", err, out)
	}
	status, answer, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if status != "413" || errorCode([]byte(answer)) != "PAYLOAD_TOO_LARGE" {
		t.Errorf("urllib got %s", out)
	}
}

// errorCode is the first error's extensions.code of a GraphQL answer.
func errorCode(answer []byte) string {
	var r struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(answer, &r) != nil || len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Extensions.Code
}
