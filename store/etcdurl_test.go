package store

import (
	"strings"
	"testing"
	"time"
)

// TestParseEtcdURL: a cluster's URL as the docs write it, with its
// defaults, credentials and settings, and the mistakes it refuses.
func TestParseEtcdURL(t *testing.T) {
	env := func(name string) string { return map[string]string{"TUPU_ETCD_PASSWORD": "from-env"}[name] }
	c, err := parseEtcdURL("etcd://127.0.0.1:2379,10.0.0.2/graphs/one/", env)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.endpoints, " ") != "127.0.0.1:2379 10.0.0.2:2379" || c.prefix != "/graphs/one/" || c.tls != nil ||
		c.maxTxnOps != 128 || c.maxRequestBytes != 1572864 || c.dialTimeout != 5*time.Second || c.username != "" {
		t.Errorf("parsed %+v", c)
	}
	if got := c.location(); got != "etcd://127.0.0.1:2379,10.0.0.2:2379/graphs/one" {
		t.Errorf("location %q", got)
	}
	if c, _ := parseEtcdURL("etcd://h:1", env); c.prefix != "/tupu/" {
		t.Errorf("default prefix %q", c.prefix)
	}

	c, err = parseEtcdURL("etcd://alice:s%40cret@h:1/p?tls=true&max-txn-ops=512&dial-timeout=2s&mirror=/var/m", env)
	if err != nil {
		t.Fatal(err)
	}
	if c.username != "alice" || c.password != "s@cret" || c.tls == nil || c.maxTxnOps != 512 || c.dialTimeout != 2*time.Second || c.mirror != "/var/m" {
		t.Errorf("parsed %+v", c)
	}
	if strings.Contains(c.location(), "cret") {
		t.Errorf("location %q shows the password", c.location())
	}
	if c, _ := parseEtcdURL("etcd://h:1/p?user=bob", env); c.username != "bob" || c.password != "from-env" {
		t.Errorf("the password from TUPU_ETCD_PASSWORD: %+v", c)
	}

	for _, bad := range []string{
		"etcd:///p",                           // no host
		"etcd://h:1/p?colour=blue",            // unknown setting
		"etcd://h:1/p?max-txn-ops=3",          // below what any commit needs
		"etcd://h:1/p?cert=a.pem",             // a certificate without its key
		"etcd://h:1/p?cacert=/no/such/file",   // a CA that cannot be read
		"etcd://u:pw@h:1/p?dial-timeout=soon", // not a duration
	} {
		_, err := parseEtcdURL(bad, env)
		if err == nil {
			t.Errorf("%s: accepted", bad)
		} else if strings.Contains(err.Error(), "pw@") {
			t.Errorf("%s: the error shows the password: %v", bad, err)
		}
	}
	if got := Redact("etcd://u:pw@h:1/p?password=x&tls=true"); strings.Contains(got, "pw") || strings.Contains(got, "=x") {
		t.Errorf("Redact: %q", got)
	}
	if got := Redact("./data/tupu.db"); got != "./data/tupu.db" {
		t.Errorf("Redact of a path: %q", got)
	}
}
