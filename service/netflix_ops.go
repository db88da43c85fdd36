package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/partner"
)

// errRetry says an operation is still pending and should be tried again
// later; snooze says the attempt did not count (the circuit breaker was
// open or the caller gave up).
type errRetry struct {
	err    error
	snooze bool
}

func (e *errRetry) Error() string { return "partner operation will be retried: " + errString(e.err) }
func (e *errRetry) Unwrap() error { return e.err }

// ApplyOperations applies the subscription's pending partner operations
// in sequence order and returns when none is left, when one needs
// attention, or with an *errRetry when one must wait before its next try.
// Running it twice at once is safe: every try of an operation carries the
// same operation id and sequence, and none is sent before the one before
// it is confirmed.
func (s *NetflixService) ApplyOperations(ctx context.Context, orgID, subID string) error {
	for {
		var op crmapi.NetflixOperation
		err := s.store.View(ctx, func(tx crmapi.Tx) error {
			var err error
			op, err = tx.NextNetflixOperation(orgID, subID)
			return err
		})
		if errors.Is(err, crmapi.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if op.Status == crmapi.OpFailed {
			return nil // needs attention: nothing behind it may overtake it
		}
		if err := s.applyOperation(ctx, op, false); err != nil {
			return err
		}
	}
}

// applyOperation sends one operation to the partner and records the
// outcome. It returns nil when the operation reached a final status (or
// another worker moved it on), *errRetry when it stays pending, and other
// errors when the database failed.
func (s *NetflixService) applyOperation(ctx context.Context, op crmapi.NetflixOperation, inline bool) error {
	var sub crmapi.NetflixSubscription
	var ch crmapi.NetflixCharge
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		if sub, err = tx.NetflixSubscriptionByID(op.OrganisationID, op.SubscriptionID); err != nil {
			return err
		}
		if op.ChargeID != "" {
			ch, err = tx.NetflixChargeByID(op.OrganisationID, op.ChargeID)
		}
		return err
	})
	if err != nil {
		return err
	}
	org := op.OrganisationID
	switch op.Kind {
	case crmapi.OpSignup:
		if sub.PAI != "" {
			return s.finish(ctx, op, crmapi.OpDone, "", nil)
		}
		res, err := s.partner.CreateSignup(ctx, org, op.OperationID, partner.SignupRequest{Offer: s.cfg.Offer,
			Country: s.cfg.Country, PromotionCode: sub.PromotionCode, Channel: sub.Channel, ValiditySeconds: sub.ValiditySeconds})
		if err != nil {
			return s.failed(ctx, op, sub, err, inline)
		}
		return s.recordSignup(ctx, op, res)
	case crmapi.OpSuspend, crmapi.OpReactivate, crmapi.OpTerminate:
		if sub.PAI == "" {
			return s.finish(ctx, op, crmapi.OpSkipped, "the partner never created the account", nil)
		}
		call := map[crmapi.NetflixOperationKind]func(context.Context, string, string, string, int64) (partner.Account, error){
			crmapi.OpSuspend: s.partner.Suspend, crmapi.OpReactivate: s.partner.Reactivate, crmapi.OpTerminate: s.partner.Terminate,
		}[op.Kind]
		acct, err := call(ctx, org, sub.PAI, op.OperationID, op.Sequence)
		if err != nil {
			return s.failed(ctx, op, sub, err, inline)
		}
		return s.finish(ctx, op, crmapi.OpDone, "", &acct)
	case crmapi.OpAcceptCharge, crmapi.OpDeclineCharge:
		call := s.partner.AcceptCharge
		if op.Kind == crmapi.OpDeclineCharge {
			call = s.partner.DeclineCharge
		}
		version, err := call(ctx, org, ch.PartnerChargeID, op.OperationID)
		if err != nil {
			return s.failed(ctx, op, sub, err, inline)
		}
		return s.store.Update(ctx, func(tx crmapi.Tx) error {
			if err := s.applyChargeVersion(tx, org, version); err != nil {
				return err
			}
			return s.finishTx(tx, op, crmapi.OpDone, "", nil)
		})
	}
	return s.finish(ctx, op, crmapi.OpFailed, "unknown operation kind "+string(op.Kind), nil)
}

// recordSignup stores the partner's sign-up on the subscription.
func (s *NetflixService) recordSignup(ctx context.Context, op crmapi.NetflixOperation, res partner.Signup) error {
	return s.store.Update(context.WithoutCancel(ctx), func(tx crmapi.Tx) error {
		sub, err := tx.NetflixSubscriptionByID(op.OrganisationID, op.SubscriptionID)
		if err != nil {
			return err
		}
		if sub.PAI == "" {
			exp := res.TokenExpiresAt.UTC().Truncate(time.Microsecond)
			sub.PAI, sub.SignupToken, sub.SignupTokenExpiresAt, sub.SignupURL = res.PAI, res.SignupToken, &exp, res.SignupURL
			if sub.PartnerState == crmapi.PartnerUnknown {
				sub.PartnerState = crmapi.PartnerPendingSignup
			}
			sub.UpdatedAt = s.clock.Now()
			if err := tx.UpdateNetflixSubscription(sub); err != nil {
				return err
			}
		} else if sub.PAI != res.PAI {
			s.log.Error("netflix: the partner answered one sign-up with two accounts", "subscription", sub.Number,
				"pai", sub.PAI, "other_pai", res.PAI)
		}
		return s.finishTx(tx, op, crmapi.OpDone, "", nil)
	})
}

// finish records an operation's final status and, for account
// operations, the account the partner answered with.
func (s *NetflixService) finish(ctx context.Context, op crmapi.NetflixOperation, status crmapi.NetflixOperationStatus,
	why string, acct *partner.Account) error {
	return s.store.Update(context.WithoutCancel(ctx), func(tx crmapi.Tx) error {
		return s.finishTx(tx, op, status, why, acct)
	})
}

func (s *NetflixService) finishTx(tx crmapi.Tx, op crmapi.NetflixOperation, status crmapi.NetflixOperationStatus,
	why string, acct *partner.Account) error {
	// The subscription first: every transaction that writes both takes
	// the subscription's row before its operations' rows.
	sub, err := tx.NetflixSubscriptionByID(op.OrganisationID, op.SubscriptionID)
	if err != nil {
		return err
	}
	cur, err := tx.NextNetflixOperation(op.OrganisationID, op.SubscriptionID)
	if errors.Is(err, crmapi.ErrNotFound) || (err == nil && cur.ID != op.ID) {
		return nil // another worker got there first
	}
	if err != nil {
		return err
	}
	now := s.clock.Now()
	cur.Status, cur.UpdatedAt = status, now
	cur.Attempts = max(cur.Attempts, op.Attempts)
	if why != "" {
		cur.LastError = why
	}
	if err := tx.UpdateNetflixOperation(cur); err != nil {
		return err
	}
	changed := false
	if acct != nil {
		changed = mergeAccount(&sub, *acct, now)
		if op.Sequence > sub.ConfirmedSequence && acct.LastOperationSequence >= op.Sequence {
			sub.ConfirmedSequence, changed = op.Sequence, true
		}
	}
	if status == crmapi.OpFailed {
		sub.Attention, sub.AttentionReason, changed = true, fmt.Sprintf("%s (sequence %d): %s", op.Kind, op.Sequence, why), true
	}
	if !changed {
		return nil
	}
	sub.UpdatedAt = now
	return tx.UpdateNetflixSubscription(sub)
}

// failed decides what a partner error means for an operation.
func (s *NetflixService) failed(ctx context.Context, op crmapi.NetflixOperation, sub crmapi.NetflixSubscription,
	perr error, inline bool) error {
	code := partner.ErrorCode(perr)
	switch {
	case errors.Is(perr, partner.ErrCircuitOpen), code == partner.CodeCanceled && ctx.Err() != nil && !inline:
		return &errRetry{err: perr, snooze: true}
	case partner.IsRetryable(perr):
		return s.countAttempt(ctx, op, perr)
	case code == partner.CodeOutOfOrder || code == partner.CodeInvalidState:
		return s.settleRefusal(ctx, op, sub, perr)
	case op.Kind == crmapi.OpSignup:
		return s.refuseSignup(ctx, op, perr, inline)
	}
	return s.finish(ctx, op, crmapi.OpFailed, "refused by the partner: "+perr.Error(), nil)
}

// countAttempt records a failed try; out of tries, the operation fails
// and the subscription needs attention.
func (s *NetflixService) countAttempt(ctx context.Context, op crmapi.NetflixOperation, perr error) error {
	exhausted := false
	err := s.store.Update(context.WithoutCancel(ctx), func(tx crmapi.Tx) error {
		if _, err := tx.NetflixSubscriptionByID(op.OrganisationID, op.SubscriptionID); err != nil {
			return err // taken first, as in finishTx
		}
		cur, err := tx.NextNetflixOperation(op.OrganisationID, op.SubscriptionID)
		if errors.Is(err, crmapi.ErrNotFound) || (err == nil && (cur.ID != op.ID || cur.Status != crmapi.OpPending)) {
			return nil
		}
		if err != nil {
			return err
		}
		cur.Attempts++
		cur.LastError, cur.UpdatedAt = perr.Error(), s.clock.Now()
		if cur.Attempts < s.cfg.MaxAttempts {
			return tx.UpdateNetflixOperation(cur)
		}
		exhausted = true
		return s.finishTx(tx, cur, crmapi.OpFailed, fmt.Sprintf("no success after %d tries: %s", cur.Attempts, perr), nil)
	})
	if err != nil {
		return err
	}
	if exhausted {
		s.log.Error("netflix: partner operation out of retries; the subscription needs attention",
			"org", op.OrganisationID, "subscription", op.SubscriptionID, "kind", op.Kind, "sequence", op.Sequence, "err", perr.Error())
		return nil
	}
	return &errRetry{err: perr}
}

// settleRefusal handles an account operation the partner refused because
// of the account's state or sequence: it reads the account to tell an
// operation already applied (its answer was lost) from a true conflict.
func (s *NetflixService) settleRefusal(ctx context.Context, op crmapi.NetflixOperation, sub crmapi.NetflixSubscription, perr error) error {
	if op.Kind == crmapi.OpAcceptCharge || op.Kind == crmapi.OpDeclineCharge {
		// The partner processed the charge first; its version arrives by the feed.
		return s.finish(ctx, op, crmapi.OpSkipped, perr.Error(), nil)
	}
	acct, err := s.partner.GetAccount(ctx, op.OrganisationID, sub.PAI)
	if err != nil {
		return s.countAttempt(ctx, op, err)
	}
	switch {
	case acct.LastOperationSequence >= op.Sequence:
		return s.finish(ctx, op, crmapi.OpDone, "", &acct)
	case acct.State == partner.StateTerminated:
		// The partner ended the account itself (a failed charge):
		// nothing is left to suspend or reactivate.
		return s.finish(ctx, op, crmapi.OpSkipped, "the partner account is terminated", &acct)
	}
	return s.finish(ctx, op, crmapi.OpFailed, "refused by the partner: "+perr.Error(), &acct)
}

// refuseSignup records a sign-up the partner refused for good: nothing was
// created there, so the subscription is cancelled. A refusal seen only in
// the background also needs attention, since no caller was told.
func (s *NetflixService) refuseSignup(ctx context.Context, op crmapi.NetflixOperation, perr error, inline bool) error {
	return s.store.Update(context.WithoutCancel(ctx), func(tx crmapi.Tx) error {
		sub, err := tx.NetflixSubscriptionByID(op.OrganisationID, op.SubscriptionID)
		if err != nil {
			return err
		}
		if err := s.finishTx(tx, op, crmapi.OpSkipped, perr.Error(), nil); err != nil {
			return err
		}
		if sub, err = tx.NetflixSubscriptionByID(op.OrganisationID, op.SubscriptionID); err != nil {
			return err
		}
		if sub.PAI != "" || sub.LifeCycleState == crmapi.NetflixCancelled {
			return nil
		}
		now := s.clock.Now()
		sub.LifeCycleState, sub.CancelledAt, sub.UpdatedAt = crmapi.NetflixCancelled, &now, now
		sub.AttentionReason = "the partner refused the sign-up: " + perr.Error()
		sub.Attention = !inline
		return tx.UpdateNetflixSubscription(sub)
	})
}

// mergeAccount brings what the partner says about an account into the
// subscription and reports whether anything changed. A stale read (one
// that predates an operation already confirmed, or an earlier stage of
// the account) changes nothing.
func mergeAccount(sub *crmapi.NetflixSubscription, acct partner.Account, now time.Time) bool {
	st := crmapi.PartnerState(acct.State)
	if acct.LastOperationSequence < sub.ConfirmedSequence || st.Behind(sub.PartnerState) {
		return false
	}
	changed := false
	if st != sub.PartnerState {
		sub.PartnerState, changed = st, true
	}
	if acct.LastOperationSequence > sub.ConfirmedSequence {
		sub.ConfirmedSequence, changed = acct.LastOperationSequence, true
	}
	if sub.ActivatedAt == nil && acct.SignedUpAt != nil {
		at := acct.SignedUpAt.UTC().Truncate(time.Microsecond)
		sub.ActivatedAt, changed = &at, true
		if sub.LifeCycleState == crmapi.NetflixNotEffective && st == crmapi.PartnerEffective {
			sub.LifeCycleState = crmapi.NetflixEffective
		}
	}
	if st == crmapi.PartnerTerminated && sub.LifeCycleState != crmapi.NetflixCancelled {
		// Ended on the partner's side: crmapi follows.
		sub.LifeCycleState, sub.CancelledAt, changed = crmapi.NetflixCancelled, &now, true
	}
	return changed
}

// SweepOperations re-inserts the jobs of operations pending for longer
// than a sweep interval, so that an insert lost after a commit (or a job
// lost with a process) delays work and never loses it. It returns how
// many subscriptions it woke.
func (s *NetflixService) SweepOperations(ctx context.Context) (int, error) {
	var work []crmapi.NetflixWork
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		work, err = tx.NetflixPendingWork(s.clock.Now().Add(-s.cfg.SweepInterval), 1000)
		return err
	})
	if err != nil {
		return 0, err
	}
	for _, w := range work {
		s.enqueue(ctx, NetflixApplyArgs{OrganisationID: w.OrganisationID, SubscriptionID: w.SubscriptionID, Sequence: w.Sequence})
	}
	return len(work), nil
}

// NetflixAttention is a subscription whose partner work stopped, with the
// operation that stopped it (when one did).
type NetflixAttention struct {
	Subscription crmapi.NetflixSubscription
	Operation    *crmapi.NetflixOperation
}

// NeedingAttention lists the organisation's subscriptions that need attention.
func (s *NetflixService) NeedingAttention(ctx context.Context, orgID string) ([]NetflixAttention, error) {
	var out []NetflixAttention
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		subs, err := tx.NetflixSubscriptionsNeedingAttention(orgID)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			a := NetflixAttention{Subscription: sub}
			if op, err := tx.NextNetflixOperation(orgID, sub.ID); err == nil && op.Status == crmapi.OpFailed {
				a.Operation = &op
			} else if err != nil && !errors.Is(err, crmapi.ErrNotFound) {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// AttentionCount counts the subscriptions needing attention in every organisation.
func (s *NetflixService) AttentionCount(ctx context.Context) (int, error) {
	var n int
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		n, err = tx.CountNetflixNeedingAttention()
		return err
	})
	return n, err
}

// Retry puts a subscription's failed operation back in the queue with
// fresh tries and clears its attention flag.
// Codes: NOT_FOUND.
func (s *NetflixService) Retry(ctx context.Context, orgID, number string) error {
	var sub crmapi.NetflixSubscription
	var seq int64
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		var err error
		if sub, err = tx.NetflixSubscriptionByNumber(orgID, number); err != nil {
			return err
		}
		now := s.clock.Now()
		if op, err := tx.NextNetflixOperation(orgID, sub.ID); err == nil && op.Status == crmapi.OpFailed {
			seq = op.Sequence
			op.Status, op.Attempts, op.UpdatedAt = crmapi.OpPending, 0, now
			if err := tx.UpdateNetflixOperation(op); err != nil {
				return err
			}
		} else if err != nil && !errors.Is(err, crmapi.ErrNotFound) {
			return err
		}
		sub.Attention, sub.AttentionReason, sub.UpdatedAt = false, "", now
		return tx.UpdateNetflixSubscription(sub)
	})
	if err != nil {
		return err
	}
	s.enqueue(context.WithoutCancel(ctx), NetflixApplyArgs{OrganisationID: orgID, SubscriptionID: sub.ID, Sequence: seq})
	return nil
}

// Operations lists a subscription's partner operations, for inspection.
// Codes: NOT_FOUND.
func (s *NetflixService) Operations(ctx context.Context, orgID, number string) ([]crmapi.NetflixOperation, error) {
	var out []crmapi.NetflixOperation
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		sub, err := tx.NetflixSubscriptionByNumber(orgID, number)
		if err != nil {
			return err
		}
		out, err = tx.NetflixOperations(orgID, sub.ID)
		return err
	})
	return out, err
}
