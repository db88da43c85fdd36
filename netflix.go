package crmapi

import "time"

// NetflixLifeCycle is the CRM.COM side state of a Netflix subscription.
type NetflixLifeCycle string

// The life-cycle states. A subscription starts NOT_EFFECTIVE (waiting for
// the customer to sign up), becomes EFFECTIVE when the sign-up is
// redeemed, moves between EFFECTIVE and NOT_EFFECTIVE by suspend and
// unsuspend, and ends CANCELLED.
const (
	NetflixEffective    NetflixLifeCycle = "EFFECTIVE"
	NetflixNotEffective NetflixLifeCycle = "NOT_EFFECTIVE"
	NetflixCancelled    NetflixLifeCycle = "CANCELLED"
)

// PartnerState is the state of a subscription's account at the partner as
// crmapi last learnt it; empty until the partner has created the account.
type PartnerState string

// The partner account states crmapi mirrors.
const (
	PartnerUnknown       PartnerState = ""
	PartnerPendingSignup PartnerState = "PENDING_SIGNUP"
	PartnerEffective     PartnerState = "EFFECTIVE"
	PartnerSuspended     PartnerState = "SUSPENDED"
	PartnerTerminated    PartnerState = "TERMINATED"
)

// rank orders partner states by how far an account has come, so that a
// stale read never moves a subscription back (a terminated account is
// never revived, a redeemed one never becomes pending again).
func (p PartnerState) rank() int {
	switch p {
	case PartnerPendingSignup:
		return 1
	case PartnerEffective, PartnerSuspended:
		return 2
	case PartnerTerminated:
		return 3
	}
	return 0
}

// Behind reports whether p is an earlier stage than q.
func (p PartnerState) Behind(q PartnerState) bool { return p.rank() < q.rank() }

// NetflixSubscription is one customer's Netflix subscription at one
// operator. At most one subscription per customer is not CANCELLED.
type NetflixSubscription struct {
	ID             string
	OrganisationID string
	// Number is the CRM.COM subscription number (NS0000000001).
	Number string
	// CustomerID is the billing_system_customer_identifier.
	CustomerID string
	// PAI is the partner's account id (netflix_customer_identifier);
	// empty until the partner has confirmed the sign-up.
	PAI            string
	LifeCycleState NetflixLifeCycle
	PartnerState   PartnerState
	// The sign-up request, kept so that a retried create sends exactly
	// the same request under the same operation id.
	PromotionCode   string
	Channel         string
	ValiditySeconds int
	Customer        NetflixCustomer
	// The sign-up the partner answered with.
	SignupToken          string
	SignupTokenExpiresAt *time.Time
	SignupURL            string
	// SignupDelivered tells whether the token has been handed to the
	// operator; a create retried after the partner answered late hands
	// it out then.
	SignupDelivered bool
	// LastSequence is the last operation sequence given out;
	// ConfirmedSequence the highest one the partner confirmed.
	LastSequence      int64
	ConfirmedSequence int64
	// Attention is set when partner work ran out of retries or was
	// refused; AttentionReason says why.
	Attention       bool
	AttentionReason string
	ActivatedAt     *time.Time
	CancelledAt     *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// PolledAt is when reconciliation last read the partner account.
	PolledAt *time.Time
}

// NetflixState is the netflix_sate of the wire: EFFECTIVE when the partner
// confirmed the account in service, NOT_EFFECTIVE otherwise.
func (s NetflixSubscription) NetflixState() string {
	if s.PartnerState == PartnerEffective {
		return "EFFECTIVE"
	}
	return "NOT_EFFECTIVE"
}

// NetflixCustomer is what the operator told about its customer at create.
// It stays with crmapi: the partner never receives it.
type NetflixCustomer struct {
	FirstName string   `json:"first_name,omitempty"`
	LastName  string   `json:"last_name,omitempty"`
	Address   *Address `json:"address,omitempty"`
	Email     *Email   `json:"email,omitempty"`
	Phone     *Phone   `json:"phone,omitempty"`
}

// NetflixPromotion is a promotion the operator's customers may sign up with.
type NetflixPromotion struct {
	Code          string
	Name          string
	Description   string
	EffectiveFrom time.Time
	ExpiresOn     *time.Time
}

// AvailableAt reports whether p may be used at t.
func (p NetflixPromotion) AvailableAt(t time.Time) bool {
	return !t.Before(p.EffectiveFrom) && (p.ExpiresOn == nil || t.Before(*p.ExpiresOn))
}

// NetflixRedemption is a promotion redeemed by a subscription's account.
type NetflixRedemption struct {
	NetflixPromotion
	RedeemedAt time.Time
}

// NetflixShownSubscription is a subscription with its redeemed promotions
// and prices, as one statement read them.
type NetflixShownSubscription struct {
	Subscription NetflixSubscription
	Promotions   []NetflixRedemption
	Prices       []NetflixPrice
}

// NetflixPrice is a price applied to a subscription.
type NetflixPrice struct {
	FormattedPrice string
	Amount         Amount
	Currency       string
	Plan           string
	EffectiveDate  time.Time
}

// NetflixOperationKind is what a queued partner operation does.
type NetflixOperationKind string

// The operation kinds.
const (
	OpSignup        NetflixOperationKind = "SIGNUP"
	OpSuspend       NetflixOperationKind = "SUSPEND"
	OpReactivate    NetflixOperationKind = "REACTIVATE"
	OpTerminate     NetflixOperationKind = "TERMINATE"
	OpAcceptCharge  NetflixOperationKind = "ACCEPT_CHARGE"
	OpDeclineCharge NetflixOperationKind = "DECLINE_CHARGE"
)

// NetflixOperationStatus is where a queued partner operation stands.
type NetflixOperationStatus string

// The operation statuses. PENDING operations are applied in sequence
// order; FAILED stops the subscription's queue until someone retries it.
const (
	OpPending NetflixOperationStatus = "PENDING"
	OpDone    NetflixOperationStatus = "DONE"
	OpFailed  NetflixOperationStatus = "FAILED"
	OpSkipped NetflixOperationStatus = "SKIPPED"
)

// NetflixOperation is one entry of the partner outbox: written in the
// same transaction as the change it carries to the partner.
type NetflixOperation struct {
	ID             string
	OrganisationID string
	SubscriptionID string
	// Sequence orders the subscription's operations; account operations
	// send it as the partner's operation sequence.
	Sequence int64
	Kind     NetflixOperationKind
	// OperationID is the idempotency key every attempt carries.
	OperationID string
	// ChargeID is the charge of ACCEPT_CHARGE and DECLINE_CHARGE.
	ChargeID  string
	Status    NetflixOperationStatus
	Attempts  int
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NetflixChargeStatus is a charge's status.
type NetflixChargeStatus string

// The charge statuses; all but PENDING are processed (final).
const (
	ChargePending    NetflixChargeStatus = "PENDING"
	ChargeApproved   NetflixChargeStatus = "APPROVED"
	ChargeDeclined   NetflixChargeStatus = "DECLINED"
	ChargeBadRequest NetflixChargeStatus = "BAD_REQUEST"
	ChargeRejected   NetflixChargeStatus = "REJECTED"
)

// Valid reports whether s is a charge status.
func (s NetflixChargeStatus) Valid() bool {
	switch s {
	case ChargePending, ChargeApproved, ChargeDeclined, ChargeBadRequest, ChargeRejected:
		return true
	}
	return false
}

// Processed reports whether s is final.
func (s NetflixChargeStatus) Processed() bool { return s != ChargePending }

// Failed reports whether s cancels the subscription.
func (s NetflixChargeStatus) Failed() bool {
	return s == ChargeDeclined || s == ChargeBadRequest || s == ChargeRejected
}

// NetflixCharge is one charge the partner billed for a subscriber.
//
// Acknowledgement is of what the operator was shown: a charge acknowledged
// while PENDING is listed once more, among the processed ones, after the
// partner has processed it; so it has two acknowledgement slots.
type NetflixCharge struct {
	ID             string
	OrganisationID string
	// Number is the CRM.COM charge number (NC0000000001); Ordinal is its
	// numeric part, the order charges are listed in.
	Number  string
	Ordinal int64
	// PartnerChargeID is the partner's id; a charge is stored once per id.
	PartnerChargeID string
	// FeedSequence is the feed entry the stored version came from.
	FeedSequence    int64
	SubscriptionID  string
	CustomerID      string
	PAI             string
	Amount          Amount
	Currency        string
	LocalAmount     Amount
	LocalCurrency   string
	PeriodStart     time.Time
	PaidThroughDate time.Time
	Status          NetflixChargeStatus
	ReceivedOn      time.Time
	ProcessedOn     *time.Time
	// Decision is the operator's accept or decline (ACCEPTED, DECLINED).
	Decision          string
	DecisionReference string
	DecisionAt        *time.Time
	PendingAckAt      *time.Time
	PendingAckRef     string
	ProcessedAckAt    *time.Time
	ProcessedAckRef   string
	CreatedAt         time.Time
}

// Acknowledged reports whether the charge's current appearance (pending or
// processed) has been acknowledged, and with which reference.
func (c NetflixCharge) Acknowledged() (bool, string) {
	if c.Status.Processed() {
		return c.ProcessedAckAt != nil, c.ProcessedAckRef
	}
	return c.PendingAckAt != nil, c.PendingAckRef
}

// NetflixChargeFilter selects charges for charges/list: not acknowledged,
// in one status group, after a cursor position, oldest first.
type NetflixChargeFilter struct {
	Processed    bool
	AfterOrdinal int64
	Offset       int
	Limit        int
}

// NetflixReference is an operator reference_number, unique per
// organisation across acknowledge, accept and decline.
type NetflixReference struct {
	OrganisationID string
	Reference      string
	ChargeID       string
	// Use is ACKNOWLEDGE for an acknowledgement (of either appearance of
	// the charge), or the decision it was given with: ACCEPTED, DECLINED.
	Use       string
	CreatedAt time.Time
}

// NetflixChargeProblem is one disagreement between a charge and the
// reference numbers recorded for its acknowledgements and decision, as
// the operator's consistency check finds it.
type NetflixChargeProblem struct {
	// ChargeNumber is the charge's number (NC0000000001); empty when a
	// reference number names a charge the organisation does not have.
	ChargeNumber string
	// Problem says what is wrong in a sentence that names the reference
	// number concerned.
	Problem string
}

// NetflixChargeAck is one acknowledgement of a batch: the charge, which of
// its appearances (processed or pending) and the reference (may be empty).
type NetflixChargeAck struct {
	ChargeID  string
	Processed bool
	Reference string
}

// NetflixWork names a subscription with partner work outstanding and the
// sequence of its first pending operation.
type NetflixWork struct {
	OrganisationID string
	SubscriptionID string
	Sequence       int64
}

// NetflixStore is what a transaction offers for Netflix subscriptions,
// their partner outbox, promotions and charges. Lookups return NOT_FOUND
// when nothing matches; creates return CONFLICT on a taken unique key
// (a second live subscription of one customer, a reused charge id or
// reference). Methods without an organisation serve the background jobs,
// which work for every organisation.
//
// In a write transaction the single-row reads of a subscription or a
// charge lock the row until the transaction ends (PostgreSQL runs at read
// committed), so a read-modify-write is never undone by a concurrent one;
// transactions that take several take charges, then subscriptions, then
// operations. SQLite's writers run one at a time anyway.
type NetflixStore interface {
	CreateNetflixSubscription(s NetflixSubscription) error
	// UpdateNetflixSubscription stores every mutable field of s.
	UpdateNetflixSubscription(s NetflixSubscription) error
	NetflixSubscriptionByID(orgID, id string) (NetflixSubscription, error)
	NetflixSubscriptionByNumber(orgID, number string) (NetflixSubscription, error)
	// LiveNetflixSubscription returns the customer's subscription that is not CANCELLED.
	LiveNetflixSubscription(orgID, customerID string) (NetflixSubscription, error)
	// NetflixSubscriptionsOf lists a customer's subscriptions, by
	// customer id or (when customerID is empty) by PAI, oldest first.
	NetflixSubscriptionsOf(orgID, customerID, pai string) ([]NetflixSubscription, error)
	NetflixSubscriptionByPAI(orgID, pai string) (NetflixSubscription, error)
	// NetflixSubscriptionsToPoll returns up to limit subscriptions whose
	// partner account may still change, least recently polled first,
	// leaving out sign-ups whose token expired before expiredBefore.
	NetflixSubscriptionsToPoll(expiredBefore time.Time, limit int) ([]NetflixSubscription, error)
	// MarkNetflixPolled sets PolledAt of the subscriptions.
	MarkNetflixPolled(ids []string, at time.Time) error
	NetflixSubscriptionsNeedingAttention(orgID string) ([]NetflixSubscription, error)
	// CountNetflixNeedingAttention counts them over every organisation.
	CountNetflixNeedingAttention() (int, error)

	// SetNetflixExtras replaces a subscription's redeemed promotions and prices.
	SetNetflixExtras(orgID, subscriptionID string, promos []NetflixRedemption, prices []NetflixPrice) error
	NetflixExtras(orgID, subscriptionID string) ([]NetflixRedemption, []NetflixPrice, error)
	// NetflixSubscriptionsShown reads, in one statement, a customer's
	// subscriptions (by customerID, or by pai when customerID is empty),
	// oldest first, each with its extras: netflix/subscriptions/show.
	NetflixSubscriptionsShown(orgID, customerID, pai string) ([]NetflixShownSubscription, error)

	AddNetflixOperation(op NetflixOperation) error
	// UpdateNetflixOperation stores Status, Attempts, LastError and UpdatedAt.
	UpdateNetflixOperation(op NetflixOperation) error
	// NextNetflixOperation returns the subscription's lowest-sequence
	// operation that is PENDING or FAILED; NOT_FOUND when none.
	NextNetflixOperation(orgID, subscriptionID string) (NetflixOperation, error)
	NetflixOperations(orgID, subscriptionID string) ([]NetflixOperation, error)
	// NetflixPendingWork lists up to limit subscriptions with a PENDING
	// operation created before createdBefore.
	NetflixPendingWork(createdBefore time.Time, limit int) ([]NetflixWork, error)

	// ReplaceNetflixPromotions stores the operator's promotion catalog.
	ReplaceNetflixPromotions(orgID string, promos []NetflixPromotion, syncedAt time.Time) error
	// NetflixPromotions returns the catalog and when it was synced (nil: never).
	NetflixPromotions(orgID string) ([]NetflixPromotion, *time.Time, error)

	// NetflixFeedCursor returns where the organisation's charges feed was
	// read up to ("" for the beginning).
	NetflixFeedCursor(orgID string) (string, error)
	// SetNetflixFeedCursor moves the cursor from old to cursor; CONFLICT
	// when another reader moved it first.
	SetNetflixFeedCursor(orgID, old, cursor string, at time.Time) error

	CreateNetflixCharge(c NetflixCharge) error
	// UpdateNetflixCharge stores the partner's version of c (status,
	// dates, feed sequence, amounts) and the operator's decision.
	UpdateNetflixCharge(c NetflixCharge) error
	NetflixChargeByNumber(orgID, number string) (NetflixCharge, error)
	NetflixChargeByID(orgID, id string) (NetflixCharge, error)
	NetflixChargeByPartnerID(orgID, partnerID string) (NetflixCharge, error)
	ListNetflixCharges(orgID string, f NetflixChargeFilter) ([]NetflixCharge, error)
	// NetflixChargesOfCustomer lists a customer's charges (every
	// subscription's), newest first, at most limit.
	NetflixChargesOfCustomer(orgID, customerID string, limit int) ([]NetflixCharge, error)
	// AcknowledgeNetflixCharge acknowledges the pending or processed
	// appearance of a charge unless it already is; it reports whether it did.
	AcknowledgeNetflixCharge(orgID, chargeID string, processed bool, ref string, at time.Time) (bool, error)
	// ClaimNetflixReference records a reference; CONFLICT when taken.
	ClaimNetflixReference(r NetflixReference) error
	// NetflixChargesByNumbers returns the organisation's charges among
	// numbers (those it has), in byte order of their numbers; in a write
	// transaction their rows are locked in that order.
	NetflixChargesByNumbers(orgID string, numbers []string) ([]NetflixCharge, error)
	// ClaimNetflixReferences records every reference of refs that is free,
	// in one statement, and returns those it recorded; a taken one is left
	// out, not an error.
	ClaimNetflixReferences(refs []NetflixReference) ([]string, error)
	// AcknowledgeNetflixCharges applies each acknowledgement whose charge's
	// appearance (pending or processed, as the acknowledgement says) is
	// not acknowledged yet, and returns the ids of the charges it
	// acknowledged. SQLite does it in one statement per appearance,
	// PostgreSQL in one indexed statement per charge (see there why).
	AcknowledgeNetflixCharges(orgID string, acks []NetflixChargeAck, at time.Time) ([]string, error)
	NetflixReferenceByValue(orgID, ref string) (NetflixReference, error)
	DeleteNetflixReference(orgID, ref string) error
	// NetflixChargeProblems checks the organisation's charges against its
	// reference numbers, in one statement so that the answer is of one
	// moment, and returns what disagrees, in charge number order (an empty
	// list when all agree): an acknowledgement or decision whose
	// reference number is not recorded for it; a recorded reference number
	// that its charge does not carry (claimed, but the acknowledgement or
	// decision not applied); a reference number of unknown use; an
	// acknowledgement reference or decision without its time, a decision
	// reference or time without a decision, an unknown decision; a PENDING
	// charge whose processed appearance is acknowledged. Acknowledgements
	// and decisions made without a reference number need none recorded.
	NetflixChargeProblems(orgID string) ([]NetflixChargeProblem, error)
}
