package httpapi

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// The Netflix methods: the operator's own customers, the partner's
// promotions, prices and charges. Every one is scoped to the caller's
// organisation.

// promotionView is a Netflix promotion (§4.1); description and expires_on are null when absent.
type promotionView struct {
	Code          string  `json:"code"`
	Name          string  `json:"name"`
	Description   *string `json:"description"`
	EffectiveFrom string  `json:"effective_from"`
	ExpiresOn     *string `json:"expires_on"`
}

func viewPromotion(p crmapi.NetflixPromotion, loc *time.Location) promotionView {
	v := promotionView{Code: p.Code, Name: p.Name, EffectiveFrom: formatDate(p.EffectiveFrom, loc),
		ExpiresOn: formatDatePtr(p.ExpiresOn, loc)}
	if p.Description != "" {
		d := p.Description
		v.Description = &d
	}
	return v
}

// priceView is a Netflix price: FormattedPrice is CRM.COM's key, the
// others are crmapi's documented extensions.
type priceView struct {
	FormattedPrice string        `json:"FormattedPrice"`
	Amount         crmapi.Amount `json:"amount"`
	Currency       string        `json:"currency"`
	Plan           string        `json:"plan"`
	EffectiveDate  string        `json:"effective_date"`
}

// subscriptionView is one element of subscriptions/show. netflix_sate is
// the documented (misspelt) key; netflix_state carries the same value. The
// two customer identifiers are extensions, so that a look-up by one tells
// the other.
type subscriptionView struct {
	SubscriptionNumber string          `json:"subscription_number"`
	CustomerID         string          `json:"billing_system_customer_identifier"`
	PAI                *string         `json:"netflix_customer_identifier"`
	NetflixSate        string          `json:"netflix_sate"`
	NetflixState       string          `json:"netflix_state"`
	LifeCycleState     string          `json:"life_cycle_state"`
	PromotionsSet      []promotionView `json:"promotions_set"`
	PricesSet          []priceView     `json:"prices_set"`
}

func viewSubscription(sh service.NetflixShown, loc *time.Location) subscriptionView {
	v := subscriptionView{SubscriptionNumber: sh.Subscription.Number, CustomerID: sh.Subscription.CustomerID,
		NetflixSate:  sh.Subscription.NetflixState(),
		NetflixState: sh.Subscription.NetflixState(), LifeCycleState: string(sh.Subscription.LifeCycleState),
		PromotionsSet: []promotionView{}, PricesSet: []priceView{}}
	if pai := sh.Subscription.PAI; pai != "" {
		v.PAI = &pai
	}
	for _, p := range sh.Promotions {
		v.PromotionsSet = append(v.PromotionsSet, viewPromotion(p.NetflixPromotion, loc))
	}
	for _, p := range sh.Prices {
		v.PricesSet = append(v.PricesSet, priceView{FormattedPrice: p.FormattedPrice, Amount: p.Amount, Currency: p.Currency,
			Plan: p.Plan, EffectiveDate: formatDate(p.EffectiveDate, loc)})
	}
	return v
}

// createdView is the answer to subscriptions/create (from the seed page);
// netflix_signup_url, where the customer redeems the token, is an extension.
type createdView struct {
	SubscriptionNumber         string `json:"subscription_number"`
	NetflixToken               string `json:"netflix_token"`
	NetflixTokenExpirationDate string `json:"netflix_token_expiration_date"`
	NetflixSignupURL           string `json:"netflix_signup_url"`
}

// chargeView is a Netflix charge (§4.3); money amounts are decimal strings.
type chargeView struct {
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

func viewCharge(c crmapi.NetflixCharge, loc *time.Location) chargeView {
	v := chargeView{Number: c.Number, CustomerID: c.CustomerID, Amount: c.Amount, Currency: c.Currency,
		LocalCurrencyAmount: c.LocalAmount, LocalCurrency: c.LocalCurrency, PaidThroughDate: formatDate(c.PaidThroughDate, loc),
		ChargeStatus: string(c.Status), ReceivedOn: formatDate(c.ReceivedOn, loc)}
	at := formatDatePtr(c.ProcessedOn, loc)
	switch c.Status {
	case crmapi.ChargeApproved:
		v.SetAsApprovedOn = at
	case crmapi.ChargeDeclined:
		v.SetAsDeclinedOn = at
	case crmapi.ChargeBadRequest:
		v.SetAsBadRequestOn = at
	case crmapi.ChargeRejected:
		v.SetAsRejectedRequestOn = at
	}
	return v
}

// chargesView is the answer to charges/list; next_cursor is an extension.
type chargesView struct {
	ChargesSet []chargeView `json:"charges_set"`
	NextCursor string       `json:"next_cursor"`
}

// chargeItemParam is an element of acknowledged/accepted/declined_charges_set.
type chargeItemParam struct {
	Number     string `json:"number"`
	CustomerID string `json:"billing_system_customer_identifier"`
	Reference  string `json:"reference_number"`
}

// failedChargeView is an element of failed_charges_set.
type failedChargeView struct {
	Number           string `json:"number"`
	ReferenceNumber  string `json:"reference_number"`
	ErrorCode        string `json:"error_code"`
	ErrorDescription string `json:"error_description"`
}

// failedView is the answer of acknowledge, accept and decline: the list is
// always present, empty when every charge was applied.
type failedView struct {
	FailedChargesSet []failedChargeView `json:"failed_charges_set"`
}

// customerParam is the one parameter of suspend, unsuspend and cancel.
type customerParam struct {
	CustomerID string `json:"billing_system_customer_identifier" crm:"mandatory"`
}

func (s *Server) netflixPromotions(req *request) (any, error) {
	if err := req.decode(&struct{}{}); err != nil {
		return nil, err
	}
	promos, err := s.svc.Netflix.Promotions(req.ctx(), req.caller.Organisation.ID)
	return mapViews(promos, req.loc(), viewPromotion), err
}

func (s *Server) netflixShow(req *request) (any, error) {
	var p struct {
		CustomerID string `json:"billing_system_customer_identifier" crm:"semi=customer"`
		PAI        string `json:"netflix_customer_identifier" crm:"semi=customer"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	switch {
	case p.CustomerID == "" && p.PAI == "":
		return nil, crmapi.Invalid("billing_system_customer_identifier", "empty value")
	case p.CustomerID == "" && strings.TrimSpace(p.PAI) == "":
		return nil, crmapi.Invalid("netflix_customer_identifier", "empty value")
	}
	shown, err := s.svc.Netflix.Show(req.ctx(), req.caller.Organisation.ID, p.CustomerID, p.PAI)
	return mapViews(shown, req.loc(), viewSubscription), err
}

func (s *Server) netflixCreate(req *request) (any, error) {
	var p struct {
		CustomerID    string          `json:"billing_system_customer_identifier" crm:"mandatory"`
		PromotionCode string          `json:"promotion_code"`
		Channel       string          `json:"channel"`
		Validity      *int            `json:"validity_duration"`
		FirstName     string          `json:"customer_first_name"`
		LastName      string          `json:"customer_last_name"`
		Address       *crmapi.Address `json:"customer_address"`
		Email         *crmapi.Email   `json:"customer_email"`
		Phone         *crmapi.Phone   `json:"customer_phone"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	res, err := s.svc.Netflix.Create(req.ctx(), req.caller.Organisation.ID, service.NetflixCreate{
		CustomerID: p.CustomerID, PromotionCode: p.PromotionCode, Channel: p.Channel, ValiditySeconds: p.Validity,
		Customer: crmapi.NetflixCustomer{FirstName: p.FirstName, LastName: p.LastName, Address: p.Address, Email: p.Email, Phone: p.Phone}})
	if err != nil {
		return nil, err
	}
	return createdView{SubscriptionNumber: res.Number, NetflixToken: res.Token,
		NetflixTokenExpirationDate: formatDate(res.ExpiresAt, req.loc()), NetflixSignupURL: res.URL}, nil
}

// netflixChange serves suspend, unsuspend or cancel: change is the service method.
func (s *Server) netflixChange(change func(*service.NetflixService, context.Context, string, string) error) handlerFunc {
	return func(req *request) (any, error) {
		var p customerParam
		if err := req.decode(&p); err != nil {
			return nil, err
		}
		return nil, change(s.svc.Netflix, req.ctx(), req.caller.Organisation.ID, p.CustomerID)
	}
}

func (s *Server) netflixCharges(req *request) (any, error) {
	var p struct {
		NumberOfResults int    `json:"number_of_results" crm:"mandatory"`
		ChargeStatus    string `json:"charge_status" crm:"mandatory"`
		Offset          int    `json:"offset" crm:"mandatory"`
		Cursor          string `json:"cursor"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	page, err := s.svc.Netflix.ListCharges(req.ctx(), req.caller.Organisation.ID, service.ChargeQuery{
		Status: p.ChargeStatus, Limit: p.NumberOfResults, Offset: p.Offset, Cursor: p.Cursor})
	if err != nil {
		return nil, err
	}
	// fields_set trims each charge, not the wrapping object.
	set, err := filterFields(mapViews(page.Charges, req.loc(), viewCharge), req.fields)
	if err != nil {
		return nil, err
	}
	cursor, _ := json.Marshal(page.NextCursor)
	return json.RawMessage(`{"charges_set":` + string(set) + `,"next_cursor":` + string(cursor) + `}`), nil
}

// netflixBatch serves acknowledge, accept or decline: apply is the service method.
func (s *Server) netflixBatch(param string,
	apply func(*service.NetflixService, context.Context, string, []service.ChargeItem) ([]service.FailedCharge, error)) handlerFunc {
	return func(req *request) (any, error) {
		items, err := decodeChargeItems(req, param)
		if err != nil {
			return nil, err
		}
		failed, err := apply(s.svc.Netflix, req.ctx(), req.caller.Organisation.ID, items)
		if err != nil {
			return nil, err
		}
		out := failedView{FailedChargesSet: []failedChargeView{}}
		for _, f := range failed {
			out.FailedChargesSet = append(out.FailedChargesSet, failedChargeView{Number: f.Number, ReferenceNumber: f.Reference,
				ErrorCode: string(f.Code), ErrorDescription: f.Description})
		}
		return out, nil
	}
}

// decodeChargeItems decodes the one batch parameter of acknowledge, accept or decline.
func decodeChargeItems(req *request, param string) ([]service.ChargeItem, error) {
	var raw []chargeItemParam
	var err error
	switch param {
	case "acknowledged_charges_set":
		var p struct {
			Set []chargeItemParam `json:"acknowledged_charges_set" crm:"mandatory"`
		}
		err = req.decode(&p)
		raw = p.Set
	case "accepted_charges_set":
		var p struct {
			Set []chargeItemParam `json:"accepted_charges_set" crm:"mandatory"`
		}
		err = req.decode(&p)
		raw = p.Set
	default:
		var p struct {
			Set []chargeItemParam `json:"declined_charges_set" crm:"mandatory"`
		}
		err = req.decode(&p)
		raw = p.Set
	}
	if err != nil {
		return nil, err
	}
	items := make([]service.ChargeItem, len(raw))
	for i, r := range raw {
		items[i] = service.ChargeItem{Number: r.Number, CustomerID: r.CustomerID, Reference: r.Reference}
	}
	return items, nil
}

// attentionView is a subscription whose partner work stopped (admin extension).
type attentionView struct {
	SubscriptionNumber string         `json:"subscription_number"`
	CustomerID         string         `json:"billing_system_customer_identifier"`
	PAI                string         `json:"netflix_customer_identifier"`
	LifeCycleState     string         `json:"life_cycle_state"`
	NetflixState       string         `json:"netflix_state"`
	Reason             string         `json:"reason"`
	UpdatedDate        string         `json:"updated_date"`
	Operation          *operationView `json:"operation"`
}

// operationView is a partner operation of the outbox.
type operationView struct {
	Sequence  int64  `json:"sequence"`
	Kind      string `json:"kind"`
	Status    string `json:"status"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
}

func (s *Server) netflixAttention(req *request) (any, error) {
	if err := req.decode(&struct{}{}); err != nil {
		return nil, err
	}
	list, err := s.svc.Netflix.NeedingAttention(req.ctx(), req.caller.Organisation.ID)
	return mapViews(list, req.loc(), func(a service.NetflixAttention, loc *time.Location) attentionView {
		v := attentionView{SubscriptionNumber: a.Subscription.Number, CustomerID: a.Subscription.CustomerID,
			PAI: a.Subscription.PAI, LifeCycleState: string(a.Subscription.LifeCycleState),
			NetflixState: a.Subscription.NetflixState(), Reason: a.Subscription.AttentionReason,
			UpdatedDate: formatDate(a.Subscription.UpdatedAt, loc)}
		if op := a.Operation; op != nil {
			v.Operation = &operationView{Sequence: op.Sequence, Kind: string(op.Kind), Status: string(op.Status),
				Attempts: op.Attempts, LastError: op.LastError}
		}
		return v
	}), err
}

func (s *Server) netflixRetry(req *request) (any, error) {
	var p struct {
		Number string `json:"subscription_number" crm:"mandatory"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	return nil, s.svc.Netflix.Retry(req.ctx(), req.caller.Organisation.ID, p.Number)
}

// chargeProblemView is one disagreement the charges check found (admin
// extension): the charge's number (empty when a reference number names a
// charge the organisation does not have) and what is wrong.
type chargeProblemView struct {
	Number  string `json:"number"`
	Problem string `json:"problem"`
}

// netflixCheckCharges is GET netflix/charges/check: whether every charge
// agrees with the reference numbers recorded for its acknowledgements and
// decision; the list is empty when they all do.
func (s *Server) netflixCheckCharges(req *request) (any, error) {
	if err := req.decode(&struct{}{}); err != nil {
		return nil, err
	}
	problems, err := s.svc.Netflix.CheckCharges(req.ctx(), req.caller.Organisation.ID)
	return mapViews(problems, req.loc(), func(p crmapi.NetflixChargeProblem, _ *time.Location) chargeProblemView {
		return chargeProblemView{Number: p.ChargeNumber, Problem: p.Problem}
	}), err
}

// documentNetflix describes the Netflix methods for the OpenAPI document.
func (s *Server) documentNetflix() {
	authed := []crmapi.Code{crmapi.InvalidToken, crmapi.ExpiredToken, crmapi.MandatoryParameterMissing, crmapi.InvalidParameter,
		crmapi.RequestTooLarge}
	with := func(codes ...crmapi.Code) []crmapi.Code { return append(codes, authed...) }
	s.document("netflix/promotions/list", methodDoc{Summary: "List the Netflix promotions the operator's customers may sign up with.",
		Response: []promotionView{}, Errors: with(crmapi.PartnerUnavailable)})
	s.document("netflix/subscriptions/show", methodDoc{Summary: "Show a customer's Netflix subscriptions (by billing_system_customer_identifier " +
		"or netflix_customer_identifier): states, promotions redeemed in the last 10 months, prices.",
		Response: []subscriptionView{}, Errors: with(crmapi.OnlyOneSemiOptionalAllowed, crmapi.NotFound)})
	s.document("netflix/subscriptions/create", methodDoc{Summary: "Create a customer's Netflix subscription and get the sign-up token " +
		"the customer redeems on the partner's sign-up page.",
		Response: createdView{}, Errors: with(crmapi.OnlyOneSemiOptionalAllowed, crmapi.InvalidLifeCycleState, crmapi.PartnerUnavailable)})
	for _, c := range []struct{ path, what string }{
		{"suspend", "Suspend an EFFECTIVE subscription (NOT_EFFECTIVE at once; the partner follows)."},
		{"unsuspend", "Unsuspend a suspended subscription (EFFECTIVE at once; the partner follows)."},
		{"cancel", "Cancel a subscription for good (CANCELLED at once; the partner terminates the account)."},
	} {
		s.document("netflix/subscriptions/"+c.path, methodDoc{Summary: c.what,
			Errors: with(crmapi.NotFound, crmapi.InvalidLifeCycleState)})
	}
	s.document("netflix/charges/list", methodDoc{Summary: "List charges not yet acknowledged, oldest first, at most 50, " +
		"by charge_status group; next_cursor continues after the page.", Response: chargesView{}, Errors: with(crmapi.LimitExceeded)})
	for _, c := range []struct{ path, what string }{
		{"acknowledge", "Acknowledge charges received (exactly once; per-charge failures in failed_charges_set)."},
		{"accept", "Accept charges the partner has not processed yet."},
		{"decline", "Decline charges the partner has not processed yet (the subscription is cancelled)."},
	} {
		s.document("netflix/charges/"+c.path, methodDoc{Summary: c.what, Response: failedView{}, Errors: with(crmapi.LimitExceeded)})
	}
	adm := with(crmapi.PermissionDenied)
	s.document("admin/netflix/attention/list", methodDoc{Summary: "List the subscriptions whose partner work needs attention (admin).",
		Response: []attentionView{}, Errors: adm})
	s.document("admin/netflix/attention/retry", methodDoc{Summary: "Retry a subscription's failed partner operation (admin).",
		Errors: append([]crmapi.Code{crmapi.NotFound}, adm...)})
	s.document("netflix/charges/check", methodDoc{Summary: "Check every charge against the reference numbers recorded for its " +
		"acknowledgements and decision; lists each disagreement, an empty list when there is none (extension; admin).",
		Response: []chargeProblemView{}, Errors: adm})
}
