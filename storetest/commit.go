package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/crmapi/crmapi"
)

// Both engines batch concurrent Updates into shared transactions (group
// commit); these cases hold each Update to the Store's promise anyway:
// atomic, isolated from its neighbours, answered with its own outcome.
func init() {
	addCase("GroupCommitIsolatesFailures", testGroupCommitIsolatesFailures)
	addCase("GroupCommitPanicsReachTheCaller", testGroupCommitPanicsReachTheCaller)
	addCase("GroupCommitCancelledBeforeQueued", testGroupCommitCancelledBeforeQueued)
	addCase("GroupCommitCancelledMidway", testGroupCommitCancelledMidway)
}

// Concurrent updates share commits, yet each stays atomic: a failing
// request changes nothing and does not fail its neighbours.
func testGroupCommitIsolatesFailures(t *testing.T, s crmapi.Store) {
	tn := MustTenant(t, s, "ACME")
	const n = 300
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Update(context.Background(), func(tx crmapi.Tx) error {
				u := crmapi.Unit{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Name: fmt.Sprintf("unit-%03d", i), CreatedAt: T0}
				if err := tx.CreateUnit(u); err != nil {
					return err
				}
				if i%3 == 0 {
					return errors.New("refused after writing")
				}
				if i%7 == 0 {
					// A unique violation in the middle of a batch.
					return tx.CreateUnit(crmapi.Unit{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Name: "Head Office", CreatedAt: T0})
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
	assertUnits(t, s, tn, want)
}

func assertUnits(t *testing.T, s crmapi.Store, tn Tenant, want map[string]bool) {
	t.Helper()
	var units []crmapi.Unit
	mustView(t, s, func(tx crmapi.Tx) error {
		var err error
		units, err = tx.ListUnits(tn.Org.ID)
		return err
	})
	if len(units) != len(want) {
		t.Errorf("%d units stored, want %d", len(units), len(want))
	}
	for _, u := range units {
		if !want[u.Name] {
			t.Errorf("unit %s stored by a failed request", u.Name)
		}
	}
}

func testGroupCommitPanicsReachTheCaller(t *testing.T, s crmapi.Store) {
	defer func() {
		if p := recover(); p != "boom" {
			t.Fatalf("recovered %v, want boom", p)
		}
		// The store keeps working after a panicking request, and the
		// panicking request's write is gone.
		MustTenant(t, s, "After")
		mustView(t, s, func(tx crmapi.Tx) error {
			if _, err := tx.OrganisationByName("Half"); crmapi.ErrorCode(err) != crmapi.NotFound {
				t.Errorf("panicking update stored: %v", err)
			}
			return nil
		})
	}()
	s.Update(context.Background(), func(tx crmapi.Tx) error {
		if err := tx.CreateOrganisation(crmapi.Organisation{ID: crmapi.NewID(), Name: "Half", TimeZone: "UTC", CreatedAt: T0}); err != nil {
			t.Errorf("create: %v", err)
		}
		panic("boom")
	})
}

func testGroupCommitCancelledBeforeQueued(t *testing.T, s crmapi.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Update(ctx, func(tx crmapi.Tx) error {
		return tx.CreateOrganisation(crmapi.Organisation{ID: crmapi.NewID(), Name: "Never", TimeZone: "UTC", CreatedAt: T0})
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	mustView(t, s, func(tx crmapi.Tx) error {
		if _, err := tx.OrganisationByName("Never"); crmapi.ErrorCode(err) != crmapi.NotFound {
			t.Errorf("cancelled update stored: %v", err)
		}
		return nil
	})
}

// A caller that gives up half-way through its transaction gets its
// context's error and leaves nothing behind, while the Updates running
// beside it commit.
func testGroupCommitCancelledMidway(t *testing.T, s crmapi.Store) {
	tn := MustTenant(t, s, "ACME")
	const n = 40
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			errs[i] = s.Update(ctx, func(tx crmapi.Tx) error {
				if err := tx.CreateUnit(crmapi.Unit{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Name: fmt.Sprintf("a-%02d", i), CreatedAt: T0}); err != nil {
					return err
				}
				if i%2 == 0 {
					cancel()
				}
				return tx.CreateUnit(crmapi.Unit{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Name: fmt.Sprintf("b-%02d", i), CreatedAt: T0})
			})
		})
	}
	wg.Wait()
	want := map[string]bool{"Head Office": true}
	for i, err := range errs {
		if i%2 == 0 {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("request %d: %v, want context.Canceled", i, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("request %d: %v", i, err)
		}
		want[fmt.Sprintf("a-%02d", i)], want[fmt.Sprintf("b-%02d", i)] = true, true
	}
	assertUnits(t, s, tn, want)
}
