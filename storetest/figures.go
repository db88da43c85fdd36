package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
)

func init() {
	addCase("Figures", testFigures)
}

// figures reads every figure in one transaction, in a comparable form.
func figures(tb testing.TB, s crmapi.Store) (holds, deliveries, backlogs, attention []string) {
	tb.Helper()
	mustView(tb, s, func(tx crmapi.Tx) error {
		hs, err := tx.HoldFigures()
		if err != nil {
			return err
		}
		for _, h := range hs {
			holds = append(holds, fmt.Sprintf("%s %s %d %s", h.OrganisationID, h.Currency, h.Count, h.Amount))
		}
		ds, err := tx.DeliveryFigures()
		if err != nil {
			return err
		}
		for _, d := range ds {
			deliveries = append(deliveries, fmt.Sprintf("%s %s %d", d.OrganisationID, d.State, d.Count))
		}
		bs, err := tx.ChargeBacklogs()
		if err != nil {
			return err
		}
		for _, b := range bs {
			backlogs = append(backlogs, fmt.Sprintf("%s %v %d %s", b.OrganisationID, b.Processed, b.Count, b.OldestReceivedOn.Format(time.RFC3339)))
		}
		as, err := tx.AttentionFigures()
		if err != nil {
			return err
		}
		for _, a := range as {
			attention = append(attention, fmt.Sprintf("%s %d", a.OrganisationID, a.Count))
		}
		return nil
	})
	return
}

func wantFigures(tb testing.TB, what string, got []string, want ...string) {
	tb.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		tb.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// The operators' figures count only what is live (BLOCKED holds,
// PENDING and FAILED deliveries, unacknowledged charges, subscriptions
// needing attention), per organisation, and leave the rest out.
func testFigures(t *testing.T, s crmapi.Store) {
	a, b := MustTenant(t, s, "ACME"), MustTenant(t, s, "BETA")
	if a.Org.ID > b.Org.ID {
		a, b = b, a // the figures come in organisation id order
	}
	holds, deliveries, backlogs, attention := figures(t, s)
	if len(holds)+len(deliveries)+len(backlogs)+len(attention) != 0 {
		t.Fatalf("figures of an empty store: %v %v %v %v", holds, deliveries, backlogs, attention)
	}

	// Holds: two BLOCKED in EUR and one in USD at a; one ended.
	cat := mustCatalogue(t, s, a)
	eur := mustAccount(t, s, a, "ACR1", crmapi.MustAmount("100"), crmapi.Amount{})
	usd := mustUSDAccount(t, s, a, "ACR2", crmapi.MustAmount("100"))
	mustHold(t, s, newAuthorisation(eur, "UA1", "10.25", cat))
	mustHold(t, s, newAuthorisation(eur, "UA2", "5", cat))
	ended := newAuthorisation(eur, "UA3", "7", cat)
	mustHold(t, s, ended)
	mustEnd(t, s, crmapi.AuthorisationEnd{OrganisationID: a.Org.ID, ID: ended.ID, State: crmapi.AuthorisationCancelled, At: T0})
	mustHold(t, s, newAuthorisation(usd, "UA4", "1.5", cat))

	// Deliveries: b has one PENDING and one FAILED, a one DELIVERED.
	MustEndpoint(t, s, b, "https://b.example/hook")
	_, ds := mustAppend(t, s, b, crmapi.EventUsageAuthorisationCreated, `{}`, 0)
	mustAppend(t, s, b, crmapi.EventUsageAuthorisationCreated, `{}`, time.Second)
	failed := ds[0]
	failed.State, failed.Attempts = crmapi.DeliveryFailed, 1
	mustUpdate(t, s, func(tx crmapi.Tx) error { return second(tx.UpdateWebhookDelivery(failed, 0)) })
	MustEndpoint(t, s, a, "https://a.example/hook")
	_, ds = mustAppend(t, s, a, crmapi.EventUsageAuthorisationCreated, `{}`, 0)
	done := ds[0]
	done.State, done.Attempts = crmapi.DeliveryDelivered, 1
	mustUpdate(t, s, func(tx crmapi.Tx) error { return second(tx.UpdateWebhookDelivery(done, 0)) })

	// Charges of b: one pending, two processed of which one acknowledged;
	// the oldest unacknowledged processed one was received an hour later.
	sub := MustNetflixSubscription(t, s, b, "pci1", "PAI1")
	MustNetflixCharge(t, s, sub, crmapi.ChargePending)
	acked := MustNetflixCharge(t, s, sub, crmapi.ChargeApproved)
	var c crmapi.NetflixCharge
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		if err := second(tx.AcknowledgeNetflixCharge(b.Org.ID, acked.ID, true, "ACK1", T0)); err != nil {
			return err
		}
		n, err := tx.NextNumber(b.Org.ID, "NC")
		if err != nil {
			return err
		}
		c = NewNetflixCharge(sub, n, crmapi.ChargeDeclined)
		c.ReceivedOn = T0.Add(time.Hour)
		return tx.CreateNetflixCharge(c)
	})
	MustNetflixCharge(t, s, sub, crmapi.ChargeApproved)

	// Attention: one subscription of a.
	stuck := MustNetflixSubscription(t, s, a, "pci2", "PAI2")
	stuck.Attention, stuck.AttentionReason = true, "partner refused"
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.UpdateNetflixSubscription(stuck) })
	MustNetflixSubscription(t, s, b, "pci3", "PAI3")

	holds, deliveries, backlogs, attention = figures(t, s)
	wantFigures(t, "holds", holds, a.Org.ID+" EUR 2 15.25", a.Org.ID+" USD 1 1.5")
	pending, failedFig := b.Org.ID+" PENDING 1", b.Org.ID+" FAILED 1"
	if fmt.Sprint(deliveries) != fmt.Sprint([]string{pending, failedFig}) && fmt.Sprint(deliveries) != fmt.Sprint([]string{failedFig, pending}) {
		t.Errorf("deliveries: %q", deliveries)
	}
	wantFigures(t, "charge backlogs", backlogs,
		b.Org.ID+" false 1 "+T0.Format(time.RFC3339),
		b.Org.ID+" true 2 "+T0.Add(time.Hour).Format(time.RFC3339))
	wantFigures(t, "attention", attention, a.Org.ID+" 1")
}

// mustUSDAccount is mustAccount in US dollars.
func mustUSDAccount(tb testing.TB, s crmapi.Store, tn Tenant, number string, balance crmapi.Amount) crmapi.AccountsReceivable {
	tb.Helper()
	c := crmapi.Contact{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Type: crmapi.ContactCompany, CompanyName: "Dollar " + number,
		LifeCycleState: crmapi.ContactNonFinancial, CreatedAt: T0}
	a := crmapi.AccountsReceivable{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Number: number, Name: number,
		OwnerID: c.ID, Currency: "USD", LifeCycleState: crmapi.AccountActive, CreatedAt: T0}
	mustUpdate(tb, s, func(tx crmapi.Tx) error {
		if err := tx.CreateContact(c); err != nil {
			return err
		}
		if err := tx.CreateAccount(a); err != nil {
			return err
		}
		return tx.AddEntry(crmapi.LedgerEntry{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, AccountID: a.ID,
			Kind: crmapi.EntryPayment, Amount: balance, Reference: "opening", CreatedAt: T0})
	})
	a.Balance = balance
	return a
}
