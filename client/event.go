package client

import (
	"context"
	"encoding/json"
)

// WebhookEvent is the body of a webhook delivery, and an entry of the
// events list.
type WebhookEvent struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	// Sequence increases by one per event of the organisation, in commit order.
	Sequence    int64  `json:"sequence"`
	CreatedDate string `json:"created_date"`
	// Data is the entity as the API shows it.
	Data json.RawMessage `json:"data"`
}

// EventQuery selects a page of events, oldest first. Give AfterSequence
// or Cursor (from the previous page), not both; neither starts at the
// oldest event kept.
type EventQuery struct {
	AfterSequence   *int64 `json:"after_sequence,omitempty"`
	Cursor          string `json:"cursor,omitempty"`
	NumberOfResults int    `json:"number_of_results,omitempty"`
	Type            string `json:"type,omitempty"`
}

// EventPage is a page of events. NextCursor continues after it (or from
// the same place when the page is empty), so polling with it never skips
// or repeats an event.
type EventPage struct {
	Events     []WebhookEvent `json:"events_set"`
	NextCursor string         `json:"next_cursor"`
	HasMore    bool           `json:"has_more"`
}

// Events lists the organisation's events to replay from (admin).
func (c *Client) Events(ctx context.Context, q EventQuery) (EventPage, error) {
	var out EventPage
	return out, c.Call(ctx, "events/list", q, &out)
}

// Event returns one event (admin).
func (c *Client) Event(ctx context.Context, id string) (WebhookEvent, error) {
	var out WebhookEvent
	return out, c.Call(ctx, "events/show", map[string]any{"id": id}, &out)
}

// RedeliverEvent sends an event again (admin): to endpointID, or with ""
// to every enabled endpoint subscribed to its type. It returns the new deliveries.
func (c *Client) RedeliverEvent(ctx context.Context, id, endpointID string, opts ...CallOption) ([]WebhookDelivery, error) {
	var out DeliveryPage
	p := map[string]any{"id": id}
	if endpointID != "" {
		p["endpoint_id"] = endpointID
	}
	return out.Deliveries, c.Call(ctx, "events/redeliver", p, &out, opts...)
}
