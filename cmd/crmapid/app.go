package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/console"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/jobs"
	"github.com/crmapi/crmapi/metrics"
	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
	"github.com/crmapi/crmapi/postgres"
	"github.com/crmapi/crmapi/service"
	"github.com/crmapi/crmapi/sqlite"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
)

func versionString() string {
	v := crmapi.Version
	if info, ok := debug.ReadBuildInfo(); ok && v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	return v
}

// newLogger builds the slog logger the config asks for.
func newLogger(c *Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the configured database and migrates it.
func openStore(ctx context.Context, c *Config) (crmapi.Store, error) {
	if c.isPostgres() {
		return postgres.Open(ctx, c.Database)
	}
	return sqlite.Open(ctx, c.sqlitePath())
}

// Main is the running server: Run starts it, Close stops it. The
// end-to-end tests start the real program through it on 127.0.0.1:0.
type Main struct {
	Config Config
	Clock  crmapi.Clock
	Out    io.Writer
	Log    *slog.Logger

	Store    crmapi.Store
	Services *service.Services
	Queue    *jobs.Queue
	Handler  *httpapi.Server
	// Registry holds the Prometheus metrics served at /metrics; Metrics
	// are those beyond the HTTP layer's (see package metrics).
	Registry *prometheus.Registry
	Metrics  *metrics.Metrics
	// Partner is the Netflix partner client; Emulator the in-process
	// partner when no partner URL is configured, PartnerKey its key.
	Partner    *partner.Client
	Emulator   *emulator.Emulator
	PartnerKey string

	listener  net.Listener
	server    *http.Server
	debug     *http.Server
	bg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Run validates the config, opens the database, prepares first-run or demo
// data and starts serving in the background.
func (m *Main) Run(ctx context.Context) error {
	c := &m.Config
	if err := c.validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	if m.Out == nil {
		m.Out = io.Discard
	}
	if m.Log == nil {
		m.Log = newLogger(c, m.Out)
	}
	if m.Clock == nil {
		m.Clock = crmapi.SystemClock{}
	}
	m.Log.Info("crmapid starting", append([]any{"version", versionString()}, c.describe()...)...)
	key, err := c.signingKey()
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	// Listening first: the in-process partner emulator is reached, and
	// hands out sign-up links, at this server's own address.
	if m.listener, err = net.Listen("tcp", c.Listen); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	extra := map[string]http.Handler{}
	// The metrics first: the partner client reports to them.
	m.Registry = prometheus.NewRegistry()
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.Metrics = metrics.New(m.Registry, m.Log)
	m.setupPartner(extra)
	if m.Store, err = openStore(ctx, c); err != nil {
		return err
	}
	m.Services, err = service.New(service.Config{Store: m.Store, Clock: m.Clock, SigningKey: key,
		TokenLifetime: c.TokenLifetime, Logger: m.Log, IdempotencyRetention: c.IdempotencyRetention,
		Partner: m.Partner, Netflix: c.Netflix.serviceConfig()})
	if err != nil {
		return err
	}
	m.Services.Events.Observe(m.Metrics.ObserveEvent)
	if err := m.watch(); err != nil {
		return err
	}
	if err := m.prepareData(ctx); err != nil {
		return err
	}
	workers := river.NewWorkers()
	periodic := m.Services.Jobs(workers)
	m.Queue, err = jobs.Open(ctx, m.Store, jobs.Config{Workers: workers, Periodic: periodic, Logger: m.Log,
		PollInterval: c.Netflix.JobPollInterval})
	if err != nil {
		return err
	}
	m.Services.UseQueue(m.Queue)
	if err := m.Queue.Start(context.Background()); err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	if c.BenchCeiling {
		extra["POST /bench/ceiling"] = httpapi.CeilingHandler(m.Services.Auth.VerifyToken)
	}
	extra["GET /metrics"] = httpapi.MetricsHandler(m.Registry)
	extra[console.Path] = console.New(console.Config{Services: m.Services, Logger: m.Log, Key: consoleKey(key)})
	m.Handler = httpapi.NewServer(httpapi.Config{Services: m.Services, Store: m.Store, Logger: m.Log,
		Metrics: httpapi.NewMetrics(m.Registry),
		Extra:   extra})
	m.server = &http.Server{
		Handler:           m.Handler,
		ReadHeaderTimeout: c.readHeaderTimeout(),
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	if err := m.startDebug(); err != nil {
		return fmt.Errorf("debug listener: %w", err)
	}
	m.bg.Add(1)
	go func() {
		defer m.bg.Done()
		if err := m.server.Serve(m.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("serve", "err", err)
		}
	}()
	m.Log.Info("crmapid listening", "url", m.URL()+httpapi.Prefix, "console", m.URL()+console.Path, "engine", m.Store.Engine())
	if c.Demo {
		m.loadNetflixDemo(ctx)
	}
	return nil
}

// consoleKey derives the console's form-signing key from the token
// signing key, so that every process of one installation accepts the
// forms the others showed, without another secret to configure.
func consoleKey(signingKey []byte) []byte {
	m := hmac.New(sha256.New, signingKey)
	m.Write([]byte("crmapi console forms"))
	return m.Sum(nil)
}

// URL is the server's base URL.
func (m *Main) URL() string { return "http://" + m.listener.Addr().String() }

// Close stops accepting requests, lets in-flight ones finish within the
// grace period, stops background work and closes the database.
func (m *Main) Close() error {
	m.closeOnce.Do(func() { m.closeErr = m.close() })
	return m.closeErr
}

func (m *Main) close() error {
	var errs []error
	grace := m.Config.ShutdownGrace
	if grace <= 0 {
		grace = 30 * time.Second
	}
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		errs = append(errs, m.server.Shutdown(ctx))
		cancel()
	}
	if m.debug != nil {
		errs = append(errs, m.debug.Close())
	}
	if m.server == nil && m.listener != nil {
		m.listener.Close() // Run failed before serving
	}
	m.bg.Wait()
	if m.Queue != nil {
		// Running jobs get the grace period to finish; the rest stay queued
		// and are picked up by the next process.
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		errs = append(errs, m.Queue.Stop(ctx))
		cancel()
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errors.Join(errs...)
}
