package sqlite

import (
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
)

func (t *tx) HoldFunds(orgID, accountID string, amount crmapi.Amount) (bool, error) {
	// The check and the hold are one statement: whatever runs beside it,
	// the hold is taken only from money that is there.
	res, err := t.exec(`UPDATE accounts_receivable SET held = held + ?
		WHERE organisation_id = ? AND id = ? AND life_cycle_state = 'ACTIVE' AND balance + credit_limit - held >= ?`,
		amount.Units(), orgID, accountID, amount.Units())
	if err != nil {
		return false, translate(err, "Accounts receivable")
	}
	n, err := res.RowsAffected()
	return n == 1, translate(err, "Accounts receivable")
}

func (t *tx) CreateAuthorisation(a crmapi.UsageAuthorisation) error {
	_, err := t.exec(`INSERT INTO usage_authorisations (`+authorisationColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.OrganisationID, a.Number, a.AccountID, a.SubscriptionID, a.Amount.Units(), a.LifeCycleState,
		micros(a.AuthorisedAt), micros(a.ExpiresAt), nullMicros(a.CompletedAt), nullMicros(a.CancelledAt),
		nullMicros(a.ExpiredAt), a.CompletedByActionID, a.CancelledByUserID, a.UsedAmount.Units())
	if err != nil {
		return translate(err, "Usage authorisation")
	}
	if len(a.Services) == 0 {
		return nil
	}
	// One statement for every service row: a create writes three or four,
	// and each statement is a round trip (PostgreSQL) or a VM run (SQLite).
	var q strings.Builder
	q.WriteString(`INSERT INTO usage_authorisation_services (id, authorisation_id, position, target_kind,
		target_id, maximum_amount, maximum_usage) VALUES `)
	args := make([]any, 0, 7*len(a.Services))
	for i, s := range a.Services {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(servicesRow(len(args)))
		args = append(args, s.ID, a.ID, i, s.Target.Kind, s.Target.ID, s.MaximumAmount.Units(), s.MaximumUsage.Units())
	}
	if _, err := t.exec(q.String(), args...); err != nil {
		return translate(err, "Usage authorisation service")
	}
	return nil
}

const authorisationColumns = `id, organisation_id, number, account_id, subscription_id, amount, life_cycle_state,
	authorised_at, expires_at, completed_at, cancelled_at, expired_at, completed_by_action_id, cancelled_by_user_id,
	used_amount`

func scanAuthorisation(s scanner) (crmapi.UsageAuthorisation, error) {
	var a crmapi.UsageAuthorisation
	var amount, authorised, expires, used int64
	var completed, cancelled, expired sql.NullInt64
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
			FROM usage_authorisation_services WHERE authorisation_id = ? ORDER BY position`, list[i].ID)
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
	return t.authorisationWhere(`organisation_id = ? AND id = ?`, orgID, id)
}

func (t *tx) AuthorisationByNumber(orgID, number string) (crmapi.UsageAuthorisation, error) {
	return t.authorisationWhere(`organisation_id = ? AND number = ?`, orgID, number)
}

func (t *tx) ListAuthorisations(orgID, accountID string, offset, limit int) ([]crmapi.UsageAuthorisation, error) {
	rows, err := t.query(`SELECT `+authorisationColumns+` FROM usage_authorisations
		WHERE organisation_id = ? AND account_id = ? ORDER BY number LIMIT ? OFFSET ?`, orgID, accountID, limit, offset)
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
	if e.OrganisationID == "" {
		return false, crmapi.NotFoundf("Usage authorisation", "no organisation given")
	}
	return t.endAuthorisation(e)
}

// endAuthorisation ends one authorisation; an empty organisation matches
// any, for the sweeper.
func (t *tx) endAuthorisation(e crmapi.AuthorisationEnd) (bool, error) {
	var completed, cancelled, expired *time.Time
	switch e.State {
	case crmapi.AuthorisationCompleted:
		completed = &e.At
	case crmapi.AuthorisationCancelled:
		cancelled = &e.At
	case crmapi.AuthorisationExpired:
		expired = &e.At
	}
	var accountID string
	var amount int64
	err := t.queryRow(`UPDATE usage_authorisations SET life_cycle_state = ?, completed_at = ?, cancelled_at = ?,
		expired_at = ?, completed_by_action_id = ?, cancelled_by_user_id = ?, used_amount = ?
		WHERE (? = '' OR organisation_id = ?) AND id = ? AND life_cycle_state = 'BLOCKED' RETURNING account_id, amount`,
		e.State, nullMicros(completed), nullMicros(cancelled), nullMicros(expired), e.ActionID, e.UserID,
		e.UsedAmount.Units(), e.OrganisationID, e.OrganisationID, e.ID).Scan(&accountID, &amount)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, translate(err, "Usage authorisation")
	}
	res, err := t.exec(`UPDATE accounts_receivable SET held = held - ? WHERE id = ?`, amount, accountID)
	if err != nil {
		return false, translate(err, "Accounts receivable")
	}
	return true, mustAffect(res, "Accounts receivable")
}

func (t *tx) EndAuthorisations(due crmapi.AuthorisationsDue, e crmapi.AuthorisationEnd) ([]crmapi.EndedAuthorisation, error) {
	q := `SELECT organisation_id, id FROM usage_authorisations WHERE life_cycle_state = 'BLOCKED' AND expires_at <= ?`
	args := []any{micros(due.By)}
	if due.OrganisationID != "" {
		q += ` AND organisation_id = ?`
		args = append(args, due.OrganisationID)
	}
	if due.AccountID != "" {
		q += ` AND account_id = ?`
		args = append(args, due.AccountID)
	}
	rows, err := t.query(q+` ORDER BY expires_at, id LIMIT ?`, append(args, due.Limit)...)
	if err != nil {
		return nil, translate(err, "Usage authorisation")
	}
	due2, err := collect(rows, func(s scanner) (crmapi.EndedAuthorisation, error) {
		var a crmapi.EndedAuthorisation
		return a, s.Scan(&a.OrganisationID, &a.ID)
	}, "Usage authorisation")
	if err != nil {
		return nil, err
	}
	// SQLite has one writer, so ending them one by one cannot interleave
	// with anything else.
	ended := []crmapi.EndedAuthorisation{}
	for _, a := range due2 {
		one := e
		one.ID = a.ID
		one.OrganisationID = ""
		ok, err := t.endAuthorisation(one)
		if err != nil {
			return ended, err
		}
		if ok {
			ended = append(ended, a)
		}
	}
	return ended, nil
}

const usageRecordColumns = `id, organisation_id, number, account_id, subscription_id, service_id, action_id,
	authorisation_id, usage, unit_rate, rated_amount, life_cycle_state, created_at`

func (t *tx) CreateUsageRecord(r crmapi.UsageRecord) error {
	_, err := t.exec(`INSERT INTO usage_detail_records (`+usageRecordColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.OrganisationID, r.Number, r.AccountID, r.SubscriptionID, r.ServiceID, r.ActionID, r.AuthorisationID,
		r.Usage.Units(), r.UnitRate.Units(), r.RatedAmount.Units(), r.LifeCycleState, micros(r.CreatedAt))
	return translate(err, "Usage detail record")
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
		WHERE organisation_id = ? AND account_id = ? ORDER BY number`, orgID, accountID)
	if err != nil {
		return nil, translate(err, "Usage detail record")
	}
	return collect(rows, scanUsageRecord, "Usage detail record")
}

func (t *tx) UsageTotals(orgID, accountID string, from, to time.Time) ([]crmapi.ServiceUsage, error) {
	rows, err := t.query(`SELECT service_id, sum(usage), sum(rated_amount) FROM usage_detail_records
		WHERE organisation_id = ? AND account_id = ? AND created_at >= ? AND created_at < ?
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

// servicesRow is the placeholders of one usage_authorisation_services row.
func servicesRow(int) string { return "(?, ?, ?, ?, ?, ?, ?)" }
