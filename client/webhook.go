package client

import (
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
