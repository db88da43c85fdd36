package storetest

import (
	"context"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
)

func init() {
	addCase("AuthorisationHold", testAuthorisationHold)
	addCase("AuthorisationEnd", testAuthorisationEnd)
	addCase("AuthorisationExpiry", testAuthorisationExpiry)
	addCase("ConcurrentHoldsNeverOverAuthorise", testConcurrentHolds)
	addCase("UsageRecords", testUsageRecords)
	addCase("UsageIsolation", testUsageIsolation)
}

func newAuthorisation(acct crmapi.AccountsReceivable, number, amount string, c catalogue) crmapi.UsageAuthorisation {
	return crmapi.UsageAuthorisation{ID: crmapi.NewID(), OrganisationID: acct.OrganisationID, Number: number,
		AccountID: acct.ID, Amount: crmapi.MustAmount(amount), LifeCycleState: crmapi.AuthorisationBlocked,
		AuthorisedAt: T0, ExpiresAt: T0.Add(time.Hour),
		Services: []crmapi.AuthorisationService{
			{ID: crmapi.NewID(), Target: crmapi.Target{Kind: crmapi.TargetService, ID: c.Diesel.ID},
				MaximumAmount: crmapi.MustAmount("10"), MaximumUsage: crmapi.QuantityFromInt(6)},
			{ID: crmapi.NewID(), Target: crmapi.Target{Kind: crmapi.TargetServiceType, ID: c.TypeVOD.ID},
				MaximumAmount: crmapi.MustAmount(amount), MaximumUsage: crmapi.MustQuantity("1")},
		}}
}

// hold holds a's amount and stores a, as the service does; false when
// the hold was refused.
func hold(tx crmapi.Tx, a crmapi.UsageAuthorisation) (bool, error) {
	ok, err := tx.HoldFunds(a.OrganisationID, a.AccountID, a.Amount)
	if !ok || err != nil {
		return false, err
	}
	return true, tx.CreateAuthorisation(a)
}

func mustHold(tb testing.TB, s crmapi.Store, a crmapi.UsageAuthorisation) bool {
	tb.Helper()
	var ok bool
	mustUpdate(tb, s, func(tx crmapi.Tx) error {
		var err error
		ok, err = hold(tx, a)
		return err
	})
	return ok
}

func mustEnd(tb testing.TB, s crmapi.Store, e crmapi.AuthorisationEnd) bool {
	tb.Helper()
	var ok bool
	mustUpdate(tb, s, func(tx crmapi.Tx) error {
		var err error
		ok, err = tx.EndAuthorisation(e)
		return err
	})
	return ok
}

func mustGetAuthorisation(tb testing.TB, s crmapi.Store, orgID, id string) crmapi.UsageAuthorisation {
	tb.Helper()
	var a crmapi.UsageAuthorisation
	mustView(tb, s, func(tx crmapi.Tx) error {
		var err error
		a, err = tx.AuthorisationByID(orgID, id)
		return err
	})
	return a
}

func testAuthorisationHold(t *testing.T, s crmapi.Store) {
	tn := MustTenant(t, s, "ACME")
	c := mustCatalogue(t, s, tn)
	acct := mustAccount(t, s, tn, "ACR0000000001", crmapi.MustAmount("50"), crmapi.MustAmount("10"))
	a := newAuthorisation(acct, "UA0000000001", "45.5", c)
	a.SubscriptionID = "SUBID"
	if !mustHold(t, s, a) {
		t.Fatal("a covered hold was refused")
	}
	got := mustGetAuthorisation(t, s, tn.Org.ID, a.ID)
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("AuthorisationByID = %+v, want %+v", got, a)
	}
	byNumber := crmapi.UsageAuthorisation{}
	mustView(t, s, func(tx crmapi.Tx) error {
		var err error
		byNumber, err = tx.AuthorisationByNumber(tn.Org.ID, a.Number)
		return err
	})
	if !reflect.DeepEqual(byNumber, a) {
		t.Fatalf("AuthorisationByNumber = %+v", byNumber)
	}
	if acc := mustGetAccount(t, s, tn.Org.ID, acct.ID); acc.Held != a.Amount || acc.Available() != crmapi.MustAmount("14.5") {
		t.Fatalf("after hold: held %s available %s", acc.Held, acc.Available())
	}
	// 14.5 is left: 14.5001 is refused and stores nothing, 14.5 passes.
	over := newAuthorisation(acct, "UA0000000002", "14.5001", c)
	if mustHold(t, s, over) {
		t.Fatal("a hold over the available amount was taken")
	}
	err := s.View(context.Background(), func(tx crmapi.Tx) error { _, err := tx.AuthorisationByID(tn.Org.ID, over.ID); return err })
	wantCode(t, err, crmapi.NotFound)
	if !mustHold(t, s, newAuthorisation(acct, "UA0000000003", "14.5", c)) {
		t.Fatal("a hold of exactly the available amount was refused")
	}
	// A suspended account takes no hold.
	other := mustAccount(t, s, tn, "ACR0000000002", crmapi.MustAmount("50"), crmapi.Amount{})
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.SetAccountState(tn.Org.ID, other.ID, crmapi.AccountSuspended) })
	if mustHold(t, s, newAuthorisation(other, "UA0000000004", "1", c)) {
		t.Fatal("a suspended account took a hold")
	}
	// The number is unique in the organisation.
	dup := newAuthorisation(acct, a.Number, "0.01", c)
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.AddEntry(fund(acct, "1")) })
	err = s.Update(context.Background(), func(tx crmapi.Tx) error { _, err := hold(tx, dup); return err })
	wantCode(t, err, crmapi.Conflict)
	mustView(t, s, func(tx crmapi.Tx) error {
		list, err := tx.ListAuthorisations(tn.Org.ID, acct.ID, 0, 10)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].Number != "UA0000000001" || list[1].Number != "UA0000000003" || len(list[0].Services) != 2 {
			t.Errorf("ListAuthorisations = %+v", list)
		}
		page, err := tx.ListAuthorisations(tn.Org.ID, acct.ID, 1, 10)
		if err != nil || len(page) != 1 || page[0].Number != "UA0000000003" {
			t.Errorf("second page = %+v, %v", page, err)
		}
		return nil
	})
	mustBalance(t, s, tn.Org.ID)
}

func fund(acct crmapi.AccountsReceivable, amount string) crmapi.LedgerEntry {
	return crmapi.LedgerEntry{ID: crmapi.NewID(), OrganisationID: acct.OrganisationID, AccountID: acct.ID,
		Kind: crmapi.EntryPayment, Amount: crmapi.MustAmount(amount), CreatedAt: T0}
}

func testAuthorisationEnd(t *testing.T, s crmapi.Store) {
	tn := MustTenant(t, s, "ACME")
	c := mustCatalogue(t, s, tn)
	acct := mustAccount(t, s, tn, "ACR0000000001", crmapi.MustAmount("100"), crmapi.Amount{})
	cancel := newAuthorisation(acct, "UA0000000001", "30", c)
	complete := newAuthorisation(acct, "UA0000000002", "40", c)
	mustHold(t, s, cancel)
	mustHold(t, s, complete)
	at := T0.Add(time.Minute)
	if !mustEnd(t, s, crmapi.AuthorisationEnd{OrganisationID: tn.Org.ID, ID: cancel.ID, State: crmapi.AuthorisationCancelled, At: at, UserID: tn.User.ID}) {
		t.Fatal("cancel of a BLOCKED authorisation failed")
	}
	// Only from BLOCKED: a second end of any kind changes nothing.
	for _, state := range []crmapi.AuthorisationState{crmapi.AuthorisationCancelled, crmapi.AuthorisationCompleted, crmapi.AuthorisationExpired} {
		if mustEnd(t, s, crmapi.AuthorisationEnd{OrganisationID: tn.Org.ID, ID: cancel.ID, State: state, At: at.Add(time.Hour)}) {
			t.Fatalf("%s after CANCELLED succeeded", state)
		}
	}
	got := mustGetAuthorisation(t, s, tn.Org.ID, cancel.ID)
	if got.LifeCycleState != crmapi.AuthorisationCancelled || got.CancelledAt == nil || !got.CancelledAt.Equal(at) ||
		got.CancelledByUserID != tn.User.ID || got.CompletedAt != nil || got.ExpiredAt != nil {
		t.Fatalf("cancelled = %+v", got)
	}
	if acc := mustGetAccount(t, s, tn.Org.ID, acct.ID); acc.Held != crmapi.MustAmount("40") {
		t.Fatalf("held after cancel = %s, want 40", acc.Held)
	}
	// Completion: the store releases the whole hold; the service debits the usage.
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		ok, err := tx.EndAuthorisation(crmapi.AuthorisationEnd{OrganisationID: tn.Org.ID, ID: complete.ID,
			State: crmapi.AuthorisationCompleted, At: at, ActionID: "ACTION", UsedAmount: crmapi.MustAmount("12.34")})
		if !ok || err != nil {
			t.Errorf("complete = %v, %v", ok, err)
		}
		return tx.AddEntry(crmapi.LedgerEntry{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, AccountID: acct.ID,
			Kind: crmapi.EntryUsage, Amount: crmapi.MustAmount("-12.34"), ActionID: "ACTION", CreatedAt: at})
	})
	got = mustGetAuthorisation(t, s, tn.Org.ID, complete.ID)
	if got.LifeCycleState != crmapi.AuthorisationCompleted || got.CompletedAt == nil || got.CompletedByActionID != "ACTION" ||
		got.UsedAmount != crmapi.MustAmount("12.34") {
		t.Fatalf("completed = %+v", got)
	}
	acc := mustGetAccount(t, s, tn.Org.ID, acct.ID)
	if !acc.Held.IsZero() || acc.Balance != crmapi.MustAmount("87.66") {
		t.Fatalf("after completion held %s balance %s", acc.Held, acc.Balance)
	}
	b := mustBalance(t, s, tn.Org.ID)[0]
	if b.Usage != crmapi.MustAmount("12.34") || b.OverAuthorised() {
		t.Fatalf("books = %+v", b)
	}
}

func testAuthorisationExpiry(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	b := MustTenant(t, s, "Globex")
	ca, cb := mustCatalogue(t, s, a), mustCatalogue(t, s, b)
	acct1 := mustAccount(t, s, a, "ACR0000000001", crmapi.MustAmount("100"), crmapi.Amount{})
	acct2 := mustAccount(t, s, a, "ACR0000000002", crmapi.MustAmount("100"), crmapi.Amount{})
	acctB := mustAccount(t, s, b, "ACR0000000001", crmapi.MustAmount("100"), crmapi.Amount{})
	var auths []crmapi.UsageAuthorisation
	for i, acct := range []crmapi.AccountsReceivable{acct1, acct1, acct2, acctB} {
		c := ca
		if acct.OrganisationID == b.Org.ID {
			c = cb
		}
		x := newAuthorisation(acct, crmapi.FormatNumber("UA", int64(i+1)), "10", c)
		x.ExpiresAt = T0.Add(time.Duration(i+1) * time.Minute)
		mustHold(t, s, x)
		auths = append(auths, x)
	}
	expire := func(due crmapi.AuthorisationsDue) int {
		var n int
		mustUpdate(t, s, func(tx crmapi.Tx) error {
			ended, err := tx.EndAuthorisations(due, crmapi.AuthorisationEnd{State: crmapi.AuthorisationExpired, At: due.By})
			n = len(ended)
			return err
		})
		return n
	}
	// Nothing is due before the first expiry.
	if n := expire(crmapi.AuthorisationsDue{By: T0.Add(59 * time.Second), Limit: 10}); n != 0 {
		t.Fatalf("expired %d before any was due", n)
	}
	// Of one account only, up to its expiry dates.
	if n := expire(crmapi.AuthorisationsDue{OrganisationID: a.Org.ID, AccountID: acct1.ID, By: T0.Add(time.Hour), Limit: 10}); n != 2 {
		t.Fatalf("expired %d of account 1, want 2", n)
	}
	if acc := mustGetAccount(t, s, a.Org.ID, acct1.ID); !acc.Held.IsZero() {
		t.Fatalf("account 1 still holds %s", acc.Held)
	}
	if acc := mustGetAccount(t, s, a.Org.ID, acct2.ID); acc.Held != crmapi.MustAmount("10") {
		t.Fatalf("account 2 holds %s, want 10", acc.Held)
	}
	// One organisation's sweep leaves the other alone.
	if n := expire(crmapi.AuthorisationsDue{OrganisationID: a.Org.ID, By: T0.Add(time.Hour), Limit: 10}); n != 1 {
		t.Fatalf("expired %d of organisation a, want 1", n)
	}
	if got := mustGetAuthorisation(t, s, b.Org.ID, auths[3].ID); got.LifeCycleState != crmapi.AuthorisationBlocked {
		t.Fatalf("b's authorisation is %s", got.LifeCycleState)
	}
	// The sweeper's sweep covers every organisation, within its limit.
	if n := expire(crmapi.AuthorisationsDue{By: T0.Add(time.Hour), Limit: 1}); n != 1 {
		t.Fatalf("sweep expired %d, want 1", n)
	}
	got := mustGetAuthorisation(t, s, b.Org.ID, auths[3].ID)
	if got.LifeCycleState != crmapi.AuthorisationExpired || got.ExpiredAt == nil || !got.ExpiredAt.Equal(T0.Add(time.Hour)) {
		t.Fatalf("swept = %+v", got)
	}
	if n := expire(crmapi.AuthorisationsDue{By: T0.Add(2 * time.Hour), Limit: 10}); n != 0 {
		t.Fatalf("a second sweep expired %d", n)
	}
	// An expired authorisation can no longer be completed or cancelled.
	if mustEnd(t, s, crmapi.AuthorisationEnd{OrganisationID: a.Org.ID, ID: auths[0].ID, State: crmapi.AuthorisationCompleted, At: T0}) {
		t.Fatal("an EXPIRED authorisation was completed")
	}
	mustBalance(t, s, a.Org.ID)
	mustBalance(t, s, b.Org.ID)
}

// Many holds race for one account's money: whatever the interleaving, the
// holds taken never exceed what is available, on any engine.
func testConcurrentHolds(t *testing.T, s crmapi.Store) {
	tn := MustTenant(t, s, "ACME")
	c := mustCatalogue(t, s, tn)
	acct := mustAccount(t, s, tn, "ACR0000000001", crmapi.MustAmount("500"), crmapi.MustAmount("100"))
	const n = 60
	var wg sync.WaitGroup
	var mu sync.Mutex
	var granted crmapi.Amount
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		amount := crmapi.AmountFromUnits(int64(rng.IntN(400000) + 1))
		wg.Go(func() {
			a := newAuthorisation(acct, crmapi.FormatNumber("UA", int64(i+1)), amount.String(), c)
			var ok bool
			err := s.Update(context.Background(), func(tx crmapi.Tx) error {
				var err error
				ok, err = hold(tx, a)
				return err
			})
			if err != nil {
				t.Errorf("hold %d: %v", i, err)
			}
			if ok {
				mu.Lock()
				granted = granted.Add(amount)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	got := mustGetAccount(t, s, tn.Org.ID, acct.ID)
	if got.Held != granted || got.Available().IsNegative() {
		t.Fatalf("held %s, granted %s, available %s", got.Held, granted, got.Available())
	}
	if b := mustBalance(t, s, tn.Org.ID)[0]; b.OverAuthorised() {
		t.Fatalf("over-authorised: %+v", b)
	}
}

func testUsageRecords(t *testing.T, s crmapi.Store) {
	tn := MustTenant(t, s, "ACME")
	c := mustCatalogue(t, s, tn)
	acct := mustAccount(t, s, tn, "ACR0000000001", crmapi.MustAmount("100"), crmapi.Amount{})
	sub := crmapi.Subscription{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Number: "SUB0000000001", AccountID: acct.ID,
		Kind: crmapi.SubscriptionKindUsage, LifeCycleState: crmapi.SubscriptionEffective, CreatedAt: T0}
	act := crmapi.SubscriptionAction{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Number: "SA0000000001", SubscriptionID: sub.ID,
		Type: crmapi.ActionAddServiceUsage, LifeCycleState: crmapi.ActionExecuted, ExecutedAt: T0}
	rec := func(n int64, svc crmapi.UsageService, usage, amount string, at time.Time) crmapi.UsageRecord {
		return crmapi.UsageRecord{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Number: crmapi.FormatNumber("UDR", n),
			AccountID: acct.ID, SubscriptionID: sub.ID, ServiceID: svc.ID, ActionID: act.ID, Usage: crmapi.MustQuantity(usage),
			UnitRate: svc.UnitRate, RatedAmount: crmapi.MustAmount(amount), LifeCycleState: crmapi.UsagePosted, CreatedAt: at}
	}
	records := []crmapi.UsageRecord{
		rec(1, c.Diesel, "10.5", "15.75", T0),
		rec(2, c.Diesel, "2", "3", T0.Add(time.Hour)),
		rec(3, c.Movie, "1", "4.99", T0.Add(time.Hour)),
		rec(4, c.Diesel, "1", "1.5", T0.Add(2*time.Hour)),
	}
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		if err := tx.CreateSubscription(sub); err != nil {
			return err
		}
		if err := tx.CreateSubscriptionAction(act); err != nil {
			return err
		}
		for _, r := range records {
			if err := tx.CreateUsageRecord(r); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, s, func(tx crmapi.Tx) error {
		list, err := tx.ListUsageRecords(tn.Org.ID, acct.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(list, records) {
			t.Errorf("ListUsageRecords = %+v", list)
		}
		// [T0, T0+2h): the last record is outside.
		totals, err := tx.UsageTotals(tn.Org.ID, acct.ID, T0, T0.Add(2*time.Hour))
		if err != nil {
			return err
		}
		want := map[string]crmapi.ServiceUsage{
			c.Diesel.ID: {ServiceID: c.Diesel.ID, Usage: crmapi.MustQuantity("12.5"), Amount: crmapi.MustAmount("18.75")},
			c.Movie.ID:  {ServiceID: c.Movie.ID, Usage: crmapi.MustQuantity("1"), Amount: crmapi.MustAmount("4.99")},
		}
		if len(totals) != len(want) {
			t.Errorf("UsageTotals = %+v", totals)
		}
		for _, u := range totals {
			if u != want[u.ServiceID] {
				t.Errorf("UsageTotals has %+v, want %+v", u, want[u.ServiceID])
			}
		}
		return nil
	})
}

func testUsageIsolation(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	b := MustTenant(t, s, "Globex")
	c := mustCatalogue(t, s, a)
	acct := mustAccount(t, s, a, "ACR0000000001", crmapi.MustAmount("100"), crmapi.Amount{})
	auth := newAuthorisation(acct, "UA0000000001", "10", c)
	mustHold(t, s, auth)
	mustView(t, s, func(tx crmapi.Tx) error {
		_, err := tx.AuthorisationByID(b.Org.ID, auth.ID)
		wantCode(t, err, crmapi.NotFound)
		_, err = tx.AuthorisationByNumber(b.Org.ID, auth.Number)
		wantCode(t, err, crmapi.NotFound)
		list, err := tx.ListAuthorisations(b.Org.ID, acct.ID, 0, 10)
		if err != nil || len(list) != 0 {
			t.Errorf("another organisation lists %d authorisations, %v", len(list), err)
		}
		recs, err := tx.ListUsageRecords(b.Org.ID, acct.ID)
		if err != nil || len(recs) != 0 {
			t.Errorf("another organisation lists %d usage records, %v", len(recs), err)
		}
		totals, err := tx.UsageTotals(b.Org.ID, acct.ID, T0, T0.Add(time.Hour))
		if err != nil || len(totals) != 0 {
			t.Errorf("another organisation sums %d usage rows, %v", len(totals), err)
		}
		return nil
	})
	// Another organisation can neither hold a's money nor end a's hold.
	foreign := newAuthorisation(acct, "UA0000000002", "1", c)
	foreign.OrganisationID = b.Org.ID
	if mustHold(t, s, foreign) {
		t.Fatal("another organisation took a hold on a's account")
	}
	if mustEnd(t, s, crmapi.AuthorisationEnd{OrganisationID: b.Org.ID, ID: auth.ID, State: crmapi.AuthorisationCancelled, At: T0}) {
		t.Fatal("another organisation cancelled a's authorisation")
	}
	var n int
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		ended, err := tx.EndAuthorisations(crmapi.AuthorisationsDue{OrganisationID: b.Org.ID, AccountID: acct.ID, By: T0.Add(24 * time.Hour), Limit: 10},
			crmapi.AuthorisationEnd{State: crmapi.AuthorisationExpired, At: T0})
		n = len(ended)
		return err
	})
	if n != 0 {
		t.Fatalf("another organisation expired %d of a's authorisations", n)
	}
	if got := mustGetAuthorisation(t, s, a.Org.ID, auth.ID); got.LifeCycleState != crmapi.AuthorisationBlocked {
		t.Fatalf("a's authorisation is %s", got.LifeCycleState)
	}
	mustBalance(t, s, a.Org.ID)
}
