package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
)

func init() {
	addCase("Accounts", testAccounts)
	addCase("AccountLedger", testAccountLedger)
	addCase("Subscriptions", testSubscriptions)
	addCase("AccountIsolation", testAccountIsolation)
}

// mustAccount creates a contact and an ACTIVE EUR account owned by it in
// the tenant's organisation, funded with a payment of balance.
func mustAccount(tb testing.TB, s crmapi.Store, tn Tenant, number string, balance, credit crmapi.Amount) crmapi.AccountsReceivable {
	tb.Helper()
	c := crmapi.Contact{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Type: crmapi.ContactPerson, FirstName: "Ada",
		LastName: "Lovelace " + number, LifeCycleState: crmapi.ContactNonFinancial, CreatedAt: T0}
	a := crmapi.AccountsReceivable{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Number: number, Name: number,
		OwnerID: c.ID, Currency: "EUR", CreditLimit: credit, LifeCycleState: crmapi.AccountActive, CreatedAt: T0}
	mustUpdate(tb, s, func(tx crmapi.Tx) error {
		if err := tx.CreateContact(c); err != nil {
			return err
		}
		if err := tx.CreateAccount(a); err != nil {
			return err
		}
		if balance.IsZero() {
			return nil
		}
		return tx.AddEntry(crmapi.LedgerEntry{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, AccountID: a.ID,
			Kind: crmapi.EntryPayment, Amount: balance, Reference: "opening", CreatedAt: T0})
	})
	a.Balance = balance
	return a
}

func mustGetAccount(tb testing.TB, s crmapi.Store, orgID, id string) crmapi.AccountsReceivable {
	tb.Helper()
	var a crmapi.AccountsReceivable
	mustView(tb, s, func(tx crmapi.Tx) error {
		var err error
		a, err = tx.AccountByID(orgID, id)
		return err
	})
	return a
}

// mustBalance fails unless every account of the organisation balances:
// balance = Σ entries and held = Σ BLOCKED authorisations (promise M4).
func mustBalance(tb testing.TB, s crmapi.Store, orgID string) []crmapi.Books {
	tb.Helper()
	var books []crmapi.Books
	mustView(tb, s, func(tx crmapi.Tx) error {
		var err error
		books, err = tx.AccountBooks(orgID)
		return err
	})
	for _, b := range books {
		if !b.Balanced() {
			tb.Fatalf("books of %s do not balance: %+v", b.Number, b)
		}
	}
	return books
}

func testAccounts(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	c := crmapi.Contact{ID: crmapi.NewID(), OrganisationID: a.Org.ID, Type: crmapi.ContactCompany, CompanyName: "Initech",
		LifeCycleState: crmapi.ContactNonFinancial, CreatedAt: T0,
		Demographics: crmapi.Demographics{Gender: "FEMALE", IDNumber: "X1", BirthYear: 1990, BirthMonth: 2, BirthDay: 3, NameDayMonth: 7, NameDayDay: 26}}
	acct := crmapi.AccountsReceivable{ID: crmapi.NewID(), OrganisationID: a.Org.ID, Number: "ACR0000000001", Name: "Main",
		OwnerID: c.ID, Currency: "EUR", CreditLimit: crmapi.MustAmount("25.5"), LifeCycleState: crmapi.AccountActive, CreatedAt: T0,
		// The store must ignore these: money moves only through entries and holds.
		Balance: crmapi.MustAmount("1000"), Held: crmapi.MustAmount("3")}
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		if err := tx.CreateContact(c); err != nil {
			return err
		}
		if err := tx.CreateAccount(acct); err != nil {
			return err
		}
		return tx.MarkContactFinancial(a.Org.ID, c.ID)
	})
	acct.Balance, acct.Held = crmapi.Amount{}, crmapi.Amount{}
	c.LifeCycleState = crmapi.ContactFinancial
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.ContactByID(a.Org.ID, c.ID)
		if err != nil {
			return err
		}
		if got != c {
			t.Errorf("ContactByID = %+v, want %+v", got, c)
		}
		for name, get := range map[string]func() (crmapi.AccountsReceivable, error){
			"id":     func() (crmapi.AccountsReceivable, error) { return tx.AccountByID(a.Org.ID, acct.ID) },
			"number": func() (crmapi.AccountsReceivable, error) { return tx.AccountByNumber(a.Org.ID, acct.Number) },
			"name":   func() (crmapi.AccountsReceivable, error) { return tx.AccountByName(a.Org.ID, "Main") },
		} {
			got, err := get()
			if err != nil {
				return fmt.Errorf("by %s: %w", name, err)
			}
			if got != acct {
				t.Errorf("account by %s = %+v, want %+v", name, got, acct)
			}
		}
		_, err = tx.AccountByNumber(a.Org.ID, "ACR9")
		wantCode(t, err, crmapi.NotFound)
		if gotA, gotC, err := tx.AccountWithOwner(a.Org.ID, acct.ID); err != nil || gotA != acct || gotC != c {
			t.Errorf("AccountWithOwner = %+v, %+v, %v; want %+v, %+v", gotA, gotC, err, acct, c)
		}
		_, _, err = tx.AccountWithOwner(a.Org.ID, crmapi.NewID())
		wantCode(t, err, crmapi.NotFound)
		list, err := tx.ListAccounts(a.Org.ID)
		if err != nil || len(list) != 1 {
			t.Errorf("ListAccounts = %v, %v", list, err)
		}
		contacts, err := tx.ListContacts(a.Org.ID)
		if err != nil || len(contacts) != 1 {
			t.Errorf("ListContacts = %v, %v", contacts, err)
		}
		return nil
	})
	// Number and name are unique in the organisation.
	for _, dup := range []crmapi.AccountsReceivable{
		{ID: crmapi.NewID(), OrganisationID: a.Org.ID, Number: acct.Number, Name: "Other", OwnerID: c.ID, Currency: "EUR", LifeCycleState: crmapi.AccountActive, CreatedAt: T0},
		{ID: crmapi.NewID(), OrganisationID: a.Org.ID, Number: "ACR0000000002", Name: "Main", OwnerID: c.ID, Currency: "EUR", LifeCycleState: crmapi.AccountActive, CreatedAt: T0},
	} {
		err := s.Update(context.Background(), func(tx crmapi.Tx) error { return tx.CreateAccount(dup) })
		wantCode(t, err, crmapi.Conflict)
	}
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.SetAccountState(a.Org.ID, acct.ID, crmapi.AccountSuspended) })
	if got := mustGetAccount(t, s, a.Org.ID, acct.ID); got.LifeCycleState != crmapi.AccountSuspended {
		t.Errorf("state after SetAccountState = %s", got.LifeCycleState)
	}
}

func testAccountLedger(t *testing.T, s crmapi.Store) {
	tn := MustTenant(t, s, "ACME")
	acct := mustAccount(t, s, tn, "ACR0000000001", crmapi.MustAmount("100"), crmapi.MustAmount("20"))
	entry := func(amount string) crmapi.LedgerEntry {
		return crmapi.LedgerEntry{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, AccountID: acct.ID, Kind: crmapi.EntryUsage,
			Amount: crmapi.MustAmount(amount), Reference: "SA1", ActionID: "action", CreatedAt: T0.Add(time.Second)}
	}
	// Available is 120: a debit of 120.0001 is refused, one of 120 passes.
	var ok bool
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		var err error
		ok, err = tx.DebitAvailable(entry("-120.0001"))
		return err
	})
	if ok {
		t.Fatal("DebitAvailable over the available amount succeeded")
	}
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		var err error
		ok, err = tx.DebitAvailable(entry("-120"))
		return err
	})
	if !ok {
		t.Fatal("DebitAvailable of exactly the available amount failed")
	}
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		return tx.AddEntry(crmapi.LedgerEntry{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, AccountID: acct.ID,
			Kind: crmapi.EntryCredit, Amount: crmapi.MustAmount("0.5"), CreatedAt: T0.Add(2 * time.Second)})
	})
	got := mustGetAccount(t, s, tn.Org.ID, acct.ID)
	if got.Balance != crmapi.MustAmount("-19.5") || got.Available() != crmapi.MustAmount("0.5") {
		t.Fatalf("balance %s available %s, want -19.5 and 0.5", got.Balance, got.Available())
	}
	// A suspended account takes no debit, even a covered one.
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.SetAccountState(tn.Org.ID, acct.ID, crmapi.AccountSuspended) })
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		var err error
		ok, err = tx.DebitAvailable(entry("-0.1"))
		return err
	})
	if ok {
		t.Fatal("DebitAvailable on a suspended account succeeded")
	}
	mustView(t, s, func(tx crmapi.Tx) error {
		entries, err := tx.ListEntries(tn.Org.ID, acct.ID)
		if err != nil {
			return err
		}
		if len(entries) != 3 || entries[0].Kind != crmapi.EntryPayment || entries[1].Amount != crmapi.MustAmount("-120") ||
			entries[1].ActionID != "action" {
			t.Errorf("entries = %+v", entries)
		}
		return nil
	})
	books := mustBalance(t, s, tn.Org.ID)
	b := books[0]
	if b.Funding != crmapi.MustAmount("100.5") || b.Usage != crmapi.MustAmount("120") || b.OverAuthorised() {
		t.Fatalf("books = %+v", b)
	}
	// An unknown account takes no entry.
	err := s.Update(context.Background(), func(tx crmapi.Tx) error {
		e := entry("5")
		e.AccountID = "missing"
		return tx.AddEntry(e)
	})
	wantCode(t, err, crmapi.NotFound)
}

func testSubscriptions(t *testing.T, s crmapi.Store) {
	tn := MustTenant(t, s, "ACME")
	acct := mustAccount(t, s, tn, "ACR0000000001", crmapi.Amount{}, crmapi.Amount{})
	sub := crmapi.Subscription{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Number: "SUB0000000001", AccountID: acct.ID,
		Kind: crmapi.SubscriptionKindUsage, LifeCycleState: crmapi.SubscriptionEffective, CreatedAt: T0}
	act := crmapi.SubscriptionAction{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Number: "SA0000000001", SubscriptionID: sub.ID,
		Type: crmapi.ActionAddServiceUsage, LifeCycleState: crmapi.ActionExecuted, UserID: tn.User.ID, ExecutedAt: T0}
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		if err := tx.CreateSubscription(sub); err != nil {
			return err
		}
		return tx.CreateSubscriptionAction(act)
	})
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.SubscriptionByNumber(tn.Org.ID, sub.Number)
		if err != nil || got != sub {
			t.Errorf("SubscriptionByNumber = %+v, %v", got, err)
		}
		got, err = tx.SubscriptionByID(tn.Org.ID, sub.ID)
		if err != nil || got != sub {
			t.Errorf("SubscriptionByID = %+v, %v", got, err)
		}
		list, err := tx.ListSubscriptions(tn.Org.ID, acct.ID)
		if err != nil || len(list) != 1 {
			t.Errorf("ListSubscriptions = %v, %v", list, err)
		}
		gotAct, err := tx.SubscriptionActionByID(tn.Org.ID, act.ID)
		if err != nil || gotAct != act {
			t.Errorf("SubscriptionActionByID = %+v, %v", gotAct, err)
		}
		return nil
	})
	dup := sub
	dup.ID = crmapi.NewID()
	err := s.Update(context.Background(), func(tx crmapi.Tx) error { return tx.CreateSubscription(dup) })
	wantCode(t, err, crmapi.Conflict)
}

func testAccountIsolation(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	b := MustTenant(t, s, "Globex")
	acct := mustAccount(t, s, a, "ACR0000000001", crmapi.MustAmount("50"), crmapi.Amount{})
	sub := crmapi.Subscription{ID: crmapi.NewID(), OrganisationID: a.Org.ID, Number: "SUB0000000001", AccountID: acct.ID,
		Kind: crmapi.SubscriptionKindUsage, LifeCycleState: crmapi.SubscriptionEffective, CreatedAt: T0}
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.CreateSubscription(sub) })
	mustView(t, s, func(tx crmapi.Tx) error {
		_, err := tx.AccountByID(b.Org.ID, acct.ID)
		wantCode(t, err, crmapi.NotFound)
		_, err = tx.AccountByNumber(b.Org.ID, acct.Number)
		wantCode(t, err, crmapi.NotFound)
		_, err = tx.AccountByName(b.Org.ID, acct.Name)
		wantCode(t, err, crmapi.NotFound)
		_, err = tx.ContactByID(b.Org.ID, acct.OwnerID)
		wantCode(t, err, crmapi.NotFound)
		_, err = tx.SubscriptionByID(b.Org.ID, sub.ID)
		wantCode(t, err, crmapi.NotFound)
		_, err = tx.SubscriptionByNumber(b.Org.ID, sub.Number)
		wantCode(t, err, crmapi.NotFound)
		for what, n := range map[string]func() (int, error){
			"accounts": func() (int, error) { l, err := tx.ListAccounts(b.Org.ID); return len(l), err },
			"contacts": func() (int, error) { l, err := tx.ListContacts(b.Org.ID); return len(l), err },
			"entries":  func() (int, error) { l, err := tx.ListEntries(b.Org.ID, acct.ID); return len(l), err },
			"subscriptions": func() (int, error) {
				l, err := tx.ListSubscriptions(b.Org.ID, acct.ID)
				return len(l), err
			},
			"books": func() (int, error) { l, err := tx.AccountBooks(b.Org.ID); return len(l), err },
		} {
			if got, err := n(); err != nil || got != 0 {
				t.Errorf("%s of another organisation: %d rows, %v", what, got, err)
			}
		}
		return nil
	})
	foreign := crmapi.LedgerEntry{ID: crmapi.NewID(), OrganisationID: b.Org.ID, AccountID: acct.ID, Kind: crmapi.EntryPayment,
		Amount: crmapi.MustAmount("1"), CreatedAt: T0}
	err := s.Update(context.Background(), func(tx crmapi.Tx) error { return tx.AddEntry(foreign) })
	wantCode(t, err, crmapi.NotFound)
	err = s.Update(context.Background(), func(tx crmapi.Tx) error {
		foreign.Amount = crmapi.MustAmount("-1")
		if ok, err := tx.DebitAvailable(foreign); ok || err != nil {
			t.Errorf("DebitAvailable on another organisation's account = %v, %v", ok, err)
		}
		return tx.SetAccountState(b.Org.ID, acct.ID, crmapi.AccountTerminated)
	})
	wantCode(t, err, crmapi.NotFound)
	err = s.Update(context.Background(), func(tx crmapi.Tx) error { return tx.MarkContactFinancial(b.Org.ID, acct.OwnerID) })
	wantCode(t, err, crmapi.NotFound)
	if got := mustGetAccount(t, s, a.Org.ID, acct.ID); got.Balance != crmapi.MustAmount("50") || got.LifeCycleState != crmapi.AccountActive {
		t.Fatalf("account changed through another organisation: %+v", got)
	}
}
