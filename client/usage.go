package client

import "context"

// AuthorisationService is what an authorisation allows on one target.
type AuthorisationService struct {
	ID            string  `json:"id"`
	MaximumUsage  Decimal `json:"maximum_usage"`
	MaximumAmount Decimal `json:"maximum_amount"`
	Target
}

// ActionShort is a subscription action as other objects nest it.
type ActionShort struct {
	ID             string `json:"id"`
	Number         string `json:"number"`
	LifeCycleState string `json:"life_cycle_state"`
	ExecutedOn     string `json:"executed_on"`
}

// UserShort is a user as other objects nest it.
type UserShort struct {
	ID         string `json:"id"`
	Username   string `json:"username"`
	PersonName string `json:"person_name"`
}

// Authorisation is a usage authorisation: money held on an account for
// usage. LifeCycleState is BLOCKED (holding), COMPLETED, CANCELLED or
// EXPIRED. Dates are in the organisation's time zone, without offset.
type Authorisation struct {
	ID string `json:"id"`
	// UsageAuthorisationIdentifier and AuthorisationID are both the number, UA….
	UsageAuthorisationIdentifier string                 `json:"usage_authorisation_identifier"`
	AuthorisationID              string                 `json:"authorisation_id"`
	LifeCycleState               string                 `json:"life_cycle_state"`
	AuthorisationAmount          Decimal                `json:"authorisation_amount"`
	AuthorisationDate            string                 `json:"authorisation_date"`
	ExpirationDate               string                 `json:"expiration_date"`
	CompletedDate                *string                `json:"completed_date"`
	CancellationDate             *string                `json:"cancellation_date"`
	AccountsReceivable           AccountShort           `json:"accounts_receivable"`
	Subscription                 *SubscriptionShort     `json:"subscription"`
	CompletedByAction            *ActionShort           `json:"completed_by_action"`
	CancelledByUser              *UserShort             `json:"cancelled_by_user"`
	Services                     []AuthorisationService `json:"usage_authorisation_services"`
}

// NewAuthorisation asks to hold Amount: give Account (id, number or name)
// or Subscription (id or number), not both.
type NewAuthorisation struct {
	Account      Identifier `json:"accounts_receivable_identifier,omitempty"`
	Subscription Identifier `json:"subscription_identifier,omitempty"`
	Amount       Decimal    `json:"authorisation_amount"`
}

type authorisationParam struct {
	Authorisation Identifier `json:"usage_authorisation_identifier"`
}

// Authorisation returns a usage authorisation named by id or
// authorisation_id. One past its expiry shows EXPIRED.
func (c *Client) Authorisation(ctx context.Context, authorisation Identifier) (Authorisation, error) {
	var out Authorisation
	return out, c.Call(ctx, "usage_authorisations/show", authorisationParam{authorisation}, &out)
}

// AuthorisationQuery selects a page of an account's authorisations by
// number; NumberOfResults 0 is the largest page (1000).
type AuthorisationQuery struct {
	Account         Identifier `json:"accounts_receivable_identifier"`
	NumberOfResults int        `json:"number_of_results,omitempty"`
	Offset          int        `json:"offset,omitempty"`
}

// Authorisations lists an account's usage authorisations, oldest first.
func (c *Client) Authorisations(ctx context.Context, q AuthorisationQuery) ([]Authorisation, error) {
	var out []Authorisation
	return out, c.Call(ctx, "usage_authorisations/list", q, &out)
}

// CreateAuthorisation holds money on an ACTIVE account until usage is
// posted against it, it is cancelled or it expires. Refusals:
// INSUFFICIENT_FUNDS, LIMIT_EXCEEDED, INVALID_LIFE_CYCLE_STATE. Send an
// Idempotency-Key (WithIdempotencyKey) so that a retry never holds twice.
func (c *Client) CreateAuthorisation(ctx context.Context, n NewAuthorisation, opts ...CallOption) (Authorisation, error) {
	var out Authorisation
	return out, c.Call(ctx, "usage_authorisations/create", n, &out, opts...)
}

// CancelAuthorisation ends a BLOCKED authorisation and releases its money.
func (c *Client) CancelAuthorisation(ctx context.Context, authorisation Identifier, opts ...CallOption) (Authorisation, error) {
	var out Authorisation
	return out, c.Call(ctx, "usage_authorisations/cancel", authorisationParam{authorisation}, &out, opts...)
}

// UsageLine is usage of one service to post: Product names the usage
// service by id, code or alternative_code.
type UsageLine struct {
	Product     Identifier `json:"product_identifier"`
	UsageAmount Decimal    `json:"usage_amount"`
}

// UsagePosting is a subscriptions/add_service_usage call: Subscription or
// Account (one with a single subscription), optionally the authorisation
// it completes, and at most 100 lines.
type UsagePosting struct {
	Subscription  Identifier  `json:"subscription_identifier,omitempty"`
	Account       Identifier  `json:"accounts_receivable_identifier,omitempty"`
	Authorisation Identifier  `json:"usage_authorisation_identifier,omitempty"`
	Lines         []UsageLine `json:"usage_detail_records_set"`
}

// UsageRecord is a usage detail record: usage of one service, rated.
type UsageRecord struct {
	ID             string  `json:"id"`
	Number         string  `json:"number"`
	Service        Service `json:"service"`
	UsageAmount    Decimal `json:"usage_amount"`
	UnitRate       Decimal `json:"unit_rate"`
	RatedAmount    Decimal `json:"rated_amount"`
	LifeCycleState string  `json:"life_cycle_state"`
	CreatedDate    string  `json:"created_date"`
}

// AuthorisationRef is the authorisation a posting completed.
type AuthorisationRef struct {
	ID                           string `json:"id"`
	UsageAuthorisationIdentifier string `json:"usage_authorisation_identifier"`
	LifeCycleState               string `json:"life_cycle_state"`
}

// ServiceUsage is the Add Service Usage action a posting made, with its
// records and the total debited.
type ServiceUsage struct {
	ActionShort
	Type               string            `json:"type"`
	Subscription       SubscriptionShort `json:"subscription"`
	AccountsReceivable AccountShort      `json:"accounts_receivable"`
	UsageAuthorisation *AuthorisationRef `json:"usage_authorisation"`
	TotalRatedAmount   Decimal           `json:"total_rated_amount"`
	Records            []UsageRecord     `json:"usage_detail_records"`
}

// AddServiceUsage posts usage: it rates each line, records it and debits
// the account, in one step; against an authorisation it completes it and
// releases its hold. Send an Idempotency-Key so that a retry never posts twice.
func (c *Client) AddServiceUsage(ctx context.Context, p UsagePosting, opts ...CallOption) (ServiceUsage, error) {
	var out ServiceUsage
	return out, c.Call(ctx, "subscriptions/add_service_usage", p, &out, opts...)
}

// UsageRecords lists an account's usage detail records, oldest first (admin).
func (c *Client) UsageRecords(ctx context.Context, account Identifier) ([]UsageRecord, error) {
	var out []UsageRecord
	return out, c.Call(ctx, "usage_detail_records/list", accountParam{account}, &out)
}
