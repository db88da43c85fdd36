package service_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
	"github.com/crmapi/crmapi/sqlite"
)

type fixture struct {
	svc   *service.Services
	clock *crmapi.ManualClock
	org   crmapi.Organisation
	user  crmapi.User
}

func mustFixture(tb testing.TB, start time.Time) fixture {
	tb.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "crmapi.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	return fixtureOn(tb, store, start)
}

// fixtureOn is mustFixture on a given store.
func fixtureOn(tb testing.TB, store crmapi.Store, start time.Time) fixture {
	tb.Helper()
	clock := crmapi.NewManualClock(start)
	svc, err := service.New(service.Config{Store: store, Clock: clock, SigningKey: bytes.Repeat([]byte("k"), 32),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	res, err := svc.Auth.Bootstrap(context.Background(), service.Bootstrap{Organisation: "ACME", Password: "long enough password"})
	if err != nil {
		tb.Fatal(err)
	}
	return fixture{svc: svc, clock: clock, org: res.Organisation, user: res.User}
}

func ok(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// mustAccount opens a funded EUR account with one subscription.
func (f fixture) mustAccount(tb testing.TB, funds string) crmapi.Ref {
	tb.Helper()
	ctx := context.Background()
	c, err := f.svc.Accounts.CreateContact(ctx, f.org.ID, service.NewContact{Type: crmapi.ContactPerson, LastName: "Doe"})
	ok(tb, err)
	a, err := f.svc.Accounts.CreateAccount(ctx, f.org.ID, service.NewAccount{OwnerID: c.ID, Currency: "EUR"})
	ok(tb, err)
	ref := crmapi.RefID(a.ID)
	_, err = f.svc.Accounts.CreateSubscription(ctx, f.org.ID, ref, "")
	ok(tb, err)
	if _, _, err := f.svc.Accounts.Fund(ctx, f.org.ID, service.Funding{Account: ref, Kind: crmapi.EntryPayment, Amount: crmapi.MustAmount(funds)}); err != nil {
		tb.Fatal(err)
	}
	return ref
}

func (f fixture) mustCatalogue(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	u := f.svc.Usage
	litres, err := u.CreateUDRType(ctx, f.org.ID, crmapi.UDRType{Name: "Litres", AlternativeCode: "L"})
	ok(tb, err)
	vod, err := u.CreateUDRType(ctx, f.org.ID, crmapi.UDRType{Name: "VOD", AlternativeCode: "V"})
	ok(tb, err)
	_, err = u.CreateProductType(ctx, f.org.ID, service.NewProductType{Name: "Petrol", AlternativeCode: "USTA", UDRType: crmapi.RefID(litres.ID)})
	ok(tb, err)
	_, err = u.CreateProductType(ctx, f.org.ID, service.NewProductType{Name: "Diesel fuels", AlternativeCode: "USTB", UDRType: crmapi.RefID(litres.ID)})
	ok(tb, err)
	_, err = u.CreateProductType(ctx, f.org.ID, service.NewProductType{Name: "Usage Services", AlternativeCode: "V", UDRType: crmapi.RefID(vod.ID)})
	ok(tb, err)
	_, err = u.CreateFamily(ctx, f.org.ID, crmapi.ProductFamily{Code: "FUEL"})
	ok(tb, err)
	fuel := &crmapi.Ref{Field: "code", Value: "FUEL"}
	typ := func(alt string) crmapi.Ref { return crmapi.Ref{Field: "alternative_code", Value: alt} }
	for _, s := range []service.NewUsageService{
		{Code: "Diesel", ProductType: typ("USTB"), Family: fuel, UnitRate: crmapi.MustAmount("1.5")},
		{Code: "Unleaded 95", ProductType: typ("USTA"), Family: fuel, UnitRate: crmapi.MustAmount("1.65")},
		{Code: "Serendipity", ProductType: typ("V"), UnitRate: crmapi.MustAmount("4.99")},
	} {
		_, err := u.CreateUsageService(ctx, f.org.ID, s)
		ok(tb, err)
	}
}

func code(c string) crmapi.Ref { return crmapi.Ref{Field: "code", Value: c} }

func amountPtr(s string) *crmapi.Amount { a := crmapi.MustAmount(s); return &a }

func quantityPtr(s string) *crmapi.Quantity { q := crmapi.MustQuantity(s); return &q }

// The worked example of docs/usage-authorisations.md, number for number.
func TestWorkedExample(t *testing.T) {
	ctx := context.Background()
	f := mustFixture(t, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	f.mustCatalogue(t)
	acct := f.mustAccount(t, "500")
	post := func(svc string, litres string) {
		t.Helper()
		if _, err := f.svc.Usage.AddServiceUsage(ctx, f.org.ID, "", posting(acct, svc, litres)); err != nil {
			t.Fatal(err)
		}
	}
	// Earlier this month: 80 l of Unleaded 95 (132.00). Today: 20 l of
	// Diesel (30.00) and 10 l of Unleaded 95 (16.50).
	post("Unleaded 95", "80")
	f.clock.Advance(9 * 24 * time.Hour)
	post("Diesel", "20")
	post("Unleaded 95", "10")
	_, err := f.svc.Usage.SetAllowance(ctx, f.org.ID, service.AllowanceChange{Account: acct, OverLimitPercentage: crmapi.MustAmount("10"),
		Limits: []service.LimitSpec{
			{Target: service.TargetRef{Kind: crmapi.TargetService, Ref: code("Diesel")},
				MaxAmountPerTransaction: amountPtr("40"), MaxAmountPerDay: amountPtr("60"), MaxUsagePerTransaction: quantityPtr("30")},
			{Target: service.TargetRef{Kind: crmapi.TargetServiceType, Ref: crmapi.Ref{Field: "name", Value: "Petrol"}},
				MaxAmountPerCycle: amountPtr("200"), MaxUsagePerDay: quantityPtr("25")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.svc.Usage.Authorise(ctx, f.org.ID, service.NewAuthorisation{Account: &acct, Amount: crmapi.MustAmount("50")})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ target, amount, usage string }{
		{"Diesel", "36", "24"},
		{"Petrol", "50", "17"},
		{"Serendipity", "50", "10"},
	}
	if len(d.Services) != len(want) {
		t.Fatalf("%d services, want %d", len(d.Services), len(want))
	}
	for i, s := range d.Services {
		name := d.Catalogue.Services[s.Target.ID].Code
		if s.Target.Kind == crmapi.TargetServiceType {
			name = d.Catalogue.ProductTypes[s.Target.ID].Name
		}
		if name != want[i].target || s.MaximumAmount.String() != want[i].amount || s.MaximumUsage.String() != want[i].usage {
			t.Errorf("service %d: %s maximum_amount %s maximum_usage %s; want %+v", i, name, s.MaximumAmount, s.MaximumUsage, want[i])
		}
	}
	// Within the maxima the usage posts; one litre more does not.
	ref := crmapi.RefID(d.ID)
	over := posting(acct, "Diesel", "25")
	over.Authorisation = &ref
	if _, err := f.svc.Usage.AddServiceUsage(ctx, f.org.ID, "", over); crmapi.ErrorCode(err) != crmapi.LimitExceeded {
		t.Fatalf("25 l of Diesel against maximum_usage 24: %v, want LIMIT_EXCEEDED", err)
	}
	within := posting(acct, "Diesel", "24")
	within.Authorisation = &ref
	posted, err := f.svc.Usage.AddServiceUsage(ctx, f.org.ID, "", within)
	if err != nil {
		t.Fatal(err)
	}
	if posted.Total != crmapi.MustAmount("36") || posted.Authorisation.LifeCycleState != crmapi.AuthorisationCompleted {
		t.Fatalf("posted %s, authorisation %s", posted.Total, posted.Authorisation.LifeCycleState)
	}
	// 500 − 132 − 30 − 16.50 − 36, nothing held.
	a, err := f.svc.Accounts.Account(ctx, f.org.ID, acct)
	ok(t, err)
	if a.Balance != crmapi.MustAmount("285.5") || !a.Held.IsZero() {
		t.Fatalf("balance %s held %s", a.Balance, a.Held)
	}
}

// posting is usage of one service on an account.
func posting(acct crmapi.Ref, svc, usage string) service.UsagePosting {
	return service.UsagePosting{Account: &acct, Lines: []service.UsageLine{{Service: code(svc), Usage: crmapi.MustQuantity(usage)}}}
}

// Reads expire what is due, the sweeper too, and terminating an account
// cancels what it still holds.
func TestExpiryAndTermination(t *testing.T) {
	ctx := context.Background()
	f := mustFixture(t, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	f.mustCatalogue(t)
	acct := f.mustAccount(t, "100")
	authorise := func(amount string) service.AuthorisationDetail {
		t.Helper()
		v, err := f.svc.Usage.Authorise(ctx, f.org.ID, service.NewAuthorisation{Account: &acct, Amount: crmapi.MustAmount(amount)})
		ok(t, err)
		return v
	}
	a1 := authorise("10")
	authorise("20")
	if !a1.ExpiresAt.Equal(a1.AuthorisedAt.Add(24 * time.Hour)) {
		t.Fatalf("default validity: %s → %s", a1.AuthorisedAt, a1.ExpiresAt)
	}
	f.clock.Advance(24 * time.Hour)
	list, err := f.svc.Usage.Authorisations(ctx, f.org.ID, acct, 0, 0)
	ok(t, err)
	for _, d := range list {
		if d.LifeCycleState != crmapi.AuthorisationExpired {
			t.Fatalf("%s is %s after 24 h", d.Number, d.LifeCycleState)
		}
	}
	if n, err := f.svc.Usage.ExpireDue(ctx, 10); err != nil || n != 0 {
		t.Fatalf("sweeper found %d left by the list", n)
	}
	a3 := authorise("30")
	f.clock.Advance(25 * time.Hour)
	if n, err := f.svc.Usage.ExpireDue(ctx, 10); err != nil || n != 1 {
		t.Fatalf("sweeper expired %d, want 1", n)
	}
	if _, err := f.svc.Usage.Cancel(ctx, f.org.ID, f.user.ID, crmapi.RefID(a3.ID)); crmapi.ErrorCode(err) != crmapi.InvalidLifeCycleState {
		t.Fatalf("cancel of an expired authorisation: %v", err)
	}
	a4 := authorise("40")
	if _, err := f.svc.Accounts.SetState(ctx, f.org.ID, f.user.ID, acct, crmapi.AccountTerminated); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Usage.Authorisation(ctx, f.org.ID, crmapi.RefID(a4.ID))
	ok(t, err)
	if got.LifeCycleState != crmapi.AuthorisationCancelled || got.CancelledBy == nil || got.CancelledBy.ID != f.user.ID {
		t.Fatalf("after termination: %s by %v", got.LifeCycleState, got.CancelledBy)
	}
	if _, err := f.svc.Usage.Authorise(ctx, f.org.ID, service.NewAuthorisation{Account: &acct, Amount: crmapi.MustAmount("1")}); crmapi.ErrorCode(err) != crmapi.InvalidLifeCycleState {
		t.Fatalf("authorise on a terminated account: %v", err)
	}
	books, err := f.svc.Accounts.Books(ctx, f.org.ID)
	ok(t, err)
	if len(books) != 1 || !books[0].Balanced() || !books[0].Held.IsZero() {
		t.Fatalf("books = %+v", books)
	}
}
