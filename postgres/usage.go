package postgres

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/jackc/pgx/v5"
)

func (t *tx) HoldFunds(orgID, accountID string, amount crmapi.Amount) (bool, error) {
	// The check and the hold are one statement: PostgreSQL evaluates the
	// condition again on the locked, newest row, so whatever runs beside
	// it, the hold is taken only from money that is there.
	res, err := t.exec(`UPDATE accounts_receivable SET held = held + $1
		WHERE organisation_id = $2 AND id = $3 AND life_cycle_state = 'ACTIVE' AND balance + credit_limit - held >= $4`,
		amount.Units(), orgID, accountID, amount.Units())
	if err != nil {
		return false, translate(err, "Accounts receivable")
	}
	return res.RowsAffected() == 1, nil
}

func (t *tx) CreateAuthorisation(a crmapi.UsageAuthorisation) error {
	insert := `INSERT INTO usage_authorisations (` + authorisationColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`
	args := []any{a.ID, a.OrganisationID, a.Number, a.AccountID, a.SubscriptionID, a.Amount.Units(), a.LifeCycleState,
		micros(a.AuthorisedAt), micros(a.ExpiresAt), nullMicros(a.CompletedAt), nullMicros(a.CancelledAt),
		nullMicros(a.ExpiredAt), a.CompletedByActionID, a.CancelledByUserID, a.UsedAmount.Units()}
	if len(a.Services) == 0 {
		return t.insert("Usage authorisation", insert, args...)
	}
	// The authorisation and every service row in one statement: a create
	// writes three or four services, each statement is a round trip, and
	// a create holds its account's row from the hold to the commit.
	var q strings.Builder
	q.WriteString(`WITH a AS (` + insert + ` ON CONFLICT DO NOTHING RETURNING id)
		INSERT INTO usage_authorisation_services (id, authorisation_id, position, target_kind, target_id,
			maximum_amount, maximum_usage)
		SELECT v.id, a.id, v.position, v.target_kind, v.target_id, v.maximum_amount, v.maximum_usage
		FROM a, (VALUES `)
	for i, s := range a.Services {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(servicesRow(len(args)))
		args = append(args, s.ID, i, string(s.Target.Kind), s.Target.ID, s.MaximumAmount.Units(), s.MaximumUsage.Units())
	}
	q.WriteString(`) AS v (id, position, target_kind, target_id, maximum_amount, maximum_usage)`)
	tag, err := t.exec(q.String(), args...)
	if err != nil {
		return translate(err, "Usage authorisation service")
	}
	if tag.RowsAffected() == 0 {
		// The authorisation was not inserted: its id or number exists.
		return conflict("Usage authorisation")
	}
	return nil
}

const authorisationColumns = `id, organisation_id, number, account_id, subscription_id, amount, life_cycle_state,
	authorised_at, expires_at, completed_at, cancelled_at, expired_at, completed_by_action_id, cancelled_by_user_id,
	used_amount`

func scanAuthorisation(s scanner) (crmapi.UsageAuthorisation, error) {
	var a crmapi.UsageAuthorisation
	var amount, authorised, expires, used int64
	var completed, cancelled, expired *int64
	err := s.Scan(&a.ID, &a.OrganisationID, &a.Number, &a.AccountID, &a.SubscriptionID, &amount, &a.LifeCycleState,
		&authorised, &expires, &completed, &cancelled, &expired, &a.CompletedByActionID, &a.CancelledByUserID, &used)
	a.Amount, a.UsedAmount = crmapi.AmountFromUnits(amount), crmapi.AmountFromUnits(used)
	a.AuthorisedAt, a.ExpiresAt = fromMicros(authorised), fromMicros(expires)
	a.CompletedAt, a.CancelledAt, a.ExpiredAt = fromNullMicros(completed), fromNullMicros(cancelled), fromNullMicros(expired)
	return a, err
}

// withServices loads the services snapshot of each authorisation.
func (t *tx) withServices(list []crmapi.UsageAuthorisation) ([]crmapi.UsageAuthorisation, error) {
	for i := range list {
		rows, err := t.query(`SELECT id, target_kind, target_id, maximum_amount, maximum_usage
			FROM usage_authorisation_services WHERE authorisation_id = $1 ORDER BY position`, list[i].ID)
		if err != nil {
			return nil, translate(err, "Usage authorisation service")
		}
		if list[i].Services, err = collect(rows, scanAuthorisationService, "Usage authorisation service"); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func scanAuthorisationService(s scanner) (crmapi.AuthorisationService, error) {
	var as crmapi.AuthorisationService
	var amount, usage int64
	err := s.Scan(&as.ID, &as.Target.Kind, &as.Target.ID, &amount, &usage)
	as.MaximumAmount, as.MaximumUsage = crmapi.AmountFromUnits(amount), crmapi.QuantityFromUnits(usage)
	return as, err
}

func (t *tx) authorisationWhere(where string, args ...any) (crmapi.UsageAuthorisation, error) {
	a, err := scanAuthorisation(t.queryRow(`SELECT `+authorisationColumns+` FROM usage_authorisations WHERE `+where, args...))
	if err != nil {
		return a, translate(err, "Usage authorisation")
	}
	list, err := t.withServices([]crmapi.UsageAuthorisation{a})
	if err != nil {
		return a, err
	}
	return list[0], nil
}

func (t *tx) AuthorisationByID(orgID, id string) (crmapi.UsageAuthorisation, error) {
	return t.authorisationWhere(`organisation_id = $1 AND id = $2`, orgID, id)
}

func (t *tx) AuthorisationByNumber(orgID, number string) (crmapi.UsageAuthorisation, error) {
	return t.authorisationWhere(`organisation_id = $1 AND number = $2`, orgID, number)
}

func (t *tx) ListAuthorisations(orgID, accountID string, offset, limit int) ([]crmapi.UsageAuthorisation, error) {
	rows, err := t.query(`SELECT `+authorisationColumns+` FROM usage_authorisations
		WHERE organisation_id = $1 AND account_id = $2 ORDER BY number LIMIT $3 OFFSET $4`, orgID, accountID, limit, offset)
	if err != nil {
		return nil, translate(err, "Usage authorisation")
	}
	list, err := collect(rows, scanAuthorisation, "Usage authorisation")
	if err != nil {
		return nil, err
	}
	return t.withServices(list)
}

func (t *tx) EndAuthorisation(e crmapi.AuthorisationEnd) (bool, error) {
	completed, cancelled, expired := endTimes(e)
	var accountID string
	var amount int64
	err := t.queryRow(`UPDATE usage_authorisations SET life_cycle_state = $1, completed_at = $2, cancelled_at = $3,
		expired_at = $4, completed_by_action_id = $5, cancelled_by_user_id = $6, used_amount = $7
		WHERE organisation_id = $8 AND id = $9 AND life_cycle_state = 'BLOCKED' RETURNING account_id, amount`,
		e.State, completed, cancelled, expired, e.ActionID, e.UserID,
		e.UsedAmount.Units(), e.OrganisationID, e.ID).Scan(&accountID, &amount)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, translate(err, "Usage authorisation")
	}
	res, err := t.exec(`UPDATE accounts_receivable SET held = held - $1 WHERE id = $2`, amount, accountID)
	if err != nil {
		return false, translate(err, "Accounts receivable")
	}
	return true, mustAffect(res, "Accounts receivable")
}

func (t *tx) EndAuthorisations(due crmapi.AuthorisationsDue, e crmapi.AuthorisationEnd) ([]crmapi.EndedAuthorisation, error) {
	completed, cancelled, expired := endTimes(e)
	// One statement: the authorisations are locked first (by the UPDATE),
	// then their accounts, the order every transaction follows. The state
	// is checked again by the UPDATE, so one ended meanwhile is skipped.
	rows, err := t.query(`WITH ended AS (
			UPDATE usage_authorisations SET life_cycle_state = $1, completed_at = $2, cancelled_at = $3,
			expired_at = $4, completed_by_action_id = $5, cancelled_by_user_id = $6, used_amount = $7
			WHERE life_cycle_state = 'BLOCKED' AND id IN (
				SELECT id FROM usage_authorisations WHERE life_cycle_state = 'BLOCKED' AND expires_at <= $8
				AND ($9 = '' OR organisation_id = $9) AND ($10 = '' OR account_id = $10)
				ORDER BY expires_at, id LIMIT $11)
			RETURNING organisation_id, id, account_id, amount),
		totals AS (SELECT account_id, sum(amount) AS total FROM ended GROUP BY account_id),
		released AS (UPDATE accounts_receivable a SET held = a.held - totals.total FROM totals WHERE a.id = totals.account_id
			RETURNING a.id)
		SELECT organisation_id, id FROM ended WHERE (SELECT count(*) FROM released) >= 0`,
		e.State, completed, cancelled, expired, e.ActionID, e.UserID, e.UsedAmount.Units(),
		micros(due.By), due.OrganisationID, due.AccountID, due.Limit)
	if err != nil {
		return nil, translate(err, "Usage authorisation")
	}
	return collect(rows, func(s scanner) (crmapi.EndedAuthorisation, error) {
		var a crmapi.EndedAuthorisation
		return a, s.Scan(&a.OrganisationID, &a.ID)
	}, "Usage authorisation")
}

// endTimes stamps the date column of the final state.
func endTimes(e crmapi.AuthorisationEnd) (completed, cancelled, expired *int64) {
	at := micros(e.At)
	switch e.State {
	case crmapi.AuthorisationCompleted:
		completed = &at
	case crmapi.AuthorisationCancelled:
		cancelled = &at
	case crmapi.AuthorisationExpired:
		expired = &at
	}
	return completed, cancelled, expired
}

const usageRecordColumns = `id, organisation_id, number, account_id, subscription_id, service_id, action_id,
	authorisation_id, usage, unit_rate, rated_amount, life_cycle_state, created_at`

func (t *tx) CreateUsageRecord(r crmapi.UsageRecord) error {
	return t.insert("Usage detail record", `INSERT INTO usage_detail_records (`+usageRecordColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		r.ID, r.OrganisationID, r.Number, r.AccountID, r.SubscriptionID, r.ServiceID, r.ActionID, r.AuthorisationID,
		r.Usage.Units(), r.UnitRate.Units(), r.RatedAmount.Units(), r.LifeCycleState, micros(r.CreatedAt))
}

func scanUsageRecord(s scanner) (crmapi.UsageRecord, error) {
	var r crmapi.UsageRecord
	var usage, rate, rated, created int64
	err := s.Scan(&r.ID, &r.OrganisationID, &r.Number, &r.AccountID, &r.SubscriptionID, &r.ServiceID, &r.ActionID,
		&r.AuthorisationID, &usage, &rate, &rated, &r.LifeCycleState, &created)
	r.Usage, r.UnitRate, r.RatedAmount = crmapi.QuantityFromUnits(usage), crmapi.AmountFromUnits(rate), crmapi.AmountFromUnits(rated)
	r.CreatedAt = fromMicros(created)
	return r, err
}

func (t *tx) ListUsageRecords(orgID, accountID string) ([]crmapi.UsageRecord, error) {
	rows, err := t.query(`SELECT `+usageRecordColumns+` FROM usage_detail_records
		WHERE organisation_id = $1 AND account_id = $2 ORDER BY number`, orgID, accountID)
	if err != nil {
		return nil, translate(err, "Usage detail record")
	}
	return collect(rows, scanUsageRecord, "Usage detail record")
}

func (t *tx) UsageTotals(orgID, accountID string, from, to time.Time) ([]crmapi.ServiceUsage, error) {
	rows, err := t.query(`SELECT service_id, sum(usage), sum(rated_amount) FROM usage_detail_records
		WHERE organisation_id = $1 AND account_id = $2 AND created_at >= $3 AND created_at < $4
		GROUP BY service_id ORDER BY service_id`, orgID, accountID, micros(from), micros(to))
	if err != nil {
		return nil, translate(err, "Usage detail record")
	}
	return collect(rows, func(s scanner) (crmapi.ServiceUsage, error) {
		var u crmapi.ServiceUsage
		var usage, amount int64
		err := s.Scan(&u.ServiceID, &usage, &amount)
		u.Usage, u.Amount = crmapi.QuantityFromUnits(usage), crmapi.AmountFromUnits(amount)
		return u, err
	}, "Usage detail record")
}

// servicesRow is one typed row of CreateAuthorisation's VALUES list,
// whose parameters start after the n before it: VALUES in a SELECT gets
// no types from the table it feeds.
func servicesRow(n int) string {
	return fmt.Sprintf("($%d::text, $%d::integer, $%d::text, $%d::text, $%d::bigint, $%d::bigint)", n+1, n+2, n+3, n+4, n+5, n+6)
}
