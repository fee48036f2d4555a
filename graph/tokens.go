package graph

import (
	"context"
	"strings"
	"time"

	"tupu/graph/model"
	"tupu/store"
)

// The resolvers of token management: admins create, list and revoke
// tokens on a running server. A secret is in the answer of createToken
// only; the store keeps its hash, and history the token without either.

func (r *queryResolver) Tokens(ctx context.Context) ([]*model.Token, error) {
	if _, err := Authorize(ctx, r.store, store.RoleAdmin); err != nil {
		return nil, err
	}
	markPrivate(ctx) // an admin's answer is no one else's
	tokens, err := readValue(ctx, func(tx *store.Tx) ([]store.Token, error) { return tx.Tokens() })
	if err != nil {
		return nil, err
	}
	out := make([]*model.Token, len(tokens))
	for i := range tokens {
		out[i] = newToken(&tokens[i])
	}
	return out, nil
}

func (r *mutationResolver) CreateToken(ctx context.Context, in model.CreateTokenInput) (*model.CreateTokenPayload, error) {
	var tok *store.Token
	var secret string
	err := r.write(ctx, store.RoleAdmin, func(tx *store.Tx, actor string) (err error) {
		tok, secret, err = tx.CreateToken(actor, in.Name, store.Role(strings.ToLower(string(in.Role))))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &model.CreateTokenPayload{ClientMutationID: in.ClientMutationID, Token: newToken(tok), Secret: secret}, nil
}

func (r *mutationResolver) RevokeToken(ctx context.Context, in model.RevokeTokenInput) (*model.RevokeTokenPayload, error) {
	var tok *store.Token
	err := r.write(ctx, store.RoleAdmin, func(tx *store.Tx, actor string) (err error) {
		tok, err = tx.RevokeToken(actor, in.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &model.RevokeTokenPayload{ClientMutationID: in.ClientMutationID, Token: newToken(tok)}, nil
}

func newToken(t *store.Token) *model.Token {
	return &model.Token{Name: t.Name, Role: model.TokenRole(strings.ToUpper(string(t.Role))),
		CreatedAt: t.Created.UTC().Format(time.RFC3339), CreatedBy: optionalString(t.CreatedBy)}
}
