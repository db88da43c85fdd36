package service

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/crmapi/crmapi"
)

// IdempotencyService keeps Idempotency-Keys: the first request with a key
// runs; a repeat with the same body gets the stored answer; a repeat with
// another body is refused.
type IdempotencyService struct {
	store     crmapi.Store
	clock     crmapi.Clock
	retention time.Duration
	// lease is how long an unfinished first request may hold its key before
	// a retry may run instead (the first one's process died before any effect).
	lease time.Duration
}

// DefaultIdempotencyRetention is how long keys are kept by default.
const DefaultIdempotencyRetention = 24 * time.Hour

// MaxIdempotencyKeyLength bounds a key's length.
const MaxIdempotencyKeyLength = 255

// Begin claims key for a request whose parameters hash to hash. It
// returns the stored answer to replay, or nil when the request should run.
// Codes: INVALID_PARAMETER (bad key), IDEMPOTENCY_KEY_REUSED,
// IDEMPOTENCY_REQUEST_IN_PROGRESS.
func (s *IdempotencyService) Begin(ctx context.Context, orgID, key, hash string) (*crmapi.IdempotencyRecord, error) {
	if len(key) == 0 || len(key) > MaxIdempotencyKeyLength {
		return nil, crmapi.Invalid("Idempotency-Key", "between 1 and 255 characters")
	}
	for _, c := range key {
		if c < 0x21 || c > 0x7e {
			return nil, crmapi.Invalid("Idempotency-Key", "printable ASCII without spaces")
		}
	}
	now := s.clock.Now()
	rec := crmapi.IdempotencyRecord{OrganisationID: orgID, Key: key, RequestHash: hash, CreatedAt: now, ExpiresAt: now.Add(s.retention)}
	var old *crmapi.IdempotencyRecord
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		var err error
		if old, err = tx.ClaimIdempotencyKey(rec); err != nil || old == nil {
			return err
		}
		if old.RequestHash == hash && old.Status == 0 && !old.Applied && now.Sub(old.CreatedAt) > s.lease {
			if err := tx.ReleaseIdempotencyKey(orgID, key); err != nil {
				return err
			}
			old, err = tx.ClaimIdempotencyKey(rec)
		}
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case old == nil:
		return nil, nil
	case old.RequestHash != hash:
		return nil, crmapi.Errorf(crmapi.IdempotencyKeyReused, "Idempotency key reused",
			"the key %q was first used with other parameters", key)
	case old.Status == 0 && old.Applied:
		return nil, crmapi.Errorf(crmapi.IdempotencyRequestInFlight, "Request already applied",
			"the first request with key %q was applied but its answer was lost; look the result up", key)
	case old.Status == 0:
		return nil, crmapi.Errorf(crmapi.IdempotencyRequestInFlight, "Request in progress",
			"the first request with key %q is still running", key)
	}
	return old, nil
}

// Finish stores the answer of the request holding key.
func (s *IdempotencyService) Finish(ctx context.Context, orgID, key string, status int, body []byte) error {
	return s.store.Update(ctx, func(tx crmapi.Tx) error { return tx.FinishIdempotencyKey(orgID, key, status, body) })
}

// Release forgets key when its request changed nothing, so it can be retried.
func (s *IdempotencyService) Release(ctx context.Context, orgID, key string) error {
	return s.store.Update(ctx, func(tx crmapi.Tx) error { return tx.ReleaseIdempotencyKey(orgID, key) })
}

// Purge deletes keys past their retention.
func (s *IdempotencyService) Purge(ctx context.Context) (int64, error) {
	var n int64
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		var err error
		n, err = tx.DeleteIdempotencyKeysExpiredBefore(s.clock.Now())
		return err
	})
	return n, err
}

// inFlightKey is an Idempotency-Key riding on a request's context.
type inFlightKey struct {
	orgID, key string
	applied    atomic.Bool
}

type idempotencyCtxKey struct{}

// WithIdempotencyKey marks ctx as carrying a claimed key: the first write
// transaction run with it also records the key as applied, atomically with
// the request's effect.
func WithIdempotencyKey(ctx context.Context, orgID, key string) context.Context {
	return context.WithValue(ctx, idempotencyCtxKey{}, &inFlightKey{orgID: orgID, key: key})
}

// markingStore is the Store the services use: it records an in-flight
// Idempotency-Key as applied inside the first successful write.
type markingStore struct {
	crmapi.Store
}

func (m markingStore) Update(ctx context.Context, fn func(crmapi.Tx) error) error {
	k, _ := ctx.Value(idempotencyCtxKey{}).(*inFlightKey)
	if k == nil || k.applied.Load() {
		return m.Store.Update(ctx, fn)
	}
	err := m.Store.Update(ctx, func(tx crmapi.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return tx.MarkIdempotencyKeyApplied(k.orgID, k.key)
	})
	if err == nil {
		k.applied.Store(true)
	}
	return err
}
