package store

import (
	"context"
	"sync"
	"sync/atomic"
)

// latestRevision learns the cluster's revision as of a call, for callers
// that must see every commit made before they asked (CatchUp). Each
// call could send its own linearizable read; instead the callers that
// ask while one read is on its way share the next, sent once all of them
// have asked, so each learns a revision at least as late as its call, as
// if it had sent its own, and a server busy with requests that carry a
// token makes one round trip per network latency, not one per request.
// (etcd's leader batches linearizable reads the same way, by read index.)
type latestRevision struct {
	// read sends one linearizable read and returns the revision it saw.
	read func(context.Context) (int64, error)

	mu      sync.Mutex
	next    *revisionRead // the read the next callers join, not yet sent
	sending bool          // a goroutine sends reads while there are callers

	trips atomic.Int64 // reads sent, for tests
}

// revisionRead is one read, shared by the callers that joined it.
type revisionRead struct {
	done chan struct{} // closed once rev or err is set
	rev  int64
	err  error
}

// get returns a revision at least as late as the call, or an error when
// the read failed or ctx ended first.
func (l *latestRevision) get(ctx context.Context) (int64, error) {
	l.mu.Lock()
	r := l.next
	if r == nil {
		r = &revisionRead{done: make(chan struct{})}
		l.next = r
		if !l.sending {
			l.sending = true
			go l.send()
		}
	}
	l.mu.Unlock()
	select {
	case <-r.done:
		return r.rev, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// send sends the reads callers wait for, one at a time, until none waits.
// A read is taken from next before it is sent: whoever asks after that
// joins the read after it.
func (l *latestRevision) send() {
	for {
		l.mu.Lock()
		r := l.next
		l.next = nil
		if r == nil {
			l.sending = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), catchUpTimeout)
		l.trips.Add(1)
		r.rev, r.err = l.read(ctx)
		cancel()
		close(r.done)
	}
}
