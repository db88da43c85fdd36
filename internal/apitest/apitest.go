// Package apitest starts a real crmapi HTTP server over a real SQLite store
// for the tests of the API's clients (the SDK and the CLI).
package apitest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
	"github.com/crmapi/crmapi/service"
)

// Password is the password of the admin user "admin" of organisation ACME.
const Password = "correct horse battery"

// Server is a running API server and what tests reach behind it.
type Server struct {
	URL      string
	Store    crmapi.Store
	Services *service.Services
	// Partner is the emulated Netflix partner the server calls.
	Partner *emulator.Emulator
	// Org is organisation ACME.
	Org crmapi.Organisation
}

// Start serves the API on 127.0.0.1 with organisation ACME and returns its
// URL and services; the server stops when the test ends.
func Start(tb testing.TB) (string, *service.Services) {
	s := StartServer(tb)
	return s.URL, s.Services
}

// StartServer is Start with a Netflix partner emulator behind the
// server, whose charges are processed at once.
func StartServer(tb testing.TB) *Server {
	tb.Helper()
	store := testdb.SQLite(tb)
	emu := emulator.New(emulator.Options{APIKey: "partner-key", ProcessingDelay: -1})
	psrv := httptest.NewServer(emu)
	tb.Cleanup(psrv.Close)
	cl := partner.NewClient(partner.ClientConfig{BaseURL: psrv.URL, APIKey: "partner-key", Timeout: time.Second, MaxAttempts: 2,
		BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := service.New(service.Config{Store: store, SigningKey: []byte("0123456789abcdef0123456789abcdef"), Logger: log,
		LoginLimits: service.LoginLimits{ClientAttempts: 100, AccountAttempts: 100, Window: time.Minute},
		Partner:     cl, Netflix: service.NetflixConfig{RetryBase: time.Millisecond, RetryMax: 5 * time.Millisecond}})
	if err != nil {
		tb.Fatal(err)
	}
	res, err := svc.Auth.Bootstrap(context.Background(), service.Bootstrap{Organisation: "ACME", Password: Password})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewServer(httpapi.Config{Services: svc, Store: store, Logger: log}))
	tb.Cleanup(srv.Close)
	return &Server{URL: srv.URL, Store: store, Services: svc, Partner: emu, Org: res.Organisation}
}

// SignUp does, after netflix/subscriptions/create, what the customer and
// the background jobs would: redeems the sign-up token on the partner and
// lets crmapi learn of the account and fetch its charges.
func (s *Server) SignUp(tb testing.TB, token string) {
	tb.Helper()
	if _, err := s.Partner.RedeemToken(token, "customer@example.com"); err != nil {
		tb.Fatal(err)
	}
	s.Sync(tb)
}

// Sync runs the Netflix background work once: reconciliation with the
// partner, pending partner operations of every subscription, and the charges feed.
func (s *Server) Sync(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	if _, err := s.Services.Netflix.Reconcile(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := s.Services.Netflix.PollCharges(ctx); err != nil {
		tb.Fatal(err)
	}
}
