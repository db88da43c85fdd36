package service

import (
	"github.com/crmapi/crmapi"
)

// authorisationEvent is the data of a usage_authorisation.* event: the
// authorisation's identity, state, amounts and dates (wire dates in the
// organisation's time zone), and its account. Receivers that need the
// whole object call usage_authorisations/show.
type authorisationEvent struct {
	ID                           string         `json:"id"`
	UsageAuthorisationIdentifier string         `json:"usage_authorisation_identifier"`
	LifeCycleState               string         `json:"life_cycle_state"`
	AuthorisationAmount          crmapi.Amount  `json:"authorisation_amount"`
	UsedAmount                   *crmapi.Amount `json:"used_amount,omitempty"`
	AccountsReceivableID         string         `json:"accounts_receivable_id"`
	SubscriptionID               *string        `json:"subscription_id"`
	AuthorisationDate            string         `json:"authorisation_date"`
	ExpirationDate               string         `json:"expiration_date"`
	EndDate                      *string        `json:"end_date"`
}

const wireDate = "2006-01-02T15:04:05"

// emitAuthorisation records the event of a's (new) state in tx.
func (s *UsageService) emitAuthorisation(tx crmapi.Tx, a crmapi.UsageAuthorisation, typ crmapi.EventType, events *[]crmapi.Event) error {
	if s.events == nil {
		return nil
	}
	org, err := tx.OrganisationByID(a.OrganisationID)
	if err != nil {
		return err
	}
	return s.emitAuthorisationOf(tx, org, a, typ, events)
}

// emitAuthorisationOf is emitAuthorisation with a's organisation at hand.
func (s *UsageService) emitAuthorisationOf(tx crmapi.Tx, org crmapi.Organisation, a crmapi.UsageAuthorisation, typ crmapi.EventType, events *[]crmapi.Event) error {
	if s.events == nil {
		return nil
	}
	loc := org.Location()
	d := authorisationEvent{ID: a.ID, UsageAuthorisationIdentifier: a.Number, LifeCycleState: string(a.LifeCycleState),
		AuthorisationAmount: a.Amount, AccountsReceivableID: a.AccountID,
		AuthorisationDate: a.AuthorisedAt.In(loc).Format(wireDate), ExpirationDate: a.ExpiresAt.In(loc).Format(wireDate)}
	if a.SubscriptionID != "" {
		d.SubscriptionID = &a.SubscriptionID
	}
	if typ == crmapi.EventUsageAuthorisationCompleted {
		used := a.UsedAmount
		d.UsedAmount = &used
	}
	if typ != crmapi.EventUsageAuthorisationCreated {
		end := org.Now(s.clock).In(loc).Format(wireDate)
		d.EndDate = &end
	}
	e, err := s.events.Emit(tx, a.OrganisationID, typ, d, org.Now(s.clock))
	if err != nil {
		return err
	}
	*events = append(*events, e)
	return nil
}

// emitEnded records an event for each authorisation EndAuthorisations ended.
func (s *UsageService) emitEnded(tx crmapi.Tx, ended []crmapi.EndedAuthorisation, typ crmapi.EventType, events *[]crmapi.Event) error {
	if s.events == nil {
		return nil
	}
	for _, e := range ended {
		a, err := tx.AuthorisationByID(e.OrganisationID, e.ID)
		if err != nil {
			return err
		}
		if err := s.emitAuthorisation(tx, a, typ, events); err != nil {
			return err
		}
	}
	return nil
}
