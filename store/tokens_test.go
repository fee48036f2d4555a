package store_test

import (
	"fmt"
	"strings"
	"testing"

	"tupu"
	"tupu/store"
)

// TestTokens_lifecycle: a token is created by someone, authenticates until
// it is revoked, and history records both acts by who did them, with the
// token as listed: no secret, no hash.
func TestTokens_lifecycle(t *testing.T) {
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
func TestTokens_bounded(t *testing.T) {
	s := MustOpen(t)
	MustUpdate(t, s, func(tx *store.Tx) error {
		for i := range store.MaxTokens {
			if _, _, err := tx.CreateToken(store.ActorOffline, fmt.Sprintf("t%d", i), store.RoleEditor); err != nil {
				return err
			}
		}
		return nil
	})
	err := s.Update(func(tx *store.Tx) error {
		_, _, err := tx.CreateToken(store.ActorOffline, "one-more", store.RoleEditor)
		return err
	})
	assertCode(t, err, tupu.Conflict)
}
