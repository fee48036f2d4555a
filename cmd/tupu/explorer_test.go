package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowser_explorer walks the explorer at /explore in a real headless
// Chromium as a person would: search 仙桃 and open 重庆仙桃数据谷 with the
// keyboard; its page shows a figure with the words that state it; the
// quote opens the source with those words highlighted; the graph view's
// text version lists the park's neighbours, and one click there opens a
// company; 中文 → English shows English names and is remembered; the paths
// between 云阳县 and 高通 show with their steps; relations page; figures sort
// by normalized value, and a series draws as a chart. The server runs only trusted
// documents (an empty manifest of its own), so every request of the app
// is one the explorer's manifest holds. Every request the page makes goes
// to this server, and the console stays free of errors. It logs the time
// from navigation to a rendered entity page, measured in the page with the
// Performance API (not asserted: a shared machine's timings vary).
//
// TUPU_EXPLORER_SCREENSHOTS=DIR saves search.png, entity.png and
// graph.png there (scripts/explorer-screenshots.sh makes the README's).
func TestBrowser_explorer(t *testing.T) {
	needChromium(t)
	// The server's own manifest holds only the fixture's two mutations;
	// the explorer's operations run because cmd/tupu adds its manifest.
	manifest := filepath.Join(t.TempDir(), "trusted.json")
	fixture := map[string]string{}
	for _, doc := range []string{seriesDocument, seriesFact} {
		sum := sha256.Sum256([]byte(doc))
		fixture[hex.EncodeToString(sum[:])] = doc
	}
	if err := os.WriteFile(manifest, []byte(mustJSON(t, fixture)), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "tupu.db")
	curMustCLI(t, "seed", "--db", db) // token create needs a database
	secret := curToken(t, db, "curator", "admin")
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	base, serverLog := startProgram(t, ctx, "--db", db, "--trusted-documents", manifest)
	addSeries(t, base, secret)
	waitForSearch(t, serverLog)
	baseURL, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	bctx, browserLog := startBrowser(t, ctx)
	shots := os.Getenv("TUPU_EXPLORER_SCREENSHOTS")

	var (
		mu       sync.Mutex
		requests []string // method and URL
		failed   []string
		console  []string
		ids      = map[network.RequestID]string{}
	)
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.Method+" "+e.Request.URL)
			ids[e.RequestID] = e.Request.URL
		case *network.EventLoadingFailed:
			failed = append(failed, short(ids[e.RequestID])+": "+e.ErrorText)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				console = append(console, string(e.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			console = append(console, "exception: "+e.ExceptionDetails.Text+" "+exceptionText(e.ExceptionDetails))
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				console = append(console, string(e.Entry.Level)+": "+e.Entry.Text+" "+e.Entry.URL)
			}
		}
	}); err != nil {
		t.Fatalf("start Chromium: %v\n%s", err, browserLog.String())
	}

	fail := func(step string, err error) {
		t.Helper()
		if shot, _ := chromedp.Run(bctx, chromedp.CaptureScreenshot()); len(shot) > 0 {
			saveScreenshot(t, filepath.Join(t.TempDir(), "failed.png"), shot)
		}
		text, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body ? location.href + "\n" + document.body.innerText : ""`))
		mu.Lock()
		asked := slices.Clone(requests)
		msgs := slices.Clone(console)
		mu.Unlock()
		t.Fatalf("%s: %v\nthe page shows:\n%s\nthe page requested:\n%s\nconsole:\n%s\nserver log:\n%s\nbrowser log:\n%s",
			step, err, text, strings.Join(asked, "\n"), strings.Join(msgs, "\n"), serverLog.String(), browserLog.String())
	}
	// wait polls a JavaScript expression until it is a non-empty string,
	// and returns it.
	wait := func(step, expr string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Poll[string](expr,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
		if err != nil {
			fail(step, err)
		}
		return v
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			fail(step, err)
		}
	}
	// choose picks an option of a select, as a person does: the change
	// event follows.
	// choose waits for a select, then sets its value and tells the page in
	// one turn of the page's script: a node looked up first and set after
	// can be replaced by a redraw in between ("No node with given id
	// found").
	choose := func(sel, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(chromedp.WaitReady(chromedp.CSS(sel)), chromedp.Evaluate[chromedp.Void](`(() => {
			const s = document.querySelector('`+sel+`');
			s.value = '`+value+`';
			s.dispatchEvent(new Event('change', {bubbles: true}));
		})()`))
	}
	shoot := func(name string) {
		t.Helper()
		if shots == "" {
			return
		}
		// Let the fonts and the chart settle before the picture.
		do("settle", chromedp.Sleep(300*time.Millisecond))
		shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			fail("screenshot "+name, err)
		}
		saveScreenshot(t, filepath.Join(shots, name), shot)
	}
	// Search: a labelled search box; 仙桃 lists 重庆仙桃数据谷 with its kind
	// and the matched words marked; ↓ chooses it and Enter opens it.
	do("open the explorer", chromedp.Navigate(base+"explore"), chromedp.WaitVisible(chromedp.CSS(`input[type=search]`)))
	wait("the search box has a visible label", `(() => {
		const i = document.querySelector('input[type=search]');
		const l = i && document.querySelector('label[for="' + i.id + '"]');
		return l && l.offsetHeight > 0 ? l.innerText : '';
	})()`)
	do("type 仙桃", chromedp.Focus(chromedp.CSS(`input[type=search]`)), chromedp.SendKeys(chromedp.CSS(`input[type=search]`), "仙桃"))
	index := wait("a result for 重庆仙桃数据谷", `(() => {
		const opts = [...document.querySelectorAll('[role=listbox] [role=option]')];
		const i = opts.findIndex(o => o.innerText.includes('重庆仙桃数据谷') && o.querySelector('mark') && o.querySelector('.kind'));
		return i >= 0 ? String(i) : '';
	})()`)
	for range atoi(t, index) + 1 {
		do("arrow down", chromedp.KeyEvent(kb.ArrowDown))
	}
	wait("the result is the active option", `(() => {
		const i = document.querySelector('input[type=search]');
		const a = document.getElementById(i.getAttribute('aria-activedescendant') || '');
		return a && a.getAttribute('aria-selected') === 'true' && a.innerText.includes('重庆仙桃数据谷') ? 'yes' : '';
	})()`)
	shoot("search.png")
	do("press Enter", chromedp.KeyEvent(kb.Enter))
	wait("the park's page", `location.pathname === '/explore/e/xiantao-data-valley' && document.querySelector('h1') &&
		document.querySelector('h1').innerText.includes('重庆仙桃数据谷') ? 'yes' : ''`)

	// The page shows a figure with its quote.
	quote := wait("a figure with its quote", `(() => {
		for (const tr of document.querySelectorAll('table.facts tbody tr')) {
			const q = tr.querySelector('a.quote');
			if (tr.innerText.includes('1114') && tr.innerText.includes('家') && q && q.innerText.includes('1114')) return q.innerText;
		}
		return '';
	})()`)
	quote = strings.Trim(quote, "「」")
	shoot("entity.png")

	// The quote opens the source with those words highlighted in place.
	do("click the quote", chromedp.Click(chromedp.CSS(`table.facts a.quote[href*="1114"]`)))
	mark := wait("the quote highlighted in the source", `(() => {
		const m = document.querySelector('.document-text mark#quote');
		if (!m || !location.pathname.startsWith('/explore/doc/')) return '';
		const r = m.getBoundingClientRect();
		return r.top >= 0 && r.bottom <= innerHeight ? m.textContent : '';
	})()`)
	if got := strings.NewReplacer("\n", "", "\r", "").Replace(mark); got != quote {
		t.Errorf("the highlighted passage is %q, want the quote %q", got, quote)
	}
	// Back returns to the park's page, forward to the source, back again.
	do("go back", chromedp.NavigateBack())
	wait("back on the park's page", `location.pathname === '/explore/e/xiantao-data-valley' && document.querySelector('table.facts') ? 'yes' : ''`)
	do("go forward", chromedp.NavigateForward())
	wait("forward on the source", `location.pathname === '/explore/doc/yubei-2021' && document.querySelector('mark#quote') ? 'yes' : ''`)
	do("go back again", chromedp.NavigateBack())
	wait("back on the park's page again", `location.pathname === '/explore/e/xiantao-data-valley' && document.querySelector('table.facts') ? 'yes' : ''`)

	// The graph view: a drawing, and a text version listing the neighbours.
	do("open the graph view", chromedp.Click(chromedp.CSS(`a[href="/explore/e/xiantao-data-valley/graph"]`)))
	neighbours := wait("the graph's text version", `(() => {
		const s = document.querySelector('.graph-text');
		const c = document.querySelector('.graph-canvas canvas');
		return s && c && s.innerText.includes('中科创达·重庆公司') ? s.innerText : '';
	})()`)
	for _, want := range []string{"渝北区", "中科创达·重庆公司", "美国高通公司", "仙桃数据谷北立交"} {
		if !strings.Contains(neighbours, want) {
			t.Errorf("the graph's text version lacks the neighbour %s:\n%s", want, neighbours)
		}
	}
	if !strings.Contains(neighbours, "集聚/入驻") {
		t.Errorf("the graph's text version lacks the relation hosts (集聚/入驻):\n%s", neighbours)
	}
	shoot("graph.png")

	// Two hops reach further; a predicate keeps only its relations.
	count := func(step, cond string) int {
		t.Helper()
		return atoi(t, wait(step, `(() => {
			const n = document.querySelectorAll('.graph-nodes li').length;
			const e = [...document.querySelectorAll('.graph-edges li')].map(li => li.innerText);
			const fresh = document.querySelector('article.graph:not([data-stale])');
			return fresh && document.querySelector('.graph-canvas canvas') && (`+cond+`) ? String(n) : '';
		})()`))
	}
	one := count("the graph at depth 1", `location.search === ''`)
	// Each change draws the view anew: mark the old one to wait for the new.
	stale := chromedp.Evaluate[chromedp.Void](`document.querySelector('article.graph').dataset.stale = '1'`)
	do("depth 2", stale, choose(`select[name=depth]`, "2"))
	if two := count("the graph at depth 2", `location.search.includes('depth=2')`); two <= one {
		t.Errorf("depth 2 shows %d entities, depth 1 %d", two, one)
	}
	do("only hosts", stale, choose(`select[name=predicate]`, "hosts"))
	count("only hosts relations", `location.search.includes('predicate=hosts') && e.length > 0 && e.every(t => t.includes('集聚/入驻'))`)

	// A click on a node of the drawing opens its page: with a predicate the
	// park has no relation of, the drawing is the park alone, in the middle.
	do("only aids", stale, choose(`select[name=predicate]`, "aids"))
	count("the park alone", `location.search.includes('predicate=aids') && n === 1`)
	// Wait until the node is painted there (the chart draws on the next
	// animation frame, and finds what a click hits from what it drew).
	at := wait("the park drawn in the middle", `(() => {
		const c = document.querySelector('.graph-canvas canvas');
		const r = c.getBoundingClientRect();
		const x = Math.round(c.width / 2), y = Math.round(c.height / 2);
		const [red, green, blue, alpha] = c.getContext('2d').getImageData(x, y, 1, 1).data;
		const painted = alpha > 0 && red + green + blue < 600;
		return painted ? JSON.stringify([r.left + r.width / 2, r.top + r.height / 2]) : '';
	})()`)
	var box []float64
	if err := json.Unmarshal([]byte(at), &box); err != nil {
		t.Fatal(err)
	}
	do("click the node", chromedp.MouseClickXY(box[0], box[1]))
	wait("the node's page", `location.pathname === '/explore/e/xiantao-data-valley' && document.querySelector('table.facts') ? 'yes' : ''`)
	do("back to the graph", chromedp.NavigateBack())
	count("the graph again", `location.search.includes('predicate=aids') && n === 1`)
	do("only hosts again", stale, choose(`select[name=predicate]`, "hosts"))
	count("hosts again", `location.search.includes('predicate=hosts') && e.length > 0`)

	// Click through to a company.
	do("click the company", chromedp.Click(chromedp.CSS(`.graph-nodes a[href="/explore/e/thundersoft-chongqing"]`)))
	wait("the company's page", `location.pathname === '/explore/e/thundersoft-chongqing' &&
		document.querySelector('h1') && document.querySelector('h1').innerText.includes('中科创达·重庆公司') &&
		document.querySelector('h1 .kind').innerText === '企业' ? 'yes' : ''`)

	// English: names and labels switch, and the choice is remembered.
	do("switch to English", chromedp.Click(chromedp.CSS(`.lang button[lang=en]`)))
	wait("English names", `document.querySelector('h1') && document.querySelector('h1').innerText.includes('Thundersoft Chongqing') &&
		document.documentElement.lang === 'en' && document.querySelector('h1 .kind').innerText === 'company' ? 'yes' : ''`)
	do("reload", chromedp.Reload())
	wait("English after a reload", `document.querySelector('h1') && document.querySelector('h1').innerText.includes('Thundersoft Chongqing') &&
		document.querySelector('.lang button[lang=en]').getAttribute('aria-pressed') === 'true' ? 'yes' : ''`)

	// Paths between 云阳县 and 高通, both chosen with the search boxes.
	do("open paths", chromedp.Click(chromedp.CSS(`header nav a[href="/explore/paths"]`)))
	pick := func(box int, query, want string) {
		t.Helper()
		sel := chromedp.CSS(fmt.Sprintf(`.paths-form .search:nth-of-type(%d) input`, box))
		do("type "+query, chromedp.Focus(sel), chromedp.SendKeys(sel, query))
		wait("a result "+want, fmt.Sprintf(`(() => {
			const o = document.querySelectorAll('.paths-form .search')[%d].querySelector('[role=option]');
			return o && o.innerText.includes(%q) ? 'yes' : '';
		})()`, box-1, want))
		// By mouse: the keyboard is the home page's; here an Enter that
		// chromedp sends as a separate character may also submit the form.
		do("choose "+want, chromedp.Click(chromedp.CSS(fmt.Sprintf(`.paths-form .search:nth-of-type(%d) [role=option]`, box))))
		wait("chosen "+want, fmt.Sprintf(`document.querySelectorAll('.paths-form .search input')[%d].value.includes(%q) ? 'yes' : ''`, box-1, want))
	}
	pick(1, "云阳", "Yunyang County")
	pick(2, "高通", "Qualcomm")
	do("find paths", chromedp.Click(chromedp.CSS(`.paths-form button[type=submit]`)))
	paths := wait("the paths", `location.search.includes('from=yunyang-county') && location.search.includes('to=qualcomm') &&
		document.querySelector('ol.paths .step') ? document.querySelector('ol.paths').innerText : ''`)
	for _, want := range []string{"Yunyang County", "Yubei District", "Qualcomm", "云阳县，是协同发展的对口区县"} {
		if !strings.Contains(paths, want) {
			t.Errorf("the paths lack %q:\n%s", want, paths)
		}
	}

	// Relations come 50 a page: 渝北区 has 56.
	do("open 渝北区", chromedp.Navigate(base+"explore/e/yubei-district"))
	wait("the first page of relations", `(() => {
		const s = document.querySelector('.relations .shown');
		return s && s.innerText.startsWith('50 ') && s.innerText.endsWith(' 56') && !document.querySelector('button.more').hidden ? 'yes' : '';
	})()`)
	do("more relations", chromedp.Click(chromedp.CSS(`button.more`)))
	wait("all relations", `document.querySelectorAll('ul.related > li').length === 56 && document.querySelector('button.more').hidden ? 'yes' : ''`)

	// Figures: GDP across the graph, sorted by normalized value either way,
	// and the district's GDP by year as a chart with its table.
	do("open figures", chromedp.Click(chromedp.CSS(`header nav a[href="/explore/figures"]`)))
	do("choose GDP", choose(`select#property`, "gdp"))
	periods := func(step, want string) {
		t.Helper()
		wait(step, fmt.Sprintf(`(() => {
			const p = [...document.querySelectorAll('.figures > section:last-child table.facts tbody tr')].map(r => r.children[4].innerText).join(' ');
			return p === %q ? p : '';
		})()`, want))
	}
	periods("GDP, largest first", "2020 2019 2018")
	do("sort the other way", chromedp.Click(chromedp.CSS(`a.sort`)))
	periods("GDP, smallest first", "2018 2019 2020")
	do("show the series", chromedp.Click(chromedp.CSS(`table.facts a[href*="entity=yubei-district"]`)))
	wait("the series chart and its table", `(() => {
		const s = document.querySelector('section.series');
		if (!s || !s.querySelector('.series-canvas canvas')) return '';
		const p = [...s.querySelectorAll('tbody tr')].map(r => r.children[3].innerText).join(' ');
		return p === '2018 2019 2020' ? p : '';
	})()`)

	// A key that names nothing says so.
	do("open a key that names nothing", chromedp.Navigate(base+"explore/e/no-such-entity"))
	wait("not found", `(() => { const a = document.querySelector('main [role=alert]');
		return a && a.innerText.includes('no-such-entity') ? 'yes' : ''; })()`)

	// Time to a rendered entity page, loading its URL directly (the
	// assets come from the browser's cache after the first load).
	var times []float64
	for range 5 {
		do("open the park's page directly", chromedp.Navigate(base+"explore/e/xiantao-data-valley"))
		ms := wait("the entity page rendered", `(() => {
			const m = performance.getEntriesByName('tupu:entity-rendered')[0];
			return m ? String(m.startTime) : '';
		})()`)
		times = append(times, atof(t, ms))
	}
	cold := times[0]
	sort.Float64s(times)
	t.Logf("time to a rendered entity page (navigation start to rendered, Performance API): first %.0f ms, median of %d %.0f ms",
		cold, len(times), times[len(times)/2])

	mu.Lock()
	defer mu.Unlock()
	// One GraphQL request per page view: the last direct load asked for
	// the page, and once for its data.
	last := slices.Index(requests, "GET "+base+"explore/e/xiantao-data-valley")
	for i := len(requests) - 1; i >= 0; i-- {
		if requests[i] == "GET "+base+"explore/e/xiantao-data-valley" {
			last = i
			break
		}
	}
	if n := countPrefix(requests[last:], "POST "+base+"graphql"); n != 1 {
		t.Errorf("the entity page made %d GraphQL requests, want 1: %v", n, requests[last:])
	}
	for _, r := range requests {
		_, raw, _ := strings.Cut(r, " ")
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "data" && u.Host != baseURL.Host) {
			t.Errorf("the page requested %s, which is not on %s", short(r), baseURL.Host)
		}
	}
	for _, f := range failed {
		t.Errorf("a request of the page failed: %s", f)
	}
	for _, c := range console {
		t.Errorf("console: %s", c)
	}
}

// The fixture: a document that states the district's GDP for two more
// years, so that the graph holds a series. Test data only: it is no source.
const (
	seriesDocument = `mutation SeriesDocument {
  addDocument(input: {key: "series-fixture", title: "Test fixture, not a source", language: "zh",
    text: "渝北区地区生产总值：2018年1700亿元，2019年1850亿元。"}) { document { key } }
}`
	seriesFact = `mutation SeriesFact($period: String!, $value: Float!, $quote: String!) {
  setFact(input: {entity: "yubei-district", property: "gdp", label: "地区生产总值", value: $value, unit: "亿元",
    period: $period, source: {document: "series-fixture", quote: $quote}}) { fact { period } }
}`
)

func addSeries(t *testing.T, base, secret string) {
	t.Helper()
	curMust(t, base, secret, seriesDocument, nil, nil)
	for _, f := range []struct {
		period string
		value  float64
	}{{"2018", 1700}, {"2019", 1850}} {
		curMust(t, base, secret, seriesFact, map[string]any{
			"period": f.period, "value": f.value, "quote": f.period + "年" + fmt.Sprint(f.value) + "亿元",
		}, nil)
	}
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

func countPrefix(list []string, prefix string) int {
	n := 0
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	var f float64
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return f
}
