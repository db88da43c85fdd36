package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/postgres"
	"github.com/crmapi/crmapi/storetest"
	"github.com/jackc/pgx/v5/pgconn"
)

// Updates that queue while the only lane is busy share its next
// transaction, and each is answered after that transaction commits.
func TestUpdatesQueuedTogetherShareATransaction(t *testing.T) {
	db := mustOpen(t, withParam(mustFreshDatabase(t), "write_lanes", "1"))
	tn := storetest.MustTenant(t, db, "ACME")
	release := make(chan struct{})
	blocking := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := db.Update(context.Background(), func(tx crmapi.Tx) error {
			close(blocking)
			<-release
			return nil
		}); err != nil {
			t.Errorf("blocking update: %v", err)
		}
	})
	<-blocking
	const n = 10
	ids := make([]int64, n)
	queued := make(chan struct{}, n)
	for i := range n {
		wg.Go(func() {
			queued <- struct{}{}
			err := db.Update(context.Background(), func(tx crmapi.Tx) error {
				var err error
				if ids[i], err = postgres.TransactionID(tx); err != nil {
					return err
				}
				return tx.CreateUnit(crmapi.Unit{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Name: "unit-" + string(rune('a'+i)), CreatedAt: storetest.T0})
			})
			if err != nil {
				t.Errorf("update %d: %v", i, err)
			}
		})
	}
	for range n {
		<-queued
	}
	// Every Update is on its way to the queue; let the lane go once they
	// are all in it.
	for deadline := time.Now().Add(time.Minute); db.WriteQueueDepth() < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			close(release)
			t.Fatalf("%d Updates queued, want %d", db.WriteQueueDepth(), n)
		}
	}
	close(release)
	wg.Wait()
	for i := range ids {
		if ids[i] != ids[0] {
			t.Fatalf("transaction ids %v: want one shared transaction", ids)
		}
	}
	var units []crmapi.Unit
	if err := db.View(context.Background(), func(tx crmapi.Tx) error {
		var err error
		units, err = tx.ListUnits(tn.Org.ID)
		return err
	}); err != nil || len(units) != n+1 {
		t.Fatalf("%d units, %v; want %d", len(units), err, n+1)
	}
}

// An Update that PostgreSQL refuses for timing (a serialization failure,
// a deadlock) runs again in a transaction of its own, in both modes.
func TestUpdateRetriesWhatPostgreSQLAsksToRetry(t *testing.T) {
	for _, lanes := range []string{"0", "2"} {
		t.Run("write_lanes="+lanes, func(t *testing.T) {
			db := mustOpen(t, withParam(mustFreshDatabase(t), "write_lanes", lanes))
			attempts := 0
			err := db.Update(context.Background(), func(tx crmapi.Tx) error {
				attempts++
				if err := tx.CreateOrganisation(crmapi.Organisation{ID: crmapi.NewID(), Name: "Retried", TimeZone: "UTC", CreatedAt: storetest.T0}); err != nil {
					return err
				}
				if attempts == 1 {
					return &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}
				}
				return nil
			})
			if err != nil || attempts != 2 {
				t.Fatalf("err %v after %d attempts; want success on the second", err, attempts)
			}
			// The name is unique: the second attempt could not have
			// stored it had the first attempt's row survived.
			if err := db.View(context.Background(), func(tx crmapi.Tx) error {
				_, err := tx.OrganisationByName("Retried")
				return err
			}); err != nil {
				t.Fatalf("organisation of the second attempt: %v", err)
			}
		})
	}
}

func TestWriteLanesSetting(t *testing.T) {
	for _, c := range []struct {
		in, out string
		lanes   int
	}{
		{"postgres://u@h/db?sslmode=disable", "postgres://u@h/db?sslmode=disable", postgres.DefaultWriteLanes},
		{"postgres://u@h/db?sslmode=disable&write_lanes=0", "postgres://u@h/db?sslmode=disable", 0},
		{"postgresql://u@h/db?write_lanes=8", "postgresql://u@h/db", 8},
		{"host=h dbname=db write_lanes=2 sslmode=disable", "host=h dbname=db sslmode=disable", 2},
		{"host=h dbname=db", "host=h dbname=db", postgres.DefaultWriteLanes},
	} {
		out, lanes, err := postgres.SplitURL(c.in)
		if err != nil || out != c.out || lanes != c.lanes {
			t.Errorf("%q: %q, %d, %v; want %q, %d", c.in, out, lanes, err, c.out, c.lanes)
		}
	}
	for _, bad := range []string{"postgres://h/db?write_lanes=-1", "postgres://h/db?write_lanes=x", "host=h write_lanes=65"} {
		if _, _, err := postgres.SplitURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := postgres.Open(context.Background(), "postgres://127.0.0.1:1/db?write_lanes=many"); err == nil {
		t.Error("Open accepted write_lanes=many")
	}
}

// withParam adds a query parameter to a postgres:// URL.
func withParam(dbURL, key, value string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		panic(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// BenchmarkUpdateParallel compares one write lane with a transaction per
// Update on one hot counter row, 32 writers at a time on two cores:
// go test -run XXX -bench UpdateParallel ./postgres (with CRMAPI_TEST_POSTGRES_URL).
func BenchmarkUpdateParallel(b *testing.B) {
	for _, lanes := range []string{"1", "0"} {
		b.Run("write_lanes="+lanes, func(b *testing.B) {
			db := mustOpen(b, withParam(mustFreshDatabase(b), "write_lanes", lanes))
			tn := storetest.MustTenant(b, db, "ACME")
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := db.Update(context.Background(), func(tx crmapi.Tx) error {
						_, err := tx.NextNumber(tn.Org.ID, "X")
						return err
					}); err != nil {
						b.Error(err)
					}
				}
			})
		})
	}
}

// A body that returns nil over a failed statement is refused, as its
// COMMIT would be alone; the Updates beside it in its batch commit.
func TestSwallowedStatementErrorFailsOnlyItsUpdate(t *testing.T) {
	for _, lanes := range []string{"1", "0"} {
		t.Run("write_lanes="+lanes, func(t *testing.T) {
			db := mustOpen(t, withParam(mustFreshDatabase(t), "write_lanes", lanes))
			tn := storetest.MustTenant(t, db, "ACME")
			const n = 30
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					errs[i] = db.Update(context.Background(), func(tx crmapi.Tx) error {
						if err := tx.CreateUnit(crmapi.Unit{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Name: fmt.Sprintf("unit-%02d", i), CreatedAt: storetest.T0}); err != nil {
							return err
						}
						if i%5 == 0 {
							postgres.FailAStatement(tx)
						}
						return nil
					})
				})
			}
			wg.Wait()
			for i, err := range errs {
				if (err != nil) != (i%5 == 0) {
					t.Errorf("update %d: %v", i, err)
				}
			}
			var units []crmapi.Unit
			if err := db.View(context.Background(), func(tx crmapi.Tx) error {
				var err error
				units, err = tx.ListUnits(tn.Org.ID)
				return err
			}); err != nil || len(units) != 1+n-n/5 {
				t.Fatalf("%d units, %v; want %d", len(units), err, 1+n-n/5)
			}
		})
	}
}
