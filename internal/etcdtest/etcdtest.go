// Package etcdtest runs etcd inside a test's process, one member or a
// cluster of several on 127.0.0.1, with go.etcd.io/etcd/server/v3/embed:
// tests of the etcd engine need no etcd binary. A member starts in well
// under a second; three form a cluster in a few.
package etcdtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Cluster is a set of embedded etcd members that form one cluster.
type Cluster struct {
	dir     string
	initial string // the initial-cluster setting: name=peerURL,...
	Members []*Member
}

// Member is one embedded etcd member.
type Member struct {
	Name      string
	ClientURL string // http://127.0.0.1:PORT: the member's proxy
	// listenURL is where the member itself listens for clients, behind
	// its proxy.
	listenURL string
	proxy     *proxy
	peerURL   string
	dir       string
	opts      Options
	mu        sync.Mutex
	etcd      *embed.Etcd // nil while stopped
	// closed is closed when a member Kill stopped has closed its
	// connections and files, so that it can start again.
	closed chan struct{}
}

// Options tune New.
type Options struct {
	// NoFsync skips etcd's fsyncs: for tests that never stop a member.
	NoFsync bool
	// MaxTxnOps and MaxRequestBytes raise the cluster's limits on one
	// transaction (zero: etcd's defaults, 128 and 1.5 MiB).
	MaxTxnOps       uint
	MaxRequestBytes uint
	// ElectionMs is the members' election timeout (zero: 500, so that a
	// cluster that loses its leader elects another within a second or
	// two). etcd gives up on a request after 5s and twice this: a member
	// that takes transactions of many megabytes on a busy machine needs
	// more.
	ElectionMs uint
}

// New starts a cluster of n members with their data under dir, and
// returns once it has a leader.
func New(n int, dir string, opts Options) (*Cluster, error) {
	c := &Cluster{dir: dir}
	var peers []string
	for i := range n {
		ports, err := freePorts(3)
		if err != nil {
			return nil, err
		}
		m := &Member{Name: fmt.Sprintf("m%d", i), ClientURL: "http://" + ports[0], listenURL: "http://" + ports[1], peerURL: "http://" + ports[2],
			dir: filepath.Join(dir, fmt.Sprintf("m%d", i)), opts: opts}
		c.Members = append(c.Members, m)
		peers = append(peers, m.Name+"="+m.peerURL)
	}
	c.initial = strings.Join(peers, ",")
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, m := range c.Members {
		wg.Go(func() { errs[i] = m.start(c.initial, embed.ClusterStateFlagNew) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// freePorts returns n free ports on 127.0.0.1 as host:port, chosen
// below Linux's ephemeral range (32768 and up): a port the kernel hands
// out for ":0" may be taken by another process's outgoing connection
// between this check and the member's listen, one below it only by
// another listener. The range, 13000 to 19999, also leaves out the
// fixed ports of docs/cluster.md's walk-through (x2379, x2380, 808x),
// which a test runs.
func freePorts(n int) ([]string, error) {
	var addrs []string
	for try := 0; len(addrs) < n; try++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 13000+rand.IntN(7000)))
		if err != nil {
			if try > 1000 {
				return nil, err
			}
			continue // taken: another
		}
		addrs = append(addrs, l.Addr().String())
		defer l.Close()
	}
	return addrs, nil
}

func (m *Member) start(initial, state string) error {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed != nil {
		<-closed
	}
	cfg := embed.NewConfig()
	cfg.Name = m.Name
	cfg.Dir = m.dir
	cu, _ := url.Parse(m.ClientURL)
	lu, _ := url.Parse(m.listenURL)
	pu, _ := url.Parse(m.peerURL)
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*lu}, []url.URL{*cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
	cfg.InitialCluster = initial
	cfg.InitialClusterToken = "tupu-test"
	cfg.ClusterState = state
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	// Elections in about a second when a leader stops, not ten.
	cfg.TickMs = 50
	cfg.ElectionMs = 500
	if m.opts.ElectionMs > 0 {
		cfg.ElectionMs = m.opts.ElectionMs
	}
	cfg.UnsafeNoFsync = m.opts.NoFsync
	if m.opts.MaxTxnOps > 0 {
		cfg.MaxTxnOps = m.opts.MaxTxnOps
	}
	if m.opts.MaxRequestBytes > 0 {
		cfg.MaxRequestBytes = m.opts.MaxRequestBytes
	}
	px, err := startProxy(cu.Host, lu.Host)
	if err != nil {
		return fmt.Errorf("etcd member %s: %w", m.Name, err)
	}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		px.cut()
		return fmt.Errorf("start etcd member %s: %w", m.Name, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		px.cut()
		return fmt.Errorf("etcd member %s: %w", m.Name, err)
	case <-time.After(60 * time.Second):
		e.Close()
		px.cut()
		return fmt.Errorf("etcd member %s is not ready after 60s", m.Name)
	}
	m.mu.Lock()
	m.etcd, m.proxy = e, px
	m.mu.Unlock()
	return nil
}

// Endpoints returns the members' client addresses, host:port.
func (c *Cluster) Endpoints() []string {
	var eps []string
	for _, m := range c.Members {
		eps = append(eps, strings.TrimPrefix(m.ClientURL, "http://"))
	}
	return eps
}

// URL returns tupu's store URL for the cluster with prefix and settings
// (query, without "?"; may be empty).
func (c *Cluster) URL(prefix, settings string) string {
	u := "etcd://" + strings.Join(c.Endpoints(), ",") + "/" + strings.Trim(prefix, "/")
	if settings != "" {
		u += "?" + settings
	}
	return u
}

// Leader returns the index of the member that leads, or -1.
func (c *Cluster) Leader() int {
	for i, m := range c.Members {
		m.mu.Lock()
		e := m.etcd
		m.mu.Unlock()
		if e != nil && e.Server.Leader() == e.Server.MemberID() {
			return i
		}
	}
	return -1
}

// WaitLeader waits until a member leads and returns it.
func (c *Cluster) WaitLeader(ctx context.Context) (int, error) {
	for {
		if i := c.Leader(); i >= 0 {
			return i, nil
		}
		select {
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop stops member i as a member shut down does: it finishes the
// requests under way and, when it leads, hands its leadership to another
// member first.
func (c *Cluster) Stop(i int) {
	m := c.Members[i]
	m.mu.Lock()
	e, px, closed := m.etcd, m.proxy, m.closed
	m.etcd, m.proxy = nil, nil
	m.mu.Unlock()
	if e != nil {
		e.Close()
		px.cut()
	}
	if closed != nil {
		<-closed
	}
}

// Kill stops member i as a crash does: its clients' connections are cut
// (reset), and its Raft stops at once, without a word to the others, so a
// leader's followers find out only when its heartbeats stop coming, and
// elect a leader among themselves after the election timeout. (Stop would
// finish the requests under way first, the watches too, for up to etcd's
// request timeout, and hand the leadership over, leading meanwhile.) Its
// files close in the background; Restart waits for that.
func (c *Cluster) Kill(i int) {
	m := c.Members[i]
	m.mu.Lock()
	e, px := m.etcd, m.proxy
	m.etcd, m.proxy = nil, nil
	if e != nil {
		px.cut()
		e.Server.HardStop()
		closed := make(chan struct{})
		m.closed = closed
		go func() {
			defer close(closed)
			e.Close()
		}()
	}
	m.mu.Unlock()
}

// Restart starts member i again, with the data it had.
func (c *Cluster) Restart(i int) error {
	return c.Members[i].start(c.initial, embed.ClusterStateFlagExisting)
}

// WaitWhole waits until every member runs, all of them follow one leader,
// and all hold the same keys and values, history included, at the
// cluster's latest revision (etcd's HashKV of each member): a member
// that was stopped has caught up with what the others committed without
// it.
func (c *Cluster) WaitWhole(ctx context.Context) error {
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return err
	}
	defer cli.Close()
	for {
		err := c.whole(ctx, cli)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the cluster is not whole: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// whole says why the cluster is not whole, or nil when it is.
func (c *Cluster) whole(ctx context.Context, cli *clientv3.Client) error {
	for _, m := range c.Members {
		m.mu.Lock()
		running := m.etcd != nil
		m.mu.Unlock()
		if !running {
			return fmt.Errorf("member %s is stopped", m.Name)
		}
	}
	// The latest revision, read through the leader (a linearizable read).
	resp, err := cli.Get(ctx, "\x00", clientv3.WithCountOnly())
	if err != nil {
		return err
	}
	rev := resp.Header.Revision
	var (
		leader uint64
		hash   uint32
	)
	for i, m := range c.Members {
		ep := strings.TrimPrefix(m.ClientURL, "http://")
		st, err := cli.Status(ctx, ep)
		if err != nil {
			return fmt.Errorf("member %s: %w", m.Name, err)
		}
		h, err := cli.HashKV(ctx, ep, rev)
		if err != nil {
			return fmt.Errorf("member %s at revision %d: %w", m.Name, rev, err)
		}
		if i == 0 {
			leader, hash = st.Leader, h.Hash
			continue
		}
		if st.Leader != leader {
			return fmt.Errorf("member %s follows leader %x, member %s %x", m.Name, st.Leader, c.Members[0].Name, leader)
		}
		if h.Hash != hash {
			return fmt.Errorf("member %s holds other keys or values at revision %d than member %s", m.Name, rev, c.Members[0].Name)
		}
	}
	if leader == 0 {
		return errors.New("no leader")
	}
	return nil
}

// Close stops every member and removes their data.
func (c *Cluster) Close() {
	for i := range c.Members {
		c.Stop(i)
	}
	os.RemoveAll(c.dir)
}

// The shared member: one per test process, started at first use.
var shared struct {
	once sync.Once
	c    *Cluster
	err  error
}

// The limits of the shared member: large, so that tests write graphs of
// any size in one commit.
const (
	SharedMaxTxnOps       = 1 << 20
	SharedMaxRequestBytes = 64 << 20
)

// Shared returns a one-member cluster shared by the tests of a process,
// started at the first call (without fsyncs, with SharedMaxTxnOps and
// SharedMaxRequestBytes, and a long election timeout, which a member
// alone never needs, so that its request timeout is long). CloseShared
// stops it; call it from TestMain after the tests.
func Shared() (*Cluster, error) {
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "tupu-etcd-")
		if err != nil {
			shared.err = err
			return
		}
		shared.c, shared.err = New(1, dir, Options{NoFsync: true, MaxTxnOps: SharedMaxTxnOps, MaxRequestBytes: SharedMaxRequestBytes, ElectionMs: 2500})
	})
	return shared.c, shared.err
}

// CloseShared stops the shared member, if one started.
func CloseShared() {
	if shared.c != nil {
		shared.c.Close()
	}
}

// prefixes numbers the prefixes Prefix hands out.
var prefixes struct {
	sync.Mutex
	n int
}

// Prefix returns a key prefix no other caller in this process gets: a
// graph of its own on a shared cluster.
func Prefix(name string) string {
	prefixes.Lock()
	defer prefixes.Unlock()
	prefixes.n++
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
	return fmt.Sprintf("t%d-%s", prefixes.n, name)
}

// proxy forwards the connections of a member's clients to it, so that
// Kill can cut them at once, as a crashed process's are cut.
type proxy struct {
	ln    net.Listener
	to    string
	mu    sync.Mutex
	conns map[net.Conn]bool // nil once cut
}

// startProxy listens at addr and forwards every connection to to.
func startProxy(addr, to string) (*proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, to: to, conns: map[net.Conn]bool{}}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
	return p, nil
}

func (p *proxy) forward(c net.Conn) {
	m, err := net.Dial("tcp", p.to)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.conns == nil {
		p.mu.Unlock()
		c.Close()
		m.Close()
		return
	}
	p.conns[c], p.conns[m] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(m, c); done <- struct{}{} }()
	go func() { io.Copy(c, m); done <- struct{}{} }()
	<-done // either side closed: so does the other
	p.mu.Lock()
	if p.conns != nil {
		delete(p.conns, c)
		delete(p.conns, m)
	}
	p.mu.Unlock()
	c.Close()
	m.Close()
}

// cut stops listening and resets every connection.
func (p *proxy) cut() {
	if p == nil {
		return
	}
	p.ln.Close()
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	for c := range conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
	}
}
