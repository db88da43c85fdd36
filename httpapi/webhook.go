package httpapi

import (
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// The webhooks methods are a crmapi extension (admin only): the
// organisation's endpoints, and the deliveries of events to them.

// documentWebhooks describes the webhooks and events methods for the OpenAPI document.
func (s *Server) documentWebhooks() {
	adm := []crmapi.Code{crmapi.PermissionDenied, crmapi.InvalidToken, crmapi.ExpiredToken,
		crmapi.MandatoryParameterMissing, crmapi.InvalidParameter, crmapi.RequestTooLarge}
	with := func(codes ...crmapi.Code) []crmapi.Code { return append(codes, adm...) }
	s.document("webhooks/endpoints/create", methodDoc{Summary: "Add a webhook endpoint; its signing secret is in this answer only (extension; admin).",
		Response: endpointView{}, Errors: with(crmapi.LimitExceeded)})
	s.document("webhooks/endpoints/list", methodDoc{Summary: "List webhook endpoints with their pending and failed deliveries, never their secrets (extension; admin).",
		Response: []endpointView{}, Errors: adm})
	s.document("webhooks/endpoints/update", methodDoc{Summary: "Change a webhook endpoint's URL, event types or enabled flag, or rotate its secret (extension; admin).",
		Response: endpointView{}, Errors: with(crmapi.NotFound)})
	s.document("webhooks/endpoints/delete", methodDoc{Summary: "Remove a webhook endpoint and its deliveries (extension; admin).",
		Errors: with(crmapi.NotFound)})
	s.document("webhooks/deliveries/list", methodDoc{Summary: "List webhook deliveries by event, endpoint or state, newest first (extension; admin).",
		Response: deliveryListView{}, Errors: with(crmapi.LimitExceeded)})
	s.document("events/list", methodDoc{Summary: "List the organisation's events oldest first, after a sequence number or cursor, to replay from (extension; admin).",
		Response: eventListDoc{}, Errors: with(crmapi.LimitExceeded, crmapi.OnlyOneSemiOptionalAllowed)})
	s.document("events/show", methodDoc{Summary: "Show an event as webhook deliveries carry it (extension; admin).",
		Response: eventDoc{}, Errors: with(crmapi.NotFound)})
	s.document("events/redeliver", methodDoc{Summary: "Send an event again to every subscribed endpoint, or to one (extension; admin).",
		Response: deliveryListView{}, Errors: with(crmapi.NotFound, crmapi.InvalidLifeCycleState)})
}

type endpointView struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// EventTypes is ["*"] for every type.
	EventTypes        []string `json:"event_types"`
	Enabled           bool     `json:"enabled"`
	PendingDeliveries int      `json:"pending_deliveries"`
	FailedDeliveries  int      `json:"failed_deliveries"`
	CreatedDate       string   `json:"created_date"`
	UpdatedDate       string   `json:"updated_date"`
	// Secret is present only in the answers to create and to update with rotate_secret.
	Secret string `json:"secret,omitempty"`
}

func viewEndpoint(e service.Endpoint, loc *time.Location) endpointView {
	types := []string{"*"}
	if e.EventTypes != nil {
		types = make([]string, len(e.EventTypes))
		for i, t := range e.EventTypes {
			types[i] = string(t)
		}
	}
	return endpointView{ID: e.ID, URL: e.URL, EventTypes: types, Enabled: e.Enabled, PendingDeliveries: e.Pending,
		FailedDeliveries: e.Failed, CreatedDate: formatDate(e.CreatedAt, loc), UpdatedDate: formatDate(e.UpdatedAt, loc)}
}

type deliveryView struct {
	ID         string `json:"id"`
	EventID    string `json:"event_id"`
	EndpointID string `json:"endpoint_id"`
	State      string `json:"state"`
	Attempts   int    `json:"attempts"`
	// LastStatus is the HTTP status of the last attempt; null without an answer.
	LastStatus      *int    `json:"last_status"`
	LastError       *string `json:"last_error"`
	NextAttemptDate *string `json:"next_attempt_date"`
	LastAttemptDate *string `json:"last_attempt_date"`
	DeliveredDate   *string `json:"delivered_date"`
	CreatedDate     string  `json:"created_date"`
}

func viewDelivery(d crmapi.WebhookDelivery, loc *time.Location) deliveryView {
	v := deliveryView{ID: d.ID, EventID: d.EventID, EndpointID: d.EndpointID, State: string(d.State), Attempts: d.Attempts,
		LastAttemptDate: formatDatePtr(d.LastAttemptAt, loc), DeliveredDate: formatDatePtr(d.DeliveredAt, loc),
		CreatedDate: formatDate(d.CreatedAt, loc)}
	if d.LastStatus != 0 {
		v.LastStatus = &d.LastStatus
	}
	if d.LastError != "" {
		v.LastError = &d.LastError
	}
	if d.State == crmapi.DeliveryPending {
		v.NextAttemptDate = formatDatePtr(&d.NextAttemptAt, loc)
	}
	return v
}

type deliveryListView struct {
	Deliveries []deliveryView `json:"deliveries_set"`
	// Total is how many deliveries match, over every page.
	Total int `json:"total"`
}

func (s *Server) createEndpoint(req *request) (any, error) {
	var p struct {
		URL        string   `json:"url" crm:"mandatory"`
		EventTypes []string `json:"event_types"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	e, err := s.svc.Webhooks.CreateEndpoint(req.ctx(), req.caller.Organisation.ID, service.NewEndpoint{URL: p.URL, EventTypes: p.EventTypes})
	if err != nil {
		return nil, err
	}
	v := viewEndpoint(service.Endpoint{WebhookEndpoint: e}, req.loc())
	v.Secret = e.Secret
	return v, nil
}

func (s *Server) listEndpoints(req *request) (any, error) {
	if err := req.decode(&struct{}{}); err != nil {
		return nil, err
	}
	eps, err := s.svc.Webhooks.Endpoints(req.ctx(), req.caller.Organisation.ID)
	return mapViews(eps, req.loc(), viewEndpoint), err
}

func (s *Server) updateEndpoint(req *request) (any, error) {
	var p struct {
		ID           string    `json:"id" crm:"mandatory"`
		URL          *string   `json:"url"`
		EventTypes   *[]string `json:"event_types"`
		Enabled      *bool     `json:"enabled"`
		RotateSecret bool      `json:"rotate_secret"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	e, err := s.svc.Webhooks.UpdateEndpoint(req.ctx(), req.caller.Organisation.ID, p.ID,
		service.EndpointChange{URL: p.URL, EventTypes: p.EventTypes, Enabled: p.Enabled, RotateSecret: p.RotateSecret})
	if err != nil {
		return nil, err
	}
	v := viewEndpoint(e, req.loc())
	if p.RotateSecret {
		v.Secret = e.Secret
	}
	return v, nil
}

func (s *Server) deleteEndpoint(req *request) (any, error) {
	var p struct {
		ID string `json:"id" crm:"mandatory"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	return nil, s.svc.Webhooks.DeleteEndpoint(req.ctx(), req.caller.Organisation.ID, p.ID)
}

func (s *Server) listDeliveries(req *request) (any, error) {
	var p struct {
		EventID         string `json:"event_id"`
		EndpointID      string `json:"endpoint_id"`
		State           string `json:"state"`
		NumberOfResults int    `json:"number_of_results"`
		Offset          int    `json:"offset"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	ds, total, err := s.svc.Webhooks.Deliveries(req.ctx(), req.caller.Organisation.ID, service.DeliveryQuery{
		EventID: p.EventID, EndpointID: p.EndpointID, State: p.State, Offset: p.Offset, Limit: p.NumberOfResults})
	if err != nil {
		return nil, err
	}
	return deliveryListView{Deliveries: mapViews(ds, req.loc(), viewDelivery), Total: total}, nil
}
