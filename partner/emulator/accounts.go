package emulator

import (
	"fmt"
	"net/http"
	"time"

	"github.com/crmapi/crmapi/partner"
)

// account is one partner account.
type account struct {
	index      int // creation order, to order simultaneous events
	operator   string
	pai        string
	state      partner.AccountState
	offer      string
	country    string
	channel    string
	promo      *partner.Promotion // the promotion the sign-up carries, if any
	price      partner.Price
	createdAt  time.Time
	token      string
	tokenUntil time.Time
	redeemed   bool
	email      string
	signedUpAt *time.Time
	promos     []partner.RedeemedPromotion
	lastSeq    int64
	applied    []int64 // operation sequences applied, in the order applied

	// Billing: period k of the current schedule starts at
	// period.start(anchor, k); nextBillAt is the start of the first period
	// not billed yet. billed counts every period ever billed (promotions
	// cover the first ones).
	anchor      time.Time
	periodIdx   int
	billed      int
	nextBillAt  time.Time
	paidThrough *time.Time
	pending     []*charge
	script      []partner.ChargeStatus
}

// AccountInfo is the emulator's full view of an account, for tests and the
// admin endpoint: the protocol's account plus what only the emulator knows.
type AccountInfo struct {
	partner.Account
	Operator string `json:"operator"`
	Email    string `json:"email"`
	// AppliedSequences are the operation sequences applied to the
	// account, in the order they were applied.
	AppliedSequences []int64 `json:"applied_sequences"`
	// ScriptedOutcomes are the outcomes still queued for its charges.
	ScriptedOutcomes []partner.ChargeStatus `json:"scripted_outcomes"`
	// NextBillAt is when the account is next billed, if it is EFFECTIVE.
	NextBillAt *time.Time `json:"next_bill_at"`
}

func (a *account) wire() partner.Account {
	out := partner.Account{
		PAI:                   a.pai,
		State:                 a.state,
		Offer:                 a.offer,
		Country:               a.country,
		Channel:               a.channel,
		RedeemedPromotions:    append([]partner.RedeemedPromotion{}, a.promos...),
		Prices:                []partner.Price{},
		CreatedAt:             a.createdAt,
		SignedUpAt:            a.signedUpAt,
		PaidThroughDate:       a.paidThrough,
		LastOperationSequence: a.lastSeq,
	}
	if a.promo != nil {
		out.PromotionCode = a.promo.Code
	}
	if a.signedUpAt != nil {
		out.Prices = append(out.Prices, a.price)
	}
	return out
}

func (a *account) info() AccountInfo {
	in := AccountInfo{
		Account:          a.wire(),
		Operator:         a.operator,
		Email:            a.email,
		AppliedSequences: append([]int64{}, a.applied...),
		ScriptedOutcomes: append([]partner.ChargeStatus{}, a.script...),
	}
	if a.state == partner.StateEffective {
		t := a.nextBillAt
		in.NextBillAt = &t
	}
	return in
}

// Account returns the emulator's view of an operator's account.
func (e *Emulator) Account(operator, pai string) (AccountInfo, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.catchUpLocked(e.nowLocked())
	op := e.operators[operator]
	if op == nil || op.accounts[pai] == nil {
		return AccountInfo{}, false
	}
	return op.accounts[pai].info(), true
}

func (e *Emulator) handleGetAccount(q *apiRequest) (int, any) {
	a := q.op.accounts[q.r.PathValue("pai")]
	if a == nil {
		return errorBody(partner.CodeNotFound, "no such account")
	}
	return http.StatusOK, a.wire()
}

// accountAction returns the handler of suspend, reactivate or terminate.
// Repeating the state an account is already in succeeds without change,
// so a caller's retries and reconciliations converge.
func (e *Emulator) accountAction(action string) apiHandler {
	return func(q *apiRequest) (int, any) {
		if !q.hasSeq {
			return errorBody(partner.CodeInvalidRequest, "header "+partner.HeaderOperationSequence+" is required")
		}
		a := q.op.accounts[q.r.PathValue("pai")]
		if a == nil {
			return errorBody(partner.CodeNotFound, "no such account")
		}
		if q.seq <= a.lastSeq {
			q.op.counters.outOfOrderRefused++
			return errorBody(partner.CodeOutOfOrder,
				fmt.Sprintf("operation sequence %d is not above %d, already applied", q.seq, a.lastSeq))
		}
		switch action {
		case "suspend":
			switch a.state {
			case partner.StateEffective:
				a.state = partner.StateSuspended
			case partner.StateSuspended:
			default:
				return invalidState(a, action)
			}
		case "reactivate":
			switch a.state {
			case partner.StateSuspended:
				a.state = partner.StateEffective
				// No proration: a customer back after the paid period ended
				// starts a new period now; one back within it keeps the
				// old schedule.
				if !q.now.Before(a.nextBillAt) {
					a.anchor, a.periodIdx, a.nextBillAt = q.now, 0, q.now
				}
			case partner.StateEffective:
			default:
				return invalidState(a, action)
			}
		case "terminate":
			e.terminateLocked(a)
		}
		if n := len(a.applied); n > 0 && q.seq <= a.applied[n-1] {
			q.op.counters.outOfOrderApplied++
		}
		a.applied = append(a.applied, q.seq)
		a.lastSeq = q.seq
		q.op.counters.operationsApplied++
		return http.StatusOK, a.wire()
	}
}

func invalidState(a *account, action string) (int, any) {
	return errorBody(partner.CodeInvalidState, fmt.Sprintf("cannot %s an account in state %s", action, a.state))
}

// terminateLocked ends an account; an unredeemed sign-up token can no
// longer be redeemed. Charges already issued are still processed.
func (e *Emulator) terminateLocked(a *account) {
	a.state = partner.StateTerminated
}
