package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/crmapi/crmapi"
)

// homeView is the search page.
type homeView struct {
	base
	// By is the kind of identifier searched for; empty tries each.
	By string
	// Attention lists, for admins, the subscriptions whose partner work
	// stopped (admin/netflix/attention/list).
	Attention []attentionRow
}

type attentionRow struct {
	Number, CustomerID, State, Reason, URL string
}

// home is the search page.
func (c *Console) home(w http.ResponseWriter, r *http.Request, s *session) error {
	v := homeView{base: baseOf(s, "Find a customer")}
	v.HideSearch = true
	if err := c.fillAttention(r, s, &v); err != nil {
		return err
	}
	c.render(w, r, "home", v, http.StatusOK)
	return nil
}

// fillAttention adds the subscriptions needing attention for admins: it
// is an admin method in the API.
func (c *Console) fillAttention(r *http.Request, s *session, v *homeView) error {
	if !s.caller.User.Admin {
		return nil
	}
	list, err := c.svc.Netflix.NeedingAttention(r.Context(), s.caller.Organisation.ID)
	for _, a := range list {
		sub := a.Subscription
		v.Attention = append(v.Attention, attentionRow{Number: sub.Number, CustomerID: sub.CustomerID,
			State: string(sub.LifeCycleState), Reason: sub.AttentionReason, URL: customerURL(sub.CustomerID)})
	}
	return err
}

// The kinds of identifier a search may name.
const (
	byAny     = ""
	byAccount = "account"
	byBilling = "billing"
	byPAI     = "pai"
)

// search finds a customer and goes to their page. Without a kind, an
// account number (ACR…) is tried as one, then the term as a Netflix
// billing id, then as a PAI.
func (c *Console) search(w http.ResponseWriter, r *http.Request, s *session) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	by := r.URL.Query().Get("by")
	v := homeView{base: baseOf(s, "Find a customer"), By: by}
	v.Query, v.HideSearch = q, true
	if q == "" {
		v.Error = viewError(crmapi.Missing("a billing id, PAI or account number"))
		c.render(w, r, "home", v, http.StatusBadRequest)
		return nil
	}
	target, err := c.find(r, s, q, by)
	if err != nil {
		v.Error = c.errorView(w, r, err)
		c.render(w, r, "home", v, statusOf(err))
		return nil
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// find returns the page of the customer q names.
func (c *Console) find(r *http.Request, s *session, q, by string) (string, error) {
	org := s.caller.Organisation
	ctx := r.Context()
	switch by {
	case byAny, byAccount, byBilling, byPAI:
	default:
		return "", crmapi.Invalid("by", "account, billing or pai")
	}
	if by == byAccount || (by == byAny && looksLikeAccountNumber(q)) {
		acct, err := c.svc.Accounts.Account(ctx, org.ID, accountRef(strings.ToUpper(q)))
		if err == nil {
			return Path + "accounts/" + url.PathEscape(acct.Number), nil
		}
		if by == byAccount || !errors.Is(err, crmapi.ErrNotFound) {
			return "", err
		}
	}
	if by == byAny || by == byBilling {
		shown, err := c.svc.Netflix.Show(ctx, org.ID, q, "")
		if err == nil {
			return customerURL(shown[0].Subscription.CustomerID), nil
		}
		if by == byBilling || !errors.Is(err, crmapi.ErrNotFound) {
			return "", err
		}
	}
	if by == byAny || by == byPAI {
		shown, err := c.svc.Netflix.Show(ctx, org.ID, "", q)
		if err == nil {
			return customerURL(shown[0].Subscription.CustomerID), nil
		}
		if by == byPAI || !errors.Is(err, crmapi.ErrNotFound) {
			return "", err
		}
	}
	return "", crmapi.NotFoundf("Customer", "no account number, Netflix billing id or PAI is %q", q)
}
