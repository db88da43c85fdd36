package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// confirmChange asks before a subscription is suspended, unsuspended or
// cancelled.
func (c *Console) confirmChange(w http.ResponseWriter, r *http.Request, s *session) error {
	v, err := c.changeView(r, s)
	if err != nil {
		return err
	}
	c.renderConfirm(w, r, v, http.StatusOK)
	return nil
}

// doChange applies the change through the service method the API's
// netflix/subscriptions/suspend, unsuspend and cancel call.
func (c *Console) doChange(w http.ResponseWriter, r *http.Request, s *session) error {
	action := r.PathValue("action")
	ch, ok := changes[action]
	if !ok {
		return c.notFound(w, r, s)
	}
	customer, err := customerOf(r)
	if err != nil {
		return err
	}
	err = ch.do(c.svc.Netflix, r.Context(), s.caller.Organisation.ID, customer)
	if err == nil {
		http.Redirect(w, r, customerURL(customer)+"&done="+action, http.StatusSeeOther)
		return nil
	}
	v, verr := c.changeView(r, s)
	if verr != nil {
		return err
	}
	v.Error = c.errorView(w, r, err)
	c.renderConfirm(w, r, v, statusOf(err))
	return nil
}

// changeView is the confirmation of a change to the customer's live
// subscription, or of why there is none to change.
func (c *Console) changeView(r *http.Request, s *session) (confirmView, error) {
	action := r.PathValue("action")
	ch, ok := changes[action]
	if !ok {
		return confirmView{}, crmapi.NotFoundf("Page", "the console has no page %s", r.URL.Path)
	}
	customer, err := customerOf(r)
	if err != nil {
		return confirmView{}, err
	}
	shown, err := c.svc.Netflix.Show(r.Context(), s.caller.Organisation.ID, customer, "")
	if err != nil {
		return confirmView{}, err
	}
	sub := shown[len(shown)-1].Subscription
	v := confirmView{base: baseOf(s, ch.label+" "+sub.Number), Heading: ch.label + " Netflix subscription " + sub.Number,
		Facts: []fact{{"Customer", customerLabel(sub)}, {"Life cycle state", string(sub.LifeCycleState)},
			{"Netflix state", sub.NetflixState()}},
		Action: netflixActionURL(action, customer), Button: ch.label, Danger: action == "cancel", Back: customerURL(customer)}
	v.Query = customer
	if sub.Attention {
		v.Facts = append(v.Facts, fact{"Needs attention", sub.AttentionReason})
	}
	if slices.Contains(allowedChanges(sub), action) {
		v.Question = ch.question
	} else {
		v.Why = sub.Number + " is " + string(sub.LifeCycleState) + "; it cannot be " + pastTense(action) + " now."
		if sub.LifeCycleState == crmapi.NetflixNotEffective && sub.ActivatedAt == nil {
			v.Why += " The customer has not signed up yet."
		}
	}
	return v, nil
}

func customerLabel(sub crmapi.NetflixSubscription) string {
	label := sub.CustomerID
	if name := customerName(sub.Customer); name != "" {
		label = name + " — " + label
	}
	if sub.PAI != "" {
		label += " (PAI " + sub.PAI + ")"
	}
	return label
}

func pastTense(action string) string {
	switch action {
	case "suspend":
		return "suspended"
	case "unsuspend":
		return "unsuspended"
	}
	return "cancelled"
}

// confirmAcknowledge asks for the reference number of an acknowledgement.
func (c *Console) confirmAcknowledge(w http.ResponseWriter, r *http.Request, s *session) error {
	v, err := c.ackView(r, s)
	if err != nil {
		return err
	}
	c.renderConfirm(w, r, v, http.StatusOK)
	return nil
}

// acknowledge records the acknowledgement through the service method of
// netflix/charges/acknowledge: a batch of one.
func (c *Console) acknowledge(w http.ResponseWriter, r *http.Request, s *session) error {
	number := r.PathValue("number")
	customer, err := customerOf(r)
	if err != nil {
		return err
	}
	ref := strings.TrimSpace(r.PostFormValue("reference_number"))
	var failed []service.FailedCharge
	if ref == "" {
		// The API lets a reference out; the console asks for one, so that
		// what an operator acknowledged by hand can be found again.
		err = crmapi.Missing("reference_number")
	} else {
		failed, err = c.svc.Netflix.Acknowledge(r.Context(), s.caller.Organisation.ID,
			[]service.ChargeItem{{Number: number, CustomerID: customer, Reference: ref}})
	}
	if err == nil && len(failed) > 0 {
		f := failed[0]
		err = &crmapi.Error{Code: f.Code, Message: "The charge was not acknowledged", Detail: f.Description}
	}
	if err == nil {
		http.Redirect(w, r, customerURL(customer)+"&"+url.Values{"done": {"acknowledged"}, "charge": {number}}.Encode(),
			http.StatusSeeOther)
		return nil
	}
	v, verr := c.ackView(r, s)
	if verr != nil {
		return err
	}
	v.Error, v.ReferenceValue = c.errorView(w, r, err), ref
	c.renderConfirm(w, r, v, statusOf(err))
	return nil
}

// ackView is the confirmation of a charge's acknowledgement.
func (c *Console) ackView(r *http.Request, s *session) (confirmView, error) {
	org := s.caller.Organisation
	number := r.PathValue("number")
	customer, err := customerOf(r)
	if err != nil {
		return confirmView{}, err
	}
	charges, err := c.svc.Netflix.CustomerCharges(r.Context(), org.ID, customer, 0)
	if err != nil {
		return confirmView{}, err
	}
	i := -1
	for j, ch := range charges {
		if ch.Number == number {
			i = j
		}
	}
	if i < 0 {
		return confirmView{}, crmapi.NotFoundf("Charge", "customer %s has no charge %s", customer, number)
	}
	row := chargeRowOf(charges[i], "", org.Location())
	v := confirmView{base: baseOf(s, "Acknowledge "+number), Heading: "Acknowledge charge " + number,
		Facts: []fact{{"Customer", customer}, {"Status", row.Status}, {"Amount", row.Amount}, {"Period", row.Period},
			{"Received", row.Received}},
		Action: ackURL(number, customer), Button: "Acknowledge", Reference: true, Back: customerURL(customer)}
	v.Query = customer
	if row.Acknowledged {
		v.Why = number + " is acknowledged already, with reference " + row.Reference + "."
	} else {
		v.Question = "Acknowledging records that your billing has taken this charge; it is no longer listed by netflix/charges/list" +
			pendingNote(charges[i]) + ". The reference number is yours and unique in the organisation."
	}
	return v, nil
}

func pendingNote(ch crmapi.NetflixCharge) string {
	if ch.Status.Processed() {
		return ""
	}
	return " until the partner has processed it"
}
