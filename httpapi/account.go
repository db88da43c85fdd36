package httpapi

import (
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// The contact, accounts receivable and subscription methods here are
// crmapi's admin extensions for managing what usage authorisations act on;
// they follow the CRM.COM wire conventions.

// optRef turns an optional identifier object into a Ref; nil when absent.
func optRef(id Identifier, param string, fields ...string) (*crmapi.Ref, error) {
	if id == nil {
		return nil, nil
	}
	field, value, err := id.one(param, fields...)
	if err != nil {
		return nil, err
	}
	return &crmapi.Ref{Field: field, Value: value}, nil
}

// mustRef is optRef for a mandatory identifier (decode has checked presence).
func mustRef(id Identifier, param string, fields ...string) (crmapi.Ref, error) {
	ref, err := optRef(id, param, fields...)
	if err != nil {
		return crmapi.Ref{}, err
	}
	if ref == nil {
		return crmapi.Ref{}, crmapi.Missing(param)
	}
	return *ref, nil
}

// The identifier fields each entity accepts.
var (
	accountFields       = []string{"id", "number", "name"}
	subscriptionFields  = []string{"id", "number"}
	authorisationFields = []string{"id", "authorisation_id"}
)

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullableInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

type dayMonthView struct {
	Month *int `json:"month"`
	Day   *int `json:"day"`
}

type dateOfBirthView struct {
	Month *int `json:"month"`
	Year  *int `json:"year"`
	Day   *int `json:"day"`
}

// demographicsView is CRM.COM's demographics object. Industry, industry
// sector and the issuing countries are not kept and are always null.
type demographicsView struct {
	NameDay                 dayMonthView    `json:"name_day"`
	IDNumber                *string         `json:"id_number"`
	Gender                  *string         `json:"gender"`
	DateOfBirth             dateOfBirthView `json:"date_of_birth"`
	IndustrySector          *string         `json:"industry_sector"`
	PassportNumber          *string         `json:"passport_number"`
	Industry                *string         `json:"industry"`
	SocialSecurityNumber    *string         `json:"social_security_number"`
	IDIssuedByCountry       *string         `json:"id_issued_by_country"`
	PassportIssuedByCountry *string         `json:"passport_issued_by_country"`
}

// contactView is the account owner object of the seed example. name is
// the company name of a company and null for a person; company_profile is
// not kept and is always null.
type contactView struct {
	ID             string           `json:"id"`
	Type           string           `json:"type"`
	FirstName      *string          `json:"first_name"`
	LastName       *string          `json:"last_name"`
	MiddleName     *string          `json:"middle_name"`
	Title          *string          `json:"title"`
	Name           *string          `json:"name"`
	CompanyName    *string          `json:"company_name"`
	CompanyProfile *struct{}        `json:"company_profile"`
	LifeCycleState string           `json:"life_cycle_state"`
	Demographics   demographicsView `json:"demographics"`
}

func viewContact(c crmapi.Contact) contactView {
	d := c.Demographics
	v := contactView{ID: c.ID, Type: string(c.Type), FirstName: nullable(c.FirstName), LastName: nullable(c.LastName),
		MiddleName: nullable(c.MiddleName), Title: nullable(c.Title), CompanyName: nullable(c.CompanyName),
		LifeCycleState: c.LifeCycleState,
		Demographics: demographicsView{NameDay: dayMonthView{Month: nullableInt(d.NameDayMonth), Day: nullableInt(d.NameDayDay)},
			IDNumber: nullable(d.IDNumber), Gender: nullable(d.Gender),
			DateOfBirth:    dateOfBirthView{Month: nullableInt(d.BirthMonth), Year: nullableInt(d.BirthYear), Day: nullableInt(d.BirthDay)},
			PassportNumber: nullable(d.PassportNumber), SocialSecurityNumber: nullable(d.SocialSecurityNumber)}}
	if c.Type == crmapi.ContactCompany {
		v.Name = nullable(c.CompanyName)
	}
	return v
}

// contactAdminView adds the creation date for the admin methods.
type contactAdminView struct {
	contactView
	CreatedDate string `json:"created_date"`
}

func viewContactAdmin(c crmapi.Contact, loc *time.Location) contactAdminView {
	return contactAdminView{contactView: viewContact(c), CreatedDate: formatDate(c.CreatedAt, loc)}
}

// accountShortView is the accounts receivable object of the seed example.
type accountShortView struct {
	ID             string      `json:"id"`
	Number         string      `json:"number"`
	Name           string      `json:"name"`
	LifeCycleState string      `json:"life_cycle_state"`
	AccountOwner   contactView `json:"account_owner"`
}

func viewAccountShort(d service.AccountDetail) accountShortView {
	return accountShortView{ID: d.ID, Number: d.Number, Name: d.Name, LifeCycleState: string(d.LifeCycleState),
		AccountOwner: viewContact(d.Owner)}
}

// accountView is the whole account, for the admin methods: the money
// fields are crmapi's (held_amount and available_amount are extensions).
type accountView struct {
	accountShortView
	Type            string        `json:"type"`
	Currency        string        `json:"currency"`
	Balance         crmapi.Amount `json:"balance"`
	CreditLimit     crmapi.Amount `json:"credit_limit"`
	HeldAmount      crmapi.Amount `json:"held_amount"`
	AvailableAmount crmapi.Amount `json:"available_amount"`
	CreatedDate     string        `json:"created_date"`
}

func viewAccount(d service.AccountDetail, loc *time.Location) accountView {
	return accountView{accountShortView: viewAccountShort(d), Type: "CUSTOMER", Currency: d.Currency, Balance: d.Balance,
		CreditLimit: d.CreditLimit, HeldAmount: d.Held, AvailableAmount: d.Available(), CreatedDate: formatDate(d.CreatedAt, loc)}
}

type entryView struct {
	ID              string        `json:"id"`
	Type            string        `json:"type"`
	Amount          crmapi.Amount `json:"amount"`
	ReferenceNumber *string       `json:"reference_number"`
	Notes           *string       `json:"notes"`
	CreatedDate     string        `json:"created_date"`
}

func viewEntry(e crmapi.LedgerEntry, loc *time.Location) entryView {
	return entryView{ID: e.ID, Type: string(e.Kind), Amount: e.Amount, ReferenceNumber: nullable(e.Reference),
		Notes: nullable(e.Description), CreatedDate: formatDate(e.CreatedAt, loc)}
}

type subscriptionShortView struct {
	ID             string `json:"id"`
	Number         string `json:"number"`
	LifeCycleState string `json:"life_cycle_state"`
}

func viewSubscriptionShort(s crmapi.Subscription) subscriptionShortView {
	return subscriptionShortView{ID: s.ID, Number: s.Number, LifeCycleState: string(s.LifeCycleState)}
}

type accountSubscriptionView struct {
	subscriptionShortView
	Type        string `json:"type"`
	CreatedDate string `json:"created_date"`
}

func viewAccountSubscription(s crmapi.Subscription, loc *time.Location) accountSubscriptionView {
	return accountSubscriptionView{subscriptionShortView: viewSubscriptionShort(s), Type: s.Kind, CreatedDate: formatDate(s.CreatedAt, loc)}
}

type nameDayParam struct {
	Month int `json:"month"`
	Day   int `json:"day"`
}

type dateOfBirthParam struct {
	Year  int `json:"year"`
	Month int `json:"month"`
	Day   int `json:"day"`
}

type demographicsParam struct {
	Gender               string           `json:"gender"`
	IDNumber             string           `json:"id_number"`
	PassportNumber       string           `json:"passport_number"`
	SocialSecurityNumber string           `json:"social_security_number"`
	DateOfBirth          dateOfBirthParam `json:"date_of_birth"`
	NameDay              nameDayParam     `json:"name_day"`
}

// createContact is POST contacts/create.
func (s *Server) createContact(req *request) (any, error) {
	var p struct {
		Type         string            `json:"type" crm:"mandatory"`
		FirstName    string            `json:"first_name"`
		MiddleName   string            `json:"middle_name"`
		LastName     string            `json:"last_name"`
		Title        string            `json:"title"`
		CompanyName  string            `json:"company_name"`
		Demographics demographicsParam `json:"demographics"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	d := p.Demographics
	c, err := s.svc.Accounts.CreateContact(req.ctx(), req.caller.Organisation.ID, service.NewContact{
		Type: crmapi.ContactType(p.Type), FirstName: p.FirstName, MiddleName: p.MiddleName, LastName: p.LastName,
		Title: p.Title, CompanyName: p.CompanyName, Demographics: crmapi.Demographics{Gender: d.Gender, IDNumber: d.IDNumber,
			PassportNumber: d.PassportNumber, SocialSecurityNumber: d.SocialSecurityNumber, BirthYear: d.DateOfBirth.Year,
			BirthMonth: d.DateOfBirth.Month, BirthDay: d.DateOfBirth.Day, NameDayMonth: d.NameDay.Month, NameDayDay: d.NameDay.Day}})
	if err != nil {
		return nil, err
	}
	return viewContactAdmin(c, req.loc()), nil
}

// showContact is GET contacts/show.
func (s *Server) showContact(req *request) (any, error) {
	var p struct {
		Contact Identifier `json:"contact_identifier" crm:"mandatory"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	_, id, err := p.Contact.one("contact_identifier", "id")
	if err != nil {
		return nil, err
	}
	c, err := s.svc.Accounts.Contact(req.ctx(), req.caller.Organisation.ID, id)
	if err != nil {
		return nil, err
	}
	return viewContactAdmin(c, req.loc()), nil
}

// listContacts is GET contacts/list.
func (s *Server) listContacts(req *request) (any, error) {
	if err := req.decode(&struct{}{}); err != nil {
		return nil, err
	}
	list, err := s.svc.Accounts.Contacts(req.ctx(), req.caller.Organisation.ID)
	return mapViews(list, req.loc(), viewContactAdmin), err
}

// createAccount is POST accounts_receivable/create.
func (s *Server) createAccount(req *request) (any, error) {
	var p struct {
		Contact     Identifier    `json:"contact_identifier" crm:"mandatory"`
		Name        string        `json:"name"`
		Currency    string        `json:"currency" crm:"mandatory"`
		CreditLimit crmapi.Amount `json:"credit_limit"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	_, owner, err := p.Contact.one("contact_identifier", "id")
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Accounts.CreateAccount(req.ctx(), req.caller.Organisation.ID,
		service.NewAccount{OwnerID: owner, Name: p.Name, Currency: p.Currency, CreditLimit: p.CreditLimit})
	if err != nil {
		return nil, err
	}
	return viewAccount(d, req.loc()), nil
}

// accountParam is the parameters of methods that take only an account.
type accountParam struct {
	Account Identifier `json:"accounts_receivable_identifier" crm:"mandatory"`
}

func (req *request) account() (crmapi.Ref, error) {
	var p accountParam
	if err := req.decode(&p); err != nil {
		return crmapi.Ref{}, err
	}
	return mustRef(p.Account, "accounts_receivable_identifier", accountFields...)
}

// showAccount is GET accounts_receivable/show.
func (s *Server) showAccount(req *request) (any, error) {
	ref, err := req.account()
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Accounts.Account(req.ctx(), req.caller.Organisation.ID, ref)
	if err != nil {
		return nil, err
	}
	return viewAccount(d, req.loc()), nil
}

// listAccounts is GET accounts_receivable/list.
func (s *Server) listAccounts(req *request) (any, error) {
	if err := req.decode(&struct{}{}); err != nil {
		return nil, err
	}
	list, err := s.svc.Accounts.Accounts(req.ctx(), req.caller.Organisation.ID)
	return mapViews(list, req.loc(), viewAccount), err
}

// fundingView is the answer to a payment or credit: the entry and the account after it.
type fundingView struct {
	entryView
	AccountsReceivable accountView `json:"accounts_receivable"`
}

// fund serves POST accounts_receivable/payments/create and …/credits/create.
func (s *Server) fund(kind crmapi.EntryKind) handlerFunc {
	return func(req *request) (any, error) {
		var p struct {
			Account   Identifier    `json:"accounts_receivable_identifier" crm:"mandatory"`
			Amount    crmapi.Amount `json:"amount" crm:"mandatory"`
			Reference string        `json:"reference_number"`
			Notes     string        `json:"notes"`
		}
		if err := req.decode(&p); err != nil {
			return nil, err
		}
		ref, err := mustRef(p.Account, "accounts_receivable_identifier", accountFields...)
		if err != nil {
			return nil, err
		}
		e, d, err := s.svc.Accounts.Fund(req.ctx(), req.caller.Organisation.ID,
			service.Funding{Account: ref, Kind: kind, Amount: p.Amount, Reference: p.Reference, Description: p.Notes})
		if err != nil {
			return nil, err
		}
		return fundingView{entryView: viewEntry(e, req.loc()), AccountsReceivable: viewAccount(d, req.loc())}, nil
	}
}

// listEntries is GET accounts_receivable/ledger_entries/list.
func (s *Server) listEntries(req *request) (any, error) {
	ref, err := req.account()
	if err != nil {
		return nil, err
	}
	list, err := s.svc.Accounts.Entries(req.ctx(), req.caller.Organisation.ID, ref)
	return mapViews(list, req.loc(), viewEntry), err
}

// setAccountState serves POST accounts_receivable/suspend, activate and terminate.
func (s *Server) setAccountState(to crmapi.AccountState) handlerFunc {
	return func(req *request) (any, error) {
		ref, err := req.account()
		if err != nil {
			return nil, err
		}
		d, err := s.svc.Accounts.SetState(req.ctx(), req.caller.Organisation.ID, req.caller.User.ID, ref, to)
		if err != nil {
			return nil, err
		}
		return viewAccount(d, req.loc()), nil
	}
}

type booksView struct {
	ID              string        `json:"id"`
	Number          string        `json:"number"`
	Balance         crmapi.Amount `json:"balance"`
	EntriesTotal    crmapi.Amount `json:"ledger_entries_total"`
	HeldAmount      crmapi.Amount `json:"held_amount"`
	BlockedTotal    crmapi.Amount `json:"blocked_authorisations_total"`
	Balanced        bool          `json:"balanced"`
	WithinAllowance bool          `json:"within_funding_and_credit"`
}

// checkBooks is GET accounts_receivable/books/check: whether every
// account's stored balance and holds equal what its records add up to.
func (s *Server) checkBooks(req *request) (any, error) {
	if err := req.decode(&struct{}{}); err != nil {
		return nil, err
	}
	books, err := s.svc.Accounts.Books(req.ctx(), req.caller.Organisation.ID)
	out := make([]booksView, 0, len(books))
	for _, b := range books {
		out = append(out, booksView{ID: b.AccountID, Number: b.Number, Balance: b.Balance, EntriesTotal: b.EntriesTotal,
			HeldAmount: b.Held, BlockedTotal: b.BlockedTotal, Balanced: b.Balanced(), WithinAllowance: !b.OverAuthorised()})
	}
	return out, err
}

// createSubscription is POST subscriptions/create.
func (s *Server) createSubscription(req *request) (any, error) {
	var p struct {
		Account Identifier `json:"accounts_receivable_identifier" crm:"mandatory"`
		Type    string     `json:"type"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	ref, err := mustRef(p.Account, "accounts_receivable_identifier", accountFields...)
	if err != nil {
		return nil, err
	}
	sub, err := s.svc.Accounts.CreateSubscription(req.ctx(), req.caller.Organisation.ID, ref, p.Type)
	if err != nil {
		return nil, err
	}
	return viewAccountSubscription(sub, req.loc()), nil
}

// listSubscriptions is GET subscriptions/list.
func (s *Server) listSubscriptions(req *request) (any, error) {
	ref, err := req.account()
	if err != nil {
		return nil, err
	}
	list, err := s.svc.Accounts.Subscriptions(req.ctx(), req.caller.Organisation.ID, ref)
	return mapViews(list, req.loc(), viewAccountSubscription), err
}
