package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLatestRevision: callers of latestRevision.get at once share reads,
// and each learns a revision at least as late as the commits made before
// it asked, even when it asks while a read sent before it is on its way
// (that read must not serve it). The fake cluster's read sees the
// revision as it is when the read is sent, and takes a while to answer.
func TestLatestRevision(t *testing.T) {
	var cluster atomic.Int64
	l := &latestRevision{read: func(ctx context.Context) (int64, error) {
		rev := cluster.Load()
		time.Sleep(2 * time.Millisecond)
		return rev, nil
	}}
	const callers = 200
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			time.Sleep(time.Duration(i%20) * 500 * time.Microsecond) // some while a read is on its way
			committed := cluster.Add(1)                              // a commit just before the call
			got, err := l.get(context.Background())
			if err != nil || got < committed {
				t.Errorf("caller %d after commit %d learned revision %d (%v)", i, committed, got, err)
			}
		})
	}
	wg.Wait()
	if trips := l.trips.Load(); trips >= callers/2 {
		t.Errorf("%d callers sent %d reads: they do not share them", callers, trips)
	} else {
		t.Logf("%d callers, %d reads", callers, trips)
	}

	// A caller whose context ends stops waiting; the read goes on for
	// the others.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.get(ctx); err != context.Canceled {
		t.Errorf("get with an ended context: %v", err)
	}
	if _, err := l.get(context.Background()); err != nil {
		t.Errorf("get after a caller gave up: %v", err)
	}
}
