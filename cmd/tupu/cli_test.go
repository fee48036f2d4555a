package main

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// cliExit runs the built binary and returns its stdout, stderr and exit
// code.
func cliExit(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	stdout, stderr, _, err := curCLI(t, 60*time.Second, args...)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout, stderr, 0
	case errors.As(err, &exit):
		return stdout, stderr, exit.ExitCode()
	}
	t.Fatalf("tupu %s: %v", strings.Join(args, " "), err)
	return
}

// TestBinary_help: help is asked for and given, on standard output, with
// exit 0, for the program and for every command, in every way people ask.
func TestBinary_help(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, tc := range []struct {
		args []string
		want string // in the help
	}{
		{[]string{"--help"}, "tupu serves a source-grounded knowledge graph"},
		{[]string{"-h"}, "-max-cost"},
		{[]string{"help"}, "tupu help [COMMAND]"},
		{[]string{"help", "serve"}, "-addr"},
		{[]string{"serve", "--help"}, "-reads-need-token"},
		{[]string{"seed", "--help"}, "-dry-run"},
		{[]string{"help", "token"}, "tupu token revoke --name NAME"},
		{[]string{"token", "--help"}, "-url"},
		{[]string{"token", "create", "--help"}, "-role"},
		{[]string{"backup", "--help"}, "-force"},
		{[]string{"restore", "--help"}, "-search-index"},
		{[]string{"verify", "--help"}, "-json"},
		{[]string{"export", "--help"}, "-format"},
		{[]string{"import", "-h"}, "tupu import FILE"},
		{[]string{"generate", "--help"}, "-entities"},
		{[]string{"help", "generate"}, "-entities"},
	} {
		stdout, stderr, code := cliExit(t, tc.args...)
		if code != 0 || !strings.Contains(stdout, tc.want) || !strings.Contains(stdout, "Usage:") || stderr != "" {
			t.Errorf("tupu %s: exit %d, stdout %.300q, stderr %q; want exit 0 and usage with %q on stdout",
				strings.Join(tc.args, " "), code, stdout, stderr, tc.want)
		}
	}
	// Mistakes are not help: a message on stderr that says where the help
	// is, and exit 2.
	for _, args := range [][]string{{"nope"}, {"--nope"}, {"token"}, {"token", "create", "--bogus"}, {"help", "nope"}, {"backup"}} {
		stdout, stderr, code := cliExit(t, args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "help") {
			t.Errorf("tupu %s: exit %d, stdout %q, stderr %q; want exit 2 and a pointer to the help on stderr",
				strings.Join(args, " "), code, stdout, stderr)
		}
	}
}

// TestBinary_version: --version says the module version and, when the
// build was stamped, the revision it was built from.
func TestBinary_version(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	line := regexp.MustCompile(`^tupu (v\S+|\(devel\)) \((revision [0-9a-f]{40}(, modified)?(, \S+)?|revision unknown: built without VCS stamping); go1\.\d+\S*\)\n$`)
	for _, args := range [][]string{{"--version"}, {"version"}} {
		stdout, stderr, code := cliExit(t, args...)
		if code != 0 || !line.MatchString(stdout) || stderr != "" {
			t.Errorf("tupu %s: exit %d, stdout %q, stderr %q", args[0], code, stdout, stderr)
		}
		if m := regexp.MustCompile(`revision ([0-9a-f]{40})`).FindStringSubmatch(stdout); m != nil {
			head, err := exec.Command("git", "rev-parse", "HEAD").Output()
			if err == nil && strings.TrimSpace(string(head)) != m[1] {
				t.Errorf("tupu %s names revision %s, the checkout is at %s", args[0], m[1], head)
			}
		}
	}
}

// TestBinary_neverCreatesADatabase: the commands that work on an existing
// database refuse a path with none, name it, and leave nothing there.
func TestBinary_neverCreatesADatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo", "tupu.db")
	for _, args := range [][]string{
		{"token", "create", "--name", "alice", "--db", missing},
		{"token", "list", "--db", missing},
		{"token", "revoke", "--name", "alice", "--db", missing},
		{"backup", filepath.Join(dir, "copy.db"), "--db", missing},
		{"export", "--db", missing},
		{"verify", missing},
	} {
		stdout, stderr, code := cliExit(t, args...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, missing) {
			t.Errorf("tupu %s: exit %d, stdout %q, stderr %q; want exit 1 naming %s", strings.Join(args, " "), code, stdout, stderr, missing)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the commands left %v in %s", entries, dir)
	}
}

// TestBinary_serveChecksFirst: settings that cannot work are refused
// before any file is created: a negative limit, an address that is not
// one, an address another process holds.
func TestBinary_serveChecksFirst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "tupu.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-max-cost", "-5"}, "--max-cost -5: a limit cannot be negative"},
		{[]string{"--max-depth", "-1"}, "--max-depth -1"},
		{[]string{"-addr", "127.0.0.1"}, `addr "127.0.0.1"`},
		{[]string{"-addr", "127.0.0.1:99999"}, "listen on 127.0.0.1:99999"},
		{[]string{"-addr", taken.Addr().String()}, "listen on " + taken.Addr().String()},
		{[]string{"-addr", "127.0.0.1:0", "--debug-addr", taken.Addr().String()}, "listen on " + taken.Addr().String()},
	} {
		args := append([]string{"serve", "--db", db}, tc.args...)
		_, stderr, code := cliExit(t, args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("tupu %s: exit %d, stderr %q; want a refusal with %q", strings.Join(args, " "), code, stderr, tc.want)
		}
		if _, err := os.Stat(filepath.Dir(db)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("tupu %s created %s before refusing", strings.Join(args, " "), filepath.Dir(db))
		}
	}
}

// TestBinary_backupNeverOverwrites: backup keeps an existing file unless
// told --force.
func TestBinary_backupNeverOverwrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	db, file := filepath.Join(dir, "tupu.db"), filepath.Join(dir, "backup.db")
	curMustCLI(t, "seed", "--db", db)
	if err := os.WriteFile(file, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cliExit(t, "backup", file, "--db", db)
	if code != 1 || !strings.Contains(stderr, file+" exists") || !strings.Contains(stderr, "-force") {
		t.Errorf("backup over an existing file: exit %d, stderr %q", code, stderr)
	}
	if b, _ := os.ReadFile(file); string(b) != "precious" {
		t.Fatalf("backup changed the existing file without --force")
	}
	curMustCLI(t, "backup", file, "--db", db, "-force")
	if out, _ := curMustCLI(t, "verify", file); !strings.Contains(out, "sound") {
		t.Errorf("the forced backup does not verify: %s", out)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".tupu-backup-*")); len(leftovers) > 0 {
		t.Errorf("backup left %v", leftovers)
	}
}
