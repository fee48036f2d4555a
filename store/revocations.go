package store

import "sync"

// revocations tells whoever holds a token that it was revoked: a stream
// opened with it (a WebSocket, server-sent events) authenticated once, at
// its start, and must end when the token does.
type revocations struct {
	mu sync.Mutex
	// byHash holds the functions to call when the token with this hash
	// is revoked, each under its own key so that it can be stopped.
	byHash map[string]map[*func()]struct{}
}

// AfterRevoke calls f in its own goroutine once tok is revoked on this
// store, or at once if it already was (or was replaced by a token of the
// same name). stop ends the watch, and reports whether it ended it
// before f was called. A revocation made in another process on the same
// file is not seen: tokens are managed on a running server through it. On
// a cluster, a revocation any server or process commits is seen (the
// store learns it from the commit, see apply).
func (s *Store) AfterRevoke(tok *Token, f func()) (stop func() bool) {
	r := &s.revocations
	key := &f
	r.mu.Lock()
	if r.byHash == nil {
		r.byHash = map[string]map[*func()]struct{}{}
	}
	if r.byHash[tok.Hash] == nil {
		r.byHash[tok.Hash] = map[*func()]struct{}{}
	}
	r.byHash[tok.Hash][key] = struct{}{}
	r.mu.Unlock()
	stop = func() bool { return r.remove(tok.Hash, key) }

	// Revoked between the request's authentication and now: the commit
	// that revoked it found no watch.
	valid := false
	if err := s.View(func(tx *Tx) error { valid = tx.Valid(tok); return nil }); err == nil && !valid && stop() {
		go f()
	}
	return stop
}

// remove takes the watch key of the token with hash away, and reports
// whether it was there.
func (r *revocations) remove(hash string, key *func()) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	watches := r.byHash[hash]
	if _, ok := watches[key]; !ok {
		return false
	}
	delete(watches, key)
	if len(watches) == 0 {
		delete(r.byHash, hash)
	}
	return true
}

// revoked calls the watches of the tokens with these hashes: a
// transaction that revoked them committed.
func (r *revocations) revoked(hashes []string) {
	r.mu.Lock()
	var calls []*func()
	for _, h := range hashes {
		for key := range r.byHash[h] {
			calls = append(calls, key)
		}
		delete(r.byHash, h)
	}
	r.mu.Unlock()
	for _, f := range calls {
		go (*f)()
	}
}

// watching returns how many streams watch a token: for tests.
func (r *revocations) watching() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, w := range r.byHash {
		n += len(w)
	}
	return n
}
