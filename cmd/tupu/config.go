package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"tupu/clientaddr"
	"tupu/explorer"
	"tupu/graph/limits"
	"tupu/httpapi"
	"tupu/store"
)

// config is every setting of the program, in one place. Each comes from,
// in rising precedence: its default (production values), the config file
// (--config or TUPU_CONFIG, YAML with the keys below), the environment
// (TUPU_ and the key in upper snake case), and the command line.
type config struct {
	Addr             string        `yaml:"addr"`
	DB               string        `yaml:"db"`
	Store            string        `yaml:"store"`
	SearchIndex      string        `yaml:"searchIndex"`
	LogFormat        string        `yaml:"logFormat"`
	LogLevel         string        `yaml:"logLevel"`
	MaxBodyBytes     int64         `yaml:"maxBodyBytes"`
	Timeout          time.Duration `yaml:"timeout"`
	WriteTimeout     time.Duration `yaml:"writeTimeout"`
	Introspection    bool          `yaml:"introspection"`
	SchemaURL        bool          `yaml:"schemaURL"`
	Development      bool          `yaml:"development"`
	TrustedDocuments string        `yaml:"trustedDocuments"`
	MaxCost          int           `yaml:"maxCost"`
	MaxDepth         int           `yaml:"maxDepth"`
	MaxAliases       int           `yaml:"maxAliases"`
	MaxDirectives    int           `yaml:"maxDirectives"`
	ReadsNeedToken   bool          `yaml:"readsNeedToken"`
	AllowedOrigins   string        `yaml:"allowedOrigins"`
	CORSOrigins      string        `yaml:"corsOrigins"`
	CORSCredentials  bool          `yaml:"corsCredentials"`
	DebugAddr        string        `yaml:"debugAddr"`
	ResponseCache    byteSize      `yaml:"responseCache"`
	MaxSubscriptions int64         `yaml:"maxSubscriptions"`
	MaxStreams       int           `yaml:"maxStreamsPerClient"`
	MaxConnections   int           `yaml:"maxConnectionsPerClient"`
	TrustedProxies   string        `yaml:"trustedProxies"`
}

// defaults are the production settings.
func defaults() *config {
	l := limits.Default()
	return &config{
		Addr:             "127.0.0.1:8080",
		DB:               "./data/tupu.db",
		LogFormat:        "text",
		LogLevel:         "info",
		MaxBodyBytes:     64 << 10,
		Timeout:          10 * time.Second,
		WriteTimeout:     60 * time.Second,
		Introspection:    true, // the playground needs it
		SchemaURL:        true,
		MaxCost:          l.MaxCost,
		MaxDepth:         l.MaxDepth,
		MaxAliases:       l.MaxAliases,
		MaxDirectives:    l.MaxDirectives,
		ResponseCache:    httpapi.DefaultResponseCacheBytes,
		MaxSubscriptions: 5000,
		MaxStreams:       256,
		MaxConnections:   httpapi.DefaultConnectionsPerClient,
	}
}

// setting binds one field of config to a flag, an environment variable and
// a line of help.
type setting struct {
	flag, env, help string
	value           flag.Value
}

func (c *config) settings() []setting {
	return []setting{
		{"addr", "TUPU_ADDR", "address to listen on", (*stringValue)(&c.Addr)},
		{"db", "TUPU_DB", "path of the database file", (*stringValue)(&c.DB)},
		{"store", "TUPU_STORE", storeHelp, (*stringValue)(&c.Store)},
		{"search-index", "TUPU_SEARCH_INDEX", "directory of the search index (default: the database path + .search)", (*stringValue)(&c.SearchIndex)},
		{"log-format", "TUPU_LOG_FORMAT", "log format: text or json", (*stringValue)(&c.LogFormat)},
		{"log-level", "TUPU_LOG_LEVEL", "least level logged: debug, info, warn, error", (*stringValue)(&c.LogLevel)},
		{"max-body-bytes", "TUPU_MAX_BODY_BYTES", "largest request body; larger gets 413", (*int64Value)(&c.MaxBodyBytes)},
		{"timeout", "TUPU_TIMEOUT", "longest a request may work", (*durationValue)(&c.Timeout)},
		{"write-timeout", "TUPU_WRITE_TIMEOUT", "longest the server takes to write an answer to a slow client (not backups)", (*durationValue)(&c.WriteTimeout)},
		{"introspection", "TUPU_INTROSPECTION", "allow schema introspection (the playground needs it)", (*boolValue)(&c.Introspection)},
		{"schema-url", "TUPU_SCHEMA_URL", "serve the schema's SDL at /schema.graphql (also with introspection off)", (*boolValue)(&c.SchemaURL)},
		{"development", "TUPU_DEVELOPMENT", "development mode: field suggestions in errors", (*boolValue)(&c.Development)},
		{"trusted-documents", "TUPU_TRUSTED_DOCUMENTS", "JSON manifest of sha256 → document; when set, only those run", (*stringValue)(&c.TrustedDocuments)},
		{"max-cost", "TUPU_MAX_COST", "most objects one operation may return: estimated before it runs, counted while it runs; 0 turns the limit off", (*intValue)(&c.MaxCost)},
		{"max-depth", "TUPU_MAX_DEPTH", "deepest selection of an operation; 0 turns the limit off", (*intValue)(&c.MaxDepth)},
		{"max-aliases", "TUPU_MAX_ALIASES", "most aliases in an operation; 0 turns the limit off", (*intValue)(&c.MaxAliases)},
		{"max-directives", "TUPU_MAX_DIRECTIVES", "most directives in an operation; 0 turns the limit off", (*intValue)(&c.MaxDirectives)},
		{"reads-need-token", "TUPU_READS_NEED_TOKEN", "refuse reads without a valid token", (*boolValue)(&c.ReadsNeedToken)},
		{"allowed-origins", "TUPU_ALLOWED_ORIGINS", "comma-separated host patterns of other sites' pages that may open a WebSocket", (*stringValue)(&c.AllowedOrigins)},
		{"cors-origins", "TUPU_CORS_ORIGINS", "comma-separated origins (https://app.example.com, https://*.example.com) whose pages may call /graphql from a browser", (*stringValue)(&c.CORSOrigins)},
		{"cors-credentials", "TUPU_CORS_CREDENTIALS", "let those pages send cookies and HTTP authentication", (*boolValue)(&c.CORSCredentials)},
		{"response-cache", "TUPU_RESPONSE_CACHE", "bytes the response cache may hold, with a unit (32MiB); 0 turns it off", &c.ResponseCache},
		{"max-subscriptions", "TUPU_MAX_SUBSCRIPTIONS", "most subscriptions open at once on the server", (*int64Value)(&c.MaxSubscriptions)},
		{"max-streams-per-client", "TUPU_MAX_STREAMS_PER_CLIENT", "most WebSockets and event streams one client address holds open", (*intValue)(&c.MaxStreams)},
		{"max-connections-per-client", "TUPU_MAX_CONNECTIONS_PER_CLIENT", "most connections one client address holds open", (*intValue)(&c.MaxConnections)},
		{"trusted-proxies", "TUPU_TRUSTED_PROXIES", "comma-separated addresses and CIDR prefixes (127.0.0.1/32,10.0.0.0/8) of proxies whose X-Forwarded-For names the client (default: none, every client is its peer)", (*stringValue)(&c.TrustedProxies)},
		{"debug-addr", "TUPU_DEBUG_ADDR", "address of a second listener serving Go's profiler at /debug/pprof/ (default: none)", (*stringValue)(&c.DebugAddr)},
	}
}

// loadConfig reads the settings for the subcommand name ("tupu serve",
// "tupu seed") from a config file, the environment and args, in that
// order of precedence. more, when given, defines the subcommand's own
// flags. Asked for help, it prints it on stdout and returns errHelped.
func loadConfig(name string, args []string, getenv func(string) string, stdout io.Writer, more ...func(*flag.FlagSet)) (*config, error) {
	c := defaults()
	fs := newFlags(name, cmp.Or(serviceUsage[name], serviceUsage["tupu serve"]))
	fs.String("config", "", "YAML file of settings, keyed as in docs/configuration.md [TUPU_CONFIG]")
	for _, s := range c.settings() {
		fs.Var(s.value, s.flag, s.help+" ["+s.env+"]")
	}
	for _, m := range more {
		m(fs)
	}
	if slices.ContainsFunc(args, isHelpFlag) {
		// Help shows the defaults, whatever the file and the environment say.
		return nil, parse(fs, []string{"--help"}, stdout)
	}
	if path := configPath(args, getenv); path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config file: %w", err)
		}
		if err := yaml.NewDecoder(bytes.NewReader(raw), yaml.Strict()).Decode(c); err != nil && err != io.EOF {
			return nil, fmt.Errorf("config file %s: %s", path, yaml.FormatError(err, false, true))
		}
	}
	for _, s := range c.settings() {
		if v := getenv(s.env); v != "" {
			if err := s.value.Set(v); err != nil {
				return nil, fmt.Errorf("%s=%q: %v", s.env, v, err)
			}
		}
	}
	if err := parse(fs, args, stdout); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("%s: unexpected arguments %v (see %s --help)", name, fs.Args(), name)
	}
	return c, c.check()
}

// isHelpFlag reports whether a is -h, -help or --help.
func isHelpFlag(a string) bool {
	switch a {
	case "-h", "-help", "--help", "--h":
		return true
	}
	return false
}

// configPath finds --config in args, else TUPU_CONFIG.
func configPath(args []string, getenv func(string) string) string {
	for i, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "config" {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return getenv("TUPU_CONFIG")
}

// check refuses settings that cannot be meant: a limit below zero does
// not turn it off silently, it is an error; zero turns a limit off where
// the help says so.
func (c *config) check() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("addr %q: %v (write host:port, such as 127.0.0.1:8080 or :8080)", c.Addr, err)
	}
	if c.DebugAddr != "" {
		if _, _, err := net.SplitHostPort(c.DebugAddr); err != nil {
			return fmt.Errorf("debug addr %q: %v (write host:port)", c.DebugAddr, err)
		}
	}
	for _, l := range []struct {
		name  string
		value int
	}{{"max-cost", c.MaxCost}, {"max-depth", c.MaxDepth}, {"max-aliases", c.MaxAliases}, {"max-directives", c.MaxDirectives}} {
		if l.value < 0 {
			return fmt.Errorf("--%s %d: a limit cannot be negative (0 turns it off)", l.name, l.value)
		}
	}
	switch {
	case c.LogFormat != "text" && c.LogFormat != "json":
		return fmt.Errorf("log format %q: use text or json", c.LogFormat)
	case c.MaxBodyBytes < 1024:
		return fmt.Errorf("max body bytes %d: at least 1024", c.MaxBodyBytes)
	case c.Timeout <= 0 || c.WriteTimeout <= 0:
		return fmt.Errorf("timeouts must be positive")
	case c.MaxSubscriptions < 1 || c.MaxStreams < 1 || c.MaxConnections < 1:
		return fmt.Errorf("max subscriptions, max streams and max connections per client: at least 1")
	case c.DB == "":
		return fmt.Errorf("db: name the database file")
	}
	if _, err := c.location(); err != nil {
		return err
	}
	if _, err := c.trustedProxies(); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("log level %q: use debug, info, warn or error", c.LogLevel)
	}
	return nil
}

// trustedProxies returns the proxies whose X-Forwarded-For the server
// reads (none by default).
func (c *config) trustedProxies() (*clientaddr.Trusted, error) {
	return clientaddr.Parse(c.TrustedProxies)
}

// location returns where the graph is: the cluster of --store, or the
// file of --db.
func (c *config) location() (string, error) { return location(c.DB, c.Store) }

// logger returns the logger the settings ask for.
func (c *config) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		// Durations in seconds, as a float, the unit log pipelines and
		// Prometheus use; slog's JSON handler writes integer nanoseconds.
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			if a.Value.Kind() == slog.KindDuration {
				return slog.Float64(a.Key, a.Value.Duration().Seconds())
			}
			return a
		}
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// graphOptions returns the GraphQL handler's options.
func (c *config) graphOptions(log *slog.Logger) (httpapi.Options, error) {
	l := limits.Default()
	l.MaxCost, l.MaxDepth, l.MaxAliases, l.MaxDirectives = c.MaxCost, c.MaxDepth, c.MaxAliases, c.MaxDirectives
	opts := httpapi.Options{
		Logger: log, MaxBodyBytes: c.MaxBodyBytes, Timeout: c.Timeout, WriteTimeout: c.WriteTimeout, Limits: &l,
		NoIntrospection: !c.Introspection, HideSchema: !c.SchemaURL, Development: c.Development, ReadsNeedToken: c.ReadsNeedToken,
		ResponseCacheBytes: int64(c.ResponseCache),
		MaxSubscriptions:   c.MaxSubscriptions, MaxStreamsPerClient: c.MaxStreams,
	}
	if c.ResponseCache == 0 {
		opts.ResponseCacheBytes = -1 // off
	}
	opts.AllowedOrigins = list(c.AllowedOrigins)
	opts.CORSOrigins, opts.CORSCredentials = list(c.CORSOrigins), c.CORSCredentials
	if c.TrustedDocuments != "" {
		raw, err := os.ReadFile(c.TrustedDocuments)
		if err != nil {
			return opts, fmt.Errorf("trusted documents: %w", err)
		}
		if opts.TrustedDocuments, err = withExplorer(raw); err != nil {
			return opts, fmt.Errorf("trusted documents %s: %w", c.TrustedDocuments, err)
		}
	}
	return opts, nil
}

// list splits a comma-separated setting.
func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// withExplorer adds the explorer's operations to a trusted-documents
// manifest, so that a server running only trusted documents still serves
// the explorer it ships with.
func withExplorer(manifest []byte) ([]byte, error) {
	var docs map[string]string
	if err := json.Unmarshal(manifest, &docs); err != nil {
		return nil, fmt.Errorf("not a JSON object of hash to document: %w", err)
	}
	if docs == nil {
		return nil, errors.New("not a JSON object of hash to document")
	}
	maps.Copy(docs, explorer.TrustedDocuments())
	return json.Marshal(docs)
}

// flag.Value implementations for the kinds of settings.
type (
	stringValue   string
	int64Value    int64
	intValue      int
	boolValue     bool
	durationValue time.Duration
)

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

func (v *int64Value) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	*v = int64Value(n)
	return err
}
func (v *int64Value) String() string { return strconv.FormatInt(int64(*v), 10) }

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	*v = intValue(n)
	return err
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	*v = boolValue(b)
	return err
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	*v = durationValue(d)
	return err
}
func (v *durationValue) String() string { return time.Duration(*v).String() }

// byteSize is a size in bytes written with a unit: 512KiB, 32MiB, 1GiB
// (or KB, MB, GB in powers of ten, or B); 0 needs none.
type byteSize int64

var byteUnits = []struct {
	suffix string
	bytes  int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}

func (v *byteSize) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "0" {
		*v = 0
		return nil
	}
	for _, u := range byteUnits {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if err != nil || n < 0 || n*float64(u.bytes) > 1<<50 {
				return fmt.Errorf("%q is not a size such as 32MiB", s)
			}
			*v = byteSize(n * float64(u.bytes))
			return nil
		}
	}
	return fmt.Errorf("%q has no unit: write a size such as 32MiB (or 0 for none)", s)
}

func (v *byteSize) String() string {
	for _, u := range byteUnits[:3] {
		if n := int64(*v); n >= u.bytes && n%u.bytes == 0 && (n/u.bytes < 1024 || u.suffix == "GiB") {
			return strconv.FormatInt(n/u.bytes, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(*v), 10) + "B"
}

// UnmarshalText reads a size from the config file.
func (v *byteSize) UnmarshalText(b []byte) error { return v.Set(string(b)) }

// searchDir is where the search index of s lives: beside the database
// file unless set (for a cluster, see clusterIndexDir).
func (c *config) searchDir(s *store.Store) string {
	switch {
	case c.SearchIndex != "":
		return c.SearchIndex
	case !s.IsFile():
		return clusterIndexDir(c.DB, s)
	}
	return c.DB + ".search"
}
