package service

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/crmapi/crmapi"
)

// EventService records what happens in an organisation as events, lets
// admins page through them and have them delivered again. Delivery itself
// is the WebhookService's.
type EventService struct {
	store     crmapi.Store
	clock     crmapi.Clock
	log       *slog.Logger
	queue     *queueRef
	retention time.Duration
	// observe, when set, is told of every committed event (metrics).
	observe atomic.Pointer[func(crmapi.Event)]
}

// Observe has f called with every event once its transaction has
// committed, in the committing goroutine, so f must be quick. The metrics
// count events by type with it.
func (s *EventService) Observe(f func(crmapi.Event)) { s.observe.Store(&f) }

// MaxEventPage is the most events (and deliveries) one list call returns.
const MaxEventPage = 100

// DefaultEventRetention is how long events (and their deliveries) are kept.
const DefaultEventRetention = 30 * 24 * time.Hour

// Emit records an event in the caller's transaction. It is how the other
// services announce a change, and its contract is:
//
//   - Call it inside the store.Update whose transaction makes the change,
//     with that fn's tx, after the change is written. The event and one
//     PENDING delivery per enabled endpoint subscribed to typ are written
//     in tx: if tx rolls back, the event never existed and nothing is ever
//     sent; if it commits, the event exists and will be delivered. Emit
//     has no effect outside tx, so it is safe in an fn that the store may
//     run again.
//   - orgID is the organisation the change belongs to; only its endpoints
//     receive the event and only its admins list it.
//   - typ is one of crmapi.EventTypes; another is an internal error.
//   - data is encoded with encoding/json at once and must encode as a JSON
//     object. Pass the entity as the API shows it (the object its show
//     method returns, same keys, wire dates), so that receivers handle one
//     shape. It is stored and sent byte for byte; later changes of the
//     entity do not alter it.
//   - now is the organisation's time of the change, org.Now(clock) (the
//     same now as the change), which becomes the event's created date; a
//     test organisation's moved clock so moves its retry schedule too.
//   - Emit numbers the organisation's events 1, 2, 3, … in commit order by
//     taking the organisation's event counter, which stays locked until tx
//     ends: call it late in the transaction, after the checks that may fail.
//   - After the Update returns nil, call Dispatch with the returned events
//     so that delivery starts at once. Skipping it (or a crash before it)
//     loses nothing: the periodic sweep queues every due delivery, only later.
//
// Errors are internal (GENERAL_ERROR): an unknown type, data that is not
// an object, or the store's.
func (s *EventService) Emit(tx crmapi.Tx, orgID string, typ crmapi.EventType, data any, now time.Time) (crmapi.Event, error) {
	if !typ.Valid() {
		return crmapi.Event{}, fmt.Errorf("service: emit: unknown event type %q", typ)
	}
	b, err := json.Marshal(data)
	if err != nil {
		return crmapi.Event{}, fmt.Errorf("service: emit %s: encode data: %w", typ, err)
	}
	if len(b) == 0 || b[0] != '{' {
		return crmapi.Event{}, fmt.Errorf("service: emit %s: data must encode as a JSON object", typ)
	}
	ev, ds, err := tx.AppendEvent(crmapi.Event{ID: crmapi.NewID(), OrganisationID: orgID, Type: typ, Data: b, CreatedAt: now})
	ev.Deliveries = len(ds)
	return ev, err
}

// Dispatch queues delivery jobs for the PENDING deliveries of events that
// Emit recorded in a committed transaction. It never fails the caller: the
// change is committed already, and whatever Dispatch cannot queue the
// periodic sweep queues later.
func (s *EventService) Dispatch(ctx context.Context, events ...crmapi.Event) {
	if f := s.observe.Load(); f != nil {
		for _, ev := range events {
			(*f)(ev)
		}
	}
	if s.queue.get() == nil {
		return
	}
	// Most events go to no endpoint: only those Emit wrote deliveries for
	// need the read below.
	events = slices.DeleteFunc(slices.Clone(events), func(e crmapi.Event) bool { return e.Deliveries == 0 })
	if len(events) == 0 {
		return
	}
	var ds []crmapi.WebhookDelivery
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		ds = ds[:0]
		for _, ev := range events {
			page, _, err := tx.ListWebhookDeliveries(ev.OrganisationID,
				crmapi.DeliveryFilter{EventID: ev.ID, State: crmapi.DeliveryPending, Limit: crmapi.MaxWebhookEndpoints})
			if err != nil {
				return err
			}
			ds = append(ds, page...)
		}
		return nil
	})
	if err != nil {
		s.log.WarnContext(ctx, "webhooks: deliveries not queued; the sweep will queue them", "err", err.Error())
		return
	}
	s.queue.deliveries(ctx, s.log, ds)
}

// Event returns one event of the organisation. Codes: NOT_FOUND.
func (s *EventService) Event(ctx context.Context, orgID, id string) (crmapi.Event, error) {
	var ev crmapi.Event
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		ev, err = tx.EventByID(orgID, id)
		return err
	})
	return ev, err
}

// EventQuery selects a page of events, oldest first.
type EventQuery struct {
	// AfterSequence skips events up to and including this number.
	AfterSequence int64
	// Type, when set, keeps only events of this type.
	Type string
	// Limit is the page size, 1 to MaxEventPage (default 20).
	Limit int
}

// Events lists the organisation's events after a sequence number, oldest
// first, to replay from, and tells whether more follow the page. Codes:
// INVALID_PARAMETER, LIMIT_EXCEEDED.
func (s *EventService) Events(ctx context.Context, orgID string, q EventQuery) ([]crmapi.Event, bool, error) {
	f := crmapi.EventFilter{AfterSequence: q.AfterSequence, Type: crmapi.EventType(q.Type)}
	if f.Type != "" && !f.Type.Valid() {
		return nil, false, crmapi.Invalid("type", "unknown event type "+q.Type)
	}
	if f.AfterSequence < 0 {
		return nil, false, crmapi.Invalid("after_sequence", "must not be negative")
	}
	limit, err := pageSize(q.Limit)
	if err != nil {
		return nil, false, err
	}
	// One more than the page tells whether another page follows.
	f.Limit = limit + 1
	var out []crmapi.Event
	err = s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		out, err = tx.ListEvents(orgID, f)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// pageSize checks a number_of_results: default 20, at most MaxEventPage.
func pageSize(n int) (int, error) {
	switch {
	case n == 0:
		return 20, nil
	case n < 0:
		return 0, crmapi.Invalid("number_of_results", "must be positive")
	case n > MaxEventPage:
		return 0, crmapi.Errorf(crmapi.LimitExceeded, "Limit exceeded", "number_of_results: at most %d", MaxEventPage)
	}
	return n, nil
}

// Redeliver sends an event again: to endpointID when given (it must be
// enabled, whatever its subscription), else to every enabled endpoint
// subscribed to the event's type. Each target gets a new delivery of the
// same event, with its own 3-day retry window from now. Codes: NOT_FOUND,
// INVALID_LIFE_CYCLE_STATE (a disabled endpoint).
func (s *EventService) Redeliver(ctx context.Context, orgID, eventID, endpointID string) ([]crmapi.WebhookDelivery, error) {
	var ds []crmapi.WebhookDelivery
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		ds = nil
		now, err := orgNow(tx, s.clock, orgID)
		if err != nil {
			return err
		}
		ev, err := tx.EventByID(orgID, eventID)
		if err != nil {
			return err
		}
		var targets []crmapi.WebhookEndpoint
		if endpointID != "" {
			ep, err := tx.WebhookEndpointByID(orgID, endpointID)
			if err != nil {
				return err
			}
			if !ep.Enabled {
				return crmapi.Errorf(crmapi.InvalidLifeCycleState, "Webhook endpoint disabled",
					"endpoint %s is disabled; enable it first", ep.ID)
			}
			targets = append(targets, ep)
		} else {
			eps, err := tx.ListWebhookEndpoints(orgID)
			if err != nil {
				return err
			}
			for _, ep := range eps {
				if ep.Enabled && ep.Subscribes(ev.Type) {
					targets = append(targets, ep)
				}
			}
		}
		for _, ep := range targets {
			ds = append(ds, crmapi.WebhookDelivery{ID: crmapi.NewID(), OrganisationID: orgID, EventID: ev.ID,
				EndpointID: ep.ID, State: crmapi.DeliveryPending, NextAttemptAt: now, CreatedAt: now})
		}
		return tx.CreateWebhookDeliveries(ds)
	})
	if err != nil {
		return nil, err
	}
	s.queue.deliveries(ctx, s.log, ds)
	return ds, nil
}

// Purge deletes events older than the retention, with their deliveries.
func (s *EventService) Purge(ctx context.Context) (int64, error) {
	var n int64
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		var err error
		n, err = tx.DeleteEventsBefore(s.clock.Now().Add(-s.retention))
		return err
	})
	return n, err
}

// orgNow is the organisation's time, its test clock included, read in the
// transaction so that a clock moved a moment ago counts.
func orgNow(tx crmapi.Tx, clock crmapi.Clock, orgID string) (time.Time, error) {
	o, err := tx.OrganisationByID(orgID)
	if err != nil {
		return time.Time{}, err
	}
	return o.Now(clock), nil
}

// wireDateLayout is the API's date-time (httpapi writes the same):
// the organisation's local time, without a zone.
const wireDateLayout = "2006-01-02T15:04:05"

// eventBody is an event as the API shows it and as webhooks POST it.
type eventBody struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Sequence    int64           `json:"sequence"`
	CreatedDate string          `json:"created_date"`
	Data        json.RawMessage `json:"data"`
}

// EventJSON is the event as both events/show and a webhook delivery carry
// it, with dates in loc, the organisation's time zone.
func EventJSON(e crmapi.Event, loc *time.Location) []byte {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage(`{}`)
	}
	b, err := json.Marshal(eventBody{ID: e.ID, Type: string(e.Type), Sequence: e.Sequence,
		CreatedDate: e.CreatedAt.In(loc).Format(wireDateLayout), Data: data})
	if err != nil {
		// Only stored data that is not JSON can get here; Emit never stores such.
		b, _ = json.Marshal(eventBody{ID: e.ID, Type: string(e.Type), Sequence: e.Sequence,
			CreatedDate: e.CreatedAt.In(loc).Format(wireDateLayout), Data: json.RawMessage(`{}`)})
	}
	return b
}
