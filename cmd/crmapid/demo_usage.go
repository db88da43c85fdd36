package main

import (
	"context"
	"fmt"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/service"
)

// loadUsageDemo gives the demo organisation, when it has no account yet, a
// usage catalogue like the seed example's (Litres and VOD), three accounts
// with balances, allowance limits and one subscription each, so that
// authorisations can be created, shown, listed, completed and cancelled at once.
func (m *Main) loadUsageDemo(ctx context.Context, org crmapi.Organisation) error {
	accounts, err := m.Services.Accounts.Accounts(ctx, org.ID)
	if err != nil || len(accounts) > 0 {
		return err
	}
	u := m.Services.Usage
	o := org.ID
	litres, err := u.CreateUDRType(ctx, o, crmapi.UDRType{Name: "Litres", AlternativeCode: "L"})
	if err != nil {
		return err
	}
	vod, err := u.CreateUDRType(ctx, o, crmapi.UDRType{Name: "VOD", AlternativeCode: "V"})
	if err != nil {
		return err
	}
	types := map[string]service.NewProductType{
		"USTA": {Name: "Usage Service Type A", AlternativeCode: "USTA", UDRType: crmapi.RefID(litres.ID)},
		"USTB": {Name: "Usage Service Type B", AlternativeCode: "USTB", UDRType: crmapi.RefID(litres.ID)},
		"V": {Name: "Usage Services", AlternativeCode: "V", Description: "Used for VOD , PPV, TELEPHONE CALLS ETC",
			UDRType: crmapi.RefID(vod.ID), UsedForProvisioning: true},
	}
	for _, code := range []string{"USTA", "USTB", "V"} {
		if _, err := u.CreateProductType(ctx, o, types[code]); err != nil {
			return err
		}
	}
	if _, err := u.CreateFamily(ctx, o, crmapi.ProductFamily{Code: "FUEL", Name: "Fuel"}); err != nil {
		return err
	}
	fuel := &crmapi.Ref{Field: "code", Value: "FUEL"}
	typeRef := func(alt string) crmapi.Ref { return crmapi.Ref{Field: "alternative_code", Value: alt} }
	for _, s := range []service.NewUsageService{
		{Code: "Unleaded 95", AlternativeCode: "U95", Description: "Unleaded petrol 95, per litre", ProductType: typeRef("USTA"), Family: fuel, UnitRate: crmapi.MustAmount("1.65")},
		{Code: "Diesel", AlternativeCode: "DSL", Description: "Diesel, per litre", ProductType: typeRef("USTB"), Family: fuel, UnitRate: crmapi.MustAmount("1.5")},
		{Code: "Serendipity", AlternativeCode: "S_1", Description: "VOD: Serendipity", ProductType: typeRef("V"), UnitRate: crmapi.MustAmount("4.99")},
		{Code: "The Matrix", AlternativeCode: "MTX", Description: "VOD: The Matrix", ProductType: typeRef("V"), UnitRate: crmapi.MustAmount("3.99")},
	} {
		if _, err := u.CreateUsageService(ctx, o, s); err != nil {
			return err
		}
	}
	amount := func(s string) *crmapi.Amount { a := crmapi.MustAmount(s); return &a }
	quantity := func(s string) *crmapi.Quantity { q := crmapi.MustQuantity(s); return &q }
	serviceRef := func(alt string) service.TargetRef {
		return service.TargetRef{Kind: crmapi.TargetService, Ref: crmapi.Ref{Field: "alternative_code", Value: alt}}
	}
	demo := []struct {
		contact service.NewContact
		balance string
		credit  string
		limits  service.AllowanceChange
	}{
		{contact: service.NewContact{Type: crmapi.ContactPerson, FirstName: "Maria", LastName: "Georgiou"}, balance: "500", credit: "100",
			limits: service.AllowanceChange{OverLimitPercentage: crmapi.MustAmount("10"), Limits: []service.LimitSpec{
				{Target: serviceRef("DSL"), MaxAmountPerTransaction: amount("100"), MaxAmountPerDay: amount("150"), MaxUsagePerTransaction: quantity("60")},
				{Target: serviceRef("S_1"), MaxUsagePerDay: quantity("2")},
				{Target: service.TargetRef{Kind: crmapi.TargetServiceType, Ref: typeRef("USTA")}, MaxAmountPerDay: amount("80")},
			}}},
		{contact: service.NewContact{Type: crmapi.ContactCompany, CompanyName: "Initech Ltd"}, balance: "2000", credit: "0",
			limits: service.AllowanceChange{BlockUnlisted: true, Validity: 2 * time.Hour, Limits: []service.LimitSpec{
				{Target: service.TargetRef{Kind: crmapi.TargetFamily, Ref: *fuel}, MaxAmountPerTransaction: amount("250"), MaxAmountPerCycle: amount("1000")},
			}}},
		{contact: service.NewContact{Type: crmapi.ContactPerson, FirstName: "Nikos", LastName: "Ioannou"}, balance: "20", credit: "0"},
	}
	for _, d := range demo {
		c, err := m.Services.Accounts.CreateContact(ctx, o, d.contact)
		if err != nil {
			return err
		}
		acct, err := m.Services.Accounts.CreateAccount(ctx, o, service.NewAccount{OwnerID: c.ID, Currency: "EUR", CreditLimit: crmapi.MustAmount(d.credit)})
		if err != nil {
			return err
		}
		ref := crmapi.RefID(acct.ID)
		if _, _, err := m.Services.Accounts.Fund(ctx, o, service.Funding{Account: ref, Kind: crmapi.EntryPayment,
			Amount: crmapi.MustAmount(d.balance), Reference: "DEMO", Description: "Demo opening payment"}); err != nil {
			return err
		}
		if _, err := m.Services.Accounts.CreateSubscription(ctx, o, ref, crmapi.SubscriptionKindUsage); err != nil {
			return err
		}
		d.limits.Account = ref
		if _, err := u.SetAllowance(ctx, o, d.limits); err != nil {
			return err
		}
	}
	return nil
}

// printUsageDemo lists the demo accounts and shows how to authorise.
func (m *Main) printUsageDemo(ctx context.Context, org crmapi.Organisation) {
	accounts, err := m.Services.Accounts.Accounts(ctx, org.ID)
	if err != nil || len(accounts) == 0 {
		return
	}
	fmt.Fprintf(m.Out, "Demo accounts (usage services: Diesel/DSL, Unleaded 95/U95 by the litre; Serendipity/S_1, The Matrix/MTX on VOD):\n\n")
	for _, a := range accounts {
		owner := a.Owner.CompanyName
		if owner == "" {
			owner = a.Owner.FirstName + " " + a.Owner.LastName
		}
		fmt.Fprintf(m.Out, "    %s  %-16s balance %s %s, credit limit %s\n", a.Number, owner, a.Balance, a.Currency, a.CreditLimit)
	}
	base := "http://" + m.Config.Listen + httpapi.Prefix
	fmt.Fprintf(m.Out, "\nThen, with the token:\n\n"+
		"    curl -s -X POST %susage_authorisations/create -d '{\"token\":\"TOKEN\",\"accounts_receivable_identifier\":{\"number\":\"%s\"},\"authorisation_amount\":\"50\"}'\n"+
		"    curl -s '%susage_authorisations/list?token=TOKEN&accounts_receivable_identifier=number=%s'\n\n"+
		"See docs/usage-authorisations.md for show, cancel and subscriptions/add_service_usage.\n\n",
		base, accounts[0].Number, base, accounts[0].Number)
}
