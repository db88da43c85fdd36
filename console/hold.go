package console

import (
	"net/http"
	"net/url"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// holdRef is how console URLs name a usage authorisation: by its number.
func holdRef(number string) crmapi.Ref { return crmapi.Ref{Field: "authorisation_id", Value: number} }

// confirmCancelHold asks before a hold is cancelled.
func (c *Console) confirmCancelHold(w http.ResponseWriter, r *http.Request, s *session) error {
	d, err := c.svc.Usage.Authorisation(r.Context(), s.caller.Organisation.ID, holdRef(r.PathValue("number")))
	if err != nil {
		return err
	}
	c.renderConfirm(w, r, cancelHoldView(s, d), http.StatusOK)
	return nil
}

// cancelHold cancels a BLOCKED authorisation as the signed-in user,
// through the same service method as usage_authorisations/cancel.
func (c *Console) cancelHold(w http.ResponseWriter, r *http.Request, s *session) error {
	org := s.caller.Organisation
	ref := holdRef(r.PathValue("number"))
	d, err := c.svc.Usage.Cancel(r.Context(), org.ID, s.caller.User.ID, ref)
	if err == nil {
		http.Redirect(w, r, doneURL(d.Account.Number, "cancelled", url.Values{"ua": {d.Number}}), http.StatusSeeOther)
		return nil
	}
	// Show the refusal on the confirmation page, with the hold as it is now.
	d, rerr := c.svc.Usage.Authorisation(r.Context(), org.ID, ref)
	if rerr != nil {
		return err
	}
	v := cancelHoldView(s, d)
	v.Error = c.errorView(w, r, err)
	c.renderConfirm(w, r, v, statusOf(err))
	return nil
}

func cancelHoldView(s *session, d service.AuthorisationDetail) confirmView {
	h := holdRowOf(d, s.caller.Organisation.Location())
	v := confirmView{base: baseOf(s, "Cancel hold "+d.Number), Heading: "Cancel usage authorisation " + d.Number,
		Facts: []fact{{"Account", d.Account.Number + " — " + contactName(d.Account.Owner)}, {"State", h.State},
			{"Amount held", h.Amount}, {"Authorised", h.AuthorisedAt}, {"Expires", h.ExpiresAt}},
		Action: Path + "authorisations/" + url.PathEscape(d.Number) + "/cancel", Button: "Cancel the hold", Danger: true,
		Back: Path + "accounts/" + url.PathEscape(d.Account.Number)}
	v.Query = d.Account.Number
	if h.Cancellable {
		v.Question = "Cancelling releases " + h.Amount + " to the account at once. No usage can be posted against " +
			d.Number + " afterwards. This cannot be undone."
	} else {
		v.Why = d.Number + " is " + h.State + ": only a BLOCKED authorisation holds money that can be released."
		if h.Ended != "" {
			v.Why += " It was " + h.Ended + "."
		}
	}
	return v
}
