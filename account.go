package crmapi

import "time"

// Ref names one entity by one of its identifier fields: the wire's
// {"number": "ACR0000000001"} is Ref{Field: "number", Value: "ACR0000000001"}.
// Which fields an entity accepts is up to the service that resolves it.
type Ref struct {
	Field string
	Value string
}

// RefID is the Ref of an entity's id.
func RefID(id string) Ref { return Ref{Field: "id", Value: id} }

// ContactType tells a person from a company.
type ContactType string

// The contact types.
const (
	ContactPerson  ContactType = "PERSON"
	ContactCompany ContactType = "COMPANY"
)

// The contact life cycle states: a contact becomes FINANCIAL when it owns
// an accounts receivable, as in CRM.COM.
const (
	ContactNonFinancial = "NON_FINANCIAL"
	ContactFinancial    = "FINANCIAL"
)

// Contact is a customer: a person or a company that owns accounts.
// Empty strings are absent values (null on the wire).
type Contact struct {
	ID             string
	OrganisationID string
	Type           ContactType
	FirstName      string
	MiddleName     string
	LastName       string
	Title          string
	// CompanyName is a company's name; persons have none.
	CompanyName    string
	LifeCycleState string
	Demographics   Demographics
	CreatedAt      time.Time
}

// Demographics are a contact's optional personal details; zero values are
// unknown.
type Demographics struct {
	// Gender is MALE, FEMALE or empty.
	Gender               string
	IDNumber             string
	PassportNumber       string
	SocialSecurityNumber string
	BirthYear            int
	BirthMonth           int
	BirthDay             int
	NameDayMonth         int
	NameDayDay           int
}

// AccountState is the life cycle state of an accounts receivable.
type AccountState string

// The account states. SUSPENDED accounts keep their money but cannot
// authorise or post usage; TERMINATED is final.
const (
	AccountActive     AccountState = "ACTIVE"
	AccountSuspended  AccountState = "SUSPENDED"
	AccountTerminated AccountState = "TERMINATED"
)

// AccountsReceivable is a customer's account: the money it holds and may
// spend. Balance is the customer's own money (payments and credits raise
// it, usage lowers it) and may fall to -CreditLimit; Held is the sum of the
// amounts of its BLOCKED usage authorisations. The store keeps Balance equal
// to the sum of the account's ledger entries, and Held equal to the sum of
// its BLOCKED authorisations, in the same transaction that changes them.
type AccountsReceivable struct {
	ID             string
	OrganisationID string
	// Number is the business number, ACR0000000001.
	Number string
	// Name is unique in the organisation; it defaults to the number.
	Name           string
	OwnerID        string
	Currency       string
	Balance        Amount
	CreditLimit    Amount
	Held           Amount
	LifeCycleState AccountState
	CreatedAt      time.Time
}

// Available is what the account may still authorise or spend: balance plus
// credit limit minus active holds.
func (a AccountsReceivable) Available() Amount {
	return a.Balance.Add(a.CreditLimit).Sub(a.Held)
}

// EntryKind says why a ledger entry moved an account's balance.
type EntryKind string

// The ledger entry kinds.
const (
	EntryPayment EntryKind = "PAYMENT"
	EntryCredit  EntryKind = "CREDIT"
	EntryUsage   EntryKind = "USAGE"
)

// LedgerEntry is one movement of an account's balance. Entries are never
// changed or removed: the balance is their sum.
type LedgerEntry struct {
	ID             string
	OrganisationID string
	AccountID      string
	Kind           EntryKind
	// Amount is signed: positive raises the balance, negative lowers it.
	Amount      Amount
	Reference   string
	Description string
	// ActionID is the subscription action of a usage debit.
	ActionID  string
	CreatedAt time.Time
}

// SubscriptionState is a subscription's life cycle state.
type SubscriptionState string

// The subscription states that matter to usage.
const (
	SubscriptionEffective    SubscriptionState = "EFFECTIVE"
	SubscriptionNotEffective SubscriptionState = "NOT_EFFECTIVE"
	SubscriptionCancelled    SubscriptionState = "CANCELLED"
)

// The subscription kinds crmapi knows.
const (
	SubscriptionKindUsage   = "USAGE"
	SubscriptionKindNetflix = "NETFLIX"
)

// Subscription is what an account subscribes to. Usage is posted through
// a subscription; a Netflix subscription is one too.
type Subscription struct {
	ID             string
	OrganisationID string
	// Number is the business number, SUB0000000001.
	Number         string
	AccountID      string
	Kind           string
	LifeCycleState SubscriptionState
	CreatedAt      time.Time
}

// SubscriptionAction is something done to a subscription; crmapi records
// the Add Service Usage actions that post usage.
type SubscriptionAction struct {
	ID             string
	OrganisationID string
	// Number is the business number, SA0000000001.
	Number         string
	SubscriptionID string
	// Type is ADD_SERVICE_USAGE.
	Type           string
	LifeCycleState string
	// UserID is who performed it; empty for the command line.
	UserID     string
	ExecutedAt time.Time
}

// ActionAddServiceUsage is the type of the action that posts usage.
const ActionAddServiceUsage = "ADD_SERVICE_USAGE"

// ActionExecuted is the state of an action that has taken effect.
const ActionExecuted = "EXECUTED"

// Books is one account's money as stored beside what its records add up
// to. They agree when the books balance (reliability promise M4).
type Books struct {
	AccountID string
	Number    string
	// Balance and Held are the account's stored figures.
	Balance     Amount
	Held        Amount
	CreditLimit Amount
	// EntriesTotal is the sum of the account's ledger entries; Funding the
	// sum of its positive ones (payments, credits); Usage the sum of its
	// usage debits, as a positive amount.
	EntriesTotal Amount
	Funding      Amount
	Usage        Amount
	// BlockedTotal is the sum of its BLOCKED authorisations.
	BlockedTotal Amount
}

// Balanced tells whether the stored figures equal what the records add up to.
func (b Books) Balanced() bool {
	return b.Balance == b.EntriesTotal && b.Held == b.BlockedTotal
}

// OverAuthorised tells whether holds and usage exceed what the account was
// ever given: funding plus credit limit (reliability promise M1).
func (b Books) OverAuthorised() bool {
	return b.BlockedTotal.Add(b.Usage).Cmp(b.Funding.Add(b.CreditLimit)) > 0
}

// AccountStore is what a transaction offers for contacts, accounts,
// their ledgers and subscriptions. Lookups return NOT_FOUND when nothing
// matches in the organisation; creates return CONFLICT for a taken unique
// key (account number or name, subscription number).
type AccountStore interface {
	CreateContact(c Contact) error
	ContactByID(orgID, id string) (Contact, error)
	ListContacts(orgID string) ([]Contact, error)
	// MarkContactFinancial makes a contact FINANCIAL (it owns an account).
	MarkContactFinancial(orgID, id string) error

	// CreateAccount stores a new account with zero balance and holds,
	// whatever a says: money moves only through entries and holds.
	CreateAccount(a AccountsReceivable) error
	AccountByID(orgID, id string) (AccountsReceivable, error)
	// AccountWithOwner returns an account and the contact that owns it.
	AccountWithOwner(orgID, id string) (AccountsReceivable, Contact, error)
	AccountByNumber(orgID, number string) (AccountsReceivable, error)
	AccountByName(orgID, name string) (AccountsReceivable, error)
	// ListAccounts lists the organisation's accounts by number.
	ListAccounts(orgID string) ([]AccountsReceivable, error)
	SetAccountState(orgID, id string, state AccountState) error

	// AddEntry records e and moves the account's balance by e.Amount in
	// the same step.
	AddEntry(e LedgerEntry) error
	// DebitAvailable records the debit e (a negative amount) only when the
	// account is ACTIVE and its available amount covers it, checked and
	// applied in one conditional statement; ok is false otherwise and
	// nothing changed.
	DebitAvailable(e LedgerEntry) (ok bool, err error)
	// ListEntries lists an account's entries, oldest first.
	ListEntries(orgID, accountID string) ([]LedgerEntry, error)
	// AccountBooks returns the books of every account of the organisation,
	// read in one statement so that they are consistent with each other.
	AccountBooks(orgID string) ([]Books, error)

	CreateSubscription(s Subscription) error
	SubscriptionByID(orgID, id string) (Subscription, error)
	SubscriptionByNumber(orgID, number string) (Subscription, error)
	// ListSubscriptions lists an account's subscriptions by number.
	ListSubscriptions(orgID, accountID string) ([]Subscription, error)

	CreateSubscriptionAction(a SubscriptionAction) error
	SubscriptionActionByID(orgID, id string) (SubscriptionAction, error)
}
