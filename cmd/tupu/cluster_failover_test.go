package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tupu/internal/etcdtest"
)

// End-to-end tests of two tupu servers over one 3-member etcd cluster
// (embedded members, the real binary), through GraphQL over HTTP: what
// happens to writes, reads and searches when the cluster loses its leader
// or a server is killed. One cluster and one pair of servers serve every
// subtest, in order: each leaves both servers serving the whole graph.

// clusterElectionMs is the members' election timeout: a follower that
// hears nothing from its leader for 1 to 2 s campaigns, so a lost leader
// is replaced in about 2 s, while heartbeats (every 50 ms) delayed by a
// busy 2-core machine (load 10 and more) for less than a second start no
// election.
const clusterElectionMs = 1000

// clusterReadBound is the longest a read may take while the cluster
// elects a leader. A read is answered from the server's own mirror of
// the graph, without a round trip to the cluster; on this machine it
// takes milliseconds, and a few hundred under heavy load. A read that
// waited for the cluster would take the election (1 to 2 s), or etcd's
// request timeout (7 s with this election timeout), or more.
const clusterReadBound = 2 * time.Second

// clusterWriteClient bounds a write past the server's own bound on it,
// the request's --timeout (10 s), the wait for a new leader included: a
// write that is not answered within it is a hung write.
var clusterWriteClient = &http.Client{
	Timeout:   20 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 16},
}

// clusterPair is a 3-member cluster with two tupu servers over it.
type clusterPair struct {
	c       *etcdtest.Cluster
	url     string
	secret  string // an admin's token (deletes need one)
	servers [2]*clusterNode
}

// clusterNode is one of the pair: a `tupu serve --store` with a
// directory of its own (its search index), which a restart keeps.
type clusterNode struct {
	name string
	dir  string
	*curServer
}

func (n *clusterNode) start(tb testing.TB, url string) {
	tb.Helper()
	n.curServer = curServe(tb, filepath.Join(n.dir, "tupu.db"), "--store", url)
}

// TestBinary_clusterFailover: two servers over a 3-member cluster, through
// the loss of the cluster's leader and the SIGKILL of a server in the
// middle of bursts of writes; and search on each server following the
// writes made on the other.
func TestBinary_clusterFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a 3-member cluster")
	}
	c, err := etcdtest.New(3, t.TempDir(), etcdtest.Options{ElectionMs: clusterElectionMs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	p := &clusterPair{c: c, url: c.URL("graph", "")}
	for i, name := range []string{"a", "b"} {
		p.servers[i] = &clusterNode{name: name, dir: t.TempDir()}
		p.servers[i].start(t, p.url)
	}
	p.secret = curTokenAt(t, "admin", "--store", p.url)
	for _, n := range p.servers {
		curWaitSearch(t, n.url)
	}

	t.Run("searchFollowsRemoteWrites", p.searchFollows)
	t.Run("leaderLost", p.leaderLost)
	t.Run("quorumLost", p.quorumLost)
	t.Run("serverKilled", p.serverKilled) // last: the server it starts again ends with it
}

// searchFollows: an entity created on a is found by search on b within a
// second, with b's search index current; deleted on b, it is gone from
// a's search results within a second.
func (p *clusterPair) searchFollows(t *testing.T) {
	a, b := p.servers[0], p.servers[1]
	const name = "跨服检索样本企业"
	r, err := curPost(a.url, p.secret, `mutation($in: CreateEntityInput!) { createEntity(input: $in) { entity { key version } } }`,
		map[string]any{"in": map[string]any{"key": "cross-server-sample", "kind": "COMPANY", "name": name,
			"note": "A test entity the article does not name.", "source": map[string]any{"document": "yubei-2021", "quote": curQuote}}})
	if err != nil || !r.ok() {
		t.Fatalf("createEntity on a: %v %s", err, replyRaw(r))
	}
	written := time.Now()
	if !clusterPoll(time.Second, func() bool { return searchFinds(t, b.url, name, "cross-server-sample") }) {
		t.Fatalf("search on b does not find what a wrote within a second of the answer (%s now)", time.Since(written).Round(time.Millisecond))
	}
	t.Logf("b finds a's entity %s after a's answer", time.Since(written).Round(time.Millisecond))
	clusterIndexCurrent(t, b)

	r, err = curPost(b.url, p.secret, `mutation($in: DeleteEntityInput!) { deleteEntity(input: $in) { clientMutationId } }`,
		map[string]any{"in": map[string]any{"id": "cross-server-sample", "expectedVersion": 1}})
	if err != nil || !r.ok() {
		t.Fatalf("deleteEntity on b: %v %s", err, replyRaw(r))
	}
	written = time.Now()
	if !clusterPoll(time.Second, func() bool { return !searchFinds(t, a.url, name, "cross-server-sample") }) {
		t.Fatalf("search on a still finds what b deleted %s after the answer", time.Since(written).Round(time.Millisecond))
	}
	clusterIndexCurrent(t, a)
}

// searchFinds reports whether a search for query on the server at base
// finds the entity key.
func searchFinds(tb testing.TB, base, query, key string) bool {
	tb.Helper()
	var out struct {
		Search struct {
			Nodes []struct{ Entity struct{ Key string } }
		}
	}
	curMust(tb, base, "", `query($q: String!) { search(query: $q) { nodes { entity { key } } } }`, map[string]any{"q": query}, &out)
	for _, n := range out.Search.Nodes {
		if n.Entity.Key == key {
			return true
		}
	}
	return false
}

// clusterIndexCurrent fails the test unless the search index of n says,
// within a second, that it holds every commit its server has.
func clusterIndexCurrent(tb testing.TB, n *clusterNode) {
	tb.Helper()
	var metrics string
	if !clusterPoll(time.Second, func() bool {
		_, metrics = get(tb, n.url+"metrics")
		return strings.Contains(metrics, "\ntupu_search_index_lag_versions 0\n") && strings.Contains(metrics, "\ntupu_search_index_ready 1\n")
	}) {
		tb.Errorf("the search index of %s is not current:\n%s", n.name, grepLines(metrics, "tupu_search_index"))
	}
}

// leaderLost: while both servers take a burst of writes and answer reads,
// and a subscriber on each listens to the writes of the other, the
// cluster's leader crashes. Reads go on being answered on both
// servers, quickly, during the election, with a token or without (a
// token's rights are confirmed with the cluster only where they are
// used: writes, admins' queries); every write is
// answered, either
// acknowledged or refused with UNAVAILABLE; writes are acknowledged again
// on both servers after the election; every acknowledged write is there
// afterwards, read through either server, and no refused one is, in
// whole or in part; each subscriber heard of every write acknowledged on
// the other server; the crashed member, started again, catches up.
func (p *clusterPair) leaderLost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, b := p.servers[0], p.servers[1]
	keys := map[*clusterNode][]string{a: {"yunyang-county", "liangjiang"}, b: {"changshou", "chongqing"}}
	// A subscriber on each server to the entities the other writes.
	heard := map[*clusterNode]*clusterHeard{a: listen(t, a, p.secret, keys[b]), b: listen(t, b, p.secret, keys[a])}
	w := p.startBurst(t, "leader lost", keys)
	rd := startReaders(t, keys, p.secret)
	if !w.waitAcked(30*time.Second, func(n map[string]int) bool { return n[a.name] >= 10 && n[b.name] >= 10 }) {
		w.stopAndWait()
		rd.stopAndWait()
		t.Fatalf("the burst did not start: %+v", w.summary())
	}
	leader, err := p.c.WaitLeader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lost := time.Now()
	p.c.Kill(leader)
	next, err := p.c.WaitLeader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	elected := time.Now()
	t.Logf("member %d crashed; member %d leads %s later", leader, next, elected.Sub(lost).Round(time.Millisecond))

	// Writes are acknowledged again, on both servers, after the election.
	if !w.waitAcked(40*time.Second, func(map[string]int) bool {
		return w.ackedAfter(a.name, elected) >= 3 && w.ackedAfter(b.name, elected) >= 3
	}) {
		t.Errorf("writes begun after the election were not acknowledged on both servers: a %d, b %d",
			w.ackedAfter(a.name, elected), w.ackedAfter(b.name, elected))
	}
	w.stopAndWait()
	rd.stopAndWait()

	// Reads were answered on both servers while the cluster elected, with
	// a token or without.
	election := elected.Sub(lost)
	for _, n := range p.servers {
		for _, who := range []string{n.name, n.name + " with a token"} {
			st := rd.of(who)
			during := st.answeredWithin(lost, elected)
			t.Logf("reads on %s: %d answered, %d during the election, slowest %s", who, len(st.answered), during, st.slowest.Round(time.Millisecond))
			if len(st.failed) > 0 {
				t.Errorf("reads on %s failed: %v", who, st.failed[:min(len(st.failed), 5)])
			}
			if during == 0 {
				t.Errorf("no read was answered on %s during the election (%s)", who, election.Round(time.Millisecond))
			}
			if st.slowest > clusterReadBound {
				t.Errorf("a read on %s took %s, more than %s", who, st.slowest.Round(time.Millisecond), clusterReadBound)
			}
		}
	}
	s := w.summary()
	t.Logf("writes: %+v", s)
	w.mustBeClean(t, "")

	// The crashed member starts again and catches up.
	if err := p.c.Restart(leader); err != nil {
		t.Fatal(err)
	}
	if err := p.c.WaitWhole(ctx); err != nil {
		t.Fatal(err)
	}
	w.mustHold(t, p.servers[:])
	// Each server's subscriber heard of every write acknowledged on the
	// other, through the election.
	for n, other := range map[*clusterNode]*clusterNode{a: b, b: a} {
		var missing []string
		clusterPoll(5*time.Second, func() bool {
			missing = w.notHeard(other.name, heard[n])
			return len(missing) == 0
		})
		if len(missing) > 0 {
			t.Errorf("a subscriber on %s did not hear of %d writes acknowledged on %s: %v", n.name, len(missing), other.name, missing[:min(len(missing), 5)])
		}
	}
	// Both servers still write, and read each other's writes.
	p.writeAndSee(t, a, b, "liangjiang", "after the restart, written on a")
	p.writeAndSee(t, b, a, "changshou", "after the restart, written on b")
}

// clusterRefusalBound is the longest a write, or a query whose token's
// rights are confirmed, may take to be refused when the cluster has no
// leader: the store's
// bound on catching up with the cluster and the request's time (both
// 10 s), and time to spare on a busy machine.
const clusterRefusalBound = 15 * time.Second

// clusterOutcomeUnknown is what the answer to a write says when the
// cluster took it and has not said whether it made it (it lost its
// leader, or did not answer within the request's time): the write may
// yet be made.
const clusterOutcomeUnknown = "has not said whether it was made"

// quorumLost: in the middle of a burst of writes on both servers, the
// leader's two followers crash, and the cluster can neither commit nor
// elect a leader. Reads are answered on both servers from their mirrors,
// with a token or without; a write and an admin's query (whose token's
// rights are confirmed with the cluster) begun then are answered
// UNAVAILABLE within a bound, not held, and were not made: once the
// members are back, the same write (at the same expectedVersion) is
// acknowledged, and read on the other server. The writes the leader had
// taken are answered too, within the request's time (--timeout, 10 s):
// acknowledged, or UNAVAILABLE saying that the outcome is unknown (the
// leader holds them, and may commit them once it has followers again);
// any other refused write is not made.
func (p *clusterPair) quorumLost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, b := p.servers[0], p.servers[1]
	w := p.startBurst(t, "quorum lost", map[*clusterNode][]string{a: {"yunyang-county"}, b: {"chongqing"}})
	if !w.waitAcked(30*time.Second, func(n map[string]int) bool { return n[a.name] >= 5 && n[b.name] >= 5 }) {
		w.stopAndWait()
		t.Fatalf("the burst did not start: %+v", w.summary())
	}
	keys := map[*clusterNode]string{a: "liangjiang", b: "changshou"}
	versions := map[*clusterNode]int{}
	for n, key := range keys {
		versions[n], _ = entityNote(t, n.url, key)
	}
	leader, err := p.c.WaitLeader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var down []int
	for i := range p.c.Members {
		if i != leader {
			p.c.Kill(i)
			down = append(down, i)
		}
	}
	lost := time.Now()

	// Reads without a token are answered meanwhile, on both servers.
	rd := &readers{goroutines: newGoroutines(), per: map[string]*readStats{}}
	for n, key := range keys {
		st := &readStats{}
		rd.per[n.name] = st
		rd.wg.Go(func() { rd.read(st, n.url, "", []string{key}) })
	}
	t.Cleanup(rd.stopAndWait)

	type answer struct {
		what string
		r    *curReply
		err  error
		took time.Duration
	}
	answers := make(chan answer, 6)
	var wg sync.WaitGroup
	for n, key := range keys {
		write := map[string]any{"in": map[string]any{"id": key, "expectedVersion": versions[n], "note": "quorum lost: written on " + n.name}}
		for what, req := range map[string][2]any{
			"a read with a token on " + n.name: {`query($k: String) { entity(key: $k) { version } }`, map[string]any{"k": key}},
			"an admin's query on " + n.name:    {`{ tokens { name } }`, nil},
			"a write on " + n.name:             {clusterUpdate, write},
		} {
			wg.Go(func() {
				began := time.Now()
				vars, _ := req[1].(map[string]any)
				r, err := curPostWith(clusterWriteClient, n.url, p.secret, req[0].(string), vars)
				answers <- answer{what, r, err, time.Since(began)}
			})
		}
	}
	wg.Wait()
	close(answers)
	for a := range answers {
		switch {
		case a.err != nil:
			t.Errorf("%s while the cluster has no quorum: %v after %s", a.what, a.err, a.took.Round(time.Millisecond))
		case strings.HasPrefix(a.what, "a read"):
			if !a.r.ok() || a.took > clusterReadBound {
				t.Errorf("%s while the cluster has no quorum: %s after %s, want an answer within %s", a.what, a.r.raw, a.took.Round(time.Millisecond), clusterReadBound)
			}
		case a.r.code() != "UNAVAILABLE":
			t.Errorf("%s while the cluster has no quorum: %s, want UNAVAILABLE", a.what, a.r.raw)
		case a.took > clusterRefusalBound:
			t.Errorf("%s while the cluster has no quorum: refused after %s, more than %s", a.what, a.took.Round(time.Millisecond), clusterRefusalBound)
		default:
			t.Logf("%s: UNAVAILABLE after %s", a.what, a.took.Round(time.Millisecond))
		}
	}
	// The writes under way when the quorum was lost are answered, within
	// the client's bound (mustBeClean).
	w.stopAndWait()
	rd.stopAndWait()
	t.Logf("writes (%s since the quorum was lost): %+v", time.Since(lost).Round(time.Millisecond), w.summary())
	w.mustBeClean(t, "")
	w.mu.Lock()
	for note, wr := range w.refused {
		t.Logf("%s: refused after %s: %s", note, wr.took.Round(time.Millisecond), wr.refusal)
		if wr.took > clusterRefusalBound {
			t.Errorf("%s: refused after %s, more than %s: a write is answered within its request's time", note, wr.took.Round(time.Millisecond), clusterRefusalBound)
		}
	}
	w.mu.Unlock()
	for _, n := range p.servers {
		st := rd.of(n.name)
		t.Logf("reads without a token on %s: %d answered while the cluster had no quorum, slowest %s", n.name, len(st.answered), st.slowest.Round(time.Millisecond))
		if len(st.failed) > 0 {
			t.Errorf("reads without a token on %s failed: %v", n.name, st.failed[:min(len(st.failed), 5)])
		}
		if len(st.answered) == 0 || st.slowest > clusterReadBound {
			t.Errorf("reads without a token on %s: %d answered, the slowest in %s", n.name, len(st.answered), st.slowest.Round(time.Millisecond))
		}
	}

	for _, i := range down {
		if err := p.c.Restart(i); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.c.WaitWhole(ctx); err != nil {
		t.Fatal(err)
	}
	w.mustHold(t, p.servers[:])
	// The writes refused at once were not made: at the same versions, they
	// are acknowledged now, and read on the other server.
	for n, key := range keys {
		note := "quorum lost: written on " + n.name
		curMust(t, n.url, p.secret, clusterUpdate, map[string]any{"in": map[string]any{"id": key, "expectedVersion": versions[n], "note": note}}, nil)
		other := a
		if other == n {
			other = b
		}
		clusterSees(t, other, key, versions[n]+1, note)
	}
}

// serverKilled: server a is killed (SIGKILL) in the middle of a burst of
// writes on both servers, and started again on the directory it had.
// Every write either server acknowledged is on both, b's burst went on
// meanwhile, and expectedVersion is CONFLICT across servers as before.
func (p *clusterPair) serverKilled(t *testing.T) {
	a, b := p.servers[0], p.servers[1]
	keys := map[*clusterNode][]string{a: {"yunyang-county", "liangjiang"}, b: {"changshou", "chongqing"}}
	w := p.startBurst(t, "server killed", keys)
	if !w.waitAcked(30*time.Second, func(n map[string]int) bool { return n[a.name] >= 10 && n[b.name] >= 10 }) {
		w.stopAndWait()
		t.Fatalf("the burst did not start: %+v", w.summary())
	}
	a.kill(t)
	killed := time.Now()
	if !w.waitAcked(30*time.Second, func(map[string]int) bool { return w.ackedAfter(b.name, killed) >= 5 }) {
		t.Errorf("b's writes stopped with a: %d acknowledged since", w.ackedAfter(b.name, killed))
	}
	w.stopAndWait()
	t.Logf("writes: %+v", w.summary())
	w.mustBeClean(t, a.name)

	a.start(t, p.url)
	curWaitSearch(t, a.url)
	w.mustHold(t, p.servers[:])

	// Two writers at one expected version, one on each server, at once:
	// one is acknowledged, the other is CONFLICT.
	v, _ := entityNote(t, a.url, "chongqing")
	replies := make([]*curReply, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, n := range p.servers {
		wg.Go(func() {
			replies[i], errs[i] = curPost(n.url, p.secret, clusterUpdate, map[string]any{"in": map[string]any{"id": "chongqing", "expectedVersion": v, "note": "race on " + n.name}})
		})
	}
	wg.Wait()
	var won []string
	for i, r := range replies {
		switch {
		case errs[i] != nil:
			t.Fatal(errs[i])
		case r.ok():
			won = append(won, p.servers[i].name)
		case r.code() != "CONFLICT":
			t.Errorf("a writer at a stale version on %s: %s, want CONFLICT", p.servers[i].name, r.raw)
		}
	}
	if len(won) != 1 {
		t.Fatalf("writers at one expected version on both servers: %v acknowledged, want one", won)
	}
	// The version each server read before the race is stale on both.
	for _, n := range p.servers {
		r, err := curPost(n.url, p.secret, clusterUpdate, map[string]any{"in": map[string]any{"id": "chongqing", "expectedVersion": v, "note": "stale"}})
		if err != nil {
			t.Fatal(err)
		}
		if r.code() != "CONFLICT" {
			t.Errorf("a stale expectedVersion on %s after the race: %s, want CONFLICT", n.name, r.raw)
		}
	}
	loser := b
	if won[0] == b.name {
		loser = a
	}
	clusterSees(t, loser, "chongqing", v+1, "race on "+won[0])
}

// clusterHeard is what a subscriber to entityChanged heard: the notes of
// the entities the changes wrote.
type clusterHeard struct {
	mu    sync.Mutex
	notes map[string]bool
}

// listen subscribes to the changes of keys on n (an event stream) and
// records them until the test ends.
func listen(t *testing.T, n *clusterNode, secret string, keys []string) *clusterHeard {
	t.Helper()
	quoted, _ := json.Marshal(keys)
	events := clusterEvents(t, n.url, secret, fmt.Sprintf(`subscription { entityChanged(keys: %s) { entityKey after } }`, quoted))
	h := &clusterHeard{notes: map[string]bool{}}
	go func() {
		for l := range events {
			var ev struct {
				Data struct {
					EntityChanged struct{ After *string }
				}
			}
			data, ok := strings.CutPrefix(l, "data: ")
			if !ok || json.Unmarshal([]byte(data), &ev) != nil || ev.Data.EntityChanged.After == nil {
				continue
			}
			var e struct{ Note string }
			if json.Unmarshal([]byte(*ev.Data.EntityChanged.After), &e) == nil {
				h.mu.Lock()
				h.notes[e.Note] = true
				h.mu.Unlock()
			}
		}
	}()
	return h
}

// notHeard returns the writes acknowledged on server that h did not hear of.
func (w *burst) notHeard(server string, h *clusterHeard) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	var missing []string
	for note, wr := range w.acked {
		if wr.server == server && !h.notes[note] {
			missing = append(missing, note)
		}
	}
	return missing
}

// writeAndSee writes note on key through from, and waits (a second at
// most) for to to read it.
func (p *clusterPair) writeAndSee(t *testing.T, from, to *clusterNode, key, note string) {
	t.Helper()
	v, _ := entityNote(t, from.url, key)
	curMust(t, from.url, p.secret, clusterUpdate, map[string]any{"in": map[string]any{"id": key, "expectedVersion": v, "note": note}}, nil)
	clusterSees(t, to, key, v+1, note)
}

// clusterSees fails the test unless n reads key at version with note
// within a second.
func clusterSees(tb testing.TB, n *clusterNode, key string, version int, note string) {
	tb.Helper()
	var gotV int
	var gotNote string
	if !clusterPoll(time.Second, func() bool {
		gotV, gotNote = entityNote(tb, n.url, key)
		return gotV == version && gotNote == note
	}) {
		tb.Errorf("%s reads %s at version %d with note %q, want %d and %q, a second after the write", n.name, key, gotV, gotNote, version, note)
	}
}

// clusterPoll calls cond until it holds or within has passed, and
// reports whether it held.
func clusterPoll(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The burst: writers, each updating the note of one entity through one
// server, again and again, each at the version its last acknowledged
// write left.

// burst records every write of the writers and its answer.
type burst struct {
	goroutines

	mu         sync.Mutex
	acked      map[string]burstWrite // by note
	refused    map[string]burstWrite // UNAVAILABLE
	unanswered map[string]burstWrite // no answer: the server went away, or the client gave up
	wrong      []string              // answers that break the rules
	slowest    time.Duration         // of the answered writes
}

// burstWrite is one write of a burst.
type burstWrite struct {
	server, key string
	version     int    // the version it wrote, when acknowledged
	refusal     string // why it was refused, when it was
	began       time.Time
	took        time.Duration // to be refused
}

// startBurst starts one writer per key, on the server keys lists it
// under; the notes they write begin with label.
func (p *clusterPair) startBurst(t *testing.T, label string, keys map[*clusterNode][]string) *burst {
	t.Helper()
	w := &burst{goroutines: newGoroutines(), acked: map[string]burstWrite{}, refused: map[string]burstWrite{}, unanswered: map[string]burstWrite{}}
	for n, ks := range keys {
		for _, key := range ks {
			v, _ := entityNote(t, n.url, key)
			w.wg.Go(func() { w.write(p.secret, label, n.name, n.url, key, v) })
		}
	}
	t.Cleanup(w.stopAndWait)
	return w
}

func (w *burst) write(secret, label, server, base, key string, v int) {
	for i := 0; ; i++ {
		select {
		case <-w.stop:
			return
		default:
		}
		note := fmt.Sprintf("%s: %s on %s, write %d", label, key, server, i)
		wr := burstWrite{server: server, key: key, began: time.Now()}
		r, err := curPostWith(clusterWriteClient, base, secret, clusterUpdate, map[string]any{"in": map[string]any{"id": key, "expectedVersion": v, "note": note}})
		took := time.Since(wr.began)
		w.mu.Lock()
		if err == nil {
			w.slowest = max(w.slowest, took)
		}
		switch {
		case err != nil:
			w.unanswered[note] = wr
			w.mu.Unlock()
			return // its outcome is unknown: the writer's version too
		case r.ok():
			var out struct {
				UpdateEntity struct{ Entity struct{ Version int } }
			}
			if json.Unmarshal(r.Data, &out) != nil || out.UpdateEntity.Entity.Version != v+1 {
				w.wrong = append(w.wrong, fmt.Sprintf("%s: acknowledged at version %s, want %d", note, r.Data, v+1))
			}
			wr.version = v + 1
			w.acked[note] = wr
			v++
		case r.code() == "UNAVAILABLE":
			wr.refusal, wr.took = r.Errors[0].Message, took
			w.refused[note] = wr
		default:
			// CONFLICT would say that a write refused before was applied.
			w.wrong = append(w.wrong, fmt.Sprintf("%s at expected version %d: %s", note, v, r.raw))
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		if r.code() == "UNAVAILABLE" {
			time.Sleep(20 * time.Millisecond) // not a spin while the cluster elects
		}
	}
}

// goroutines run until told to stop.
type goroutines struct {
	stop chan struct{}
	wg   sync.WaitGroup
}

func newGoroutines() goroutines { return goroutines{stop: make(chan struct{})} }

// stopAndWait tells them to stop, once, and waits until they have.
func (g *goroutines) stopAndWait() {
	select {
	case <-g.stop:
	default:
		close(g.stop)
	}
	g.wg.Wait()
}

// waitAcked waits, up to within, until cond holds of the acknowledged
// writes per server.
func (w *burst) waitAcked(within time.Duration, cond func(perServer map[string]int) bool) bool {
	return clusterPoll(within, func() bool {
		w.mu.Lock()
		n := map[string]int{}
		for _, wr := range w.acked {
			n[wr.server]++
		}
		w.mu.Unlock()
		return cond(n)
	})
}

// ackedAfter counts the acknowledged writes on server begun after t.
func (w *burst) ackedAfter(server string, t time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, wr := range w.acked {
		if wr.server == server && wr.began.After(t) {
			n++
		}
	}
	return n
}

// burstSummary counts what became of a burst's writes.
type burstSummary struct {
	Acked, Refused, Unanswered, Wrong int
	Slowest                           time.Duration
}

func (w *burst) summary() burstSummary {
	w.mu.Lock()
	defer w.mu.Unlock()
	return burstSummary{len(w.acked), len(w.refused), len(w.unanswered), len(w.wrong), w.slowest.Round(time.Millisecond)}
}

// mustBeClean fails the test for answers that break the rules, and for
// writes not answered, but those of the server killed (if any) under way
// when it was.
func (w *burst) mustBeClean(t *testing.T, killed string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.wrong {
		t.Error(s)
	}
	for note, wr := range w.unanswered {
		if wr.server != killed {
			t.Errorf("write %q on %s not answered within %s", note, wr.server, clusterWriteClient.Timeout)
		}
	}
}

// mustHold reads, through each server, the history of every entity the
// burst wrote: every acknowledged write is there, at the version it was
// acknowledged at; no refused write is, but one whose answer said its
// outcome was unknown; every change is whole (the
// entity's versions follow one another, and the entity is its last
// change). A server may take a second to show the other's last writes.
func (w *burst) mustHold(t *testing.T, servers []*clusterNode) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	byKey := map[string][]string{}
	for note, wr := range w.acked {
		byKey[wr.key] = append(byKey[wr.key], note)
	}
	for _, n := range servers {
		for key, notes := range byKey {
			var h clusterHistory
			clusterPoll(time.Second, func() bool {
				h = readHistory(t, n.url, key)
				return !slices.ContainsFunc(notes, func(note string) bool { _, ok := h.versions[note]; return !ok })
			})
			for _, note := range notes {
				got, ok := h.versions[note]
				switch {
				case !ok:
					t.Errorf("acknowledged write %q is not on %s", note, n.name)
				case got != w.acked[note].version:
					t.Errorf("acknowledged write %q is version %d on %s, acknowledged as %d", note, got, n.name, w.acked[note].version)
				}
			}
			for note, wr := range w.refused {
				if _, ok := h.versions[note]; ok && !strings.Contains(wr.refusal, clusterOutcomeUnknown) {
					t.Errorf("write %q, refused with UNAVAILABLE (%s), is on %s", note, wr.refusal, n.name)
				}
			}
			for _, p := range h.problems {
				t.Errorf("%s on %s: %s", key, n.name, p)
			}
		}
	}
}

// clusterHistory is an entity's history as a server shows it.
type clusterHistory struct {
	versions map[string]int // note → the version its change wrote
	problems []string       // changes that are not whole
}

// readHistory reads every change of the entity key through the server at
// base, and checks that its own changes (not those of its relations and
// facts) are whole: versions one after another, the entity as its last
// change left it. The entity was never deleted.
func readHistory(tb testing.TB, base, key string) clusterHistory {
	tb.Helper()
	h := clusterHistory{versions: map[string]int{}}
	var after *string
	next := 0 // the version the next (older) change must have written
	for {
		var out struct {
			Entity struct {
				Version int
				Note    *string
				History struct {
					PageInfo struct {
						HasNextPage bool
						EndCursor   *string
					}
					Nodes []struct {
						Operation string
						After     *string
					}
				}
			}
		}
		curMust(tb, base, "", `query($k: String, $after: String) { entity(key: $k) { version note
		  history(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { operation after } } } }`,
			map[string]any{"k": key, "after": after}, &out)
		e := out.Entity
		if after == nil {
			next = e.Version
		}
		for _, ch := range e.History.Nodes {
			if ch.Operation != "createEntity" && ch.Operation != "updateEntity" {
				continue // a change of one of its relations or facts
			}
			if ch.After == nil {
				h.problems = append(h.problems, fmt.Sprintf("a %s without the entity after it", ch.Operation))
				continue
			}
			var rec struct {
				Version int
				Note    string
			}
			if err := json.Unmarshal([]byte(*ch.After), &rec); err != nil {
				tb.Fatalf("the history of %s: %v: %s", key, err, *ch.After)
			}
			if next == e.Version && (e.Note == nil || *e.Note != rec.Note) {
				h.problems = append(h.problems, fmt.Sprintf("the entity's note is %v, its last change wrote %q", e.Note, rec.Note))
			}
			if rec.Version != next {
				h.problems = append(h.problems, fmt.Sprintf("a change wrote version %d, want %d (the next after it wrote %d)", rec.Version, next, next+1))
			}
			next = rec.Version - 1
			h.versions[rec.Note] = rec.Version
		}
		if !e.History.PageInfo.HasNextPage {
			return h
		}
		after = e.History.PageInfo.EndCursor
	}
}

// The readers: one per server, reading the entities the burst writes
// through it, again and again.

type readers struct {
	goroutines
	mu  sync.Mutex
	per map[string]*readStats
}

// readStats is what the reads of one server came to.
type readStats struct {
	answered []readSpan // when each answered read began and ended
	failed   []string
	slowest  time.Duration
}

type readSpan struct{ began, ended time.Time }

// answeredWithin counts the reads begun and answered between from and to.
func (s readStats) answeredWithin(from, to time.Time) int {
	n := 0
	for _, r := range s.answered {
		if !r.began.Before(from) && !r.ended.After(to) {
			n++
		}
	}
	return n
}

func startReaders(t *testing.T, keys map[*clusterNode][]string, secret string) *readers {
	rd := &readers{goroutines: newGoroutines(), per: map[string]*readStats{}}
	for n, ks := range keys {
		st := &readStats{}
		rd.per[n.name] = st
		rd.wg.Go(func() { rd.read(st, n.url, "", ks) })
		tst := &readStats{}
		rd.per[n.name+" with a token"] = tst
		rd.wg.Go(func() { rd.read(tst, n.url, secret, ks) })
	}
	t.Cleanup(rd.stopAndWait)
	return rd
}

func (rd *readers) read(st *readStats, base, secret string, keys []string) {
	last := map[string]int{} // the last version read of each key: it never goes back
	for i := 0; ; i++ {
		select {
		case <-rd.stop:
			return
		default:
		}
		key := keys[i%len(keys)]
		began := time.Now()
		r, err := curPost(base, secret, `query($k: String) { entity(key: $k) { version note } }`, map[string]any{"k": key})
		ended := time.Now()
		var out struct{ Entity struct{ Version int } }
		rd.mu.Lock()
		switch {
		case err != nil:
			st.failed = append(st.failed, err.Error())
		case !r.ok() || json.Unmarshal(r.Data, &out) != nil:
			st.failed = append(st.failed, string(r.raw))
		case out.Entity.Version < last[key]:
			st.failed = append(st.failed, fmt.Sprintf("%s read at version %d after version %d", key, out.Entity.Version, last[key]))
		default:
			last[key] = out.Entity.Version
			st.answered = append(st.answered, readSpan{began, ended})
			st.slowest = max(st.slowest, ended.Sub(began))
		}
		rd.mu.Unlock()
		time.Sleep(2 * time.Millisecond) // leaves the servers time for the writes
	}
}

func (rd *readers) of(server string) readStats {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	return *rd.per[server]
}

// replyRaw is a reply's body, or nothing.
func replyRaw(r *curReply) string {
	if r == nil {
		return ""
	}
	return string(r.raw)
}

// grepLines returns the lines of s that hold word.
func grepLines(s, word string) string {
	var out []string
	for l := range strings.Lines(s) {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}
