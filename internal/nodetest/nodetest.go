// Package nodetest runs Node.js and the npm packages of a project folder
// from tests, for the tests that hold tupu to what real JavaScript clients
// and tools make of it.
//
// A project folder has a package.json and a committed package-lock.json;
// its node_modules is installed from the lock file (`npm ci`) unless it
// was installed from that very lock file before. Without node or npm a
// test is skipped, except under CI (the environment variable CI set), where a
// missing tool is a failure: CI has them, and a skip there would hide a
// broken test.
package nodetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Project is a folder of npm packages a test runs.
type Project struct {
	dir  string
	node string
}

// Open returns the project in dir with its packages installed, or skips
// the test (fails it under CI) when node or npm is missing. Installing
// needs the npm registry and takes up to a few minutes the first time.
func Open(tb testing.TB, dir string) *Project {
	tb.Helper()
	if testing.Short() {
		tb.Skip("runs Node.js")
	}
	p := &Project{dir: dir, node: lookTool(tb, "node")}
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		tb.Fatalf("%s has no lock file: %v", dir, err)
	}
	sum := sha256.Sum256(lock)
	stamp := filepath.Join(dir, "node_modules", ".installed-lock-sha256")
	if got, err := os.ReadFile(stamp); err == nil && string(got) == hex.EncodeToString(sum[:]) {
		return p
	}
	npm := lookTool(tb, "npm")
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("npm ci in %s (needs the npm registry): %v\n%s", dir, err, out)
	}
	// What was installed from which lock file, so that the next test
	// installs again only when the lock file changed.
	if err := os.WriteFile(stamp, []byte(hex.EncodeToString(sum[:])), 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("npm ci in %s: %v", dir, time.Since(began).Round(time.Millisecond))
	return p
}

// Dir is the project's folder.
func (p *Project) Dir() string { return p.dir }

// Node runs node with args in the project's folder, with env added to the
// test's environment, and returns what it wrote to stdout and stderr. A
// failure, or a run longer than timeout, fails the test with its output.
func (p *Project) Node(tb testing.TB, timeout time.Duration, env []string, args ...string) string {
	tb.Helper()
	out, err := p.Run(timeout, env, args...)
	if err != nil {
		tb.Fatalf("node %v in %s: %v\n%s", args, p.dir, err, out)
	}
	return out
}

// Run is Node for a script whose exit status is part of its answer: it
// returns the error (an *exec.ExitError for a status other than 0).
func (p *Project) Run(timeout time.Duration, env []string, args ...string) (string, error) {
	return p.run(timeout, env, p.node, args...)
}

// Bin runs a command an installed package provides (node_modules/.bin),
// as Node does.
func (p *Project) Bin(tb testing.TB, timeout time.Duration, env []string, name string, args ...string) string {
	tb.Helper()
	bin := filepath.Join(p.dir, "node_modules", ".bin", name)
	if _, err := os.Stat(bin); err != nil {
		tb.Fatalf("%s is not installed in %s: %v", name, p.dir, err)
	}
	out, err := p.run(timeout, env, bin, args...)
	if err != nil {
		tb.Fatalf("%s %v in %s: %v\n%s", name, args, p.dir, err, out)
	}
	return out
}

func (p *Project) run(timeout time.Duration, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), env...)
	// node_modules/.bin scripts start with #!/usr/bin/env node.
	cmd.Env = append(cmd.Env, "PATH="+filepath.Dir(p.node)+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// lookTool finds a program on PATH; a missing one skips the test, or fails
// it under CI.
func lookTool(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is needed and CI is set: %v", name, err)
		}
		tb.Skipf("%s not found: %v", name, err)
	}
	return path
}
