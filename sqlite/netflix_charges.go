package sqlite

import (
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/checksql"
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

func (t *tx) NetflixChargesByNumbers(orgID string, numbers []string) ([]crmapi.NetflixCharge, error) {
	if len(numbers) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(numbers)+1)
	args = append(args, orgID)
	for _, n := range numbers {
		args = append(args, n)
	}
	// SQLite's default BINARY collation orders by bytes, like Go's strings.
	rows, err := t.query(`SELECT `+chargeColumns+` FROM netflix_charges
		WHERE organisation_id = ? AND number IN (`+placeholders(len(numbers))+`) ORDER BY number`, args...)
	if err != nil {
		return nil, translate(err, "Charge")
	}
	return collect(rows, scanCharge, "Charge")
}

func (t *tx) ClaimNetflixReferences(refs []crmapi.NetflixReference) ([]string, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO netflix_references (organisation_id, reference, charge_id, purpose, created_at) VALUES `)
	args := make([]any, 0, 5*len(refs))
	for i, r := range refs {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?)")
		args = append(args, r.OrganisationID, r.Reference, r.ChargeID, r.Use, micros(r.CreatedAt))
	}
	q.WriteString(` ON CONFLICT (organisation_id, reference) DO NOTHING RETURNING reference`)
	rows, err := t.query(q.String(), args...)
	if err != nil {
		return nil, translate(err, "Reference number")
	}
	return collect(rows, scanString, "Reference number")
}

func (t *tx) AcknowledgeNetflixCharges(orgID string, acks []crmapi.NetflixChargeAck, at time.Time) ([]string, error) {
	var done []string
	for _, processed := range []bool{false, true} {
		var values strings.Builder
		var args []any
		for _, a := range acks {
			if a.Processed != processed {
				continue
			}
			if len(args) > 0 {
				values.WriteString(", ")
			}
			values.WriteString("(?, ?)")
			args = append(args, a.ChargeID, a.Reference)
		}
		if len(args) == 0 {
			continue
		}
		// The conditions are AcknowledgeNetflixCharge's: an appearance
		// already acknowledged is left as it is.
		set, cond := `pending_ack_at = ?, pending_ack_ref = v.ref`, `c.status = 'PENDING' AND c.pending_ack_at IS NULL`
		if processed {
			set, cond = `processed_ack_at = ?, processed_ack_ref = v.ref`, `c.status <> 'PENDING' AND c.processed_ack_at IS NULL`
		}
		args = append(args, micros(at), orgID)
		rows, err := t.query(`WITH v(id, ref) AS (VALUES `+values.String()+`)
			UPDATE netflix_charges AS c SET `+set+` FROM v
			WHERE c.organisation_id = ? AND c.id = v.id AND `+cond+` RETURNING id`, args...)
		if err != nil {
			return nil, translate(err, "Charge")
		}
		ids, err := collect(rows, scanString, "Charge")
		if err != nil {
			return nil, err
		}
		done = append(done, ids...)
	}
	return done, nil
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

// chargeProblems is NetflixChargeProblems' statement, shared with the
// other engine.
var chargeProblems = checksql.ChargeProblems("?1")

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
