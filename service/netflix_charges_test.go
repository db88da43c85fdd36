package service_test

import (
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/service"
	"github.com/shopspring/decimal"
)

// month moves the emulator a billing period on and reads the feed.
func (f *nfx) month() int {
	f.t.Helper()
	f.emu.AdvanceClock(31 * 24 * time.Hour)
	n, err := f.svc.Netflix.PollCharges(f.ctx)
	if err != nil {
		f.t.Fatalf("poll charges: %v", err)
	}
	return n
}

func (f *nfx) list(status string) []crmapi.NetflixCharge {
	f.t.Helper()
	page, err := f.svc.Netflix.ListCharges(f.ctx, f.org.ID, service.ChargeQuery{Status: status, Limit: 50})
	if err != nil {
		f.t.Fatalf("list %s: %v", status, err)
	}
	return page.Charges
}

// consistent fails the test unless the charges check finds every charge
// in agreement with its reference numbers: what acknowledge, accept and
// decline wrote, failures included, is what the check expects.
func (f *nfx) consistent() {
	f.t.Helper()
	problems, err := f.svc.Netflix.CheckCharges(f.ctx, f.org.ID)
	if err != nil || len(problems) != 0 {
		f.t.Fatalf("charges check: %+v %v", problems, err)
	}
}

func TestNetflixChargesFeed(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		rates, err := service.ParseRates("USD", "EUR=1.0851")
		if err != nil {
			t.Fatal(err)
		}
		f := mustNetflix(t, open(t), nfxOptions{netflix: service.NetflixConfig{Rates: rates}})
		f.create("pci1")
		f.redeem("pci1")
		// Redeeming bills the first period at once (PENDING, then APPROVED).
		if n, err := f.svc.Netflix.PollCharges(f.ctx); err != nil || n != 2 {
			t.Fatalf("first poll read %d entries, %v", n, err)
		}
		// Reading again from the stored cursor reads nothing new.
		if n, _ := f.svc.Netflix.PollCharges(f.ctx); n != 0 {
			t.Fatalf("second poll read %d entries", n)
		}
		if got := f.list("NOT_PROCESSED"); len(got) != 0 {
			t.Fatalf("pending after processing: %+v", got)
		}
		got := f.list("PROCESSED")
		if len(got) != 1 {
			t.Fatalf("processed = %+v", got)
		}
		c := got[0]
		if c.Number != "NC0000000001" || c.Status != crmapi.ChargeApproved || c.CustomerID != "pci1" || c.ProcessedOn == nil ||
			c.Amount.String() != "7.99" || c.Currency != "EUR" || c.LocalCurrency != "USD" || c.LocalAmount.String() != "8.67" {
			t.Fatalf("charge = %+v", c)
		}
		f.month()
		if got := f.list("PROCESSED"); len(got) != 2 || got[1].Number != "NC0000000002" {
			t.Fatalf("after a month: %+v", got)
		}

		// A declined charge cancels the subscription and the partner's account.
		if err := f.emu.ScriptOutcomes(f.sub("pci1").PAI, partner.ChargeDeclined); err != nil {
			t.Fatal(err)
		}
		f.month()
		sub := f.sub("pci1")
		if sub.LifeCycleState != crmapi.NetflixCancelled || sub.NetflixState() != "NOT_EFFECTIVE" {
			t.Fatalf("after a declined charge: %+v", sub)
		}
		last := f.list("PROCESSED")
		if len(last) != 3 || last[2].Status != crmapi.ChargeDeclined {
			t.Fatalf("charges = %+v", last)
		}
	})
}

func TestNetflixAcknowledge(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		f := mustNetflix(t, open(t), nfxOptions{})
		f.create("pci1")
		f.redeem("pci1")
		f.create("pci2")
		f.redeem("pci2")
		f.svc.Netflix.PollCharges(f.ctx)
		charges := f.list("PROCESSED")
		if len(charges) != 2 {
			t.Fatalf("charges = %+v", charges)
		}
		a, b := charges[0], charges[1]
		ack := func(items ...service.ChargeItem) []service.FailedCharge {
			t.Helper()
			failed, err := f.svc.Netflix.Acknowledge(f.ctx, f.org.ID, items)
			if err != nil {
				t.Fatal(err)
			}
			return failed
		}
		codes := func(failed []service.FailedCharge) []crmapi.Code {
			out := []crmapi.Code{}
			for _, x := range failed {
				out = append(out, x.Code)
			}
			return out
		}
		failed := ack(
			service.ChargeItem{Number: a.Number, CustomerID: a.CustomerID, Reference: "R1"},
			service.ChargeItem{Number: "NC9", CustomerID: "pci1"},
			service.ChargeItem{Number: b.Number, CustomerID: "pci1"},
			service.ChargeItem{Number: b.Number, CustomerID: b.CustomerID, Reference: "R1"},
		)
		if got := codes(failed); len(got) != 3 || got[0] != crmapi.NotFound || got[1] != crmapi.InvalidParameter || got[2] != crmapi.DuplicateReferenceNumber {
			t.Fatalf("failures = %+v", failed)
		}
		if got := f.list("PROCESSED"); len(got) != 1 || got[0].Number != b.Number {
			t.Fatalf("listed after acknowledgement: %+v", got)
		}
		// Same reference again: a no-op; another one: ALREADY_ACKNOWLEDGED.
		if failed := ack(service.ChargeItem{Number: a.Number, CustomerID: a.CustomerID, Reference: "R1"}); len(failed) != 0 {
			t.Fatalf("repeat with the same reference: %+v", failed)
		}
		failed = ack(service.ChargeItem{Number: a.Number, CustomerID: a.CustomerID, Reference: "R2"})
		if got := codes(failed); len(got) != 1 || got[0] != crmapi.AlreadyAcknowledged {
			t.Fatalf("repeat with another reference: %+v", failed)
		}
		// R2 was not taken by the failed attempt.
		if failed := ack(service.ChargeItem{Number: b.Number, CustomerID: b.CustomerID, Reference: "R2"}); len(failed) != 0 {
			t.Fatalf("acknowledge b: %+v", failed)
		}
		if got := f.list("PROCESSED"); len(got) != 0 {
			t.Fatalf("listed after acknowledging all: %+v", got)
		}
		f.consistent()
		// Batches are checked before anything is done.
		_, err := f.svc.Netflix.Acknowledge(f.ctx, f.org.ID, make([]service.ChargeItem, 51))
		wantCode(t, err, crmapi.LimitExceeded)
		_, err = f.svc.Netflix.Acknowledge(f.ctx, f.org.ID, []service.ChargeItem{{Number: a.Number}})
		wantCode(t, err, crmapi.MandatoryParameterMissing)
		_, err = f.svc.Netflix.Acknowledge(f.ctx, f.org.ID, nil)
		wantCode(t, err, crmapi.InvalidParameter)
	})
}

// A charge acknowledged while PENDING comes back once, processed.
func TestNetflixAcknowledgePendingThenProcessed(t *testing.T) {
	// Slow processing: the charge stays PENDING for a day of emulator time.
	f2 := mustNetflix(t, testdb.SQLite(t), nfxOptions{emu: emulatorDelay(24 * time.Hour)})
	f2.create("pci1")
	f2.redeem("pci1")
	f2.svc.Netflix.PollCharges(f2.ctx)
	pending := f2.list("NOT_PROCESSED")
	if len(pending) != 1 {
		t.Fatalf("pending = %+v", pending)
	}
	c := pending[0]
	if failed, err := f2.svc.Netflix.Acknowledge(f2.ctx, f2.org.ID, []service.ChargeItem{{Number: c.Number, CustomerID: "pci1", Reference: "P1"}}); err != nil || len(failed) != 0 {
		t.Fatalf("acknowledge pending: %v %v", failed, err)
	}
	if got := f2.list("NOT_PROCESSED"); len(got) != 0 {
		t.Fatalf("still pending: %+v", got)
	}
	f2.emu.AdvanceClock(25 * time.Hour)
	f2.svc.Netflix.PollCharges(f2.ctx)
	got := f2.list("PROCESSED")
	if len(got) != 1 || got[0].Number != c.Number || got[0].Status != crmapi.ChargeApproved {
		t.Fatalf("processed = %+v", got)
	}
	// Repeating the pending acknowledgement is still a no-op.
	if failed, _ := f2.svc.Netflix.Acknowledge(f2.ctx, f2.org.ID, []service.ChargeItem{{Number: c.Number, CustomerID: "pci1", Reference: "P1"}}); len(failed) != 0 {
		t.Fatalf("repeat: %+v", failed)
	}
	if got := f2.list("PROCESSED"); len(got) != 1 {
		t.Fatalf("the pending acknowledgement hid the processed charge: %+v", got)
	}
	f2.consistent()
	// The processed appearance acknowledged with a reference of its own.
	if failed, err := f2.svc.Netflix.Acknowledge(f2.ctx, f2.org.ID, []service.ChargeItem{{Number: c.Number, CustomerID: "pci1", Reference: "P2"}}); err != nil || len(failed) != 0 {
		t.Fatalf("acknowledge processed: %v %v", failed, err)
	}
	f2.consistent()
}

func TestNetflixAcceptDecline(t *testing.T) {
	f := mustNetflix(t, testdb.SQLite(t), nfxOptions{emu: emulatorDelay(24 * time.Hour)})
	f.create("pci1")
	f.redeem("pci1")
	f.create("pci2")
	f.redeem("pci2")
	f.svc.Netflix.PollCharges(f.ctx)
	pending := f.list("NOT_PROCESSED")
	if len(pending) != 2 {
		t.Fatalf("pending = %+v", pending)
	}
	a, b := pending[0], pending[1]
	failed, err := f.svc.Netflix.Accept(f.ctx, f.org.ID, []service.ChargeItem{{Number: a.Number, CustomerID: a.CustomerID, Reference: "A1"}})
	if err != nil || len(failed) != 0 {
		t.Fatalf("accept: %v %v", failed, err)
	}
	failed, _ = f.svc.Netflix.Decline(f.ctx, f.org.ID, []service.ChargeItem{{Number: a.Number, CustomerID: a.CustomerID}})
	if len(failed) != 1 || failed[0].Code != crmapi.InvalidLifeCycleState {
		t.Fatalf("decline an accepted charge: %+v", failed)
	}
	failed, _ = f.svc.Netflix.Decline(f.ctx, f.org.ID, []service.ChargeItem{{Number: b.Number, CustomerID: b.CustomerID, Reference: "A1"}})
	if len(failed) != 1 || failed[0].Code != crmapi.DuplicateReferenceNumber {
		t.Fatalf("decline with a used reference: %+v", failed)
	}
	if failed, _ = f.svc.Netflix.Decline(f.ctx, f.org.ID, []service.ChargeItem{{Number: b.Number, CustomerID: b.CustomerID}}); len(failed) != 0 {
		t.Fatalf("decline: %+v", failed)
	}
	f.apply(a.CustomerID)
	f.apply(b.CustomerID)
	f.svc.Netflix.PollCharges(f.ctx)
	got := f.list("PROCESSED")
	if len(got) != 2 || got[0].Status != crmapi.ChargeApproved || got[1].Status != crmapi.ChargeDeclined {
		t.Fatalf("after the partner applied the decisions: %+v", got)
	}
	if sub := f.sub(b.CustomerID); sub.LifeCycleState != crmapi.NetflixCancelled {
		t.Fatalf("declined customer's subscription: %+v", sub)
	}
	// Processed charges can no longer be accepted.
	failed, _ = f.svc.Netflix.Accept(f.ctx, f.org.ID, []service.ChargeItem{{Number: b.Number, CustomerID: b.CustomerID}})
	if len(failed) != 1 || failed[0].Code != crmapi.InvalidLifeCycleState {
		t.Fatalf("accept a declined charge: %+v", failed)
	}
	f.consistent()
}

func TestNetflixRates(t *testing.T) {
	r, err := service.ParseRates("jpy", "EUR=161.2345, USD=148.5")
	if err != nil {
		t.Fatal(err)
	}
	got, cur, ok := r.Convert(crmapi.MustAmount("7.99"), "EUR")
	if !ok || cur != "JPY" || got.String() != "1288" { // 1288.26 rounded to yen
		t.Fatalf("convert = %s %s %v", got, cur, ok)
	}
	if _, cur, ok := r.Convert(crmapi.MustAmount("1"), "GBP"); ok || cur != "GBP" {
		t.Fatalf("unknown rate converted into %s", cur)
	}
	if same, cur, ok := (service.Rates{}).Convert(crmapi.MustAmount("1.5"), "EUR"); !ok || cur != "EUR" || !same.Decimal().Equal(decimal.RequireFromString("1.5")) {
		t.Fatalf("no local currency: %s %s", same, cur)
	}
	for _, bad := range []string{"EUR", "EUR=0", "EUR=-1", "EURO=1", "EUR=x"} {
		if _, err := service.ParseRates("USD", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
