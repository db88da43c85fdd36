package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// BenchmarkAuthorisationShow is usage_authorisations/show's service call
// on SQLite, one caller: what the database part of a show costs, without
// HTTP (go test -run XXX -bench Show -benchmem ./service).
func BenchmarkAuthorisationShow(b *testing.B) {
	f := mustFixture(b, time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	f.mustCatalogue(b)
	acct := f.mustAccount(b, "100")
	a, err := f.svc.Usage.Authorise(context.Background(), f.org.ID, service.NewAuthorisation{Account: &acct, Amount: crmapi.MustAmount("10")})
	ok(b, err)
	ref := crmapi.Ref{Field: "authorisation_id", Value: a.Number}
	b.ReportAllocs()
	for b.Loop() {
		d, err := f.svc.Usage.Authorisation(context.Background(), f.org.ID, ref)
		if err != nil || len(d.Services) == 0 || d.Account.Owner.LastName != "Doe" {
			b.Fatalf("show = %+v, %v", d, err)
		}
	}
}
