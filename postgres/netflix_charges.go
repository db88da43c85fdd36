package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/checksql"
)

func (t *tx) NetflixFeedCursor(orgID string) (string, error) {
	var c string
	err := t.queryRow(`SELECT feed_cursor FROM netflix_partner_state WHERE organisation_id = $1`, orgID).Scan(&c)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return c, translate(err, "Feed cursor")
}

func (t *tx) SetNetflixFeedCursor(orgID, old, cursor string, at time.Time) error {
	if _, err := t.exec(`INSERT INTO netflix_partner_state (organisation_id) VALUES ($1) ON CONFLICT (organisation_id) DO NOTHING`,
		orgID); err != nil {
		return translate(err, "Feed cursor")
	}
	tag, err := t.exec(`UPDATE netflix_partner_state SET feed_cursor = $1, feed_read_at = $2
		WHERE organisation_id = $3 AND feed_cursor = $4`, cursor, micros(at), orgID, old)
	if err != nil {
		return translate(err, "Feed cursor")
	}
	if tag.RowsAffected() == 0 {
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
	var sub *string
	var amount, local, start, paid, received, created int64
	var processed, decided, pAck, prAck *int64
	err := s.Scan(&c.ID, &c.OrganisationID, &c.Number, &c.Ordinal, &c.PartnerChargeID, &c.FeedSequence, &sub,
		&c.CustomerID, &c.PAI, &amount, &c.Currency, &local, &c.LocalCurrency, &start, &paid, &c.Status,
		&received, &processed, &c.Decision, &c.DecisionReference, &decided, &pAck, &c.PendingAckRef,
		&prAck, &c.ProcessedAckRef, &created)
	if sub != nil {
		c.SubscriptionID = *sub
	}
	c.Amount, c.LocalAmount = crmapi.AmountFromUnits(amount), crmapi.AmountFromUnits(local)
	c.PeriodStart, c.PaidThroughDate, c.ReceivedOn = fromMicros(start), fromMicros(paid), fromMicros(received)
	c.ProcessedOn, c.DecisionAt = fromNullMicros(processed), fromNullMicros(decided)
	c.PendingAckAt, c.ProcessedAckAt = fromNullMicros(pAck), fromNullMicros(prAck)
	c.CreatedAt = fromMicros(created)
	return c, err
}

func (t *tx) CreateNetflixCharge(c crmapi.NetflixCharge) error {
	return t.insert("Charge", `INSERT INTO netflix_charges (`+chargeColumns+`) VALUES (`+placeholders(26)+`)`,
		c.ID, c.OrganisationID, c.Number, c.Ordinal, c.PartnerChargeID, c.FeedSequence, nullString(c.SubscriptionID),
		c.CustomerID, c.PAI, c.Amount.Units(), c.Currency, c.LocalAmount.Units(), c.LocalCurrency,
		micros(c.PeriodStart), micros(c.PaidThroughDate), string(c.Status), micros(c.ReceivedOn),
		nullMicros(c.ProcessedOn), c.Decision, c.DecisionReference, nullMicros(c.DecisionAt),
		nullMicros(c.PendingAckAt), c.PendingAckRef, nullMicros(c.ProcessedAckAt), c.ProcessedAckRef, micros(c.CreatedAt))
}

func (t *tx) UpdateNetflixCharge(c crmapi.NetflixCharge) error {
	tag, err := t.exec(`UPDATE netflix_charges SET feed_sequence = $1, amount = $2, currency = $3, local_amount = $4,
		local_currency = $5, period_start = $6, paid_through_date = $7, status = $8, received_on = $9, processed_on = $10,
		decision = $11, decision_reference = $12, decision_at = $13 WHERE organisation_id = $14 AND id = $15`,
		c.FeedSequence, c.Amount.Units(), c.Currency, c.LocalAmount.Units(), c.LocalCurrency, micros(c.PeriodStart),
		micros(c.PaidThroughDate), string(c.Status), micros(c.ReceivedOn), nullMicros(c.ProcessedOn), c.Decision,
		c.DecisionReference, nullMicros(c.DecisionAt), c.OrganisationID, c.ID)
	if err != nil {
		return translate(err, "Charge")
	}
	return mustAffect(tag, "Charge")
}

func (t *tx) NetflixChargeByNumber(orgID, number string) (crmapi.NetflixCharge, error) {
	c, err := scanCharge(t.queryRow(`SELECT `+chargeColumns+` FROM netflix_charges WHERE organisation_id = $1 AND number = $2`+t.forUpdate(),
		orgID, number))
	return c, translate(err, "Charge")
}

func (t *tx) NetflixChargeByID(orgID, id string) (crmapi.NetflixCharge, error) {
	c, err := scanCharge(t.queryRow(`SELECT `+chargeColumns+` FROM netflix_charges WHERE organisation_id = $1 AND id = $2`+t.forUpdate(),
		orgID, id))
	return c, translate(err, "Charge")
}

func (t *tx) NetflixChargeByPartnerID(orgID, partnerID string) (crmapi.NetflixCharge, error) {
	c, err := scanCharge(t.queryRow(`SELECT `+chargeColumns+` FROM netflix_charges
		WHERE organisation_id = $1 AND partner_charge_id = $2`+t.forUpdate(), orgID, partnerID))
	return c, translate(err, "Charge")
}

func (t *tx) ListNetflixCharges(orgID string, f crmapi.NetflixChargeFilter) ([]crmapi.NetflixCharge, error) {
	// The conditions match the partial indexes of the two status groups.
	cond := `status = 'PENDING' AND pending_ack_at IS NULL`
	if f.Processed {
		cond = `status <> 'PENDING' AND processed_ack_at IS NULL`
	}
	rows, err := t.query(`SELECT `+chargeColumns+` FROM netflix_charges
		WHERE organisation_id = $1 AND `+cond+` AND ordinal > $2 ORDER BY ordinal LIMIT $3 OFFSET $4`,
		orgID, f.AfterOrdinal, f.Limit, f.Offset)
	if err != nil {
		return nil, translate(err, "Charge")
	}
	return collect(rows, scanCharge, "Charge")
}

func (t *tx) NetflixChargesOfCustomer(orgID, customerID string, limit int) ([]crmapi.NetflixCharge, error) {
	rows, err := t.query(`SELECT `+chargeColumns+` FROM netflix_charges
		WHERE organisation_id = $1 AND customer_id = $2 ORDER BY ordinal DESC LIMIT $3`, orgID, customerID, limit)
	if err != nil {
		return nil, translate(err, "Charge")
	}
	return collect(rows, scanCharge, "Charge")
}

func (t *tx) AcknowledgeNetflixCharge(orgID, chargeID string, processed bool, ref string, at time.Time) (bool, error) {
	q := `UPDATE netflix_charges SET pending_ack_at = $1, pending_ack_ref = $2
		WHERE organisation_id = $3 AND id = $4 AND status = 'PENDING' AND pending_ack_at IS NULL`
	if processed {
		q = `UPDATE netflix_charges SET processed_ack_at = $1, processed_ack_ref = $2
		WHERE organisation_id = $3 AND id = $4 AND status <> 'PENDING' AND processed_ack_at IS NULL`
	}
	tag, err := t.exec(q, micros(at), ref, orgID, chargeID)
	if err != nil {
		return false, translate(err, "Charge")
	}
	return tag.RowsAffected() == 1, nil
}

func (t *tx) ClaimNetflixReference(r crmapi.NetflixReference) error {
	return t.insert("Reference number", `INSERT INTO netflix_references (organisation_id, reference, charge_id, purpose, created_at)
		VALUES ($1, $2, $3, $4, $5)`, r.OrganisationID, r.Reference, r.ChargeID, r.Use, micros(r.CreatedAt))
}

func (t *tx) NetflixChargesByNumbers(orgID string, numbers []string) ([]crmapi.NetflixCharge, error) {
	if len(numbers) == 0 {
		return nil, nil
	}
	// Byte order (COLLATE "C"), like Go's strings: concurrent batches lock
	// their rows in one order, whatever the database's collation.
	rows, err := t.query(`SELECT `+chargeColumns+` FROM netflix_charges
		WHERE organisation_id = $1 AND number = ANY($2) ORDER BY number COLLATE "C"`+t.forUpdate(), orgID, numbers)
	if err != nil {
		return nil, translate(err, "Charge")
	}
	return collect(rows, scanCharge, "Charge")
}

func (t *tx) ClaimNetflixReferences(refs []crmapi.NetflixReference) ([]string, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	orgs, values, charges, uses := make([]string, len(refs)), make([]string, len(refs)), make([]string, len(refs)), make([]string, len(refs))
	created := make([]int64, len(refs))
	for i, r := range refs {
		orgs[i], values[i], charges[i], uses[i], created[i] = r.OrganisationID, r.Reference, r.ChargeID, r.Use, micros(r.CreatedAt)
	}
	rows, err := t.query(`INSERT INTO netflix_references (organisation_id, reference, charge_id, purpose, created_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
		ON CONFLICT (organisation_id, reference) DO NOTHING RETURNING reference`, orgs, values, charges, uses, created)
	if err != nil {
		return nil, translate(err, "Reference number")
	}
	return collect(rows, scanString, "Reference number")
}

// AcknowledgeNetflixCharges runs AcknowledgeNetflixCharge's indexed
// single-row update per charge. One UPDATE joined to unnest() was measured
// to take about a second a page: PostgreSQL planned it through the
// unacknowledged-charges index of the organisation (every unacknowledged
// charge of it) instead of the primary key, whenever the table's
// statistics lagged behind a bulk load; the row-by-row statements cannot
// be planned that way.
func (t *tx) AcknowledgeNetflixCharges(orgID string, acks []crmapi.NetflixChargeAck, at time.Time) ([]string, error) {
	var done []string
	for _, a := range acks {
		ok, err := t.AcknowledgeNetflixCharge(orgID, a.ChargeID, a.Processed, a.Reference, at)
		if err != nil {
			return nil, err
		}
		if ok {
			done = append(done, a.ChargeID)
		}
	}
	return done, nil
}

func (t *tx) NetflixReferenceByValue(orgID, ref string) (crmapi.NetflixReference, error) {
	var r crmapi.NetflixReference
	var created int64
	err := t.queryRow(`SELECT organisation_id, reference, charge_id, purpose, created_at FROM netflix_references
		WHERE organisation_id = $1 AND reference = $2`, orgID, ref).Scan(&r.OrganisationID, &r.Reference, &r.ChargeID, &r.Use, &created)
	r.CreatedAt = fromMicros(created)
	return r, translate(err, "Reference number")
}

func (t *tx) DeleteNetflixReference(orgID, ref string) error {
	tag, err := t.exec(`DELETE FROM netflix_references WHERE organisation_id = $1 AND reference = $2`, orgID, ref)
	if err != nil {
		return translate(err, "Reference number")
	}
	return mustAffect(tag, "Reference number")
}

// chargeProblems is NetflixChargeProblems' statement, shared with the
// other engine.
var chargeProblems = checksql.ChargeProblems("$1")

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
