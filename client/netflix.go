package client

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// NetflixPromotion is a promotion a customer may sign up with.
type NetflixPromotion struct {
	Code          string  `json:"code"`
	Name          string  `json:"name"`
	Description   *string `json:"description"`
	EffectiveFrom string  `json:"effective_from"`
	ExpiresOn     *string `json:"expires_on"`
}

// NetflixPrice is a price of the customer's Netflix plan. FormattedPrice
// is CRM.COM's key; the others are crmapi's extensions.
type NetflixPrice struct {
	FormattedPrice string  `json:"FormattedPrice"`
	Amount         Decimal `json:"amount"`
	Currency       string  `json:"currency"`
	Plan           string  `json:"plan"`
	EffectiveDate  string  `json:"effective_date"`
}

// NetflixSubscription is one of a customer's Netflix subscriptions.
// LifeCycleState is crmapi's (PENDING, EFFECTIVE, NOT_EFFECTIVE,
// CANCELLED, …); NetflixState the partner account's. The wire also
// carries the documented misspelt key netflix_sate, with the same value.
type NetflixSubscription struct {
	SubscriptionNumber string `json:"subscription_number"`
	// CustomerID is the operator's billing id of the customer.
	CustomerID string `json:"billing_system_customer_identifier"`
	// PAI is the partner's account id, once it has one.
	PAI            *string            `json:"netflix_customer_identifier"`
	NetflixState   string             `json:"netflix_state"`
	LifeCycleState string             `json:"life_cycle_state"`
	Promotions     []NetflixPromotion `json:"promotions_set"`
	Prices         []NetflixPrice     `json:"prices_set"`
}

// NetflixCustomer names a customer: by the operator's billing id
// (CustomerID) or by the partner's account id (PAI), not both.
type NetflixCustomer struct {
	CustomerID string `json:"billing_system_customer_identifier,omitempty"`
	PAI        string `json:"netflix_customer_identifier,omitempty"`
}

// NetflixPromotions lists the promotions the organisation's customers may sign up with.
func (c *Client) NetflixPromotions(ctx context.Context) ([]NetflixPromotion, error) {
	var out []NetflixPromotion
	return out, c.Call(ctx, "netflix/promotions/list", nil, &out)
}

// NetflixSubscriptions shows a customer's Netflix subscriptions, oldest first.
func (c *Client) NetflixSubscriptions(ctx context.Context, customer NetflixCustomer) ([]NetflixSubscription, error) {
	var out []NetflixSubscription
	return out, c.Call(ctx, "netflix/subscriptions/show", customer, &out)
}

// Address is CRM.COM's address parameter object; Type is HOME, BUSINESS,
// POBOX or CUSTOM1…5. CountryIdentifier names the country, e.g.
// {"alpha_2_code": "CY"}.
type Address struct {
	Type                string            `json:"type"`
	IsPrimary           *bool             `json:"is_primary,omitempty"`
	PostalCode          string            `json:"postal_code,omitempty"`
	StreetName          string            `json:"street_name,omitempty"`
	StreetNumber        string            `json:"street_number,omitempty"`
	Floor               *int              `json:"floor,omitempty"`
	ApartmentNumber     string            `json:"apartment_number,omitempty"`
	Area                string            `json:"area,omitempty"`
	TownCity            string            `json:"town_city,omitempty"`
	District            string            `json:"district,omitempty"`
	Municipality        string            `json:"municipality,omitempty"`
	CountryIdentifier   map[string]string `json:"country_identifier,omitempty"`
	AddressLine1        string            `json:"address_line_1,omitempty"`
	AddressLine2        string            `json:"address_line_2,omitempty"`
	StateProvinceCounty string            `json:"state_province_county,omitempty"`
	POBox               string            `json:"po_box,omitempty"`
	POBoxPostalCode     string            `json:"po_box_postal_code,omitempty"`
	CareOf              string            `json:"care_of,omitempty"`
	Notes               string            `json:"notes,omitempty"`
	UDF                 UDF               `json:"-"`
}

// Email is CRM.COM's email parameter object; Type is PERSONAL, BUSINESS or CUSTOM1…5.
type Email struct {
	Type         string `json:"type"`
	IsPrimary    *bool  `json:"is_primary,omitempty"`
	EmailAddress string `json:"email_address"`
	Notes        string `json:"notes,omitempty"`
	UDF          UDF    `json:"-"`
}

// Phone is CRM.COM's phone parameter object; Type is LANDLINE, MOBILE, FAX or CUSTOM1…5.
type Phone struct {
	Type              string            `json:"type"`
	IsPrimary         *bool             `json:"is_primary,omitempty"`
	Number            string            `json:"number"`
	AreaCode          string            `json:"area_code,omitempty"`
	CountryIdentifier map[string]string `json:"country_identifier,omitempty"`
	Notes             string            `json:"notes,omitempty"`
	UDF               UDF               `json:"-"`
}

// UDF are the user-defined fields of an address, email or phone, by wire
// name: "udf_string_1" … "udf_string_10", "udf_float_1" … "udf_float_4"
// (decimal text, sent as a JSON number) and "udf_date_1" … "udf_date_4".
type UDF map[string]string

// MarshalJSON writes the address with its user-defined fields.
func (a Address) MarshalJSON() ([]byte, error) {
	type plain Address
	return withUDF(plain(a), a.UDF)
}

// MarshalJSON writes the email with its user-defined fields.
func (e Email) MarshalJSON() ([]byte, error) {
	type plain Email
	return withUDF(plain(e), e.UDF)
}

// MarshalJSON writes the phone with its user-defined fields.
func (p Phone) MarshalJSON() ([]byte, error) {
	type plain Phone
	return withUDF(plain(p), p.UDF)
}

// withUDF encodes v and adds the user-defined fields to the object.
func withUDF(v any, udf UDF) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(udf) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, val := range udf {
		if !strings.HasPrefix(k, "udf_") {
			return nil, fmt.Errorf("client: %q is not a user-defined field", k)
		}
		if strings.HasPrefix(k, "udf_float_") {
			if !Decimal(val).Valid() || !json.Valid([]byte(val)) {
				return nil, fmt.Errorf("client: %s: %q is not a decimal number", k, val)
			}
			m[k] = json.RawMessage(val)
			continue
		}
		m[k], _ = json.Marshal(val)
	}
	return json.Marshal(m)
}

// NewNetflixSubscription is a customer's subscription to create. Only
// CustomerID is required; ValidityDuration is how many seconds the
// sign-up token stays valid.
type NewNetflixSubscription struct {
	CustomerID       string   `json:"billing_system_customer_identifier"`
	PromotionCode    string   `json:"promotion_code,omitempty"`
	Channel          string   `json:"channel,omitempty"`
	ValidityDuration *int     `json:"validity_duration,omitempty"`
	FirstName        string   `json:"customer_first_name,omitempty"`
	LastName         string   `json:"customer_last_name,omitempty"`
	Address          *Address `json:"customer_address,omitempty"`
	Email            *Email   `json:"customer_email,omitempty"`
	Phone            *Phone   `json:"customer_phone,omitempty"`
}

// NetflixSignup is the answer to a create: the sign-up token the customer
// redeems, and (an extension) the page where they redeem it.
type NetflixSignup struct {
	SubscriptionNumber         string `json:"subscription_number"`
	NetflixToken               string `json:"netflix_token"`
	NetflixTokenExpirationDate string `json:"netflix_token_expiration_date"`
	NetflixSignupURL           string `json:"netflix_signup_url"`
}

// CreateNetflixSubscription creates a customer's Netflix subscription and
// returns its sign-up token. Send an Idempotency-Key: a create retried
// while the partner is slow returns the same sign-up.
func (c *Client) CreateNetflixSubscription(ctx context.Context, n NewNetflixSubscription, opts ...CallOption) (NetflixSignup, error) {
	var out NetflixSignup
	return out, c.Call(ctx, "netflix/subscriptions/create", n, &out, opts...)
}

// SuspendNetflixSubscription suspends a customer's EFFECTIVE subscription
// (NOT_EFFECTIVE at once; the partner follows).
func (c *Client) SuspendNetflixSubscription(ctx context.Context, customerID string, opts ...CallOption) error {
	return c.Call(ctx, "netflix/subscriptions/suspend", NetflixCustomer{CustomerID: customerID}, nil, opts...)
}

// UnsuspendNetflixSubscription puts a customer's suspended subscription back in service.
func (c *Client) UnsuspendNetflixSubscription(ctx context.Context, customerID string, opts ...CallOption) error {
	return c.Call(ctx, "netflix/subscriptions/unsuspend", NetflixCustomer{CustomerID: customerID}, nil, opts...)
}

// CancelNetflixSubscription cancels a customer's subscription for good.
func (c *Client) CancelNetflixSubscription(ctx context.Context, customerID string, opts ...CallOption) error {
	return c.Call(ctx, "netflix/subscriptions/cancel", NetflixCustomer{CustomerID: customerID}, nil, opts...)
}

// NetflixCharge is a charge the partner made for a customer's subscription.
// ChargeStatus is PENDING, APPROVED, DECLINED, BAD_REQUEST or REJECTED;
// the set_as_… date of the final status is set.
type NetflixCharge struct {
	Number                 string  `json:"number"`
	CustomerID             string  `json:"billing_system_customer_identifier"`
	Amount                 Decimal `json:"amount"`
	Currency               string  `json:"currency"`
	LocalCurrencyAmount    Decimal `json:"local_currency_amount"`
	LocalCurrency          string  `json:"local_currency"`
	PaidThroughDate        string  `json:"paid_through_date"`
	ChargeStatus           string  `json:"charge_status"`
	ReceivedOn             string  `json:"received_on"`
	SetAsApprovedOn        *string `json:"set_as_approved_on"`
	SetAsDeclinedOn        *string `json:"set_as_declined_on"`
	SetAsBadRequestOn      *string `json:"set_as_bad_request_on"`
	SetAsRejectedRequestOn *string `json:"set_as_rejected_request_on"`
}

// NetflixChargeQuery selects a page of charges not yet acknowledged:
// ChargeStatus NOT_PROCESSED or PROCESSED, NumberOfResults 1 to 50.
// Continue with Cursor (the previous page's NextCursor) rather than
// Offset, so that acknowledging meanwhile never skips a charge.
type NetflixChargeQuery struct {
	ChargeStatus    string `json:"charge_status"`
	NumberOfResults int    `json:"number_of_results"`
	Offset          int    `json:"offset"`
	Cursor          string `json:"cursor,omitempty"`
}

// NetflixChargePage is a page of charges, oldest first.
type NetflixChargePage struct {
	Charges    []NetflixCharge `json:"charges_set"`
	NextCursor string          `json:"next_cursor"`
}

// NetflixCharges lists charges not yet acknowledged.
func (c *Client) NetflixCharges(ctx context.Context, q NetflixChargeQuery) (NetflixChargePage, error) {
	var out NetflixChargePage
	return out, c.Call(ctx, "netflix/charges/list", q, &out)
}

// NetflixChargeItem names a charge to acknowledge, accept or decline, with
// the operator's reference for it.
type NetflixChargeItem struct {
	Number          string `json:"number"`
	CustomerID      string `json:"billing_system_customer_identifier"`
	ReferenceNumber string `json:"reference_number,omitempty"`
}

// NetflixChargeFailure is a charge of a batch that was not applied.
type NetflixChargeFailure struct {
	Number           string `json:"number"`
	ReferenceNumber  string `json:"reference_number"`
	ErrorCode        string `json:"error_code"`
	ErrorDescription string `json:"error_description"`
}

type chargeFailures struct {
	Failed []NetflixChargeFailure `json:"failed_charges_set"`
}

// AcknowledgeNetflixCharges acknowledges charges, exactly once: repeating
// an acknowledgement with the same reference number changes nothing, with
// another one the charge fails with ALREADY_ACKNOWLEDGED. It returns the
// charges that were not acknowledged; the others were.
func (c *Client) AcknowledgeNetflixCharges(ctx context.Context, items []NetflixChargeItem, opts ...CallOption) ([]NetflixChargeFailure, error) {
	return c.chargeBatch(ctx, "netflix/charges/acknowledge", "acknowledged_charges_set", items, opts)
}

// AcceptNetflixCharges accepts charges the partner has not processed yet.
func (c *Client) AcceptNetflixCharges(ctx context.Context, items []NetflixChargeItem, opts ...CallOption) ([]NetflixChargeFailure, error) {
	return c.chargeBatch(ctx, "netflix/charges/accept", "accepted_charges_set", items, opts)
}

// DeclineNetflixCharges declines charges the partner has not processed yet;
// their subscriptions are cancelled.
func (c *Client) DeclineNetflixCharges(ctx context.Context, items []NetflixChargeItem, opts ...CallOption) ([]NetflixChargeFailure, error) {
	return c.chargeBatch(ctx, "netflix/charges/decline", "declined_charges_set", items, opts)
}

func (c *Client) chargeBatch(ctx context.Context, method, param string, items []NetflixChargeItem, opts []CallOption) ([]NetflixChargeFailure, error) {
	if items == nil {
		items = []NetflixChargeItem{}
	}
	var out chargeFailures
	return out.Failed, c.Call(ctx, method, map[string]any{param: items}, &out, opts...)
}

// NetflixOperation is a partner operation of a subscription's outbox.
type NetflixOperation struct {
	Sequence  int64  `json:"sequence"`
	Kind      string `json:"kind"`
	Status    string `json:"status"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
}

// NetflixAttention is a subscription whose partner work stopped and needs
// someone to look at it.
type NetflixAttention struct {
	SubscriptionNumber string            `json:"subscription_number"`
	CustomerID         string            `json:"billing_system_customer_identifier"`
	PAI                string            `json:"netflix_customer_identifier"`
	LifeCycleState     string            `json:"life_cycle_state"`
	NetflixState       string            `json:"netflix_state"`
	Reason             string            `json:"reason"`
	UpdatedDate        string            `json:"updated_date"`
	Operation          *NetflixOperation `json:"operation"`
}

// NetflixAttention lists the subscriptions that need attention (admin).
func (c *Client) NetflixAttention(ctx context.Context) ([]NetflixAttention, error) {
	var out []NetflixAttention
	return out, c.Call(ctx, "admin/netflix/attention/list", nil, &out)
}

// RetryNetflixSubscription retries a subscription's failed partner operation (admin).
func (c *Client) RetryNetflixSubscription(ctx context.Context, subscriptionNumber string, opts ...CallOption) error {
	return c.Call(ctx, "admin/netflix/attention/retry", map[string]any{"subscription_number": subscriptionNumber}, nil, opts...)
}

// NetflixChargeProblem is one disagreement the charges check found between
// a charge and the reference numbers recorded for its acknowledgements and
// decision.
type NetflixChargeProblem struct {
	// Number is the charge's number; empty when a reference number names
	// a charge the organisation does not have.
	Number string `json:"number"`
	// Problem says what is wrong, naming the reference number.
	Problem string `json:"problem"`
}

// CheckNetflixCharges checks every charge of the organisation against its
// recorded reference numbers (admin); the list is empty when all agree.
func (c *Client) CheckNetflixCharges(ctx context.Context) ([]NetflixChargeProblem, error) {
	var out []NetflixChargeProblem
	return out, c.Call(ctx, "netflix/charges/check", nil, &out)
}
