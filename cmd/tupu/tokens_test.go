package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBinary_tokensLive manages tokens on a running server, as an
// operator would after a leak: create, list and revoke with tupu token
// --url and an admin token, no restart. A revoked token fails on its next
// request; history says who did what, never with a secret.
func TestBinary_tokensLive(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	db := filepath.Join(t.TempDir(), "tupu.db")
	curMustCLI(t, "seed", "--db", db)
	root := curToken(t, db, "root", "admin") // the first admin: from the file, server stopped
	srv := curServe(t, db)
	url := strings.TrimSuffix(srv.url, "/")

	// Created live, usable at once.
	alice, stderr := curMustCLI(t, "token", "create", "--name", "alice", "--role", "editor", "--url", url, "--token", root)
	alice = strings.TrimSpace(alice)
	if !curSecret.MatchString(alice) || strings.Contains(stderr, alice) {
		t.Fatalf("token create --url: stdout %q, stderr %q", alice, stderr)
	}
	curMust(t, srv.url, alice, curSetFact, curFact("live_token"), nil)

	list, _ := curMustCLI(t, "token", "list", "--url", url, "--token", root)
	for _, want := range []string{`(?m)^alice\s+editor\s+\d{4}-\S+ \S+\s+root$`, `(?m)^root\s+admin\s+\d{4}-\S+ \S+\s+token --db$`} {
		if !regexp.MustCompile(want).MatchString(list) {
			t.Errorf("token list --url lacks %s:\n%s", want, list)
		}
	}
	if strings.Contains(list, "tupu_") {
		t.Errorf("token list shows a secret:\n%s", list)
	}

	// Only admins manage tokens.
	for _, tc := range []struct {
		who, secret, code string
	}{{"an editor", alice, "FORBIDDEN"}, {"no one", "", "UNAUTHENTICATED"}} {
		for _, q := range []string{`{ tokens { name } }`, `mutation { createToken(input: {name: "mallory", role: ADMIN}) { secret } }`,
			`mutation { revokeToken(input: {name: "root"}) { token { name } } }`} {
			r, err := curPost(srv.url, tc.secret, q, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.code() != tc.code {
				t.Errorf("%s: %s: %s, want %s", tc.who, q, r.raw, tc.code)
			}
		}
	}
	_, stderr, code := cliExit(t, "token", "list", "--url", url)
	if code != 1 || !strings.Contains(stderr, "UNAUTHENTICATED") || !strings.Contains(stderr, "--token") {
		t.Errorf("token list --url without a token: exit %d, %q", code, stderr)
	}
	// The admin's list is the admin's: the same request without the token
	// is not answered from the response cache.
	curMust(t, srv.url, root, `{ tokens { name role } }`, nil, nil)
	if r, _ := curPost(srv.url, "", `{ tokens { name role } }`, nil); r == nil || r.code() != "UNAUTHENTICATED" || strings.Contains(string(r.raw), "alice") {
		t.Errorf("an anonymous repeat of the admin's tokens query: %s", r.raw)
	}

	// Revoked live: its next request fails; the others' go on.
	_, stderr = curMustCLI(t, "token", "revoke", "--name", "alice", "--url", url, "--token", root)
	if !strings.Contains(stderr, `revoked token "alice"`) {
		t.Errorf("token revoke --url says %q", stderr)
	}
	r, err := curPost(srv.url, alice, curSetFact, curFact("live_token_revoked"))
	if err != nil {
		t.Fatal(err)
	}
	if r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Errorf("a write with the revoked token: %d %s", r.status, r.raw)
	}
	curMust(t, srv.url, root, `{ tokens { name } }`, nil, nil)
	if _, stderr, code := cliExit(t, "token", "revoke", "--name", "alice", "--url", url, "--token", root); code != 1 || !strings.Contains(stderr, "NOT_FOUND") {
		t.Errorf("revoking alice twice: exit %d, %q", code, stderr)
	}

	// History: who created and revoked which token, without secrets.
	var seen []string
	for _, c := range allChanges(t, srv.url) {
		if strings.HasSuffix(c.Operation, "Token") {
			rec := c.After + c.Before
			var tok struct{ Name, Role string }
			if err := json.Unmarshal([]byte(rec), &tok); err != nil || strings.Contains(rec, "tupu_") || strings.Contains(rec, "hash") {
				t.Errorf("a token change records %q", rec)
			}
			seen = append(seen, c.Actor+" "+c.Operation+" "+tok.Name)
		}
	}
	if got, want := strings.Join(seen, ", "), "root createToken alice, root revokeToken alice"; got != want { // the file's owner is not on record
		t.Errorf("history of tokens: %s, want %s", got, want)
	}
	srv.stop(t)
}

// apiChange is a change as the API shows it.
type apiChange struct{ Actor, Operation, Before, After string }

// allChanges pages through the whole history.
func allChanges(t *testing.T, url string) []apiChange {
	t.Helper()
	var all []apiChange
	after := ""
	for {
		var h struct {
			Changes struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
				Nodes []apiChange
			}
		}
		vars := map[string]any{"after": nil}
		if after != "" {
			vars["after"] = after
		}
		curMust(t, url, "", `query($after: String) { changes(first: 100, after: $after) {
		  pageInfo { hasNextPage endCursor } nodes { actor operation before after } } }`, vars, &h)
		all = append(all, h.Changes.Nodes...)
		if !h.Changes.PageInfo.HasNextPage {
			return all
		}
		after = h.Changes.PageInfo.EndCursor
	}
}
