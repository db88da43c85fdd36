package emulator_test

import (
	"slices"
	"testing"
	"time"

	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
)

func TestBillingEachPeriod(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	a := e.effective("op1", signupReq())
	b := e.effective("op1", signupReq())

	// The first period is billed in advance, at redemption.
	feed := e.feed("op1")
	if statuses(feedOf(feed, a)) != "PENDING" {
		t.Fatalf("feed at redemption = %+v", feed)
	}
	if _, err := e.cl.Suspend(e.ctx, "op1", b, e.opID(), 1); err != nil {
		t.Fatal(err)
	}
	e.em.AdvanceClock(time.Minute)
	feed = e.feed("op1")
	if statuses(feedOf(feed, a)) != "PENDING,APPROVED" || statuses(feedOf(feed, b)) != "PENDING,APPROVED" {
		t.Fatalf("feed after processing = %+v", feed)
	}
	approved := feedOf(feed, a)[1]
	if approved.ProcessedOn == nil || !approved.ProcessedOn.Equal(t0.Add(time.Minute)) || approved.Amount != "7.99" || approved.Currency != "EUR" {
		t.Fatalf("approved charge = %+v", approved)
	}
	if acct := e.account("op1", a); acct.PaidThroughDate == nil || !acct.PaidThroughDate.Equal(t0.AddDate(0, 1, 0)) {
		t.Fatalf("paid through = %v", acct.PaidThroughDate)
	}

	// Three months in one step: three more periods for a, none for the
	// suspended b.
	e.em.AdvanceClock(90 * 24 * time.Hour)
	feed = e.feed("op1")
	fa := feedOf(feed, a)
	if statuses(fa) != "PENDING,APPROVED,PENDING,APPROVED,PENDING,APPROVED,PENDING,APPROVED" {
		t.Fatalf("a's feed = %s", statuses(fa))
	}
	for i := 0; i < 4; i++ {
		p, ap := fa[2*i], fa[2*i+1]
		start := t0.AddDate(0, i, 0)
		if p.ChargeID != ap.ChargeID || !p.PeriodStart.Equal(start) || !p.PaidThroughDate.Equal(t0.AddDate(0, i+1, 0)) ||
			!p.ReceivedOn.Equal(start) || p.ProcessedOn != nil || !ap.ProcessedOn.Equal(start.Add(time.Minute)) {
			t.Fatalf("period %d: %+v then %+v", i, p, ap)
		}
	}
	for i := 1; i < len(feed); i++ {
		if feed[i].Sequence != feed[i-1].Sequence+1 {
			t.Fatalf("feed sequences not consecutive: %+v", feed)
		}
	}
	if statuses(feedOf(feed, b)) != "PENDING,APPROVED" {
		t.Fatalf("suspended account billed: %s", statuses(feedOf(feed, b)))
	}

	// Back after its paid period ended, b starts a new period at once.
	now := e.em.Now()
	if _, err := e.cl.Reactivate(e.ctx, "op1", b, e.opID(), 2); err != nil {
		t.Fatal(err)
	}
	fb := feedOf(e.feed("op1"), b)
	if statuses(fb) != "PENDING,APPROVED,PENDING" || !fb[2].PeriodStart.Equal(now) || !fb[2].PaidThroughDate.Equal(now.AddDate(0, 1, 0)) {
		t.Fatalf("b after reactivation = %+v", fb)
	}
	st := e.em.Stats()
	if st.Charges[partner.ChargeApproved] != 5 || st.Charges[partner.ChargePending] != 1 || st.FeedEntries != 11 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestPromotionDiscountsFirstPeriods(t *testing.T) {
	e := newEnv(t, emulator.Options{BillingPeriod: emulator.Period{Days: 7}})
	req := signupReq()
	req.PromotionCode = "HALF3M"
	half := e.effective("op1", req)
	req.PromotionCode = "FREE1M"
	free := e.effective("op1", req)
	e.em.AdvanceClock(4*7*24*time.Hour + time.Minute)

	amounts := func(pai string) []string {
		var out []string
		for _, c := range feedOf(e.feed("op1"), pai) {
			if c.Status == partner.ChargeApproved {
				out = append(out, c.Amount)
			}
		}
		return out
	}
	if got := amounts(half); !slices.Equal(got, []string{"4.00", "4.00", "4.00", "7.99", "7.99"}) {
		t.Fatalf("HALF3M amounts = %v", got)
	}
	if got := amounts(free); !slices.Equal(got, []string{"0.00", "7.99", "7.99", "7.99", "7.99"}) {
		t.Fatalf("FREE1M amounts = %v", got)
	}
}

func TestScriptedDeclineTerminates(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	s := e.signup("op1", signupReq())
	if err := e.em.ScriptOutcomes(s.PAI, partner.ChargeApproved, partner.ChargeDeclined); err != nil {
		t.Fatal(err)
	}
	if _, err := e.em.RedeemToken(s.SignupToken, ""); err != nil {
		t.Fatal(err)
	}
	e.em.AdvanceClock(45 * 24 * time.Hour)
	fa := feedOf(e.feed("op1"), s.PAI)
	if statuses(fa) != "PENDING,APPROVED,PENDING,DECLINED" {
		t.Fatalf("feed = %s", statuses(fa))
	}
	if a := e.account("op1", s.PAI); a.State != partner.StateTerminated {
		t.Fatalf("state = %s", a.State)
	}
	e.em.AdvanceClock(90 * 24 * time.Hour)
	if n := len(feedOf(e.feed("op1"), s.PAI)); n != 4 {
		t.Fatalf("terminated account billed again: %d entries", n)
	}
	if err := e.em.ScriptOutcomes(s.PAI, partner.ChargePending); err == nil {
		t.Fatal("PENDING accepted as an outcome")
	}
}

func TestOutcomeRates(t *testing.T) {
	e := newEnv(t, emulator.Options{Outcomes: emulator.OutcomeRates{Rejected: 1}})
	pai := e.effective("op1", signupReq())
	e.em.AdvanceClock(time.Minute)
	if got := statuses(feedOf(e.feed("op1"), pai)); got != "PENDING,REJECTED" {
		t.Fatalf("feed = %s", got)
	}
	if err := e.em.SetOutcomeRates(emulator.OutcomeRates{Declined: 0.7, Rejected: 0.7}); err == nil {
		t.Fatal("rates over 1 accepted")
	}
}

func TestAcceptAndDeclineCharges(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	a := e.effective("op1", signupReq())
	b := e.effective("op1", signupReq())
	feed := e.feed("op1")
	ca, cb := feedOf(feed, a)[0].ChargeID, feedOf(feed, b)[0].ChargeID

	got, err := e.cl.AcceptCharge(e.ctx, "op1", ca, "acc-1")
	if err != nil || got.Status != partner.ChargeApproved || got.ProcessedOn == nil {
		t.Fatalf("accept = %+v, %v", got, err)
	}
	if again, err := e.cl.AcceptCharge(e.ctx, "op1", ca, "acc-2"); err != nil || !chargeEqual(again, got) {
		t.Fatalf("accept again = %+v, %v", again, err)
	}
	if _, err := e.cl.DeclineCharge(e.ctx, "op1", cb, "dec-1"); err != nil {
		t.Fatal(err)
	}
	_, err = e.cl.AcceptCharge(e.ctx, "op1", cb, "acc-3")
	wantCode(t, err, partner.CodeInvalidState)
	if acct := e.account("op1", b); acct.State != partner.StateTerminated {
		t.Fatalf("declined account state = %s", acct.State)
	}
	_, err = e.cl.AcceptCharge(e.ctx, "op1", "nope", "acc-4")
	wantCode(t, err, partner.CodeNotFound)

	// Settled ahead of time, the charges are not processed again.
	e.em.AdvanceClock(time.Hour)
	if got := statuses(e.feed("op1")); got != "PENDING,PENDING,APPROVED,DECLINED" {
		t.Fatalf("feed = %s", got)
	}
}

func TestFeedPaging(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	for i := 0; i < 5; i++ {
		e.effective("op1", signupReq())
	}
	e.em.AdvanceClock(61 * 24 * time.Hour)
	all, err := e.cl.Charges(e.ctx, "op1", "", partner.MaxChargesLimit)
	if err != nil || len(all.Entries) != 30 || all.HasMore {
		t.Fatalf("whole feed: %d entries, has_more %v, %v", len(all.Entries), all.HasMore, err)
	}

	var paged []partner.Charge
	var cursors []string
	cursor := ""
	for {
		p, err := e.cl.Charges(e.ctx, "op1", cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Entries) > 7 {
			t.Fatalf("page of %d", len(p.Entries))
		}
		cursors = append(cursors, cursor)
		paged = append(paged, p.Entries...)
		cursor = p.NextCursor
		if !p.HasMore {
			break
		}
	}
	if !slices.EqualFunc(paged, all.Entries, chargeEqual) {
		t.Fatal("paged feed differs from the whole feed")
	}
	for i, c := range paged {
		if c.Sequence != int64(i+1) {
			t.Fatalf("entry %d has sequence %d", i, c.Sequence)
		}
	}
	// Re-reading from any cursor returns the same entries.
	again, err := e.cl.Charges(e.ctx, "op1", cursors[2], 7)
	if err != nil || !slices.EqualFunc(again.Entries, paged[14:21], chargeEqual) {
		t.Fatalf("re-read = %+v, %v", again.Entries, err)
	}
	// At the end, the cursor stays put until something new arrives.
	end, err := e.cl.Charges(e.ctx, "op1", cursor, 7)
	if err != nil || len(end.Entries) != 0 || end.NextCursor != cursor || end.HasMore {
		t.Fatalf("end = %+v, %v", end, err)
	}
	e.em.AdvanceClock(31 * 24 * time.Hour)
	if p, _ := e.cl.Charges(e.ctx, "op1", cursor, 100); len(p.Entries) != 10 || p.Entries[0].Sequence != 31 {
		t.Fatalf("new entries = %+v", p.Entries)
	}

	_, err = e.cl.Charges(e.ctx, "op1", "garbage!", 10)
	wantCode(t, err, partner.CodeInvalidRequest)
	// A cursor from another emulator instance is refused, not misread.
	other := newEnv(t, emulator.Options{})
	_, err = other.cl.Charges(other.ctx, "op1", cursor, 10)
	wantCode(t, err, partner.CodeInvalidRequest)
}

func chargeEqual(a, b partner.Charge) bool {
	return a.Sequence == b.Sequence && a.ChargeID == b.ChargeID && a.Status == b.Status && a.Amount == b.Amount &&
		a.PeriodStart.Equal(b.PeriodStart)
}

// TestLongAdvanceOverManyAccounts checks that a long jump of the clock over
// many accounts bills every period once, with the feed in time order.
func TestLongAdvanceOverManyAccounts(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	const n = 200
	for i := 0; i < n; i++ {
		e.effective("op1", signupReq())
		e.em.AdvanceClock(time.Hour)
	}
	e.em.AdvanceClock(2 * 365 * 24 * time.Hour)
	feed := e.feed("op1")
	if st := e.em.Stats(); st.FeedEntries != len(feed) || st.Charges[partner.ChargeApproved] != n*25 || st.Charges[partner.ChargePending] != 0 {
		t.Fatalf("stats = %+v", st)
	}
	at := func(c partner.Charge) time.Time {
		if c.ProcessedOn != nil {
			return *c.ProcessedOn
		}
		return c.ReceivedOn
	}
	for i := 1; i < len(feed); i++ {
		if at(feed[i]).Before(at(feed[i-1])) {
			t.Fatalf("entry %d (%v) before entry %d (%v)", i, at(feed[i]), i-1, at(feed[i-1]))
		}
	}
}
