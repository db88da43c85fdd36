package crmapi

import "time"

// IdempotencyRecord remembers one Idempotency-Key of an organisation: the
// hash of the request that first used it, and, once known, its answer.
type IdempotencyRecord struct {
	OrganisationID string
	Key            string
	RequestHash    string
	// Applied is set in the same transaction as the request's effect, so a
	// key whose answer was lost (a crash after the commit) is never run again.
	Applied bool
	// Status and Body are the stored answer; Status is 0 while the first
	// request is still running.
	Status    int
	Body      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// IdempotencyStore keeps Idempotency-Keys.
type IdempotencyStore interface {
	// ClaimIdempotencyKey stores r when its key is new (and returns nil),
	// or returns the record already kept for the key (expired ones count as new).
	ClaimIdempotencyKey(r IdempotencyRecord) (*IdempotencyRecord, error)
	// MarkIdempotencyKeyApplied records that the key's effect is committed.
	MarkIdempotencyKeyApplied(orgID, key string) error
	// FinishIdempotencyKey stores the answer of the key's request.
	FinishIdempotencyKey(orgID, key string, status int, body []byte) error
	// ReleaseIdempotencyKey forgets a key whose request had no effect, so
	// that it may be retried.
	ReleaseIdempotencyKey(orgID, key string) error
	// DeleteIdempotencyKeysExpiredBefore removes keys past their retention.
	DeleteIdempotencyKeysExpiredBefore(t time.Time) (int64, error)
}
