package postgres_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/postgres"
	"github.com/crmapi/crmapi/storetest"
)

func mustFreshDatabase(tb testing.TB) string { return testdb.FreshPostgresURL(tb) }

func mustAdminExec(tb testing.TB, dbURL, sql string) { testdb.AdminExec(tb, dbURL, sql) }

func mustOpen(tb testing.TB, dbURL string) *postgres.DB { return testdb.OpenPostgres(tb, dbURL) }

func openFresh(tb testing.TB) crmapi.Store { return mustOpen(tb, mustFreshDatabase(tb)) }

func TestStore(t *testing.T) { storetest.Run(t, openFresh) }

// write_lanes=0 (a transaction per Update) keeps every behaviour too.
func TestStoreOneTransactionPerUpdate(t *testing.T) {
	storetest.Run(t, func(tb testing.TB) crmapi.Store {
		return mustOpen(tb, withParam(mustFreshDatabase(tb), "write_lanes", "0"))
	})
}

// Several crmapid processes starting at once on an empty database must all
// come up: the advisory lock makes them migrate one after another.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	dbURL := mustFreshDatabase(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			db, err := postgres.Open(context.Background(), dbURL)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open #%d: %v", i, err)
		}
	}
	db := mustOpen(t, dbURL)
	if v, err := db.SchemaVersion(context.Background()); err != nil || v != crmapi.SchemaVersion {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, crmapi.SchemaVersion)
	}
	storetest.MustTenant(t, db, "ACME")
}

// Durability must not depend on how the server or database is configured.
func TestSynchronousCommitOn(t *testing.T) {
	dbURL := mustFreshDatabase(t)
	u, err := url.Parse(dbURL)
	if err != nil || !strings.HasPrefix(u.Path, "/") {
		t.Skip("needs CRMAPI_TEST_POSTGRES_URL in URL form")
	}
	mustAdminExec(t, dbURL, `ALTER DATABASE `+strings.TrimPrefix(u.Path, "/")+` SET synchronous_commit = off`)
	db := mustOpen(t, dbURL)
	got, err := db.Setting(context.Background(), "synchronous_commit")
	if err != nil || got != "on" {
		t.Fatalf("synchronous_commit = %q, %v; want on", got, err)
	}
}

// Two transactions locking the same rows in opposite order deadlock;
// PostgreSQL aborts one, and Update must run it again rather than fail.
func TestUpdateRetriesDeadlock(t *testing.T) {
	for _, lanes := range []string{"0", "2"} {
		t.Run("write_lanes="+lanes, func(t *testing.T) { testUpdateRetriesDeadlock(t, lanes) })
	}
}

func testUpdateRetriesDeadlock(t *testing.T, lanes string) {
	s := mustOpen(t, withParam(mustFreshDatabase(t), "write_lanes", lanes))
	a := storetest.MustTenant(t, s, "ACME")
	b := storetest.MustTenant(t, s, "Globex")
	var calls atomic.Int32
	var bothLocked sync.WaitGroup
	bothLocked.Add(2)
	var firstAttempt [2]sync.Once
	// The second Update is sent only once the first holds its first row,
	// so that each runs in a transaction of its own, not in one batch.
	firstLocked := make(chan struct{})
	lockInOrder := func(i int, first, second crmapi.User) error {
		return s.Update(context.Background(), func(tx crmapi.Tx) error {
			calls.Add(1)
			if err := tx.UpdateUser(first); err != nil {
				return err
			}
			firstAttempt[i].Do(func() {
				if i == 0 {
					close(firstLocked)
				}
				bothLocked.Done()
				bothLocked.Wait()
			})
			return tx.UpdateUser(second)
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- lockInOrder(0, a.User, b.User) }()
	<-firstLocked
	go func() { errs <- lockInOrder(1, b.User, a.User) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	// At least one retry; a loaded machine may see the retried transaction
	// aborted once more before it goes through, which Update also absorbs.
	if got := calls.Load(); got < 3 {
		t.Fatalf("fn ran %d times, want at least 3 (a retry after the deadlock)", got)
	}
}

// After CONFLICT the transaction goes on, as it does on SQLite, so a
// service may handle the conflict and still commit.
func TestConflictKeepsTransactionUsable(t *testing.T) {
	s := openFresh(t)
	storetest.MustTenant(t, s, "ACME")
	other := crmapi.Organisation{ID: crmapi.NewID(), Name: "Globex", TimeZone: "UTC", CreatedAt: storetest.T0}
	err := s.Update(context.Background(), func(tx crmapi.Tx) error {
		err := tx.CreateOrganisation(crmapi.Organisation{ID: crmapi.NewID(), Name: "ACME", TimeZone: "UTC", CreatedAt: storetest.T0})
		if crmapi.ErrorCode(err) != crmapi.Conflict {
			t.Errorf("duplicate name: %v, want CONFLICT", err)
		}
		return tx.CreateOrganisation(other)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(context.Background(), func(tx crmapi.Tx) error { _, err := tx.OrganisationByID(other.ID); return err })
	if err != nil {
		t.Fatal(err)
	}
}

func TestUpdateRollsBackOnPanicAndDoesNotRetryPlainErrors(t *testing.T) {
	s := openFresh(t)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic did not propagate")
			}
		}()
		_ = s.Update(context.Background(), func(tx crmapi.Tx) error {
			if err := tx.CreateOrganisation(crmapi.Organisation{ID: crmapi.NewID(), Name: "Gone", TimeZone: "UTC", CreatedAt: storetest.T0}); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	calls := 0
	boom := errors.New("boom")
	err := s.Update(context.Background(), func(tx crmapi.Tx) error {
		calls++
		_, err := tx.OrganisationByName("Gone")
		if crmapi.ErrorCode(err) != crmapi.NotFound {
			t.Errorf("after panic: %v, want NOT_FOUND", err)
		}
		return boom
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("Update = %v after %d calls, want boom after 1", err, calls)
	}
}

func TestViewIsReadOnly(t *testing.T) {
	s := openFresh(t)
	err := s.View(context.Background(), func(tx crmapi.Tx) error {
		return tx.CreateOrganisation(crmapi.Organisation{ID: crmapi.NewID(), Name: "ACME", TimeZone: "UTC", CreatedAt: storetest.T0})
	})
	if err == nil {
		t.Fatal("write inside View succeeded")
	}
}

// BenchmarkShows: go test -run XXX -bench Shows -benchmem ./postgres
func BenchmarkShows(b *testing.B) { storetest.BenchmarkShows(b, openFresh) }
