// Package partner is crmapi's side of the partner protocol: the wire types
// of the JSON-over-HTTP protocol that crmapi speaks, on an operator's
// behalf, to the streaming partner that the operators resell, and a client
// for it with retries, timeouts and a circuit breaker.
//
// The protocol is specified in docs/partner-protocol.md. The subpackage
// emulator implements its server side in memory, so crmapi can run, be
// tested and be demonstrated without the real partner.
//
// Money amounts stay decimal strings here; crmapi parses them into its own
// exact money type. Times are UTC.
package partner

import "time"

// PathPrefix is the path under which every protocol endpoint lives.
const PathPrefix = "/partner/v1"

// Header names of the protocol.
const (
	// HeaderOperator names the operator a call acts for; every account,
	// charge and idempotency key is scoped to it.
	HeaderOperator = "X-Partner-Operator"
	// HeaderIdempotencyKey carries the caller's operation id on every
	// mutating call, so that a retried call is applied at most once.
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderOperationSequence carries the per-account sequence of a
	// mutating account call, so that calls overtaken in flight are refused
	// rather than applied out of order.
	HeaderOperationSequence = "X-Operation-Sequence"
	// HeaderReplayed is set to "true" on a response replayed for a repeated
	// idempotency key; it is informative only.
	HeaderReplayed = "Idempotent-Replayed"
)

// AccountState is the life-cycle state of a partner account.
type AccountState string

// The account states.
const (
	// StatePendingSignup: created by a sign-up, the customer has not yet
	// redeemed the sign-up token.
	StatePendingSignup AccountState = "PENDING_SIGNUP"
	// StateEffective: redeemed and in service; billed every period.
	StateEffective AccountState = "EFFECTIVE"
	// StateSuspended: out of service at the operator's request; not billed.
	StateSuspended AccountState = "SUSPENDED"
	// StateTerminated: final.
	StateTerminated AccountState = "TERMINATED"
)

// ChargeStatus is the status of one version of a charge.
type ChargeStatus string

// The charge statuses. Every status but PENDING is final.
const (
	ChargePending    ChargeStatus = "PENDING"
	ChargeApproved   ChargeStatus = "APPROVED"
	ChargeDeclined   ChargeStatus = "DECLINED"
	ChargeBadRequest ChargeStatus = "BAD_REQUEST"
	ChargeRejected   ChargeStatus = "REJECTED"
)

// Final reports whether s is a processed (final) status.
func (s ChargeStatus) Final() bool { return s != ChargePending }

// Failed reports whether s is a final status that terminates the account.
func (s ChargeStatus) Failed() bool {
	return s == ChargeDeclined || s == ChargeBadRequest || s == ChargeRejected
}

// Valid reports whether s is one of the protocol's charge statuses.
func (s ChargeStatus) Valid() bool {
	switch s {
	case ChargePending, ChargeApproved, ChargeDeclined, ChargeBadRequest, ChargeRejected:
		return true
	}
	return false
}

// Channels a sign-up may come through; the field is optional.
var Channels = []string{"WEB", "STORE", "MOBILE", "BROADBAND", "OTHER"}

// MaxValiditySeconds is the longest a sign-up token may be valid.
const MaxValiditySeconds = 86400

// SignupRequest is the body of POST /signups.
type SignupRequest struct {
	Offer           string `json:"offer"`
	Country         string `json:"country"`
	PromotionCode   string `json:"promotion_code,omitempty"`
	Channel         string `json:"channel,omitempty"`
	ValiditySeconds int    `json:"validity_seconds"`
}

// Signup is the answer to POST /signups: the new account's PAI and the
// token the customer redeems on the partner's sign-up page.
type Signup struct {
	PAI            string    `json:"pai"`
	SignupToken    string    `json:"signup_token"`
	TokenExpiresAt time.Time `json:"token_expires_at"`
	SignupURL      string    `json:"signup_url"`
}

// Account is a partner account as GET /accounts/{pai} and the account
// actions return it.
type Account struct {
	PAI                   string              `json:"pai"`
	State                 AccountState        `json:"state"`
	Offer                 string              `json:"offer"`
	Country               string              `json:"country"`
	Channel               string              `json:"channel"`
	PromotionCode         string              `json:"promotion_code"`
	RedeemedPromotions    []RedeemedPromotion `json:"redeemed_promotions"`
	Prices                []Price             `json:"prices"`
	CreatedAt             time.Time           `json:"created_at"`
	SignedUpAt            *time.Time          `json:"signed_up_at"`
	PaidThroughDate       *time.Time          `json:"paid_through_date"`
	LastOperationSequence int64               `json:"last_operation_sequence"`
}

// Promotion is an offer of a discount that a sign-up may carry.
// DiscountPercent (0..100) applies to the first DiscountPeriods billing
// periods.
type Promotion struct {
	Code            string     `json:"code"`
	Name            string     `json:"name"`
	Description     string     `json:"description"`
	EffectiveFrom   time.Time  `json:"effective_from"`
	ExpiresOn       *time.Time `json:"expires_on"`
	DiscountPercent int        `json:"discount_percent"`
	DiscountPeriods int        `json:"discount_periods"`
}

// AvailableAt reports whether p may be redeemed at t.
func (p Promotion) AvailableAt(t time.Time) bool {
	return !t.Before(p.EffectiveFrom) && (p.ExpiresOn == nil || t.Before(*p.ExpiresOn))
}

// RedeemedPromotion is a promotion as redeemed by one account.
type RedeemedPromotion struct {
	Code          string     `json:"code"`
	Name          string     `json:"name"`
	Description   string     `json:"description"`
	EffectiveFrom time.Time  `json:"effective_from"`
	ExpiresOn     *time.Time `json:"expires_on"`
	RedeemedAt    time.Time  `json:"redeemed_at"`
}

// Price is the price of a plan, per billing period.
type Price struct {
	FormattedPrice string    `json:"formatted_price"`
	Amount         string    `json:"amount"`
	Currency       string    `json:"currency"`
	Plan           string    `json:"plan"`
	EffectiveDate  time.Time `json:"effective_date"`
}

// Promotions is the body of the answer to GET /promotions.
type Promotions struct {
	Promotions []Promotion `json:"promotions"`
}

// Prices is the body of the answer to GET /prices.
type Prices struct {
	Prices []Price `json:"prices"`
}

// Charge is one entry of the charges feed: one version of a charge. A
// charge appears once when created PENDING and once more when processed.
type Charge struct {
	Sequence        int64        `json:"sequence"`
	ChargeID        string       `json:"charge_id"`
	PAI             string       `json:"pai"`
	Amount          string       `json:"amount"`
	Currency        string       `json:"currency"`
	Status          ChargeStatus `json:"status"`
	PeriodStart     time.Time    `json:"period_start"`
	PaidThroughDate time.Time    `json:"paid_through_date"`
	ReceivedOn      time.Time    `json:"received_on"`
	ProcessedOn     *time.Time   `json:"processed_on"`
}

// ChargesPage is one page of the charges feed. NextCursor is where the
// next read starts; it equals the request's cursor when the page is empty.
type ChargesPage struct {
	Entries    []Charge `json:"entries"`
	NextCursor string   `json:"next_cursor"`
	HasMore    bool     `json:"has_more"`
}

// DefaultChargesLimit and MaxChargesLimit bound a page of the feed.
const (
	DefaultChargesLimit = 100
	MaxChargesLimit     = 500
)

// RedeemRequest is the body of POST /signup/redeem, the machine form of the
// sign-up page.
type RedeemRequest struct {
	Token string `json:"token"`
	Email string `json:"email,omitempty"`
}

// ErrorResponse is the body of every error answer.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody describes one error. Retryable tells the caller whether the
// same call (with the same idempotency key) may succeed later.
type ErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Retryable bool   `json:"retryable"`
}
