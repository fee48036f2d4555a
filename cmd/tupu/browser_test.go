package main

import (
	"context"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"tupu/internal/syncbuf"
)

// chromiumPath is where Debian's chromium package puts the browser; .ci/run
// installs it.
const chromiumPath = "/usr/bin/chromium"

// TestBrowser_playground opens the playground in a real headless Chromium, as
// a person would: GraphiQL renders with the example query in its editor, the
// run button answers it from the graph (the labs and their partners show in
// the result pane), and every request the page made went to this server and
// nowhere else, so the playground works with no internet.
//
// It skips when Chromium is missing, except under CI (CI is set), where a
// missing browser means .ci/run did not install it. TUPU_SCREENSHOT=path also
// saves the final screenshot there.
func TestBrowser_playground(t *testing.T) {
	needChromium(t)
	shots := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base, serverLog := startProgram(t, ctx)
	baseURL, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	bctx, browserLog := startBrowser(t, ctx)

	// Record every request the page makes, from the first navigation on,
	// and every request that failed to load.
	var (
		mu               sync.Mutex
		requests, failed []string
		ids              = map[network.RequestID]string{}
	)
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
			ids[e.RequestID] = e.Request.URL
		case *network.EventLoadingFailed:
			failed = append(failed, short(ids[e.RequestID])+": "+e.ErrorText)
		}
	}); err != nil {
		t.Fatalf("start Chromium: %v\n%s", err, browserLog.String())
	}

	fail := func(step string, err error) {
		t.Helper()
		shot, _ := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if len(shot) > 0 {
			saveScreenshot(t, filepath.Join(shots, "failed.png"), shot)
			if p := os.Getenv("TUPU_SCREENSHOT"); p != "" {
				saveScreenshot(t, p, shot)
			}
		}
		mu.Lock()
		asked := make([]string, len(requests))
		for i, r := range requests {
			asked[i] = short(r)
		}
		mu.Unlock()
		t.Fatalf("%s: %v\nthe page requested:\n%s\nserver log:\n%s\nbrowser log:\n%s",
			step, err, strings.Join(asked, "\n"), serverLog.String(), browserLog.String())
	}

	// The page renders GraphiQL (not the "Loading…" placeholder) with the
	// example query in the editor.
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-container")),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-query-editor .CodeMirror-line")),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-execute-button")),
	); err != nil {
		fail("GraphiQL did not render", err)
	}
	editor, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(".graphiql-query-editor")))
	if err != nil {
		fail("read the query editor", err)
	}
	if !strings.Contains(editor, "query DistrictToPartners") {
		t.Errorf("the query editor does not show the example query:\n%s", editor)
	}

	// Run it, and wait for the answer in the result pane. The pane is a
	// CodeMirror editor, which draws only the lines in view, so read its
	// whole text from the editor, then scroll to the first lab so that the
	// screenshot shows it.
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS(".graphiql-execute-button"))); err != nil {
		fail("click the run button", err)
	}
	const responseText = `(() => {
		const cm = document.querySelector('.graphiql-response .CodeMirror');
		return cm && cm.CodeMirror ? cm.CodeMirror.getValue() : '';
	})()`
	result, err := chromedp.Run(bctx, chromedp.Poll[string](
		responseText+`.includes('美国高通公司') && `+responseText,
		chromedp.WithPollingInterval(100*time.Millisecond),
		chromedp.WithPollingTimeout(30*time.Second),
	))
	if err != nil {
		got, _ := chromedp.Run(bctx, chromedp.Evaluate[string](responseText))
		fail("no answer with the partners in the result pane", fmtErr(err, got))
	}
	for _, want := range []string{"智能座舱联合实验室", "美国高通公司", "渝北区"} {
		if !strings.Contains(result, want) {
			t.Errorf("the result pane lacks %q:\n%s", want, result)
		}
	}
	if strings.Contains(result, `"errors"`) {
		t.Errorf("the answer has errors:\n%s", result)
	}
	// Bring the lab and its partner into view, as a person scrolling would,
	// and check that the pane now draws them.
	if err := chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const cm = document.querySelector('.graphiql-response .CodeMirror').CodeMirror;
		const lines = cm.getValue().split('\n');
		const lab = lines.findIndex(l => l.includes('智能座舱联合实验室'));
		cm.scrollIntoView({line: lab, ch: 0}, 40);
		cm.scrollTo(null, cm.heightAtLine(Math.max(lab - 3, 0), 'local'));
	})()`)); err != nil {
		fail("scroll the result pane", err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[string](
		`(() => { const t = document.querySelector('.graphiql-response').innerText;
			return t.includes('智能座舱联合实验室') && t.includes('美国高通公司') ? t : ''; })()`,
		chromedp.WithPollingTimeout(10*time.Second),
	)); err != nil {
		got, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('.graphiql-response').innerText`))
		fail("the result pane does not draw the lab and its partner", fmtErr(err, got))
	}

	shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
	if err != nil {
		fail("screenshot", err)
	}
	saveScreenshot(t, filepath.Join(shots, "playground.png"), shot)
	if p := os.Getenv("TUPU_SCREENSHOT"); p != "" {
		saveScreenshot(t, p, shot)
	}

	// The offline proof: every request of the page went to this server
	// (data: and blob: URLs are inline, they reach no network), and none
	// failed.
	mu.Lock()
	defer mu.Unlock()
	var onServer, inline []string
	for _, r := range requests {
		u, err := url.Parse(r)
		switch {
		case err == nil && (u.Scheme == "data" || u.Scheme == "blob"):
			inline = append(inline, short(r))
		case err == nil && u.Scheme == "http" && u.Host == baseURL.Host:
			onServer = append(onServer, u.RequestURI())
		default:
			t.Errorf("the page requested %s, which is not on %s", short(r), baseURL.Host)
		}
	}
	if !slices.Contains(onServer, "/graphql") || !slices.Contains(onServer, "/") {
		t.Errorf("the page never asked for / or /graphql; it asked for:\n%s", strings.Join(onServer, "\n"))
	}
	for _, f := range failed {
		t.Errorf("a request of the page failed: %s", f)
	}
	t.Logf("%d requests to %s: %s; %d inline: %s", len(onServer), baseURL.Host,
		strings.Join(onServer, " "), len(inline), strings.Join(inline, " "))
}

// needChromium skips the test when Chromium is missing, except under CI (CI
// is set), where a missing browser means .ci/run did not install it.
func needChromium(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs %s (Debian package chromium, installed by .ci/run): %v", chromiumPath, err)
		}
		t.Skipf("no browser: %v (apt-get install chromium fonts-wqy-microhei)", err)
	}
}

// startProgram runs the program in-process on a free port of 127.0.0.1
// and a fresh database, with args added to its command line, and returns
// the URL it serves and its log. It stops when the test ends, and the test
// fails if it does not stop cleanly.
func startProgram(t *testing.T, ctx context.Context, args ...string) (base string, serverLog *syncbuf.Buffer) {
	t.Helper()
	// Made before anything that writes into it, so that it is removed only
	// after the server has stopped (cleanups run last first).
	db := filepath.Join(t.TempDir(), "tupu.db")
	srvCtx, stopServer := context.WithCancel(ctx)
	serverLog = &syncbuf.Buffer{}
	exited := make(chan error, 1)
	go func() {
		exited <- run(srvCtx, append([]string{"--addr", "127.0.0.1:0", "--db", db}, args...), func(string) string { return "" }, io.Discard, serverLog)
	}()
	t.Cleanup(func() {
		stopServer()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("run returned %v after shutdown", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("run did not return after its context ended")
		}
	})
	return waitForURL(t, serverLog.String, exited), serverLog
}

// waitForSearch waits until the program's log says its search index is
// built: until then search answers UNAVAILABLE, and on a loaded machine
// the build can outlast a page's first search.
func waitForSearch(t *testing.T, serverLog *syncbuf.Buffer) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(serverLog.String(), "the search index is built") {
		if time.Now().After(deadline) {
			t.Fatalf("the search index was not built in 90 s:\n%s", serverLog.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startBrowser starts a headless Chromium with a fresh profile (so pages
// find nothing saved) that makes no requests of its own, and returns a
// context for driving one tab of it. It stops when the test ends.
func startBrowser(t *testing.T, ctx context.Context) (context.Context, *syncbuf.Buffer) {
	t.Helper()
	profile := t.TempDir()
	browserLog := &syncbuf.Buffer{}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 1000),
		chromedp.CombinedOutput(browserLog),
	)
	t.Cleanup(cancelAlloc) // stops the browser and waits for it
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelBrowser)
	return bctx, browserLog
}

// short cuts a long URL (a data: URL is a whole file) for a message.
func short(u string) string {
	if len(u) > 80 {
		return u[:80] + "…"
	}
	return u
}

type pollError struct {
	err  error
	seen string
}

func (e *pollError) Error() string { return e.err.Error() + "; the pane shows:\n" + e.seen }

func fmtErr(err error, seen string) error { return &pollError{err, seen} }

func saveScreenshot(t *testing.T, path string, png []byte) {
	t.Helper()
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Errorf("save screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", path)
}
