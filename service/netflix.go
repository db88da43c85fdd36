package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/partner"
	"github.com/riverqueue/river"
)

// Partner is the partner protocol as the Netflix service uses it;
// *partner.Client implements it.
type Partner interface {
	CreateSignup(ctx context.Context, operator, opID string, req partner.SignupRequest) (partner.Signup, error)
	GetAccount(ctx context.Context, operator, pai string) (partner.Account, error)
	Suspend(ctx context.Context, operator, pai, opID string, seq int64) (partner.Account, error)
	Reactivate(ctx context.Context, operator, pai, opID string, seq int64) (partner.Account, error)
	Terminate(ctx context.Context, operator, pai, opID string, seq int64) (partner.Account, error)
	ListPromotions(ctx context.Context, operator, offer, country string) ([]partner.Promotion, error)
	Charges(ctx context.Context, operator, cursor string, limit int) (partner.ChargesPage, error)
	AcceptCharge(ctx context.Context, operator, chargeID, opID string) (partner.Charge, error)
	DeclineCharge(ctx context.Context, operator, chargeID, opID string) (partner.Charge, error)
}

// NetflixConfig tunes the Netflix service. Zero values take the defaults
// given; tests shorten the intervals.
type NetflixConfig struct {
	// Offer and Country are what the operators resell (default STANDARD in CY).
	Offer   string
	Country string
	// DefaultValidity is a sign-up token's validity when create names none (24 h).
	DefaultValidity time.Duration
	// CallTimeout bounds the partner calls a request waits for (2 s).
	CallTimeout time.Duration
	// MaxAttempts is how often an operation is tried before it needs
	// attention (12); RetryBase and RetryMax shape the backoff between
	// tries (1 s doubling up to 5 min).
	MaxAttempts         int
	RetryBase, RetryMax time.Duration
	// ReconcileInterval is how often partner accounts are polled (1 min),
	// ReconcileBatch how many per run (200).
	ReconcileInterval time.Duration
	ReconcileBatch    int
	// ReconcileConcurrency bounds the partner reads a run makes at once (8).
	ReconcileConcurrency int
	// ChargesInterval is how often the charges feed is read (1 min).
	ChargesInterval time.Duration
	// SweepInterval is how often the outbox is swept for operations whose
	// job was lost (30 s).
	SweepInterval time.Duration
	// CatalogTTL is how long the promotion catalog is served before it is
	// refreshed in the background (1 h).
	CatalogTTL time.Duration
	// Rates converts charge amounts into the local currency.
	Rates Rates
}

func (c *NetflixConfig) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Offer == "" {
		c.Offer = "STANDARD"
	}
	if c.Country == "" {
		c.Country = "CY"
	}
	def(&c.DefaultValidity, 24*time.Hour)
	def(&c.CallTimeout, 2*time.Second)
	def(&c.RetryBase, time.Second)
	def(&c.RetryMax, 5*time.Minute)
	def(&c.ReconcileInterval, time.Minute)
	def(&c.ChargesInterval, time.Minute)
	def(&c.SweepInterval, 30*time.Second)
	def(&c.CatalogTTL, time.Hour)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 12
	}
	if c.ReconcileBatch <= 0 {
		c.ReconcileBatch = 200
	}
	if c.ReconcileConcurrency <= 0 {
		c.ReconcileConcurrency = 8
	}
}

// NetflixService runs the Netflix bundle: subscriptions, their partner
// operations, reconciliation with the partner, promotions and charges.
//
// Partner calls never run inside a transaction. A change is stored with
// its partner operation (the outbox) in one transaction; the operation is
// applied afterwards by a job, in sequence order per subscription, with
// retries; what the partner confirms is recorded in a new transaction.
type NetflixService struct {
	store   crmapi.Store
	clock   crmapi.Clock
	partner Partner
	cfg     NetflixConfig
	log     *slog.Logger
	queue   atomic.Pointer[JobInserter]
	// events, when set, receives the subscription and charge events.
	events *EventService
}

func newNetflixService(cfg Config) *NetflixService {
	nc := cfg.Netflix
	nc.defaults()
	p := cfg.Partner
	if p == nil {
		p = noPartner{}
	}
	return &NetflixService{store: cfg.Store, clock: cfg.Clock, partner: p, cfg: nc, log: cfg.Logger}
}

// UseQueue gives the service the job queue it inserts background work
// into; without one, work waits for the periodic sweep of a process that
// has one.
func (s *NetflixService) UseQueue(q JobInserter) { s.queue.Store(&q) }

// Config returns the service's configuration, defaults applied.
func (s *NetflixService) Config() NetflixConfig { return s.cfg }

// noPartner answers every call as an unreachable partner.
type noPartner struct{}

var errNoPartner = &partner.Error{Code: partner.CodeUnavailable, Message: "no partner configured", Retryable: true}

func (noPartner) CreateSignup(context.Context, string, string, partner.SignupRequest) (partner.Signup, error) {
	return partner.Signup{}, errNoPartner
}
func (noPartner) GetAccount(context.Context, string, string) (partner.Account, error) {
	return partner.Account{}, errNoPartner
}
func (noPartner) Suspend(context.Context, string, string, string, int64) (partner.Account, error) {
	return partner.Account{}, errNoPartner
}
func (noPartner) Reactivate(context.Context, string, string, string, int64) (partner.Account, error) {
	return partner.Account{}, errNoPartner
}
func (noPartner) Terminate(context.Context, string, string, string, int64) (partner.Account, error) {
	return partner.Account{}, errNoPartner
}
func (noPartner) ListPromotions(context.Context, string, string, string) ([]partner.Promotion, error) {
	return nil, errNoPartner
}
func (noPartner) Charges(context.Context, string, string, int) (partner.ChargesPage, error) {
	return partner.ChargesPage{}, errNoPartner
}
func (noPartner) AcceptCharge(context.Context, string, string, string) (partner.Charge, error) {
	return partner.Charge{}, errNoPartner
}
func (noPartner) DeclineCharge(context.Context, string, string, string) (partner.Charge, error) {
	return partner.Charge{}, errNoPartner
}

// partnerUnavailable is the error callers see when the partner did not answer in time.
func partnerUnavailable(detail string) error {
	return &crmapi.Error{Code: crmapi.PartnerUnavailable, Message: "The partner is unavailable", Detail: detail}
}

// Promotions lists the promotions the organisation's customers may sign
// up with, from the catalog crmapi keeps; a catalog never read is read
// from the partner first, a stale one is refreshed in the background.
// Codes: PARTNER_UNAVAILABLE.
func (s *NetflixService) Promotions(ctx context.Context, orgID string) ([]crmapi.NetflixPromotion, error) {
	promos, err := s.catalog(ctx, orgID)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := []crmapi.NetflixPromotion{}
	for _, p := range promos {
		if p.ExpiresOn == nil || now.Before(*p.ExpiresOn) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (s *NetflixService) catalog(ctx context.Context, orgID string) ([]crmapi.NetflixPromotion, error) {
	var promos []crmapi.NetflixPromotion
	var synced *time.Time
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		promos, synced, err = tx.NetflixPromotions(orgID)
		return err
	})
	if err != nil {
		return nil, err
	}
	switch {
	case synced == nil:
		return s.SyncPromotions(ctx, orgID)
	case s.clock.Now().Sub(*synced) > s.cfg.CatalogTTL:
		s.enqueue(ctx, NetflixCatalogArgs{OrganisationID: orgID})
	}
	return promos, nil
}

// SyncPromotions reads the organisation's promotions from the partner and
// stores them. Codes: PARTNER_UNAVAILABLE.
func (s *NetflixService) SyncPromotions(ctx context.Context, orgID string) ([]crmapi.NetflixPromotion, error) {
	cctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	list, err := s.partner.ListPromotions(cctx, orgID, s.cfg.Offer, s.cfg.Country)
	cancel()
	if err != nil {
		s.log.WarnContext(ctx, "netflix: promotions not read from the partner", "org", orgID, "err", err.Error())
		return nil, partnerUnavailable("the partner's promotions could not be read; try again later")
	}
	promos := make([]crmapi.NetflixPromotion, 0, len(list))
	for _, p := range list {
		promos = append(promos, crmapi.NetflixPromotion{Code: p.Code, Name: p.Name, Description: p.Description,
			EffectiveFrom: p.EffectiveFrom.UTC(), ExpiresOn: utcPtr(p.ExpiresOn)})
	}
	err = s.store.Update(context.WithoutCancel(ctx), func(tx crmapi.Tx) error {
		return tx.ReplaceNetflixPromotions(orgID, promos, s.clock.Now())
	})
	return promos, err
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// NetflixShown is one subscription as subscriptions/show returns it.
type NetflixShown struct {
	Subscription crmapi.NetflixSubscription
	// Promotions are those redeemed in the last 10 months.
	Promotions []crmapi.NetflixRedemption
	Prices     []crmapi.NetflixPrice
}

// Show returns a customer's subscriptions, oldest first, found by the
// operator's customer id or (customerID empty) by the partner's PAI.
// Codes: NOT_FOUND.
func (s *NetflixService) Show(ctx context.Context, orgID, customerID, pai string) ([]NetflixShown, error) {
	since := s.clock.Now().AddDate(0, -10, 0)
	var out []NetflixShown
	// One statement reads the subscriptions with their extras, so it needs
	// no transaction around it.
	err := s.store.Read(ctx, func(tx crmapi.Tx) error {
		subs, err := tx.NetflixSubscriptionsShown(orgID, customerID, pai)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			recent := []crmapi.NetflixRedemption{}
			for _, p := range sub.Promotions {
				if !p.RedeemedAt.Before(since) {
					recent = append(recent, p)
				}
			}
			out = append(out, NetflixShown{Subscription: sub.Subscription, Promotions: recent, Prices: sub.Prices})
		}
		return nil
	})
	if err == nil && len(out) == 0 {
		return nil, crmapi.NotFoundf("Subscription", "no Netflix subscription for this customer")
	}
	return out, err
}

// NetflixCreate is a subscriptions/create request.
type NetflixCreate struct {
	CustomerID    string
	PromotionCode string
	Channel       string
	// ValiditySeconds is the token's validity; nil takes the default.
	ValiditySeconds *int
	Customer        crmapi.NetflixCustomer
}

// NetflixSignup is what create answers: the subscription and the token
// the customer redeems on the partner's sign-up page.
type NetflixSignup struct {
	Number    string
	Token     string
	ExpiresAt time.Time
	URL       string
}

// checkCustomerID refuses identifiers that could not have come from a
// billing system.
func checkCustomerID(param, id string) error {
	if strings.TrimSpace(id) == "" {
		return crmapi.Missing(param)
	}
	if len(id) > 100 {
		return crmapi.Invalid(param, "at most 100 characters")
	}
	for _, r := range id {
		if !unicode.IsPrint(r) {
			return crmapi.Invalid(param, "printable characters only")
		}
	}
	return nil
}

// Create creates a customer's subscription and obtains its sign-up token
// from the partner, waiting at most the call timeout. When the partner
// does not answer in time the subscription stays pending: a retried
// create for the same customer reuses its operation id, so the partner
// never makes a second account, and hands out the token once the partner
// has answered.
// Codes: MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER,
// ONLY_ONE_SEMI_OPTIONAL_ALLOWED, INVALID_LIFE_CYCLE_STATE, PARTNER_UNAVAILABLE.
func (s *NetflixService) Create(ctx context.Context, orgID string, req NetflixCreate) (NetflixSignup, error) {
	validity, err := s.checkCreate(req)
	if err != nil {
		return NetflixSignup{}, err
	}
	if req.PromotionCode != "" {
		if err := s.checkPromotion(ctx, orgID, req.PromotionCode); err != nil {
			return NetflixSignup{}, err
		}
	}
	// A pending sign-up is not the effect an Idempotency-Key stands for:
	// only handing out the token is, so that a create answered
	// PARTNER_UNAVAILABLE may be retried with the same key.
	pendingCtx := withoutIdempotencyKey(ctx)
	var sub crmapi.NetflixSubscription
	var op crmapi.NetflixOperation
	var delivered bool
	for attempt := 0; ; attempt++ {
		sub, op, delivered, err = s.storeSignup(pendingCtx, orgID, req, validity)
		// CONFLICT: another create for the customer committed first; the
		// second round sees it.
		if crmapi.ErrorCode(err) != crmapi.Conflict || attempt > 0 {
			break
		}
	}
	if err != nil {
		return NetflixSignup{}, err
	}
	if delivered {
		return signupOf(sub), s.markDelivered(ctx, sub)
	}
	cctx, cancel := context.WithTimeout(pendingCtx, s.cfg.CallTimeout)
	err = s.applyOperation(cctx, op, true)
	cancel()
	bg := context.WithoutCancel(ctx)
	var final crmapi.NetflixSubscription
	var opNow crmapi.NetflixOperation
	rerr := s.store.View(bg, func(tx crmapi.Tx) error {
		var err error
		if final, err = tx.NetflixSubscriptionByID(orgID, sub.ID); err != nil {
			return err
		}
		if opNow, err = tx.NextNetflixOperation(orgID, sub.ID); errors.Is(err, crmapi.ErrNotFound) {
			err = nil
		}
		return err
	})
	if rerr != nil {
		return NetflixSignup{}, rerr
	}
	switch {
	case final.PAI != "":
		return signupOf(final), s.markDelivered(bg, final)
	case final.LifeCycleState == crmapi.NetflixCancelled:
		return NetflixSignup{}, signupRefused(final, err)
	}
	if opNow.ID == op.ID && opNow.Status == crmapi.OpPending {
		s.enqueue(bg, NetflixApplyArgs{OrganisationID: orgID, SubscriptionID: sub.ID, Sequence: op.Sequence})
	}
	s.log.WarnContext(ctx, "netflix: sign-up not confirmed in time", "org", orgID, "subscription", sub.Number, "err", errString(err))
	return NetflixSignup{}, partnerUnavailable(fmt.Sprintf("the partner did not confirm the sign-up in time; subscription %s "+
		"is kept pending: retry the create for customer %s to get its token", sub.Number, sub.CustomerID))
}

// markDelivered records that the subscription's token was handed out; it
// is the write that carries the request's Idempotency-Key, if any.
func (s *NetflixService) markDelivered(ctx context.Context, sub crmapi.NetflixSubscription) error {
	return s.store.Update(ctx, func(tx crmapi.Tx) error {
		cur, err := tx.NetflixSubscriptionByID(sub.OrganisationID, sub.ID)
		if err != nil {
			return err
		}
		cur.SignupDelivered, cur.UpdatedAt = true, s.clock.Now()
		return tx.UpdateNetflixSubscription(cur)
	})
}

// withoutIdempotencyKey hides a request's Idempotency-Key from the writes
// made with the returned context.
func withoutIdempotencyKey(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotencyCtxKey{}, (*inFlightKey)(nil))
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func signupOf(sub crmapi.NetflixSubscription) NetflixSignup {
	out := NetflixSignup{Number: sub.Number, Token: sub.SignupToken, URL: sub.SignupURL}
	if sub.SignupTokenExpiresAt != nil {
		out.ExpiresAt = *sub.SignupTokenExpiresAt
	}
	return out
}

// signupRefused turns the partner's refusal of a sign-up into the caller's error.
func signupRefused(sub crmapi.NetflixSubscription, err error) error {
	if partner.ErrorCode(err) == partner.CodePromotionUnavailable {
		return crmapi.Invalid("promotion_code", "the partner does not offer promotion "+sub.PromotionCode)
	}
	return &crmapi.Error{Code: crmapi.PartnerUnavailable, Message: "The partner refused the sign-up",
		Detail: fmt.Sprintf("subscription %s was cancelled: %s", sub.Number, sub.AttentionReason)}
}

func (s *NetflixService) checkCreate(req NetflixCreate) (int, error) {
	if err := checkCustomerID("billing_system_customer_identifier", req.CustomerID); err != nil {
		return 0, err
	}
	if req.Channel != "" && !slices.Contains(partner.Channels, req.Channel) {
		return 0, crmapi.Invalid("channel", "one of "+strings.Join(partner.Channels, ", "))
	}
	validity := int(s.cfg.DefaultValidity / time.Second)
	if req.ValiditySeconds != nil {
		validity = *req.ValiditySeconds
		if validity < 1 || validity > partner.MaxValiditySeconds {
			return 0, crmapi.Invalid("validity_duration", "seconds within 1..86400")
		}
	}
	if err := checkText("promotion_code", req.PromotionCode, 64); err != nil {
		return 0, err
	}
	return validity, req.Customer.Validate()
}

func checkText(param, s string, max int) error {
	if len(s) > max {
		return crmapi.Invalid(param, fmt.Sprintf("at most %d characters", max))
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return crmapi.Invalid(param, "printable characters only")
		}
	}
	return nil
}

func (s *NetflixService) checkPromotion(ctx context.Context, orgID, code string) error {
	promos, err := s.catalog(ctx, orgID)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	for _, p := range promos {
		if p.Code == code {
			if !p.AvailableAt(now) {
				return crmapi.Invalid("promotion_code", "promotion "+code+" is not available now")
			}
			return nil
		}
	}
	return crmapi.Invalid("promotion_code", "no promotion "+code+"; see netflix/promotions/list")
}

// storeSignup stores a new subscription with its SIGNUP operation, or
// finds the customer's pending one to retry. delivered says the
// subscription's token can be handed out at once.
func (s *NetflixService) storeSignup(ctx context.Context, orgID string, req NetflixCreate, validity int) (
	sub crmapi.NetflixSubscription, op crmapi.NetflixOperation, delivered bool, err error) {
	now := s.clock.Now()
	err = s.store.Update(ctx, func(tx crmapi.Tx) error {
		live, err := tx.LiveNetflixSubscription(orgID, req.CustomerID)
		switch {
		case err == nil:
			sub = live
			same := live.PromotionCode == req.PromotionCode && live.Channel == req.Channel && live.ValiditySeconds == validity
			if live.PAI != "" {
				// The partner answered after the caller gave up: the
				// token goes to the retried create, once, while valid.
				if !live.SignupDelivered && same && live.SignupTokenExpiresAt != nil && now.Before(*live.SignupTokenExpiresAt) {
					delivered = true
					return nil
				}
				return crmapi.Errorf(crmapi.InvalidLifeCycleState, "The customer already has a Netflix subscription",
					"subscription %s of customer %s is %s; cancel it first", live.Number, live.CustomerID, live.LifeCycleState)
			}
			if !same {
				return crmapi.Errorf(crmapi.InvalidLifeCycleState, "The customer's Netflix sign-up is still pending",
					"subscription %s is waiting for the partner with other sign-up parameters; retry with the same ones or cancel it",
					live.Number)
			}
			op, err = tx.NextNetflixOperation(orgID, live.ID)
			if errors.Is(err, crmapi.ErrNotFound) {
				// The sign-up was confirmed since the subscription was
				// read: the caller's second round sees it.
				return &crmapi.Error{Code: crmapi.Conflict, Message: "Subscription changed", Detail: live.Number}
			}
			if err != nil {
				return err
			}
			if op.Kind != crmapi.OpSignup {
				return crmapi.Errorf(crmapi.InvalidLifeCycleState, "The customer's Netflix sign-up is pending",
					"subscription %s is waiting for the partner", live.Number)
			}
			if op.Status == crmapi.OpFailed {
				// An explicit retry by the operator: try again.
				op.Status, op.Attempts, op.UpdatedAt = crmapi.OpPending, 0, now
				sub.Attention, sub.AttentionReason, sub.UpdatedAt = false, "", now
				if err := tx.UpdateNetflixSubscription(sub); err != nil {
					return err
				}
				return tx.UpdateNetflixOperation(op)
			}
			return nil
		case !errors.Is(err, crmapi.ErrNotFound):
			return err
		}
		n, err := tx.NextNumber(orgID, "NS")
		if err != nil {
			return err
		}
		sub = crmapi.NetflixSubscription{ID: crmapi.NewID(), OrganisationID: orgID, Number: crmapi.FormatNumber("NS", n),
			CustomerID: req.CustomerID, LifeCycleState: crmapi.NetflixNotEffective, PromotionCode: req.PromotionCode,
			Channel: req.Channel, ValiditySeconds: validity, Customer: req.Customer, LastSequence: 1,
			CreatedAt: now, UpdatedAt: now}
		op = crmapi.NetflixOperation{ID: crmapi.NewID(), OrganisationID: orgID, SubscriptionID: sub.ID, Sequence: 1,
			Kind: crmapi.OpSignup, OperationID: crmapi.NewID(), Status: crmapi.OpPending, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateNetflixSubscription(sub); err != nil {
			return err
		}
		return tx.AddNetflixOperation(op)
	})
	return sub, op, delivered, err
}

// A state change requested by the operator.
type netflixChange struct {
	kind crmapi.NetflixOperationKind
	name string
}

var (
	changeSuspend   = netflixChange{crmapi.OpSuspend, "suspend"}
	changeUnsuspend = netflixChange{crmapi.OpReactivate, "unsuspend"}
	changeCancel    = netflixChange{crmapi.OpTerminate, "cancel"}
)

// Suspend takes an EFFECTIVE subscription out of service (NOT_EFFECTIVE)
// at once and queues the partner's suspension.
// Codes: MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER, NOT_FOUND, INVALID_LIFE_CYCLE_STATE.
func (s *NetflixService) Suspend(ctx context.Context, orgID, customerID string) error {
	return s.change(ctx, orgID, customerID, changeSuspend)
}

// Unsuspend puts a suspended subscription back in service (EFFECTIVE) at
// once and queues the partner's reactivation.
// Codes: MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER, NOT_FOUND, INVALID_LIFE_CYCLE_STATE.
func (s *NetflixService) Unsuspend(ctx context.Context, orgID, customerID string) error {
	return s.change(ctx, orgID, customerID, changeUnsuspend)
}

// Cancel ends a subscription (CANCELLED, final) at once and queues the
// partner's termination.
// Codes: MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER, NOT_FOUND, INVALID_LIFE_CYCLE_STATE.
func (s *NetflixService) Cancel(ctx context.Context, orgID, customerID string) error {
	return s.change(ctx, orgID, customerID, changeCancel)
}

func (s *NetflixService) change(ctx context.Context, orgID, customerID string, c netflixChange) error {
	if err := checkCustomerID("billing_system_customer_identifier", customerID); err != nil {
		return err
	}
	now := s.clock.Now()
	var sub crmapi.NetflixSubscription
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		var err error
		sub, err = tx.LiveNetflixSubscription(orgID, customerID)
		if errors.Is(err, crmapi.ErrNotFound) {
			all, lerr := tx.NetflixSubscriptionsOf(orgID, customerID, "")
			if lerr != nil {
				return lerr
			}
			if len(all) > 0 {
				last := all[len(all)-1]
				return crmapi.Errorf(crmapi.InvalidLifeCycleState, "Invalid life cycle state",
					"cannot %s subscription %s: it is CANCELLED", c.name, last.Number)
			}
			return crmapi.NotFoundf("Subscription", "no Netflix subscription for customer %s", customerID)
		}
		if err != nil {
			return err
		}
		next, err := nextLifeCycle(sub, c)
		if err != nil {
			return err
		}
		sub.LifeCycleState, sub.UpdatedAt = next, now
		if next == crmapi.NetflixCancelled {
			sub.CancelledAt = &now
		}
		sub.LastSequence++
		op := crmapi.NetflixOperation{ID: crmapi.NewID(), OrganisationID: orgID, SubscriptionID: sub.ID,
			Sequence: sub.LastSequence, Kind: c.kind, OperationID: crmapi.NewID(), Status: crmapi.OpPending,
			CreatedAt: now, UpdatedAt: now}
		if err := tx.UpdateNetflixSubscription(sub); err != nil {
			return err
		}
		return tx.AddNetflixOperation(op)
	})
	if err != nil {
		return err
	}
	s.enqueue(context.WithoutCancel(ctx), NetflixApplyArgs{OrganisationID: orgID, SubscriptionID: sub.ID, Sequence: sub.LastSequence})
	return nil
}

// nextLifeCycle is the life-cycle rule of suspend, unsuspend and cancel.
func nextLifeCycle(sub crmapi.NetflixSubscription, c netflixChange) (crmapi.NetflixLifeCycle, error) {
	bad := func(why string) error {
		return crmapi.Errorf(crmapi.InvalidLifeCycleState, "Invalid life cycle state",
			"cannot %s subscription %s: %s", c.name, sub.Number, why)
	}
	switch c.kind {
	case crmapi.OpSuspend:
		if sub.LifeCycleState != crmapi.NetflixEffective {
			if sub.ActivatedAt == nil {
				return "", bad("the customer has not signed up yet")
			}
			return "", bad("it is " + string(sub.LifeCycleState))
		}
		return crmapi.NetflixNotEffective, nil
	case crmapi.OpReactivate:
		if sub.LifeCycleState != crmapi.NetflixNotEffective {
			return "", bad("it is " + string(sub.LifeCycleState))
		}
		if sub.ActivatedAt == nil {
			return "", bad("the customer has not signed up yet")
		}
		return crmapi.NetflixEffective, nil
	}
	return crmapi.NetflixCancelled, nil
}

// enqueue inserts a job after a commit. A lost insert is not an error:
// the sweep finds the work again from the outbox.
func (s *NetflixService) enqueue(ctx context.Context, args river.JobArgs) {
	q := s.queue.Load()
	if q == nil {
		return
	}
	if err := (*q).Insert(ctx, args, insertOpts(args)); err != nil {
		s.log.WarnContext(ctx, "netflix: job not inserted; the sweep will find the work", "kind", args.Kind(), "err", err.Error())
	}
}
