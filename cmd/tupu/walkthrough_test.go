package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"tupu/internal/syncbuf"
)

// TestDocs_clusterWalkthrough runs the commands of docs/cluster.md's
// "Trying it on one machine", as written, in a directory of their own,
// with etcd from the system (Debian's etcd-server, etcd 3.4: the oldest
// etcd the docs say tupu works with) and the built binary as tupu on the
// PATH. Then, as a user trying it would: a token made with the CLI over
// the walk-through's store URL writes through one server, the other shows
// the write, and `tupu migrate` copies the graph back to a file whose
// export is the cluster's.
func TestDocs_clusterWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three etcd members and two servers")
	}
	version, err := exec.Command("etcd", "--version").Output()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no etcd to run (%v): .ci/run installs Debian's etcd-server", err)
		}
		t.Skip("no etcd on the PATH (Debian: apt-get install etcd-server)")
	}
	t.Logf("%s", bytes.SplitN(version, []byte("\n"), 2)[0])
	doc, err := os.ReadFile("../../docs/cluster.md")
	if err != nil {
		t.Fatal(err)
	}
	script := walkthroughScript(t, string(doc), "## Trying it on one machine")
	store := regexp.MustCompile(`(?m)^STORE=(\S+)$`).FindStringSubmatch(script)
	servers := regexp.MustCompile(`--addr (127\.0\.0\.1:\d+)`).FindAllStringSubmatch(script, -1)
	if store == nil || len(servers) < 2 {
		t.Fatalf("the walk-through sets no STORE or starts fewer than two servers:\n%s", script)
	}

	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir()
	if err := os.Symlink(bin, filepath.Join(path, "tupu")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The script's background jobs (etcd members, servers) live as long as
	// it does: it waits for them, and the test ends them all with it, as
	// one process group.
	cmd := exec.Command("bash", "-c", "set -e\n"+script+"\nwait\n")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+path+string(os.PathListSeparator)+os.Getenv("PATH"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var log syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// A test that runs out of go test's time panics without cleaning up:
	// the members and servers would outlive it, on the walk-through's
	// fixed ports. Well before that, they are ended, and the test fails.
	watchdog := time.AfterFunc(4*time.Minute, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	t.Cleanup(func() {
		watchdog.Stop()
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})

	var bases []string
	for _, s := range servers {
		bases = append(bases, "http://"+s[1]+"/")
	}
	for _, base := range bases {
		waitReady(t, base, exited, &log)
	}
	a, b := bases[0], bases[1]

	secret := curTokenAt(t, "editor", "--store", store[1])
	v, _ := entityNote(t, a, "yunyang-county")
	curMust(t, a, secret, clusterUpdate, map[string]any{"in": map[string]any{"id": "yunyang-county", "expectedVersion": v, "note": "tried on one machine"}}, nil)
	for deadline := time.Now().Add(5 * time.Second); ; {
		if _, note := entityNote(t, b, "yunyang-county"); note == "tried on one machine" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second server does not show the first's write\n%s", log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	copyDB := filepath.Join(t.TempDir(), "copy.db")
	curMustCLI(t, "migrate", "--from", store[1], "--to", copyDB, "--quiet")
	fromCluster, _ := curMustCLI(t, "export", "--store", store[1])
	fromFile, _ := curMustCLI(t, "export", "--db", copyDB)
	if fromCluster != fromFile {
		t.Errorf("the graph migrated back to a file exports otherwise than the cluster (%d and %d bytes)", len(fromFile), len(fromCluster))
	}
}

// walkthroughScript returns the sh blocks of the doc's section that
// starts with heading, joined in order.
func walkthroughScript(tb testing.TB, doc, heading string) string {
	tb.Helper()
	_, section, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		tb.Fatalf("docs/cluster.md has no section %q", heading)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) == 0 {
		tb.Fatalf("the section %q has no sh block", heading)
	}
	return strings.Join(blocks, "\n")
}

// waitReady waits until the server at base reports ready (/readyz), or
// the script it runs in ends.
func waitReady(tb testing.TB, base string, exited <-chan error, log *syncbuf.Buffer) {
	tb.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(base + "readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-exited:
			tb.Fatalf("the walk-through ended before %s was ready: %v\n%s", base, err, log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s is not ready after 2 minutes\n%s", base, log.String())
		}
	}
}
