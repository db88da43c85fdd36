package postgres

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/crmapi/crmapi"
)

const subColumns = `id, organisation_id, number, customer_id, pai, life_cycle_state, partner_state, promotion_code,
	channel, validity_seconds, customer, signup_token, signup_token_expires_at, signup_url, signup_delivered,
	last_sequence, confirmed_sequence, attention, attention_reason, activated_at, cancelled_at, created_at,
	updated_at, polled_at`

func scanSubscription(s scanner) (crmapi.NetflixSubscription, error) {
	var v crmapi.NetflixSubscription
	var pai *string
	var customer string
	var expires, activated, cancelled, polled *int64
	var created, updated int64
	err := s.Scan(&v.ID, &v.OrganisationID, &v.Number, &v.CustomerID, &pai, &v.LifeCycleState, &v.PartnerState,
		&v.PromotionCode, &v.Channel, &v.ValiditySeconds, &customer, &v.SignupToken, &expires, &v.SignupURL,
		&v.SignupDelivered, &v.LastSequence, &v.ConfirmedSequence, &v.Attention, &v.AttentionReason, &activated, &cancelled,
		&created, &updated, &polled)
	if err != nil {
		return v, err
	}
	if pai != nil {
		v.PAI = *pai
	}
	v.SignupTokenExpiresAt = fromNullMicros(expires)
	v.ActivatedAt, v.CancelledAt, v.PolledAt = fromNullMicros(activated), fromNullMicros(cancelled), fromNullMicros(polled)
	v.CreatedAt, v.UpdatedAt = fromMicros(created), fromMicros(updated)
	err = json.Unmarshal([]byte(customer), &v.Customer)
	return v, err
}

// nullString stores "" as NULL, for unique columns filled in later.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func subArgs(v crmapi.NetflixSubscription) ([]any, error) {
	customer, err := json.Marshal(v.Customer)
	if err != nil {
		return nil, err
	}
	return []any{v.ID, v.OrganisationID, v.Number, v.CustomerID, nullString(v.PAI), string(v.LifeCycleState),
		string(v.PartnerState), v.PromotionCode, v.Channel, v.ValiditySeconds, string(customer), v.SignupToken,
		nullMicros(v.SignupTokenExpiresAt), v.SignupURL, v.SignupDelivered, v.LastSequence,
		v.ConfirmedSequence, v.Attention, v.AttentionReason, nullMicros(v.ActivatedAt),
		nullMicros(v.CancelledAt), micros(v.CreatedAt), micros(v.UpdatedAt), nullMicros(v.PolledAt)}, nil
}

func (t *tx) CreateNetflixSubscription(v crmapi.NetflixSubscription) error {
	args, err := subArgs(v)
	if err != nil {
		return err
	}
	return t.insert("Subscription", `INSERT INTO netflix_subscriptions (`+subColumns+`) VALUES (`+placeholders(len(args))+`)`, args...)
}

func (t *tx) UpdateNetflixSubscription(v crmapi.NetflixSubscription) error {
	args, err := subArgs(v)
	if err != nil {
		return err
	}
	// Everything but id, organisation, number, customer and creation time.
	tag, err := t.exec(`UPDATE netflix_subscriptions SET pai = $1, life_cycle_state = $2, partner_state = $3,
		promotion_code = $4, channel = $5, validity_seconds = $6, customer = $7, signup_token = $8,
		signup_token_expires_at = $9, signup_url = $10, signup_delivered = $11, last_sequence = $12,
		confirmed_sequence = $13, attention = $14, attention_reason = $15, activated_at = $16, cancelled_at = $17,
		updated_at = $18, polled_at = $19 WHERE organisation_id = $20 AND id = $21`,
		append(append([]any{}, args[4:21]...), args[22], args[23], v.OrganisationID, v.ID)...)
	if err != nil {
		return translate(err, "Subscription")
	}
	return mustAffect(tag, "Subscription")
}

func (t *tx) NetflixSubscriptionByID(orgID, id string) (crmapi.NetflixSubscription, error) {
	v, err := scanSubscription(t.queryRow(`SELECT `+subColumns+` FROM netflix_subscriptions
		WHERE organisation_id = $1 AND id = $2`+t.forUpdate(), orgID, id))
	return v, translate(err, "Subscription")
}

func (t *tx) NetflixSubscriptionByNumber(orgID, number string) (crmapi.NetflixSubscription, error) {
	v, err := scanSubscription(t.queryRow(`SELECT `+subColumns+` FROM netflix_subscriptions
		WHERE organisation_id = $1 AND number = $2`+t.forUpdate(), orgID, number))
	return v, translate(err, "Subscription")
}

func (t *tx) LiveNetflixSubscription(orgID, customerID string) (crmapi.NetflixSubscription, error) {
	v, err := scanSubscription(t.queryRow(`SELECT `+subColumns+` FROM netflix_subscriptions
		WHERE organisation_id = $1 AND customer_id = $2 AND life_cycle_state <> 'CANCELLED'`+t.forUpdate(), orgID, customerID))
	return v, translate(err, "Subscription")
}

func (t *tx) NetflixSubscriptionByPAI(orgID, pai string) (crmapi.NetflixSubscription, error) {
	v, err := scanSubscription(t.queryRow(`SELECT `+subColumns+` FROM netflix_subscriptions
		WHERE organisation_id = $1 AND pai = $2`+t.forUpdate(), orgID, pai))
	return v, translate(err, "Subscription")
}

func (t *tx) NetflixSubscriptionsOf(orgID, customerID, pai string) ([]crmapi.NetflixSubscription, error) {
	var rows pgx.Rows
	var err error
	if customerID != "" {
		rows, err = t.query(`SELECT `+subColumns+` FROM netflix_subscriptions
			WHERE organisation_id = $1 AND customer_id = $2 ORDER BY created_at, number`, orgID, customerID)
	} else {
		rows, err = t.query(`SELECT `+subColumns+` FROM netflix_subscriptions
			WHERE organisation_id = $1 AND pai = $2 ORDER BY created_at, number`, orgID, pai)
	}
	if err != nil {
		return nil, translate(err, "Subscription")
	}
	return collect(rows, scanSubscription, "Subscription")
}

func (t *tx) NetflixSubscriptionsToPoll(expiredBefore time.Time, limit int) ([]crmapi.NetflixSubscription, error) {
	rows, err := t.query(`SELECT `+subColumns+` FROM netflix_subscriptions
		WHERE pai IS NOT NULL AND partner_state <> 'TERMINATED'
		  AND NOT (partner_state = 'PENDING_SIGNUP' AND life_cycle_state <> 'CANCELLED'
		           AND signup_token_expires_at < $1)
		ORDER BY coalesce(polled_at, 0), id LIMIT $2`, micros(expiredBefore), limit)
	if err != nil {
		return nil, translate(err, "Subscription")
	}
	return collect(rows, scanSubscription, "Subscription")
}

func (t *tx) MarkNetflixPolled(ids []string, at time.Time) error {
	_, err := t.exec(`UPDATE netflix_subscriptions SET polled_at = $1 WHERE id = ANY($2)`, micros(at), ids)
	return translate(err, "Subscription")
}

func (t *tx) NetflixSubscriptionsNeedingAttention(orgID string) ([]crmapi.NetflixSubscription, error) {
	rows, err := t.query(`SELECT `+subColumns+` FROM netflix_subscriptions
		WHERE organisation_id = $1 AND attention ORDER BY updated_at, number`, orgID)
	if err != nil {
		return nil, translate(err, "Subscription")
	}
	return collect(rows, scanSubscription, "Subscription")
}

func (t *tx) CountNetflixNeedingAttention() (int, error) {
	var n int
	err := t.queryRow(`SELECT count(*) FROM netflix_subscriptions WHERE attention`).Scan(&n)
	return n, translate(err, "Subscription")
}

func (t *tx) SetNetflixExtras(orgID, subID string, promos []crmapi.NetflixRedemption, prices []crmapi.NetflixPrice) error {
	if _, err := t.exec(`DELETE FROM netflix_redemptions WHERE organisation_id = $1 AND subscription_id = $2`, orgID, subID); err != nil {
		return translate(err, "Redemption")
	}
	if _, err := t.exec(`DELETE FROM netflix_prices WHERE organisation_id = $1 AND subscription_id = $2`, orgID, subID); err != nil {
		return translate(err, "Price")
	}
	for i, p := range promos {
		_, err := t.exec(`INSERT INTO netflix_redemptions (subscription_id, organisation_id, position, code, name,
			description, effective_from, expires_on, redeemed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			subID, orgID, i, p.Code, p.Name, p.Description, micros(p.EffectiveFrom), nullMicros(p.ExpiresOn), micros(p.RedeemedAt))
		if err != nil {
			return translate(err, "Redemption")
		}
	}
	for i, p := range prices {
		_, err := t.exec(`INSERT INTO netflix_prices (subscription_id, organisation_id, position, formatted_price,
			amount, currency, plan, effective_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			subID, orgID, i, p.FormattedPrice, p.Amount.Units(), p.Currency, p.Plan, micros(p.EffectiveDate))
		if err != nil {
			return translate(err, "Price")
		}
	}
	return nil
}

func (t *tx) NetflixExtras(orgID, subID string) ([]crmapi.NetflixRedemption, []crmapi.NetflixPrice, error) {
	rows, err := t.query(`SELECT code, name, description, effective_from, expires_on, redeemed_at FROM netflix_redemptions
		WHERE organisation_id = $1 AND subscription_id = $2 ORDER BY position`, orgID, subID)
	if err != nil {
		return nil, nil, translate(err, "Redemption")
	}
	promos, err := collect(rows, func(s scanner) (crmapi.NetflixRedemption, error) {
		var r crmapi.NetflixRedemption
		var from, redeemed int64
		var expires *int64
		err := s.Scan(&r.Code, &r.Name, &r.Description, &from, &expires, &redeemed)
		r.EffectiveFrom, r.ExpiresOn, r.RedeemedAt = fromMicros(from), fromNullMicros(expires), fromMicros(redeemed)
		return r, err
	}, "Redemption")
	if err != nil {
		return nil, nil, err
	}
	rows, err = t.query(`SELECT formatted_price, amount, currency, plan, effective_date FROM netflix_prices
		WHERE organisation_id = $1 AND subscription_id = $2 ORDER BY position`, orgID, subID)
	if err != nil {
		return nil, nil, translate(err, "Price")
	}
	prices, err := collect(rows, func(s scanner) (crmapi.NetflixPrice, error) {
		var p crmapi.NetflixPrice
		var units, eff int64
		err := s.Scan(&p.FormattedPrice, &units, &p.Currency, &p.Plan, &eff)
		p.Amount, p.EffectiveDate = crmapi.AmountFromUnits(units), fromMicros(eff)
		return p, err
	}, "Price")
	return promos, prices, err
}

const opColumns = `id, organisation_id, subscription_id, sequence, kind, operation_id, charge_id, status, attempts,
	last_error, created_at, updated_at`

func scanOperation(s scanner) (crmapi.NetflixOperation, error) {
	var o crmapi.NetflixOperation
	var created, updated int64
	err := s.Scan(&o.ID, &o.OrganisationID, &o.SubscriptionID, &o.Sequence, &o.Kind, &o.OperationID, &o.ChargeID,
		&o.Status, &o.Attempts, &o.LastError, &created, &updated)
	o.CreatedAt, o.UpdatedAt = fromMicros(created), fromMicros(updated)
	return o, err
}

func (t *tx) AddNetflixOperation(o crmapi.NetflixOperation) error {
	_, err := t.exec(`INSERT INTO netflix_operations (`+opColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		o.ID, o.OrganisationID, o.SubscriptionID, o.Sequence, string(o.Kind), o.OperationID, o.ChargeID,
		string(o.Status), o.Attempts, o.LastError, micros(o.CreatedAt), micros(o.UpdatedAt))
	return translate(err, "Operation")
}

func (t *tx) UpdateNetflixOperation(o crmapi.NetflixOperation) error {
	tag, err := t.exec(`UPDATE netflix_operations SET status = $1, attempts = $2, last_error = $3, updated_at = $4
		WHERE organisation_id = $5 AND id = $6`, string(o.Status), o.Attempts, o.LastError, micros(o.UpdatedAt),
		o.OrganisationID, o.ID)
	if err != nil {
		return translate(err, "Operation")
	}
	return mustAffect(tag, "Operation")
}

func (t *tx) NextNetflixOperation(orgID, subID string) (crmapi.NetflixOperation, error) {
	o, err := scanOperation(t.queryRow(`SELECT `+opColumns+` FROM netflix_operations
		WHERE organisation_id = $1 AND subscription_id = $2 AND status IN ('PENDING', 'FAILED')
		ORDER BY sequence LIMIT 1`, orgID, subID))
	return o, translate(err, "Operation")
}

func (t *tx) NetflixOperations(orgID, subID string) ([]crmapi.NetflixOperation, error) {
	rows, err := t.query(`SELECT `+opColumns+` FROM netflix_operations
		WHERE organisation_id = $1 AND subscription_id = $2 ORDER BY sequence`, orgID, subID)
	if err != nil {
		return nil, translate(err, "Operation")
	}
	return collect(rows, scanOperation, "Operation")
}

func (t *tx) NetflixPendingWork(createdBefore time.Time, limit int) ([]crmapi.NetflixWork, error) {
	rows, err := t.query(`SELECT organisation_id, subscription_id FROM netflix_operations
		WHERE status = 'PENDING' AND created_at < $1
		GROUP BY organisation_id, subscription_id ORDER BY min(created_at) LIMIT $2`, micros(createdBefore), limit)
	if err != nil {
		return nil, translate(err, "Operation")
	}
	return collect(rows, func(s scanner) (crmapi.NetflixWork, error) {
		var w crmapi.NetflixWork
		err := s.Scan(&w.OrganisationID, &w.SubscriptionID)
		return w, err
	}, "Operation")
}

func (t *tx) ReplaceNetflixPromotions(orgID string, promos []crmapi.NetflixPromotion, syncedAt time.Time) error {
	if _, err := t.exec(`DELETE FROM netflix_promotions WHERE organisation_id = $1`, orgID); err != nil {
		return translate(err, "Promotion")
	}
	for i, p := range promos {
		_, err := t.exec(`INSERT INTO netflix_promotions (organisation_id, position, code, name, description,
			effective_from, expires_on) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			orgID, i, p.Code, p.Name, p.Description, micros(p.EffectiveFrom), nullMicros(p.ExpiresOn))
		if err != nil {
			return translate(err, "Promotion")
		}
	}
	_, err := t.exec(`INSERT INTO netflix_partner_state (organisation_id, promotions_synced_at) VALUES ($1, $2)
		ON CONFLICT (organisation_id) DO UPDATE SET promotions_synced_at = EXCLUDED.promotions_synced_at`,
		orgID, micros(syncedAt))
	return translate(err, "Promotion")
}

func (t *tx) NetflixPromotions(orgID string) ([]crmapi.NetflixPromotion, *time.Time, error) {
	var synced *int64
	err := t.queryRow(`SELECT promotions_synced_at FROM netflix_partner_state WHERE organisation_id = $1`, orgID).Scan(&synced)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, translate(err, "Promotion")
	}
	rows, err := t.query(`SELECT code, name, description, effective_from, expires_on FROM netflix_promotions
		WHERE organisation_id = $1 ORDER BY position`, orgID)
	if err != nil {
		return nil, nil, translate(err, "Promotion")
	}
	promos, err := collect(rows, func(s scanner) (crmapi.NetflixPromotion, error) {
		var p crmapi.NetflixPromotion
		var from int64
		var expires *int64
		err := s.Scan(&p.Code, &p.Name, &p.Description, &from, &expires)
		p.EffectiveFrom, p.ExpiresOn = fromMicros(from), fromNullMicros(expires)
		return p, err
	}, "Promotion")
	return promos, fromNullMicros(synced), err
}

// placeholders returns "$1, $2, …" for n arguments.
func placeholders(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", i)
	}
	return b.String()
}
