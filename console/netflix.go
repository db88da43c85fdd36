package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// netflixView is a customer's Netflix page: every subscription the
// customer had, newest first, and their charges.
type netflixView struct {
	base
	CustomerID string
	PAI        string
	Name       string
	Contact    string
	Subs       []netflixRow
	Charges    []chargeRow
	// MoreCharges says the list stops at the newest MaxCustomerCharges.
	MoreCharges bool
}

// netflixRow is one subscription and what may be done to it.
type netflixRow struct {
	Number         string
	LifeCycleState string
	// NetflixState is netflix_sate: the partner's side as last confirmed.
	NetflixState string
	PAI          string
	Attention    string
	Promotion    string
	Price        string
	Created      string
	Activated    string
	Cancelled    string
	// Actions are the state changes its life cycle allows now.
	Actions []actionLink
}

type actionLink struct {
	Label, URL string
	Danger     bool
}

type chargeRow struct {
	Number       string
	Subscription string
	Status       string
	Amount       string
	LocalAmount  string
	Period       string
	Received     string
	Processed    string
	Acknowledged bool
	Reference    string
	AckURL       string
}

// customerURL is a customer's Netflix page. The billing id travels in the
// query string: it may hold any printable character, slashes included.
func customerURL(customerID string) string {
	return Path + "netflix?" + url.Values{"customer": {customerID}}.Encode()
}

func netflixActionURL(action, customerID string) string {
	return Path + "netflix/" + action + "?" + url.Values{"customer": {customerID}}.Encode()
}

func ackURL(charge, customerID string) string {
	return Path + "netflix/charges/" + url.PathEscape(charge) + "/acknowledge?" + url.Values{"customer": {customerID}}.Encode()
}

// customerOf is the billing id a Netflix page is about. An empty one is
// refused before any look-up: the service reads an empty billing id as a
// look-up by PAI, which would find the subscriptions that have none yet.
func customerOf(r *http.Request) (string, error) {
	customer := r.URL.Query().Get("customer")
	if strings.TrimSpace(customer) == "" {
		return "", crmapi.Missing("customer")
	}
	return customer, nil
}

// netflix shows a customer's subscriptions (netflix/subscriptions/show)
// and charges.
func (c *Console) netflix(w http.ResponseWriter, r *http.Request, s *session) error {
	ctx, org := r.Context(), s.caller.Organisation
	customer, err := customerOf(r)
	if err != nil {
		return err
	}
	shown, err := c.svc.Netflix.Show(ctx, org.ID, customer, "")
	if err != nil {
		return err
	}
	charges, err := c.svc.Netflix.CustomerCharges(ctx, org.ID, customer, 0)
	if err != nil {
		return err
	}
	loc := org.Location()
	v := netflixView{base: baseOf(s, "Netflix · "+customer), CustomerID: customer,
		MoreCharges: len(charges) == service.MaxCustomerCharges}
	v.Query = customer
	numbers := map[string]string{}
	for _, sh := range slices.Backward(shown) {
		sub := sh.Subscription
		numbers[sub.ID] = sub.Number
		if v.Name == "" {
			v.Name, v.Contact = customerName(sub.Customer), customerContact(sub.Customer)
		}
		if v.PAI == "" {
			v.PAI = sub.PAI
		}
		v.Subs = append(v.Subs, netflixRowOf(sh, loc))
	}
	for _, ch := range charges {
		v.Charges = append(v.Charges, chargeRowOf(ch, numbers[ch.SubscriptionID], loc))
	}
	switch r.URL.Query().Get("done") {
	case "suspend":
		v.Flash = "Suspended: the subscription is NOT_EFFECTIVE now; the partner is told in the background."
	case "unsuspend":
		v.Flash = "Unsuspended: the subscription is EFFECTIVE again; the partner is told in the background."
	case "cancel":
		v.Flash = "Cancelled: the subscription has ended; the partner is told in the background."
	case "acknowledged":
		v.Flash = "Charge " + r.URL.Query().Get("charge") + " acknowledged."
	}
	c.render(w, r, "netflix", v, http.StatusOK)
	return nil
}

func netflixRowOf(sh service.NetflixShown, loc *time.Location) netflixRow {
	sub := sh.Subscription
	row := netflixRow{Number: sub.Number, LifeCycleState: string(sub.LifeCycleState), NetflixState: sub.NetflixState(),
		PAI: sub.PAI, Promotion: sub.PromotionCode, Created: date(sub.CreatedAt, loc),
		Activated: datePtr(sub.ActivatedAt, loc), Cancelled: datePtr(sub.CancelledAt, loc)}
	if sub.Attention {
		row.Attention = sub.AttentionReason
		if row.Attention == "" {
			row.Attention = "partner work stopped"
		}
	}
	if n := len(sh.Prices); n > 0 {
		p := sh.Prices[n-1]
		row.Price = p.FormattedPrice
		if p.Plan != "" {
			row.Price += " (" + p.Plan + ")"
		}
	}
	for _, a := range allowedChanges(sub) {
		row.Actions = append(row.Actions, actionLink{Label: changes[a].label, URL: netflixActionURL(a, sub.CustomerID),
			Danger: a == "cancel"})
	}
	return row
}

// allowedChanges are the changes the service's life-cycle rule accepts
// for sub; only they are offered, and the service checks again.
func allowedChanges(sub crmapi.NetflixSubscription) []string {
	switch {
	case sub.LifeCycleState == crmapi.NetflixEffective:
		return []string{"suspend", "cancel"}
	case sub.LifeCycleState == crmapi.NetflixNotEffective && sub.ActivatedAt != nil:
		return []string{"unsuspend", "cancel"}
	case sub.LifeCycleState == crmapi.NetflixNotEffective:
		return []string{"cancel"}
	}
	return nil
}

func chargeRowOf(ch crmapi.NetflixCharge, subNumber string, loc *time.Location) chargeRow {
	acked, ref := ch.Acknowledged()
	row := chargeRow{Number: ch.Number, Subscription: subNumber, Status: string(ch.Status),
		Amount: money(ch.Amount, ch.Currency), Period: date(ch.PeriodStart, loc) + " → " + date(ch.PaidThroughDate, loc),
		Received: date(ch.ReceivedOn, loc), Processed: datePtr(ch.ProcessedOn, loc), Acknowledged: acked, Reference: ref}
	if ch.LocalCurrency != "" && ch.LocalCurrency != ch.Currency {
		row.LocalAmount = money(ch.LocalAmount, ch.LocalCurrency)
	}
	if !acked {
		row.AckURL = ackURL(ch.Number, ch.CustomerID)
	}
	return row
}

func customerName(c crmapi.NetflixCustomer) string {
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}

func customerContact(c crmapi.NetflixCustomer) string {
	var parts []string
	if c.Email != nil && c.Email.EmailAddress != "" {
		parts = append(parts, c.Email.EmailAddress)
	}
	if c.Phone != nil && c.Phone.Number != "" {
		parts = append(parts, c.Phone.Number)
	}
	return strings.Join(parts, " · ")
}

// change is one of the operator's state changes of a subscription.
type change struct {
	label    string
	question string
	do       func(*service.NetflixService, context.Context, string, string) error
}

var changes = map[string]change{
	"suspend": {"Suspend", "Suspending takes the subscription out of service now (NOT_EFFECTIVE); the partner suspends the Netflix account in the background.",
		(*service.NetflixService).Suspend},
	"unsuspend": {"Unsuspend", "Unsuspending puts the subscription back in service now (EFFECTIVE); the partner reactivates the Netflix account in the background.",
		(*service.NetflixService).Unsuspend},
	"cancel": {"Cancel subscription", "Cancelling ends the subscription now (CANCELLED); the partner terminates the Netflix account. This cannot be undone.",
		(*service.NetflixService).Cancel},
}
