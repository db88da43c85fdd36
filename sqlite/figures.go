package sqlite

import "github.com/crmapi/crmapi"

// HoldFigures sums the BLOCKED authorisations through their partial index.
func (t *tx) HoldFigures() ([]crmapi.HoldFigure, error) {
	rows, err := t.query(`SELECT a.organisation_id, r.currency, count(*), sum(a.amount)
		FROM usage_authorisations a INDEXED BY usage_authorisations_due
		JOIN accounts_receivable r ON r.id = a.account_id
		WHERE a.life_cycle_state = 'BLOCKED'
		GROUP BY a.organisation_id, r.currency ORDER BY a.organisation_id, r.currency`)
	if err != nil {
		return nil, translate(err, "Hold figures")
	}
	defer rows.Close()
	var out []crmapi.HoldFigure
	for rows.Next() {
		var f crmapi.HoldFigure
		var units int64
		if err := rows.Scan(&f.OrganisationID, &f.Currency, &f.Count, &units); err != nil {
			return nil, translate(err, "Hold figures")
		}
		f.Amount = crmapi.AmountFromUnits(units)
		out = append(out, f)
	}
	return out, translate(rows.Err(), "Hold figures")
}

// DeliveryFigures counts through the endpoints and the (endpoint_id,
// state) index, so that DELIVERED history is never read.
func (t *tx) DeliveryFigures() ([]crmapi.DeliveryFigure, error) {
	var out []crmapi.DeliveryFigure
	for _, state := range []crmapi.DeliveryState{crmapi.DeliveryPending, crmapi.DeliveryFailed} {
		// A subquery per endpoint, so that each count is one range of the
		// (endpoint_id, state) index whatever the join order.
		rows, err := t.query(`SELECT organisation_id, n FROM (
			SELECT e.organisation_id, sum((SELECT count(*) FROM webhook_deliveries d INDEXED BY webhook_deliveries_endpoint
				WHERE d.endpoint_id = e.id AND d.state = ?)) AS n
			FROM webhook_endpoints e GROUP BY e.organisation_id) WHERE n > 0 ORDER BY organisation_id`, string(state))
		if err != nil {
			return nil, translate(err, "Delivery figures")
		}
		for rows.Next() {
			f := crmapi.DeliveryFigure{State: state}
			if err := rows.Scan(&f.OrganisationID, &f.Count); err != nil {
				rows.Close()
				return nil, translate(err, "Delivery figures")
			}
			out = append(out, f)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, translate(err, "Delivery figures")
		}
	}
	return out, nil
}

// unackedConditions are the two lists of charges/list, as their partial
// indexes state them.
var unackedConditions = []struct {
	processed bool
	cond      string
	index     string
}{
	{false, `status = 'PENDING' AND pending_ack_at IS NULL`, "netflix_charges_unacked_pending"},
	{true, `status <> 'PENDING' AND processed_ack_at IS NULL`, "netflix_charges_unacked_processed"},
}

// ChargeBacklogs counts each list's charges and finds its first, both
// through the list's partial index. INDEXED BY here and above makes a
// query that could not use its index fail rather than scan.
func (t *tx) ChargeBacklogs() ([]crmapi.ChargeBacklog, error) {
	var out []crmapi.ChargeBacklog
	for _, u := range unackedConditions {
		rows, err := t.query(`SELECT g.organisation_id, g.n, c.received_on FROM
			(SELECT organisation_id, count(*) AS n, min(ordinal) AS first
			 FROM netflix_charges INDEXED BY ` + u.index + ` WHERE ` + u.cond + ` GROUP BY organisation_id) g
			JOIN netflix_charges c INDEXED BY ` + u.index + `
			ON c.organisation_id = g.organisation_id AND c.ordinal = g.first AND ` + u.cond + `
			ORDER BY g.organisation_id`)
		if err != nil {
			return nil, translate(err, "Charge backlogs")
		}
		for rows.Next() {
			b := crmapi.ChargeBacklog{Processed: u.processed}
			var received int64
			if err := rows.Scan(&b.OrganisationID, &b.Count, &received); err != nil {
				rows.Close()
				return nil, translate(err, "Charge backlogs")
			}
			b.OldestReceivedOn = fromMicros(received)
			out = append(out, b)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, translate(err, "Charge backlogs")
		}
	}
	return out, nil
}

// AttentionFigures counts through the attention partial index.
func (t *tx) AttentionFigures() ([]crmapi.AttentionFigure, error) {
	rows, err := t.query(`SELECT organisation_id, count(*) FROM netflix_subscriptions INDEXED BY netflix_subscriptions_attention
		WHERE attention = 1 GROUP BY organisation_id ORDER BY organisation_id`)
	if err != nil {
		return nil, translate(err, "Attention figures")
	}
	defer rows.Close()
	var out []crmapi.AttentionFigure
	for rows.Next() {
		var f crmapi.AttentionFigure
		if err := rows.Scan(&f.OrganisationID, &f.Count); err != nil {
			return nil, translate(err, "Attention figures")
		}
		out = append(out, f)
	}
	return out, translate(rows.Err(), "Attention figures")
}
