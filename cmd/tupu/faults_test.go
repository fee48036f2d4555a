//go:build linux

package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"tupu"
	"tupu/internal/syncbuf"
	"tupu/store"
)

// End-to-end fault tests on the real binary: a database another process
// holds, a damaged file and a full disk each give a clear error at start
// or on write, never a hang or a silent loss.

// faultsStartBound is how long a start that must fail may take.
const faultsStartBound = 5 * time.Second

// faultsNeedRoot skips a test that mounts file systems unless it runs as
// root, except under CI, which runs as root: there the skip would hide
// the test, so it fails instead.
func faultsNeedRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set but the tests do not run as root: the full-disk test needs root to mount a tmpfs")
	}
	t.Skip("needs root to mount a tmpfs")
}

// faultsTmpfs mounts a tmpfs of the given size ("16m") on a new temporary
// directory and unmounts it when the test ends (after the servers the test
// started are gone: cleanups run last first).
func faultsTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		msg := fmt.Sprintf("mount a %s tmpfs on %s: %v: %s", size, dir, err, out)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg) // root without CAP_SYS_ADMIN, as in some containers
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
			exec.Command("umount", "-l", dir).Run()
		}
	})
	return dir
}

// faultsFree returns the bytes free for writing on dir's file system.
func faultsFree(t *testing.T, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

// faultsFill writes zeros to a filler file in dir until at most leave bytes
// are free (none at all when leave is 0) and returns the file's path.
func faultsFill(t *testing.T, dir string, leave int64) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zeros := make([]byte, 64<<10)
	for {
		n := int64(len(zeros))
		if leave > 0 {
			n = min(n, faultsFree(t, dir)-leave)
			if n <= 0 {
				break
			}
		}
		if _, err := f.Write(zeros[:n]); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			t.Fatal(err)
		}
	}
	if leave == 0 {
		// Tail pieces smaller than a chunk.
		for _, err := f.Write(zeros[:512]); err == nil; _, err = f.Write(zeros[:512]) {
		}
	}
	return path
}

const faultsAddDocument = `mutation($in: AddDocumentInput!) { addDocument(input: $in) { document { key } } }`

func faultsDocument(key, text string) map[string]any {
	return map[string]any{"in": map[string]any{"key": key, "title": "filler " + key, "text": text}}
}

// faultsPost posts like curPost, fails the test on a transport error (a
// dead server, or no answer within curClient's 10 s: a hang) and on an
// answer slower than bound.
func faultsPost(t *testing.T, url, secret, query string, vars map[string]any, bound time.Duration) *curReply {
	t.Helper()
	begin := time.Now()
	r, err := curPost(url, secret, query, vars)
	if err != nil {
		t.Fatalf("%s: no answer: %v", query, err)
	}
	if took := time.Since(begin); took > bound {
		t.Errorf("%s: answered after %s, more than %s", query, took.Round(time.Millisecond), bound)
	}
	return r
}

// faultsDiskFull reports whether r is the full-disk refusal: UNAVAILABLE,
// with a message about the disk.
func faultsDiskFull(r *curReply) bool {
	return r.status == http.StatusOK && len(r.Errors) == 1 && r.code() == string(tupu.Unavailable) &&
		strings.Contains(r.Errors[0].Message, "disk is full")
}

// TestBinary_fullDisk runs the server on a small tmpfs: writes that do not
// fit are refused with UNAVAILABLE and a message about the disk, quickly;
// reads go on; every acknowledged write survives and the file checks clean
// once space is freed; and a server that cannot create its database on a
// full disk says so at start.
func TestBinary_fullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and mounts file systems")
	}
	faultsNeedRoot(t)

	t.Run("writes", func(t *testing.T) {
		dir := faultsTmpfs(t, "16m")
		db := filepath.Join(dir, "tupu.db")
		curMustCLI(t, "seed", "--db", db) // token create needs a database
		admin := curToken(t, db, "filler", "admin")
		// serve builds the search index beside the file.
		srv := curServe(t, db, "--max-body-bytes", "1000000")
		filler := faultsFill(t, dir, 3<<20)
		t.Logf("seeded; %d KiB left free beside a %d KiB filler", faultsFree(t, dir)>>10, faultsSize(t, filler)>>10)

		text := strings.Repeat("tupu fills the disk with this. ", 200<<10/31) // ~200 KB
		var acked []string
		var full *curReply
		fullKey := ""
		for i := 0; i < 100 && full == nil; i++ {
			key := fmt.Sprintf("fill-%d", i)
			r := faultsPost(t, srv.url, admin, faultsAddDocument, faultsDocument(key, text), 5*time.Second)
			if r.ok() {
				acked = append(acked, key)
				continue
			}
			full, fullKey = r, key
		}
		if full == nil {
			t.Fatalf("100 documents of 200 KB went into 3 MB: the disk never filled")
		}
		t.Logf("after %d acknowledged documents of 200 KB, %s got: %s", len(acked), fullKey, full.raw)
		if !faultsDiskFull(full) {
			t.Errorf("a write on a full disk: want one UNAVAILABLE error about the disk, got status %d: %s", full.status, full.raw)
		}
		if !faultsLogged(srv.log, `msg="disk full"`) {
			t.Errorf("no disk-full line in the server's log:\n%s", srv.log.String())
		}

		// More writes: each is acknowledged (bbolt reuses freed pages) or
		// refused the same way, never INTERNAL, never slow.
		for i := range 3 {
			key := fmt.Sprintf("again-%d", i)
			r := faultsPost(t, srv.url, admin, faultsAddDocument, faultsDocument(key, text), 5*time.Second)
			switch {
			case r.ok():
				acked = append(acked, key)
			case !faultsDiskFull(r):
				t.Errorf("another large write on the full disk: %s", r.raw)
			}
		}
		r := faultsPost(t, srv.url, admin, curSetFact, curFact("on_full_disk"), 5*time.Second)
		switch {
		case r.ok():
			t.Logf("a small setFact on the full disk is acknowledged (freed pages are reused)")
		case !faultsDiskFull(r):
			t.Errorf("a small write on the full disk: %s", r.raw)
		default:
			t.Logf("a small setFact on the full disk is refused too: %s", r.raw)
		}
		factAcked := r.ok()

		// Reads go on.
		var got struct {
			Districts struct{ TotalCount int }
			Document  *struct{ Key string }
		}
		curMust(t, srv.url, "", fmt.Sprintf(`{ districts { totalCount } document(key: %q) { key } }`, acked[0]), nil, &got)
		if got.Districts.TotalCount == 0 || got.Document == nil {
			t.Errorf("reads on a full disk: %+v", got)
		}
		if status, body := get(t, srv.url+"readyz"); status != http.StatusOK {
			t.Errorf("readyz on a full disk: %d %q", status, body)
		}

		// Freeing space lets writes through again, without a restart.
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		r = faultsPost(t, srv.url, admin, faultsAddDocument, faultsDocument("after-free", text), 5*time.Second)
		if !r.ok() {
			t.Errorf("a write after space was freed: %s", r.raw)
		} else {
			acked = append(acked, "after-free")
		}
		srv.stop(t)

		// The file checks clean, holds every acknowledged write, and not
		// the refused one ("nothing was written").
		curView(t, db, func(tx *store.Tx) error {
			for _, key := range acked {
				d, err := tx.Document(key)
				if err != nil {
					t.Errorf("acknowledged document %s: %v", key, err)
				} else if d.Text != text {
					t.Errorf("acknowledged document %s holds %d bytes of text, want %d", key, len(d.Text), len(text))
				}
			}
			if _, err := tx.Document(fullKey); tupu.ErrorCode(err) != tupu.NotFound {
				t.Errorf("the refused document %s: %v, want NOT_FOUND", fullKey, err)
			}
			fs, err := tx.Facts("yunyang-county", "on_full_disk", "2021")
			if err != nil {
				t.Fatal(err)
			}
			if factAcked != (len(fs) == 1) {
				t.Errorf("setFact on the full disk acknowledged %v, stored %d", factAcked, len(fs))
			}
			return nil
		})

		// Restarted, the server serves them all.
		srv = curServe(t, db)
		for _, key := range append(acked, fullKey) {
			var got struct{ Document *struct{ Key string } }
			curMust(t, srv.url, "", fmt.Sprintf(`{ document(key: %q) { key } }`, key), nil, &got)
			if (got.Document != nil) != (key != fullKey) {
				t.Errorf("after the restart, document %s: %+v", key, got.Document)
			}
		}
		srv.stop(t)
	})

	t.Run("start", func(t *testing.T) {
		dir := faultsTmpfs(t, "1m")
		faultsFill(t, dir, 0)
		db := filepath.Join(dir, "tupu.db")
		_, stderr, took, err := curCLI(t, 20*time.Second, "serve", "--addr", "127.0.0.1:0", "--db", db)
		t.Logf("serve on a full disk with no database: %v after %s: %s", err, took.Round(time.Millisecond), stderr)
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("serve on a full disk: want a failed exit, got %v:\n%s", err, stderr)
		}
		if took > faultsStartBound {
			t.Errorf("serve took %s to give up on a full disk", took)
		}
		if !strings.Contains(stderr, "no space left on device") || !strings.Contains(stderr, db) {
			t.Errorf("the error does not name the file and the lack of space:\n%s", stderr)
		}
	})

	t.Run("startSeeded", func(t *testing.T) {
		// A database that exists on a disk that has filled since: the
		// server starts (bbolt reuses freed pages for what start writes)
		// or fails at once saying why; it never hangs.
		dir := faultsTmpfs(t, "16m")
		db := filepath.Join(dir, "tupu.db")
		srv := curServe(t, db)
		srv.stop(t)
		faultsFill(t, dir, 0)
		cmd, log, exited := start(t, "serve", "--addr", "127.0.0.1:0", "--db", db)
		url, err := faultsServing(log.String, exited, 20*time.Second)
		switch {
		case url != "":
			t.Logf("serve on a full disk with a seeded database starts serving")
			curMust(t, url, "", `{ districts { totalCount } }`, nil, nil)
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("exit after SIGTERM: %v\n%s", err, log.String())
				}
			case <-time.After(15 * time.Second):
				t.Errorf("no exit within 15s of SIGTERM:\n%s", log.String())
			}
		case err == errFaultsHang:
			t.Errorf("serve on a full disk with a seeded database neither serves nor exits:\n%s", log.String())
		default:
			t.Logf("serve on a full disk with a seeded database exits: %v\n%s", err, log.String())
			if !strings.Contains(log.String(), "no space left on device") {
				t.Errorf("the error does not say the disk is full:\n%s", log.String())
			}
		}
	})
}

// faultsLogged waits up to two seconds for the log to hold s: the log
// comes through a pipe, behind the answer.
func faultsLogged(log *syncbuf.Buffer, s string) bool {
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if strings.Contains(log.String(), s) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func faultsSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

var errFaultsHang = errors.New("neither served nor exited")

// faultsServing waits until the program serves (its URL) or exits (its
// exit status, which may be nil), and gives up after bound.
func faultsServing(log func() string, exited <-chan error, bound time.Duration) (string, error) {
	deadline := time.After(bound)
	for {
		if m := servingURL.FindStringSubmatch(log()); m != nil {
			return m[1], nil
		}
		select {
		case err := <-exited:
			if err == nil {
				err = errors.New("exit status 0")
			}
			return "", err
		case <-deadline:
			return "", errFaultsHang
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// faultsStart starts serve on path and waits for it to serve or exit.
func faultsStart(t *testing.T, path string) (url string, log *syncbuf.Buffer, exited <-chan error, err error, took time.Duration) {
	t.Helper()
	if _, err := buildBinary(); err != nil { // not part of the time to start
		t.Fatal(err)
	}
	begin := time.Now()
	_, log, exited = start(t, "serve", "--addr", "127.0.0.1:0", "--db", path)
	url, err = faultsServing(log.String, exited, 20*time.Second)
	took = time.Since(begin).Round(time.Millisecond)
	if err == errFaultsHang {
		t.Fatalf("serve on a damaged file neither serves nor exits after %s:\n%s", took, log.String())
	}
	return url, log, exited, err, took
}

// faultsCheckRefusal checks a refused start: quick, non-zero, naming the
// file, no panic or fault.
func faultsCheckRefusal(t *testing.T, path string, log *syncbuf.Buffer, err error, took time.Duration) {
	t.Helper()
	t.Logf("exits after %s: %v: %.400s", took, err, strings.TrimSpace(log.String()))
	if took > faultsStartBound {
		t.Errorf("took %s to refuse a damaged file", took)
	}
	if s := log.String(); strings.Contains(s, "panic") || strings.Contains(s, "fatal error") || strings.Contains(s, "goroutine ") {
		t.Errorf("serve crashes on a damaged file instead of refusing it:\n%.3000s", s)
	}
	if !strings.Contains(log.String(), "tupu: ") || !strings.Contains(log.String(), path) {
		t.Errorf("the error does not name the file:\n%.3000s", log.String())
	}
}

// expectRefused starts serve on path: it must exit non-zero within
// faultsStartBound, naming the file, without a panic.
func expectRefused(t *testing.T, path string) {
	t.Helper()
	url, log, exited, err, took := faultsStart(t, path)
	if url != "" {
		t.Errorf("serve on a damaged file serves after %s:\n%s", took, log.String())
		faultsProbe(t, url, log, exited)
		return
	}
	faultsCheckRefusal(t, path, log, err, took)
}

// expectContained starts serve on a file with a damaged data page, which
// bbolt opens without reading it: serve either refuses the file at once
// (as expectRefused) or serves, answering every read, with an error where
// the read meets the damage, and logging it, without dying.
func expectContained(t *testing.T, path string) {
	t.Helper()
	url, log, exited, err, took := faultsStart(t, path)
	if url == "" {
		faultsCheckRefusal(t, path, log, err, took)
		return
	}
	t.Logf("serves after %s", took)
	if faultsProbe(t, url, log, exited) && !faultsLogged(log, "level=ERROR") {
		t.Errorf("reads met the damage but the log has no error:\n%s", log.String())
	}
}

// faultsSeeded writes a seeded database to a new temporary file and
// returns its path and the size bbolt uses of it (its high water mark).
// With index, a server seeds it and builds its search index beside it;
// without, `tupu seed` does, and the next server builds the index.
func faultsSeeded(t *testing.T, index bool) (string, int64) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "tupu.db")
	if index {
		srv := curServe(t, db)
		curWaitSearch(t, srv.url) // a stop during the build would leave none
		srv.stop(t)
	} else {
		curMustCLI(t, "seed", "--db", db)
	}
	s, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var used int64
	if _, err := s.Backup(io.Discard, func(n int64) { used = n }); err != nil {
		t.Fatal(err)
	}
	return db, used
}

const faultsPageSize = 4096

// faultsPageNear returns the page of the given type ("leaf", "branch")
// nearest the middle of the file's used pages.
func faultsPageNear(t *testing.T, path, typ string) (int, bool) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Info().PageSize != faultsPageSize {
		t.Fatalf("page size %d, the test assumes %d", db.Info().PageSize, faultsPageSize)
	}
	found, ok := 0, false
	err = db.View(func(tx *bolt.Tx) error {
		pages := int(tx.Size() / faultsPageSize)
		for d := 0; d < pages; d++ {
			for _, id := range []int{pages/2 + d, pages/2 - d} {
				if id < 2 || id >= pages {
					continue
				}
				p, err := tx.Page(id)
				if err != nil {
					return err
				}
				if p != nil && p.Type == typ {
					found, ok = id, true
					return nil
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found, ok
}

// faultsBucketRoot returns the root page of a top-level bucket and its
// type, or 0 for an inline bucket.
func faultsBucketRoot(t *testing.T, path, bucket string) (int, string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id, typ := 0, ""
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return fmt.Errorf("no bucket %s", bucket)
		}
		id = int(b.Root())
		if id == 0 {
			return nil
		}
		p, err := tx.Page(id)
		if err != nil {
			return err
		}
		typ = p.Type
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id, typ
}

// faultsZeroPage overwrites page id of the file with zeros.
func faultsZeroPage(t *testing.T, path string, id int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(make([]byte, faultsPageSize), int64(id)*faultsPageSize); err != nil {
		t.Fatal(err)
	}
}

// faultsMetaTxid reads the transaction id of meta page 0 or 1.
func faultsMetaTxid(t *testing.T, path string, page int) uint64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The page header (16 bytes), then the meta: magic, version, page
	// size, flags (4 bytes each), the root bucket (16), the freelist and
	// the high water mark (8 each), then the txid.
	b := make([]byte, 8)
	if _, err := f.ReadAt(b, int64(page)*faultsPageSize+16+16+16+8+8); err != nil {
		t.Fatal(err)
	}
	return binary.LittleEndian.Uint64(b)
}

// faultsProbes are reads that between them touch most buckets.
var faultsProbes = []string{
	`{ entities(first: 100) { totalCount edges { node { key name facts { property value } } } } }`,
	`{ counties(first: 50) { edges { node { key relations(first: 50) { totalCount } } } } }`,
	`{ document(key: "yubei-2021") { key text } }`,
	`{ changes(first: 100) { edges { node { sequence } } } }`,
	`{ kinds { kind count } }`,
	`{ search(query: "渝北") { totalCount } }`,
}

// faultsProbe runs faultsProbes on a server over a damaged file: each must
// be answered, with data or an error, and the server must stay up. It
// reports whether any answer was an error.
func faultsProbe(t *testing.T, url string, log *syncbuf.Buffer, exited <-chan error) (errored bool) {
	t.Helper()
	for _, q := range faultsProbes {
		r, err := curPost(url, "", q, nil)
		switch {
		case err != nil:
			t.Errorf("%s: no answer: %v", q, err)
		case r.ok():
			t.Logf("%s: answered", q)
		default:
			errored = true
			t.Logf("%s: status %d: %.200s", q, r.status, r.raw)
		}
		select {
		case err := <-exited:
			t.Fatalf("the server died on %s: %v\n%.3000s", q, err, log.String())
		default:
		}
	}
	return errored
}

// TestBinary_corruptFile starts the server on damaged files. A file bbolt
// refuses must stop the start at once, with an error naming the file; a
// file bbolt opens must not crash the server when a read reaches the
// damage, and must not silently lose what was acknowledged.
func TestBinary_corruptFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}

	t.Run("randomBytes", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tupu.db")
		b := make([]byte, 64<<10)
		rand.NewChaCha8([32]byte{1}).Read(b)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		expectRefused(t, path)
	})

	t.Run("notBolt", func(t *testing.T) {
		// A text file someone pointed --db at by mistake.
		path := filepath.Join(t.TempDir(), "tupu.yaml")
		if err := os.WriteFile(path, []byte(strings.Repeat("addr: 127.0.0.1:8080\n", 500)), 0o600); err != nil {
			t.Fatal(err)
		}
		expectRefused(t, path)
		if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), "addr: ") {
			t.Errorf("the refused file was changed")
		}
	})

	// A truncated file (a copy cut short, a disk that filled during cp):
	// bbolt maps pages past the end of the file, and touching one is a
	// SIGBUS that kills the process, which no recover catches.
	for _, cut := range []struct {
		name string
		at   func(used int64) int64
	}{
		{"truncated", func(used int64) int64 { return used / 2 }},
		{"truncatedMidPage", func(used int64) int64 { return used/2 + 123 }},
		{"truncatedLastPage", func(used int64) int64 { return used - faultsPageSize }},
	} {
		t.Run(cut.name, func(t *testing.T) {
			path, used := faultsSeeded(t, true)
			if err := os.Truncate(path, cut.at(used)); err != nil {
				t.Fatal(err)
			}
			t.Logf("seeded file of %d bytes in use, truncated to %d", used, cut.at(used))
			expectRefused(t, path)
		})
	}

	// A zeroed data page that bbolt opens without reading: the server
	// starts, and only a read that reaches the page meets the damage.
	for _, typ := range []string{"leaf", "branch"} {
		t.Run("zeroedMiddle/"+typ, func(t *testing.T) {
			path, used := faultsSeeded(t, true)
			id, ok := faultsPageNear(t, path, typ)
			if !ok {
				t.Skipf("the seeded file has no %s page", typ)
			}
			faultsZeroPage(t, path, id)
			t.Logf("zeroed %s page %d of %d", typ, id, used/faultsPageSize)
			expectContained(t, path)
		})
	}

	// The root page of a bucket the reads need: every read of it meets the
	// damage (bbolt panics in the reading goroutine; gqlgen recovers).
	for _, bucket := range []string{"entities", "facts", "history", "edges"} {
		t.Run("zeroedRoot/"+bucket, func(t *testing.T) {
			path, _ := faultsSeeded(t, true)
			id, typ := faultsBucketRoot(t, path, bucket)
			if id == 0 {
				t.Skipf("bucket %s is inline in its parent's page", bucket)
			}
			faultsZeroPage(t, path, id)
			t.Logf("zeroed page %d, the root (%s) of bucket %s", id, typ, bucket)
			expectContained(t, path)
		})
	}

	t.Run("zeroedRootIndexToBuild/entities", func(t *testing.T) {
		path, _ := faultsSeeded(t, false) // no index: serve builds it at start
		id, _ := faultsBucketRoot(t, path, "entities")
		faultsZeroPage(t, path, id)
		expectContained(t, path)
	})

	t.Run("zeroedNewestMeta", func(t *testing.T) {
		// The last acknowledged write lives in the newest meta page; with
		// that page damaged, bbolt opens the file at the transaction
		// before. The server must refuse it, not serve without the write.
		path, _ := faultsSeeded(t, true)
		editor := curToken(t, path, "meta", "editor")
		srv := curServe(t, path)
		curMust(t, srv.url, editor, curSetFact, curFact("before_meta_damage"), nil)
		srv.stop(t)
		t0, t1 := faultsMetaTxid(t, path, 0), faultsMetaTxid(t, path, 1)
		newest := 0
		if t1 > t0 {
			newest = 1
		}
		faultsZeroPage(t, path, newest)
		t.Logf("meta txids %d and %d: zeroed meta page %d", t0, t1, newest)
		url, log, _, err, took := faultsStart(t, path)
		if url == "" {
			faultsCheckRefusal(t, path, log, err, took)
			return
		}
		var got struct {
			Entity struct{ Facts []struct{ Property string } }
		}
		curMust(t, url, "", `{ entity(key: "yunyang-county") { facts { property } } }`, nil, &got)
		for _, f := range got.Entity.Facts {
			if f.Property == "before_meta_damage" {
				t.Logf("the write survived the damaged meta page")
				return
			}
		}
		t.Errorf("serve started on a file whose newest meta page is damaged and silently lost the last acknowledged write:\n%s", log.String())
	})
}

// TestBinary_locked: a second server on a file another one holds fails
// within two seconds saying the file is in use. TestBinary_signals checks
// the failure and its message with a 10 s bound; this bounds the time.
func TestBinary_locked(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db := filepath.Join(t.TempDir(), "tupu.db")
	srv := curServe(t, db)
	_, stderr, took, err := curCLI(t, 10*time.Second, "serve", "--addr", "127.0.0.1:0", "--db", db)
	t.Logf("second server: %v after %s: %s", err, took.Round(time.Millisecond), stderr)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("a second server on a held file: want a failed exit, got %v:\n%s", err, stderr)
	}
	if took > 2500*time.Millisecond {
		t.Errorf("the second server took %s to give up; the lock wait is 1 s", took)
	}
	if !strings.Contains(stderr, "in use by another process") || !strings.Contains(stderr, db) {
		t.Errorf("the error does not say the file is in use:\n%s", stderr)
	}
	// The first server is unaffected.
	curMust(t, srv.url, "", `{ districts { totalCount } }`, nil, nil)
	srv.stop(t)
}
