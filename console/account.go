package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// accountView is the account page.
type accountView struct {
	base
	Number      string
	Name        string
	State       string
	Owner       string
	OwnerType   string
	Currency    string
	Created     string
	ShowsMoney  bool
	Balance     string
	CreditLimit string
	Held        string
	Available   string
	// Negative marks a balance below zero, drawn on the credit limit.
	Negative      bool
	Subscriptions []subscriptionRow
	Holds         []holdRow
	Records       []recordRow
	Entries       []entryRow
}

type subscriptionRow struct {
	Number, Kind, State, Created string
}

// holdRow is one usage authorisation.
type holdRow struct {
	Number       string
	State        string
	Amount       string
	Used         string
	AuthorisedAt string
	ExpiresAt    string
	// Ended says how and when it left BLOCKED ("cancelled 2025-… by ops").
	Ended        string
	Subscription string
	Services     []maximumRow
	Cancellable  bool
}

// maximumRow is what an authorisation allows on one service, type or family.
type maximumRow struct {
	Target, MaxAmount, MaxUsage string
}

type recordRow struct {
	Number, Service, Usage, UnitRate, Rated, Authorisation, Created string
}

type entryRow struct {
	Kind, Amount, Reference, Description, Created string
	Negative                                      bool
}

// accountRef is how console URLs name an account: by its number.
func accountRef(number string) crmapi.Ref { return crmapi.Ref{Field: "number", Value: number} }

// account shows an account. Its balance, ledger and usage records are
// admin methods in the API (accounts_receivable/show, ledger_entries/list,
// usage_detail_records/list), so only admins see them here; any user sees
// what usage_authorisations/list shows: the account's short form and its
// authorisations, which any user may cancel.
func (c *Console) account(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx, org := r.Context(), s.caller.Organisation
	ref := accountRef(r.PathValue("number"))
	acct, err := c.svc.Accounts.Account(ctx, org.ID, ref)
	if err != nil {
		return err
	}
	loc := org.Location()
	v := accountView{base: baseOf(s, "Account "+acct.Number), Number: acct.Number, Name: acct.Name,
		State: string(acct.LifeCycleState), Owner: contactName(acct.Owner), OwnerType: strings.ToLower(string(acct.Owner.Type)),
		Currency: acct.Currency, ShowsMoney: s.caller.User.Admin}
	v.Query = acct.Number
	holds, err := c.svc.Usage.Authorisations(ctx, org.ID, ref, 0, 0)
	if err != nil {
		return err
	}
	numbers := map[string]string{}
	for _, h := range slices.Backward(holds) {
		numbers[h.ID] = h.Number
		v.Holds = append(v.Holds, holdRowOf(h, loc))
	}
	if v.ShowsMoney {
		if err := c.fillAdminSections(r, s, ref, &v, acct, numbers); err != nil {
			return err
		}
	}
	if r.URL.Query().Get("done") == "cancelled" {
		v.Flash = "Usage authorisation " + r.URL.Query().Get("ua") + " is cancelled and its hold released."
	}
	c.render(w, r, "account", v, http.StatusOK)
	return nil
}

// fillAdminSections adds what only admins may read: money, subscriptions,
// usage records and ledger entries, newest first.
func (c *Console) fillAdminSections(r *http.Request, s *session, ref crmapi.Ref, v *accountView,
	acct service.AccountDetail, holdNumbers map[string]string) error {
	ctx, org := r.Context(), s.caller.Organisation
	loc := org.Location()
	cur := acct.Currency
	v.Balance, v.CreditLimit, v.Held = money(acct.Balance, cur), money(acct.CreditLimit, cur), money(acct.Held, cur)
	v.Available, v.Negative, v.Created = money(acct.Available(), cur), acct.Balance.IsNegative(), date(acct.CreatedAt, loc)
	subs, err := c.svc.Accounts.Subscriptions(ctx, org.ID, ref)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		v.Subscriptions = append(v.Subscriptions, subscriptionRow{Number: sub.Number, Kind: sub.Kind,
			State: string(sub.LifeCycleState), Created: date(sub.CreatedAt, loc)})
	}
	records, cat, err := c.svc.Usage.UsageRecords(ctx, org.ID, ref)
	if err != nil {
		return err
	}
	for _, rec := range slices.Backward(records) {
		svc := cat.Services[rec.ServiceID]
		v.Records = append(v.Records, recordRow{Number: rec.Number, Service: svc.Code, Usage: rec.Usage.String(),
			UnitRate: money(rec.UnitRate, cur), Rated: money(rec.RatedAmount, cur),
			Authorisation: holdNumbers[rec.AuthorisationID], Created: date(rec.CreatedAt, loc)})
	}
	entries, err := c.svc.Accounts.Entries(ctx, org.ID, ref)
	if err != nil {
		return err
	}
	for _, e := range slices.Backward(entries) {
		v.Entries = append(v.Entries, entryRow{Kind: string(e.Kind), Amount: money(e.Amount, cur), Reference: e.Reference,
			Description: e.Description, Created: date(e.CreatedAt, loc), Negative: e.Amount.IsNegative()})
	}
	return nil
}

// holdRowOf is a usage authorisation as the account page lists it.
func holdRowOf(d service.AuthorisationDetail, loc *time.Location) holdRow {
	cur := d.Account.Currency
	h := holdRow{Number: d.Number, State: string(d.LifeCycleState), Amount: money(d.Amount, cur),
		AuthorisedAt: date(d.AuthorisedAt, loc), ExpiresAt: date(d.ExpiresAt, loc),
		Cancellable: d.LifeCycleState == crmapi.AuthorisationBlocked}
	if d.Subscription != nil {
		h.Subscription = d.Subscription.Number
	}
	switch d.LifeCycleState {
	case crmapi.AuthorisationCompleted:
		h.Used = money(d.UsedAmount, cur)
		h.Ended = "completed " + datePtr(d.CompletedAt, loc)
		if d.CompletedBy != nil {
			h.Ended += " by " + d.CompletedBy.Number
		}
	case crmapi.AuthorisationCancelled:
		h.Ended = "cancelled " + datePtr(d.CancelledAt, loc)
		if d.CancelledBy != nil {
			h.Ended += " by " + d.CancelledBy.Username
		}
	case crmapi.AuthorisationExpired:
		h.Ended = "expired " + datePtr(d.ExpiredAt, loc)
	}
	for _, m := range d.Services {
		h.Services = append(h.Services, maximumRow{Target: targetName(m.Target, d.Catalogue),
			MaxAmount: money(m.MaximumAmount, cur), MaxUsage: m.MaximumUsage.String() + " " + usageUnit(m.Target, d.Catalogue)})
	}
	return h
}

// doneURL is the account page after an action, saying what was done.
func doneURL(account, done string, extra url.Values) string {
	q := url.Values{"done": {done}}
	for k, vs := range extra {
		q[k] = vs
	}
	return Path + "accounts/" + url.PathEscape(account) + "?" + q.Encode()
}

// looksLikeAccountNumber tells whether a search term is an account number.
func looksLikeAccountNumber(q string) bool {
	q = strings.ToUpper(q)
	return strings.HasPrefix(q, "ACR") && len(q) > 3 && strings.Trim(q[3:], "0123456789") == ""
}
