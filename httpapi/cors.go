package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// cors lets pages on other origins call the endpoint from a browser
// (Cross-Origin Resource Sharing): the origins listed exactly
// ("https://app.example.com", "http://localhost:3000"), those matching a
// pattern with one leading wildcard label ("https://*.example.com": any
// subdomain, not example.com itself), or every origin ("*", never with
// credentials). Its answer varies by Origin, which it says (Vary:
// Origin), so no shared cache hands one origin's answer to another.
type cors struct {
	exact       map[string]bool
	suffixes    []originSuffix
	any         bool
	credentials bool
}

// originSuffix is a pattern "scheme://*.domain[:port]".
type originSuffix struct {
	scheme, suffix string // suffix: ".domain[:port]"
}

// corsHeaders are the request headers a cross-origin page may send: the
// JSON body's type, a token, a request id, and the headers Apollo Client
// sends with persisted queries and for CSRF prevention. Accept and
// Accept-Language need no permission.
const corsHeaders = "Content-Type, Authorization, X-Request-Id, " +
	"apollographql-client-name, apollographql-client-version, x-apollo-operation-name, apollo-require-preflight"

// newCORS checks and compiles origins; nil when there are none (CORS off,
// the default: browsers keep other sites' pages out).
func newCORS(origins []string, credentials bool) (*cors, error) {
	if len(origins) == 0 {
		return nil, nil
	}
	c := &cors{exact: map[string]bool{}, credentials: credentials}
	for _, o := range origins {
		if o == "*" {
			if credentials {
				return nil, fmt.Errorf("CORS origin *: every origin cannot be allowed with credentials; list them")
			}
			c.any = true
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return nil, fmt.Errorf("CORS origin %q: write it as scheme://host[:port], such as https://app.example.com or https://*.example.com", o)
		}
		host := strings.ToLower(u.Host)
		if rest, ok := strings.CutPrefix(host, "*."); ok {
			if rest == "" || strings.Contains(rest, "*") {
				return nil, fmt.Errorf("CORS origin %q: a wildcard stands for the first label only, as in https://*.example.com", o)
			}
			c.suffixes = append(c.suffixes, originSuffix{scheme: u.Scheme, suffix: "." + rest})
			continue
		}
		if strings.Contains(host, "*") {
			return nil, fmt.Errorf("CORS origin %q: a wildcard stands for the first label only, as in https://*.example.com", o)
		}
		c.exact[u.Scheme+"://"+host] = true
	}
	return c, nil
}

// allows reports whether a page at origin (the Origin header, as a
// browser sends it) may call the endpoint.
func (c *cors) allows(origin string) bool {
	if c == nil || origin == "" {
		return false
	}
	if c.any {
		return true
	}
	origin = strings.ToLower(origin)
	if c.exact[origin] {
		return true
	}
	scheme, host, ok := strings.Cut(origin, "://")
	if !ok {
		return false
	}
	for _, s := range c.suffixes {
		// One label or more before the suffix, and nothing that is not a
		// host ("a.example.com", not "example.com" nor "evil.com/.example.com").
		if scheme == s.scheme && strings.HasSuffix(host, s.suffix) && len(host) > len(s.suffix) &&
			!strings.ContainsAny(host, "/@?#") {
			return true
		}
	}
	return false
}

// handle adds the CORS headers to the answer to r, and answers a preflight
// (OPTIONS with Access-Control-Request-Method) itself; it reports whether
// it answered.
func (c *cors) handle(w http.ResponseWriter, r *http.Request) (answered bool) {
	if c == nil {
		return false
	}
	h := w.Header()
	preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	if preflight {
		h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	} else {
		h.Add("Vary", "Origin")
	}
	origin := r.Header.Get("Origin")
	allowed := c.allows(origin)
	if allowed {
		if c.any {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if c.credentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}
	if !preflight {
		if allowed {
			h.Set("Access-Control-Expose-Headers", "X-Request-Id")
		}
		return false
	}
	// A preflight from an origin not allowed gets no permission: the
	// browser then refuses to send the request.
	if allowed {
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", corsHeaders)
		h.Set("Access-Control-Max-Age", "600")
	}
	h.Set("Allow", "GET, POST, OPTIONS")
	w.WriteHeader(http.StatusNoContent)
	return true
}
