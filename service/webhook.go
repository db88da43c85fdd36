package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
)

// WebhookConfig is how webhooks are delivered; zero values take the defaults.
type WebhookConfig struct {
	// RetryBase is the wait after the first failed attempt; it doubles
	// after each further failure (default 1 minute).
	RetryBase time.Duration
	// RetryCap bounds one wait (default 6 hours).
	RetryCap time.Duration
	// RetryWindow is how long after its creation a delivery is retried
	// before it is FAILED (default 72 hours).
	RetryWindow time.Duration
	// Timeout bounds one attempt, connection to last byte (default 10 s).
	Timeout time.Duration
	// SweepInterval is how often due deliveries are queued (default 30 s).
	SweepInterval time.Duration
	// EventRetention is how long events are kept (default 30 days).
	EventRetention time.Duration
	// Wall is the real time that signatures carry (default time.Now). It is
	// not the Clock: a test organisation's clock may be days ahead, and a
	// receiver checks the signature's time against its own.
	Wall func() time.Time
}

func (c *WebhookConfig) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.RetryBase, time.Minute)
	def(&c.RetryCap, 6*time.Hour)
	def(&c.RetryWindow, 72*time.Hour)
	def(&c.Timeout, 10*time.Second)
	def(&c.SweepInterval, 30*time.Second)
	def(&c.EventRetention, DefaultEventRetention)
	if c.Wall == nil {
		c.Wall = time.Now
	}
}

// WebhookService manages an organisation's webhook endpoints and delivers
// events to them.
type WebhookService struct {
	store crmapi.Store
	clock crmapi.Clock
	log   *slog.Logger
	queue *queueRef
	cfg   WebhookConfig
	http  *http.Client
}

func newWebhookService(store crmapi.Store, clock crmapi.Clock, log *slog.Logger, queue *queueRef, cfg WebhookConfig) *WebhookService {
	cfg.defaults()
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 4
	return &WebhookService{store: store, clock: clock, log: log, queue: queue, cfg: cfg, http: &http.Client{
		Transport: transport,
		Timeout:   cfg.Timeout,
		// A redirect would send the event, signed, to an address no admin
		// configured: the 3xx is the answer, and it is not a success.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// SignatureHeader is the header carrying a delivery's signature.
const SignatureHeader = "Crmapi-Signature"

// SignWebhook is the value of the Crmapi-Signature header for body sent at
// t: "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// newSecret makes an endpoint's signing secret: 256 random bits.
func newSecret() string { return "whsec_" + crmapi.RandomToken(32) }

// maxURLLength bounds an endpoint URL.
const maxURLLength = 2048

// checkEndpointURL accepts an absolute http or https URL with a host and
// without credentials or fragment, and returns it normalised.
func checkEndpointURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", crmapi.Missing("url")
	}
	if len(raw) > maxURLLength {
		return "", crmapi.Invalid("url", "at most 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", crmapi.Invalid("url", "not a URL")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", crmapi.Invalid("url", "only http and https URLs are accepted")
	case u.Host == "" || u.Hostname() == "":
		return "", crmapi.Invalid("url", "the URL has no host")
	case u.User != nil:
		// Credentials would show in every list of endpoints; the signature
		// is how a receiver knows the sender.
		return "", crmapi.Invalid("url", "credentials in the URL are not accepted")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "", crmapi.Invalid("url", "a fragment is not sent; leave it out")
	}
	return u.String(), nil
}

// checkEventTypes reads a subscription: nil (parameter absent) or ["*"] is
// every type; an empty list is refused, so that it cannot mean "all" by accident.
func checkEventTypes(types []string) ([]crmapi.EventType, error) {
	if types == nil {
		return nil, nil
	}
	if len(types) == 0 {
		return nil, crmapi.Invalid("event_types", "name at least one type, or \"*\" for every type; disable the endpoint to stop deliveries")
	}
	if len(types) == 1 && types[0] == "*" {
		return nil, nil
	}
	out := []crmapi.EventType{}
	for _, t := range types {
		et := crmapi.EventType(strings.TrimSpace(t))
		if !et.Valid() {
			return nil, crmapi.Invalid("event_types", "unknown event type "+strconv.Quote(t))
		}
		if !slices.Contains(out, et) {
			out = append(out, et)
		}
	}
	slices.Sort(out)
	return out, nil
}

// NewEndpoint is a webhook endpoint to create.
type NewEndpoint struct {
	URL string
	// EventTypes are the subscribed types; nil or ["*"] means every type.
	EventTypes []string
}

// CreateEndpoint adds an enabled endpoint. The returned endpoint carries
// its secret, which no other method shows. Codes: MANDATORY_PARAMETER_MISSING,
// INVALID_PARAMETER, LIMIT_EXCEEDED (more than crmapi.MaxWebhookEndpoints).
func (s *WebhookService) CreateEndpoint(ctx context.Context, orgID string, n NewEndpoint) (crmapi.WebhookEndpoint, error) {
	u, err := checkEndpointURL(n.URL)
	if err != nil {
		return crmapi.WebhookEndpoint{}, err
	}
	types, err := checkEventTypes(n.EventTypes)
	if err != nil {
		return crmapi.WebhookEndpoint{}, err
	}
	e := crmapi.WebhookEndpoint{ID: crmapi.NewID(), OrganisationID: orgID, URL: u, Secret: newSecret(), EventTypes: types, Enabled: true}
	err = s.store.Update(ctx, func(tx crmapi.Tx) error {
		now, err := orgNow(tx, s.clock, orgID)
		if err != nil {
			return err
		}
		e.CreatedAt, e.UpdatedAt = now, now
		eps, err := tx.ListWebhookEndpoints(orgID)
		if err != nil {
			return err
		}
		if len(eps) >= crmapi.MaxWebhookEndpoints {
			return crmapi.Errorf(crmapi.LimitExceeded, "Limit exceeded", "an organisation has at most %d webhook endpoints", crmapi.MaxWebhookEndpoints)
		}
		return tx.CreateWebhookEndpoint(e)
	})
	return e, err
}

// Endpoint is an endpoint with the number of its deliveries pending and failed.
type Endpoint struct {
	crmapi.WebhookEndpoint
	crmapi.DeliveryCounts
}

// Endpoints lists the organisation's endpoints, oldest first.
func (s *WebhookService) Endpoints(ctx context.Context, orgID string) ([]Endpoint, error) {
	var out []Endpoint
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		eps, err := tx.ListWebhookEndpoints(orgID)
		if err != nil {
			return err
		}
		counts, err := tx.WebhookDeliveryCounts(orgID)
		if err != nil {
			return err
		}
		out = make([]Endpoint, 0, len(eps))
		for _, e := range eps {
			out = append(out, Endpoint{WebhookEndpoint: e, DeliveryCounts: counts[e.ID]})
		}
		return nil
	})
	return out, err
}

// EndpointChange changes an endpoint; nil fields stay as they are.
type EndpointChange struct {
	URL        *string
	EventTypes *[]string
	Enabled    *bool
	// RotateSecret replaces the secret at once; the answer carries the new one.
	RotateSecret bool
}

// UpdateEndpoint changes an endpoint. Enabling a disabled endpoint makes
// its waiting deliveries due at once (the sweep queues them). Codes:
// NOT_FOUND, INVALID_PARAMETER.
func (s *WebhookService) UpdateEndpoint(ctx context.Context, orgID, id string, ch EndpointChange) (Endpoint, error) {
	var u string
	var types []crmapi.EventType
	var err error
	if ch.URL != nil {
		if u, err = checkEndpointURL(*ch.URL); err != nil {
			return Endpoint{}, err
		}
	}
	if ch.EventTypes != nil {
		if types, err = checkEventTypes(*ch.EventTypes); err != nil {
			return Endpoint{}, err
		}
	}
	var out Endpoint
	err = s.store.Update(ctx, func(tx crmapi.Tx) error {
		e, err := tx.WebhookEndpointByID(orgID, id)
		if err != nil {
			return err
		}
		now, err := orgNow(tx, s.clock, orgID)
		if err != nil {
			return err
		}
		wasEnabled := e.Enabled
		if ch.URL != nil {
			e.URL = u
		}
		if ch.EventTypes != nil {
			e.EventTypes = types
		}
		if ch.Enabled != nil {
			e.Enabled = *ch.Enabled
		}
		if ch.RotateSecret {
			e.Secret = newSecret()
		}
		e.UpdatedAt = now
		if err := tx.UpdateWebhookEndpoint(e); err != nil {
			return err
		}
		if e.Enabled && !wasEnabled {
			if err := tx.WakeWebhookDeliveries(orgID, id, now); err != nil {
				return err
			}
		}
		counts, err := tx.WebhookDeliveryCounts(orgID)
		out = Endpoint{WebhookEndpoint: e, DeliveryCounts: counts[e.ID]}
		return err
	})
	return out, err
}

// DeleteEndpoint removes an endpoint and its deliveries; nothing more is
// sent to it. Codes: NOT_FOUND.
func (s *WebhookService) DeleteEndpoint(ctx context.Context, orgID, id string) error {
	return s.store.Update(ctx, func(tx crmapi.Tx) error { return tx.DeleteWebhookEndpoint(orgID, id) })
}

// DeliveryQuery selects deliveries, newest first.
type DeliveryQuery struct {
	EventID    string
	EndpointID string
	State      string
	Offset     int
	// Limit is the page size, 1 to MaxEventPage (default 20).
	Limit int
}

// Deliveries lists the organisation's deliveries and how many match.
// Codes: INVALID_PARAMETER, LIMIT_EXCEEDED.
func (s *WebhookService) Deliveries(ctx context.Context, orgID string, q DeliveryQuery) ([]crmapi.WebhookDelivery, int, error) {
	f := crmapi.DeliveryFilter{EventID: q.EventID, EndpointID: q.EndpointID, State: crmapi.DeliveryState(q.State), Offset: q.Offset}
	if f.State != "" && !f.State.Valid() {
		return nil, 0, crmapi.Invalid("state", "one of PENDING, DELIVERED, FAILED")
	}
	if f.Offset < 0 {
		return nil, 0, crmapi.Invalid("offset", "must not be negative")
	}
	limit, err := pageSize(q.Limit)
	if err != nil {
		return nil, 0, err
	}
	f.Limit = limit
	var out []crmapi.WebhookDelivery
	var total int
	err = s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		out, total, err = tx.ListWebhookDeliveries(orgID, f)
		return err
	})
	return out, total, err
}
