package service_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// Every change of an authorisation's state is an event, written in the
// transaction that made the change: created, cancelled, completed, expired.
func TestUsageAuthorisationEvents(t *testing.T) {
	ctx := context.Background()
	f := mustFixture(t, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	f.mustCatalogue(t)
	acct := f.mustAccount(t, "100")
	authorise := func(amount string) service.AuthorisationDetail {
		t.Helper()
		v, err := f.svc.Usage.Authorise(ctx, f.org.ID, service.NewAuthorisation{Account: &acct, Amount: crmapi.MustAmount(amount)})
		ok(t, err)
		return v
	}
	a1 := authorise("10")
	_, err := f.svc.Usage.Cancel(ctx, f.org.ID, f.user.ID, crmapi.RefID(a1.ID))
	ok(t, err)
	a2 := authorise("10")
	p := posting(acct, "Diesel", "2")
	ref := crmapi.RefID(a2.ID)
	p.Authorisation = &ref
	_, err = f.svc.Usage.AddServiceUsage(ctx, f.org.ID, f.user.ID, p)
	ok(t, err)
	a3 := authorise("5")
	f.clock.Advance(25 * time.Hour)
	if n, err := f.svc.Usage.ExpireDue(ctx, 10); err != nil || n != 1 {
		t.Fatalf("expired %d, %v", n, err)
	}
	events, _, err := f.svc.Events.Events(ctx, f.org.ID, service.EventQuery{Limit: 50})
	ok(t, err)
	want := []struct {
		typ crmapi.EventType
		id  string
	}{
		{crmapi.EventUsageAuthorisationCreated, a1.ID}, {crmapi.EventUsageAuthorisationCancelled, a1.ID},
		{crmapi.EventUsageAuthorisationCreated, a2.ID}, {crmapi.EventUsageAuthorisationCompleted, a2.ID},
		{crmapi.EventUsageAuthorisationCreated, a3.ID}, {crmapi.EventUsageAuthorisationExpired, a3.ID},
	}
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d", len(events), len(want))
	}
	for i, e := range events {
		var d struct {
			ID             string `json:"id"`
			LifeCycleState string `json:"life_cycle_state"`
			UsedAmount     string `json:"used_amount"`
		}
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		if e.Type != want[i].typ || d.ID != want[i].id {
			t.Errorf("event %d = %s %s, want %s %s", i, e.Type, d.ID, want[i].typ, want[i].id)
		}
		if e.Type == crmapi.EventUsageAuthorisationCompleted && (d.LifeCycleState != "COMPLETED" || d.UsedAmount != "3") {
			t.Errorf("completed event data = %s", e.Data)
		}
	}
}
