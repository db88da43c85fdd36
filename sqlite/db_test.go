package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/sqlite"
	"github.com/crmapi/crmapi/storetest"
)

func openTemp(tb testing.TB) crmapi.Store {
	tb.Helper()
	db, err := sqlite.OpenUnsynced(context.Background(), filepath.Join(tb.TempDir(), "crmapi.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) { storetest.Run(t, openTemp) }

func TestIntegrityAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crmapi.db")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustTenant(t, db, "ACME")
	db.Close()
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if res, err := db.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity_check = %q, %v", res, err)
	}
	err = db.View(ctx, func(tx crmapi.Tx) error { _, err := tx.OrganisationByName("ACME"); return err })
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkShows: go test -run XXX -bench Shows -benchmem ./sqlite
func BenchmarkShows(b *testing.B) { storetest.BenchmarkShows(b, openTemp) }
