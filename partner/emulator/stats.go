package emulator

import (
	"time"

	"github.com/crmapi/crmapi/partner"
)

// Stats are counts that tests and demos check the emulator's behaviour
// with. DuplicateSignups and OutOfOrderApplied must stay 0: they count what
// idempotency and operation sequences exist to prevent.
type Stats struct {
	Now               time.Time                    `json:"now"`
	Operators         int                          `json:"operators"`
	Requests          int                          `json:"requests"`
	Accounts          map[partner.AccountState]int `json:"accounts"`
	Signups           int                          `json:"signups"`
	Redemptions       int                          `json:"redemptions"`
	DuplicateSignups  int                          `json:"duplicate_signups"`
	IdempotentReplays int                          `json:"idempotent_replays"`
	OperationsApplied int                          `json:"operations_applied"`
	OutOfOrderRefused int                          `json:"out_of_order_refused"`
	OutOfOrderApplied int                          `json:"out_of_order_applied"`
	Charges           map[partner.ChargeStatus]int `json:"charges"`
	FeedEntries       int                          `json:"feed_entries"`
	Faults            FaultCounts                  `json:"faults"`
}

// FaultCounts count the faults injected.
type FaultCounts struct {
	Errors      int `json:"errors"`
	Slow        int `json:"slow"`
	LostAnswers int `json:"lost_answers"`
}

// Stats returns the counts over every operator.
func (e *Emulator) Stats() Stats { return e.stats(func(string) bool { return true }) }

// OperatorStats returns the counts of one operator.
func (e *Emulator) OperatorStats(operator string) Stats {
	return e.stats(func(id string) bool { return id == operator })
}

func (e *Emulator) stats(include func(string) bool) Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.nowLocked()
	e.catchUpLocked(now)
	s := Stats{Now: now, Accounts: map[partner.AccountState]int{}, Charges: map[partner.ChargeStatus]int{}}
	for id, op := range e.operators {
		if !include(id) {
			continue
		}
		s.Operators++
		c := op.counters
		s.Requests += c.requests
		s.Signups += c.signups
		s.Redemptions += c.redemptions
		s.DuplicateSignups += c.duplicateSignups
		s.IdempotentReplays += c.replays
		s.OperationsApplied += c.operationsApplied
		s.OutOfOrderRefused += c.outOfOrderRefused
		s.OutOfOrderApplied += c.outOfOrderApplied
		s.Faults.Errors += c.faultErrors
		s.Faults.Slow += c.faultSlow
		s.Faults.LostAnswers += c.faultLost
		s.FeedEntries += len(op.feed)
		for _, a := range op.accounts {
			s.Accounts[a.state]++
		}
		for _, ch := range op.charges {
			s.Charges[ch.Status]++
		}
	}
	return s
}
