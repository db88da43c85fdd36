package sqlite

import (
	"time"

	"github.com/crmapi/crmapi"
)

func (t *tx) ClaimIdempotencyKey(r crmapi.IdempotencyRecord) (*crmapi.IdempotencyRecord, error) {
	// An expired key is forgotten first, so it can be claimed anew.
	if _, err := t.exec(`DELETE FROM idempotency_keys WHERE organisation_id = ? AND key = ? AND expires_at <= ?`,
		r.OrganisationID, r.Key, micros(r.CreatedAt)); err != nil {
		return nil, translate(err, "Idempotency key")
	}
	res, err := t.exec(`INSERT INTO idempotency_keys (organisation_id, key, request_hash, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (organisation_id, key) DO NOTHING`,
		r.OrganisationID, r.Key, r.RequestHash, micros(r.CreatedAt), micros(r.ExpiresAt))
	if err != nil {
		return nil, translate(err, "Idempotency key")
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	var old crmapi.IdempotencyRecord
	var applied int
	var created, expires int64
	err = t.queryRow(`SELECT organisation_id, key, request_hash, applied, status, body, created_at, expires_at
		FROM idempotency_keys WHERE organisation_id = ? AND key = ?`, r.OrganisationID, r.Key).
		Scan(&old.OrganisationID, &old.Key, &old.RequestHash, &applied, &old.Status, &old.Body, &created, &expires)
	old.Applied, old.CreatedAt, old.ExpiresAt = applied != 0, fromMicros(created), fromMicros(expires)
	return &old, translate(err, "Idempotency key")
}

func (t *tx) MarkIdempotencyKeyApplied(orgID, key string) error {
	_, err := t.exec(`UPDATE idempotency_keys SET applied = 1 WHERE organisation_id = ? AND key = ?`, orgID, key)
	return translate(err, "Idempotency key")
}

func (t *tx) FinishIdempotencyKey(orgID, key string, status int, body []byte) error {
	_, err := t.exec(`UPDATE idempotency_keys SET status = ?, body = ? WHERE organisation_id = ? AND key = ?`,
		status, body, orgID, key)
	return translate(err, "Idempotency key")
}

func (t *tx) ReleaseIdempotencyKey(orgID, key string) error {
	_, err := t.exec(`DELETE FROM idempotency_keys WHERE organisation_id = ? AND key = ? AND applied = 0`, orgID, key)
	return translate(err, "Idempotency key")
}

func (t *tx) DeleteIdempotencyKeysExpiredBefore(before time.Time) (int64, error) {
	res, err := t.exec(`DELETE FROM idempotency_keys WHERE expires_at < ?`, micros(before))
	if err != nil {
		return 0, translate(err, "Idempotency key")
	}
	return res.RowsAffected()
}
