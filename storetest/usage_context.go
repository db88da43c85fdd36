package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/crmapi/crmapi"
)

func init() {
	addCase("AuthorisationContext", testAuthorisationContext)
}

// testAuthorisationContext checks the one statement a create reads before
// its write against the reads it replaces: by account (with one, none or
// two subscriptions) and by subscription, by every field, and nothing of
// another organisation.
func testAuthorisationContext(t *testing.T, s crmapi.Store) {
	tn := MustTenant(t, s, "ACME")
	other := MustTenant(t, s, "Globex")
	mustCatalogue(t, s, tn)
	one := mustAccount(t, s, tn, "ACR0000000001", crmapi.MustAmount("10"), crmapi.Amount{})
	none := mustAccount(t, s, tn, "ACR0000000002", crmapi.MustAmount("10"), crmapi.Amount{})
	two := mustAccount(t, s, tn, "ACR0000000003", crmapi.MustAmount("10"), crmapi.Amount{})
	subOf := func(acct crmapi.AccountsReceivable, number string) crmapi.Subscription {
		sub := crmapi.Subscription{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Number: number, AccountID: acct.ID,
			Kind: crmapi.SubscriptionKindUsage, LifeCycleState: crmapi.SubscriptionEffective, CreatedAt: T0}
		mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.CreateSubscription(sub) })
		return sub
	}
	onlySub := subOf(one, "SUB0000000001")
	subOf(two, "SUB0000000002")
	secondOfTwo := subOf(two, "SUB0000000003")

	read := func(orgID string, account, subscription *crmapi.Ref) (crmapi.AuthorisationContext, error) {
		var c crmapi.AuthorisationContext
		err := s.Read(context.Background(), func(tx crmapi.Tx) (err error) {
			c, err = tx.AuthorisationContext(orgID, account, subscription)
			return err
		})
		return c, err
	}
	want := func(acct crmapi.AccountsReceivable, sub *crmapi.Subscription) crmapi.AuthorisationContext {
		var c crmapi.AuthorisationContext
		mustView(t, s, func(tx crmapi.Tx) (err error) {
			if c.Organisation, err = tx.OrganisationByID(tn.Org.ID); err != nil {
				return err
			}
			if c.Account, c.Owner, err = tx.AccountWithOwner(tn.Org.ID, acct.ID); err != nil {
				return err
			}
			c.CatalogueSize, err = tx.CatalogueSize(tn.Org.ID)
			return err
		})
		c.Subscription = sub
		return c
	}
	ref := func(field, value string) *crmapi.Ref { return &crmapi.Ref{Field: field, Value: value} }
	for _, tc := range []struct {
		account, subscription *crmapi.Ref
		want                  crmapi.AuthorisationContext
	}{
		{ref("id", one.ID), nil, want(one, &onlySub)},
		{ref("number", one.Number), nil, want(one, &onlySub)},
		{ref("name", one.Name), nil, want(one, &onlySub)},
		{ref("number", none.Number), nil, want(none, nil)},
		{ref("number", two.Number), nil, want(two, nil)},
		{nil, ref("number", secondOfTwo.Number), want(two, &secondOfTwo)},
		{nil, ref("id", onlySub.ID), want(one, &onlySub)},
	} {
		got, err := read(tn.Org.ID, tc.account, tc.subscription)
		if err != nil {
			t.Fatalf("AuthorisationContext(%+v, %+v): %v", tc.account, tc.subscription, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("AuthorisationContext(%+v, %+v) =\n%+v\nwant\n%+v", tc.account, tc.subscription, got, tc.want)
		}
		// Another organisation finds nothing by the same names.
		_, err = read(other.Org.ID, tc.account, tc.subscription)
		wantCode(t, err, crmapi.NotFound)
	}
	_, err := read(tn.Org.ID, ref("number", "ACR0000000099"), nil)
	wantCode(t, err, crmapi.NotFound)
	_, err = read(tn.Org.ID, nil, ref("number", "SUB0000000099"))
	wantCode(t, err, crmapi.NotFound)
	_, err = read(tn.Org.ID, ref("owner", "x"), nil)
	wantCode(t, err, crmapi.InvalidParameter)
}
