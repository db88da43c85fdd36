package postgres

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
)

// eventSeries is the counter that numbers an organisation's events. Its
// row stays locked until commit, so event-emitting transactions of one
// organisation take their numbers in commit order and a reader paging by
// sequence never skips an event that commits late.
const eventSeries = "crmapi.events"

func (t *tx) AppendEvent(e crmapi.Event) (crmapi.Event, []crmapi.WebhookDelivery, error) {
	// Endpoints first: the counter below stays locked until commit, so
	// nothing that can be done before taking it is done after.
	eps, err := t.ListWebhookEndpoints(e.OrganisationID)
	if err != nil {
		return e, nil, err
	}
	// The counter and the event in one statement: from the counter's lock
	// to the commit, every other write of the organisation that emits an
	// event waits, so that section is kept to this statement and COMMIT.
	err = t.queryRow(`WITH c AS (
			INSERT INTO counters (organisation_id, name, value) VALUES ($2, $6, 1)
			ON CONFLICT (organisation_id, name) DO UPDATE SET value = counters.value + 1 RETURNING value)
		INSERT INTO events (id, organisation_id, sequence, type, data, created_at)
		SELECT $1, $2, c.value, $3, $4, $5 FROM c RETURNING sequence`,
		e.ID, e.OrganisationID, string(e.Type), string(e.Data), micros(e.CreatedAt), eventSeries).Scan(&e.Sequence)
	if err != nil {
		return e, nil, translate(err, "Event")
	}
	var ds []crmapi.WebhookDelivery
	for _, ep := range eps {
		if ep.Enabled && ep.Subscribes(e.Type) {
			ds = append(ds, crmapi.WebhookDelivery{ID: crmapi.NewID(), OrganisationID: e.OrganisationID, EventID: e.ID,
				EndpointID: ep.ID, State: crmapi.DeliveryPending, NextAttemptAt: e.CreatedAt, CreatedAt: e.CreatedAt})
		}
	}
	return e, ds, t.CreateWebhookDeliveries(ds)
}

const eventColumns = `id, organisation_id, sequence, type, data, created_at`

func scanEvent(s scanner) (crmapi.Event, error) {
	var e crmapi.Event
	var typ, data string
	var created int64
	err := s.Scan(&e.ID, &e.OrganisationID, &e.Sequence, &typ, &data, &created)
	e.Type, e.Data, e.CreatedAt = crmapi.EventType(typ), []byte(data), fromMicros(created)
	return e, err
}

func (t *tx) EventByID(orgID, id string) (crmapi.Event, error) {
	e, err := scanEvent(t.queryRow(`SELECT `+eventColumns+` FROM events WHERE organisation_id = $1 AND id = $2`, orgID, id))
	return e, translate(err, "Event")
}

func (t *tx) ListEvents(orgID string, f crmapi.EventFilter) ([]crmapi.Event, error) {
	q := `SELECT ` + eventColumns + ` FROM events WHERE organisation_id = $1 AND sequence > $2`
	args := []any{orgID, f.AfterSequence}
	if f.Type != "" {
		args = append(args, string(f.Type))
		q += fmt.Sprintf(` AND type = $%d`, len(args))
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(` ORDER BY sequence LIMIT $%d`, len(args))
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, translate(err, "Event")
	}
	return collect(rows, scanEvent, "Event")
}

func (t *tx) DeleteEventsBefore(before time.Time) (int64, error) {
	if _, err := t.exec(`DELETE FROM webhook_deliveries WHERE event_id IN (SELECT id FROM events WHERE created_at < $1)`, micros(before)); err != nil {
		return 0, translate(err, "Webhook delivery")
	}
	tag, err := t.exec(`DELETE FROM events WHERE created_at < $1`, micros(before))
	if err != nil {
		return 0, translate(err, "Event")
	}
	return tag.RowsAffected(), nil
}

// encodeEventTypes stores a subscription: '*' for every type.
func encodeEventTypes(types []crmapi.EventType) string {
	if types == nil {
		return "*"
	}
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = string(t)
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}

func decodeEventTypes(s string) []crmapi.EventType {
	if s == "*" {
		return nil
	}
	out := []crmapi.EventType{}
	for _, t := range strings.Split(s, ",") {
		if t != "" {
			out = append(out, crmapi.EventType(t))
		}
	}
	return out
}

const endpointColumns = `id, organisation_id, url, secret, event_types, enabled, created_at, updated_at`

func scanEndpoint(s scanner) (crmapi.WebhookEndpoint, error) {
	var e crmapi.WebhookEndpoint
	var types string
	var created, updated int64
	err := s.Scan(&e.ID, &e.OrganisationID, &e.URL, &e.Secret, &types, &e.Enabled, &created, &updated)
	e.EventTypes, e.CreatedAt, e.UpdatedAt = decodeEventTypes(types), fromMicros(created), fromMicros(updated)
	return e, err
}

func (t *tx) CreateWebhookEndpoint(e crmapi.WebhookEndpoint) error {
	return t.insert("Webhook endpoint", `INSERT INTO webhook_endpoints (`+endpointColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.ID, e.OrganisationID, e.URL, e.Secret, encodeEventTypes(e.EventTypes), e.Enabled, micros(e.CreatedAt), micros(e.UpdatedAt))
}

func (t *tx) WebhookEndpointByID(orgID, id string) (crmapi.WebhookEndpoint, error) {
	e, err := scanEndpoint(t.queryRow(`SELECT `+endpointColumns+` FROM webhook_endpoints WHERE organisation_id = $1 AND id = $2`, orgID, id))
	return e, translate(err, "Webhook endpoint")
}

func (t *tx) ListWebhookEndpoints(orgID string) ([]crmapi.WebhookEndpoint, error) {
	rows, err := t.query(`SELECT `+endpointColumns+` FROM webhook_endpoints WHERE organisation_id = $1 ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, translate(err, "Webhook endpoint")
	}
	return collect(rows, scanEndpoint, "Webhook endpoint")
}

func (t *tx) UpdateWebhookEndpoint(e crmapi.WebhookEndpoint) error {
	tag, err := t.exec(`UPDATE webhook_endpoints SET url = $1, secret = $2, event_types = $3, enabled = $4, updated_at = $5
		WHERE organisation_id = $6 AND id = $7`,
		e.URL, e.Secret, encodeEventTypes(e.EventTypes), e.Enabled, micros(e.UpdatedAt), e.OrganisationID, e.ID)
	if err != nil {
		return translate(err, "Webhook endpoint")
	}
	return mustAffect(tag, "Webhook endpoint")
}

func (t *tx) DeleteWebhookEndpoint(orgID, id string) error {
	if _, err := t.exec(`DELETE FROM webhook_deliveries WHERE organisation_id = $1 AND endpoint_id = $2`, orgID, id); err != nil {
		return translate(err, "Webhook delivery")
	}
	tag, err := t.exec(`DELETE FROM webhook_endpoints WHERE organisation_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return translate(err, "Webhook endpoint")
	}
	return mustAffect(tag, "Webhook endpoint")
}

const deliveryColumns = `id, organisation_id, event_id, endpoint_id, state, attempts, last_error, last_status,
	next_attempt_at, last_attempt_at, delivered_at, created_at`

func scanDelivery(s scanner) (crmapi.WebhookDelivery, error) {
	var d crmapi.WebhookDelivery
	var state string
	var next, created int64
	var last, delivered *int64
	err := s.Scan(&d.ID, &d.OrganisationID, &d.EventID, &d.EndpointID, &state, &d.Attempts, &d.LastError, &d.LastStatus,
		&next, &last, &delivered, &created)
	d.State, d.NextAttemptAt, d.CreatedAt = crmapi.DeliveryState(state), fromMicros(next), fromMicros(created)
	d.LastAttemptAt, d.DeliveredAt = fromNullMicros(last), fromNullMicros(delivered)
	return d, err
}

func (t *tx) CreateWebhookDeliveries(ds []crmapi.WebhookDelivery) error {
	for _, d := range ds {
		if _, err := t.exec(`INSERT INTO webhook_deliveries (`+deliveryColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			d.ID, d.OrganisationID, d.EventID, d.EndpointID, string(d.State), d.Attempts, d.LastError, d.LastStatus,
			micros(d.NextAttemptAt), nullMicros(d.LastAttemptAt), nullMicros(d.DeliveredAt), micros(d.CreatedAt)); err != nil {
			return translate(err, "Webhook delivery")
		}
	}
	return nil
}

func (t *tx) WebhookDeliveryByID(orgID, id string) (crmapi.WebhookDelivery, error) {
	d, err := scanDelivery(t.queryRow(`SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE organisation_id = $1 AND id = $2`, orgID, id))
	return d, translate(err, "Webhook delivery")
}

func (t *tx) ListWebhookDeliveries(orgID string, f crmapi.DeliveryFilter) ([]crmapi.WebhookDelivery, int, error) {
	where := ` WHERE organisation_id = $1`
	args := []any{orgID}
	add := func(cond string, v any) {
		args = append(args, v)
		where += fmt.Sprintf(cond, len(args))
	}
	if f.EventID != "" {
		add(` AND event_id = $%d`, f.EventID)
	}
	if f.EndpointID != "" {
		add(` AND endpoint_id = $%d`, f.EndpointID)
	}
	if f.State != "" {
		add(` AND state = $%d`, string(f.State))
	}
	var total int
	if err := t.queryRow(`SELECT count(*) FROM webhook_deliveries`+where, args...).Scan(&total); err != nil {
		return nil, 0, translate(err, "Webhook delivery")
	}
	page := fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT $%d OFFSET $%d`, len(args)+1, len(args)+2)
	rows, err := t.query(`SELECT `+deliveryColumns+` FROM webhook_deliveries`+where+page, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, translate(err, "Webhook delivery")
	}
	out, err := collect(rows, scanDelivery, "Webhook delivery")
	return out, total, err
}

func (t *tx) WebhookDeliveryCounts(orgID string) (map[string]crmapi.DeliveryCounts, error) {
	rows, err := t.query(`SELECT endpoint_id, state, count(*) FROM webhook_deliveries
		WHERE organisation_id = $1 AND state IN ('PENDING', 'FAILED') GROUP BY endpoint_id, state`, orgID)
	if err != nil {
		return nil, translate(err, "Webhook delivery")
	}
	defer rows.Close()
	out := map[string]crmapi.DeliveryCounts{}
	for rows.Next() {
		var ep, state string
		var n int
		if err := rows.Scan(&ep, &state, &n); err != nil {
			return nil, translate(err, "Webhook delivery")
		}
		c := out[ep]
		if state == string(crmapi.DeliveryPending) {
			c.Pending = n
		} else {
			c.Failed = n
		}
		out[ep] = c
	}
	return out, translate(rows.Err(), "Webhook delivery")
}

func (t *tx) UpdateWebhookDelivery(d crmapi.WebhookDelivery, prevAttempts int) (bool, error) {
	tag, err := t.exec(`UPDATE webhook_deliveries SET state = $1, attempts = $2, last_error = $3, last_status = $4,
		next_attempt_at = $5, last_attempt_at = $6, delivered_at = $7
		WHERE organisation_id = $8 AND id = $9 AND state = 'PENDING' AND attempts = $10`,
		string(d.State), d.Attempts, d.LastError, d.LastStatus, micros(d.NextAttemptAt), nullMicros(d.LastAttemptAt),
		nullMicros(d.DeliveredAt), d.OrganisationID, d.ID, prevAttempts)
	if err != nil {
		return false, translate(err, "Webhook delivery")
	}
	return tag.RowsAffected() == 1, nil
}

func (t *tx) DueWebhookDeliveries(orgID string, now time.Time, limit int) ([]crmapi.DueDelivery, error) {
	rows, err := t.query(`SELECT d.organisation_id, d.id, d.attempts FROM webhook_deliveries d
		JOIN webhook_endpoints e ON e.id = d.endpoint_id
		WHERE d.state = 'PENDING' AND d.next_attempt_at <= $1 AND e.enabled AND ($2 = '' OR d.organisation_id = $2)
		ORDER BY d.next_attempt_at, d.id LIMIT $3`, micros(now), orgID, limit)
	if err != nil {
		return nil, translate(err, "Webhook delivery")
	}
	return collect(rows, func(s scanner) (crmapi.DueDelivery, error) {
		var d crmapi.DueDelivery
		err := s.Scan(&d.OrganisationID, &d.ID, &d.Attempts)
		return d, err
	}, "Webhook delivery")
}

func (t *tx) WakeWebhookDeliveries(orgID, endpointID string, now time.Time) error {
	_, err := t.exec(`UPDATE webhook_deliveries SET next_attempt_at = $1
		WHERE organisation_id = $2 AND endpoint_id = $3 AND state = 'PENDING' AND next_attempt_at > $1`,
		micros(now), orgID, endpointID)
	return translate(err, "Webhook delivery")
}
