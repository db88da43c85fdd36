package service

import (
	"context"
	"time"

	"github.com/crmapi/crmapi"
)

// emitter collects the events one transaction records, so that they are
// dispatched once it has committed (see EventService.Emit).
type emitter struct {
	svc    *NetflixService
	events []crmapi.Event
}

// update runs fn in one write transaction with an emitter, and dispatches
// the events it recorded once the transaction has committed.
func (s *NetflixService) update(ctx context.Context, fn func(tx crmapi.Tx, em *emitter) error) error {
	var em *emitter
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		em = &emitter{svc: s} // a retried transaction starts afresh
		return fn(tx, em)
	})
	if err == nil && s.events != nil && len(em.events) > 0 {
		s.events.Dispatch(context.WithoutCancel(ctx), em.events...)
	}
	return err
}

// subscriptionEvent is the data of netflix.subscription.state_changed: the
// subscription as subscriptions/show returns one, without its promotions
// and prices (show has them).
type subscriptionEvent struct {
	SubscriptionNumber string  `json:"subscription_number"`
	CustomerID         string  `json:"billing_system_customer_identifier"`
	PAI                *string `json:"netflix_customer_identifier"`
	NetflixSate        string  `json:"netflix_sate"`
	NetflixState       string  `json:"netflix_state"`
	LifeCycleState     string  `json:"life_cycle_state"`
}

// chargeEvent is the data of netflix.charge.*: the charge as charges/list returns one.
type chargeEvent struct {
	Number                 string        `json:"number"`
	CustomerID             string        `json:"billing_system_customer_identifier"`
	Amount                 crmapi.Amount `json:"amount"`
	Currency               string        `json:"currency"`
	LocalCurrencyAmount    crmapi.Amount `json:"local_currency_amount"`
	LocalCurrency          string        `json:"local_currency"`
	PaidThroughDate        string        `json:"paid_through_date"`
	ChargeStatus           string        `json:"charge_status"`
	ReceivedOn             string        `json:"received_on"`
	SetAsApprovedOn        *string       `json:"set_as_approved_on"`
	SetAsDeclinedOn        *string       `json:"set_as_declined_on"`
	SetAsBadRequestOn      *string       `json:"set_as_bad_request_on"`
	SetAsRejectedRequestOn *string       `json:"set_as_rejected_request_on"`
}

// subscription records a state_changed event when after's life-cycle
// state or netflix_sate differs from before's.
func (em *emitter) subscription(tx crmapi.Tx, before, after crmapi.NetflixSubscription) error {
	if em.svc.events == nil || (before.LifeCycleState == after.LifeCycleState && before.NetflixState() == after.NetflixState()) {
		return nil
	}
	d := subscriptionEvent{SubscriptionNumber: after.Number, CustomerID: after.CustomerID, NetflixSate: after.NetflixState(),
		NetflixState: after.NetflixState(), LifeCycleState: string(after.LifeCycleState)}
	if after.PAI != "" {
		pai := after.PAI
		d.PAI = &pai
	}
	return em.emit(tx, after.OrganisationID, crmapi.EventNetflixSubscriptionStateChanged, func(*time.Location) any { return d })
}

// charge records a charge event.
func (em *emitter) charge(tx crmapi.Tx, c crmapi.NetflixCharge, typ crmapi.EventType) error {
	if em.svc.events == nil {
		return nil
	}
	return em.emit(tx, c.OrganisationID, typ, func(loc *time.Location) any {
		date := func(t time.Time) string { return t.In(loc).Format(wireDate) }
		d := chargeEvent{Number: c.Number, CustomerID: c.CustomerID, Amount: c.Amount, Currency: c.Currency,
			LocalCurrencyAmount: c.LocalAmount, LocalCurrency: c.LocalCurrency, PaidThroughDate: date(c.PaidThroughDate),
			ChargeStatus: string(c.Status), ReceivedOn: date(c.ReceivedOn)}
		if c.ProcessedOn != nil {
			at := date(*c.ProcessedOn)
			switch c.Status {
			case crmapi.ChargeApproved:
				d.SetAsApprovedOn = &at
			case crmapi.ChargeDeclined:
				d.SetAsDeclinedOn = &at
			case crmapi.ChargeBadRequest:
				d.SetAsBadRequestOn = &at
			case crmapi.ChargeRejected:
				d.SetAsRejectedRequestOn = &at
			}
		}
		return d
	})
}

func (em *emitter) emit(tx crmapi.Tx, orgID string, typ crmapi.EventType, data func(*time.Location) any) error {
	org, err := tx.OrganisationByID(orgID)
	if err != nil {
		return err
	}
	e, err := em.svc.events.Emit(tx, orgID, typ, data(org.Location()), org.Now(em.svc.clock))
	if err != nil {
		return err
	}
	em.events = append(em.events, e)
	return nil
}
