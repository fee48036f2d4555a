package store

import (
	"context"
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
	// CreatedBy is who created it: an admin token's name, or ActorOffline
	// (tupu token --db); empty for tokens made before it was recorded.
	CreatedBy string `json:"createdBy,omitempty"`
}

// The operations on tokens that history records, with the token as it is
// listed (tokenRecord): never its secret, nor its hash.
const (
	OpCreateToken = "createToken"
	OpRevokeToken = "revokeToken"
)

// ActorOffline names whoever manages tokens in the database file of a
// stopped server (tupu token --db): the file's owner, who needs no token.
// A token they create says so (CreatedBy), but history does not record
// what they do: a change would raise the graph version, and the search
// index, which the server finds behind at its next start, would be
// rebuilt whole for a change that is not in it.
const ActorOffline = "token --db"

// recordToken records a change of tokens by actor in history, unless the
// actor is ActorOffline.
func (t *Tx) recordToken(actor, op string, before, after *tokenRecord) error {
	if actor == ActorOffline {
		return nil
	}
	if before == nil {
		return t.record(actor, op, "", "", nil, after)
	}
	return t.record(actor, op, "", "", before, nil)
}

// tokenRecord is what history keeps of a token.
type tokenRecord struct {
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"createdBy,omitempty"`
}

func (tok *Token) record() *tokenRecord {
	return &tokenRecord{Name: tok.Name, Role: tok.Role, Created: tok.Created, CreatedBy: tok.CreatedBy}
}

// MaxTokens is the most tokens a database holds: far more than the people
// and programs that write to one graph, and a bound on what listing them
// costs.
const MaxTokens = 1000

// tokenPrefix marks tupu's secrets so that leaked ones are recognisable.
const tokenPrefix = "tupu_"

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a token on behalf of actor (an admin token's name, or
// ActorOffline) and returns it with its secret, which is shown once and
// never stored; history records the token without either (unless actor
// is ActorOffline). It returns
// CONFLICT if the name is taken or MaxTokens exist, and BAD_USER_INPUT for a name that is not
// a key or that history gives to tupu's own changes (seed, import,
// restore).
func (t *Tx) CreateToken(actor, name string, role Role) (tok *Token, secret string, err error) {
	if err := tupu.ValidateKey("name", name); err != nil {
		return nil, "", err
	}
	if name == ActorSeed || name == ActorImport || name == ActorRestore {
		// History names the program's own writers so; seeding tells what
		// it wrote by them.
		return nil, "", tupu.Errorf(tupu.BadUserInput, "name: %q is how history names tupu's own changes; choose another", name)
	}
	if role != RoleEditor && role != RoleAdmin {
		return nil, "", tupu.Errorf(tupu.BadUserInput, "role: %q is neither editor nor admin", role)
	}
	if t.has(bucketTokens, tokenKey(name)) {
		return nil, "", tupu.Errorf(tupu.Conflict, "name: a token named %q exists; revoke it first", name)
	}
	n := 0
	t.each(bucketTokens, func(_, _ []byte) error { n++; return nil })
	if n >= MaxTokens {
		return nil, "", tupu.Errorf(tupu.Conflict, "there are %d tokens, as many as a database holds; revoke some first", n)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", err
	}
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	tok = &Token{Name: name, Role: role, Hash: hashSecret(secret), Created: t.now(), CreatedBy: actor}
	v, err := json.Marshal(tok)
	if err != nil {
		return nil, "", err
	}
	if err := t.put(bucketTokens, tokenKey(name), v); err != nil {
		return nil, "", err
	}
	if err := t.put(bucketTokenHashes, tokenHashKey(tok.Hash), []byte(name)); err != nil {
		return nil, "", err
	}
	return tok, secret, t.recordToken(actor, OpCreateToken, nil, tok.record())
}

// Tokens lists the tokens by name.
func (t *Tx) Tokens() ([]Token, error) {
	var out []Token
	err := t.each(bucketTokens, func(_, v []byte) error {
		var tok Token
		if err := json.Unmarshal(v, &tok); err != nil {
			return fmt.Errorf("decode token: %w", err)
		}
		out = append(out, tok)
		return nil
	})
	return out, err
}

// Token returns the token named name, or NOT_FOUND.
func (t *Tx) Token(name string) (*Token, error) {
	v := t.get(bucketTokens, tokenKey(name))
	if v == nil {
		return nil, tupu.Errorf(tupu.NotFound, "no token is named %q", name)
	}
	var tok Token
	if err := json.Unmarshal(v, &tok); err != nil {
		return nil, fmt.Errorf("decode token: %w", err)
	}
	return &tok, nil
}

// RevokeToken deletes a token on behalf of actor and returns it as it
// was, or NOT_FOUND. Requests with it fail from the next on, and the
// streams opened with it end once the transaction commits (AfterRevoke;
// the store learns of it from the commit, on every server of a cluster).
func (t *Tx) RevokeToken(actor, name string) (*Token, error) {
	tok, err := t.Token(name)
	if err != nil {
		return nil, err
	}
	if err := t.del(bucketTokenHashes, tokenHashKey(tok.Hash)); err != nil {
		return nil, err
	}
	if err := t.del(bucketTokens, tokenKey(name)); err != nil {
		return nil, err
	}
	return tok, t.recordToken(actor, OpRevokeToken, tok.record(), nil)
}

func errUnknownToken() error {
	return tupu.Errorf(tupu.Unauthenticated, "the bearer token is unknown or revoked")
}

// Authenticate returns the token whose secret this is, as this server
// holds the graph: on a cluster, a copy the other servers' commits reach
// a few milliseconds after they are made. A secret the copy does not know
// is looked for again once it has caught up with the cluster (a token
// just made on another server). With fresh, the token is as of the call
// on every server (it catches up first): for a check that a token just
// revoked elsewhere must fail (reads that need a token). Whatever a
// token's role allows is checked with Confirm, which is always fresh.
func (s *Store) Authenticate(ctx context.Context, secret string, fresh bool) (*Token, error) {
	if fresh {
		if err := s.CatchUp(ctx); err != nil {
			return nil, err
		}
	}
	tok, err := s.lookUpToken(secret)
	if tupu.ErrorCode(err) == tupu.Unauthenticated && !fresh && strings.HasPrefix(secret, tokenPrefix) {
		if err := s.CatchUp(ctx); err != nil {
			return nil, err
		}
		tok, err = s.lookUpToken(secret)
	}
	return tok, err
}

func (s *Store) lookUpToken(secret string) (tok *Token, err error) {
	err = s.View(func(tx *Tx) error {
		tok, err = tx.Authenticate(secret)
		return err
	})
	return tok, err
}

// Confirm returns UNAUTHENTICATED unless tok, as Authenticate returned it,
// still holds as of the call on every server: not revoked, nor replaced
// by a token of the same name. On a cluster it catches up first.
func (s *Store) Confirm(ctx context.Context, tok *Token) error {
	if err := s.CatchUp(ctx); err != nil {
		return err
	}
	valid := false
	if err := s.View(func(tx *Tx) error { valid = tx.Valid(tok); return nil }); err != nil {
		return err
	}
	if !valid {
		return errUnknownToken()
	}
	return nil
}

// Authenticate returns the token whose secret this is, or UNAUTHENTICATED.
func (t *Tx) Authenticate(secret string) (*Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, tupu.Errorf(tupu.Unauthenticated, "the bearer token is not a tupu token")
	}
	name := t.get(bucketTokenHashes, tokenHashKey(hashSecret(secret)))
	if name == nil {
		return nil, errUnknownToken()
	}
	var tok Token
	if err := json.Unmarshal(t.get(bucketTokens, tokenKey(string(name))), &tok); err != nil {
		return nil, fmt.Errorf("decode token: %w", err)
	}
	return &tok, nil
}

// Valid reports whether tok (as Authenticate returned it) still
// authenticates: it was not revoked, nor replaced by a token of the same
// name.
func (t *Tx) Valid(tok *Token) bool {
	cur, err := t.Token(tok.Name)
	return err == nil && cur.Hash == tok.Hash
}
