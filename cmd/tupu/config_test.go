package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tupu/explorer"
)

func TestLoadConfig_precedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tupu.yaml")
	os.WriteFile(file, []byte("addr: 127.0.0.1:9000\ndb: /from/file.db\ntimeout: 3s\nintrospection: false\nmaxCost: 1000\n"), 0o644)
	env := map[string]string{"TUPU_CONFIG": file, "TUPU_DB": "/from/env.db", "TUPU_MAX_COST": "2000"}
	c, err := loadConfig("tupu", []string{"--max-cost", "3000"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what      string
		got, want any
	}{
		{"addr from the file", c.Addr, "127.0.0.1:9000"},
		{"db from the environment over the file", c.DB, "/from/env.db"},
		{"timeout from the file", c.Timeout, 3 * time.Second},
		{"introspection off in the file", c.Introspection, false},
		{"max cost from the flag over all", c.MaxCost, 3000},
		{"max depth by default", c.MaxDepth, defaults().MaxDepth},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.what, tc.got, tc.want)
		}
	}
}

func TestLoadConfig_refusals(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknown, []byte("adress: 1.2.3.4:80\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown key in the file", []string{"--config", unknown}, nil, "adress"},
		{"missing file", []string{"--config=" + filepath.Join(dir, "none.yaml")}, nil, "config file"},
		{"bad number in the environment", nil, map[string]string{"TUPU_MAX_COST": "lots"}, "TUPU_MAX_COST"},
		{"bad log format", []string{"--log-format", "xml"}, nil, "log format"},
		{"bad duration", []string{"--timeout", "soon"}, nil, "timeout"},
		{"negative response cache", []string{"--response-cache", "-5MiB"}, nil, "response-cache"},
		{"response cache without a unit", []string{"--response-cache", "1000"}, nil, "no unit"},
		{"negative max cost", []string{"--max-cost", "-5"}, nil, "--max-cost -5: a limit cannot be negative"},
		{"negative max depth", []string{"--max-depth=-1"}, nil, "--max-depth -1"},
		{"negative max aliases in the environment", nil, map[string]string{"TUPU_MAX_ALIASES": "-2"}, "--max-aliases -2"},
		{"address without a port", []string{"--addr", "localhost"}, nil, `addr "localhost"`},
		{"bad log level", []string{"--log-level", "loud"}, nil, `log level "loud"`},
		{"a trusted proxy by name", []string{"--trusted-proxies", "127.0.0.1/32,proxy.local"}, nil, `trusted proxies: "proxy.local"`},
		{"a bad prefix in the environment", nil, map[string]string{"TUPU_TRUSTED_PROXIES": "10.0.0.0/40"}, `trusted proxies: "10.0.0.0/40"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig("tupu", tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestLoadConfig_responseCache: the cache is bounded in bytes, 32 MiB by
// default; 0 turns it off; the config file takes the same sizes.
func TestLoadConfig_responseCache(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tupu.yaml")
	os.WriteFile(file, []byte("responseCache: 8MiB\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want int64
	}{
		{nil, 32 << 20},
		{[]string{"--response-cache", "512KiB"}, 512 << 10},
		{[]string{"--response-cache", "1.5GiB"}, 3 << 29},
		{[]string{"--response-cache", "64MB"}, 64e6},
		{[]string{"--response-cache", "0"}, -1},
		{[]string{"--config", file}, 8 << 20},
	} {
		c, err := loadConfig("tupu", tc.args, func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		opts, err := c.graphOptions(nil)
		if err != nil || opts.ResponseCacheBytes != tc.want {
			t.Errorf("%v: ResponseCacheBytes %d (%v), want %d", tc.args, opts.ResponseCacheBytes, err, tc.want)
		}
	}
}

// TestGraphOptions_trustedDocuments: a manifest given to the service gets
// the explorer's operations added, so a locked-down server still serves
// the explorer; a file that is not a manifest stops the start.
func TestGraphOptions_trustedDocuments(t *testing.T) {
	dir := t.TempDir()
	own := `{"ab12":"query Own { kinds { kind } }"}`
	good := filepath.Join(dir, "trusted.json")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(good, []byte(own), 0o644)
	os.WriteFile(bad, []byte(`["query Own { kinds { kind } }"]`), 0o644)

	c, err := loadConfig("tupu", []string{"--trusted-documents", good}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := c.graphOptions(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(opts.TrustedDocuments, &got); err != nil {
		t.Fatal(err)
	}
	explorerDocs := explorer.TrustedDocuments()
	if got["ab12"] != "query Own { kinds { kind } }" || len(got) != len(explorerDocs)+1 {
		t.Errorf("the manifest has %d documents, want its own one and the explorer's %d", len(got), len(explorerDocs))
	}
	for hash, doc := range explorerDocs {
		if got[hash] != doc {
			t.Errorf("the manifest lacks the explorer's %.40q", doc)
		}
	}

	c, err = loadConfig("tupu", []string{"--trusted-documents", bad}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.graphOptions(slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("a manifest that is a JSON array: err %v, want one naming the file", err)
	}
}
