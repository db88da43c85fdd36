// Package testdb gives tests fresh databases on both engines: a SQLite
// file in a temporary directory, and a PostgreSQL database created on the
// server named by CRMAPI_TEST_POSTGRES_URL and dropped when the test ends.
package testdb

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/postgres"
	"github.com/crmapi/crmapi/sqlite"
	"github.com/jackc/pgx/v5"
)

// ServerURL returns the PostgreSQL server tests may create databases on.
// Without CRMAPI_TEST_POSTGRES_URL the test is skipped, unless
// CRMAPI_REQUIRE_POSTGRES is set (as CI does), when it fails instead.
func ServerURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("CRMAPI_TEST_POSTGRES_URL")
	if u != "" {
		return u
	}
	if os.Getenv("CRMAPI_REQUIRE_POSTGRES") != "" {
		tb.Fatal("CRMAPI_REQUIRE_POSTGRES is set but CRMAPI_TEST_POSTGRES_URL is empty")
	}
	tb.Skip("PostgreSQL tests skipped: set CRMAPI_TEST_POSTGRES_URL=postgres://user@host:port/db?sslmode=disable to run them")
	return ""
}

// FreshPostgresURL creates an empty database for one test, drops it when
// the test ends, and returns its URL.
func FreshPostgresURL(tb testing.TB) string {
	tb.Helper()
	server := ServerURL(tb)
	name := "crmapi_test_" + crmapi.RandomToken(8)
	AdminExec(tb, server, `CREATE DATABASE `+name)
	tb.Cleanup(func() { AdminExec(tb, server, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	return DatabaseURL(tb, server, name)
}

// DatabaseURL points server (URL or key=value form) at database name.
func DatabaseURL(tb testing.TB, server, name string) string {
	tb.Helper()
	if !strings.Contains(server, "://") {
		return server + " dbname=" + name
	}
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("CRMAPI_TEST_POSTGRES_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// AdminExec runs one statement on its own connection.
func AdminExec(tb testing.TB, dbURL, sql string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatalf("connect to test server: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

// OpenPostgres opens the store on dbURL, closed when the test ends.
func OpenPostgres(tb testing.TB, dbURL string) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Postgres returns a store on a fresh PostgreSQL database.
func Postgres(tb testing.TB) crmapi.Store { return OpenPostgres(tb, FreshPostgresURL(tb)) }

// SQLite returns a store on a fresh SQLite file.
func SQLite(tb testing.TB) crmapi.Store {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "crmapi.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Engines runs fn once per engine, as subtests "sqlite" and "postgres".
func Engines(t *testing.T, fn func(t *testing.T, open func(testing.TB) crmapi.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite) })
	t.Run("postgres", func(t *testing.T) {
		ServerURL(t)
		fn(t, Postgres)
	})
}
