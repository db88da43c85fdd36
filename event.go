package crmapi

import (
	"encoding/json"
	"slices"
	"time"
)

// EventType names what happened. The list is closed: webhook endpoints
// subscribe to these, and the events list filters by them.
type EventType string

// The event types crmapi emits.
const (
	EventNetflixSubscriptionStateChanged EventType = "netflix.subscription.state_changed"
	EventNetflixChargeReceived           EventType = "netflix.charge.received"
	EventNetflixChargeProcessed          EventType = "netflix.charge.processed"
	EventUsageAuthorisationCreated       EventType = "usage_authorisation.created"
	EventUsageAuthorisationCompleted     EventType = "usage_authorisation.completed"
	EventUsageAuthorisationCancelled     EventType = "usage_authorisation.cancelled"
	EventUsageAuthorisationExpired       EventType = "usage_authorisation.expired"
)

// EventTypes lists every event type, for validation and documentation.
var EventTypes = []EventType{
	EventNetflixSubscriptionStateChanged, EventNetflixChargeReceived, EventNetflixChargeProcessed,
	EventUsageAuthorisationCreated, EventUsageAuthorisationCompleted, EventUsageAuthorisationCancelled,
	EventUsageAuthorisationExpired,
}

// Valid tells whether t is one of EventTypes.
func (t EventType) Valid() bool { return slices.Contains(EventTypes, t) }

// Event is something that happened in an organisation, recorded in the
// same transaction as the change it describes, so that an event exists if
// and only if that change committed.
type Event struct {
	ID             string
	OrganisationID string
	// Sequence increases by one per event of the organisation, in commit
	// order, without gaps; the events list pages on it.
	Sequence  int64
	Type      EventType
	Data      json.RawMessage
	CreatedAt time.Time
	// Deliveries is how many deliveries AppendEvent wrote with the event;
	// it is not stored (0 on events read back). Dispatch skips events
	// without any, sparing a read after every change.
	Deliveries int
}

// WebhookEndpoint is a URL an organisation's admin asked crmapi to POST
// events to, signed with Secret.
type WebhookEndpoint struct {
	ID             string
	OrganisationID string
	URL            string
	// Secret is the HMAC key. It has to be kept in clear to sign, and is
	// shown to the admin only when created or rotated.
	Secret string
	// EventTypes are the subscribed types; nil means every type.
	EventTypes []EventType
	Enabled    bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Subscribes tells whether the endpoint wants events of type t.
func (e WebhookEndpoint) Subscribes(t EventType) bool {
	return e.EventTypes == nil || slices.Contains(e.EventTypes, t)
}

// MaxWebhookEndpoints bounds an organisation's endpoints, so that one event
// never fans out into an unbounded number of deliveries.
const MaxWebhookEndpoints = 16

// DeliveryState is where a webhook delivery stands.
type DeliveryState string

// Delivery states: PENDING until an attempt gets a 2xx (DELIVERED) or the
// retry window closes (FAILED).
const (
	DeliveryPending   DeliveryState = "PENDING"
	DeliveryDelivered DeliveryState = "DELIVERED"
	DeliveryFailed    DeliveryState = "FAILED"
)

// Valid tells whether s is a known state.
func (s DeliveryState) Valid() bool {
	return s == DeliveryPending || s == DeliveryDelivered || s == DeliveryFailed
}

// WebhookDelivery is one event to send to one endpoint. Redelivering an
// event makes new deliveries of the same event.
type WebhookDelivery struct {
	ID             string
	OrganisationID string
	EventID        string
	EndpointID     string
	State          DeliveryState
	// Attempts counts attempts started, including one under way.
	Attempts int
	// LastError and LastStatus describe the last finished attempt (status 0: no HTTP answer).
	LastError  string
	LastStatus int
	// NextAttemptAt is when a PENDING delivery is due.
	NextAttemptAt time.Time
	LastAttemptAt *time.Time
	DeliveredAt   *time.Time
	CreatedAt     time.Time
}

// EventFilter selects events for the events list: after a sequence number,
// optionally of one type, oldest first.
type EventFilter struct {
	AfterSequence int64
	Type          EventType
	Limit         int
}

// DeliveryFilter selects deliveries; empty fields select everything.
// Lists are newest first.
type DeliveryFilter struct {
	EventID    string
	EndpointID string
	State      DeliveryState
	Offset     int
	Limit      int
}

// DeliveryCounts are an endpoint's deliveries still pending and failed.
type DeliveryCounts struct {
	Pending int
	Failed  int
}

// DueDelivery names a PENDING delivery whose time has come, for the sweep
// that queues delivery jobs.
type DueDelivery struct {
	OrganisationID string
	ID             string
	Attempts       int
}

// EventStore is what a transaction offers for events, webhook endpoints
// and deliveries. Lookups return NOT_FOUND when nothing matches in the
// organisation. Methods without an organisation serve the background jobs,
// which work for every organisation.
type EventStore interface {
	// AppendEvent stores e with the organisation's next sequence number and
	// a PENDING delivery, due at e.CreatedAt, for each enabled endpoint
	// subscribed to e.Type, all in this transaction. It returns the stored
	// event and the deliveries. Event sequences of one organisation are
	// handed out one transaction at a time, so they appear in commit order.
	AppendEvent(e Event) (Event, []WebhookDelivery, error)
	EventByID(orgID, id string) (Event, error)
	ListEvents(orgID string, f EventFilter) ([]Event, error)
	// DeleteEventsBefore removes events created before t with their deliveries.
	DeleteEventsBefore(t time.Time) (int64, error)

	// CreateWebhookEndpoint stores e; CONFLICT when its id is taken.
	CreateWebhookEndpoint(e WebhookEndpoint) error
	WebhookEndpointByID(orgID, id string) (WebhookEndpoint, error)
	// ListWebhookEndpoints lists the organisation's endpoints, oldest first.
	ListWebhookEndpoints(orgID string) ([]WebhookEndpoint, error)
	// UpdateWebhookEndpoint stores URL, Secret, EventTypes, Enabled and UpdatedAt.
	UpdateWebhookEndpoint(e WebhookEndpoint) error
	// DeleteWebhookEndpoint removes the endpoint and its deliveries.
	DeleteWebhookEndpoint(orgID, id string) error

	// CreateWebhookDeliveries stores new deliveries (redelivery).
	CreateWebhookDeliveries(ds []WebhookDelivery) error
	WebhookDeliveryByID(orgID, id string) (WebhookDelivery, error)
	// ListWebhookDeliveries returns a page and the number of matches.
	ListWebhookDeliveries(orgID string, f DeliveryFilter) ([]WebhookDelivery, int, error)
	// WebhookDeliveryCounts counts PENDING and FAILED deliveries by endpoint id.
	WebhookDeliveryCounts(orgID string) (map[string]DeliveryCounts, error)
	// UpdateWebhookDelivery stores State, Attempts, LastError, LastStatus,
	// NextAttemptAt, LastAttemptAt and DeliveredAt of d, only if the stored
	// delivery is PENDING with prevAttempts attempts. It reports whether it
	// did, so that two workers never both claim one attempt.
	UpdateWebhookDelivery(d WebhookDelivery, prevAttempts int) (bool, error)
	// DueWebhookDeliveries lists up to limit PENDING deliveries of enabled
	// endpoints due at or before now, earliest first: of the organisation
	// orgID, or of every organisation when orgID is empty.
	DueWebhookDeliveries(orgID string, now time.Time, limit int) ([]DueDelivery, error)
	// WakeWebhookDeliveries makes the endpoint's PENDING deliveries due at now.
	WakeWebhookDeliveries(orgID, endpointID string, now time.Time) error
}
