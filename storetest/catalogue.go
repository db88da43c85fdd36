package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
)

func init() {
	addCase("Catalogue", testCatalogue)
	addCase("Allowance", testAllowance)
	addCase("CatalogueIsolation", testCatalogueIsolation)
}

// catalogue is a small usage catalogue made by mustCatalogue: a Litres
// service of type B in family FUEL, and a VOD service of another type.
type catalogue struct {
	Litres, VOD    crmapi.UDRType
	TypeB, TypeVOD crmapi.ProductType
	Fuel           crmapi.ProductFamily
	Diesel, Movie  crmapi.UsageService
}

func mustCatalogue(tb testing.TB, s crmapi.Store, tn Tenant) catalogue {
	tb.Helper()
	org := tn.Org.ID
	var c catalogue
	c.Litres = crmapi.UDRType{ID: crmapi.NewID(), OrganisationID: org, Name: "Litres", AlternativeCode: "L", CreatedAt: T0}
	c.VOD = crmapi.UDRType{ID: crmapi.NewID(), OrganisationID: org, Name: "VOD", AlternativeCode: "V", CreatedAt: T0}
	c.TypeB = crmapi.ProductType{ID: crmapi.NewID(), OrganisationID: org, Name: "Usage Service Type B", AlternativeCode: "USTB",
		ServiceType: "USAGE", Classification: "SERVICES", CompositionMethod: "FLAT", UDRTypeID: c.Litres.ID, CreatedAt: T0}
	c.TypeVOD = crmapi.ProductType{ID: crmapi.NewID(), OrganisationID: org, Name: "Usage Services", AlternativeCode: "V",
		Description: "Used for VOD", ServiceType: "USAGE", Classification: "SERVICES", CompositionMethod: "FLAT",
		UsedForProvisioning: true, UDRTypeID: c.VOD.ID, CreatedAt: T0}
	c.Fuel = crmapi.ProductFamily{ID: crmapi.NewID(), OrganisationID: org, Code: "FUEL", Name: "Fuel", CreatedAt: T0}
	c.Diesel = crmapi.UsageService{ID: crmapi.NewID(), OrganisationID: org, Code: "Diesel", AlternativeCode: "US3",
		Description: "Diesel", ProductTypeID: c.TypeB.ID, FamilyID: c.Fuel.ID, UnitRate: crmapi.MustAmount("1.5"), CreatedAt: T0}
	c.Movie = crmapi.UsageService{ID: crmapi.NewID(), OrganisationID: org, Code: "Serendipity",
		Description: "VOD: Serendipity", ProductTypeID: c.TypeVOD.ID, UnitRate: crmapi.MustAmount("4.99"), CreatedAt: T0}
	mustUpdate(tb, s, func(tx crmapi.Tx) error {
		for _, u := range []crmapi.UDRType{c.Litres, c.VOD} {
			if err := tx.CreateUDRType(u); err != nil {
				return err
			}
		}
		for _, p := range []crmapi.ProductType{c.TypeB, c.TypeVOD} {
			if err := tx.CreateProductType(p); err != nil {
				return err
			}
		}
		if err := tx.CreateProductFamily(c.Fuel); err != nil {
			return err
		}
		for _, u := range []crmapi.UsageService{c.Diesel, c.Movie} {
			if err := tx.CreateUsageService(u); err != nil {
				return err
			}
		}
		return nil
	})
	return c
}

func testCatalogue(t *testing.T, s crmapi.Store) {
	tn := MustTenant(t, s, "ACME")
	c := mustCatalogue(t, s, tn)
	mustView(t, s, func(tx crmapi.Tx) error {
		udr, err := tx.ListUDRTypes(tn.Org.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(udr, []crmapi.UDRType{c.Litres, c.VOD}) {
			t.Errorf("ListUDRTypes = %+v", udr)
		}
		types, err := tx.ListProductTypes(tn.Org.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(types, []crmapi.ProductType{c.TypeB, c.TypeVOD}) {
			t.Errorf("ListProductTypes = %+v", types)
		}
		families, err := tx.ListProductFamilies(tn.Org.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(families, []crmapi.ProductFamily{c.Fuel}) {
			t.Errorf("ListProductFamilies = %+v", families)
		}
		services, err := tx.ListUsageServices(tn.Org.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(services, []crmapi.UsageService{c.Diesel, c.Movie}) {
			t.Errorf("ListUsageServices = %+v", services)
		}
		return nil
	})
	// Codes and names are unique; absent alternative codes are not.
	dup := c.Diesel
	dup.ID, dup.AlternativeCode = crmapi.NewID(), ""
	err := s.Update(context.Background(), func(tx crmapi.Tx) error { return tx.CreateUsageService(dup) })
	wantCode(t, err, crmapi.Conflict)
	dup = c.Movie
	dup.ID, dup.Code = crmapi.NewID(), "Other movie"
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.CreateUsageService(dup) })
	dupType := c.TypeB
	dupType.ID, dupType.Name = crmapi.NewID(), "Another"
	err = s.Update(context.Background(), func(tx crmapi.Tx) error { return tx.CreateProductType(dupType) })
	wantCode(t, err, crmapi.Conflict)
}

func testAllowance(t *testing.T, s crmapi.Store) {
	tn := MustTenant(t, s, "ACME")
	c := mustCatalogue(t, s, tn)
	acct := mustAccount(t, s, tn, "ACR0000000001", crmapi.Amount{}, crmapi.Amount{})
	err := s.View(context.Background(), func(tx crmapi.Tx) error { _, err := tx.Allowance(tn.Org.ID, acct.ID); return err })
	wantCode(t, err, crmapi.NotFound)
	amount, usage := crmapi.MustAmount("40"), crmapi.MustQuantity("12.5")
	set := crmapi.AllowanceSettings{OrganisationID: tn.Org.ID, AccountID: acct.ID, BlockUnlisted: true,
		OverLimitPercentage: crmapi.MustAmount("12.5"), Validity: 2 * time.Hour, UpdatedAt: T0,
		Limits: []crmapi.AllowanceLimit{
			{ID: crmapi.NewID(), Target: crmapi.Target{Kind: crmapi.TargetService, ID: c.Diesel.ID}, MaxAmountPerDay: &amount, MaxUsagePerCycle: &usage},
			{ID: crmapi.NewID(), Target: crmapi.Target{Kind: crmapi.TargetServiceType, ID: c.TypeVOD.ID}, MaxAmountPerTransaction: &amount},
			{ID: crmapi.NewID(), Target: crmapi.Target{Kind: crmapi.TargetFamily, ID: c.Fuel.ID}},
		}}
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.SetAllowance(set) })
	get := func() crmapi.AllowanceSettings {
		var got crmapi.AllowanceSettings
		mustView(t, s, func(tx crmapi.Tx) error {
			var err error
			got, err = tx.Allowance(tn.Org.ID, acct.ID)
			return err
		})
		return got
	}
	if got := get(); !reflect.DeepEqual(got, set) {
		t.Fatalf("Allowance = %+v, want %+v", got, set)
	}
	// Setting again replaces, limits included.
	set.BlockUnlisted, set.Limits, set.Validity = false, set.Limits[1:2], crmapi.DefaultAuthorisationValidity
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.SetAllowance(set) })
	if got := get(); !reflect.DeepEqual(got, set) {
		t.Fatalf("Allowance after replace = %+v, want %+v", got, set)
	}
}

func testCatalogueIsolation(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	b := MustTenant(t, s, "Globex")
	mustCatalogue(t, s, a)
	acct := mustAccount(t, s, a, "ACR0000000001", crmapi.Amount{}, crmapi.Amount{})
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		return tx.SetAllowance(crmapi.AllowanceSettings{OrganisationID: a.Org.ID, AccountID: acct.ID, Validity: time.Hour, UpdatedAt: T0})
	})
	// The same codes are free in another organisation.
	mustCatalogue(t, s, b)
	mustView(t, s, func(tx crmapi.Tx) error {
		_, err := tx.Allowance(b.Org.ID, acct.ID)
		wantCode(t, err, crmapi.NotFound)
		services, err := tx.ListUsageServices(b.Org.ID)
		for _, svc := range services {
			if svc.OrganisationID != b.Org.ID {
				t.Errorf("foreign service %+v", svc)
			}
		}
		if len(services) != 2 {
			t.Errorf("b has %d services, want 2", len(services))
		}
		return err
	})
	// Another organisation cannot overwrite a's settings.
	err := s.Update(context.Background(), func(tx crmapi.Tx) error {
		return tx.SetAllowance(crmapi.AllowanceSettings{OrganisationID: b.Org.ID, AccountID: acct.ID, BlockUnlisted: true,
			Validity: time.Minute, UpdatedAt: T0})
	})
	wantCode(t, err, crmapi.NotFound)
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.Allowance(a.Org.ID, acct.ID)
		if err == nil && (got.BlockUnlisted || got.Validity != time.Hour) {
			t.Errorf("a's settings changed by b: %+v", got)
		}
		return err
	})
}
