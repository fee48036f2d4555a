package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"tupu"
)

// etcdEngine keeps the buckets in an etcd cluster, under a prefix (see
// etcdKey), and reads them from a mirror: a bbolt file on this machine
// holding the same buckets, filled from the cluster at open and kept up
// to date by etcd's watch. Every read (a response's snapshot) is a read
// transaction of the mirror, so it sees one revision of the cluster and
// costs what a read of a bbolt store costs; no read waits on the network.
//
// A write runs on a snapshot of the mirror with its writes laid over it
// (overlay), then commits them as one etcd transaction that holds only
// if no commit came after the revision the snapshot shows: every commit
// writes the engine's commit key, and the transaction compares that key's
// mod revision. When the comparison fails, the write waits until the
// mirror has the commit that came first and runs again, so a version
// checked in it (expectedVersion) is checked against the latest graph on
// every server. It returns once the mirror holds its own commit, so the
// process that wrote reads its write. The watch hands every commit, this
// process's or another's, to the store in revision order.
type etcdEngine struct {
	cfg     *etcdConfig
	cli     *clientv3.Client
	deliver func(commit)

	mirror    *bolt.DB
	mirrorDir string // removed at close, when the engine made it

	rev  atomic.Int64 // the revision the mirror holds
	mu   sync.Mutex
	cond *sync.Cond // broadcast when rev moves or the watch fails
	// failed is why the mirror stopped following the cluster, if it did.
	failed error
	// ids are the commit ids the mirror has seen, with their revisions,
	// so that a commit whose outcome the network hid can be found.
	ids    map[string]int64
	idRing []string
	idNext int

	stop context.CancelFunc
	done chan struct{}

	// unannounce removes the key that says a server runs (see Announce).
	unannounce func()

	// latest is the cluster's revision as of a call (catchUp).
	latest latestRevision
}

// mirrorBucket is the mirror's own bbolt bucket (beside the layout's):
// the revision it holds.
var (
	mirrorBucket = []byte("_mirror")
	keyMirrorRev = []byte("rev")
)

// commitTimeout bounds one write that no request bounds sooner (the
// API's writes end with their request, --timeout): its attempts, and the
// wait for a new leader when the cluster is electing one.
const commitTimeout = 30 * time.Second

// openEtcd connects to the cluster at loc and fills a new mirror; run
// starts following the cluster.
func openEtcd(loc string, opts Options, deliver func(commit)) (*etcdEngine, error) {
	cfg, err := parseEtcdURL(loc, opts.Getenv)
	if err != nil {
		return nil, err
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.endpoints,
		DialTimeout: cfg.dialTimeout,
		Username:    cfg.username,
		Password:    cfg.password,
		TLS:         cfg.tls,
		Logger:      zap.NewNop(),
		// A commit as large as the cluster takes, and a mirror's first
		// read of any size.
		MaxCallSendMsgSize: cfg.maxRequestBytes + 64<<10,
	})
	if err != nil {
		return nil, tupu.Errorf(tupu.Unavailable, "cluster %s: %v", cfg.location(), err)
	}
	e := &etcdEngine{cfg: cfg, cli: cli, deliver: deliver, ids: map[string]int64{}, idRing: make([]string, 4096), done: make(chan struct{})}
	e.cond = sync.NewCond(&e.mu)
	e.latest.read = e.readRevision
	if err := e.openMirror(opts.MirrorDir); err != nil {
		cli.Close()
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), max(cfg.dialTimeout, 5*time.Second)+time.Minute)
	defer cancel()
	rev, err := e.fillMirror(ctx)
	if err != nil {
		e.closeMirror()
		cli.Close()
		return nil, e.unavailable(err)
	}
	e.rev.Store(rev)
	return e, nil
}

// run starts following the cluster, handing commits to deliver from now
// on, and waits while another process loads a graph into it.
func (e *etcdEngine) run() error {
	followCtx, stop := context.WithCancel(context.Background())
	e.stop = stop
	go e.follow(followCtx)
	return e.awaitLoad()
}

// awaitLoad waits while another process loads a graph into the cluster,
// for up to ten minutes (a large graph's load).
func (e *etcdEngine) awaitLoad() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	return e.waitLoaded(ctx)
}

func (e *etcdEngine) location() string { return e.cfg.location() }

func (e *etcdEngine) close() error {
	if e.unannounce != nil {
		e.unannounce()
	}
	if e.stop != nil {
		e.stop()
		<-e.done
	}
	e.mu.Lock()
	if e.failed == nil {
		e.failed = errors.New("the store is closed")
	}
	e.cond.Broadcast()
	e.mu.Unlock()
	err := e.cli.Close()
	if cerr := e.closeMirror(); err == nil {
		err = cerr
	}
	return err
}

// unavailable is err for clients: the cluster's trouble as UNAVAILABLE.
func (e *etcdEngine) unavailable(err error) error {
	if err == nil || tupu.ErrorCode(err) != tupu.Internal {
		return err
	}
	return errors.Join(tupu.Errorf(tupu.Unavailable, "the cluster %s does not answer: try again shortly", e.cfg.location()), err)
}

// The mirror.

func (e *etcdEngine) openMirror(defaultDir string) error {
	dir := cmp.Or(e.cfg.mirror, defaultDir)
	if dir == "" {
		d, err := os.MkdirTemp("", "tupu-mirror-")
		if err != nil {
			return err
		}
		dir, e.mirrorDir = d, d
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(dir, "mirror.db")
	// A mirror is read afresh at every open: what a file left behind holds
	// may be far behind the cluster, or from another cluster, or damaged
	// by a crash of the machine (a mirror is written without syncs). But
	// not one another process is using.
	opts := &bolt.Options{Timeout: time.Second, NoSync: true, NoFreelistSync: true, InitialMmapSize: 1 << 30}
	if _, err := os.Stat(path); err == nil {
		old, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, ReadOnly: true})
		if errors.Is(err, bolterrors.ErrTimeout) {
			return tupu.Errorf(tupu.Unavailable, "the mirror %s is in use by another process (gave up after %s): two servers over one cluster on one machine need two --db directories, or mirror= in the store URL", path, opts.Timeout)
		}
		if err == nil {
			old.Close()
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	db, err := bolt.Open(path, 0o600, opts)
	if err != nil {
		return fmt.Errorf("open the mirror %s: %w", path, err)
	}
	e.mirror = db
	return db.Update(func(tx *bolt.Tx) error {
		if err := createBuckets(tx); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(mirrorBucket)
		return err
	})
}

func (e *etcdEngine) closeMirror() error {
	err := e.mirror.Close()
	if e.mirrorDir != "" {
		os.RemoveAll(e.mirrorDir)
	}
	return err
}

// mirrorPage is how many keys one request of the mirror's first read
// asks for.
const mirrorPage = 2000

// fillMirror reads every key under the prefix at one revision into the
// mirror, which it empties first, and returns the revision.
func (e *etcdEngine) fillMirror(ctx context.Context) (int64, error) {
	prefix := e.cfg.prefix
	end := clientv3.GetPrefixRangeEnd(prefix)
	var rev int64
	from := prefix
	first := true
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(mirrorPage)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := e.cli.Get(ctx, from, opts...)
		if err != nil {
			return 0, err
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		err = e.mirror.Update(func(tx *bolt.Tx) error {
			if first {
				for _, b := range allBuckets {
					if err := (&boltTx{tx: tx}).clear(b); err != nil {
						return err
					}
				}
				first = false
			}
			t := &boltTx{tx: tx}
			for _, kv := range resp.Kvs {
				b, k, ok := decodeEtcdKey(prefix, kv.Key)
				if !ok {
					continue
				}
				bk := t.bucket(b)
				bk.FillPercent = 1 // keys come in order
				if err := bk.Put(k, mirrored(b, k, kv)); err != nil {
					return err
				}
			}
			return tx.Bucket(mirrorBucket).Put(keyMirrorRev, u64(uint64(rev)))
		})
		if err != nil {
			return 0, err
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return rev, nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// mirrored returns what the mirror keeps for the cluster's key kv, key k
// of bucket b: its value, but for the graph version, which is the
// revision of the commit that last wrote it (its mod revision), so that
// `etcdctl get --rev=N` reads the graph at version N. (Every commit that
// changes the graph writes meta "graph", so its mod revision moves with
// the graph's commits alone: not with a token's, nor with those of other
// prefixes.)
func mirrored(b bucket, k []byte, kv *mvccpb.KeyValue) []byte {
	if b == bucketMeta && string(k) == string(keyGraphVersion) {
		return u64(uint64(kv.ModRevision))
	}
	return kv.Value
}

// follow applies the cluster's changes to the mirror until ctx ends.
func (e *etcdEngine) follow(ctx context.Context) {
	defer close(e.done)
	for ctx.Err() == nil {
		wch := e.cli.Watch(clientv3.WithRequireLeader(ctx), e.cfg.prefix, clientv3.WithPrefix(), clientv3.WithRev(e.rev.Load()+1))
		for resp := range wch {
			if resp.CompactRevision != 0 {
				// The mirror fell behind what the cluster keeps: read it
				// all again, as a commit that touched everything.
				if err := e.refill(ctx); err != nil && ctx.Err() == nil {
					e.fail(err)
					return
				}
				break
			}
			if resp.Err() != nil {
				break // the watch starts again, from the mirror's revision
			}
			if resp.IsProgressNotify() {
				// Every change of the prefix up to this revision has come:
				// the mirror is current at it, though commits of other
				// prefixes (other graphs) made it.
				e.setRev(resp.Header.Revision)
				continue
			}
			if err := e.apply(resp.Events); err != nil {
				e.fail(err)
				return
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// refill reads the whole prefix into the mirror again, and hands the
// store a commit that says so.
func (e *etcdEngine) refill(ctx context.Context) error {
	rev, err := e.fillMirror(ctx)
	if err != nil {
		return err
	}
	e.deliver(commit{ops: []op{{bucket: bucketMeta, key: keySchemaVersion}}})
	e.setRev(rev)
	return nil
}

func (e *etcdEngine) fail(err error) {
	e.mu.Lock()
	e.failed = fmt.Errorf("the mirror of %s stopped following the cluster: %w", e.cfg.location(), err)
	e.cond.Broadcast()
	e.mu.Unlock()
}

// apply writes a watch response's events into the mirror, and hands the
// store each revision's as a commit.
func (e *etcdEngine) apply(events []*clientv3.Event) error {
	if len(events) == 0 {
		return nil
	}
	commitKey := etcdCommitKey(e.cfg.prefix)
	var (
		commits []commit
		revs    []int64
		ids     []string
	)
	err := e.mirror.Update(func(tx *bolt.Tx) error {
		t := &boltTx{tx: tx}
		for _, ev := range events {
			rev := ev.Kv.ModRevision
			if len(revs) == 0 || revs[len(revs)-1] != rev {
				revs = append(revs, rev)
				commits = append(commits, commit{})
				ids = append(ids, "")
			}
			if string(ev.Kv.Key) == commitKey {
				if ev.Type == clientv3.EventTypePut {
					ids[len(ids)-1] = string(ev.Kv.Value)
				}
				continue
			}
			b, k, ok := decodeEtcdKey(e.cfg.prefix, ev.Kv.Key)
			if !ok {
				continue
			}
			c := &commits[len(commits)-1]
			var err error
			if ev.Type == clientv3.EventTypePut {
				v := mirrored(b, k, ev.Kv)
				err = t.put(b, k, v)
				c.ops = append(c.ops, op{bucket: b, key: k, value: v})
			} else {
				err = t.delete(b, k)
				c.ops = append(c.ops, op{bucket: b, key: k, delete: true})
			}
			if err != nil {
				return err
			}
		}
		return tx.Bucket(mirrorBucket).Put(keyMirrorRev, u64(uint64(revs[len(revs)-1])))
	})
	if err != nil {
		return err
	}
	for _, c := range commits {
		if len(c.ops) > 0 {
			e.deliver(c)
		}
	}
	e.mu.Lock()
	for i, id := range ids {
		if id != "" {
			if old := e.idRing[e.idNext]; old != "" {
				delete(e.ids, old)
			}
			e.idRing[e.idNext], e.ids[id] = id, revs[i]
			e.idNext = (e.idNext + 1) % len(e.idRing)
		}
	}
	e.mu.Unlock()
	e.setRev(revs[len(revs)-1])
	return nil
}

func (e *etcdEngine) setRev(rev int64) {
	e.mu.Lock()
	if rev > e.rev.Load() {
		e.rev.Store(rev)
	}
	e.cond.Broadcast()
	e.mu.Unlock()
}

// waitRev waits until the mirror holds revision rev.
func (e *etcdEngine) waitRev(ctx context.Context, rev int64) error {
	if e.rev.Load() >= rev {
		return nil
	}
	// rev may be another prefix's commit, which this prefix's watch never
	// brings: ask the watch, now and then, for a progress notification,
	// which says how far it has come (see follow).
	askCtx, stopAsking := context.WithCancel(ctx)
	defer stopAsking()
	go e.askProgress(askCtx)
	stop := context.AfterFunc(ctx, func() {
		e.mu.Lock()
		e.cond.Broadcast()
		e.mu.Unlock()
	})
	defer stop()
	e.mu.Lock()
	defer e.mu.Unlock()
	for e.rev.Load() < rev {
		if e.failed != nil {
			return e.failed
		}
		if err := ctx.Err(); err != nil {
			return tupu.Errorf(tupu.Unavailable, "this server has not yet received every change the cluster %s made up to revision %d; try again shortly", e.cfg.location(), rev)
		}
		e.cond.Wait()
	}
	return nil
}

// askProgress asks the watch for a progress notification every few
// milliseconds until ctx ends; not at once, as the revision waited for is
// most often this prefix's and comes by itself.
func (e *etcdEngine) askProgress(ctx context.Context) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// The watch's stream is the one of the same metadata (follow's).
		e.cli.RequestProgress(clientv3.WithRequireLeader(ctx))
	}
}

// CatchUp waits until this server's mirror holds every commit the
// cluster made before the call: for reads that must not be even a little
// behind another server's writes (tokens).
func (e *etcdEngine) catchUp(ctx context.Context) error {
	rev, err := e.latest.get(ctx)
	if err != nil {
		return e.unavailable(err)
	}
	return e.waitRev(ctx, rev)
}

// readRevision sends one linearizable read, the smallest there is (a
// count of one key), and returns the cluster's revision it saw.
func (e *etcdEngine) readRevision(ctx context.Context) (int64, error) {
	resp, err := e.cli.Get(ctx, etcdCommitKey(e.cfg.prefix), clientv3.WithCountOnly())
	if err != nil {
		return 0, err
	}
	return resp.Header.Revision, nil
}

// waitLoaded waits while a load into the cluster (another process's)
// is under way.
func (e *etcdEngine) waitLoaded(ctx context.Context) error {
	for {
		loading := false
		err := e.mirror.View(func(tx *bolt.Tx) error {
			v, _ := (&boltTx{tx: tx}).get(bucketMeta, keySchemaVersion)
			loading = string(v) == string(loadingSchema)
			return nil
		})
		if err != nil || !loading {
			return err
		}
		rev := e.rev.Load()
		if err := e.waitRev(ctx, rev+1); err != nil {
			return fmt.Errorf("a load into the cluster %s has not finished: %w", e.cfg.location(), err)
		}
	}
}

// Reads.

// errGraphLoading is a read of a cluster another process is copying a
// graph into (see IsLoading).
var errGraphLoading = tupu.Errorf(tupu.Unavailable, "the graph is being loaded into the cluster; try again shortly")

// mirrorRead is a read transaction of the mirror, refused while a load
// into the cluster is under way.
func mirrorRead(tx *bolt.Tx) (*boltTx, int64, error) {
	t := &boltTx{tx: tx}
	if v, _ := t.get(bucketMeta, keySchemaVersion); string(v) == string(loadingSchema) {
		return nil, 0, errGraphLoading
	}
	return t, int64(readU64(tx.Bucket(mirrorBucket).Get(keyMirrorRev))), nil
}

func (e *etcdEngine) view(fn func(readTx) error) error {
	return e.mirror.View(func(tx *bolt.Tx) error {
		t, _, err := mirrorRead(tx)
		if err != nil {
			return err
		}
		return fn(t)
	})
}

func (e *etcdEngine) begin() (snapshot, error) {
	tx, err := e.mirror.Begin(false)
	if err != nil {
		return nil, err
	}
	t, _, err := mirrorRead(tx)
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	return &mirrorSnapshot{t: t}, nil
}

type mirrorSnapshot struct{ t *boltTx }

func (s *mirrorSnapshot) tx() readTx { return s.t }

func (s *mirrorSnapshot) end() { s.t.tx.Rollback() }

// Writes.

// update commits fn's writes as one etcd transaction whose compare holds
// only if nothing was committed since the snapshot fn ran on; when
// another commit came first, fn runs again on the graph it left. When ctx
// ends while a commit is under way, the commit's outcome may be unknown
// (the cluster took it, and has not said whether it made it); the answer
// says so, and never that nothing was written.
func (e *etcdEngine) update(ctx context.Context, fn func(writeTx) error) error {
	ctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	for {
		if err := ctx.Err(); err != nil {
			return err // no commit of this write is under way: none was made
		}
		var (
			rev  int64
			ops  []clientv3.Op
			size int
		)
		err := e.mirror.View(func(tx *bolt.Tx) error {
			t, r, err := mirrorRead(tx)
			if err != nil {
				return err
			}
			rev = r
			o := newOverlay(t)
			if err := fn(o); err != nil {
				return err
			}
			return o.writes(func(b bucket, en entry) error {
				k := etcdKey(e.cfg.prefix, b, en.key)
				size += len(k) + len(en.value) + 16
				if en.deleted {
					ops = append(ops, clientv3.OpDelete(k))
				} else {
					ops = append(ops, clientv3.OpPut(k, string(en.value)))
				}
				return nil
			})
		})
		if err != nil || len(ops) == 0 {
			return err
		}
		if err := e.fits(len(ops)+1, size); err != nil {
			return err
		}
		id := newCommitID()
		ops = append(ops, clientv3.OpPut(etcdCommitKey(e.cfg.prefix), id))
		resp, err := e.cli.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(etcdCommitKey(e.cfg.prefix)), "<", rev+1)).
			Then(ops...).Commit()
		switch {
		case err == nil && resp.Succeeded:
			return e.waitCommitted(ctx, resp.Header.Revision)
		case err == nil:
			// Another commit came after the snapshot: run again on the
			// graph it left.
			if err := e.waitRev(ctx, resp.Header.Revision); err != nil {
				return err
			}
		case definite(err):
			return e.refused(err, len(ops))
		default:
			// The commit may or may not have happened (a leader lost mid
			// request): the mirror tells, once it holds everything up to
			// now.
			at, rerr := e.resolve(ctx, id)
			if rerr != nil {
				// The cluster may still commit it, once it has a leader
				// again: the client must not take this for a refusal.
				return errors.Join(tupu.Errorf(tupu.Unavailable, "the cluster %s took this change, and has not said whether it was made (it lost its leader, or did not answer within the request's time): it may yet be, once the cluster has a leader again; read what it changes before making it again", e.cfg.location()), err, rerr)
			}
			if at > 0 {
				return e.waitCommitted(ctx, at)
			}
		}
	}
}

// waitCommitted waits until the commit at rev, this server's own, has
// reached its mirror, so that the writer reads its write. It waits past
// the end of ctx: the change is made, and an answer that said otherwise
// would be wrong.
func (e *etcdEngine) waitCommitted(ctx context.Context, rev int64) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	if err := e.waitRev(ctx, rev); err != nil {
		return errors.Join(tupu.Errorf(tupu.Unavailable, "the cluster %s made this change, but it has not reached this server yet; read again shortly", e.cfg.location()), err)
	}
	return nil
}

// fits returns COMPLEXITY_LIMIT for a commit of n operations and about
// size bytes that the cluster would refuse.
func (e *etcdEngine) fits(n, size int) error {
	if n > e.cfg.maxTxnOps {
		return tupu.Errorf(tupu.ComplexityLimit, "this change needs %d operations in one transaction, and the cluster takes %d (etcd's --max-txn-ops, and max-txn-ops in the store URL): make it in smaller steps (a cascade delete after removing the entity's relations a few at a time), or raise the limit on the cluster and in the URL", n, e.cfg.maxTxnOps)
	}
	if size > e.cfg.maxRequestBytes-4096 {
		return tupu.Errorf(tupu.ComplexityLimit, "this change is about %d bytes in one transaction, and the cluster takes %d (etcd's --max-request-bytes, and max-request-bytes in the store URL): make it in smaller steps, or raise the limit on the cluster and in the URL", size, e.cfg.maxRequestBytes)
	}
	return nil
}

// definite reports whether err says the cluster did not commit.
func definite(err error) bool {
	for _, d := range []error{rpctypes.ErrTooManyOps, rpctypes.ErrRequestTooLarge, rpctypes.ErrNoSpace,
		rpctypes.ErrPermissionDenied, rpctypes.ErrUserEmpty, rpctypes.ErrAuthFailed, rpctypes.ErrInvalidAuthToken,
		rpctypes.ErrDuplicateKey, rpctypes.ErrKeyNotFound, rpctypes.ErrCompacted, rpctypes.ErrFutureRev} {
		if errors.Is(err, d) || rpctypes.ErrorDesc(err) == rpctypes.ErrorDesc(d) {
			return true
		}
	}
	return false
}

// refused explains an error that says the cluster did not commit.
func (e *etcdEngine) refused(err error, n int) error {
	desc := rpctypes.ErrorDesc(err)
	switch desc {
	case rpctypes.ErrorDesc(rpctypes.ErrTooManyOps):
		return errors.Join(tupu.Errorf(tupu.ComplexityLimit, "this change needs %d operations in one transaction, more than the cluster takes (etcd's --max-txn-ops; set max-txn-ops in the store URL to the cluster's value)", n), err)
	case rpctypes.ErrorDesc(rpctypes.ErrRequestTooLarge):
		return errors.Join(tupu.Errorf(tupu.ComplexityLimit, "this change is larger than the cluster takes in one request (etcd's --max-request-bytes)"), err)
	case rpctypes.ErrorDesc(rpctypes.ErrNoSpace):
		return errors.Join(tupu.Errorf(tupu.Unavailable, "the cluster %s is full (etcd's quota, --quota-backend-bytes): the operator must compact and defragment it, or raise the quota", e.cfg.location()), err)
	}
	return errors.Join(tupu.Errorf(tupu.Unavailable, "the cluster %s refused the change: %s", e.cfg.location(), desc), err)
}

// resolve finds out whether the commit id happened: it waits until the
// mirror holds every revision the cluster has made, then looks for the
// id. It returns the commit's revision, or 0 when it did not happen.
func (e *etcdEngine) resolve(ctx context.Context, id string) (int64, error) {
	for {
		err := e.catchUp(ctx)
		if err == nil {
			e.mu.Lock()
			at := e.ids[id]
			e.mu.Unlock()
			return at, nil
		}
		select {
		case <-ctx.Done():
			return 0, err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// newCommitID returns a commit's unique id: 16 random bytes in hex.
func newCommitID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// check compares the mirror with the cluster at the revision the mirror
// holds, key by key, and returns the first differences.
func (e *etcdEngine) check() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return e.mirror.View(func(tx *bolt.Tx) error {
		t := &boltTx{tx: tx}
		rev := int64(readU64(tx.Bucket(mirrorBucket).Get(keyMirrorRev)))
		var problems []string
		counts := map[bucket]int{}
		end := clientv3.GetPrefixRangeEnd(e.cfg.prefix)
		from := e.cfg.prefix
		for {
			resp, err := e.cli.Get(ctx, from, clientv3.WithRange(end), clientv3.WithLimit(mirrorPage), clientv3.WithRev(rev))
			if err != nil {
				return err
			}
			for _, kv := range resp.Kvs {
				b, k, ok := decodeEtcdKey(e.cfg.prefix, kv.Key)
				if !ok {
					continue
				}
				counts[b]++
				if v, ok := t.get(b, k); !ok || string(v) != string(mirrored(b, k, kv)) {
					problems = append(problems, fmt.Sprintf("%s %q: the cluster holds %q, the mirror %q (held: %v)", b.name(), k, mirrored(b, k, kv), v, ok))
				}
			}
			if !resp.More || len(resp.Kvs) == 0 {
				break
			}
			from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
		}
		for _, b := range allBuckets {
			n := 0
			scan(t, b, nil, nil, false, func([]byte, []byte) (bool, error) { n++; return true, nil })
			if n != counts[b] {
				problems = append(problems, fmt.Sprintf("%s: the mirror holds %d keys, the cluster %d", b.name(), n, counts[b]))
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("the mirror differs from the cluster at revision %d: %s", rev, strings.Join(problems[:min(len(problems), 10)], "; "))
		}
		return nil
	})
}
