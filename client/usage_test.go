package client

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crmapi/crmapi/internal/apitest"
	"github.com/crmapi/crmapi/service"
)

// must returns v, or panics with err: the panic's trace names the
// failing call's line, and the test fails.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// wantCode checks that err is a typed *Error with code and HTTP status.
func wantCode(t *testing.T, err error, code string, status int) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code || e.HTTPStatus != status {
		t.Fatalf("want %s (%d), got %v", code, status, err)
	}
}

func login(t *testing.T, url, org string) *Client {
	t.Helper()
	c := New(url)
	if err := c.Login(context.Background(), Credentials{Username: "admin", Password: password, Organisation: org}); err != nil {
		t.Fatal(err)
	}
	return c
}

// catalogue makes the demo's usage catalogue through the SDK: Litres and
// VOD, a FUEL family, Diesel (DSL) at 1.5 and Serendipity (S_1) at 4.99.
func catalogue(t *testing.T, c *Client) {
	t.Helper()
	ctx := context.Background()
	litres := must(c.CreateUDRType(ctx, NewUDRType{Name: "Litres", AlternativeCode: "L"}))
	must(c.CreateUDRType(ctx, NewUDRType{Name: "VOD", AlternativeCode: "V"}))
	must(c.CreateProductType(ctx, NewProductType{Name: "Usage Service Type B", AlternativeCode: "USTB", UDRType: ByID(litres.ID)}))
	vod := must(c.CreateProductType(ctx, NewProductType{Name: "Usage Services", AlternativeCode: "V",
		UDRType: ByAlternativeCode("V"), UsedForProvisioning: true}))
	if vod.UDRType.Name != "VOD" || !vod.UsedForProvisioning || vod.ServiceType != "USAGE" {
		t.Fatalf("product type: %+v", vod)
	}
	fuel := must(c.CreateProductFamily(ctx, NewProductFamily{Code: "FUEL", Name: "Fuel"}))
	dsl := must(c.CreateUsageService(ctx, NewUsageService{Code: "Diesel", AlternativeCode: "DSL", ProductType: ByAlternativeCode("USTB"),
		Family: ByCode("FUEL"), UnitRate: "1.5"}))
	if dsl.UnitRate != "1.5" || dsl.ServiceFamily == nil || dsl.ServiceFamily.ID != fuel.ID || dsl.ProductType.UDRType.ID != litres.ID {
		t.Fatalf("usage service: %+v", dsl)
	}
	must(c.CreateUsageService(ctx, NewUsageService{Code: "Serendipity", AlternativeCode: "S_1", ProductType: ByName("Usage Services"), UnitRate: "4.99"}))
	if l := must(c.UDRTypes(ctx)); len(l) != 2 || l[0].Name != "Litres" {
		t.Fatalf("udr types: %+v", l)
	}
	if l := must(c.ProductTypes(ctx)); len(l) != 2 {
		t.Fatalf("product types: %+v", l)
	}
	if l := must(c.ProductFamilies(ctx)); len(l) != 1 || l[0].Code != "FUEL" {
		t.Fatalf("families: %+v", l)
	}
	if l := must(c.UsageServices(ctx)); len(l) != 2 {
		t.Fatalf("usage services: %+v", l)
	}
}

// account opens a funded EUR account with one subscription through the SDK.
func account(t *testing.T, c *Client, lastName, funds string) Account {
	t.Helper()
	ctx := context.Background()
	owner := must(c.CreateContact(ctx, NewContact{Type: "PERSON", FirstName: "Maria", LastName: lastName}))
	a := must(c.CreateAccount(ctx, NewAccount{Contact: owner.ID, Currency: "EUR", CreditLimit: "0"}))
	must(c.CreateSubscription(ctx, ByNumber(a.Number), ""))
	must(c.CreatePayment(ctx, Funding{Account: ByNumber(a.Number), Amount: Decimal(funds), ReferenceNumber: "OPENING"}))
	return must(c.Account(ctx, ByNumber(a.Number)))
}

func TestAccountsAndCatalogue(t *testing.T) {
	ctx := context.Background()
	c := login(t, startServer(t), "ACME")
	catalogue(t, c)
	owner := must(c.CreateContact(ctx, NewContact{Type: "COMPANY", CompanyName: "Initech Ltd"}))
	if owner.Name == nil || *owner.Name != "Initech Ltd" || owner.CreatedDate == "" {
		t.Fatalf("contact: %+v", owner)
	}
	if got := must(c.Contact(ctx, owner.ID)); got.ID != owner.ID {
		t.Fatalf("contacts/show: %+v", got)
	}
	if l := must(c.Contacts(ctx)); len(l) != 1 {
		t.Fatalf("contacts/list: %+v", l)
	}
	_, err := c.CreateContact(ctx, NewContact{Type: "ROBOT"})
	wantCode(t, err, "INVALID_PARAMETER", 400)

	a := must(c.CreateAccount(ctx, NewAccount{Contact: owner.ID, Name: "Initech", Currency: "EUR", CreditLimit: "100"}))
	if a.LifeCycleState != "ACTIVE" || a.Balance != "0" || a.AvailableAmount != "100" || a.AccountOwner.ID != owner.ID {
		t.Fatalf("account: %+v", a)
	}
	ref := ByName("Initech")
	paid := must(c.CreatePayment(ctx, Funding{Account: ref, Amount: "250.50", ReferenceNumber: "PAY-1", Notes: "opening"}))
	if paid.Type != "PAYMENT" || paid.Amount != "250.5" || paid.AccountsReceivable.Balance != "250.5" {
		t.Fatalf("payment: %+v", paid)
	}
	credited := must(c.CreateCredit(ctx, Funding{Account: ByID(a.ID), Amount: "10"}))
	if credited.Type != "CREDIT" || credited.AccountsReceivable.AvailableAmount != "360.5" {
		t.Fatalf("credit: %+v", credited)
	}
	_, err = c.CreatePayment(ctx, Funding{Account: ref, Amount: "1.001"})
	wantCode(t, err, "INVALID_PARAMETER", 400)
	if _, err := c.CreatePayment(ctx, Funding{Account: ref, Amount: "1,5"}); err == nil || IsCode(err, "INVALID_PARAMETER") {
		t.Fatalf("a malformed decimal reached the server: %v", err)
	}
	if l := must(c.LedgerEntries(ctx, ref)); len(l) != 2 || l[0].ReferenceNumber == nil || *l[0].ReferenceNumber != "PAY-1" {
		t.Fatalf("ledger: %+v", l)
	}
	sub := must(c.CreateSubscription(ctx, ref, ""))
	if sub.Type != "USAGE" || sub.LifeCycleState != "EFFECTIVE" {
		t.Fatalf("subscription: %+v", sub)
	}
	if l := must(c.Subscriptions(ctx, ref)); len(l) != 1 || l[0].Number != sub.Number {
		t.Fatalf("subscriptions: %+v", l)
	}
	al := must(c.SetAllowance(ctx, AllowanceSettings{Account: ref, OverLimitPercentage: "10", ValidityMinutes: 120,
		Limits: []NewLimit{
			{Service: ByAlternativeCode("DSL"), MaxAmountPerTransaction: "100", MaxUsagePerTransaction: "60"},
			{ServiceFamily: ByCode("FUEL"), MaxAmountPerBillingCycle: "1000"},
		}}))
	if len(al.Limits) != 2 || al.Limits[0].Service == nil || al.Limits[0].Service.Code != "Diesel" ||
		al.Limits[0].MaxUsagePerTransaction == nil || *al.Limits[0].MaxUsagePerTransaction != "60" ||
		al.Limits[1].ServiceFamily == nil || al.ValidityMinutes != 120 || al.OverLimitPercentage != "10" {
		t.Fatalf("allowance: %+v", al)
	}
	if got := must(c.Allowance(ctx, ref)); len(got.Limits) != 2 || got.UpdatedDate == nil {
		t.Fatalf("allowance show: %+v", got)
	}
	_, err = c.SetAllowance(ctx, AllowanceSettings{Account: ref, Limits: []NewLimit{{Service: ByCode("Nothing")}}})
	wantCode(t, err, "NOT_FOUND", 404)

	if s := must(c.SuspendAccount(ctx, ref)); s.LifeCycleState != "SUSPENDED" {
		t.Fatalf("suspend: %+v", s)
	}
	_, err = c.SuspendAccount(ctx, ref)
	wantCode(t, err, "INVALID_LIFE_CYCLE_STATE", 422)
	if s := must(c.ActivateAccount(ctx, ref)); s.LifeCycleState != "ACTIVE" {
		t.Fatalf("activate: %+v", s)
	}
	if s := must(c.TerminateAccount(ctx, ref)); s.LifeCycleState != "TERMINATED" {
		t.Fatalf("terminate: %+v", s)
	}
	if l := must(c.Accounts(ctx)); len(l) != 1 || l[0].Name != "Initech" {
		t.Fatalf("accounts: %+v", l)
	}
	if b := must(c.CheckBooks(ctx)); len(b) != 1 || !b[0].Balanced || !b[0].WithinFundingAndCredit || b[0].Balance != "260.5" {
		t.Fatalf("books: %+v", b)
	}
	_, err = c.Account(ctx, ByNumber("ACR9999999999"))
	wantCode(t, err, "NOT_FOUND", 404)
}

func TestUsageAuthorisations(t *testing.T) {
	ctx := context.Background()
	c := login(t, startServer(t), "ACME")
	catalogue(t, c)
	a := account(t, c, "Georgiou", "100")
	ref := ByNumber(a.Number)

	// A retry with the same Idempotency-Key holds once and answers the same.
	first := must(c.CreateAuthorisation(ctx, NewAuthorisation{Account: ref, Amount: "50"}, WithIdempotencyKey("hold-1")))
	again := must(c.CreateAuthorisation(ctx, NewAuthorisation{Account: ref, Amount: "50"}, WithIdempotencyKey("hold-1")))
	if first.ID != again.ID || first.LifeCycleState != "BLOCKED" || first.AuthorisationAmount != "50" {
		t.Fatalf("idempotent create: %+v / %+v", first, again)
	}
	if got := must(c.Account(ctx, ref)); got.HeldAmount != "50" || got.AvailableAmount != "50" {
		t.Fatalf("held once: %+v", got)
	}
	_, err := c.CreateAuthorisation(ctx, NewAuthorisation{Account: ref, Amount: "60"}, WithIdempotencyKey("hold-1"))
	wantCode(t, err, "IDEMPOTENCY_KEY_REUSED", 422)
	_, err = c.CreateAuthorisation(ctx, NewAuthorisation{Account: ref, Amount: "60"})
	wantCode(t, err, "INSUFFICIENT_FUNDS", 422)
	_, err = c.CreateAuthorisation(ctx, NewAuthorisation{Account: ref, Subscription: ByNumber("SUB0000000001"), Amount: "1"})
	wantCode(t, err, "ONLY_ONE_SEMI_OPTIONAL_ALLOWED", 400)
	if first.Subscription == nil || len(first.Services) != 2 || first.Services[0].Service == nil {
		t.Fatalf("authorisation detail: %+v", first)
	}

	shown := must(c.Authorisation(ctx, ByAuthorisationID(first.AuthorisationID)))
	if shown.ID != first.ID || shown.AccountsReceivable.Number != a.Number {
		t.Fatalf("show: %+v", shown)
	}
	_, err = c.Authorisation(ctx, ByID("0123456789ABCDEF0123456789ABCDEF"))
	wantCode(t, err, "NOT_FOUND", 404)

	second := must(c.CreateAuthorisation(ctx, NewAuthorisation{Subscription: ByID(first.Subscription.ID), Amount: "20"}))
	cancelled := must(c.CancelAuthorisation(ctx, ByID(second.ID), WithIdempotencyKey("cancel-1")))
	if cancelled.LifeCycleState != "CANCELLED" || cancelled.CancellationDate == nil || cancelled.CancelledByUser == nil ||
		cancelled.CancelledByUser.Username != "admin" {
		t.Fatalf("cancel: %+v", cancelled)
	}
	if again := must(c.CancelAuthorisation(ctx, ByID(second.ID), WithIdempotencyKey("cancel-1"))); again.LifeCycleState != "CANCELLED" {
		t.Fatalf("idempotent cancel: %+v", again)
	}
	_, err = c.CancelAuthorisation(ctx, ByID(second.ID))
	wantCode(t, err, "INVALID_LIFE_CYCLE_STATE", 422)

	// Usage against the first hold completes it and debits what was used.
	posted := must(c.AddServiceUsage(ctx, UsagePosting{Account: ref, Authorisation: ByID(first.ID),
		Lines: []UsageLine{{Product: ByAlternativeCode("DSL"), UsageAmount: "10"}, {Product: ByCode("Serendipity"), UsageAmount: "1"}}},
		WithIdempotencyKey("usage-1")))
	if posted.TotalRatedAmount != "19.99" || len(posted.Records) != 2 || posted.Records[0].RatedAmount != "15" ||
		posted.Records[0].UsageAmount != "10" || posted.UsageAuthorisation == nil || posted.UsageAuthorisation.LifeCycleState != "COMPLETED" ||
		posted.Type != "ADD_SERVICE_USAGE" {
		t.Fatalf("add_service_usage: %+v", posted)
	}
	if again := must(c.AddServiceUsage(ctx, UsagePosting{Account: ref, Authorisation: ByID(first.ID),
		Lines: []UsageLine{{Product: ByAlternativeCode("DSL"), UsageAmount: "10"}, {Product: ByCode("Serendipity"), UsageAmount: "1"}}},
		WithIdempotencyKey("usage-1"))); again.ID != posted.ID {
		t.Fatalf("retried posting made action %s, first %s", again.ID, posted.ID)
	}
	if got := must(c.Account(ctx, ref)); got.Balance != "80.01" || got.HeldAmount != "0" {
		t.Fatalf("after usage: %+v", got)
	}
	must(c.AddServiceUsage(ctx, UsagePosting{Subscription: ByID(first.Subscription.ID),
		Lines: []UsageLine{{Product: ByCode("Diesel"), UsageAmount: "2"}}}))
	_, err = c.AddServiceUsage(ctx, UsagePosting{Account: ref, Lines: []UsageLine{{Product: ByCode("Diesel"), UsageAmount: "1000"}}})
	wantCode(t, err, "INSUFFICIENT_FUNDS", 422)
	if l := must(c.UsageRecords(ctx, ref)); len(l) != 3 || l[2].RatedAmount != "3" {
		t.Fatalf("usage records: %+v", l)
	}
	list := must(c.Authorisations(ctx, AuthorisationQuery{Account: ref}))
	if len(list) != 2 || list[0].LifeCycleState != "COMPLETED" || list[0].CompletedByAction == nil || list[1].LifeCycleState != "CANCELLED" {
		t.Fatalf("list: %+v", list)
	}
	if page := must(c.Authorisations(ctx, AuthorisationQuery{Account: ref, NumberOfResults: 1, Offset: 1})); len(page) != 1 || page[0].ID != second.ID {
		t.Fatalf("page: %+v", page)
	}
}

// Through the wire: a test organisation's clock, moved with
// test_clock/advance, expires its holds; a production one's stay.
func TestTestClockExpiresAuthorisations(t *testing.T) {
	ctx := context.Background()
	url, svc := apitest.Start(t)
	if _, err := svc.Auth.Bootstrap(ctx, service.Bootstrap{Organisation: "LAB", Password: password, Test: true}); err != nil {
		t.Fatal(err)
	}
	lab, prod := login(t, url, "LAB"), login(t, url, "ACME")
	holds := map[*Client]Authorisation{}
	for _, c := range []*Client{lab, prod} {
		catalogue(t, c)
		a := account(t, c, "Doe", "100")
		holds[c] = must(c.CreateAuthorisation(ctx, NewAuthorisation{Account: ByNumber(a.Number), Amount: "40"}))
	}
	from, _ := time.Parse("2006-01-02T15:04:05", holds[lab].AuthorisationDate)
	to, _ := time.Parse("2006-01-02T15:04:05", holds[lab].ExpirationDate)
	if to.Sub(from) != 24*time.Hour {
		t.Fatalf("validity %s → %s", holds[lab].AuthorisationDate, holds[lab].ExpirationDate)
	}
	_, err := prod.AdvanceTestClock(ctx, 3600)
	wantCode(t, err, "PERMISSION_DENIED", 403)
	clock := must(lab.AdvanceTestClock(ctx, 25*3600))
	if clock.OffsetSeconds != 25*3600 {
		t.Fatalf("clock: %+v", clock)
	}
	// The lab's token is renewed on its clock (2 h tokens are long past);
	// the SDK logs in again by itself.
	got := must(lab.Authorisation(ctx, ByID(holds[lab].ID)))
	if got.LifeCycleState != "EXPIRED" {
		t.Fatalf("lab hold after 25 h: %s", got.LifeCycleState)
	}
	if a := must(lab.Account(ctx, ByID(got.AccountsReceivable.ID))); a.HeldAmount != "0" || a.AvailableAmount != "100" {
		t.Fatalf("lab hold not released: %+v", a)
	}
	if got := must(prod.Authorisation(ctx, ByID(holds[prod].ID))); got.LifeCycleState != "BLOCKED" {
		t.Fatalf("production hold: %s", got.LifeCycleState)
	}
}
