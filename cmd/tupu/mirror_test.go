package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tupu/internal/etcdtest"
)

// TestBinary_clusterMirror: a server over a cluster keeps its mirror
// beside its search index, in the directory of --db and named after the
// cluster, and nothing in the temporary directory; SIGKILLed and started
// again, it reads the graph afresh into the same place and leaves no
// second copy behind. A command that is not a server (export) keeps its
// mirror in a temporary directory and removes it.
func TestBinary_clusterMirror(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	c := oneMember(t, etcdtest.Options{NoFsync: true})
	url := c.URL("mirrored", "")
	if _, err := buildBinary(); err != nil { // built into the temporary directory of the tests
		t.Fatal(err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the binary's temporary directory
	dir := t.TempDir()
	db := filepath.Join(dir, "tupu.db")

	srv := curServe(t, db, "--store", url)
	curWaitSearch(t, srv.url)
	first := mirrorListing(t, dir)
	var mirror string
	for _, name := range first {
		if strings.HasSuffix(name, ".mirror/mirror.db") {
			mirror = name
		}
	}
	if mirror == "" || !strings.HasPrefix(mirror, "etcd-") || !strings.Contains(mirror, "mirrored") {
		t.Fatalf("no mirror named after the cluster beside the server's files: %q", first)
	}
	srv.kill(t)

	srv = curServe(t, db, "--store", url)
	curWaitSearch(t, srv.url)
	if v, _ := entityNote(t, srv.url, "yunyang-county"); v == 0 {
		t.Error("the restarted server does not serve the graph")
	}
	if again := mirrorListing(t, dir); !slices.Equal(firstDirs(again), firstDirs(first)) || !slices.Contains(again, mirror) {
		t.Errorf("after a SIGKILL and a restart the server's directory holds %q, before %q", again, first)
	}
	srv.stop(t)
	if names := mirrorListing(t, tmp); len(names) != 0 {
		t.Errorf("the server left %q in the temporary directory", names)
	}

	curMustCLI(t, "export", "--store", url)
	if names := mirrorListing(t, tmp); len(names) != 0 {
		t.Errorf("tupu export --store left %q in the temporary directory", names)
	}
}

// mirrorListing returns the files under dir, as paths relative to it.
func mirrorListing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// firstDirs returns the entries of the top of a listing: the files and
// directories a server keeps beside its database.
func firstDirs(listing []string) []string {
	var out []string
	for _, p := range listing {
		top, _, _ := strings.Cut(p, string(filepath.Separator))
		if !slices.Contains(out, top) {
			out = append(out, top)
		}
	}
	slices.Sort(out)
	return out
}
