package sqlite

import (
	"database/sql"
	"errors"
	"time"

	"github.com/crmapi/crmapi"
)

func (t *tx) NetflixFeedCursor(orgID string) (string, error) {
	var c string
	err := t.queryRow(`SELECT feed_cursor FROM netflix_partner_state WHERE organisation_id = ?`, orgID).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return c, translate(err, "Feed cursor")
}

func (t *tx) SetNetflixFeedCursor(orgID, old, cursor string, at time.Time) error {
	if _, err := t.exec(`INSERT INTO netflix_partner_state (organisation_id) VALUES (?) ON CONFLICT (organisation_id) DO NOTHING`,
		orgID); err != nil {
		return translate(err, "Feed cursor")
	}
	res, err := t.exec(`UPDATE netflix_partner_state SET feed_cursor = ?, feed_read_at = ?
		WHERE organisation_id = ? AND feed_cursor = ?`, cursor, micros(at), orgID, old)
	if err != nil {
		return translate(err, "Feed cursor")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &crmapi.Error{Code: crmapi.Conflict, Message: "Feed cursor moved", Detail: "another reader moved the charges feed cursor"}
	}
	return nil
}

const chargeColumns = `id, organisation_id, number, ordinal, partner_charge_id, feed_sequence, subscription_id,
	customer_id, pai, amount, currency, local_amount, local_currency, period_start, paid_through_date, status,
	received_on, processed_on, decision, decision_reference, decision_at, pending_ack_at, pending_ack_ref,
	processed_ack_at, processed_ack_ref, created_at`

func scanCharge(s scanner) (crmapi.NetflixCharge, error) {
	var c crmapi.NetflixCharge
	var sub sql.NullString
	var amount, local, start, paid, received, created int64
	var processed, decided, pAck, prAck sql.NullInt64
	err := s.Scan(&c.ID, &c.OrganisationID, &c.Number, &c.Ordinal, &c.PartnerChargeID, &c.FeedSequence, &sub,
		&c.CustomerID, &c.PAI, &amount, &c.Currency, &local, &c.LocalCurrency, &start, &paid, &c.Status,
		&received, &processed, &c.Decision, &c.DecisionReference, &decided, &pAck, &c.PendingAckRef,
		&prAck, &c.ProcessedAckRef, &created)
	c.SubscriptionID = sub.String
	c.Amount, c.LocalAmount = crmapi.AmountFromUnits(amount), crmapi.AmountFromUnits(local)
	c.PeriodStart, c.PaidThroughDate, c.ReceivedOn = fromMicros(start), fromMicros(paid), fromMicros(received)
	c.ProcessedOn, c.DecisionAt = fromNullMicros(processed), fromNullMicros(decided)
	c.PendingAckAt, c.ProcessedAckAt = fromNullMicros(pAck), fromNullMicros(prAck)
	c.CreatedAt = fromMicros(created)
	return c, err
}

func (t *tx) CreateNetflixCharge(c crmapi.NetflixCharge) error {
	_, err := t.exec(`INSERT INTO netflix_charges (`+chargeColumns+`) VALUES (`+placeholders(26)+`)`,
		c.ID, c.OrganisationID, c.Number, c.Ordinal, c.PartnerChargeID, c.FeedSequence, nullString(c.SubscriptionID),
		c.CustomerID, c.PAI, c.Amount.Units(), c.Currency, c.LocalAmount.Units(), c.LocalCurrency,
		micros(c.PeriodStart), micros(c.PaidThroughDate), string(c.Status), micros(c.ReceivedOn),
		nullMicros(c.ProcessedOn), c.Decision, c.DecisionReference, nullMicros(c.DecisionAt),
		nullMicros(c.PendingAckAt), c.PendingAckRef, nullMicros(c.ProcessedAckAt), c.ProcessedAckRef, micros(c.CreatedAt))
	return translate(err, "Charge")
}

func (t *tx) UpdateNetflixCharge(c crmapi.NetflixCharge) error {
	res, err := t.exec(`UPDATE netflix_charges SET feed_sequence = ?, amount = ?, currency = ?, local_amount = ?,
		local_currency = ?, period_start = ?, paid_through_date = ?, status = ?, received_on = ?, processed_on = ?,
		decision = ?, decision_reference = ?, decision_at = ? WHERE organisation_id = ? AND id = ?`,
		c.FeedSequence, c.Amount.Units(), c.Currency, c.LocalAmount.Units(), c.LocalCurrency, micros(c.PeriodStart),
		micros(c.PaidThroughDate), string(c.Status), micros(c.ReceivedOn), nullMicros(c.ProcessedOn), c.Decision,
		c.DecisionReference, nullMicros(c.DecisionAt), c.OrganisationID, c.ID)
	if err != nil {
		return translate(err, "Charge")
	}
	return mustAffect(res, "Charge")
}

func (t *tx) NetflixChargeByNumber(orgID, number string) (crmapi.NetflixCharge, error) {
	c, err := scanCharge(t.queryRow(`SELECT `+chargeColumns+` FROM netflix_charges WHERE organisation_id = ? AND number = ?`,
		orgID, number))
	return c, translate(err, "Charge")
}

func (t *tx) NetflixChargeByID(orgID, id string) (crmapi.NetflixCharge, error) {
	c, err := scanCharge(t.queryRow(`SELECT `+chargeColumns+` FROM netflix_charges WHERE organisation_id = ? AND id = ?`,
		orgID, id))
	return c, translate(err, "Charge")
}

func (t *tx) NetflixChargeByPartnerID(orgID, partnerID string) (crmapi.NetflixCharge, error) {
	c, err := scanCharge(t.queryRow(`SELECT `+chargeColumns+` FROM netflix_charges
		WHERE organisation_id = ? AND partner_charge_id = ?`, orgID, partnerID))
	return c, translate(err, "Charge")
}

func (t *tx) ListNetflixCharges(orgID string, f crmapi.NetflixChargeFilter) ([]crmapi.NetflixCharge, error) {
	// The conditions match the partial indexes of the two status groups.
	cond := `status = 'PENDING' AND pending_ack_at IS NULL`
	if f.Processed {
		cond = `status <> 'PENDING' AND processed_ack_at IS NULL`
	}
	rows, err := t.query(`SELECT `+chargeColumns+` FROM netflix_charges
		WHERE organisation_id = ? AND `+cond+` AND ordinal > ? ORDER BY ordinal LIMIT ? OFFSET ?`,
		orgID, f.AfterOrdinal, f.Limit, f.Offset)
	if err != nil {
		return nil, translate(err, "Charge")
	}
	return collect(rows, scanCharge, "Charge")
}

func (t *tx) NetflixChargesOfCustomer(orgID, customerID string, limit int) ([]crmapi.NetflixCharge, error) {
	rows, err := t.query(`SELECT `+chargeColumns+` FROM netflix_charges
		WHERE organisation_id = ? AND customer_id = ? ORDER BY ordinal DESC LIMIT ?`, orgID, customerID, limit)
	if err != nil {
		return nil, translate(err, "Charge")
	}
	return collect(rows, scanCharge, "Charge")
}

func (t *tx) AcknowledgeNetflixCharge(orgID, chargeID string, processed bool, ref string, at time.Time) (bool, error) {
	q := `UPDATE netflix_charges SET pending_ack_at = ?, pending_ack_ref = ?
		WHERE organisation_id = ? AND id = ? AND status = 'PENDING' AND pending_ack_at IS NULL`
	if processed {
		q = `UPDATE netflix_charges SET processed_ack_at = ?, processed_ack_ref = ?
		WHERE organisation_id = ? AND id = ? AND status <> 'PENDING' AND processed_ack_at IS NULL`
	}
	res, err := t.exec(q, micros(at), ref, orgID, chargeID)
	if err != nil {
		return false, translate(err, "Charge")
	}
	n, err := res.RowsAffected()
	return n == 1, translate(err, "Charge")
}

func (t *tx) ClaimNetflixReference(r crmapi.NetflixReference) error {
	_, err := t.exec(`INSERT INTO netflix_references (organisation_id, reference, charge_id, purpose, created_at)
		VALUES (?, ?, ?, ?, ?)`, r.OrganisationID, r.Reference, r.ChargeID, r.Use, micros(r.CreatedAt))
	return translate(err, "Reference number")
}

func (t *tx) NetflixReferenceByValue(orgID, ref string) (crmapi.NetflixReference, error) {
	var r crmapi.NetflixReference
	var created int64
	err := t.queryRow(`SELECT organisation_id, reference, charge_id, purpose, created_at FROM netflix_references
		WHERE organisation_id = ? AND reference = ?`, orgID, ref).Scan(&r.OrganisationID, &r.Reference, &r.ChargeID, &r.Use, &created)
	r.CreatedAt = fromMicros(created)
	return r, translate(err, "Reference number")
}

func (t *tx) DeleteNetflixReference(orgID, ref string) error {
	res, err := t.exec(`DELETE FROM netflix_references WHERE organisation_id = ? AND reference = ?`, orgID, ref)
	if err != nil {
		return translate(err, "Reference number")
	}
	return mustAffect(res, "Reference number")
}

// chargeProblems is NetflixChargeProblems' statement: one branch per kind
// of disagreement, each naming the charge (its number and ordinal, empty
// and 0 for a reference of a charge the organisation does not have) and
// what is wrong. ?1 is the organisation, in every branch.
const chargeProblems = `
	SELECT c.number, c.ordinal, 'acknowledged while PENDING with reference_number ' || c.pending_ack_ref ||
		', but ' || c.pending_ack_ref || ' is not recorded as its acknowledgement'
	FROM netflix_charges c
	WHERE c.organisation_id = ?1 AND c.pending_ack_ref <> '' AND NOT EXISTS (SELECT 1 FROM netflix_references r
		WHERE r.organisation_id = c.organisation_id AND r.reference = c.pending_ack_ref AND r.charge_id = c.id AND r.purpose = 'ACKNOWLEDGE')
	UNION ALL
	SELECT c.number, c.ordinal, 'acknowledged once processed with reference_number ' || c.processed_ack_ref ||
		', but ' || c.processed_ack_ref || ' is not recorded as its acknowledgement'
	FROM netflix_charges c
	WHERE c.organisation_id = ?1 AND c.processed_ack_ref <> '' AND NOT EXISTS (SELECT 1 FROM netflix_references r
		WHERE r.organisation_id = c.organisation_id AND r.reference = c.processed_ack_ref AND r.charge_id = c.id AND r.purpose = 'ACKNOWLEDGE')
	UNION ALL
	SELECT coalesce(c.number, ''), coalesce(c.ordinal, 0), CASE WHEN c.id IS NULL
		THEN 'reference_number ' || r.reference || ' is recorded as the acknowledgement of a charge this organisation does not have'
		ELSE 'reference_number ' || r.reference || ' is recorded as its acknowledgement, but neither of its acknowledgements carries it (half-done)' END
	FROM netflix_references r LEFT JOIN netflix_charges c ON c.organisation_id = r.organisation_id AND c.id = r.charge_id
	WHERE r.organisation_id = ?1 AND r.purpose = 'ACKNOWLEDGE'
		AND (c.id IS NULL OR (c.pending_ack_ref <> r.reference AND c.processed_ack_ref <> r.reference))
	UNION ALL
	SELECT c.number, c.ordinal, c.decision || ' with reference_number ' || c.decision_reference ||
		', but ' || c.decision_reference || ' is not recorded as its decision'
	FROM netflix_charges c
	WHERE c.organisation_id = ?1 AND c.decision <> '' AND c.decision_reference <> '' AND NOT EXISTS (SELECT 1 FROM netflix_references r
		WHERE r.organisation_id = c.organisation_id AND r.reference = c.decision_reference AND r.charge_id = c.id AND r.purpose = c.decision)
	UNION ALL
	SELECT coalesce(c.number, ''), coalesce(c.ordinal, 0), CASE WHEN c.id IS NULL
		THEN 'reference_number ' || r.reference || ' is recorded as the ' || r.purpose || ' decision of a charge this organisation does not have'
		ELSE 'reference_number ' || r.reference || ' is recorded as its ' || r.purpose || ' decision, but the charge is ' ||
			CASE WHEN c.decision = '' THEN 'undecided'
				WHEN c.decision_reference = '' THEN c.decision || ' without a reference_number'
				ELSE c.decision || ' with reference_number ' || c.decision_reference END || ' (half-done)' END
	FROM netflix_references r LEFT JOIN netflix_charges c ON c.organisation_id = r.organisation_id AND c.id = r.charge_id
	WHERE r.organisation_id = ?1 AND r.purpose IN ('ACCEPTED', 'DECLINED')
		AND (c.id IS NULL OR c.decision <> r.purpose OR c.decision_reference <> r.reference)
	UNION ALL
	SELECT coalesce(c.number, ''), coalesce(c.ordinal, 0), 'reference_number ' || r.reference || ' is recorded for an unknown use, ' || r.purpose
	FROM netflix_references r LEFT JOIN netflix_charges c ON c.organisation_id = r.organisation_id AND c.id = r.charge_id
	WHERE r.organisation_id = ?1 AND r.purpose NOT IN ('ACKNOWLEDGE', 'ACCEPTED', 'DECLINED')
	UNION ALL
	SELECT c.number, c.ordinal, 'acknowledged while PENDING with reference_number ' || c.pending_ack_ref || ', but without an acknowledgement time'
	FROM netflix_charges c WHERE c.organisation_id = ?1 AND c.pending_ack_ref <> '' AND c.pending_ack_at IS NULL
	UNION ALL
	SELECT c.number, c.ordinal, 'acknowledged once processed with reference_number ' || c.processed_ack_ref || ', but without an acknowledgement time'
	FROM netflix_charges c WHERE c.organisation_id = ?1 AND c.processed_ack_ref <> '' AND c.processed_ack_at IS NULL
	UNION ALL
	SELECT c.number, c.ordinal, 'PENDING, yet acknowledged as processed' ||
		CASE WHEN c.processed_ack_ref = '' THEN '' ELSE ' with reference_number ' || c.processed_ack_ref END
	FROM netflix_charges c WHERE c.organisation_id = ?1 AND c.status = 'PENDING' AND c.processed_ack_at IS NOT NULL
	UNION ALL
	SELECT c.number, c.ordinal, c.decision || CASE WHEN c.decision_reference = '' THEN '' ELSE ' with reference_number ' || c.decision_reference END ||
		', but without a decision time'
	FROM netflix_charges c WHERE c.organisation_id = ?1 AND c.decision <> '' AND c.decision_at IS NULL
	UNION ALL
	SELECT c.number, c.ordinal, 'undecided, yet ' || CASE WHEN c.decision_reference = '' THEN 'with a decision time'
		ELSE 'with decision reference_number ' || c.decision_reference END
	FROM netflix_charges c WHERE c.organisation_id = ?1 AND c.decision = '' AND (c.decision_reference <> '' OR c.decision_at IS NOT NULL)
	UNION ALL
	SELECT c.number, c.ordinal, 'has an unknown decision, ' || c.decision
	FROM netflix_charges c WHERE c.organisation_id = ?1 AND c.decision NOT IN ('', 'ACCEPTED', 'DECLINED')
	ORDER BY 2, 3`

func (t *tx) NetflixChargeProblems(orgID string) ([]crmapi.NetflixChargeProblem, error) {
	rows, err := t.query(chargeProblems, orgID)
	if err != nil {
		return nil, translate(err, "Charge")
	}
	return collect(rows, func(s scanner) (crmapi.NetflixChargeProblem, error) {
		var p crmapi.NetflixChargeProblem
		var ordinal int64
		err := s.Scan(&p.ChargeNumber, &ordinal, &p.Problem)
		return p, err
	}, "Charge")
}
