package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"tupu/store"
)

// tokenManager is where tupu token does its work: a stopped server's
// database file, or a running server's API.
type tokenManager interface {
	create(ctx context.Context, name string, role store.Role) (secret string, err error)
	list(ctx context.Context) ([]store.Token, error)
	revoke(ctx context.Context, name string) error
}

// localTokens manages the tokens in a database file; history names the
// file's owner ActorOffline.
type localTokens struct{ s *store.Store }

func (l *localTokens) create(_ context.Context, name string, role store.Role) (secret string, err error) {
	err = l.s.Update(context.Background(), func(tx *store.Tx) error {
		_, secret, err = tx.CreateToken(store.ActorOffline, name, role)
		return err
	})
	return secret, err
}

func (l *localTokens) list(context.Context) (tokens []store.Token, err error) {
	err = l.s.View(func(tx *store.Tx) error {
		tokens, err = tx.Tokens()
		return err
	})
	return tokens, err
}

func (l *localTokens) revoke(_ context.Context, name string) error {
	return l.s.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.RevokeToken(store.ActorOffline, name)
		return err
	})
}

// remoteTokens manages tokens through a running server's GraphQL API,
// with an admin token.
type remoteTokens struct{ url, token string }

// tokenFields are what list and create read of a token.
const tokenFields = `name role createdAt createdBy`

// apiToken is a Token as the API gives it.
type apiToken struct {
	Name, Role, CreatedAt string
	CreatedBy             *string
}

func (t apiToken) token() store.Token {
	created, _ := time.Parse(time.RFC3339, t.CreatedAt)
	tok := store.Token{Name: t.Name, Role: store.Role(strings.ToLower(t.Role)), Created: created}
	if t.CreatedBy != nil {
		tok.CreatedBy = *t.CreatedBy
	}
	return tok
}

func (r *remoteTokens) create(ctx context.Context, name string, role store.Role) (string, error) {
	var out struct {
		CreateToken struct{ Secret string }
	}
	err := callAPI(ctx, r.url, r.token, `mutation($in: CreateTokenInput!) { createToken(input: $in) { secret token { `+tokenFields+` } } }`,
		map[string]any{"in": map[string]any{"name": name, "role": strings.ToUpper(string(role))}}, &out)
	return out.CreateToken.Secret, err
}

func (r *remoteTokens) list(ctx context.Context) ([]store.Token, error) {
	var out struct{ Tokens []apiToken }
	if err := callAPI(ctx, r.url, r.token, `{ tokens { `+tokenFields+` } }`, nil, &out); err != nil {
		return nil, err
	}
	tokens := make([]store.Token, len(out.Tokens))
	for i, t := range out.Tokens {
		tokens[i] = t.token()
	}
	return tokens, nil
}

func (r *remoteTokens) revoke(ctx context.Context, name string) error {
	return callAPI(ctx, r.url, r.token, `mutation($in: RevokeTokenInput!) { revokeToken(input: $in) { token { name } } }`,
		map[string]any{"in": map[string]any{"name": name}}, nil)
}

// callAPI runs a GraphQL operation on the server at base (its URL, with
// or without /graphql) with token, and decodes its data into out. An
// error of the answer comes back as its code and message.
func callAPI(ctx context.Context, base, token, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	endpoint := strings.TrimSuffix(base, "/")
	if !strings.HasSuffix(endpoint, "/graphql") {
		endpoint += "/graphql"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("--url %s: %w", base, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	var answer struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return fmt.Errorf("%s answered %s, not GraphQL: %.200s", endpoint, resp.Status, raw)
	}
	if len(answer.Errors) > 0 {
		e := answer.Errors[0]
		if e.Extensions.Code == "UNAUTHENTICATED" && token == "" {
			return fmt.Errorf("%s: %s (give an admin token: --token or TUPU_TOKEN)", e.Extensions.Code, e.Message)
		}
		return fmt.Errorf("%s: %s", e.Extensions.Code, e.Message)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(answer.Data, out)
}
