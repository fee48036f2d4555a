package store

import (
	"context"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Servers over a cluster say that they run: each keeps a key of its own
// under PREFIX servers/, held by an etcd lease that it keeps alive, so
// that the key goes when the server stops, or, when it is killed or cut
// off from the cluster, once its lease runs out (ServerLeaseTTL). What
// must not run beside servers (a restore that replaces the graph) asks
// for them first.

// ServerLeaseTTL is how long, in seconds, a server's key outlives the
// server's last word with the cluster.
const ServerLeaseTTL = 10

// Announce records that a server runs over the store, under name (where
// it listens, on which host), until the store is closed. On a file it
// does nothing: the file's lock keeps other processes out.
func (s *Store) Announce(name string) error {
	if e, ok := s.eng.(*etcdEngine); ok {
		return e.announce(name)
	}
	return nil
}

// Servers returns the names of the servers that run over the store (see
// Announce); none on a file.
func (s *Store) Servers(ctx context.Context) ([]string, error) {
	e, ok := s.eng.(*etcdEngine)
	if !ok {
		return nil, nil
	}
	resp, err := e.cli.Get(ctx, etcdServersPrefix(e.cfg.prefix), clientv3.WithPrefix())
	if err != nil {
		return nil, e.unavailable(err)
	}
	names := make([]string, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		names[i] = string(kv.Value)
	}
	return names, nil
}

// announce puts the server's key under a lease and keeps the lease alive
// until close; a lease lost (the cluster out of reach for longer than
// its time to live) is taken again, with the key, once the cluster
// answers.
func (e *etcdEngine) announce(name string) error {
	key := etcdServersPrefix(e.cfg.prefix) + newCommitID()
	ctx, stop := context.WithCancel(context.Background())
	alive, err := e.holdKey(ctx, key, name)
	if err != nil {
		stop()
		return err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			for range alive {
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			again, err := e.holdKey(ctx, key, name)
			if err != nil {
				closed := make(chan *clientv3.LeaseKeepAliveResponse)
				close(closed)
				again = closed // try again in a second
			}
			alive = again
		}
	}()
	e.unannounce = func() {
		stop()
		<-done
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		e.cli.Delete(ctx, key) // else its lease ends it
	}
	return nil
}

// holdKey puts key under a new lease and returns the lease's keep-alive
// responses, which end when ctx does or the lease is lost.
func (e *etcdEngine) holdKey(ctx context.Context, key, value string) (<-chan *clientv3.LeaseKeepAliveResponse, error) {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	lease, err := e.cli.Grant(rctx, ServerLeaseTTL)
	if err != nil {
		return nil, e.unavailable(err)
	}
	if _, err := e.cli.Put(rctx, key, value, clientv3.WithLease(lease.ID)); err != nil {
		return nil, e.unavailable(err)
	}
	alive, err := e.cli.KeepAlive(ctx, lease.ID)
	if err != nil {
		return nil, e.unavailable(err)
	}
	return alive, nil
}
