package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"tupu"
)

// Role says what a token may do.
type Role string

// The roles, weakest first.
const (
	RoleEditor Role = "editor" // create and update entities, relations and facts
	RoleAdmin  Role = "admin"  // also delete entities and add documents
)

// Allows reports whether r includes what need requires.
func (r Role) Allows(need Role) bool {
	return r == RoleAdmin || r == need
}

// Token is a credential as stored: its secret is never kept, only the
// SHA-256 of it (secrets are 32 random bytes, so a fast hash is enough).
type Token struct {
	Name    string    `json:"name"`
	Role    Role      `json:"role"`
	Hash    string    `json:"hash"`
	Created time.Time `json:"created"`
}

// tokenPrefix marks tupu's secrets so that leaked ones are recognisable.
const tokenPrefix = "tupu_"

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a token and returns its secret, which is shown once
// and never stored. It returns CONFLICT if the name is taken, and
// BAD_USER_INPUT for a name that is not a key or that history gives to
// tupu's own changes (seed, import, restore).
func (t *Tx) CreateToken(name string, role Role) (secret string, err error) {
	if err := tupu.ValidateKey("name", name); err != nil {
		return "", err
	}
	if name == ActorSeed || name == ActorImport || name == ActorRestore {
		// History names the program's own writers so; seeding tells what
		// it wrote by them.
		return "", tupu.Errorf(tupu.BadUserInput, "name: %q is how history names tupu's own changes; choose another", name)
	}
	if role != RoleEditor && role != RoleAdmin {
		return "", tupu.Errorf(tupu.BadUserInput, "role: %q is neither editor nor admin", role)
	}
	b := t.tx.Bucket(bucketTokens)
	if b.Get(tokenKey(name)) != nil {
		return "", tupu.Errorf(tupu.Conflict, "name: a token named %q exists; revoke it first", name)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	tok := Token{Name: name, Role: role, Hash: hashSecret(secret), Created: t.now()}
	v, err := json.Marshal(tok)
	if err != nil {
		return "", err
	}
	if err := b.Put(tokenKey(name), v); err != nil {
		return "", err
	}
	return secret, t.tx.Bucket(bucketTokenHashes).Put(tokenHashKey(tok.Hash), []byte(name))
}

// Tokens lists the tokens by name.
func (t *Tx) Tokens() ([]Token, error) {
	var out []Token
	err := t.tx.Bucket(bucketTokens).ForEach(func(_, v []byte) error {
		var tok Token
		if err := json.Unmarshal(v, &tok); err != nil {
			return fmt.Errorf("decode token: %w", err)
		}
		out = append(out, tok)
		return nil
	})
	return out, err
}

// RevokeToken deletes a token, or returns NOT_FOUND.
func (t *Tx) RevokeToken(name string) error {
	b := t.tx.Bucket(bucketTokens)
	v := b.Get(tokenKey(name))
	if v == nil {
		return tupu.Errorf(tupu.NotFound, "no token is named %q", name)
	}
	var tok Token
	if err := json.Unmarshal(v, &tok); err != nil {
		return err
	}
	if err := t.tx.Bucket(bucketTokenHashes).Delete(tokenHashKey(tok.Hash)); err != nil {
		return err
	}
	return b.Delete(tokenKey(name))
}

// Authenticate returns the token whose secret this is, or UNAUTHENTICATED.
func (t *Tx) Authenticate(secret string) (*Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, tupu.Errorf(tupu.Unauthenticated, "the bearer token is not a tupu token")
	}
	name := t.tx.Bucket(bucketTokenHashes).Get(tokenHashKey(hashSecret(secret)))
	if name == nil {
		return nil, tupu.Errorf(tupu.Unauthenticated, "the bearer token is unknown or revoked")
	}
	var tok Token
	if err := json.Unmarshal(t.tx.Bucket(bucketTokens).Get(tokenKey(string(name))), &tok); err != nil {
		return nil, fmt.Errorf("decode token: %w", err)
	}
	return &tok, nil
}
