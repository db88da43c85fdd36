package storetest

import (
	"context"
	"testing"

	"github.com/crmapi/crmapi"
)

// BenchmarkShows measures the reads behind usage_authorisations/show and
// netflix/subscriptions/show on a store from open, one caller, each both
// ways: "view" is the statements a read-only transaction used to run, "read"
// the one statement outside a transaction that replaced them. Run back to
// back in one process, they compare on a noisy machine where two HTTP load
// runs minutes apart cannot.
func BenchmarkShows(b *testing.B, open Opener) {
	s := open(b)
	ctx := context.Background()
	tn := MustTenant(b, s, "ACME")
	c := mustCatalogue(b, s, tn)
	acct := mustAccount(b, s, tn, "ACR0000000001", crmapi.MustAmount("100"), crmapi.Amount{})
	auth := newAuthorisation(acct, "UA0000000001", "10", c)
	mustHold(b, s, auth)
	sub := MustNetflixSubscription(b, s, tn, "pci1", "PAI1")
	promos := []crmapi.NetflixRedemption{{NetflixPromotion: crmapi.NetflixPromotion{Code: "P1", Name: "Three months",
		EffectiveFrom: T0}, RedeemedAt: T0}}
	prices := []crmapi.NetflixPrice{{FormattedPrice: "€7.99", Amount: crmapi.MustAmount("7.99"), Currency: "EUR",
		Plan: "STANDARD", EffectiveDate: T0}}
	mustUpdate(b, s, func(tx crmapi.Tx) error { return tx.SetNetflixExtras(tn.Org.ID, sub.ID, promos, prices) })
	org := tn.Org.ID

	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("usage-show/view", func() error {
		return s.View(ctx, func(tx crmapi.Tx) error {
			a, err := tx.AuthorisationByNumber(org, auth.Number)
			if err != nil {
				return err
			}
			if _, err := tx.OrganisationByID(org); err != nil {
				return err
			}
			if _, err := tx.CatalogueSize(org); err != nil {
				return err
			}
			_, _, err = tx.AccountWithOwner(org, a.AccountID)
			return err
		})
	})
	run("usage-show/read", func() error {
		return s.Read(ctx, func(tx crmapi.Tx) error {
			_, err := tx.AuthorisationShown(org, auth.Number, true)
			return err
		})
	})
	run("netflix-show/view", func() error {
		return s.View(ctx, func(tx crmapi.Tx) error {
			subs, err := tx.NetflixSubscriptionsOf(org, "pci1", "")
			for _, sub := range subs {
				if _, _, err := tx.NetflixExtras(org, sub.ID); err != nil {
					return err
				}
			}
			return err
		})
	})
	run("netflix-show/read", func() error {
		return s.Read(ctx, func(tx crmapi.Tx) error {
			_, err := tx.NetflixSubscriptionsShown(org, "pci1", "")
			return err
		})
	})
}
