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

	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/service"
)

// Password is the password of the admin user "admin" of organisation ACME.
const Password = "correct horse battery"

// Start serves the API on 127.0.0.1 with organisation ACME and returns its
// URL and services; the server stops when the test ends.
func Start(tb testing.TB) (string, *service.Services) {
	tb.Helper()
	store := testdb.SQLite(tb)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := service.New(service.Config{Store: store, SigningKey: []byte("0123456789abcdef0123456789abcdef"), Logger: log,
		LoginLimits: service.LoginLimits{ClientAttempts: 100, AccountAttempts: 100, Window: time.Minute}})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.Auth.Bootstrap(context.Background(), service.Bootstrap{Organisation: "ACME", Password: Password}); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewServer(httpapi.Config{Services: svc, Store: store, Logger: log}))
	tb.Cleanup(srv.Close)
	return srv.URL, svc
}
