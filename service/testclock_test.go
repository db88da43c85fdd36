package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/service"
)

// A test organisation's clock dates its holds and decides their expiry on
// reads, on cancel, on usage and in the sweeper; a production organisation
// on the same server keeps the server's time.
func TestTestClockDrivesAuthorisationExpiry(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		ctx := context.Background()
		start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		prod := fixtureOn(t, open(t), start)
		res, err := prod.svc.Auth.Bootstrap(ctx, service.Bootstrap{Organisation: "LAB", Password: "long enough password", Test: true})
		ok(t, err)
		lab := fixture{svc: prod.svc, clock: prod.clock, org: res.Organisation, user: res.User}
		for _, f := range []fixture{prod, lab} {
			f.mustCatalogue(t)
		}
		prodAcct, labAcct := prod.mustAccount(t, "100"), lab.mustAccount(t, "100")
		authorise := func(f fixture, acct crmapi.Ref, amount string) service.AuthorisationDetail {
			t.Helper()
			d, err := f.svc.Usage.Authorise(ctx, f.org.ID, service.NewAuthorisation{Account: &acct, Amount: crmapi.MustAmount(amount)})
			ok(t, err)
			return d
		}
		state := func(f fixture, id string) crmapi.AuthorisationState {
			t.Helper()
			d, err := f.svc.Usage.Authorisation(ctx, f.org.ID, crmapi.RefID(id))
			ok(t, err)
			return d.LifeCycleState
		}
		held := func(f fixture, acct crmapi.Ref) string {
			t.Helper()
			d, err := f.svc.Accounts.Account(ctx, f.org.ID, acct)
			ok(t, err)
			return d.Held.String()
		}

		p1, l1 := authorise(prod, prodAcct, "10"), authorise(lab, labAcct, "10")
		if _, err := prod.svc.Auth.AdvanceTestClock(ctx, prod.org, time.Hour); crmapi.ErrorCode(err) != crmapi.PermissionDenied {
			t.Fatalf("production organisation moved its clock: %v", err)
		}
		labOrg := advance(t, lab, 25*time.Hour)

		// show: the lab's hold is past its 24 h; the production one is not.
		if s := state(lab, l1.ID); s != crmapi.AuthorisationExpired {
			t.Fatalf("lab hold after 25 h on its clock: %s", s)
		}
		if h := held(lab, labAcct); h != "0" {
			t.Fatalf("lab hold not released: held %s", h)
		}
		if s := state(prod, p1.ID); s != crmapi.AuthorisationBlocked {
			t.Fatalf("production hold: %s", s)
		}
		if h := held(prod, prodAcct); h != "10" {
			t.Fatalf("production held %s", h)
		}

		// create: dates on the organisation's clock.
		l2 := authorise(lab, labAcct, "20")
		if want := labOrg.Now(lab.clock); !l2.AuthorisedAt.Equal(want) || !l2.ExpiresAt.Equal(want.Add(24*time.Hour)) {
			t.Fatalf("lab hold dated %s → %s, want %s", l2.AuthorisedAt, l2.ExpiresAt, want)
		}
		p2 := authorise(prod, prodAcct, "20")
		if !p2.AuthorisedAt.Equal(lab.clock.Now()) {
			t.Fatalf("production hold dated %s, want %s", p2.AuthorisedAt, lab.clock.Now())
		}

		// cancel: refused once the organisation's clock is past the expiry.
		l3 := authorise(lab, labAcct, "5")
		advance(t, lab, 24*time.Hour)
		if _, err := lab.svc.Usage.Cancel(ctx, lab.org.ID, lab.user.ID, crmapi.RefID(l3.ID)); crmapi.ErrorCode(err) != crmapi.InvalidLifeCycleState {
			t.Fatalf("cancel past the lab's expiry: %v", err)
		}

		// sweeper: expires l2 by the lab's clock (l3 too, if cancel has not
		// already) and leaves the production holds alone.
		n, err := lab.svc.Usage.ExpireAllDue(ctx)
		ok(t, err)
		if n != 2 {
			t.Fatalf("sweeper expired %d, want the lab's 2", n)
		}
		for _, id := range []string{l2.ID, l3.ID} {
			d, err := lab.svc.Usage.Authorisation(ctx, lab.org.ID, crmapi.RefID(id))
			ok(t, err)
			if d.LifeCycleState != crmapi.AuthorisationExpired || d.ExpiredAt == nil || d.ExpiredAt.Before(d.ExpiresAt) {
				t.Fatalf("%s after the sweep: %s at %v (expires %s)", d.Number, d.LifeCycleState, d.ExpiredAt, d.ExpiresAt)
			}
		}
		for _, id := range []string{p1.ID, p2.ID} {
			if s := state(prod, id); s != crmapi.AuthorisationBlocked {
				t.Fatalf("production hold %s after the lab's sweep", s)
			}
		}
		if h := held(lab, labAcct); h != "0" {
			t.Fatalf("lab held %s after the sweep", h)
		}

		// The server's own clock still expires production holds.
		prod.clock.Advance(24 * time.Hour)
		if n, err := prod.svc.Usage.ExpireAllDue(ctx); err != nil || n != 2 {
			t.Fatalf("production sweep: %d %v", n, err)
		}
	})
}

// The sweeper dates every test organisation's expiry by its own clock,
// even when a batch fills up with them.
func TestExpireDueBatchesByOrganisationClock(t *testing.T) {
	ctx := context.Background()
	f := mustFixture(t, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	res, err := f.svc.Auth.Bootstrap(ctx, service.Bootstrap{Organisation: "LAB", Password: "long enough password", Test: true})
	ok(t, err)
	lab := fixture{svc: f.svc, clock: f.clock, org: res.Organisation, user: res.User}
	lab.mustCatalogue(t)
	acct := lab.mustAccount(t, "100")
	for range 3 {
		_, err := lab.svc.Usage.Authorise(ctx, lab.org.ID, service.NewAuthorisation{Account: &acct, Amount: crmapi.MustAmount("1")})
		ok(t, err)
	}
	org := advance(t, lab, 48*time.Hour)
	f.clock.Advance(25 * time.Hour) // due by the server's clock too
	for _, want := range []int{2, 1, 0} {
		if n, err := f.svc.Usage.ExpireDue(ctx, 2); err != nil || n != want {
			t.Fatalf("ExpireDue = %d, %v; want %d", n, err, want)
		}
	}
	list, err := lab.svc.Usage.Authorisations(ctx, lab.org.ID, acct, 0, 0)
	ok(t, err)
	for _, d := range list {
		if d.ExpiredAt == nil || !d.ExpiredAt.Equal(org.Now(f.clock)) {
			t.Fatalf("%s expired at %v, want the lab's now %s", d.Number, d.ExpiredAt, org.Now(f.clock))
		}
	}
}

// advance moves f's organisation's test clock and returns the organisation as it now is.
func advance(t *testing.T, f fixture, d time.Duration) crmapi.Organisation {
	t.Helper()
	org, err := f.svc.Auth.Organisation(context.Background(), f.org.Name)
	ok(t, err)
	_, err = f.svc.Auth.AdvanceTestClock(context.Background(), org, d)
	ok(t, err)
	org, err = f.svc.Auth.Organisation(context.Background(), f.org.Name)
	ok(t, err)
	return org
}
