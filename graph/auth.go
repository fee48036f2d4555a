package graph

import (
	"context"

	"tupu"
	"tupu/store"
)

type tokenKey struct{}

// WithToken returns ctx carrying the token of the request (nil: anonymous),
// which mutations check with Authorize.
func WithToken(ctx context.Context, tok *store.Token) context.Context {
	return context.WithValue(ctx, tokenKey{}, tok)
}

// Authorize returns the request's token if it allows role: UNAUTHENTICATED
// without a token, or with one s no longer holds (revoked since the
// request came, or a moment before on another server over the same
// cluster: it is confirmed as of now), FORBIDDEN with a weaker one.
func Authorize(ctx context.Context, s *store.Store, role store.Role) (*store.Token, error) {
	tok, _ := ctx.Value(tokenKey{}).(*store.Token)
	if tok == nil {
		return nil, tupu.Errorf(tupu.Unauthenticated, "writes need a token: send Authorization: Bearer <token> (see tupu token create)")
	}
	if !tok.Role.Allows(role) {
		return nil, tupu.Errorf(tupu.Forbidden, "token %q is an %s; this needs an %s", tok.Name, tok.Role, role)
	}
	if err := s.Confirm(ctx, tok); err != nil {
		return nil, err
	}
	return tok, nil
}
