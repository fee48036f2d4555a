package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"tupu"
	"tupu/store"
)

// TestTokens_lifecycle: a token is created by someone, authenticates until
// it is revoked, and history records both acts by who did them, with the
// token as listed: no secret, no hash.
func TestTokens_lifecycle(t *testing.T) { eachEngine(t, testTokens_lifecycle) }

func testTokens_lifecycle(t *testing.T) {
	s := MustOpen(t)
	var secret string
	var tok *store.Token
	MustUpdate(t, s, func(tx *store.Tx) (err error) {
		tok, secret, err = tx.CreateToken("root", "alice", store.RoleEditor)
		return err
	})
	if tok.CreatedBy != "root" || tok.Name != "alice" || tok.Role != store.RoleEditor {
		t.Errorf("created %+v", tok)
	}
	MustView(t, s, func(tx *store.Tx) error {
		got, err := tx.Authenticate(secret)
		if err != nil || got.Name != "alice" || !tx.Valid(got) {
			t.Errorf("authenticate: %+v, %v", got, err)
		}
		return nil
	})
	MustUpdate(t, s, func(tx *store.Tx) error {
		_, err := tx.RevokeToken("root", "alice")
		return err
	})
	MustView(t, s, func(tx *store.Tx) error {
		_, err := tx.Authenticate(secret)
		assertCode(t, err, tupu.Unauthenticated)
		if tx.Valid(tok) {
			t.Error("a revoked token is still valid")
		}
		p, err := tx.Changes(0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var seen []string
		for _, c := range p.Changes {
			rec := string(c.Before) + string(c.After)
			if strings.Contains(rec, secret[5:]) || strings.Contains(rec, tok.Hash) || strings.Contains(rec, "hash") {
				t.Errorf("history keeps a secret or a hash: %s", rec)
			}
			seen = append(seen, c.Actor+" "+c.Op)
		}
		if got := strings.Join(seen, ", "); got != "root createToken, root revokeToken" {
			t.Errorf("history: %s", got)
		}
		return nil
	})
	// A new token of the same name is another token: the old one stays
	// invalid.
	MustUpdate(t, s, func(tx *store.Tx) error {
		_, _, err := tx.CreateToken("root", "alice", store.RoleEditor)
		return err
	})
	MustView(t, s, func(tx *store.Tx) error {
		if tx.Valid(tok) {
			t.Error("a revoked token is valid again once its name is reused")
		}
		return nil
	})
}

// TestTokens_bounded: a database holds at most MaxTokens tokens.
func TestTokens_bounded(t *testing.T) { eachEngine(t, testTokens_bounded) }

func testTokens_bounded(t *testing.T) {
	s := MustOpen(t)
	MustUpdate(t, s, func(tx *store.Tx) error {
		for i := range store.MaxTokens {
			if _, _, err := tx.CreateToken(store.ActorOffline, fmt.Sprintf("t%d", i), store.RoleEditor); err != nil {
				return err
			}
		}
		return nil
	})
	err := s.Update(context.Background(), func(tx *store.Tx) error {
		_, _, err := tx.CreateToken(store.ActorOffline, "one-more", store.RoleEditor)
		return err
	})
	assertCode(t, err, tupu.Conflict)
}

// TestTokens_afterRevoke: a watch fires once its token's revocation
// commits, and only then: not for another token, not for a revocation
// rolled back; a watch of a token already revoked fires at once; a
// stopped watch never fires and leaves nothing behind.
func TestTokens_afterRevoke(t *testing.T) { eachEngine(t, testTokens_afterRevoke) }

func testTokens_afterRevoke(t *testing.T) {
	s := MustOpen(t)
	toks := map[string]*store.Token{}
	MustUpdate(t, s, func(tx *store.Tx) error {
		for _, name := range []string{"alice", "bob"} {
			tok, _, err := tx.CreateToken("root", name, store.RoleEditor)
			if err != nil {
				return err
			}
			toks[name] = tok
		}
		return nil
	})
	fired := func() (chan struct{}, func()) {
		ch := make(chan struct{})
		return ch, func() { close(ch) }
	}
	isClosed := func(ch chan struct{}, within time.Duration) bool {
		select {
		case <-ch:
			return true
		case <-time.After(within):
			return false
		}
	}
	alice, f := fired()
	s.AfterRevoke(toks["alice"], f)
	bob, f := fired()
	stopBob := s.AfterRevoke(toks["bob"], f)

	// Rolled back: nothing fires.
	rollback := fmt.Errorf("roll back")
	if err := s.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.RevokeToken("root", "alice"); err != nil {
			return err
		}
		return rollback
	}); err != rollback {
		t.Fatalf("update: %v", err)
	}
	if isClosed(alice, 50*time.Millisecond) {
		t.Fatal("a revocation rolled back ended alice's stream")
	}
	MustUpdate(t, s, func(tx *store.Tx) error {
		_, err := tx.RevokeToken("root", "alice")
		return err
	})
	if !isClosed(alice, 5*time.Second) {
		t.Fatal("alice's revocation committed, and her watch did not fire")
	}
	if isClosed(bob, 50*time.Millisecond) {
		t.Fatal("alice's revocation ended bob's stream")
	}
	if !stopBob() || stopBob() {
		t.Error("stopping bob's watch: want true once, then false")
	}
	late, f := fired()
	if s.AfterRevoke(toks["alice"], f)() {
		t.Error("a watch of a revoked token could still be stopped: it should have fired")
	}
	if !isClosed(late, 5*time.Second) {
		t.Error("a watch of a token already revoked did not fire")
	}
	if n := store.Watching(s); n != 0 {
		t.Errorf("%d watches left behind", n)
	}
}
