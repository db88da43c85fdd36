package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/crmapi/crmapi"
)

func init() {
	addCase("AuthorisationShown", testAuthorisationShown)
}

// readShown reads an authorisation through Store.Read, as
// usage_authorisations/show does.
func readShown(s crmapi.Store, orgID, key string, byNumber bool) (crmapi.ShownAuthorisation, error) {
	var shown crmapi.ShownAuthorisation
	err := s.Read(context.Background(), func(tx crmapi.Tx) error {
		var err error
		shown, err = tx.AuthorisationShown(orgID, key, byNumber)
		return err
	})
	return shown, err
}

// testAuthorisationShown checks the one-statement read of an authorisation
// against the reads it replaces: the same authorisation with its services
// in order, organisation, account, owner, subscription and catalogue
// size, and nothing of another organisation.
func testAuthorisationShown(t *testing.T, s crmapi.Store) {
	tn := MustTenant(t, s, "ACME")
	other := MustTenant(t, s, "Globex")
	c := mustCatalogue(t, s, tn)
	acct := mustAccount(t, s, tn, "ACR0000000001", crmapi.MustAmount("100"), crmapi.Amount{})
	sub := crmapi.Subscription{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Number: "SUB0000000001",
		AccountID: acct.ID, Kind: "usage", LifeCycleState: crmapi.SubscriptionEffective, CreatedAt: T0}
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.CreateSubscription(sub) })
	withSub := newAuthorisation(acct, "UA0000000001", "10", c)
	withSub.SubscriptionID = sub.ID
	withoutSub := newAuthorisation(acct, "UA0000000002", "5", c)
	withoutSub.Services = nil
	mustHold(t, s, withSub)
	mustHold(t, s, withoutSub)

	var want struct {
		org     crmapi.Organisation
		account crmapi.AccountsReceivable
		owner   crmapi.Contact
		size    int64
	}
	mustView(t, s, func(tx crmapi.Tx) (err error) {
		if want.org, err = tx.OrganisationByID(tn.Org.ID); err != nil {
			return err
		}
		if want.account, want.owner, err = tx.AccountWithOwner(tn.Org.ID, acct.ID); err != nil {
			return err
		}
		want.size, err = tx.CatalogueSize(tn.Org.ID)
		return err
	})
	if want.size == 0 {
		t.Fatal("the catalogue is empty; the size check would prove nothing")
	}
	for _, tc := range []struct {
		a        crmapi.UsageAuthorisation
		sub      *crmapi.Subscription
		key      string
		byNumber bool
	}{
		{withSub, &sub, withSub.ID, false},
		{withSub, &sub, withSub.Number, true},
		{withoutSub, nil, withoutSub.Number, true},
	} {
		got, err := readShown(s, tn.Org.ID, tc.key, tc.byNumber)
		if err != nil {
			t.Fatalf("AuthorisationShown(%s): %v", tc.key, err)
		}
		wantShown := crmapi.ShownAuthorisation{Authorisation: mustGetAuthorisation(t, s, tn.Org.ID, tc.a.ID),
			Organisation: want.org, Account: want.account, Owner: want.owner, Subscription: tc.sub, CatalogueSize: want.size}
		if !reflect.DeepEqual(got, wantShown) {
			t.Errorf("AuthorisationShown(%s) =\n%+v\nwant\n%+v", tc.key, got, wantShown)
		}
		if len(tc.a.Services) != len(got.Authorisation.Services) {
			t.Errorf("AuthorisationShown(%s) has %d services, stored %d", tc.key, len(got.Authorisation.Services), len(tc.a.Services))
		}
		// Another organisation sees nothing, by id or number.
		_, err = readShown(s, other.Org.ID, tc.key, tc.byNumber)
		wantCode(t, err, crmapi.NotFound)
	}
	_, err := readShown(s, tn.Org.ID, withSub.ID, true)
	wantCode(t, err, crmapi.NotFound)
	_, err = readShown(s, tn.Org.ID, "UA0000000099", true)
	wantCode(t, err, crmapi.NotFound)
}
