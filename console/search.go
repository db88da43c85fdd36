package console

import (
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
}

// home is the search page.
func (c *Console) home(w http.ResponseWriter, r *http.Request, s *session) error {
	c.render(w, r, "home", homeView{base: baseOf(s, "Find a customer")}, http.StatusOK)
	return nil
}

// The kinds of identifier a search may name.
const (
	byAny     = ""
	byAccount = "account"
)

// search finds a customer and goes to their page. An account number
// (ACR…) finds an account.
func (c *Console) search(w http.ResponseWriter, r *http.Request, s *session) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	by := r.URL.Query().Get("by")
	v := homeView{base: baseOf(s, "Find a customer"), By: by}
	v.Query = q
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
	switch by {
	case byAny, byAccount:
	default:
		return "", crmapi.Invalid("by", "account, billing or pai")
	}
	if by == byAccount || looksLikeAccountNumber(q) {
		acct, err := c.svc.Accounts.Account(r.Context(), org.ID, accountRef(strings.ToUpper(q)))
		if err == nil {
			return Path + "accounts/" + url.PathEscape(acct.Number), nil
		}
		return "", err
	}
	return "", crmapi.NotFoundf("Customer", "no account number matches %q", q)
}
