package client

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers of a webhook delivery.
const (
	SignatureHeader  = "Crmapi-Signature"
	EventIDHeader    = "Crmapi-Event-Id"
	EventTypeHeader  = "Crmapi-Event-Type"
	DeliveryIDHeader = "Crmapi-Delivery-Id"
)

// DefaultWebhookTolerance is how old (or how far ahead) a signature's
// time may be: older deliveries are refused as possible replays.
const DefaultWebhookTolerance = 5 * time.Minute

var (
	// ErrWebhookSignature: the header is malformed or no signature matches
	// the body and secret.
	ErrWebhookSignature = errors.New("crmapi webhook: signature does not match")
	// ErrWebhookTimestamp: the signature matches but its time is outside
	// the tolerance (a replay, or a clock far off).
	ErrWebhookTimestamp = errors.New("crmapi webhook: signature time outside the tolerance")
)

// VerifyWebhook checks a delivery: header is its Crmapi-Signature
// ("t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>"), body the
// raw request body exactly as received (before any JSON decoding), secret
// the endpoint's, now the receiver's time. A signature whose time is more
// than tolerance away from now is refused with ErrWebhookTimestamp
// (tolerance 0 skips the check; DefaultWebhookTolerance is 5 minutes).
// Several v1 entries are accepted; any one matching suffices.
//
// A valid signature proves the body came from crmapi, not that it is the
// first copy: deliveries are at least once, so deduplicate by the event id.
func VerifyWebhook(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: malformed header", ErrWebhookSignature)
		}
		switch k {
		case "t":
			if ts != "" {
				return fmt.Errorf("%w: t given twice", ErrWebhookSignature)
			}
			ts = v
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("%w: header needs t=<unix seconds> and v1=<hex>", ErrWebhookSignature)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	want := mac.Sum(nil)
	matched := false
	for _, sig := range sigs {
		// Constant time, so that timing does not reveal how much matched.
		if hmac.Equal(sig, want) {
			matched = true
		}
	}
	if !matched {
		return ErrWebhookSignature
	}
	if tolerance > 0 {
		if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
			return fmt.Errorf("%w: signed at %s, %s from now", ErrWebhookTimestamp, time.Unix(sec, 0).UTC().Format(time.RFC3339), d.Round(time.Second))
		}
	}
	return nil
}

// ParseWebhook verifies a delivery (see VerifyWebhook, with
// DefaultWebhookTolerance) and decodes its body.
func ParseWebhook(secret, header string, body []byte, now time.Time) (WebhookEvent, error) {
	var ev WebhookEvent
	if err := VerifyWebhook(secret, header, body, now, DefaultWebhookTolerance); err != nil {
		return ev, err
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return ev, fmt.Errorf("crmapi webhook: decode body: %w", err)
	}
	return ev, nil
}

// WebhookEndpoint is a URL the organisation's events are POSTed to.
type WebhookEndpoint struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// EventTypes are the subscribed types; ["*"] is every type.
	EventTypes        []string `json:"event_types"`
	Enabled           bool     `json:"enabled"`
	PendingDeliveries int      `json:"pending_deliveries"`
	FailedDeliveries  int      `json:"failed_deliveries"`
	CreatedDate       string   `json:"created_date"`
	UpdatedDate       string   `json:"updated_date"`
	// Secret signs the deliveries; only CreateWebhookEndpoint and a
	// rotating UpdateWebhookEndpoint return it.
	Secret string `json:"secret,omitempty"`
}

// CreateWebhookEndpoint adds an endpoint (admin); nil eventTypes
// subscribes to every type. Keep the returned Secret: it is not shown again.
func (c *Client) CreateWebhookEndpoint(ctx context.Context, url string, eventTypes []string, opts ...CallOption) (WebhookEndpoint, error) {
	var out WebhookEndpoint
	p := map[string]any{"url": url}
	if eventTypes != nil {
		p["event_types"] = eventTypes
	}
	return out, c.Call(ctx, "webhooks/endpoints/create", p, &out, opts...)
}

// WebhookEndpoints lists the organisation's endpoints (admin).
func (c *Client) WebhookEndpoints(ctx context.Context) ([]WebhookEndpoint, error) {
	var out []WebhookEndpoint
	return out, c.Call(ctx, "webhooks/endpoints/list", nil, &out)
}

// WebhookEndpointChange changes an endpoint; nil fields stay as they are.
type WebhookEndpointChange struct {
	ID         string    `json:"id"`
	URL        *string   `json:"url,omitempty"`
	EventTypes *[]string `json:"event_types,omitempty"`
	Enabled    *bool     `json:"enabled,omitempty"`
	// RotateSecret replaces the secret at once; the answer carries the new one.
	RotateSecret bool `json:"rotate_secret,omitempty"`
}

// UpdateWebhookEndpoint changes an endpoint (admin).
func (c *Client) UpdateWebhookEndpoint(ctx context.Context, ch WebhookEndpointChange, opts ...CallOption) (WebhookEndpoint, error) {
	var out WebhookEndpoint
	return out, c.Call(ctx, "webhooks/endpoints/update", ch, &out, opts...)
}

// DeleteWebhookEndpoint removes an endpoint and its deliveries (admin).
func (c *Client) DeleteWebhookEndpoint(ctx context.Context, id string, opts ...CallOption) error {
	return c.Call(ctx, "webhooks/endpoints/delete", map[string]any{"id": id}, nil, opts...)
}

// WebhookDelivery is one event sent (or being sent) to one endpoint.
type WebhookDelivery struct {
	ID         string `json:"id"`
	EventID    string `json:"event_id"`
	EndpointID string `json:"endpoint_id"`
	// State is PENDING, DELIVERED or FAILED.
	State           string  `json:"state"`
	Attempts        int     `json:"attempts"`
	LastStatus      *int    `json:"last_status"`
	LastError       *string `json:"last_error"`
	NextAttemptDate *string `json:"next_attempt_date"`
	LastAttemptDate *string `json:"last_attempt_date"`
	DeliveredDate   *string `json:"delivered_date"`
	CreatedDate     string  `json:"created_date"`
}

// DeliveryQuery selects deliveries; empty fields select everything.
type DeliveryQuery struct {
	EventID         string `json:"event_id,omitempty"`
	EndpointID      string `json:"endpoint_id,omitempty"`
	State           string `json:"state,omitempty"`
	NumberOfResults int    `json:"number_of_results,omitempty"`
	Offset          int    `json:"offset,omitempty"`
}

// DeliveryPage is a page of deliveries, newest first, and how many match.
type DeliveryPage struct {
	Deliveries []WebhookDelivery `json:"deliveries_set"`
	Total      int               `json:"total"`
}

// WebhookDeliveries lists deliveries (admin).
func (c *Client) WebhookDeliveries(ctx context.Context, q DeliveryQuery) (DeliveryPage, error) {
	var out DeliveryPage
	return out, c.Call(ctx, "webhooks/deliveries/list", q, &out)
}
