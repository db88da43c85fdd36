package postgres

import (
	"context"
	"fmt"
)

// AllocateNumber takes the number in a transaction of its own on the
// numbers pool, committed at once, so the counter row is locked for one
// statement instead of until the caller's commit (which waits for the WAL
// flush). That commit need not wait for the flush (synchronous_commit off):
// the caller's later commit flushes the WAL up to and including it, so a
// number used by a durable row is durable too; after a crash at most a
// number that nothing used is given again.
func (t *tx) AllocateNumber(orgID, series string) (int64, error) {
	if t.db == nil || t.db.numbers == nil {
		return t.NextNumber(orgID, series)
	}
	ctx := context.WithoutCancel(t.ctx)
	var n int64
	err := t.db.numbers.QueryRow(ctx, `INSERT INTO counters (organisation_id, name, value) VALUES ($1, $2, 1)
		ON CONFLICT (organisation_id, name) DO UPDATE SET value = counters.value + 1 RETURNING value`, orgID, series).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: allocate number: %w", translate(err, "Counter"))
	}
	return n, nil
}

func (t *tx) NextNumber(orgID, series string) (int64, error) {
	var n int64
	err := t.queryRow(`INSERT INTO counters (organisation_id, name, value) VALUES ($1, $2, 1)
		ON CONFLICT (organisation_id, name) DO UPDATE SET value = counters.value + 1 RETURNING value`, orgID, series).Scan(&n)
	return n, translate(err, "Counter")
}

func (t *tx) ReserveNumbers(orgID, series string, n int64) (int64, error) {
	var last int64
	err := t.queryRow(`INSERT INTO counters (organisation_id, name, value) VALUES ($1, $2, $3)
		ON CONFLICT (organisation_id, name) DO UPDATE SET value = counters.value + excluded.value RETURNING value`, orgID, series, n).Scan(&last)
	return last, translate(err, "Counter")
}
