package client

import "context"

// The contact, accounts receivable and subscription methods are crmapi's
// admin extensions for managing what usage authorisations act on.

// DayMonth is a name day.
type DayMonth struct {
	Month *int `json:"month"`
	Day   *int `json:"day"`
}

// DateOfBirth is a contact's date of birth; unknown parts are nil.
type DateOfBirth struct {
	Month *int `json:"month"`
	Year  *int `json:"year"`
	Day   *int `json:"day"`
}

// Demographics is CRM.COM's demographics object of a contact.
type Demographics struct {
	NameDay                 DayMonth    `json:"name_day"`
	IDNumber                *string     `json:"id_number"`
	Gender                  *string     `json:"gender"`
	DateOfBirth             DateOfBirth `json:"date_of_birth"`
	IndustrySector          *string     `json:"industry_sector"`
	PassportNumber          *string     `json:"passport_number"`
	Industry                *string     `json:"industry"`
	SocialSecurityNumber    *string     `json:"social_security_number"`
	IDIssuedByCountry       *string     `json:"id_issued_by_country"`
	PassportIssuedByCountry *string     `json:"passport_issued_by_country"`
}

// Contact is an account owner: a PERSON or a COMPANY.
type Contact struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	FirstName   *string `json:"first_name"`
	LastName    *string `json:"last_name"`
	MiddleName  *string `json:"middle_name"`
	Title       *string `json:"title"`
	Name        *string `json:"name"`
	CompanyName *string `json:"company_name"`
	// LifeCycleState is FINANCIAL for an account owner.
	LifeCycleState string       `json:"life_cycle_state"`
	Demographics   Demographics `json:"demographics"`
	// CreatedDate is set by the admin methods, not in nested objects.
	CreatedDate string `json:"created_date,omitempty"`
}

// NewContact is a contact to create: a PERSON needs LastName, a COMPANY CompanyName.
type NewContact struct {
	Type         string           `json:"type"`
	FirstName    string           `json:"first_name,omitempty"`
	MiddleName   string           `json:"middle_name,omitempty"`
	LastName     string           `json:"last_name,omitempty"`
	Title        string           `json:"title,omitempty"`
	CompanyName  string           `json:"company_name,omitempty"`
	Demographics *NewDemographics `json:"demographics,omitempty"`
}

// NewDemographics is what a new contact may tell about itself; zero fields are not sent.
type NewDemographics struct {
	Gender               string `json:"gender,omitempty"`
	IDNumber             string `json:"id_number,omitempty"`
	PassportNumber       string `json:"passport_number,omitempty"`
	SocialSecurityNumber string `json:"social_security_number,omitempty"`
	DateOfBirth          *struct {
		Year  int `json:"year,omitempty"`
		Month int `json:"month,omitempty"`
		Day   int `json:"day,omitempty"`
	} `json:"date_of_birth,omitempty"`
	NameDay *struct {
		Month int `json:"month,omitempty"`
		Day   int `json:"day,omitempty"`
	} `json:"name_day,omitempty"`
}

// CreateContact adds a contact (admin).
func (c *Client) CreateContact(ctx context.Context, n NewContact, opts ...CallOption) (Contact, error) {
	var out Contact
	return out, c.Call(ctx, "contacts/create", n, &out, opts...)
}

// Contact returns a contact by id (admin).
func (c *Client) Contact(ctx context.Context, id string) (Contact, error) {
	var out Contact
	return out, c.Call(ctx, "contacts/show", map[string]any{"contact_identifier": ByID(id)}, &out)
}

// Contacts lists the organisation's contacts (admin).
func (c *Client) Contacts(ctx context.Context) ([]Contact, error) {
	var out []Contact
	return out, c.Call(ctx, "contacts/list", nil, &out)
}

// AccountShort is an account as other objects nest it.
type AccountShort struct {
	ID             string  `json:"id"`
	Number         string  `json:"number"`
	Name           string  `json:"name"`
	LifeCycleState string  `json:"life_cycle_state"`
	AccountOwner   Contact `json:"account_owner"`
}

// Account is an accounts receivable with its money: Balance (payments and
// credits less usage), CreditLimit, HeldAmount (BLOCKED authorisations)
// and AvailableAmount = Balance + CreditLimit − HeldAmount.
type Account struct {
	AccountShort
	Type            string  `json:"type"`
	Currency        string  `json:"currency"`
	Balance         Decimal `json:"balance"`
	CreditLimit     Decimal `json:"credit_limit"`
	HeldAmount      Decimal `json:"held_amount"`
	AvailableAmount Decimal `json:"available_amount"`
	CreatedDate     string  `json:"created_date"`
}

// NewAccount is an account to open for a contact.
type NewAccount struct {
	// Contact is the owner's id.
	Contact     string  `json:"-"`
	Name        string  `json:"name,omitempty"`
	Currency    string  `json:"currency"`
	CreditLimit Decimal `json:"credit_limit,omitempty"`
}

// CreateAccount opens an ACTIVE account (admin).
func (c *Client) CreateAccount(ctx context.Context, n NewAccount, opts ...CallOption) (Account, error) {
	var out Account
	p := struct {
		Contact Identifier `json:"contact_identifier"`
		NewAccount
	}{ByID(n.Contact), n}
	return out, c.Call(ctx, "accounts_receivable/create", p, &out, opts...)
}

type accountParam struct {
	Account Identifier `json:"accounts_receivable_identifier"`
}

// Account returns an account named by id, number or name (admin).
func (c *Client) Account(ctx context.Context, account Identifier) (Account, error) {
	var out Account
	return out, c.Call(ctx, "accounts_receivable/show", accountParam{account}, &out)
}

// Accounts lists the organisation's accounts (admin).
func (c *Client) Accounts(ctx context.Context) ([]Account, error) {
	var out []Account
	return out, c.Call(ctx, "accounts_receivable/list", nil, &out)
}

// LedgerEntry is one movement of an account's balance: PAYMENT, CREDIT or USAGE (negative).
type LedgerEntry struct {
	ID              string  `json:"id"`
	Type            string  `json:"type"`
	Amount          Decimal `json:"amount"`
	ReferenceNumber *string `json:"reference_number"`
	Notes           *string `json:"notes"`
	CreatedDate     string  `json:"created_date"`
}

// Funding is a payment or credit to record.
type Funding struct {
	Account         Identifier `json:"accounts_receivable_identifier"`
	Amount          Decimal    `json:"amount"`
	ReferenceNumber string     `json:"reference_number,omitempty"`
	Notes           string     `json:"notes,omitempty"`
}

// Funded is the entry a payment or credit made and the account after it.
type Funded struct {
	LedgerEntry
	AccountsReceivable Account `json:"accounts_receivable"`
}

// CreatePayment records a payment on an account (admin).
func (c *Client) CreatePayment(ctx context.Context, f Funding, opts ...CallOption) (Funded, error) {
	var out Funded
	return out, c.Call(ctx, "accounts_receivable/payments/create", f, &out, opts...)
}

// CreateCredit records a credit on an account (admin).
func (c *Client) CreateCredit(ctx context.Context, f Funding, opts ...CallOption) (Funded, error) {
	var out Funded
	return out, c.Call(ctx, "accounts_receivable/credits/create", f, &out, opts...)
}

// LedgerEntries lists an account's ledger, oldest first (admin).
func (c *Client) LedgerEntries(ctx context.Context, account Identifier) ([]LedgerEntry, error) {
	var out []LedgerEntry
	return out, c.Call(ctx, "accounts_receivable/ledger_entries/list", accountParam{account}, &out)
}

// SuspendAccount suspends an ACTIVE account (admin): no holds or usage until activated.
func (c *Client) SuspendAccount(ctx context.Context, account Identifier, opts ...CallOption) (Account, error) {
	var out Account
	return out, c.Call(ctx, "accounts_receivable/suspend", accountParam{account}, &out, opts...)
}

// ActivateAccount makes a SUSPENDED account ACTIVE again (admin).
func (c *Client) ActivateAccount(ctx context.Context, account Identifier, opts ...CallOption) (Account, error) {
	var out Account
	return out, c.Call(ctx, "accounts_receivable/activate", accountParam{account}, &out, opts...)
}

// TerminateAccount closes an account for good and cancels its BLOCKED authorisations (admin).
func (c *Client) TerminateAccount(ctx context.Context, account Identifier, opts ...CallOption) (Account, error) {
	var out Account
	return out, c.Call(ctx, "accounts_receivable/terminate", accountParam{account}, &out, opts...)
}

// Books is one account's check: whether its stored balance and holds equal
// what its ledger and authorisations add up to.
type Books struct {
	ID                         string  `json:"id"`
	Number                     string  `json:"number"`
	Balance                    Decimal `json:"balance"`
	LedgerEntriesTotal         Decimal `json:"ledger_entries_total"`
	HeldAmount                 Decimal `json:"held_amount"`
	BlockedAuthorisationsTotal Decimal `json:"blocked_authorisations_total"`
	Balanced                   bool    `json:"balanced"`
	WithinFundingAndCredit     bool    `json:"within_funding_and_credit"`
}

// CheckBooks checks every account of the organisation (admin).
func (c *Client) CheckBooks(ctx context.Context) ([]Books, error) {
	var out []Books
	return out, c.Call(ctx, "accounts_receivable/books/check", nil, &out)
}

// SubscriptionShort is a subscription as other objects nest it.
type SubscriptionShort struct {
	ID             string `json:"id"`
	Number         string `json:"number"`
	LifeCycleState string `json:"life_cycle_state"`
}

// Subscription is an account's subscription.
type Subscription struct {
	SubscriptionShort
	Type        string `json:"type"`
	CreatedDate string `json:"created_date"`
}

// CreateSubscription adds an EFFECTIVE subscription to an account (admin);
// typ "" is the default (USAGE).
func (c *Client) CreateSubscription(ctx context.Context, account Identifier, typ string, opts ...CallOption) (Subscription, error) {
	var out Subscription
	p := map[string]any{"accounts_receivable_identifier": account}
	if typ != "" {
		p["type"] = typ
	}
	return out, c.Call(ctx, "subscriptions/create", p, &out, opts...)
}

// Subscriptions lists an account's subscriptions (admin).
func (c *Client) Subscriptions(ctx context.Context, account Identifier) ([]Subscription, error) {
	var out []Subscription
	return out, c.Call(ctx, "subscriptions/list", accountParam{account}, &out)
}
