// Package clientaddr decides which address a request comes from: the
// peer's (the other end of its connection), or, when the peer is a proxy
// the operator trusts, the client address that proxy forwarded in
// X-Forwarded-For. It decides once per request (Handler); every rule
// that counts by client address and the access log read that decision
// (Of), so behind a proxy they all see the same client, and without a
// trusted proxy they all see the peer.
//
// The header is read as nginx's realip module reads it with
// real_ip_recursive on, and as gin's ClientIP does: from the right, each
// address a trusted proxy appended is skipped, and the first that is not
// trusted is the client. Addresses to its left were written by the client
// itself (any client can send an X-Forwarded-For) and are never read. If
// every address is trusted, the left-most is the client.
package clientaddr

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Trusted is a set of proxies, as address prefixes. The nil or empty set
// trusts nobody: every request's client is its peer.
type Trusted struct {
	prefixes []netip.Prefix
}

// Parse reads a comma-separated list of addresses and CIDR prefixes
// ("127.0.0.1/32, 10.0.0.0/8, ::1"); an address alone is a prefix of its
// full length. The empty string trusts nobody. It fails on the first
// entry that is neither, naming it.
func Parse(s string) (*Trusted, error) {
	t := &Trusted{}
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		var p netip.Prefix
		if strings.Contains(entry, "/") {
			var err error
			if p, err = netip.ParsePrefix(entry); err != nil {
				return nil, fmt.Errorf("trusted proxies: %q is not an address or a CIDR prefix (such as 10.0.0.0/8)", entry)
			}
			p = p.Masked()
		} else {
			a, err := netip.ParseAddr(entry)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("trusted proxies: %q is not an address or a CIDR prefix (such as 10.0.0.0/8)", entry)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() {
			// ::ffff:10.0.0.0/104 is 10.0.0.0/8: addresses are unmapped
			// before they are compared. (A masked prefix is still mapped
			// only if it keeps all 96 bits of ::ffff:.)
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		t.prefixes = append(t.prefixes, p)
	}
	return t, nil
}

// Contains reports whether a is the address of a trusted proxy.
func (t *Trusted) Contains(a netip.Addr) bool {
	if t == nil || !a.IsValid() {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Empty reports whether t trusts nobody.
func (t *Trusted) Empty() bool { return t == nil || len(t.prefixes) == 0 }

// String lists the prefixes, as Parse reads them.
func (t *Trusted) String() string {
	if t == nil {
		return ""
	}
	s := make([]string, len(t.prefixes))
	for i, p := range t.prefixes {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// Client is where a request comes from.
type Client struct {
	// Addr is the client's address; invalid when the peer is not an IP
	// address (a Unix socket, a test's pipe).
	Addr netip.Addr
	// Peer is the other end of the connection, as net/http gives it
	// (host:port).
	Peer string
	// Forwarded is set when Addr is what a trusted proxy forwarded, not
	// the peer.
	Forwarded bool
}

// Key is what per-client rules count by: the client's address without a
// port, so every connection of one machine (or of one proxy) is one
// client.
func (c Client) Key() string {
	if c.Addr.IsValid() {
		return c.Addr.String()
	}
	if host, _, err := net.SplitHostPort(c.Peer); err == nil {
		return host
	}
	return c.Peer
}

// String is the client as the access log writes it: the peer's
// host:port for a direct client, the forwarded address (it has no port)
// for one behind a trusted proxy.
func (c Client) String() string {
	if c.Forwarded {
		return c.Addr.String()
	}
	return c.Peer
}

// Decide returns the client of a request whose peer is remoteAddr
// (host:port) and whose X-Forwarded-For header lines are xff, in the
// order they came. Only a trusted peer's header is read (see the package
// comment). An entry that is not an address (with or without a port) ends
// the walk there: the client is then the last trusted address read, which
// is the peer when the header is unreadable from its right end.
func (t *Trusted) Decide(remoteAddr string, xff []string) Client {
	c := Client{Peer: remoteAddr, Addr: parseAddr(remoteAddr)}
	if t.Empty() || len(xff) == 0 || !t.Contains(c.Addr) {
		return c
	}
	// Header lines of one field are one list, in order (RFC 9110, 5.3).
	list := strings.Join(xff, ",")
	for list != "" {
		entry := list
		if i := strings.LastIndexByte(list, ','); i >= 0 {
			entry, list = list[i+1:], list[:i]
		} else {
			list = ""
		}
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue // "a, , b": an empty element is no address, and no claim
		}
		a := parseAddr(entry)
		if !a.IsValid() {
			return c
		}
		c.Addr, c.Forwarded = a, true
		if !t.Contains(a) {
			return c
		}
	}
	return c // every address trusted: the left-most
}

// parseAddr reads an address with or without a port (1.2.3.4,
// 1.2.3.4:80, 2001:db8::1, [2001:db8::1]:80), unmapped and without a
// zone; the zero Addr when s is none of these.
func parseAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone("")
}

type contextKey struct{}

// Handler decides the client of every request once, with t, and keeps the
// decision in the request's context for Of. Put it outermost, so that
// every handler and log sees the decision.
func Handler(t *Trusted, next http.Handler) http.Handler {
	if t.Empty() {
		// Every client is its peer, which Of reads from the request
		// itself: no copy of every request to carry the decision.
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := t.Decide(r.RemoteAddr, r.Header.Values("X-Forwarded-For"))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), contextKey{}, c)))
	})
}

// Of returns the client Handler decided for r; for a request that did not
// pass through Handler (a handler served on its own, in a test), the
// peer, as if nobody were trusted.
func Of(r *http.Request) Client {
	if c, ok := r.Context().Value(contextKey{}).(Client); ok {
		return c
	}
	return (*Trusted)(nil).Decide(r.RemoteAddr, nil)
}
