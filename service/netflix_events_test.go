package service_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/service"
)

// Subscription state changes and charges are events, written with the
// change itself, whichever code path made it.
func TestNetflixEvents(t *testing.T) {
	f := mustNetflix(t, testdb.SQLite(t), nfxOptions{})
	f.create("pci1")
	f.redeem("pci1")
	if err := f.svc.Netflix.Suspend(f.ctx, f.org.ID, "pci1"); err != nil {
		t.Fatal(err)
	}
	f.apply("pci1")
	f.emu.AdvanceClock(32 * 24 * time.Hour)
	if _, err := f.svc.Netflix.PollCharges(f.ctx); err != nil {
		t.Fatal(err)
	}
	events, _, err := f.svc.Events.Events(f.ctx, f.org.ID, service.EventQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	kinds := map[crmapi.EventType]int{}
	for _, e := range events {
		kinds[e.Type]++
		if e.Type == crmapi.EventNetflixSubscriptionStateChanged {
			var d struct {
				LifeCycleState string `json:"life_cycle_state"`
				NetflixSate    string `json:"netflix_sate"`
			}
			json.Unmarshal(e.Data, &d)
			states = append(states, d.LifeCycleState+"/"+d.NetflixSate)
		}
	}
	want := []string{"EFFECTIVE/EFFECTIVE", "NOT_EFFECTIVE/EFFECTIVE", "NOT_EFFECTIVE/NOT_EFFECTIVE"}
	if len(states) != len(want) {
		t.Fatalf("state changes %v, want %v", states, want)
	}
	for i := range want {
		if states[i] != want[i] {
			t.Fatalf("state changes %v, want %v", states, want)
		}
	}
	if kinds[crmapi.EventNetflixChargeReceived] == 0 || kinds[crmapi.EventNetflixChargeProcessed] == 0 {
		t.Fatalf("charge events: %v", kinds)
	}
}
