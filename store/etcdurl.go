package store

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// A cluster is named by a URL:
//
//	etcd://[user[:password]@]host:port[,host:port...][/prefix][?setting=value&...]
//
// The hosts are the cluster's client endpoints, tried in turn. The path is
// the prefix of every key the graph keeps (default /tupu/), so that
// several graphs, or other programs, share a cluster. The settings, named
// as etcdctl names its flags:
//
//	cacert=FILE             the CA that signed the members' certificates: TLS
//	cert=FILE, key=FILE     a client certificate (etcd's --client-cert-auth)
//	insecure-skip-tls-verify=true   TLS without checking the members' certificates
//	tls=true                TLS with the system's CAs
//	user=NAME, password=P   etcd's own authentication (or user:password@ before the hosts);
//	                        the password may come from TUPU_ETCD_PASSWORD instead
//	dial-timeout=5s         how long to try to reach the cluster at start
//	max-txn-ops=128         the cluster's --max-txn-ops: the most operations one commit may hold
//	max-request-bytes=1572864   the cluster's --max-request-bytes: the largest commit
//	mirror=DIR              where the local copy that reads come from is kept
//	                        (default: a new temporary directory, removed at close)

// etcdConfig is a parsed cluster URL.
type etcdConfig struct {
	endpoints       []string
	prefix          string // ends with "/"
	username        string
	password        string
	tls             *tls.Config
	dialTimeout     time.Duration
	maxTxnOps       int
	maxRequestBytes int
	mirror          string
}

// etcd's defaults for its limits, which a commit must fit.
const (
	etcdDefaultMaxTxnOps       = 128
	etcdDefaultMaxRequestBytes = 1572864 // 1.5 MiB
)

// IsClusterURL reports whether loc names an etcd cluster rather than a
// file.
func IsClusterURL(loc string) bool { return strings.HasPrefix(loc, "etcd://") }

// parseEtcdURL parses a cluster URL; getenv supplies TUPU_ETCD_PASSWORD.
func parseEtcdURL(loc string, getenv func(string) string) (*etcdConfig, error) {
	rest, ok := strings.CutPrefix(loc, "etcd://")
	if !ok {
		return nil, fmt.Errorf("store %q: a cluster's URL starts with etcd://", loc)
	}
	c := &etcdConfig{prefix: "/tupu/", dialTimeout: 5 * time.Second,
		maxTxnOps: etcdDefaultMaxTxnOps, maxRequestBytes: etcdDefaultMaxRequestBytes}
	rest, query, _ := strings.Cut(rest, "?")
	authority, path, hasPath := strings.Cut(rest, "/")
	if user, hosts, ok := strings.Cut(authority, "@"); ok {
		authority = hosts
		name, pass, _ := strings.Cut(user, ":")
		var err error
		if c.username, err = url.PathUnescape(name); err != nil {
			return nil, fmt.Errorf("store URL: user: %w", err)
		}
		if c.password, err = url.PathUnescape(pass); err != nil {
			return nil, fmt.Errorf("store URL: password: %w", err)
		}
	}
	for _, h := range strings.Split(authority, ",") {
		if h == "" {
			continue
		}
		if !strings.Contains(h, ":") {
			h += ":2379"
		}
		c.endpoints = append(c.endpoints, h)
	}
	if len(c.endpoints) == 0 {
		return nil, fmt.Errorf("store %q: name at least one host:port of the cluster", redact(loc))
	}
	if hasPath && strings.Trim(path, "/") != "" {
		c.prefix = "/" + strings.Trim(path, "/") + "/"
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("store URL settings: %w", err)
	}
	var (
		cacert, cert, key string
		useTLS, insecure  bool
	)
	for name, values := range q {
		v := values[len(values)-1]
		var err error
		switch name {
		case "cacert":
			cacert, useTLS = v, true
		case "cert":
			cert, useTLS = v, true
		case "key":
			key, useTLS = v, true
		case "tls":
			useTLS, err = strconv.ParseBool(v)
		case "insecure-skip-tls-verify":
			insecure, err = strconv.ParseBool(v)
			useTLS = useTLS || insecure
		case "user":
			c.username = v
		case "password":
			c.password = v
		case "dial-timeout":
			c.dialTimeout, err = time.ParseDuration(v)
		case "max-txn-ops":
			c.maxTxnOps, err = strconv.Atoi(v)
			if err == nil && c.maxTxnOps < 16 {
				err = fmt.Errorf("at least 16")
			}
		case "max-request-bytes":
			c.maxRequestBytes, err = strconv.Atoi(v)
			if err == nil && c.maxRequestBytes < 64<<10 {
				err = fmt.Errorf("at least 65536")
			}
		case "mirror":
			c.mirror = v
		default:
			return nil, fmt.Errorf("store URL: unknown setting %q (cacert, cert, key, tls, insecure-skip-tls-verify, user, password, dial-timeout, max-txn-ops, max-request-bytes, mirror)", name)
		}
		if err != nil {
			return nil, fmt.Errorf("store URL: %s=%s: %v", name, v, err)
		}
	}
	if c.password == "" && c.username != "" && getenv != nil {
		c.password = getenv("TUPU_ETCD_PASSWORD")
	}
	if (cert == "") != (key == "") {
		return nil, fmt.Errorf("store URL: give cert and key together")
	}
	if useTLS {
		c.tls = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure}
		if cacert != "" {
			pem, err := os.ReadFile(cacert)
			if err != nil {
				return nil, fmt.Errorf("store URL: cacert: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("store URL: cacert %s holds no PEM certificate", cacert)
			}
			c.tls.RootCAs = pool
		}
		if cert != "" {
			pair, err := tls.LoadX509KeyPair(cert, key)
			if err != nil {
				return nil, fmt.Errorf("store URL: cert and key: %w", err)
			}
			c.tls.Certificates = []tls.Certificate{pair}
		}
	}
	return c, nil
}

// location names the cluster for people: its endpoints and prefix, never
// its credentials.
func (c *etcdConfig) location() string {
	return "etcd://" + strings.Join(c.endpoints, ",") + strings.TrimSuffix(c.prefix, "/")
}

// Location names the store at loc for people, as Store.Path does once it
// is open: a file's path, or a cluster's endpoints and prefix, never its
// credentials.
func Location(loc string) (string, error) {
	if !IsClusterURL(loc) {
		return loc, nil
	}
	c, err := parseEtcdURL(loc, func(string) string { return "" })
	if err != nil {
		return "", err
	}
	return c.location(), nil
}

// Redact returns loc without a password: a file's path as it is, a
// cluster's URL with its password starred, for messages and logs.
func Redact(loc string) string { return redact(loc) }

// redact removes a password from a cluster URL for an error message.
func redact(loc string) string {
	rest, ok := strings.CutPrefix(loc, "etcd://")
	if !ok {
		return loc
	}
	if user, hosts, ok := strings.Cut(rest, "@"); ok && !strings.Contains(user, "/") {
		name, _, _ := strings.Cut(user, ":")
		rest = name + ":***@" + hosts
	}
	if path, query, ok := strings.Cut(rest, "?"); ok {
		settings := strings.Split(query, "&")
		for i, s := range settings {
			if strings.HasPrefix(s, "password=") {
				settings[i] = "password=***"
			}
		}
		rest = path + "?" + strings.Join(settings, "&")
	}
	return "etcd://" + rest
}
