package crmapi

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"
)

// Quantity is an exact amount of usage (litres, rentals, minutes): an
// integer count of 1/10,000 of a unit, like Amount, but a JSON number on
// the wire, as CRM.COM shows quantities. It is read from numbers or strings.
type Quantity struct {
	units int64
}

// QuantityFromInt returns n whole units.
func QuantityFromInt(n int64) Quantity { return Quantity{units: n * amountFactor} }

// QuantityFromUnits returns the Quantity of u ten-thousandths; stores use it.
func QuantityFromUnits(u int64) Quantity { return Quantity{units: u} }

// ParseQuantity parses a decimal string exactly; like ParseAmount.
func ParseQuantity(s string) (Quantity, error) {
	a, err := ParseAmount(s)
	return Quantity{units: a.units}, err
}

// MustQuantity parses s or panics; for constants in tests and demo data.
func MustQuantity(s string) Quantity { return Quantity{units: MustAmount(s).units} }

// Units returns the quantity in ten-thousandths; stores persist this.
func (q Quantity) Units() int64 { return q.units }

// Decimal returns the quantity as an exact decimal.
func (q Quantity) Decimal() decimal.Decimal { return decimal.New(q.units, -AmountScale) }

// String returns the shortest exact decimal form.
func (q Quantity) String() string { return q.Decimal().String() }

// IsPositive tells whether q > 0.
func (q Quantity) IsPositive() bool { return q.units > 0 }

// Add returns q + r.
func (q Quantity) Add(r Quantity) Quantity { return Quantity{units: q.units + r.units} }

// Sub returns q - r.
func (q Quantity) Sub(r Quantity) Quantity { return Quantity{units: q.units - r.units} }

// Cmp compares q and r: -1, 0 or +1.
func (q Quantity) Cmp(r Quantity) int { return Amount{q.units}.Cmp(Amount{r.units}) }

// Min returns the smaller of q and r.
func (q Quantity) Min(r Quantity) Quantity {
	if r.units < q.units {
		return r
	}
	return q
}

// Floor returns q rounded down to whole units; never below zero.
func (q Quantity) Floor() Quantity {
	if q.units <= 0 {
		return Quantity{}
	}
	return Quantity{units: q.units - q.units%amountFactor}
}

// MarshalJSON writes the quantity as a JSON number.
func (q Quantity) MarshalJSON() ([]byte, error) { return []byte(q.String()), nil }

// UnmarshalJSON reads a JSON number or string, exactly.
func (q *Quantity) UnmarshalJSON(b []byte) error {
	var a Amount
	if err := a.UnmarshalJSON(bytes.TrimSpace(b)); err != nil {
		return err
	}
	q.units = a.units
	return nil
}

var _ json.Unmarshaler = (*Quantity)(nil)

// Rate returns the price of usage q at unit rate: rate × q rounded half
// to even to the currency's minor unit, the way a line is billed.
func Rate(rate Amount, q Quantity, currency string) (Amount, error) {
	d := rate.Decimal().Mul(q.Decimal()).RoundBank(CurrencyExponent(currency))
	return amountFromDecimal(d)
}

// FloorToCurrency rounds a down to the currency's minor unit, so that a
// computed limit never offers a fraction of a cent.
func FloorToCurrency(a Amount, currency string) Amount {
	step := int64(1)
	for range AmountScale - CurrencyExponent(currency) {
		step *= 10
	}
	r := a.units % step
	if r < 0 {
		r += step
	}
	return Amount{units: a.units - r}
}

// Widen returns a raised by pct per cent, rounded down to ten-thousandths:
// a limit with the over-limit percentage applied.
func Widen(a Amount, pct Amount) Amount {
	if pct.units <= 0 {
		return a
	}
	d := a.Decimal().Mul(decimal.NewFromInt(100).Add(pct.Decimal())).Div(decimal.NewFromInt(100))
	w, err := amountFromDecimal(d.Truncate(AmountScale))
	if err != nil {
		return Amount{units: maxUnits}
	}
	return w
}

// WidenQuantity is Widen for usage limits.
func WidenQuantity(q Quantity, pct Amount) Quantity {
	return Quantity{units: Widen(Amount{q.units}, pct).units}
}

// AuthorisationState is a usage authorisation's life cycle state.
type AuthorisationState string

// The authorisation states: BLOCKED holds money; the others are final.
const (
	AuthorisationBlocked   AuthorisationState = "BLOCKED"
	AuthorisationCompleted AuthorisationState = "COMPLETED"
	AuthorisationCancelled AuthorisationState = "CANCELLED"
	AuthorisationExpired   AuthorisationState = "EXPIRED"
)

// UsageAuthorisation holds Amount of an account's money for usage until
// usage is posted against it (COMPLETED), it is cancelled or it expires.
type UsageAuthorisation struct {
	// ID is 32 hex characters.
	ID             string
	OrganisationID string
	// Number is the business number, UA0000000001, shown as
	// usage_authorisation_identifier and authorisation_id.
	Number    string
	AccountID string
	// SubscriptionID is the subscription it was asked for, or the
	// account's only subscription; empty when neither.
	SubscriptionID string
	Amount         Amount
	LifeCycleState AuthorisationState
	AuthorisedAt   time.Time
	ExpiresAt      time.Time
	CompletedAt    *time.Time
	CancelledAt    *time.Time
	ExpiredAt      *time.Time
	// CompletedByActionID is the Add Service Usage action that completed it.
	CompletedByActionID string
	// CancelledByUserID is who cancelled it; empty for the command line.
	CancelledByUserID string
	// UsedAmount is the usage posted against it when it completed.
	UsedAmount Amount
	// Services is the snapshot taken when it was granted.
	Services []AuthorisationService
}

// Due tells whether a BLOCKED authorisation has reached its expiration date.
func (a UsageAuthorisation) Due(now time.Time) bool {
	return a.LifeCycleState == AuthorisationBlocked && !now.Before(a.ExpiresAt)
}

// AuthorisationService is what an authorisation allows on one target: at
// most MaximumAmount of money and MaximumUsage units, as the account's
// limits allowed when it was granted.
type AuthorisationService struct {
	ID            string
	Target        Target
	MaximumAmount Amount
	MaximumUsage  Quantity
}

// AuthorisationEnd moves a BLOCKED authorisation to a final state.
type AuthorisationEnd struct {
	OrganisationID string
	ID             string
	// State is COMPLETED, CANCELLED or EXPIRED.
	State AuthorisationState
	At    time.Time
	// ActionID is set for COMPLETED, UserID for CANCELLED.
	ActionID   string
	UserID     string
	UsedAmount Amount
}

// AuthorisationsDue selects BLOCKED authorisations to end in bulk.
type AuthorisationsDue struct {
	// OrganisationID and AccountID narrow the selection; empty matches all
	// (the sweeper passes neither).
	OrganisationID string
	AccountID      string
	// By selects those expiring at or before it.
	By    time.Time
	Limit int
}

// UsageRecord is a usage detail record (UDR): usage of one service, rated.
type UsageRecord struct {
	ID             string
	OrganisationID string
	// Number is the business number, UDR0000000001.
	Number          string
	AccountID       string
	SubscriptionID  string
	ServiceID       string
	ActionID        string
	AuthorisationID string
	Usage           Quantity
	UnitRate        Amount
	RatedAmount     Amount
	// LifeCycleState is POSTED.
	LifeCycleState string
	CreatedAt      time.Time
}

// UsagePosted is the state of a usage record that has been debited.
const UsagePosted = "POSTED"

// ServiceUsage is the usage of one service over a period.
type ServiceUsage struct {
	ServiceID string
	Usage     Quantity
	Amount    Amount
}

// ShownAuthorisation is an authorisation with its services and what its
// answer shows besides, as one statement read them.
type ShownAuthorisation struct {
	Authorisation UsageAuthorisation
	Organisation  Organisation
	Account       AccountsReceivable
	Owner         Contact
	// Subscription is nil when the authorisation names none.
	Subscription *Subscription
	// CatalogueSize is the organisation's CatalogueSize.
	CatalogueSize int64
}

// AuthorisationContext is what a create reads before its write
// transaction, as one statement read it.
type AuthorisationContext struct {
	Organisation Organisation
	Account      AccountsReceivable
	Owner        Contact
	// Subscription is the one named, or, when the account was named, its
	// only one; nil when it has none or several.
	Subscription *Subscription
	// CatalogueSize is the organisation's CatalogueSize.
	CatalogueSize int64
}

// UsageStore is what a transaction offers for usage authorisations and
// usage records. Lookups return NOT_FOUND when nothing matches in the
// organisation.
// EndedAuthorisation names one authorisation EndAuthorisations ended.
type EndedAuthorisation struct {
	OrganisationID string
	ID             string
}

// UsageStore keeps accounts' holds, usage authorisations and usage records.
type UsageStore interface {
	// HoldFunds adds amount to the account's holds, but only when the
	// account is ACTIVE and its available amount covers it: the check and
	// the hold are one conditional statement, so no concurrency can
	// over-authorise. ok is false, and nothing changed, when they do not.
	// A hold must be followed, in the same transaction, by the
	// CreateAuthorisation it is for: held equals the sum of BLOCKED
	// authorisations at every commit.
	HoldFunds(orgID, accountID string, amount Amount) (ok bool, err error)
	// CreateAuthorisation stores a BLOCKED authorisation with its services.
	CreateAuthorisation(a UsageAuthorisation) error
	AuthorisationByID(orgID, id string) (UsageAuthorisation, error)
	AuthorisationByNumber(orgID, number string) (UsageAuthorisation, error)
	// AuthorisationShown reads, in one statement, an authorisation (by
	// its id, or by its number when byNumber) with what every answer
	// about it shows, so that usage_authorisations/show is one read.
	AuthorisationShown(orgID, key string, byNumber bool) (ShownAuthorisation, error)
	// AuthorisationContext reads, in one statement, what a create needs
	// before its write: exactly one of account (by id, number or name) and
	// subscription (by id or number) names the account. NOT_FOUND names
	// the one given. Other fields are refused as INVALID_PARAMETER.
	AuthorisationContext(orgID string, account, subscription *Ref) (AuthorisationContext, error)
	// ListAuthorisations lists an account's authorisations by number.
	ListAuthorisations(orgID, accountID string, offset, limit int) ([]UsageAuthorisation, error)
	// EndAuthorisation moves the authorisation from BLOCKED to e.State and
	// releases its hold in the same step; ok is false, and nothing
	// changed, when it was no longer BLOCKED.
	EndAuthorisation(e AuthorisationEnd) (ok bool, err error)
	// EndAuthorisations ends the BLOCKED authorisations due selects (at
	// most due.Limit, soonest expiry first), as e says (its ID and
	// OrganisationID are ignored), and releases their holds; it returns how
	// many it ended. It takes the authorisations before their accounts, as
	// every method here does, so that concurrent transactions never wait
	// on each other in a circle.
	EndAuthorisations(due AuthorisationsDue, e AuthorisationEnd) (ended []EndedAuthorisation, err error)

	CreateUsageRecord(r UsageRecord) error
	// ListUsageRecords lists an account's usage records, oldest first.
	ListUsageRecords(orgID, accountID string) ([]UsageRecord, error)
	// UsageTotals sums an account's usage per service over [from, to).
	UsageTotals(orgID, accountID string, from, to time.Time) ([]ServiceUsage, error)
}
