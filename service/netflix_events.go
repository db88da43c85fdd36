package service

import (
	"context"

	"github.com/crmapi/crmapi"
)

// netflixEventStore is the Store the Netflix service writes through: every
// transaction's subscription and charge writes are watched, and the events
// they imply (a subscription's state changed, a charge received or
// processed) are written in that same transaction and dispatched after it
// commits. Watching the writes, rather than each code path, means no path
// that changes a state can forget its event.
type netflixEventStore struct {
	crmapi.Store
	svc *NetflixService
}

func (n netflixEventStore) Update(ctx context.Context, fn func(crmapi.Tx) error) error {
	if n.svc.events == nil {
		return n.Store.Update(ctx, fn)
	}
	var events []crmapi.Event
	err := n.Store.Update(ctx, func(tx crmapi.Tx) error {
		events = events[:0]
		return fn(&netflixEventTx{Tx: tx, svc: n.svc, events: &events})
	})
	if err == nil {
		n.svc.events.Dispatch(ctx, events...)
	}
	return err
}

// netflixEventTx emits events for the writes that change what an operator watches.
type netflixEventTx struct {
	crmapi.Tx
	svc    *NetflixService
	events *[]crmapi.Event
}

// subscriptionEvent is the data of netflix.subscription.state_changed.
type subscriptionEvent struct {
	SubscriptionNumber              string `json:"subscription_number"`
	BillingSystemCustomerIdentifier string `json:"billing_system_customer_identifier"`
	NetflixCustomerIdentifier       string `json:"netflix_customer_identifier"`
	LifeCycleState                  string `json:"life_cycle_state"`
	NetflixSate                     string `json:"netflix_sate"`
	NetflixState                    string `json:"netflix_state"`
	PreviousLifeCycleState          string `json:"previous_life_cycle_state"`
	PreviousNetflixState            string `json:"previous_netflix_state"`
	NeedsAttention                  bool   `json:"needs_attention"`
}

// chargeEvent is the data of netflix.charge.received and .processed.
type chargeEvent struct {
	Number                          string        `json:"number"`
	BillingSystemCustomerIdentifier string        `json:"billing_system_customer_identifier"`
	Amount                          crmapi.Amount `json:"amount"`
	Currency                        string        `json:"currency"`
	LocalCurrencyAmount             crmapi.Amount `json:"local_currency_amount"`
	LocalCurrency                   string        `json:"local_currency"`
	ChargeStatus                    string        `json:"charge_status"`
	PaidThroughDate                 string        `json:"paid_through_date"`
	ReceivedOn                      string        `json:"received_on"`
}

func (t *netflixEventTx) emit(orgID string, typ crmapi.EventType, data any) error {
	org, err := t.Tx.OrganisationByID(orgID)
	if err != nil {
		return err
	}
	e, err := t.svc.events.Emit(t.Tx, orgID, typ, data, org.Now(t.svc.clock))
	if err != nil {
		return err
	}
	*t.events = append(*t.events, e)
	return nil
}

func (t *netflixEventTx) UpdateNetflixSubscription(s crmapi.NetflixSubscription) error {
	old, err := t.Tx.NetflixSubscriptionByID(s.OrganisationID, s.ID)
	if err != nil {
		return err
	}
	if err := t.Tx.UpdateNetflixSubscription(s); err != nil {
		return err
	}
	if old.LifeCycleState == s.LifeCycleState && old.NetflixState() == s.NetflixState() && old.Attention == s.Attention {
		return nil
	}
	return t.emit(s.OrganisationID, crmapi.EventNetflixSubscriptionStateChanged, subscriptionEvent{
		SubscriptionNumber: s.Number, BillingSystemCustomerIdentifier: s.CustomerID, NetflixCustomerIdentifier: s.PAI,
		LifeCycleState: string(s.LifeCycleState), NetflixSate: s.NetflixState(), NetflixState: s.NetflixState(),
		PreviousLifeCycleState: string(old.LifeCycleState), PreviousNetflixState: old.NetflixState(), NeedsAttention: s.Attention})
}

func (t *netflixEventTx) chargeData(c crmapi.NetflixCharge) (chargeEvent, error) {
	org, err := t.Tx.OrganisationByID(c.OrganisationID)
	if err != nil {
		return chargeEvent{}, err
	}
	loc := org.Location()
	return chargeEvent{Number: c.Number, BillingSystemCustomerIdentifier: c.CustomerID, Amount: c.Amount, Currency: c.Currency,
		LocalCurrencyAmount: c.LocalAmount, LocalCurrency: c.LocalCurrency, ChargeStatus: string(c.Status),
		PaidThroughDate: c.PaidThroughDate.In(loc).Format(wireDate), ReceivedOn: c.ReceivedOn.In(loc).Format(wireDate)}, nil
}

func (t *netflixEventTx) CreateNetflixCharge(c crmapi.NetflixCharge) error {
	if err := t.Tx.CreateNetflixCharge(c); err != nil {
		return err
	}
	d, err := t.chargeData(c)
	if err != nil {
		return err
	}
	typ := crmapi.EventNetflixChargeReceived
	if c.Status.Processed() {
		// First seen already processed: it is received and processed at once.
		if err := t.emit(c.OrganisationID, typ, d); err != nil {
			return err
		}
		typ = crmapi.EventNetflixChargeProcessed
	}
	return t.emit(c.OrganisationID, typ, d)
}

func (t *netflixEventTx) UpdateNetflixCharge(c crmapi.NetflixCharge) error {
	old, err := t.Tx.NetflixChargeByID(c.OrganisationID, c.ID)
	if err != nil {
		return err
	}
	if err := t.Tx.UpdateNetflixCharge(c); err != nil {
		return err
	}
	if old.Status == c.Status || !c.Status.Processed() {
		return nil
	}
	d, err := t.chargeData(c)
	if err != nil {
		return err
	}
	return t.emit(c.OrganisationID, crmapi.EventNetflixChargeProcessed, d)
}
