package emulator

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/crmapi/crmapi/partner"
)

// charge is a charge in its latest version.
type charge struct {
	partner.Charge
	acct *account
}

// eventKind orders simultaneous events of one account: a charge due for
// processing goes before a new bill, so a failed charge stops the next.
type eventKind int

const (
	noEvent eventKind = iota
	processEvent
	billEvent
)

// nextEvent returns the account's earliest pending event.
func (a *account) nextEvent(delay time.Duration) (time.Time, eventKind) {
	var t time.Time
	kind := noEvent
	for _, c := range a.pending {
		if due := c.ReceivedOn.Add(delay); kind == noEvent || due.Before(t) {
			t, kind = due, processEvent
		}
	}
	if a.state == partner.StateEffective && (kind == noEvent || a.nextBillAt.Before(t)) {
		t, kind = a.nextBillAt, billEvent
	}
	return t, kind
}

// catchUpLocked runs the simulation up to now: it bills and processes, in
// time order, everything that has fallen due since the last catch-up.
// Events are played at their own time, not at now, so a clock advanced by
// three months produces exactly what three months of waiting would.
// Accounts only change their own future events, so a heap of the accounts
// with something due is enough to keep the order exact.
func (e *Emulator) catchUpLocked(now time.Time) {
	if e.dueKnown && now.Before(e.nextDue) {
		return
	}
	var q eventQueue
	for _, a := range e.accounts {
		if t, kind := a.nextEvent(e.delay); kind != noEvent && !t.After(now) {
			q = append(q, event{t, kind, a})
		}
	}
	heap.Init(&q)
	for q.Len() > 0 {
		ev := heap.Pop(&q).(event)
		if ev.kind == billEvent {
			e.billLocked(ev.acct)
		} else {
			e.processDueLocked(ev.acct, ev.t)
		}
		if t, kind := ev.acct.nextEvent(e.delay); kind != noEvent && !t.After(now) {
			heap.Push(&q, event{t, kind, ev.acct})
		}
	}
	e.nextDue, e.dueKnown = now.Add(100*365*24*time.Hour), true
	for _, a := range e.accounts {
		if t, kind := a.nextEvent(e.delay); kind != noEvent && t.Before(e.nextDue) {
			e.nextDue = t
		}
	}
}

// event is an account's next due event.
type event struct {
	t    time.Time
	kind eventKind
	acct *account
}

// eventQueue orders events by time, then kind, then account age, so that
// simultaneous events always play in the same order.
type eventQueue []event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].t.Equal(q[j].t) {
		return q[i].t.Before(q[j].t)
	}
	if q[i].kind != q[j].kind {
		return q[i].kind < q[j].kind
	}
	return q[i].acct.index < q[j].acct.index
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any {
	old := *q
	ev := old[len(old)-1]
	*q = old[:len(old)-1]
	return ev
}

// billLocked issues the charge of the account's next period, in advance,
// and moves the schedule on. A promotion discounts the first periods.
func (e *Emulator) billLocked(a *account) {
	start := a.nextBillAt
	end := e.period.start(a.anchor, a.periodIdx+1)
	amount := a.price.Amount
	if a.promo != nil && a.billed < a.promo.DiscountPeriods {
		amount = discount(amount, a.promo.DiscountPercent)
	}
	c := &charge{acct: a, Charge: partner.Charge{
		ChargeID:        "CH" + randomHex(12),
		PAI:             a.pai,
		Amount:          amount,
		Currency:        a.price.Currency,
		Status:          partner.ChargePending,
		PeriodStart:     start,
		PaidThroughDate: end,
		ReceivedOn:      start,
	}}
	op := e.operators[a.operator]
	op.charges[c.ChargeID] = c
	a.pending = append(a.pending, c)
	a.periodIdx++
	a.billed++
	a.nextBillAt = end
	e.emitLocked(op, c)
}

// processDueLocked processes the account's charges due at t.
func (e *Emulator) processDueLocked(a *account, t time.Time) {
	for _, c := range a.pending {
		if c.ReceivedOn.Add(e.delay).Equal(t) {
			e.settleLocked(c, e.outcomeLocked(a), t)
			return
		}
	}
}

// settleLocked gives a PENDING charge its final status at t, publishes the
// new version, and applies it to the account: an approved charge extends
// the paid-through date, a failed one terminates the account.
func (e *Emulator) settleLocked(c *charge, status partner.ChargeStatus, t time.Time) {
	a := c.acct
	c.Status = status
	processed := t
	c.ProcessedOn = &processed
	for i, p := range a.pending {
		if p == c {
			a.pending = append(a.pending[:i], a.pending[i+1:]...)
			break
		}
	}
	if status == partner.ChargeApproved {
		if a.paidThrough == nil || c.PaidThroughDate.After(*a.paidThrough) {
			pt := c.PaidThroughDate
			a.paidThrough = &pt
		}
	} else {
		e.terminateLocked(a)
	}
	e.emitLocked(e.operators[a.operator], c)
}

// emitLocked appends the charge's current version to its operator's feed.
func (e *Emulator) emitLocked(op *operatorState, c *charge) {
	c.Sequence = int64(len(op.feed)) + 1
	op.feed = append(op.feed, c.Charge)
}

// outcomeLocked decides how a charge of a ends: the next scripted outcome
// if any, else a draw from the outcome rates.
func (e *Emulator) outcomeLocked(a *account) partner.ChargeStatus {
	if len(a.script) > 0 {
		s := a.script[0]
		a.script = a.script[1:]
		return s
	}
	r := e.outcomes
	if r.Declined+r.BadRequest+r.Rejected <= 0 {
		return partner.ChargeApproved
	}
	switch x := e.outcomeRNG.Float64(); {
	case x < r.Declined:
		return partner.ChargeDeclined
	case x < r.Declined+r.BadRequest:
		return partner.ChargeBadRequest
	case x < r.Declined+r.BadRequest+r.Rejected:
		return partner.ChargeRejected
	}
	return partner.ChargeApproved
}

// SetOutcomeRates replaces the odds of charge outcomes and reseeds their
// draws.
func (e *Emulator) SetOutcomeRates(r OutcomeRates) error {
	if r.Declined < 0 || r.BadRequest < 0 || r.Rejected < 0 || r.Declined+r.BadRequest+r.Rejected > 1 {
		return fmt.Errorf("outcome rates must be non-negative and sum to at most 1")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.setOutcomesLocked(r)
	return nil
}

func (e *Emulator) setOutcomesLocked(r OutcomeRates) {
	e.outcomes = r
	e.outcomeRNG = rand.New(rand.NewPCG(uint64(r.Seed), 0x6f7574636f6d65))
}

// ScriptOutcomes queues outcomes for the next charges of the account with
// the given PAI, whichever operator owns it; they take precedence over the
// outcome rates.
func (e *Emulator) ScriptOutcomes(pai string, outcomes ...partner.ChargeStatus) error {
	for _, o := range outcomes {
		if !o.Valid() || !o.Final() {
			return fmt.Errorf("%q is not a final charge status", o)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.byPAI[pai]
	if a == nil {
		return fmt.Errorf("no account %q", pai)
	}
	a.script = append(a.script, outcomes...)
	return nil
}
