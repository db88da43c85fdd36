package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmapi/crmapi"
)

// AccountService manages contacts, accounts receivable, their ledgers and
// subscriptions. Every method acts inside one organisation.
type AccountService struct {
	store crmapi.Store
	clock crmapi.Clock
}

// NewContact describes a contact to create.
type NewContact struct {
	Type         crmapi.ContactType
	FirstName    string
	MiddleName   string
	LastName     string
	Title        string
	CompanyName  string
	Demographics crmapi.Demographics
}

// maxText bounds free-text fields.
const maxText = 200

// CreateContact adds a contact: a person needs a last name, a company its
// company name. Codes: MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER.
func (s *AccountService) CreateContact(ctx context.Context, orgID string, n NewContact) (crmapi.Contact, error) {
	c := crmapi.Contact{ID: crmapi.NewID(), OrganisationID: orgID, Type: n.Type, FirstName: strings.TrimSpace(n.FirstName),
		MiddleName: strings.TrimSpace(n.MiddleName), LastName: strings.TrimSpace(n.LastName), Title: strings.TrimSpace(n.Title),
		CompanyName: strings.TrimSpace(n.CompanyName), LifeCycleState: crmapi.ContactNonFinancial,
		Demographics: n.Demographics, CreatedAt: s.clock.Now()}
	switch c.Type {
	case crmapi.ContactPerson:
		if c.LastName == "" {
			return crmapi.Contact{}, crmapi.Missing("last_name")
		}
		if c.CompanyName != "" {
			return crmapi.Contact{}, crmapi.Invalid("company_name", "a person has no company name")
		}
	case crmapi.ContactCompany:
		if c.CompanyName == "" {
			return crmapi.Contact{}, crmapi.Missing("company_name")
		}
	case "":
		return crmapi.Contact{}, crmapi.Missing("type")
	default:
		return crmapi.Contact{}, crmapi.Invalid("type", "PERSON or COMPANY")
	}
	for name, v := range map[string]string{"first_name": c.FirstName, "middle_name": c.MiddleName, "last_name": c.LastName,
		"title": c.Title, "company_name": c.CompanyName, "demographics.id_number": c.Demographics.IDNumber,
		"demographics.passport_number":        c.Demographics.PassportNumber,
		"demographics.social_security_number": c.Demographics.SocialSecurityNumber} {
		if len(v) > maxText {
			return crmapi.Contact{}, crmapi.Invalid(name, fmt.Sprintf("at most %d characters", maxText))
		}
	}
	if err := checkDemographics(c.Demographics); err != nil {
		return crmapi.Contact{}, err
	}
	err := s.store.Update(ctx, func(tx crmapi.Tx) error { return tx.CreateContact(c) })
	return c, err
}

func checkDemographics(d crmapi.Demographics) error {
	switch d.Gender {
	case "", "MALE", "FEMALE":
	default:
		return crmapi.Invalid("demographics.gender", "MALE or FEMALE")
	}
	if d.BirthYear != 0 && (d.BirthYear < 1850 || d.BirthYear > 2200) {
		return crmapi.Invalid("demographics.date_of_birth.year", "not a plausible year")
	}
	for name, v := range map[string][2]int{"demographics.date_of_birth.month": {d.BirthMonth, 12},
		"demographics.date_of_birth.day": {d.BirthDay, 31}, "demographics.name_day.month": {d.NameDayMonth, 12},
		"demographics.name_day.day": {d.NameDayDay, 31}} {
		if v[0] < 0 || v[0] > v[1] {
			return crmapi.Invalid(name, fmt.Sprintf("between 1 and %d", v[1]))
		}
	}
	return nil
}

// Contact returns a contact by id. Codes: NOT_FOUND.
func (s *AccountService) Contact(ctx context.Context, orgID, id string) (crmapi.Contact, error) {
	var c crmapi.Contact
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		c, err = tx.ContactByID(orgID, id)
		return err
	})
	return c, err
}

// Contacts lists the organisation's contacts, oldest first.
func (s *AccountService) Contacts(ctx context.Context, orgID string) ([]crmapi.Contact, error) {
	var out []crmapi.Contact
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		out, err = tx.ListContacts(orgID)
		return err
	})
	return out, err
}

// AccountDetail is an account with its owner.
type AccountDetail struct {
	crmapi.AccountsReceivable
	Owner crmapi.Contact
}

// NewAccount describes an account to create.
type NewAccount struct {
	// OwnerID is the owning contact's id.
	OwnerID string
	// Name defaults to the account's number.
	Name        string
	Currency    string
	CreditLimit crmapi.Amount
}

// CreateAccount opens an ACTIVE account with a zero balance for a contact,
// which becomes FINANCIAL. Codes: MANDATORY_PARAMETER_MISSING,
// INVALID_PARAMETER, NOT_FOUND (owner), CONFLICT (name taken).
func (s *AccountService) CreateAccount(ctx context.Context, orgID string, n NewAccount) (AccountDetail, error) {
	n.Currency = strings.ToUpper(strings.TrimSpace(n.Currency))
	if n.OwnerID == "" {
		return AccountDetail{}, crmapi.Missing("contact_identifier")
	}
	if err := checkCurrency(n.Currency); err != nil {
		return AccountDetail{}, err
	}
	if n.CreditLimit.IsNegative() || !n.CreditLimit.FitsCurrency(n.Currency) {
		return AccountDetail{}, crmapi.Invalid("credit_limit", "a non-negative amount in the currency's minor units")
	}
	if len(n.Name) > maxText {
		return AccountDetail{}, crmapi.Invalid("name", fmt.Sprintf("at most %d characters", maxText))
	}
	var d AccountDetail
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		owner, err := tx.ContactByID(orgID, n.OwnerID)
		if err != nil {
			return err
		}
		seq, err := tx.NextNumber(orgID, "ACR")
		if err != nil {
			return err
		}
		a := crmapi.AccountsReceivable{ID: crmapi.NewID(), OrganisationID: orgID, Number: crmapi.FormatNumber("ACR", seq),
			Name: strings.TrimSpace(n.Name), OwnerID: owner.ID, Currency: n.Currency, CreditLimit: n.CreditLimit,
			LifeCycleState: crmapi.AccountActive, CreatedAt: s.clock.Now()}
		if a.Name == "" {
			a.Name = a.Number
		}
		if err := tx.CreateAccount(a); err != nil {
			return err
		}
		if err := tx.MarkContactFinancial(orgID, owner.ID); err != nil {
			return err
		}
		owner.LifeCycleState = crmapi.ContactFinancial
		d = AccountDetail{AccountsReceivable: a, Owner: owner}
		return nil
	})
	return d, err
}

func checkCurrency(c string) error {
	if c == "" {
		return crmapi.Missing("currency")
	}
	if len(c) != 3 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return crmapi.Invalid("currency", "an ISO 4217 code such as EUR")
	}
	return nil
}

// resolveAccount finds an account by id, number or name.
func resolveAccount(tx crmapi.Tx, orgID string, ref crmapi.Ref) (crmapi.AccountsReceivable, error) {
	switch ref.Field {
	case "id":
		return tx.AccountByID(orgID, ref.Value)
	case "number":
		return tx.AccountByNumber(orgID, ref.Value)
	case "name":
		return tx.AccountByName(orgID, ref.Value)
	}
	return crmapi.AccountsReceivable{}, crmapi.Invalid("accounts_receivable_identifier."+ref.Field, "use id, number or name")
}

func accountDetail(tx crmapi.Tx, a crmapi.AccountsReceivable) (AccountDetail, error) {
	owner, err := tx.ContactByID(a.OrganisationID, a.OwnerID)
	return AccountDetail{AccountsReceivable: a, Owner: owner}, err
}

// Account returns an account with its owner. Codes: NOT_FOUND, INVALID_PARAMETER.
func (s *AccountService) Account(ctx context.Context, orgID string, ref crmapi.Ref) (AccountDetail, error) {
	var d AccountDetail
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		a, err := resolveAccount(tx, orgID, ref)
		if err != nil {
			return err
		}
		d, err = accountDetail(tx, a)
		return err
	})
	return d, err
}

// Accounts lists the organisation's accounts by number.
func (s *AccountService) Accounts(ctx context.Context, orgID string) ([]AccountDetail, error) {
	var out []AccountDetail
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		list, err := tx.ListAccounts(orgID)
		if err != nil {
			return err
		}
		out = make([]AccountDetail, 0, len(list))
		for _, a := range list {
			d, err := accountDetail(tx, a)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// Funding is a payment or credit to an account.
type Funding struct {
	Account crmapi.Ref
	// Kind is PAYMENT or CREDIT.
	Kind        crmapi.EntryKind
	Amount      crmapi.Amount
	Reference   string
	Description string
}

// Fund records a payment or credit, raising the balance by its amount.
// Codes: INVALID_PARAMETER (amount ≤ 0 or finer than the currency),
// NOT_FOUND, INVALID_LIFE_CYCLE_STATE (terminated account).
func (s *AccountService) Fund(ctx context.Context, orgID string, f Funding) (crmapi.LedgerEntry, AccountDetail, error) {
	if f.Kind != crmapi.EntryPayment && f.Kind != crmapi.EntryCredit {
		return crmapi.LedgerEntry{}, AccountDetail{}, crmapi.Invalid("kind", "PAYMENT or CREDIT")
	}
	if !f.Amount.IsPositive() {
		return crmapi.LedgerEntry{}, AccountDetail{}, crmapi.Invalid("amount", "must be greater than zero")
	}
	if len(f.Reference) > maxText || len(f.Description) > maxText {
		return crmapi.LedgerEntry{}, AccountDetail{}, crmapi.Invalid("reference", fmt.Sprintf("reference and description: at most %d characters", maxText))
	}
	var e crmapi.LedgerEntry
	var d AccountDetail
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		a, err := resolveAccount(tx, orgID, f.Account)
		if err != nil {
			return err
		}
		if !f.Amount.FitsCurrency(a.Currency) {
			return crmapi.Invalid("amount", "more decimals than "+a.Currency+" has")
		}
		if a.LifeCycleState == crmapi.AccountTerminated {
			return errTerminated(a)
		}
		e = crmapi.LedgerEntry{ID: crmapi.NewID(), OrganisationID: orgID, AccountID: a.ID, Kind: f.Kind, Amount: f.Amount,
			Reference: f.Reference, Description: f.Description, CreatedAt: s.clock.Now()}
		if err := tx.AddEntry(e); err != nil {
			return err
		}
		if a, err = tx.AccountByID(orgID, a.ID); err != nil {
			return err
		}
		d, err = accountDetail(tx, a)
		return err
	})
	return e, d, err
}

func errTerminated(a crmapi.AccountsReceivable) error {
	return crmapi.Errorf(crmapi.InvalidLifeCycleState, "Invalid life cycle state", "account %s is TERMINATED", a.Number)
}

// Entries lists an account's ledger entries, oldest first. Codes: NOT_FOUND.
func (s *AccountService) Entries(ctx context.Context, orgID string, ref crmapi.Ref) ([]crmapi.LedgerEntry, error) {
	var out []crmapi.LedgerEntry
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		a, err := resolveAccount(tx, orgID, ref)
		if err != nil {
			return err
		}
		out, err = tx.ListEntries(orgID, a.ID)
		return err
	})
	return out, err
}

// SetState moves an account: ACTIVE ⇄ SUSPENDED, either → TERMINATED
// (final). Terminating cancels the account's BLOCKED authorisations, as
// userID, so that no money stays held on a closed account.
// Codes: NOT_FOUND, INVALID_LIFE_CYCLE_STATE, INVALID_PARAMETER.
func (s *AccountService) SetState(ctx context.Context, orgID, userID string, ref crmapi.Ref, to crmapi.AccountState) (AccountDetail, error) {
	var d AccountDetail
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		a, err := resolveAccount(tx, orgID, ref)
		if err != nil {
			return err
		}
		from := a.LifeCycleState
		ok := false
		switch to {
		case crmapi.AccountActive:
			ok = from == crmapi.AccountSuspended
		case crmapi.AccountSuspended:
			ok = from == crmapi.AccountActive
		case crmapi.AccountTerminated:
			ok = from != crmapi.AccountTerminated
		default:
			return crmapi.Invalid("life_cycle_state", "ACTIVE, SUSPENDED or TERMINATED")
		}
		if !ok {
			return crmapi.Errorf(crmapi.InvalidLifeCycleState, "Invalid life cycle state",
				"account %s is %s and cannot become %s", a.Number, from, to)
		}
		if to == crmapi.AccountTerminated {
			org, err := tx.OrganisationByID(orgID)
			if err != nil {
				return err
			}
			if err := cancelBlocked(tx, a, userID, org.Now(s.clock)); err != nil {
				return err
			}
		}
		if err := tx.SetAccountState(orgID, a.ID, to); err != nil {
			return err
		}
		if a, err = tx.AccountByID(orgID, a.ID); err != nil {
			return err
		}
		d, err = accountDetail(tx, a)
		return err
	})
	return d, err
}

// Books returns the books of every account of the organisation, for the
// check that each balances (reliability promise M4).
func (s *AccountService) Books(ctx context.Context, orgID string) ([]crmapi.Books, error) {
	var out []crmapi.Books
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		out, err = tx.AccountBooks(orgID)
		return err
	})
	return out, err
}

// CreateSubscription adds an EFFECTIVE subscription of the given kind
// (USAGE when empty) to an account. Codes: NOT_FOUND, INVALID_PARAMETER,
// INVALID_LIFE_CYCLE_STATE (terminated account).
func (s *AccountService) CreateSubscription(ctx context.Context, orgID string, account crmapi.Ref, kind string) (crmapi.Subscription, error) {
	kind = strings.ToUpper(strings.TrimSpace(kind))
	if kind == "" {
		kind = crmapi.SubscriptionKindUsage
	}
	if len(kind) > 40 {
		return crmapi.Subscription{}, crmapi.Invalid("kind", "at most 40 characters")
	}
	var sub crmapi.Subscription
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		a, err := resolveAccount(tx, orgID, account)
		if err != nil {
			return err
		}
		if a.LifeCycleState == crmapi.AccountTerminated {
			return errTerminated(a)
		}
		seq, err := tx.NextNumber(orgID, "SUB")
		if err != nil {
			return err
		}
		sub = crmapi.Subscription{ID: crmapi.NewID(), OrganisationID: orgID, Number: crmapi.FormatNumber("SUB", seq),
			AccountID: a.ID, Kind: kind, LifeCycleState: crmapi.SubscriptionEffective, CreatedAt: s.clock.Now()}
		return tx.CreateSubscription(sub)
	})
	return sub, err
}

// Subscriptions lists an account's subscriptions. Codes: NOT_FOUND.
func (s *AccountService) Subscriptions(ctx context.Context, orgID string, account crmapi.Ref) ([]crmapi.Subscription, error) {
	var out []crmapi.Subscription
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		a, err := resolveAccount(tx, orgID, account)
		if err != nil {
			return err
		}
		out, err = tx.ListSubscriptions(orgID, a.ID)
		return err
	})
	return out, err
}

// resolveSubscription finds a subscription by id or number.
func resolveSubscription(tx crmapi.Tx, orgID string, ref crmapi.Ref) (crmapi.Subscription, error) {
	switch ref.Field {
	case "id":
		return tx.SubscriptionByID(orgID, ref.Value)
	case "number":
		return tx.SubscriptionByNumber(orgID, ref.Value)
	}
	return crmapi.Subscription{}, crmapi.Invalid("subscription_identifier."+ref.Field, "use id or number")
}
