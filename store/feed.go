package store

import (
	"context"
	"sync"
)

// feed hands committed changes to subscribers. A subscriber that falls
// behind by more than its buffer is dropped (its channel closed) rather
// than slowing down writers.
type feed struct {
	mu   sync.Mutex
	subs map[chan Change]struct{}
}

// subscriberBuffer is how many changes a subscriber may lag behind.
const subscriberBuffer = 256

// Subscribe returns a channel that receives every change committed from
// now on, until ctx ends or the subscriber lags too far behind; then the
// channel is closed.
func (s *Store) Subscribe(ctx context.Context) <-chan Change {
	ch := make(chan Change, subscriberBuffer)
	f := &s.feed
	f.mu.Lock()
	if f.subs == nil {
		f.subs = map[chan Change]struct{}{}
	}
	f.subs[ch] = struct{}{}
	f.mu.Unlock()
	go func() {
		<-ctx.Done()
		f.drop(ch)
	}()
	return ch
}

func (f *feed) drop(ch chan Change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.subs[ch]; ok {
		delete(f.subs, ch)
		close(ch)
	}
}

func (f *feed) publish(changes []Change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.subs {
		if !offer(ch, changes) {
			delete(f.subs, ch)
			close(ch)
		}
	}
}

// offer sends changes without blocking, and reports whether all fitted.
func offer(ch chan Change, changes []Change) bool {
	for _, c := range changes {
		select {
		case ch <- c:
		default:
			return false
		}
	}
	return true
}
