package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// The events methods are a crmapi extension (admin only): the
// organisation's events, oldest first, to replay from, and their
// redelivery. An event is shown exactly as a webhook delivery carries it.

// cursorPrefix marks crmapi's opaque event cursors.
const cursorPrefix = "ev1:"

// encodeCursor writes the position after the event numbered seq. Callers
// must treat it as opaque; its form may change.
func encodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(seq, 10)))
}

func decodeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if n, ok := strings.CutPrefix(string(b), cursorPrefix); ok {
			if seq, err := strconv.ParseInt(n, 10, 64); err == nil && seq >= 0 {
				return seq, nil
			}
		}
	}
	return 0, crmapi.Invalid("cursor", "not a cursor returned by events/list")
}

// eventDoc is the shape of service.EventJSON, for the OpenAPI document:
// the handlers send the pre-encoded event so that it is byte for byte
// what webhooks carry, and the wire tests check the two agree.
type eventDoc struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Sequence    int64  `json:"sequence"`
	CreatedDate string `json:"created_date"`
	// Data is the entity as the API shows it.
	Data map[string]any `json:"data"`
}

type eventListDoc struct {
	Events     []eventDoc `json:"events_set"`
	NextCursor string     `json:"next_cursor"`
	HasMore    bool       `json:"has_more"`
}

type eventListView struct {
	Events []json.RawMessage `json:"events_set"`
	// NextCursor is where the next call continues: after the last event
	// returned, or where this call started when it returned none.
	NextCursor string `json:"next_cursor"`
	HasMore    bool   `json:"has_more"`
}

func (s *Server) listEvents(req *request) (any, error) {
	var p struct {
		AfterSequence   *int64 `json:"after_sequence"`
		Cursor          string `json:"cursor"`
		NumberOfResults int    `json:"number_of_results"`
		Type            string `json:"type"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	var after int64
	switch {
	case p.AfterSequence != nil && p.Cursor != "":
		return nil, &crmapi.Error{Code: crmapi.OnlyOneSemiOptionalAllowed, Message: "Only one semi-optional parameter allowed",
			Detail: "give only one of after_sequence, cursor"}
	case p.AfterSequence != nil:
		after = *p.AfterSequence
	case p.Cursor != "":
		var err error
		if after, err = decodeCursor(p.Cursor); err != nil {
			return nil, err
		}
	}
	events, more, err := s.svc.Events.Events(req.ctx(), req.caller.Organisation.ID,
		service.EventQuery{AfterSequence: after, Type: p.Type, Limit: p.NumberOfResults})
	if err != nil {
		return nil, err
	}
	v := eventListView{Events: make([]json.RawMessage, 0, len(events)), HasMore: more}
	for _, e := range events {
		v.Events = append(v.Events, service.EventJSON(e, req.loc()))
		after = e.Sequence
	}
	v.NextCursor = encodeCursor(after)
	return v, nil
}

func (s *Server) showEvent(req *request) (any, error) {
	var p struct {
		ID string `json:"id" crm:"mandatory"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	e, err := s.svc.Events.Event(req.ctx(), req.caller.Organisation.ID, p.ID)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(service.EventJSON(e, req.loc())), nil
}

func (s *Server) redeliverEvent(req *request) (any, error) {
	var p struct {
		ID         string `json:"id" crm:"mandatory"`
		EndpointID string `json:"endpoint_id"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	ds, err := s.svc.Events.Redeliver(req.ctx(), req.caller.Organisation.ID, p.ID, p.EndpointID)
	if err != nil {
		return nil, err
	}
	return deliveryListView{Deliveries: mapViews(ds, req.loc(), viewDelivery), Total: len(ds)}, nil
}
