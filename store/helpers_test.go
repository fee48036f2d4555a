package store_test

// Helpers and fixtures shared by the store's tests. The tests of the graph
// run once per engine (eachEngine): on a real bbolt file in their own
// temporary directory, and on a graph of their own (a prefix) on an etcd
// member embedded in the test process. When a test ends, the store's
// consistency check runs (bbolt's over the file; for a cluster, the
// mirror against the cluster) before it is closed.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"tupu"
	"tupu/internal/etcdtest"
	"tupu/store"
)

// testTimeout bounds the wait for a file lock in tests: long enough for a
// busy machine, short enough that a test which hits it fails fast.
const testTimeout = 100 * time.Millisecond

// TestMain stops the embedded etcd member once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	etcdtest.CloseShared()
	os.Exit(code)
}

// The engines every test of the graph runs on.
const (
	onBolt = "bbolt"
	onEtcd = "etcd"
)

// eachEngine runs test once per engine, as subtests named after them;
// MustOpen opens a store of the subtest's engine.
func eachEngine(t *testing.T, test func(t *testing.T)) {
	for _, e := range []string{onBolt, onEtcd} {
		t.Run(e, test)
	}
}

// engineOf returns the engine tb runs on: etcd in an "etcd" subtest of
// eachEngine, bbolt otherwise.
func engineOf(tb testing.TB) string {
	parts := strings.Split(tb.Name(), "/")
	if len(parts) > 1 && parts[1] == onEtcd {
		return onEtcd
	}
	return onBolt
}

// MustOpen opens a new, empty store of tb's engine (see engineOf): a new
// file under tb.TempDir, or a new prefix on the shared etcd member. When
// the test ends it runs the store's consistency check and closes it.
func MustOpen(tb testing.TB) *store.Store {
	tb.Helper()
	if engineOf(tb) == onEtcd {
		return mustOpenLocation(tb, clusterURL(tb, etcdtest.Prefix(tb.Name())))
	}
	return MustOpenFile(tb, filepath.Join(tb.TempDir(), "tupu.db"))
}

// clusterURL returns the URL of a graph under prefix on the shared etcd
// member, which takes commits of any size (so that tests write graphs
// as they would into a file; TestEtcd_limits holds the limits).
func clusterURL(tb testing.TB, prefix string) string {
	tb.Helper()
	c, err := etcdtest.Shared()
	if err != nil {
		tb.Fatalf("start etcd: %v", err)
	}
	return c.URL(prefix, fmt.Sprintf("max-txn-ops=%d&max-request-bytes=%d", etcdtest.SharedMaxTxnOps, etcdtest.SharedMaxRequestBytes))
}

func mustOpenLocation(tb testing.TB, loc string) *store.Store {
	tb.Helper()
	s, err := store.Open(loc, store.Options{Timeout: testTimeout})
	if err != nil {
		tb.Fatalf("Open(%q): %v", loc, err)
	}
	tb.Cleanup(func() { mustCheckAndClose(tb, s) })
	return s
}

// MustOpenFile opens the store at path, checked and closed like MustOpen.
func MustOpenFile(tb testing.TB, path string) *store.Store {
	tb.Helper()
	return mustOpenLocation(tb, path)
}

func mustCheckAndClose(tb testing.TB, s *store.Store) {
	tb.Helper()
	if err := s.Check(); err != nil {
		tb.Errorf("consistency check of %s: %v", s.Path(), err)
	}
	if err := s.Close(); err != nil {
		tb.Errorf("Close: %v", err)
	}
}

// MustUpdate runs fn in a write transaction and fails the test on error.
func MustUpdate(tb testing.TB, s *store.Store, fn func(*store.Tx) error) {
	tb.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		tb.Fatalf("Update: %v", err)
	}
}

// MustView runs fn in a read transaction and fails the test on error.
func MustView(tb testing.TB, s *store.Store, fn func(*store.Tx) error) {
	tb.Helper()
	if err := s.View(fn); err != nil {
		tb.Fatalf("View: %v", err)
	}
}

// MustSync syncs d into s and fails the test on error.
func MustSync(tb testing.TB, s *store.Store, d *tupu.Dataset) store.SyncResult {
	tb.Helper()
	res, err := s.Sync(d, store.SyncOptions{})
	if err != nil {
		tb.Fatalf("Sync: %v", err)
	}
	return res
}

// MustGraphVersion returns the store's graph version.
func MustGraphVersion(tb testing.TB, s *store.Store) uint64 {
	tb.Helper()
	v, err := s.GraphVersion()
	if err != nil {
		tb.Fatalf("GraphVersion: %v", err)
	}
	return v
}

// assertVersionAfter fails unless s's graph version, after n commits
// that changed the graph since it was before, is what s's engine makes
// of them: before+n on a file; on a cluster, where it is etcd's revision
// (which other keys' commits move too), before when n is 0 and more
// when it is not. It returns the version.
func assertVersionAfter(tb testing.TB, s *store.Store, before uint64, n int, what string) uint64 {
	tb.Helper()
	got := MustGraphVersion(tb, s)
	switch {
	case engineOf(tb) == onBolt && got != before+uint64(n):
		tb.Errorf("%s: graph version %d, want %d (%d commits after %d)", what, got, before+uint64(n), n, before)
	case engineOf(tb) == onEtcd && n == 0 && got != before:
		tb.Errorf("%s: graph version %d, want %d (no commit)", what, got, before)
	case engineOf(tb) == onEtcd && n > 0 && got <= before:
		tb.Errorf("%s: graph version %d, want more than %d (%d commits)", what, got, before, n)
	}
	if v := s.Version(); v != got {
		tb.Errorf("%s: Version() %d, GraphVersion() %d", what, v, got)
	}
	return got
}

// assertCode fails unless err is a tupu error with code want.
func assertCode(tb testing.TB, err error, want tupu.Code) {
	tb.Helper()
	if err == nil {
		tb.Errorf("error = nil, want code %s", want)
		return
	}
	var e *tupu.Error
	if !errors.As(err, &e) {
		tb.Errorf("error = %v (%T), want a *tupu.Error with code %s", err, err, want)
		return
	}
	if e.Code != want {
		tb.Errorf("error = %v, code %s, want code %s", err, e.Code, want)
	}
}

// The fixtures: one document, with statements whose quotes it holds.

const docKey = "yubei-2021"

// src cites quote in the fixture document.
func src(quote string) *tupu.Source {
	return &tupu.Source{Document: docKey, Quote: quote}
}

// entity returns an entity whose source quotes its name (and its key, so
// that the quote occurs once in the document).
func entity(key string, kind tupu.Kind, name string, aliases ...string) tupu.Entity {
	return tupu.Entity{Key: key, Kind: kind, Name: name, Aliases: aliases, Source: src("「" + name + "」（" + key + "）")}
}

// relation returns a relation whose source quotes its three parts: keys,
// not names, which its note says.
func relation(subject string, pred tupu.Predicate, object string) tupu.Relation {
	return tupu.Relation{Subject: subject, Predicate: pred, Object: object,
		Source: src("「" + subject + " " + string(pred) + " " + object + "」"), Note: fixtureNote}
}

// fixtureNote is why a fixture relation's quote names its ends by key.
const fixtureNote = "The fixture's text names entities by key."

// fact returns a figure about an entity whose source quotes it.
func fact(ent, property string, value float64, period string) tupu.Fact {
	return tupu.Fact{Entity: ent, Property: property, Value: &value, Unit: "亿元", Period: period,
		Source: *src(fmt.Sprintf("「%s %s %s %s」", ent, property, strconv.FormatFloat(value, 'f', -1, 64), period))}
}

// newDataset returns a dataset of the statements and one document whose
// text holds every quote they cite, once.
func newDataset(es []tupu.Entity, rs []tupu.Relation, fs []tupu.Fact) *tupu.Dataset {
	var quotes []string
	cite := func(s *tupu.Source) {
		if s != nil && s.Document == docKey && !slices.Contains(quotes, s.Quote) {
			quotes = append(quotes, s.Quote)
		}
	}
	for _, e := range es {
		cite(e.Source)
	}
	for _, r := range rs {
		cite(r.Source)
	}
	for _, f := range fs {
		cite(&f.Source)
	}
	return &tupu.Dataset{
		Documents: []tupu.Document{{Key: docKey, Title: "渝北区2021年工作报告", Language: "zh",
			// Printed columns break lines anywhere: the text is quoted without them.
			Text: strings.Join(quotes, "。\n")}},
		Entities:  es,
		Relations: rs,
		Facts:     fs,
	}
}

// clone returns a copy of d whose lists can be changed without touching d.
func clone(d *tupu.Dataset) *tupu.Dataset {
	return &tupu.Dataset{
		Documents: slices.Clone(d.Documents),
		Entities:  slices.Clone(d.Entities),
		Relations: slices.Clone(d.Relations),
		Facts:     slices.Clone(d.Facts),
	}
}

// The model: what a list should hold, computed from a dataset.

// edgeRow is an edge as a test expects it: direction, predicate, the far
// end's kind and key. It prints as "OUT hosts COMPANY acme".
type edgeRow struct {
	dir   tupu.Direction
	pred  tupu.Predicate
	kind  tupu.Kind
	other string
}

func (r edgeRow) String() string {
	return fmt.Sprintf("%s %s %s %s", r.dir, r.pred, r.kind, r.other)
}

func rowOf(e store.Edge) string {
	return edgeRow{e.Direction, e.Predicate, e.Other.Kind, e.Other.Key}.String()
}

// wantEdges returns the edges of key that f selects among rels, in the
// order the store documents: direction (IN first), predicate, the far
// end's kind, the far end's key.
func wantEdges(kinds map[string]tupu.Kind, rels []tupu.Relation, key string, f store.EdgeFilter) []string {
	var rows []edgeRow
	for _, r := range rels {
		if r.Subject == key && f.Direction != tupu.In {
			rows = append(rows, edgeRow{tupu.Out, r.Predicate, kinds[r.Object], r.Object})
		}
		if r.Object == key && f.Direction != tupu.Out {
			rows = append(rows, edgeRow{tupu.In, r.Predicate, kinds[r.Subject], r.Subject})
		}
	}
	rows = slices.DeleteFunc(rows, func(r edgeRow) bool {
		return (len(f.Predicates) > 0 && !slices.Contains(f.Predicates, r.pred)) || (f.Kind != "" && f.Kind != r.kind)
	})
	slices.SortFunc(rows, func(a, b edgeRow) int {
		return cmp.Or(strings.Compare(string(a.dir), string(b.dir)), strings.Compare(string(a.pred), string(b.pred)),
			strings.Compare(string(a.kind), string(b.kind)), strings.Compare(a.other, b.other))
	})
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.String()
	}
	return out
}

func kindsOf(d *tupu.Dataset) map[string]tupu.Kind {
	kinds := map[string]tupu.Kind{}
	for _, e := range d.Entities {
		kinds[e.Key] = e.Kind
	}
	return kinds
}

// wantEntities returns the keys of d's entities of kind (all when empty),
// in key order.
func wantEntities(d *tupu.Dataset, kind tupu.Kind) []string {
	var keys []string
	for _, e := range d.Entities {
		if kind == "" || e.Kind == kind {
			keys = append(keys, e.Key)
		}
	}
	slices.Sort(keys)
	return keys
}

// A list adapts Tx.Edges and Tx.Entities to one shape for the page walkers.
type list func(tx *store.Tx, args store.PageArgs) (listPage, error)

type listPage struct {
	rows             []string
	cursors          [][]byte
	hasNext, hasPrev bool
	total            int // -1 when the list has no total
}

func edgesOf(key string, f store.EdgeFilter) list {
	return func(tx *store.Tx, args store.PageArgs) (listPage, error) {
		p, err := tx.Edges(key, f, args)
		if err != nil {
			return listPage{}, err
		}
		out := listPage{hasNext: p.HasNext, hasPrev: p.HasPrev, total: p.Total}
		for _, e := range p.Edges {
			out.rows = append(out.rows, rowOf(e))
			out.cursors = append(out.cursors, e.Cursor)
		}
		return out, nil
	}
}

func entitiesOf(kind tupu.Kind) list {
	return func(tx *store.Tx, args store.PageArgs) (listPage, error) {
		p, err := tx.Entities(kind, args)
		if err != nil {
			return listPage{}, err
		}
		if len(p.Cursors) != len(p.Entities) {
			return listPage{}, fmt.Errorf("%d cursors for %d entities", len(p.Cursors), len(p.Entities))
		}
		out := listPage{rows: make([]string, 0), cursors: p.Cursors, hasNext: p.HasNext, hasPrev: p.HasPrev, total: -1}
		for _, e := range p.Entities {
			out.rows = append(out.rows, e.Key)
		}
		return out, nil
	}
}

// fetch reads one page in a read transaction of its own, as a client's
// successive requests would.
func fetch(tb testing.TB, s *store.Store, l list, args store.PageArgs) listPage {
	tb.Helper()
	var p listPage
	MustView(tb, s, func(tx *store.Tx) (err error) {
		p, err = l(tx, args)
		return err
	})
	return p
}

// walkForward reads the whole list n items at a time from the start,
// following the last cursor of each page. At every page it checks that
// the page is full unless it is the last, and that HasPrev and HasNext
// are false exactly at the ends.
func walkForward(tb testing.TB, s *store.Store, l list, n int) []string {
	tb.Helper()
	var rows []string
	var after []byte
	for i := 0; ; i++ {
		if i > 1000 {
			tb.Fatalf("walking forward by %d: still going after %d pages", n, i)
		}
		p := fetch(tb, s, l, store.PageArgs{First: n, After: after})
		if got, want := p.hasPrev, i > 0; got != want {
			tb.Errorf("forward by %d, page %d: HasPrev = %v, want %v", n, i, got, want)
		}
		rows = append(rows, p.rows...)
		if !p.hasNext {
			return rows
		}
		if len(p.rows) != n {
			tb.Fatalf("forward by %d, page %d: %d items and HasNext, want a full page", n, i, len(p.rows))
		}
		after = p.cursors[len(p.cursors)-1]
	}
}

// walkBackward reads the whole list n items at a time from the end,
// following the first cursor of each page, and returns it in list order.
func walkBackward(tb testing.TB, s *store.Store, l list, n int) []string {
	tb.Helper()
	var rows []string
	var before []byte
	for i := 0; ; i++ {
		if i > 1000 {
			tb.Fatalf("walking backward by %d: still going after %d pages", n, i)
		}
		p := fetch(tb, s, l, store.PageArgs{Last: n, Before: before})
		if got, want := p.hasNext, i > 0; got != want {
			tb.Errorf("backward by %d, page %d: HasNext = %v, want %v", n, i, got, want)
		}
		rows = append(slices.Clone(p.rows), rows...)
		if !p.hasPrev {
			return rows
		}
		if len(p.rows) != n {
			tb.Fatalf("backward by %d, page %d: %d items and HasPrev, want a full page", n, i, len(p.rows))
		}
		before = p.cursors[0]
	}
}

// assertRows compares two lists item by item and reports the first
// difference, which says more than two long lists side by side.
func assertRows(tb testing.TB, what string, got, want []string) {
	tb.Helper()
	if slices.Equal(got, want) {
		return
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			tb.Errorf("%s: item %d = %q, want %q\ngot:  %q\nwant: %q", what, i, got[i], want[i], got, want)
			return
		}
	}
	tb.Errorf("%s: %d items, want %d\ngot:  %q\nwant: %q", what, len(got), len(want), got, want)
}

// assertHolds checks that s holds exactly what d states and nothing else:
// its documents, its entities at the given versions (1 when not given),
// every entity's edges in order with counters to match, and its facts.
func assertHolds(tb testing.TB, s *store.Store, d *tupu.Dataset, versions map[string]int) {
	tb.Helper()
	kinds := kindsOf(d)
	MustView(tb, s, func(tx *store.Tx) error {
		for _, want := range d.Documents {
			got, err := tx.Document(want.Key)
			if err != nil {
				tb.Errorf("Document(%q): %v", want.Key, err)
			} else if !reflect.DeepEqual(*got, want) {
				tb.Errorf("Document(%q) = %+v, want %+v", want.Key, *got, want)
			}
		}
		if got, want := tx.CountEntities(""), len(d.Entities); got != want {
			tb.Errorf("CountEntities(\"\") = %d, want %d", got, want)
		}
		perKind := map[tupu.Kind]int{}
		for _, want := range d.Entities {
			perKind[want.Kind]++
			want.Version = cmp.Or(versions[want.Key], 1)
			got, err := tx.Entity(want.Key)
			if err != nil {
				tb.Errorf("Entity(%q): %v", want.Key, err)
				continue
			}
			if !reflect.DeepEqual(*got, want) {
				tb.Errorf("Entity(%q) = %+v, want %+v", want.Key, *got, want)
			}
			wantRows := wantEdges(kinds, d.Relations, want.Key, store.EdgeFilter{})
			p, err := tx.Edges(want.Key, store.EdgeFilter{}, store.PageArgs{First: 1000})
			if err != nil {
				tb.Errorf("Edges(%q): %v", want.Key, err)
				continue
			}
			var gotRows []string
			for _, e := range p.Edges {
				gotRows = append(gotRows, rowOf(e))
			}
			assertRows(tb, "edges of "+want.Key, gotRows, wantRows)
			if p.Total != len(wantRows) {
				tb.Errorf("Edges(%q).Total = %d, want %d", want.Key, p.Total, len(wantRows))
			}
			if got := tx.CountEdges(want.Key, store.EdgeFilter{}); got != len(wantRows) {
				tb.Errorf("CountEdges(%q) = %d, want %d", want.Key, got, len(wantRows))
			}
			var wantFacts []tupu.Fact
			for _, f := range d.Facts {
				if f.Entity == want.Key {
					wantFacts = append(wantFacts, f)
				}
			}
			slices.SortFunc(wantFacts, func(a, b tupu.Fact) int {
				return cmp.Or(strings.Compare(a.Property, b.Property), strings.Compare(a.Period, b.Period))
			})
			gotFacts, err := tx.Facts(want.Key, "", "")
			if err != nil {
				tb.Errorf("Facts(%q): %v", want.Key, err)
			} else if !reflect.DeepEqual(gotFacts, wantFacts) {
				tb.Errorf("Facts(%q) = %+v, want %+v", want.Key, gotFacts, wantFacts)
			}
		}
		for kind, want := range perKind {
			if got := tx.CountEntities(kind); got != want {
				tb.Errorf("CountEntities(%s) = %d, want %d", kind, got, want)
			}
		}
		for _, want := range d.Relations {
			got, err := tx.Relation(want.Subject, want.Predicate, want.Object)
			if err != nil {
				tb.Errorf("Relation(%s %s %s): %v", want.Subject, want.Predicate, want.Object, err)
			} else if !reflect.DeepEqual(*got, want) {
				tb.Errorf("Relation(%s %s %s) = %+v, want %+v", want.Subject, want.Predicate, want.Object, *got, want)
			}
		}
		return nil
	})
}
