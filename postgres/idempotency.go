package postgres

import (
	"time"

	"github.com/crmapi/crmapi"
)

func (t *tx) ClaimIdempotencyKey(r crmapi.IdempotencyRecord) (*crmapi.IdempotencyRecord, error) {
	// An expired key is forgotten first, so it can be claimed anew.
	if _, err := t.exec(`DELETE FROM idempotency_keys WHERE organisation_id = $1 AND key = $2 AND expires_at <= $3`,
		r.OrganisationID, r.Key, micros(r.CreatedAt)); err != nil {
		return nil, translate(err, "Idempotency key")
	}
	tag, err := t.exec(`INSERT INTO idempotency_keys (organisation_id, key, request_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organisation_id, key) DO NOTHING`,
		r.OrganisationID, r.Key, r.RequestHash, micros(r.CreatedAt), micros(r.ExpiresAt))
	if err != nil {
		return nil, translate(err, "Idempotency key")
	}
	if tag.RowsAffected() == 1 {
		return nil, nil
	}
	var old crmapi.IdempotencyRecord
	var created, expires int64
	err = t.queryRow(`SELECT organisation_id, key, request_hash, applied, status, body, created_at, expires_at
		FROM idempotency_keys WHERE organisation_id = $1 AND key = $2`, r.OrganisationID, r.Key).
		Scan(&old.OrganisationID, &old.Key, &old.RequestHash, &old.Applied, &old.Status, &old.Body, &created, &expires)
	old.CreatedAt, old.ExpiresAt = fromMicros(created), fromMicros(expires)
	return &old, translate(err, "Idempotency key")
}

func (t *tx) MarkIdempotencyKeyApplied(orgID, key string) error {
	_, err := t.exec(`UPDATE idempotency_keys SET applied = TRUE WHERE organisation_id = $1 AND key = $2`, orgID, key)
	return translate(err, "Idempotency key")
}

func (t *tx) FinishIdempotencyKey(orgID, key string, status int, body []byte) error {
	_, err := t.exec(`UPDATE idempotency_keys SET status = $1, body = $2 WHERE organisation_id = $3 AND key = $4`,
		status, body, orgID, key)
	return translate(err, "Idempotency key")
}

func (t *tx) ReleaseIdempotencyKey(orgID, key string) error {
	_, err := t.exec(`DELETE FROM idempotency_keys WHERE organisation_id = $1 AND key = $2 AND NOT applied`, orgID, key)
	return translate(err, "Idempotency key")
}

func (t *tx) DeleteIdempotencyKeysExpiredBefore(before time.Time) (int64, error) {
	tag, err := t.exec(`DELETE FROM idempotency_keys WHERE expires_at < $1`, micros(before))
	if err != nil {
		return 0, translate(err, "Idempotency key")
	}
	return tag.RowsAffected(), nil
}
