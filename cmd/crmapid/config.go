package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// Config is crmapid's configuration: flags, each with a CRMAPI_* variable.
type Config struct {
	Listen        string
	DataDir       string
	Database      string
	SigningKey    string
	TokenLifetime time.Duration
	Demo          bool
	LogFormat     string
	LogLevel      string
	ShutdownGrace time.Duration
	// ReadHeaderTimeout bounds how long a client may take to send a
	// request's headers, so that slow-header (Slowloris) connections are
	// closed instead of holding the server's resources.
	ReadHeaderTimeout time.Duration
	// IdempotencyRetention is how long Idempotency-Keys are kept.
	IdempotencyRetention time.Duration
	// BenchCeiling mounts the benchmark's ceiling handler at /bench/ceiling.
	BenchCeiling bool
	// DebugListen, when set, serves net/http/pprof on a separate listener,
	// so that profiles are never reachable on the API's address.
	DebugListen string
	// Netflix configures the partner and the Netflix background work.
	Netflix NetflixConfig
	// Metrics configures /metrics.
	Metrics MetricsConfig
}

// bind declares the flags on fs with defaults taken from the environment.
func (c *Config) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.Listen, "listen", env("CRMAPI_LISTEN", "127.0.0.1:8080"), "address to listen on (CRMAPI_LISTEN)")
	fs.StringVar(&c.DataDir, "data-dir", env("CRMAPI_DATA_DIR", "data"), "directory for the SQLite database and the generated signing key (CRMAPI_DATA_DIR)")
	fs.StringVar(&c.Database, "database", env("CRMAPI_DATABASE", ""), "database: empty for SQLite in the data directory, a file path, sqlite:PATH, or postgres://… (CRMAPI_DATABASE)")
	fs.StringVar(&c.SigningKey, "signing-key", env("CRMAPI_SIGNING_KEY", ""), "HS256 token signing key, at least 32 bytes, or hex:… ; generated and kept in the data directory when empty (CRMAPI_SIGNING_KEY)")
	fs.DurationVar(&c.TokenLifetime, "token-lifetime", envDuration("CRMAPI_TOKEN_LIFETIME", 2*time.Hour), "token lifetime, at most 2h (CRMAPI_TOKEN_LIFETIME)")
	fs.BoolVar(&c.Demo, "demo", env("CRMAPI_DEMO", "") == "true" || env("CRMAPI_DEMO", "") == "1", "load the demo organisation and data (CRMAPI_DEMO)")
	fs.StringVar(&c.LogFormat, "log-format", env("CRMAPI_LOG_FORMAT", "text"), "log format: text or json (CRMAPI_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", env("CRMAPI_LOG_LEVEL", "info"), "log level: debug, info, warn, error (CRMAPI_LOG_LEVEL)")
	fs.DurationVar(&c.IdempotencyRetention, "idempotency-retention", envDuration("CRMAPI_IDEMPOTENCY_RETENTION", 24*time.Hour), "how long Idempotency-Keys are kept, at least 24h (CRMAPI_IDEMPOTENCY_RETENTION)")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", envDuration("CRMAPI_READ_HEADER_TIMEOUT", DefaultReadHeaderTimeout), "how long a client may take to send a request's headers (CRMAPI_READ_HEADER_TIMEOUT)")
	fs.BoolVar(&c.BenchCeiling, "bench-ceiling", false, "mount the benchmark ceiling handler at POST /bench/ceiling (for crmapid bench)")
	fs.StringVar(&c.DebugListen, "debug-listen", env("CRMAPI_DEBUG_LISTEN", ""), "address of a separate listener serving /debug/pprof/ (CRMAPI_DEBUG_LISTEN; empty: none)")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", envDuration("CRMAPI_SHUTDOWN_GRACE", 30*time.Second), "how long in-flight requests may take after SIGTERM (CRMAPI_SHUTDOWN_GRACE)")
	c.Netflix.bind(fs)
	c.Metrics.bind(fs)
}

// DefaultReadHeaderTimeout is the read-header timeout when none is configured.
const DefaultReadHeaderTimeout = 5 * time.Second

// readHeaderTimeout is the configured timeout, or the default for a zero
// Config (as tests and embedders build it).
func (c *Config) readHeaderTimeout() time.Duration {
	if c.ReadHeaderTimeout > 0 {
		return c.ReadHeaderTimeout
	}
	return DefaultReadHeaderTimeout
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, ok := os.LookupEnv(name); ok {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
		// An unparsable value must not silently become the default.
		return -1
	}
	return def
}

// validate checks everything before anything is opened.
func (c *Config) validate() error {
	var errs []error
	if c.Listen == "" {
		errs = append(errs, errors.New("listen: empty address"))
	}
	if c.TokenLifetime <= 0 || c.TokenLifetime > crmapi.MaxTokenLifetime {
		errs = append(errs, fmt.Errorf("token-lifetime: must be between 1s and %s", crmapi.MaxTokenLifetime))
	}
	if c.IdempotencyRetention != 0 && c.IdempotencyRetention < 24*time.Hour {
		errs = append(errs, errors.New("idempotency-retention: at least 24h"))
	}
	if c.ReadHeaderTimeout < 0 {
		errs = append(errs, errors.New("read-header-timeout: must be a positive duration"))
	}
	if c.ShutdownGrace < 0 {
		errs = append(errs, errors.New("shutdown-grace: must be a duration"))
	}
	if c.SigningKey != "" {
		if _, err := decodeKey(c.SigningKey); err != nil {
			errs = append(errs, fmt.Errorf("signing-key: %w", err))
		}
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, errors.New("log-format: text or json"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, errors.New("log-level: debug, info, warn or error"))
	}
	errs = append(errs, c.Netflix.validate(), c.Metrics.validate())
	return errors.Join(errs...)
}

func (c *Config) isPostgres() bool {
	return strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://")
}

// sqlitePath is the SQLite file to use when the database is not PostgreSQL.
func (c *Config) sqlitePath() string {
	switch {
	case c.Database == "":
		return filepath.Join(c.DataDir, "crmapi.db")
	case strings.HasPrefix(c.Database, "sqlite:"):
		return strings.TrimPrefix(strings.TrimPrefix(c.Database, "sqlite:"), "//")
	}
	return c.Database
}

// decodeKey reads a signing key: "hex:…" or the raw string; at least 32 bytes.
func decodeKey(s string) ([]byte, error) {
	var key []byte
	if rest, ok := strings.CutPrefix(s, "hex:"); ok {
		b, err := hex.DecodeString(rest)
		if err != nil {
			return nil, errors.New("not hex")
		}
		key = b
	} else {
		key = []byte(s)
	}
	if len(key) < service.MinSigningKeyLength {
		return nil, fmt.Errorf("%d bytes; at least %d are required", len(key), service.MinSigningKeyLength)
	}
	return key, nil
}

// signingKey returns the configured key, or the one kept in the data
// directory, generating it (32 random bytes) on first use.
func (c *Config) signingKey() ([]byte, error) {
	if c.SigningKey != "" {
		return decodeKey(c.SigningKey)
	}
	path := filepath.Join(c.DataDir, "signing.key")
	if b, err := os.ReadFile(path); err == nil {
		return decodeKey("hex:" + strings.TrimSpace(string(b)))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, err
	}
	hexKey := crmapi.RandomToken(32)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return c.signingKey() // another process made it first
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(hexKey + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return decodeKey("hex:" + hexKey)
}

// describe returns the config for the start-up log, secrets masked.
func (c *Config) describe() []any {
	key := "(generated, kept in " + filepath.Join(c.DataDir, "signing.key") + ")"
	if c.SigningKey != "" {
		key = "(set, masked)"
	}
	return append([]any{"listen", c.Listen, "data_dir", c.DataDir, "database", maskDatabase(c.Database, c.sqlitePath(), c.isPostgres()),
		"signing_key", key, "token_lifetime", c.TokenLifetime.String(), "demo", c.Demo, "log_format", c.LogFormat,
		"log_level", c.LogLevel, "shutdown_grace", c.ShutdownGrace.String(), "read_header_timeout", c.readHeaderTimeout().String(),
		"idempotency_retention", c.IdempotencyRetention.String()},
		c.Netflix.describe()...)
}

// maskDatabase hides a password in a PostgreSQL URL.
func maskDatabase(dsn, sqlitePath string, pg bool) string {
	if !pg {
		return "sqlite:" + sqlitePath
	}
	scheme, rest, _ := strings.Cut(dsn, "://")
	creds, host, ok := strings.Cut(rest, "@")
	if !ok {
		return dsn
	}
	user, _, hasPass := strings.Cut(creds, ":")
	if hasPass {
		return scheme + "://" + user + ":*****@" + host
	}
	return dsn
}
