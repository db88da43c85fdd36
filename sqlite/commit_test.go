package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/sqlite"
	"github.com/crmapi/crmapi/storetest"
)

// Concurrent updates share commits, yet each stays atomic: a failing
// request changes nothing and does not fail its neighbours.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	s := openTemp(t)
	tn := storetest.MustTenant(t, s, "ACME")
	const n = 300
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Update(context.Background(), func(tx crmapi.Tx) error {
				u := crmapi.Unit{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Name: fmt.Sprintf("unit-%03d", i), CreatedAt: storetest.T0}
				if err := tx.CreateUnit(u); err != nil {
					return err
				}
				if i%3 == 0 {
					return errors.New("refused after writing")
				}
				if i%7 == 0 {
					// A unique violation in the middle of a batch.
					return tx.CreateUnit(crmapi.Unit{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Name: "Head Office", CreatedAt: storetest.T0})
				}
				return nil
			})
		})
	}
	wg.Wait()
	want := map[string]bool{"Head Office": true}
	for i, err := range errs {
		switch {
		case i%3 == 0:
			if err == nil || err.Error() != "refused after writing" {
				t.Errorf("request %d: %v", i, err)
			}
		case i%7 == 0:
			if crmapi.ErrorCode(err) != crmapi.Conflict {
				t.Errorf("request %d: %v, want CONFLICT", i, err)
			}
		default:
			if err != nil {
				t.Errorf("request %d: %v", i, err)
			}
			want[fmt.Sprintf("unit-%03d", i)] = true
		}
	}
	var units []crmapi.Unit
	s.View(context.Background(), func(tx crmapi.Tx) error {
		var err error
		units, err = tx.ListUnits(tn.Org.ID)
		return err
	})
	if len(units) != len(want) {
		t.Fatalf("%d units stored, want %d", len(units), len(want))
	}
	for _, u := range units {
		if !want[u.Name] {
			t.Errorf("unit %s stored by a failed request", u.Name)
		}
	}
}

func TestGroupCommitPanicsReachTheCaller(t *testing.T) {
	s := openTemp(t)
	defer func() {
		if p := recover(); p != "boom" {
			t.Fatalf("recovered %v, want boom", p)
		}
		// The store keeps working after a panicking request.
		storetest.MustTenant(t, s, "After")
	}()
	s.Update(context.Background(), func(tx crmapi.Tx) error {
		tx.CreateOrganisation(crmapi.Organisation{ID: crmapi.NewID(), Name: "Half", TimeZone: "UTC", CreatedAt: storetest.T0})
		panic("boom")
	})
}

func TestGroupCommitCancelledContext(t *testing.T) {
	s := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Update(ctx, func(tx crmapi.Tx) error {
		return tx.CreateOrganisation(crmapi.Organisation{ID: crmapi.NewID(), Name: "Never", TimeZone: "UTC", CreatedAt: storetest.T0})
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	s.View(context.Background(), func(tx crmapi.Tx) error {
		if _, err := tx.OrganisationByName("Never"); crmapi.ErrorCode(err) != crmapi.NotFound {
			t.Errorf("cancelled update stored: %v", err)
		}
		return nil
	})
}

func BenchmarkUpdateParallel(b *testing.B) {
	b.Run("group-commit", func(b *testing.B) { benchUpdates(b, func(s *sqlite.DB) updater { return s.Update }) })
	b.Run("one-commit-each", func(b *testing.B) { benchUpdates(b, func(s *sqlite.DB) updater { return s.UpdateWithoutGroupCommit }) })
}

type updater func(context.Context, func(crmapi.Tx) error) error

func benchUpdates(b *testing.B, pick func(*sqlite.DB) updater) {
	s := openTemp(b)
	update := pick(s.(*sqlite.DB))
	tn := storetest.MustTenant(b, s, "ACME")
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := update(context.Background(), func(tx crmapi.Tx) error {
				_, err := tx.NextNumber(tn.Org.ID, "X")
				return err
			}); err != nil {
				b.Error(err)
			}
		}
	})
}
