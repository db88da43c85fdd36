package sqlite

import (
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
)

// eventSeries is the counter that numbers an organisation's events. Its
// row stays written until commit, so event-emitting transactions of one
// organisation take their numbers in commit order.
const eventSeries = "crmapi.events"

func (t *tx) AppendEvent(e crmapi.Event) (crmapi.Event, []crmapi.WebhookDelivery, error) {
	// Endpoints first: the counter below stays locked until commit, so
	// nothing that can be done before taking it is done after.
	eps, err := t.ListWebhookEndpoints(e.OrganisationID)
	if err != nil {
		return e, nil, err
	}
	seq, err := t.NextNumber(e.OrganisationID, eventSeries)
	if err != nil {
		return e, nil, err
	}
	e.Sequence = seq
	if _, err := t.exec(`INSERT INTO events (id, organisation_id, sequence, type, data, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.ID, e.OrganisationID, e.Sequence, string(e.Type), string(e.Data), micros(e.CreatedAt)); err != nil {
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
	e, err := scanEvent(t.queryRow(`SELECT `+eventColumns+` FROM events WHERE organisation_id = ? AND id = ?`, orgID, id))
	return e, translate(err, "Event")
}

func (t *tx) ListEvents(orgID string, f crmapi.EventFilter) ([]crmapi.Event, error) {
	q := `SELECT ` + eventColumns + ` FROM events WHERE organisation_id = ? AND sequence > ?`
	args := []any{orgID, f.AfterSequence}
	if f.Type != "" {
		q += ` AND type = ?`
		args = append(args, string(f.Type))
	}
	q += ` ORDER BY sequence LIMIT ?`
	args = append(args, f.Limit)
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, translate(err, "Event")
	}
	return collect(rows, scanEvent, "Event")
}

func (t *tx) DeleteEventsBefore(before time.Time) (int64, error) {
	if _, err := t.exec(`DELETE FROM webhook_deliveries WHERE event_id IN (SELECT id FROM events WHERE created_at < ?)`, micros(before)); err != nil {
		return 0, translate(err, "Webhook delivery")
	}
	res, err := t.exec(`DELETE FROM events WHERE created_at < ?`, micros(before))
	if err != nil {
		return 0, translate(err, "Event")
	}
	return res.RowsAffected()
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
	var enabled int
	var created, updated int64
	err := s.Scan(&e.ID, &e.OrganisationID, &e.URL, &e.Secret, &types, &enabled, &created, &updated)
	e.EventTypes, e.Enabled, e.CreatedAt, e.UpdatedAt = decodeEventTypes(types), enabled != 0, fromMicros(created), fromMicros(updated)
	return e, err
}

func (t *tx) CreateWebhookEndpoint(e crmapi.WebhookEndpoint) error {
	_, err := t.exec(`INSERT INTO webhook_endpoints (`+endpointColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.OrganisationID, e.URL, e.Secret, encodeEventTypes(e.EventTypes), boolInt(e.Enabled), micros(e.CreatedAt), micros(e.UpdatedAt))
	return translate(err, "Webhook endpoint")
}

func (t *tx) WebhookEndpointByID(orgID, id string) (crmapi.WebhookEndpoint, error) {
	e, err := scanEndpoint(t.queryRow(`SELECT `+endpointColumns+` FROM webhook_endpoints WHERE organisation_id = ? AND id = ?`, orgID, id))
	return e, translate(err, "Webhook endpoint")
}

func (t *tx) ListWebhookEndpoints(orgID string) ([]crmapi.WebhookEndpoint, error) {
	rows, err := t.query(`SELECT `+endpointColumns+` FROM webhook_endpoints WHERE organisation_id = ? ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, translate(err, "Webhook endpoint")
	}
	return collect(rows, scanEndpoint, "Webhook endpoint")
}

func (t *tx) UpdateWebhookEndpoint(e crmapi.WebhookEndpoint) error {
	res, err := t.exec(`UPDATE webhook_endpoints SET url = ?, secret = ?, event_types = ?, enabled = ?, updated_at = ?
		WHERE organisation_id = ? AND id = ?`,
		e.URL, e.Secret, encodeEventTypes(e.EventTypes), boolInt(e.Enabled), micros(e.UpdatedAt), e.OrganisationID, e.ID)
	if err != nil {
		return translate(err, "Webhook endpoint")
	}
	return mustAffect(res, "Webhook endpoint")
}

func (t *tx) DeleteWebhookEndpoint(orgID, id string) error {
	if _, err := t.exec(`DELETE FROM webhook_deliveries WHERE organisation_id = ? AND endpoint_id = ?`, orgID, id); err != nil {
		return translate(err, "Webhook delivery")
	}
	res, err := t.exec(`DELETE FROM webhook_endpoints WHERE organisation_id = ? AND id = ?`, orgID, id)
	if err != nil {
		return translate(err, "Webhook endpoint")
	}
	return mustAffect(res, "Webhook endpoint")
}

const deliveryColumns = `id, organisation_id, event_id, endpoint_id, state, attempts, last_error, last_status,
	next_attempt_at, last_attempt_at, delivered_at, created_at`

func scanDelivery(s scanner) (crmapi.WebhookDelivery, error) {
	var d crmapi.WebhookDelivery
	var state string
	var next, created int64
	var last, delivered sql.NullInt64
	err := s.Scan(&d.ID, &d.OrganisationID, &d.EventID, &d.EndpointID, &state, &d.Attempts, &d.LastError, &d.LastStatus,
		&next, &last, &delivered, &created)
	d.State, d.NextAttemptAt, d.CreatedAt = crmapi.DeliveryState(state), fromMicros(next), fromMicros(created)
	d.LastAttemptAt, d.DeliveredAt = fromNullMicros(last), fromNullMicros(delivered)
	return d, err
}

func (t *tx) CreateWebhookDeliveries(ds []crmapi.WebhookDelivery) error {
	for _, d := range ds {
		if _, err := t.exec(`INSERT INTO webhook_deliveries (`+deliveryColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, d.OrganisationID, d.EventID, d.EndpointID, string(d.State), d.Attempts, d.LastError, d.LastStatus,
			micros(d.NextAttemptAt), nullMicros(d.LastAttemptAt), nullMicros(d.DeliveredAt), micros(d.CreatedAt)); err != nil {
			return translate(err, "Webhook delivery")
		}
	}
	return nil
}

func (t *tx) WebhookDeliveryByID(orgID, id string) (crmapi.WebhookDelivery, error) {
	d, err := scanDelivery(t.queryRow(`SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE organisation_id = ? AND id = ?`, orgID, id))
	return d, translate(err, "Webhook delivery")
}

func (t *tx) ListWebhookDeliveries(orgID string, f crmapi.DeliveryFilter) ([]crmapi.WebhookDelivery, int, error) {
	where := ` WHERE organisation_id = ?`
	args := []any{orgID}
	if f.EventID != "" {
		where += ` AND event_id = ?`
		args = append(args, f.EventID)
	}
	if f.EndpointID != "" {
		where += ` AND endpoint_id = ?`
		args = append(args, f.EndpointID)
	}
	if f.State != "" {
		where += ` AND state = ?`
		args = append(args, string(f.State))
	}
	var total int
	if err := t.queryRow(`SELECT count(*) FROM webhook_deliveries`+where, args...).Scan(&total); err != nil {
		return nil, 0, translate(err, "Webhook delivery")
	}
	rows, err := t.query(`SELECT `+deliveryColumns+` FROM webhook_deliveries`+where+
		` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, translate(err, "Webhook delivery")
	}
	out, err := collect(rows, scanDelivery, "Webhook delivery")
	return out, total, err
}

func (t *tx) WebhookDeliveryCounts(orgID string) (map[string]crmapi.DeliveryCounts, error) {
	rows, err := t.query(`SELECT endpoint_id, state, count(*) FROM webhook_deliveries
		WHERE organisation_id = ? AND state IN ('PENDING', 'FAILED') GROUP BY endpoint_id, state`, orgID)
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
	res, err := t.exec(`UPDATE webhook_deliveries SET state = ?, attempts = ?, last_error = ?, last_status = ?,
		next_attempt_at = ?, last_attempt_at = ?, delivered_at = ?
		WHERE organisation_id = ? AND id = ? AND state = 'PENDING' AND attempts = ?`,
		string(d.State), d.Attempts, d.LastError, d.LastStatus, micros(d.NextAttemptAt), nullMicros(d.LastAttemptAt),
		nullMicros(d.DeliveredAt), d.OrganisationID, d.ID, prevAttempts)
	if err != nil {
		return false, translate(err, "Webhook delivery")
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *tx) DueWebhookDeliveries(orgID string, now time.Time, limit int) ([]crmapi.DueDelivery, error) {
	rows, err := t.query(`SELECT d.organisation_id, d.id, d.attempts FROM webhook_deliveries d
		JOIN webhook_endpoints e ON e.id = d.endpoint_id
		WHERE d.state = 'PENDING' AND d.next_attempt_at <= ? AND e.enabled = 1 AND (? = '' OR d.organisation_id = ?)
		ORDER BY d.next_attempt_at, d.id LIMIT ?`, micros(now), orgID, orgID, limit)
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
	_, err := t.exec(`UPDATE webhook_deliveries SET next_attempt_at = ?
		WHERE organisation_id = ? AND endpoint_id = ? AND state = 'PENDING' AND next_attempt_at > ?`,
		micros(now), orgID, endpointID, micros(now))
	return translate(err, "Webhook delivery")
}
