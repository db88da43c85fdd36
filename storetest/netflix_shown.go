package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/google/go-cmp/cmp"
)

func init() {
	addCase("NetflixSubscriptionsShown", testNetflixSubscriptionsShown)
}

// testNetflixSubscriptionsShown checks the one-statement read of
// netflix/subscriptions/show against the reads it replaces, with extras
// whose text needs escaping, an open-ended promotion, none at all, and
// another organisation that must see nothing.
func testNetflixSubscriptionsShown(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	b := MustTenant(t, s, "Globex")
	first := MustNetflixSubscription(t, s, a, "pci1", "PAI1")
	first.LifeCycleState = crmapi.NetflixCancelled
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.UpdateNetflixSubscription(first) })
	second := MustNetflixSubscription(t, s, a, "pci1", "PAI2")
	MustNetflixSubscription(t, s, b, "pci1", "PAI3")
	ends := T0.Add(30 * 24 * time.Hour)
	promos := []crmapi.NetflixRedemption{
		{NetflixPromotion: crmapi.NetflixPromotion{Code: "P1", Name: `Three "free" months`, Description: "ünïcode, commas; [brackets] \\ and\nlines",
			EffectiveFrom: T0, ExpiresOn: &ends}, RedeemedAt: T0.Add(time.Minute)},
		{NetflixPromotion: crmapi.NetflixPromotion{Code: "P2", Name: "Open ended", EffectiveFrom: T0}, RedeemedAt: T0.Add(time.Hour)},
	}
	prices := []crmapi.NetflixPrice{
		{FormattedPrice: "€7.99", Amount: crmapi.MustAmount("7.99"), Currency: "EUR", Plan: "STANDARD", EffectiveDate: T0},
		{FormattedPrice: "€12.99", Amount: crmapi.MustAmount("12.99"), Currency: "EUR", Plan: "PREMIUM", EffectiveDate: T0.Add(time.Hour)},
	}
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.SetNetflixExtras(a.Org.ID, second.ID, promos, prices) })

	read := func(orgID, customer, pai string) []crmapi.NetflixShownSubscription {
		t.Helper()
		var got []crmapi.NetflixShownSubscription
		err := s.Read(context.Background(), func(tx crmapi.Tx) error {
			var err error
			got, err = tx.NetflixSubscriptionsShown(orgID, customer, pai)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	var want []crmapi.NetflixShownSubscription
	mustView(t, s, func(tx crmapi.Tx) error {
		subs, err := tx.NetflixSubscriptionsOf(a.Org.ID, "pci1", "")
		if err != nil {
			return err
		}
		for _, sub := range subs {
			p, pr, err := tx.NetflixExtras(a.Org.ID, sub.ID)
			if err != nil {
				return err
			}
			want = append(want, crmapi.NetflixShownSubscription{Subscription: sub, Promotions: p, Prices: pr})
		}
		return nil
	})
	if len(want) != 2 || want[0].Subscription.ID != first.ID || len(want[1].Promotions) != 2 || len(want[1].Prices) != 2 {
		t.Fatalf("the reads to compare with = %+v", want)
	}
	opts := cmp.AllowUnexported(crmapi.Amount{})
	if diff := cmp.Diff(want, read(a.Org.ID, "pci1", ""), opts); diff != "" {
		t.Errorf("by customer (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want[1:], read(a.Org.ID, "", "PAI2"), opts); diff != "" {
		t.Errorf("by PAI (-want +got):\n%s", diff)
	}
	if got := read(b.Org.ID, "", "PAI2"); len(got) != 0 {
		t.Errorf("another organisation sees %+v", got)
	}
	if got := read(b.Org.ID, "pci1", ""); len(got) != 1 || got[0].Subscription.OrganisationID != b.Org.ID {
		t.Errorf("another organisation's own customer = %+v", got)
	}
	if got := read(a.Org.ID, "nobody", ""); len(got) != 0 {
		t.Errorf("an unknown customer = %+v", got)
	}
}
