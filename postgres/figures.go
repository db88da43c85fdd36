package postgres

import "github.com/crmapi/crmapi"

// HoldFigures sums the BLOCKED authorisations, which the partial index
// usage_authorisations_due holds.
func (t *tx) HoldFigures() ([]crmapi.HoldFigure, error) {
	rows, err := t.query(`SELECT a.organisation_id, r.currency, count(*), sum(a.amount)::bigint
		FROM usage_authorisations a JOIN accounts_receivable r ON r.id = a.account_id
		WHERE a.life_cycle_state = 'BLOCKED'
		GROUP BY a.organisation_id, r.currency ORDER BY a.organisation_id, r.currency`)
	if err != nil {
		return nil, translate(err, "Hold figures")
	}
	return collect(rows, func(r scanner) (crmapi.HoldFigure, error) {
		var f crmapi.HoldFigure
		var units int64
		err := r.Scan(&f.OrganisationID, &f.Currency, &f.Count, &units)
		f.Amount = crmapi.AmountFromUnits(units)
		return f, err
	}, "Hold figures")
}

// DeliveryFigures counts through the endpoints and the (endpoint_id,
// state) index, so that DELIVERED history is never read.
func (t *tx) DeliveryFigures() ([]crmapi.DeliveryFigure, error) {
	// LATERAL makes each count an index-only lookup of one (endpoint_id,
	// state) range, whatever the planner thinks of the tables' sizes.
	rows, err := t.query(`SELECT e.organisation_id, s.state, sum(c.n)::bigint
		FROM webhook_endpoints e CROSS JOIN (VALUES ('PENDING'), ('FAILED')) AS s(state)
		CROSS JOIN LATERAL (SELECT count(*) AS n FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.state = s.state) c
		GROUP BY e.organisation_id, s.state HAVING sum(c.n) > 0 ORDER BY s.state DESC, e.organisation_id`)
	if err != nil {
		return nil, translate(err, "Delivery figures")
	}
	return collect(rows, func(r scanner) (crmapi.DeliveryFigure, error) {
		var f crmapi.DeliveryFigure
		var state string
		err := r.Scan(&f.OrganisationID, &state, &f.Count)
		f.State = crmapi.DeliveryState(state)
		return f, err
	}, "Delivery figures")
}

// unackedConditions are the two lists of charges/list, as their partial
// indexes state them.
var unackedConditions = []struct {
	processed bool
	cond      string
}{
	{false, `status = 'PENDING' AND pending_ack_at IS NULL`},
	{true, `status <> 'PENDING' AND processed_ack_at IS NULL`},
}

// ChargeBacklogs counts each list's charges and finds its first, both
// through the list's partial index (organisation_id, ordinal).
func (t *tx) ChargeBacklogs() ([]crmapi.ChargeBacklog, error) {
	var out []crmapi.ChargeBacklog
	for _, u := range unackedConditions {
		rows, err := t.query(`SELECT g.organisation_id, g.n, c.received_on FROM
			(SELECT organisation_id, count(*) AS n, min(ordinal) AS first
			 FROM netflix_charges WHERE ` + u.cond + ` GROUP BY organisation_id) g
			JOIN netflix_charges c ON c.organisation_id = g.organisation_id AND c.ordinal = g.first AND ` + u.cond + `
			ORDER BY g.organisation_id`)
		if err != nil {
			return nil, translate(err, "Charge backlogs")
		}
		list, err := collect(rows, func(r scanner) (crmapi.ChargeBacklog, error) {
			b := crmapi.ChargeBacklog{Processed: u.processed}
			var received int64
			err := r.Scan(&b.OrganisationID, &b.Count, &received)
			b.OldestReceivedOn = fromMicros(received)
			return b, err
		}, "Charge backlogs")
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
}

// AttentionFigures counts through the attention partial index.
func (t *tx) AttentionFigures() ([]crmapi.AttentionFigure, error) {
	rows, err := t.query(`SELECT organisation_id, count(*) FROM netflix_subscriptions
		WHERE attention GROUP BY organisation_id ORDER BY organisation_id`)
	if err != nil {
		return nil, translate(err, "Attention figures")
	}
	return collect(rows, func(r scanner) (crmapi.AttentionFigure, error) {
		var f crmapi.AttentionFigure
		err := r.Scan(&f.OrganisationID, &f.Count)
		return f, err
	}, "Attention figures")
}
