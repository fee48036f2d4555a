package clientaddr

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{" , ", ""},
		{"127.0.0.1/32,10.0.0.0/8", "127.0.0.1/32,10.0.0.0/8"},
		{"127.0.0.1, ::1", "127.0.0.1/32,::1/128"},
		{"10.1.2.3/8", "10.0.0.0/8"},          // masked, as nginx reads it
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"}, // IPv4-mapped: the IPv4 prefix
		{"2001:db8::/32 , 192.168.0.0/16", "2001:db8::/32,192.168.0.0/16"},
	} {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("Parse(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got.Empty() != (tc.want == "") {
			t.Errorf("Parse(%q).Empty() = %v", tc.in, got.Empty())
		}
	}
	for _, in := range []string{"localhost", "10.0.0.0/33", "10.0.0.0/8/8", "1.2.3", "fe80::1%eth0", "127.0.0.1:80", "10.0.0.0/8,nope", "10.0.0.0/-1"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted it", in)
		} else if !strings.Contains(err.Error(), "trusted proxies") {
			t.Errorf("Parse(%q): %v does not say which setting", in, err)
		}
	}
}

func TestDecide(t *testing.T) {
	trusted, err := Parse("127.0.0.1/32,10.0.0.0/8,::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, peer string
		xff        []string
		trusted    *Trusted
		// want is Client.String (what the log writes), key what rules
		// count by; forwarded whether the header decided.
		want, key string
		forwarded bool
	}{
		{"no proxy trusted: the header is ignored", "127.0.0.1:5000", []string{"203.0.113.7"}, nil, "127.0.0.1:5000", "127.0.0.1", false},
		{"an untrusted peer's header is ignored", "198.51.100.1:5000", []string{"203.0.113.7"}, trusted, "198.51.100.1:5000", "198.51.100.1", false},
		{"a trusted peer without the header", "127.0.0.1:5000", nil, trusted, "127.0.0.1:5000", "127.0.0.1", false},
		{"one proxy", "127.0.0.1:5000", []string{"203.0.113.7"}, trusted, "203.0.113.7", "203.0.113.7", true},
		{"the client's own claims left of it are not read", "127.0.0.1:5000", []string{"192.0.2.1, 10.9.9.9, 203.0.113.7"}, trusted, "203.0.113.7", "203.0.113.7", true},
		{"trusted hops are skipped from the right", "127.0.0.1:5000", []string{"192.0.2.1, 203.0.113.7, 10.1.1.1, 10.2.2.2"}, trusted, "203.0.113.7", "203.0.113.7", true},
		{"header lines are one list, in order", "127.0.0.1:5000", []string{"192.0.2.1, 203.0.113.7", "10.1.1.1"}, trusted, "203.0.113.7", "203.0.113.7", true},
		{"every address trusted: the left-most", "127.0.0.1:5000", []string{"10.3.3.3, 10.2.2.2"}, trusted, "10.3.3.3", "10.3.3.3", true},
		{"with ports", "127.0.0.1:5000", []string{"[2001:db8::7]:443, 10.1.1.1:80"}, trusted, "2001:db8::7", "2001:db8::7", true},
		{"IPv6 peer, IPv4-mapped client", "[::1]:5000", []string{"::ffff:203.0.113.7"}, trusted, "203.0.113.7", "203.0.113.7", true},
		{"IPv4-mapped peer", "[::ffff:127.0.0.1]:5000", []string{"203.0.113.7"}, trusted, "203.0.113.7", "203.0.113.7", true},
		{"garbage at the right end: the peer", "127.0.0.1:5000", []string{"203.0.113.7, nonsense"}, trusted, "127.0.0.1:5000", "127.0.0.1", false},
		{"garbage after a trusted hop: that hop", "127.0.0.1:5000", []string{"<script>, 10.1.1.1"}, trusted, "10.1.1.1", "10.1.1.1", true},
		{"garbage left of the client is never read", "127.0.0.1:5000", []string{"unknown, 203.0.113.7"}, trusted, "203.0.113.7", "203.0.113.7", true},
		{"empty elements are skipped", "127.0.0.1:5000", []string{"203.0.113.7, , "}, trusted, "203.0.113.7", "203.0.113.7", true},
		{"an empty header", "127.0.0.1:5000", []string{""}, trusted, "127.0.0.1:5000", "127.0.0.1", false},
		{"a peer that is no address", "pipe", []string{"203.0.113.7"}, trusted, "pipe", "pipe", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.trusted.Decide(tc.peer, tc.xff)
			if c.String() != tc.want || c.Key() != tc.key || c.Forwarded != tc.forwarded {
				t.Errorf("Decide(%q, %q) = %q (key %q, forwarded %v), want %q (key %q, forwarded %v)",
					tc.peer, tc.xff, c, c.Key(), c.Forwarded, tc.want, tc.key, tc.forwarded)
			}
			if c.Peer != tc.peer {
				t.Errorf("Peer = %q, want %q", c.Peer, tc.peer)
			}
		})
	}
}

// TestHandler: the decision made at the door is the one handlers read; a
// request that did not pass the door is its peer's.
func TestHandler(t *testing.T) {
	trusted, _ := Parse("192.0.2.0/24")
	var got Client
	h := Handler(trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Forwarded-For", "198.51.100.99") // too late: decided at the door
		got = Of(r)
	}))
	r := httptest.NewRequest("GET", "/", nil) // httptest's peer is 192.0.2.1:1234
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got.String() != "203.0.113.7" || !got.Forwarded || got.Peer != "192.0.2.1:1234" {
		t.Errorf("through Handler: %+v, want 203.0.113.7 forwarded by 192.0.2.1:1234", got)
	}
	if c := Of(r); c.String() != "192.0.2.1:1234" || c.Forwarded {
		t.Errorf("without Handler: %+v, want the peer", c)
	}
}
