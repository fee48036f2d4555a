package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// auditDir holds the graphql-http audit script and its pinned packages.
var auditDir = filepath.Join("..", "..", "scripts", "graphql-http-audit")

// TestGraphQLHTTPAudit runs the graphql-http audit suite (the GraphQL over
// HTTP spec's 61 audits) against the program started in-process, and fails
// on every MUST or SHOULD audit that is not ok; MAY audits are only logged.
//
// It needs Node.js: without node it is skipped, except under CI (CI set),
// where it fails. When the script's node_modules is missing it runs
// `npm ci`, which needs the npm registry.
func TestGraphQLHTTPAudit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the graphql-http audit with Node.js")
	}
	node := lookTool(t, "node")
	if _, err := os.Stat(filepath.Join(auditDir, "node_modules", "graphql-http", "package.json")); err != nil {
		npm := lookTool(t, "npm")
		began := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = auditDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s (needs the npm registry): %v\n%s", auditDir, err, out)
		}
		t.Logf("npm ci: %v", time.Since(began).Round(time.Millisecond))
	}

	db := filepath.Join(t.TempDir(), "tupu.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
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
	auditCtx, auditCancel := context.WithTimeout(ctx, 2*time.Minute)
	defer auditCancel()
	cmd := exec.CommandContext(auditCtx, node, "audit.mjs", url)
	cmd.Dir = auditDir
	out, err := cmd.CombinedOutput()
	t.Logf("audit of %s: %v\n%s", url, time.Since(began).Round(time.Millisecond), out)

	failing, responses, summary := parseAudit(string(out))
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

// lookTool finds a program on PATH; a missing one skips the test, or fails
// it under CI, where the tools are meant to be there.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is needed for the graphql-http audit and CI is set: %v", name, err)
		}
		t.Skipf("%s not found: skipping the graphql-http audit", name)
	}
	return path
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
