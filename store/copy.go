package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	clientv3 "go.etcd.io/etcd/client/v3"

	"tupu"
)

// Copying a whole store.
//
// A graph moves between engines key by key: every bucket in key order,
// written outside the graph's transactions (a cluster takes 128
// operations in one, a file is fastest written in order), under the
// marker a load leaves (loadingSchema) until the meta bucket, last, says
// what the copy holds. Until then no process serves the copy: a file
// opens only once its schema version is back, and a cluster's servers
// answer UNAVAILABLE meanwhile (and one starting waits).

// CopyOptions tune Copy.
type CopyOptions struct {
	// Progress, when set, is called after every batch of keys written.
	Progress func(CopyStats)
	// Replace copies over whatever the destination holds (a graph, its
	// history, tokens), which the copy's first commit deletes, instead of
	// refusing it. No process may be serving the destination meanwhile:
	// its caches and search index would not learn of the new graph.
	Replace bool
}

// CopyStats count what a copy wrote so far.
type CopyStats struct {
	Bucket  string // the bucket being written
	Keys    int    // keys written, over every bucket
	Bytes   int64  // their keys' and values' bytes
	Elapsed time.Duration
}

// Copy copies everything src holds (the graph, its history and epoch, the
// record of seeding, the tokens) into dst, which must hold no graph, no
// history and no tokens. The graph version goes on from the larger of the
// two stores', so no cache keyed by dst's versions mistakes the copy for
// what dst held before. CONFLICT when dst holds anything (unless
// opts.Replace), or another process starts filling it at the same time.
func Copy(ctx context.Context, dst, src *Store, opts CopyOptions) error {
	return dst.fill(ctx, src, fillOptions{withTokens: true, replace: opts.Replace, progress: opts.Progress})
}

// filler is an engine that can take a whole store's keys.
type filler interface {
	// fill writes every key of src's buckets (the tokens only when
	// o.withTokens) into the engine, which must hold no graph unless
	// o.replace.
	fill(ctx context.Context, src readTx, o fillOptions) error
}

// fillOptions say what a fill copies, and over what.
type fillOptions struct {
	withTokens bool
	// replace deletes what the store holds in the fill's first commit
	// (see CopyOptions.Replace).
	replace  bool
	progress func(CopyStats)
}

// copiedBuckets are the buckets a fill writes, meta aside: the data
// buckets, the record of seeding, and the tokens when asked.
func copiedBuckets(withTokens bool) []bucket {
	bs := append(dataBuckets[:len(dataBuckets):len(dataBuckets)], bucketSeeded)
	if withTokens {
		bs = append(bs, bucketTokens, bucketTokenHashes)
	}
	return bs
}

// fill copies src into s; see Copy.
func (s *Store) fill(ctx context.Context, src *Store, o fillOptions) error {
	f, ok := s.eng.(filler)
	if !ok {
		return fmt.Errorf("%s cannot be filled", s.Path())
	}
	return src.View(func(t *Tx) error {
		if err := checkSchema(t.r); err != nil {
			return fmt.Errorf("%s: %w", src.Path(), err)
		}
		return f.fill(ctx, t.r, o)
	})
}

// errNotEmpty refuses a fill of a store that holds something.
func errNotEmpty(loc string, b bucket) error {
	return notEmptyError{tupu.Errorf(tupu.Conflict, "%s is not empty (bucket %s holds data): a whole graph goes only into an empty store", loc, b.name())}
}

// notEmptyError is errNotEmpty's: a CONFLICT that isRaced knows.
type notEmptyError struct{ err *tupu.Error }

func (e notEmptyError) Error() string { return e.err.Error() }
func (e notEmptyError) Unwrap() error { return e.err }

// CheckEmpty returns CONFLICT, naming what it found, unless s holds no
// graph, history, record of seeding or tokens: what Copy asks of its
// destination (but with Replace).
func (s *Store) CheckEmpty() error {
	return s.View(func(t *Tx) error { return checkFillable(s.Path(), t.r, true) })
}

// checkFillable returns CONFLICT unless r holds no graph, history, record
// of seeding (and no tokens, when they are to be copied too).
func checkFillable(loc string, r readTx, withTokens bool) error {
	t := &Tx{r: r}
	for _, b := range copiedBuckets(withTokens) {
		if !t.empty(b) {
			return errNotEmpty(loc, b)
		}
	}
	return nil
}

// metaOf returns the meta keys a fill writes last: src's epoch, the graph
// version after the larger of src's and the destination's, the version of
// the rules src's statements passed (the same statements pass them in the
// copy), the schema version.
func metaOf(src, dst readTx) [][2][]byte {
	sv, dv := (&Tx{r: src}).GraphVersion(), (&Tx{r: dst}).GraphVersion()
	epoch, _ := src.get(bucketMeta, keyHistoryEpoch)
	meta := [][2][]byte{
		{keyHistoryEpoch, clone(epoch)},
		{keyGraphVersion, u64(max(sv, dv+1))},
	}
	if rules, ok := src.get(bucketMeta, keyRulesChecked); ok {
		meta = append(meta, [2][]byte{keyRulesChecked, clone(rules)})
	}
	return append(meta, [2][]byte{keySchemaVersion, u64(schemaVersion)})
}

// fillBatchKeys is how many keys a file's fill writes per transaction.
const fillBatchKeys = 50_000

// fillBatchOps and fillBatchBytes bound a commit of a fill into a cluster
// below the cluster's own limits, however high those are: etcd applies a
// transaction whole, holding up the cluster's other requests meanwhile,
// and on a busy machine a large one outlasts etcd's request timeout.
const (
	fillBatchOps   = 1000
	fillBatchBytes = 1 << 20
)

func (e *boltEngine) fill(ctx context.Context, src readTx, o fillOptions) error {
	withTokens, progress := o.withTokens, o.progress
	start := time.Now()
	var st CopyStats
	var meta [][2][]byte
	err := e.view(func(r readTx) error {
		if !o.replace {
			if err := checkFillable(e.location(), r, withTokens); err != nil {
				return err
			}
		}
		meta = metaOf(src, r)
		return nil
	})
	if err != nil {
		return err
	}
	db := e.db
	noSync := db.NoSync
	defer func() { db.NoSync = noSync }()
	// The marker first, durably (with what it replaces deleted); then the
	// keys without a sync per commit.
	err = db.Update(func(tx *bolt.Tx) error {
		if o.replace {
			t := &boltTx{tx: tx}
			for _, b := range copiedBuckets(withTokens) {
				if err := t.clear(b); err != nil {
					return err
				}
			}
			if err := t.delete(bucketMeta, keyRulesChecked); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte(bucketMeta.name())).Put(keySchemaVersion, loadingSchema)
	})
	if err != nil {
		return err
	}
	db.NoSync = true
	type kv struct{ k, v []byte }
	var batch []kv
	flush := func(b bucket) error {
		if len(batch) == 0 {
			return nil
		}
		err := db.Update(func(tx *bolt.Tx) error {
			bk := tx.Bucket([]byte(b.name()))
			bk.FillPercent = 1 // keys come in order
			for _, p := range batch {
				if err := bk.Put(p.k, p.v); err != nil {
					return err
				}
			}
			return nil
		})
		st.Keys += len(batch)
		batch = batch[:0]
		st.Bucket, st.Elapsed = b.name(), time.Since(start)
		if err == nil && progress != nil {
			progress(st)
		}
		return err
	}
	copyErr := func() error {
		for _, b := range copiedBuckets(withTokens) {
			err := scan(src, b, nil, nil, false, func(k, v []byte) (bool, error) {
				if err := ctx.Err(); err != nil {
					return false, err
				}
				batch = append(batch, kv{clone(k), clone(v)})
				st.Bytes += int64(len(k) + len(v))
				if len(batch) == fillBatchKeys {
					return true, flush(b)
				}
				return true, nil
			})
			if err == nil {
				err = flush(b)
			}
			if err != nil {
				return err
			}
		}
		return db.Sync()
	}()
	db.NoSync = noSync
	if copyErr != nil {
		if cerr := e.update(context.Background(), clearGraph(withTokens)); cerr != nil {
			return fmt.Errorf("%w (and emptying %s again failed: %v)", copyErr, e.location(), cerr)
		}
		return copyErr
	}
	// The meta bucket, last, in a commit of the engine: the store learns
	// from it that it holds a new graph.
	return e.update(context.Background(), func(w writeTx) error {
		for _, m := range meta {
			if err := w.put(bucketMeta, m[0], m[1]); err != nil {
				return err
			}
		}
		return nil
	})
}

// clearGraph empties what a fill that failed may have written, and
// restores the schema version.
func clearGraph(withTokens bool) func(writeTx) error {
	return func(w writeTx) error {
		for _, b := range copiedBuckets(withTokens) {
			if err := w.clear(b); err != nil {
				return err
			}
		}
		return w.put(bucketMeta, keySchemaVersion, u64(schemaVersion))
	}
}

func (e *etcdEngine) fill(ctx context.Context, src readTx, o fillOptions) error {
	withTokens, progress := o.withTokens, o.progress
	start := time.Now()
	var (
		st   CopyStats
		rev  int64
		meta [][2][]byte
	)
	err := e.mirror.View(func(tx *bolt.Tx) error {
		t, r, err := mirrorRead(tx)
		if err != nil {
			return err
		}
		if !o.replace {
			if err := checkFillable(e.location(), t, withTokens); err != nil {
				return err
			}
		}
		rev, meta = r, metaOf(src, t)
		return nil
	})
	if err != nil {
		return err
	}
	commitKey := etcdCommitKey(e.cfg.prefix)
	// The marker, if no commit came since the check, with what it
	// replaces deleted (a range delete per bucket).
	var marker []clientv3.Op
	if o.replace {
		for _, b := range copiedBuckets(withTokens) {
			marker = append(marker, clientv3.OpDelete(etcdBucketPrefix(e.cfg.prefix, b), clientv3.WithPrefix()))
		}
		marker = append(marker, clientv3.OpDelete(etcdKey(e.cfg.prefix, bucketMeta, keyRulesChecked)))
	}
	marker = append(marker, clientv3.OpPut(etcdKey(e.cfg.prefix, bucketMeta, keySchemaVersion), string(loadingSchema)), clientv3.OpPut(commitKey, newCommitID()))
	resp, err := e.cli.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(commitKey), "<", rev+1)).
		Then(marker...).
		Commit()
	if err != nil {
		return e.unavailable(err)
	}
	if !resp.Succeeded {
		return errFillRaced
	}
	// Then the keys, each batch a commit that writes the commit key too:
	// a write begun before the marker fails its comparison, and runs again
	// to find the store loading.
	var (
		ops  []clientv3.Op
		size int
	)
	flush := func(b bucket) error {
		if len(ops) == 0 {
			return nil
		}
		ops = append(ops, clientv3.OpPut(commitKey, newCommitID()))
		_, err := e.cli.Txn(ctx).Then(ops...).Commit()
		st.Keys += len(ops) - 1
		ops, size = ops[:0], 0
		st.Bucket, st.Elapsed = b.name(), time.Since(start)
		if err != nil {
			return e.unavailable(err)
		}
		if progress != nil {
			progress(st)
		}
		return nil
	}
	budget := e.cfg.maxRequestBytes - 64<<10
	maxOps, batchBytes := min(e.cfg.maxTxnOps, fillBatchOps), min(budget, fillBatchBytes)
	copyErr := func() error {
		for _, b := range copiedBuckets(withTokens) {
			err := scan(src, b, nil, nil, false, func(k, v []byte) (bool, error) {
				if err := ctx.Err(); err != nil {
					return false, err
				}
				key := etcdKey(e.cfg.prefix, b, k)
				n := len(key) + len(v) + 16
				if n > budget {
					return false, tupu.Errorf(tupu.ComplexityLimit, "bucket %s, key %s: %d bytes, more than the cluster takes in one request (etcd's --max-request-bytes, %d)", b.name(), describeKey(k), n, e.cfg.maxRequestBytes)
				}
				if len(ops)+2 > maxOps || size+n > batchBytes {
					if err := flush(b); err != nil {
						return false, err
					}
				}
				ops = append(ops, clientv3.OpPut(key, string(v)))
				size += n
				st.Bytes += int64(len(k) + len(v))
				return true, nil
			})
			if err == nil {
				err = flush(b)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}()
	if copyErr != nil {
		// Empty the buckets again, bucket by bucket (a range delete is one
		// operation), and take the marker away.
		clear := []clientv3.Op{clientv3.OpPut(etcdKey(e.cfg.prefix, bucketMeta, keySchemaVersion), string(u64(schemaVersion))), clientv3.OpPut(commitKey, newCommitID())}
		for _, b := range copiedBuckets(withTokens) {
			clear = append(clear, clientv3.OpDelete(etcdBucketPrefix(e.cfg.prefix, b), clientv3.WithPrefix()))
		}
		cctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
		defer cancel()
		if _, err := e.cli.Txn(cctx).Then(clear...).Commit(); err != nil {
			return fmt.Errorf("%w (and emptying %s again failed: %v; delete its keys and copy again)", copyErr, e.location(), err)
		}
		return copyErr
	}
	ops = ops[:0]
	for _, m := range meta {
		ops = append(ops, clientv3.OpPut(etcdKey(e.cfg.prefix, bucketMeta, m[0]), string(m[1])))
	}
	ops = append(ops, clientv3.OpPut(commitKey, newCommitID()))
	last, err := e.cli.Txn(ctx).Then(ops...).Commit()
	if err != nil {
		return e.unavailable(err)
	}
	return e.waitRev(ctx, last.Header.Revision)
}

// errFillRaced is a fill that found another process writing the store
// between its check and its first commit.
var errFillRaced = tupu.Errorf(tupu.Conflict, "another process wrote to the store while a whole graph was about to be copied into it")

// throughFile runs build on an empty bbolt store in a temporary
// directory, then copies what it built into s, which must hold no graph:
// how a whole graph (a seed, an import, a load) goes into a cluster,
// which takes only a few operations in one transaction. On a file, build
// runs on s itself.
func (s *Store) throughFile(ctx context.Context, build func(*Store) error) error {
	if s.IsFile() {
		return build(s)
	}
	dir, err := os.MkdirTemp("", "tupu-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tmp, err := Open(filepath.Join(dir, "graph.db"), Options{})
	if err != nil {
		return err
	}
	defer tmp.Close()
	if err := build(tmp); err != nil {
		return err
	}
	return s.fill(ctx, tmp, fillOptions{})
}

// holdsGraph reports whether the store holds anything a fill would
// refuse to write over.
func (s *Store) holdsGraph() (bool, error) {
	var holds bool
	err := s.View(func(t *Tx) error {
		holds = checkFillable(s.Path(), t.r, false) != nil
		return nil
	})
	return holds, err
}

// IsLoading reports whether err is a read refused because another process
// is copying a graph into the cluster (a load, an import, the seeding of
// an empty cluster, a migrate): WaitLoaded, then read again.
func IsLoading(err error) bool { return errors.Is(err, errGraphLoading) }

// WaitLoaded waits while another process copies a graph into the store;
// on a file it returns at once.
func (s *Store) WaitLoaded() error {
	e, ok := s.eng.(*etcdEngine)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// First everything committed so far: the marker of a load that began
	// a moment ago may not have reached this process yet.
	if err := e.catchUp(ctx); err != nil {
		return err
	}
	return e.waitLoaded(ctx)
}

// isRaced reports whether err is a fill, of a store found empty a moment
// before, that lost a race: another process began writing, or copying a
// graph, first, or has already copied it whole.
func isRaced(err error) bool {
	return errors.Is(err, errFillRaced) || IsLoading(err) || errors.As(err, new(notEmptyError))
}
