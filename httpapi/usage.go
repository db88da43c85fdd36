package httpapi

import (
	"fmt"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// authorisationServiceView is an element of usage_authorisation_services.
type authorisationServiceView struct {
	ID            string          `json:"id"`
	MaximumUsage  crmapi.Quantity `json:"maximum_usage"`
	MaximumAmount crmapi.Amount   `json:"maximum_amount"`
	targetViews
}

type actionShortView struct {
	ID             string `json:"id"`
	Number         string `json:"number"`
	LifeCycleState string `json:"life_cycle_state"`
	ExecutedOn     string `json:"executed_on"`
}

func viewActionShort(a crmapi.SubscriptionAction, loc *time.Location) actionShortView {
	return actionShortView{ID: a.ID, Number: a.Number, LifeCycleState: a.LifeCycleState, ExecutedOn: formatDate(a.ExecutedAt, loc)}
}

// userShortView is a user as CRM.COM's short user object shows one; users
// have no person name in crmapi, so person_name is the username.
type userShortView struct {
	ID         string `json:"id"`
	Username   string `json:"username"`
	PersonName string `json:"person_name"`
}

// authorisationView is the usage authorisation object: the seed example's
// keys, plus usage_authorisation_identifier and authorisation_id (both the
// business number), the completion and cancellation dates, the
// subscription, completed_by_action and cancelled_by_user.
type authorisationView struct {
	ID                           string                     `json:"id"`
	UsageAuthorisationIdentifier string                     `json:"usage_authorisation_identifier"`
	AuthorisationID              string                     `json:"authorisation_id"`
	LifeCycleState               string                     `json:"life_cycle_state"`
	AuthorisationAmount          crmapi.Amount              `json:"authorisation_amount"`
	AuthorisationDate            string                     `json:"authorisation_date"`
	ExpirationDate               string                     `json:"expiration_date"`
	CompletedDate                *string                    `json:"completed_date"`
	CancellationDate             *string                    `json:"cancellation_date"`
	AccountsReceivable           accountShortView           `json:"accounts_receivable"`
	Subscription                 *subscriptionShortView     `json:"subscription"`
	CompletedByAction            *actionShortView           `json:"completed_by_action"`
	CancelledByUser              *userShortView             `json:"cancelled_by_user"`
	Services                     []authorisationServiceView `json:"usage_authorisation_services"`
}

func viewAuthorisation(d service.AuthorisationDetail, loc *time.Location) authorisationView {
	v := authorisationView{ID: d.ID, UsageAuthorisationIdentifier: d.Number, AuthorisationID: d.Number,
		LifeCycleState: string(d.LifeCycleState), AuthorisationAmount: d.Amount,
		AuthorisationDate: formatDate(d.AuthorisedAt, loc), ExpirationDate: formatDate(d.ExpiresAt, loc),
		CompletedDate: formatDatePtr(d.CompletedAt, loc), CancellationDate: formatDatePtr(d.CancelledAt, loc),
		AccountsReceivable: viewAccountShort(d.Account), Services: []authorisationServiceView{}}
	if d.Subscription != nil {
		s := viewSubscriptionShort(*d.Subscription)
		v.Subscription = &s
	}
	if d.CompletedBy != nil {
		a := viewActionShort(*d.CompletedBy, loc)
		v.CompletedByAction = &a
	}
	if d.CancelledBy != nil {
		v.CancelledByUser = &userShortView{ID: d.CancelledBy.ID, Username: d.CancelledBy.Username, PersonName: d.CancelledBy.Username}
	}
	for _, s := range d.Services {
		v.Services = append(v.Services, authorisationServiceView{ID: s.ID, MaximumUsage: s.MaximumUsage,
			MaximumAmount: s.MaximumAmount, targetViews: viewTarget(s.Target, d.Catalogue)})
	}
	return v
}

// authorisationParam is the parameters of show and cancel.
type authorisationParam struct {
	Authorisation Identifier `json:"usage_authorisation_identifier" crm:"mandatory"`
}

func (req *request) authorisation() (crmapi.Ref, error) {
	var p authorisationParam
	if err := req.decode(&p); err != nil {
		return crmapi.Ref{}, err
	}
	return mustRef(p.Authorisation, "usage_authorisation_identifier", authorisationFields...)
}

// showAuthorisation is GET usage_authorisations/show.
func (s *Server) showAuthorisation(req *request) (any, error) {
	ref, err := req.authorisation()
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Usage.Authorisation(req.ctx(), req.caller.Organisation.ID, ref)
	if err != nil {
		return nil, err
	}
	return viewAuthorisation(d, req.loc()), nil
}

// listAuthorisations is usage_authorisations/list, on GET and POST: an
// array of the account's authorisations, oldest first. number_of_results
// (at most 1000, the default) and offset page through them (an extension).
func (s *Server) listAuthorisations(req *request) (any, error) {
	var p struct {
		Account         Identifier `json:"accounts_receivable_identifier" crm:"mandatory"`
		NumberOfResults int        `json:"number_of_results"`
		Offset          int        `json:"offset"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	ref, err := mustRef(p.Account, "accounts_receivable_identifier", accountFields...)
	if err != nil {
		return nil, err
	}
	list, err := s.svc.Usage.Authorisations(req.ctx(), req.caller.Organisation.ID, ref, p.Offset, p.NumberOfResults)
	return mapViews(list, req.loc(), viewAuthorisation), err
}

// createAuthorisation is POST usage_authorisations/create.
func (s *Server) createAuthorisation(req *request) (any, error) {
	var p struct {
		Account      Identifier    `json:"accounts_receivable_identifier" crm:"semi=target"`
		Subscription Identifier    `json:"subscription_identifier" crm:"semi=target"`
		Amount       crmapi.Amount `json:"authorisation_amount" crm:"mandatory"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	account, err := optRef(p.Account, "accounts_receivable_identifier", accountFields...)
	if err != nil {
		return nil, err
	}
	sub, err := optRef(p.Subscription, "subscription_identifier", subscriptionFields...)
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Usage.Authorise(req.ctx(), req.caller.Organisation.ID,
		service.NewAuthorisation{Account: account, Subscription: sub, Amount: p.Amount})
	if err != nil {
		return nil, err
	}
	return viewAuthorisation(d, req.loc()), nil
}

// cancelAuthorisation is POST usage_authorisations/cancel.
func (s *Server) cancelAuthorisation(req *request) (any, error) {
	ref, err := req.authorisation()
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Usage.Cancel(req.ctx(), req.caller.Organisation.ID, req.caller.User.ID, ref)
	if err != nil {
		return nil, err
	}
	return viewAuthorisation(d, req.loc()), nil
}

type usageRecordView struct {
	ID             string          `json:"id"`
	Number         string          `json:"number"`
	Service        serviceView     `json:"service"`
	UsageAmount    crmapi.Quantity `json:"usage_amount"`
	UnitRate       crmapi.Amount   `json:"unit_rate"`
	RatedAmount    crmapi.Amount   `json:"rated_amount"`
	LifeCycleState string          `json:"life_cycle_state"`
	CreatedDate    string          `json:"created_date"`
}

func viewUsageRecord(r crmapi.UsageRecord, cat crmapi.Catalogue, loc *time.Location) usageRecordView {
	return usageRecordView{ID: r.ID, Number: r.Number, Service: viewService(cat.Services[r.ServiceID], cat),
		UsageAmount: r.Usage, UnitRate: r.UnitRate, RatedAmount: r.RatedAmount, LifeCycleState: r.LifeCycleState,
		CreatedDate: formatDate(r.CreatedAt, loc)}
}

type authorisationRefView struct {
	ID                           string `json:"id"`
	UsageAuthorisationIdentifier string `json:"usage_authorisation_identifier"`
	LifeCycleState               string `json:"life_cycle_state"`
}

// serviceUsageView is the answer to subscriptions/add_service_usage: the
// Add Service Usage action with what it did.
type serviceUsageView struct {
	actionShortView
	Type               string                `json:"type"`
	Subscription       subscriptionShortView `json:"subscription"`
	AccountsReceivable accountShortView      `json:"accounts_receivable"`
	UsageAuthorisation *authorisationRefView `json:"usage_authorisation"`
	TotalAmount        crmapi.Amount         `json:"total_rated_amount"`
	Records            []usageRecordView     `json:"usage_detail_records"`
}

// usageLineParam is one element of usage_detail_records_set.
type usageLineParam struct {
	Product     Identifier       `json:"product_identifier"`
	UsageAmount *crmapi.Quantity `json:"usage_amount"`
}

// addServiceUsage is POST subscriptions/add_service_usage.
func (s *Server) addServiceUsage(req *request) (any, error) {
	var p struct {
		Subscription  Identifier       `json:"subscription_identifier" crm:"semi=target"`
		Account       Identifier       `json:"accounts_receivable_identifier" crm:"semi=target"`
		Authorisation Identifier       `json:"usage_authorisation_identifier"`
		Lines         []usageLineParam `json:"usage_detail_records_set" crm:"mandatory"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	var posting service.UsagePosting
	var err error
	if posting.Account, err = optRef(p.Account, "accounts_receivable_identifier", accountFields...); err != nil {
		return nil, err
	}
	if posting.Subscription, err = optRef(p.Subscription, "subscription_identifier", subscriptionFields...); err != nil {
		return nil, err
	}
	if posting.Authorisation, err = optRef(p.Authorisation, "usage_authorisation_identifier", authorisationFields...); err != nil {
		return nil, err
	}
	for i, l := range p.Lines {
		param := fmt.Sprintf("usage_detail_records_set[%d]", i)
		ref, err := mustRef(l.Product, param+".product_identifier", "id", "code", "alternative_code")
		if err != nil {
			return nil, err
		}
		if l.UsageAmount == nil {
			return nil, crmapi.Missing(param + ".usage_amount")
		}
		posting.Lines = append(posting.Lines, service.UsageLine{Service: ref, Usage: *l.UsageAmount})
	}
	r, err := s.svc.Usage.AddServiceUsage(req.ctx(), req.caller.Organisation.ID, req.caller.User.ID, posting)
	if err != nil {
		return nil, err
	}
	loc := req.loc()
	v := serviceUsageView{actionShortView: viewActionShort(r.Action, loc), Type: r.Action.Type,
		Subscription: viewSubscriptionShort(r.Subscription), AccountsReceivable: viewAccountShort(r.Account),
		TotalAmount: r.Total, Records: []usageRecordView{}}
	if r.Authorisation != nil {
		v.UsageAuthorisation = &authorisationRefView{ID: r.Authorisation.ID, UsageAuthorisationIdentifier: r.Authorisation.Number,
			LifeCycleState: string(r.Authorisation.LifeCycleState)}
	}
	for _, rec := range r.Records {
		v.Records = append(v.Records, viewUsageRecord(rec, r.Catalogue, loc))
	}
	return v, nil
}

// listUsageRecords is GET usage_detail_records/list.
func (s *Server) listUsageRecords(req *request) (any, error) {
	ref, err := req.account()
	if err != nil {
		return nil, err
	}
	records, cat, err := s.svc.Usage.UsageRecords(req.ctx(), req.caller.Organisation.ID, ref)
	out := make([]usageRecordView, 0, len(records))
	for _, r := range records {
		out = append(out, viewUsageRecord(r, cat, req.loc()))
	}
	return out, err
}
