package main

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tupu/internal/nodetest"
	"tupu/internal/syncbuf"
)

// auditDir holds the graphql-http audit script and its pinned packages.
var auditDir = filepath.Join("..", "..", "scripts", "graphql-http-audit")

// TestGraphQLHTTPAudit runs the graphql-http audit suite (the GraphQL over
// HTTP spec's 61 audits) against the program started in-process, and fails
// on every MUST or SHOULD audit that is not ok; MAY audits are only logged.
//
// It needs Node.js (see internal/nodetest): without node it is skipped,
// except under CI, where it fails.
func TestGraphQLHTTPAudit(t *testing.T) {
	audit := nodetest.Open(t, auditDir)

	db := filepath.Join(t.TempDir(), "tupu.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncbuf.Buffer
	exited := make(chan error, 1)
	go func() {
		exited <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db},
			func(string) string { return "" }, io.Discard, &stderr)
	}()
	url := waitForURL(t, stderr.String, exited) + "graphql"
	defer func() {
		cancel()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("run returned %v after shutdown", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("run did not return after its context ended")
		}
	}()

	began := time.Now()
	out, err := audit.Run(2*time.Minute, nil, "audit.mjs", url)
	t.Logf("audit of %s: %v\n%s", url, time.Since(began).Round(time.Millisecond), out)

	failing, responses, summary := parseAudit(out)
	var exit *exec.ExitError
	switch {
	case err == nil && len(failing) == 0 && summary != "":
		return
	case err != nil && !errors.As(err, &exit), summary == "":
		t.Fatalf("the audit did not run to its summary: %v\n%s", err, out)
	case err == nil || len(failing) == 0:
		t.Fatalf("the audit's exit status (%v) disagrees with its %d failing audits:\n%s", err, len(failing), out)
	}
	var b strings.Builder
	for _, f := range failing {
		b.WriteString("\n  " + f)
		if r := responses[strings.Fields(f)[2]]; r != "" {
			b.WriteString("\n      got " + r)
		}
	}
	t.Errorf("%s: the failing MUST and SHOULD audits of the GraphQL over HTTP spec:%s", summary, b.String())
}

// parseAudit reads audit.mjs's output: the lines of failing MUST and SHOULD
// audits ("warn SHOULD 22EB name: reason"), the response each got by audit
// id, and the closing "N passed, N failed" line.
func parseAudit(out string) (failing []string, responses map[string]string, summary string) {
	responses = map[string]string{}
	for line := range strings.Lines(out) {
		line = strings.TrimRight(line, "\n")
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && (f[0] == "warn" || f[0] == "error") && (f[1] == "MUST" || f[1] == "SHOULD"):
			failing = append(failing, line)
		case strings.HasPrefix(line, "  ") && len(f) >= 2 && strings.HasSuffix(f[0], ":"):
			responses[strings.TrimSuffix(f[0], ":")] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), f[0]))
		case strings.HasSuffix(line, " failed") && strings.Contains(line, " passed, "):
			summary = line
		}
	}
	return failing, responses, summary
}
