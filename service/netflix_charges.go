package service

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/partner"
	"github.com/shopspring/decimal"
)

// Rates is the local-currency model of charges: one local currency for
// the installation and fixed conversion rates into it. The partner bills
// in its own currency; a charge's local_currency_amount is its amount
// times the rate from that currency, rounded half to even to the local
// currency's minor unit. With no local currency a charge's local amount
// is its amount (rate 1).
type Rates struct {
	// Local is the ISO-4217 local currency; empty keeps each charge's own.
	Local string
	// To maps a currency to the rate that converts it into Local.
	To map[string]decimal.Decimal
}

// ParseRates reads a local currency and rates written "USD=0.92,GBP=1.17".
func ParseRates(local, spec string) (Rates, error) {
	r := Rates{Local: strings.ToUpper(strings.TrimSpace(local)), To: map[string]decimal.Decimal{}}
	if r.Local != "" && !isCurrency(r.Local) {
		return Rates{}, fmt.Errorf("local currency %q is not a three-letter code", local)
	}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		cur, val, ok := strings.Cut(part, "=")
		cur = strings.ToUpper(strings.TrimSpace(cur))
		rate, err := decimal.NewFromString(strings.TrimSpace(val))
		if !ok || !isCurrency(cur) || err != nil || !rate.IsPositive() {
			return Rates{}, fmt.Errorf("rate %q: want CURRENCY=positive decimal, e.g. USD=0.92", part)
		}
		if r.Local == "" {
			return Rates{}, errors.New("rates need a local currency")
		}
		r.To[cur] = rate
	}
	return r, nil
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// Convert returns amount in the local currency and that currency; ok is
// false when no rate is known, and then the amount stays in its own.
func (r Rates) Convert(amount crmapi.Amount, currency string) (crmapi.Amount, string, bool) {
	if r.Local == "" || r.Local == currency {
		return amount, currency, true
	}
	rate, found := r.To[currency]
	if !found {
		return amount, currency, false
	}
	d := amount.Decimal().Mul(rate).RoundBank(crmapi.CurrencyExponent(r.Local))
	local, err := crmapi.ParseAmount(d.String())
	if err != nil {
		return amount, currency, false
	}
	return local, r.Local, true
}

// feedPage is how many feed entries one read asks for.
const feedPage = 200

// PollCharges reads every organisation's charges feed from its stored
// cursor and stores each entry. Each page is stored in one transaction
// together with the cursor after it, so a crash re-reads at most a page,
// and re-reading is harmless: a charge is stored once per partner id and
// a version older than the stored one is ignored. It returns how many
// entries it read.
func (s *NetflixService) PollCharges(ctx context.Context) (int, error) {
	var orgs []crmapi.Organisation
	if err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		orgs, err = tx.ListOrganisations()
		return err
	}); err != nil {
		return 0, err
	}
	total := 0
	var errs []error
	for _, o := range orgs {
		n, err := s.pollFeed(ctx, o.ID)
		total += n
		if err != nil {
			errs = append(errs, fmt.Errorf("organisation %s: %w", o.Name, err))
		}
	}
	return total, errors.Join(errs...)
}

func (s *NetflixService) pollFeed(ctx context.Context, orgID string) (int, error) {
	read := 0
	for {
		var cursor string
		if err := s.store.View(ctx, func(tx crmapi.Tx) error {
			var err error
			cursor, err = tx.NetflixFeedCursor(orgID)
			return err
		}); err != nil {
			return read, err
		}
		cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
		page, err := s.partner.Charges(cctx, orgID, cursor, feedPage)
		cancel()
		if err != nil && cursor != "" && partner.ErrorCode(err) == partner.CodeInvalidRequest {
			// The partner no longer knows the cursor (it lost its feed):
			// read again from the start; stored charges are not doubled.
			s.log.Warn("netflix: charges feed cursor refused; reading the feed again from the start", "org", orgID, "err", err.Error())
			page, err = partner.ChargesPage{}, nil
		}
		if err != nil {
			return read, err
		}
		err = s.store.Update(context.WithoutCancel(ctx), func(tx crmapi.Tx) error {
			for _, e := range page.Entries {
				if err := s.applyChargeVersion(tx, orgID, e); err != nil {
					return err
				}
			}
			return tx.SetNetflixFeedCursor(orgID, cursor, page.NextCursor, s.clock.Now())
		})
		if crmapi.ErrorCode(err) == crmapi.Conflict {
			return read, nil // another reader is on this feed
		}
		if err != nil {
			return read, err
		}
		read += len(page.Entries)
		if !page.HasMore || len(page.Entries) == 0 {
			return read, nil
		}
	}
}

// applyChargeVersion stores one version of a charge: a new charge gets a
// number, a later version moves its status on; an older one is ignored.
// A failed charge cancels its subscription, whose account the partner has
// terminated.
func (s *NetflixService) applyChargeVersion(tx crmapi.Tx, orgID string, e partner.Charge) error {
	status := crmapi.NetflixChargeStatus(e.Status)
	if !status.Valid() {
		return fmt.Errorf("netflix: charge %s has unknown status %q", e.ChargeID, e.Status)
	}
	amount, err := crmapi.ParseAmount(e.Amount)
	if err != nil {
		return fmt.Errorf("netflix: charge %s amount %q: %w", e.ChargeID, e.Amount, err)
	}
	now := s.clock.Now()
	c, err := tx.NetflixChargeByPartnerID(orgID, e.ChargeID)
	switch {
	case errors.Is(err, crmapi.ErrNotFound):
		n, err := tx.NextNumber(orgID, "NC")
		if err != nil {
			return err
		}
		c = crmapi.NetflixCharge{ID: crmapi.NewID(), OrganisationID: orgID, Number: crmapi.FormatNumber("NC", n), Ordinal: n,
			PartnerChargeID: e.ChargeID, PAI: e.PAI, CreatedAt: now}
		if sub, err := tx.NetflixSubscriptionByPAI(orgID, e.PAI); err == nil {
			c.SubscriptionID, c.CustomerID = sub.ID, sub.CustomerID
		} else if !errors.Is(err, crmapi.ErrNotFound) {
			return err
		} else {
			s.log.Error("netflix: charge for an account crmapi does not know", "org", orgID, "charge", e.ChargeID, "pai", e.PAI)
		}
	case err != nil:
		return err
	case e.Sequence <= c.FeedSequence || (c.Status.Processed() && !status.Processed()):
		return nil // an older version
	}
	c.FeedSequence, c.Amount, c.Currency, c.Status = e.Sequence, amount, e.Currency, status
	c.PeriodStart, c.PaidThroughDate, c.ReceivedOn = micro(e.PeriodStart), micro(e.PaidThroughDate), micro(e.ReceivedOn)
	c.ProcessedOn = utcPtr(e.ProcessedOn)
	var ok bool
	if c.LocalAmount, c.LocalCurrency, ok = s.cfg.Rates.Convert(amount, e.Currency); !ok {
		s.log.Warn("netflix: no rate into the local currency; local amount left in the charge's currency",
			"currency", e.Currency, "local", s.cfg.Rates.Local)
	}
	if c.Ordinal == 0 {
		return fmt.Errorf("netflix: charge %s without a number", e.ChargeID)
	}
	if err == nil {
		if err := tx.UpdateNetflixCharge(c); err != nil {
			return err
		}
	} else if err := tx.CreateNetflixCharge(c); err != nil {
		return err
	}
	if status.Failed() && c.SubscriptionID != "" {
		return s.cancelForCharge(tx, orgID, c)
	}
	return nil
}

// cancelForCharge cancels a subscription whose charge failed. The partner
// has terminated the account already, so the subscription's queued
// account operations have nothing left to do.
func (s *NetflixService) cancelForCharge(tx crmapi.Tx, orgID string, c crmapi.NetflixCharge) error {
	sub, err := tx.NetflixSubscriptionByID(orgID, c.SubscriptionID)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	if sub.LifeCycleState != crmapi.NetflixCancelled {
		sub.LifeCycleState, sub.CancelledAt = crmapi.NetflixCancelled, &now
	}
	sub.PartnerState, sub.UpdatedAt = crmapi.PartnerTerminated, now
	if err := tx.UpdateNetflixSubscription(sub); err != nil {
		return err
	}
	ops, err := tx.NetflixOperations(orgID, sub.ID)
	if err != nil {
		return err
	}
	for _, op := range ops {
		switch op.Kind {
		case crmapi.OpSuspend, crmapi.OpReactivate, crmapi.OpTerminate:
		default:
			continue
		}
		if op.Status == crmapi.OpPending || op.Status == crmapi.OpFailed {
			op.Status, op.LastError, op.UpdatedAt = crmapi.OpSkipped, "charge "+c.Number+" was "+string(c.Status), now
			if err := tx.UpdateNetflixOperation(op); err != nil {
				return err
			}
		}
	}
	return nil
}

// ChargeQuery is a charges/list request.
type ChargeQuery struct {
	// Status is NOT_PROCESSED or PROCESSED.
	Status string
	Limit  int
	Offset int
	// Cursor continues after the last charge of an earlier page (an extension).
	Cursor string
}

// ChargePage is one page of charges/list and the cursor after it.
type ChargePage struct {
	Charges    []crmapi.NetflixCharge
	NextCursor string
}

// MaxChargesPerCall bounds charges/list pages and acknowledge batches.
const MaxChargesPerCall = 50

// ListCharges returns the organisation's charges not yet acknowledged in
// one status group, oldest first. Codes: INVALID_PARAMETER, LIMIT_EXCEEDED.
func (s *NetflixService) ListCharges(ctx context.Context, orgID string, q ChargeQuery) (ChargePage, error) {
	var processed bool
	switch q.Status {
	case "NOT_PROCESSED":
	case "PROCESSED":
		processed = true
	default:
		return ChargePage{}, crmapi.Invalid("charge_status", "NOT_PROCESSED or PROCESSED")
	}
	switch {
	case q.Limit > MaxChargesPerCall:
		return ChargePage{}, crmapi.Errorf(crmapi.LimitExceeded, "Too many results asked for",
			"number_of_results: at most %d", MaxChargesPerCall)
	case q.Limit < 1:
		return ChargePage{}, crmapi.Invalid("number_of_results", "at least 1")
	case q.Offset < 0:
		return ChargePage{}, crmapi.Invalid("offset", "not negative")
	}
	after, err := decodeChargeCursor(q.Cursor, processed)
	if err != nil {
		return ChargePage{}, err
	}
	var page ChargePage
	err = s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		page.Charges, err = tx.ListNetflixCharges(orgID, crmapi.NetflixChargeFilter{Processed: processed,
			AfterOrdinal: after, Offset: q.Offset, Limit: q.Limit})
		return err
	})
	if n := len(page.Charges); n > 0 {
		after = page.Charges[n-1].Ordinal
	}
	page.NextCursor = encodeChargeCursor(after, processed)
	return page, err
}

// Charge cursors are opaque to callers; inside they name the status group
// and the last charge seen, so paging while acknowledging skips nothing.
func encodeChargeCursor(after int64, processed bool) string {
	group := "N"
	if processed {
		group = "P"
	}
	return base64.RawURLEncoding.EncodeToString([]byte("c1." + group + "." + strconv.FormatInt(after, 10)))
}

func decodeChargeCursor(c string, processed bool) (int64, error) {
	if c == "" {
		return 0, nil
	}
	bad := crmapi.Invalid("cursor", "not a cursor of this charge_status; use the next_cursor of an earlier answer")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, bad
	}
	parts := strings.Split(string(raw), ".")
	want := "N"
	if processed {
		want = "P"
	}
	if len(parts) != 3 || parts[0] != "c1" || parts[1] != want {
		return 0, bad
	}
	n, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || n < 0 {
		return 0, bad
	}
	return n, nil
}

// ChargeItem is one element of an acknowledge, accept or decline batch.
type ChargeItem struct {
	Number     string
	CustomerID string
	Reference  string
}

// FailedCharge is one item a batch could not apply.
type FailedCharge struct {
	Number      string
	Reference   string
	Code        crmapi.Code
	Description string
}

// checkBatch checks a batch before anything is done: a malformed batch
// changes nothing. Codes: MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER, LIMIT_EXCEEDED.
func checkBatch(param string, items []ChargeItem) error {
	if len(items) == 0 {
		return crmapi.Invalid(param, "at least one charge")
	}
	if len(items) > MaxChargesPerCall {
		return crmapi.Errorf(crmapi.LimitExceeded, "Too many charges", "%s: at most %d charges per call", param, MaxChargesPerCall)
	}
	for i, it := range items {
		p := fmt.Sprintf("%s[%d]", param, i)
		if strings.TrimSpace(it.Number) == "" {
			return crmapi.Missing(p + ".number")
		}
		if err := checkCustomerID(p+".billing_system_customer_identifier", it.CustomerID); err != nil {
			return err
		}
		if err := checkText(p+".number", it.Number, 64); err != nil {
			return err
		}
		if err := checkText(p+".reference_number", it.Reference, 100); err != nil {
			return err
		}
	}
	return nil
}

// Acknowledge records that the operator received charges, exactly once:
// an acknowledged charge is not listed again (a charge acknowledged while
// PENDING comes back once among the processed ones when the partner has
// processed it). Repeating an acknowledgement with the same
// reference_number is a no-op; with another one it fails with
// ALREADY_ACKNOWLEDGED. A reference_number is unique per organisation.
// Per-charge failures are returned, the others are applied.
// Codes: MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER, LIMIT_EXCEEDED;
// per charge: NOT_FOUND, INVALID_PARAMETER, ALREADY_ACKNOWLEDGED,
// DUPLICATE_REFERENCE_NUMBER.
func (s *NetflixService) Acknowledge(ctx context.Context, orgID string, items []ChargeItem) ([]FailedCharge, error) {
	if err := checkBatch("acknowledged_charges_set", items); err != nil {
		return nil, err
	}
	var failed []FailedCharge
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		now := s.clock.Now()
		if distinctBatch(items) {
			var err error
			failed, err = s.acknowledgeSet(tx, orgID, items, now)
			return err
		}
		var err error
		failed = inLockOrder(items, func(it ChargeItem) (*FailedCharge, error) {
			return s.acknowledgeOne(tx, orgID, it, now)
		}, &err)
		return err
	})
	return failed, err
}

// distinctBatch tells whether no charge number and no reference_number
// comes twice in items: then no item's outcome depends on another's, and
// the batch can be decided on one read of its charges.
func distinctBatch(items []ChargeItem) bool {
	numbers, refs := make(map[string]bool, len(items)), make(map[string]bool, len(items))
	for _, it := range items {
		if numbers[it.Number] || (it.Reference != "" && refs[it.Reference]) {
			return false
		}
		numbers[it.Number] = true
		if it.Reference != "" {
			refs[it.Reference] = true
		}
	}
	return true
}

// acknowledgeSet is acknowledgeOne for a whole batch of distinct items: one
// read of the charges (locking their rows in number order), one claim of
// the references and the updates (one per appearance on SQLite, one per
// charge on PostgreSQL) instead of three statements per item. Each item is
// decided by the rules acknowledgeOne uses (ofCustomer,
// acknowledgedAlready); an item whose update found its charge changed after all (which the
// row locks and SQLite's single writer rule out) gives its reference back
// and goes through acknowledgeOne.
func (s *NetflixService) acknowledgeSet(tx crmapi.Tx, orgID string, items []ChargeItem, now time.Time) ([]FailedCharge, error) {
	numbers := make([]string, len(items))
	for i, it := range items {
		numbers[i] = it.Number
	}
	sort.Strings(numbers)
	charges, err := tx.NetflixChargesByNumbers(orgID, numbers)
	if err != nil {
		return nil, err
	}
	byNumber := make(map[string]crmapi.NetflixCharge, len(charges))
	for _, c := range charges {
		byNumber[c.Number] = c
	}
	results := make([]*FailedCharge, len(items))
	var pending []int // items to acknowledge
	var claims []crmapi.NetflixReference
	for i, it := range items {
		c, ok := byNumber[it.Number]
		if !ok {
			results[i] = failure(it, crmapi.NotFound, "no charge %s", it.Number)
			continue
		}
		if results[i] = ofCustomer(c, it); results[i] != nil {
			continue
		}
		if settled, f := acknowledgedAlready(c, it); settled {
			results[i] = f
			continue
		}
		pending = append(pending, i)
		if it.Reference != "" {
			claims = append(claims, crmapi.NetflixReference{OrganisationID: orgID, Reference: it.Reference, ChargeID: c.ID,
				Use: "ACKNOWLEDGE", CreatedAt: now})
		}
	}
	claimed, err := tx.ClaimNetflixReferences(claims)
	if err != nil {
		return nil, err
	}
	got := make(map[string]bool, len(claimed))
	for _, r := range claimed {
		got[r] = true
	}
	var acks []crmapi.NetflixChargeAck
	var acking []int
	for _, i := range pending {
		it := items[i]
		if it.Reference != "" && !got[it.Reference] {
			results[i] = failure(it, crmapi.DuplicateReferenceNumber, "reference_number %s is already used", it.Reference)
			continue
		}
		c := byNumber[it.Number]
		acks = append(acks, crmapi.NetflixChargeAck{ChargeID: c.ID, Processed: c.Status.Processed(), Reference: it.Reference})
		acking = append(acking, i)
	}
	done, err := tx.AcknowledgeNetflixCharges(orgID, acks, now)
	if err != nil {
		return nil, err
	}
	applied := make(map[string]bool, len(done))
	for _, id := range done {
		applied[id] = true
	}
	for k, i := range acking {
		if applied[acks[k].ChargeID] {
			continue
		}
		it := items[i]
		if it.Reference != "" {
			if err := tx.DeleteNetflixReference(orgID, it.Reference); err != nil {
				return nil, err
			}
		}
		if results[i], err = s.acknowledgeOne(tx, orgID, it, now); err != nil {
			return nil, err
		}
	}
	return failures(results), nil
}

// inLockOrder applies one per item in the order of the charge numbers, so
// that concurrent batches lock the charges' rows in one order and never
// deadlock, and returns the failures in the items' own order. A database
// error stops it and is stored in *errp.
func inLockOrder(items []ChargeItem, one func(ChargeItem) (*FailedCharge, error), errp *error) []FailedCharge {
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return items[order[a]].Number < items[order[b]].Number })
	results := make([]*FailedCharge, len(items))
	for _, i := range order {
		f, err := one(items[i])
		if err != nil {
			*errp = err
			return nil
		}
		results[i] = f
	}
	return failures(results)
}

// failures lists a batch's failed items in the items' order.
func failures(results []*FailedCharge) []FailedCharge {
	failed := []FailedCharge{}
	for _, f := range results {
		if f != nil {
			failed = append(failed, *f)
		}
	}
	return failed
}

func failure(it ChargeItem, code crmapi.Code, format string, args ...any) *FailedCharge {
	return &FailedCharge{Number: it.Number, Reference: it.Reference, Code: code, Description: fmt.Sprintf(format, args...)}
}

// chargeOf finds a batch item's charge and checks its customer.
func chargeOf(tx crmapi.Tx, orgID string, it ChargeItem) (crmapi.NetflixCharge, *FailedCharge, error) {
	c, err := tx.NetflixChargeByNumber(orgID, it.Number)
	if errors.Is(err, crmapi.ErrNotFound) {
		return c, failure(it, crmapi.NotFound, "no charge %s", it.Number), nil
	}
	if err != nil {
		return c, nil, err
	}
	return c, ofCustomer(c, it), nil
}

// acknowledgedAlready decides an item whose charge needs no update: a
// retry of an acknowledgement made while the charge was pending (still the
// same acknowledgement), or an appearance already acknowledged, with the
// item's reference (a no-op) or another (ALREADY_ACKNOWLEDGED). settled is
// false when the charge is still to be acknowledged.
func acknowledgedAlready(c crmapi.NetflixCharge, it ChargeItem) (settled bool, f *FailedCharge) {
	if it.Reference != "" && c.PendingAckRef == it.Reference {
		return true, nil
	}
	acked, ref := c.Acknowledged()
	switch {
	case !acked:
		return false, nil
	case ref == it.Reference:
		return true, nil
	}
	return true, failure(it, crmapi.AlreadyAcknowledged, "charge %s was acknowledged with another reference_number", it.Number)
}

// ofCustomer refuses an item naming a charge of another customer.
func ofCustomer(c crmapi.NetflixCharge, it ChargeItem) *FailedCharge {
	if c.CustomerID != it.CustomerID {
		return failure(it, crmapi.InvalidParameter, "charge %s is not of customer %s", it.Number, it.CustomerID)
	}
	return nil
}

func (s *NetflixService) acknowledgeOne(tx crmapi.Tx, orgID string, it ChargeItem, now time.Time) (*FailedCharge, error) {
	claimed := false
	for round := 0; round < 2; round++ {
		c, f, err := chargeOf(tx, orgID, it)
		if f != nil || err != nil {
			return f, err
		}
		if settled, f := acknowledgedAlready(c, it); settled {
			if claimed {
				if err := tx.DeleteNetflixReference(orgID, it.Reference); err != nil {
					return nil, err
				}
			}
			return f, nil
		}
		if it.Reference != "" && !claimed {
			err := tx.ClaimNetflixReference(crmapi.NetflixReference{OrganisationID: orgID, Reference: it.Reference,
				ChargeID: c.ID, Use: "ACKNOWLEDGE", CreatedAt: now})
			if crmapi.ErrorCode(err) == crmapi.Conflict {
				return failure(it, crmapi.DuplicateReferenceNumber, "reference_number %s is already used", it.Reference), nil
			}
			if err != nil {
				return nil, err
			}
			claimed = true
		}
		ok, err := tx.AcknowledgeNetflixCharge(orgID, c.ID, c.Status.Processed(), it.Reference, now)
		if err != nil || ok {
			return nil, err
		}
		// Another transaction acknowledged it (or the partner processed
		// it) since it was read: decide again on what is there now.
	}
	return failure(it, crmapi.AlreadyAcknowledged, "charge %s changed while being acknowledged; try again", it.Number), nil
}

// Accept settles charges the partner has not processed yet as approved,
// on the operator's word; Decline settles them as declined, which cancels
// their subscriptions once the partner confirms. The decision is stored at
// once and sent to the partner in the subscription's operation order.
// Repeating a decision with the same reference_number is a no-op.
// Codes: MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER, LIMIT_EXCEEDED;
// per charge: NOT_FOUND, INVALID_PARAMETER, INVALID_LIFE_CYCLE_STATE,
// DUPLICATE_REFERENCE_NUMBER.
func (s *NetflixService) Accept(ctx context.Context, orgID string, items []ChargeItem) ([]FailedCharge, error) {
	return s.decide(ctx, orgID, "accepted_charges_set", items, "ACCEPTED", crmapi.OpAcceptCharge)
}

// Decline is Accept's counterpart; see Accept.
func (s *NetflixService) Decline(ctx context.Context, orgID string, items []ChargeItem) ([]FailedCharge, error) {
	return s.decide(ctx, orgID, "declined_charges_set", items, "DECLINED", crmapi.OpDeclineCharge)
}

func (s *NetflixService) decide(ctx context.Context, orgID, param string, items []ChargeItem, decision string,
	kind crmapi.NetflixOperationKind) ([]FailedCharge, error) {
	if err := checkBatch(param, items); err != nil {
		return nil, err
	}
	var failed []FailedCharge
	var woken map[string]int64
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		woken = map[string]int64{}
		now := s.clock.Now()
		var err error
		failed = inLockOrder(items, func(it ChargeItem) (*FailedCharge, error) {
			f, subID, seq, err := s.decideOne(tx, orgID, it, decision, kind, now)
			if subID != "" {
				woken[subID] = seq
			}
			return f, err
		}, &err)
		return err
	})
	if err != nil {
		return nil, err
	}
	for subID, seq := range woken {
		s.enqueue(context.WithoutCancel(ctx), NetflixApplyArgs{OrganisationID: orgID, SubscriptionID: subID, Sequence: seq})
	}
	return failed, nil
}

func (s *NetflixService) decideOne(tx crmapi.Tx, orgID string, it ChargeItem, decision string,
	kind crmapi.NetflixOperationKind, now time.Time) (*FailedCharge, string, int64, error) {
	c, f, err := chargeOf(tx, orgID, it)
	if f != nil || err != nil {
		return f, "", 0, err
	}
	if c.Decision != "" {
		if c.Decision == decision && c.DecisionReference == it.Reference {
			return nil, "", 0, nil
		}
		return failure(it, crmapi.InvalidLifeCycleState, "charge %s is already %s", it.Number, c.Decision), "", 0, nil
	}
	if c.Status.Processed() {
		return failure(it, crmapi.InvalidLifeCycleState, "charge %s is already %s", it.Number, c.Status), "", 0, nil
	}
	if c.SubscriptionID == "" {
		return failure(it, crmapi.InvalidLifeCycleState, "charge %s has no subscription", it.Number), "", 0, nil
	}
	if it.Reference != "" {
		err := tx.ClaimNetflixReference(crmapi.NetflixReference{OrganisationID: orgID, Reference: it.Reference,
			ChargeID: c.ID, Use: decision, CreatedAt: now})
		if crmapi.ErrorCode(err) == crmapi.Conflict {
			return failure(it, crmapi.DuplicateReferenceNumber, "reference_number %s is already used", it.Reference), "", 0, nil
		}
		if err != nil {
			return nil, "", 0, err
		}
	}
	c.Decision, c.DecisionReference, c.DecisionAt = decision, it.Reference, &now
	if err := tx.UpdateNetflixCharge(c); err != nil {
		return nil, "", 0, err
	}
	sub, err := tx.NetflixSubscriptionByID(orgID, c.SubscriptionID)
	if err != nil {
		return nil, "", 0, err
	}
	sub.LastSequence++
	sub.UpdatedAt = now
	op := crmapi.NetflixOperation{ID: crmapi.NewID(), OrganisationID: orgID, SubscriptionID: sub.ID, Sequence: sub.LastSequence,
		Kind: kind, OperationID: crmapi.NewID(), ChargeID: c.ID, Status: crmapi.OpPending, CreatedAt: now, UpdatedAt: now}
	if err := tx.UpdateNetflixSubscription(sub); err != nil {
		return nil, "", 0, err
	}
	return nil, sub.ID, op.Sequence, tx.AddNetflixOperation(op)
}

// MaxCustomerCharges bounds CustomerCharges.
const MaxCustomerCharges = 200

// CustomerCharges lists a customer's charges, every subscription's,
// newest first, at most limit (MaxCustomerCharges when 0 or more): what
// the operator console shows beside the subscriptions.
// Codes: INVALID_PARAMETER.
func (s *NetflixService) CustomerCharges(ctx context.Context, orgID, customerID string, limit int) ([]crmapi.NetflixCharge, error) {
	if err := checkCustomerID("billing_system_customer_identifier", customerID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxCustomerCharges {
		limit = MaxCustomerCharges
	}
	var out []crmapi.NetflixCharge
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		out, err = tx.NetflixChargesOfCustomer(orgID, customerID, limit)
		return err
	})
	return out, err
}

// CheckCharges checks the organisation's charges against the reference
// numbers recorded for their acknowledgements and decisions (reliability
// promise M3: every acknowledgement made with a reference_number is
// recorded with it, and every reference_number recorded was applied), in
// a read-only transaction. An empty list means they all agree.
func (s *NetflixService) CheckCharges(ctx context.Context, orgID string) ([]crmapi.NetflixChargeProblem, error) {
	var out []crmapi.NetflixChargeProblem
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		out, err = tx.NetflixChargeProblems(orgID)
		return err
	})
	return out, err
}
