package httpapi

import (
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// seedShapedAuthorisation is a full authorisation as the seed example
// shows one: an account with its owner, a subscription, and three
// services (a service, a service type and a family), in a catalogue like
// the seed's.
func seedShapedAuthorisation() service.AuthorisationDetail {
	t0 := time.Date(2017, 4, 4, 0, 0, 0, 0, time.UTC)
	litres := crmapi.UDRType{ID: "B1238270684F4457B6D8EBD4CA00963B", Name: "Litres", AlternativeCode: "L", CreatedAt: t0}
	usta := crmapi.ProductType{ID: "7E63BDA0A9F24B5AB83C4D3A6C6A1B54", Name: "Usage Service Type A", AlternativeCode: "USTA",
		ServiceType: "USAGE", Classification: "SERVICES", CompositionMethod: "FLAT", UDRTypeID: litres.ID, CreatedAt: t0}
	ustb := crmapi.ProductType{ID: "8FEC7EEE39254E55ABA2C3382C432D2D", Name: "Usage Service Type B", AlternativeCode: "USTB",
		ServiceType: "USAGE", Classification: "SERVICES", CompositionMethod: "FLAT", UDRTypeID: litres.ID, CreatedAt: t0}
	fuel := crmapi.ProductFamily{ID: "0C6B6D7F7A1B4E64A5D4F1B1A1C2D3E4", Code: "FUEL", Name: "Fuel", CreatedAt: t0}
	us3 := crmapi.UsageService{ID: "6444E6324BCE4A34A99DD795E55C016D", Code: "Usage Service 3", AlternativeCode: "US3",
		Description: "Usage Service 3", ProductTypeID: ustb.ID, FamilyID: fuel.ID, UnitRate: crmapi.MustAmount("0.15"), CreatedAt: t0}
	cat := crmapi.NewCatalogue([]crmapi.UDRType{litres}, []crmapi.ProductType{usta, ustb}, []crmapi.ProductFamily{fuel}, []crmapi.UsageService{us3})
	owner := crmapi.Contact{ID: "A99AC83A5F8A4A5C9B0C1D2E3F405162", Type: crmapi.ContactPerson, FirstName: "AC", LastName: "Allowance_12",
		LifeCycleState: "FINANCIAL", CreatedAt: t0}
	acct := crmapi.AccountsReceivable{ID: "A99AC83A2E7C4B0FA4B1C2D3E4F50617", Number: "ACR0000008125", Name: "AC Allowance_12", OwnerID: owner.ID,
		Currency: "EUR", Balance: crmapi.MustAmount("500"), CreditLimit: crmapi.MustAmount("100"), Held: crmapi.MustAmount("50"),
		LifeCycleState: crmapi.AccountActive, CreatedAt: t0}
	sub := crmapi.Subscription{ID: "5B1E8C7D6A5F4E3D2C1B0A9F8E7D6C5B", Number: "SUB0000000012", AccountID: acct.ID,
		Kind: crmapi.SubscriptionKindUsage, LifeCycleState: crmapi.SubscriptionEffective, CreatedAt: t0}
	return service.AuthorisationDetail{
		UsageAuthorisation: crmapi.UsageAuthorisation{ID: "79890340CF9B4896A366C95B6042C970", Number: "UA0000000001",
			AccountID: acct.ID, SubscriptionID: sub.ID, Amount: crmapi.MustAmount("50"), LifeCycleState: crmapi.AuthorisationBlocked,
			AuthorisedAt: t0, ExpiresAt: t0.Add(24 * time.Hour), Services: []crmapi.AuthorisationService{
				{ID: "A2FFC6A9B83C4091BBA57DB37D590787", Target: crmapi.Target{Kind: crmapi.TargetService, ID: us3.ID},
					MaximumAmount: crmapi.MustAmount("10"), MaximumUsage: crmapi.QuantityFromInt(64)},
				{ID: "C3D4E5F6A7B84C9DAE0F1A2B3C4D5E6F", Target: crmapi.Target{Kind: crmapi.TargetServiceType, ID: usta.ID},
					MaximumAmount: crmapi.MustAmount("50"), MaximumUsage: crmapi.QuantityFromInt(10)},
				{ID: "D4E5F6A7B8C94DAEBF0A1B2C3D4E5F60", Target: crmapi.Target{Kind: crmapi.TargetFamily, ID: fuel.ID},
					MaximumAmount: crmapi.MustAmount("50"), MaximumUsage: crmapi.QuantityFromInt(333)},
			}},
		Account:      service.AccountDetail{AccountsReceivable: acct, Owner: owner},
		Subscription: &sub,
		Catalogue:    cat,
	}
}

// BenchmarkEncodeSeedAuthorisation is what usage_authorisations/show and
// create spend turning the authorisation into the answer's bytes: the
// view, its JSON, the envelope; and the same with a fields_set.
func BenchmarkEncodeSeedAuthorisation(b *testing.B) {
	d := seedShapedAuthorisation()
	loc := time.UTC
	b.Run("view+envelope", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			data, err := filterFields(viewAuthorisation(d, loc), nil)
			if err != nil {
				b.Fatal(err)
			}
			if body := okBody(data); len(body) < 1000 {
				b.Fatalf("%d bytes", len(body))
			}
		}
	})
	b.Run("fields_set", func(b *testing.B) {
		fs := FieldsSet{"authorisation_id", "life_cycle_state", "accounts_receivable.number"}
		b.ReportAllocs()
		for b.Loop() {
			data, err := filterFields(viewAuthorisation(d, loc), fs)
			if err != nil {
				b.Fatal(err)
			}
			okBody(data)
		}
	})
}

func TestOKBodyAsMarshal(t *testing.T) {
	d := seedShapedAuthorisation()
	data, err := filterFields(viewAuthorisation(d, time.UTC), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{data, []byte(`[]`), []byte(`{}`), []byte(`"x"`)} {
		want := encodeEnvelope(Envelope{Data: data, Status: Status{Code: string(crmapi.OK)}})
		if got := okBody(data); string(got) != string(want) {
			t.Errorf("okBody:\n got %s\nwant %s", got, want)
		}
	}
}
