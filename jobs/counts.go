package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/crmapi/crmapi"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Count is how many jobs of one kind are in one state.
type Count struct {
	Kind  string
	State string
	Count int64
}

// CountedStates are the job states Counts reports: waiting to run,
// running, failed and waiting to retry, scheduled for later, and given up.
var CountedStates = []string{"available", "running", "retryable", "scheduled", "discarded"}

const countQuery = `SELECT kind, CAST(state AS TEXT), count(*) FROM river_job
	WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'discarded')
	GROUP BY kind, state ORDER BY kind, state`

// kindsQuery lists the kinds in the table, completed jobs' included, by
// hopping through River's index on kind from one kind to the next (a
// loose index scan): as many index look-ups as there are kinds, however
// many jobs are kept. Both engines run it.
const kindsQuery = `WITH RECURSIVE k(kind) AS (
	SELECT min(kind) FROM river_job
	UNION ALL
	SELECT (SELECT min(kind) FROM river_job WHERE kind > k.kind) FROM k WHERE k.kind IS NOT NULL
) SELECT kind FROM k WHERE kind IS NOT NULL`

// Counts counts the queue's jobs of every kind in the table, in each of
// CountedStates (0 included, so that a backlog that drains shows 0), by
// kind then state. It reads through River's indexes on kind and on state:
// completed jobs, the bulk of the table, are never read one by one. It
// reads with the store's read-only connections where the engine has them.
func Counts(ctx context.Context, store crmapi.Store) ([]Count, error) {
	var query func(q string, scan func(scan func(...any) error) error) error
	switch s := store.(type) {
	case interface{ Reader() *sql.DB }:
		query = sqlQuery(ctx, s.Reader())
	case sqliteStore:
		query = sqlQuery(ctx, s.Writer())
	case pgStore:
		query = pgQuery(ctx, s.Pool())
	default:
		return nil, fmt.Errorf("jobs: engine %s has no job queue", store.Engine())
	}
	var kinds []string
	if err := query(kindsQuery, func(scan func(...any) error) error {
		var k string
		err := scan(&k)
		kinds = append(kinds, k)
		return err
	}); err != nil {
		return nil, err
	}
	n := map[[2]string]int64{}
	if err := query(countQuery, func(scan func(...any) error) error {
		var kind, state string
		var c int64
		err := scan(&kind, &state, &c)
		n[[2]string{kind, state}] = c
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]Count, 0, len(kinds)*len(CountedStates))
	for _, k := range kinds {
		for _, s := range CountedStates {
			out = append(out, Count{Kind: k, State: s, Count: n[[2]string{k, s}]})
		}
	}
	return out, nil
}

func sqlQuery(ctx context.Context, db *sql.DB) func(string, func(func(...any) error) error) error {
	return func(q string, each func(func(...any) error) error) error {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return fmt.Errorf("jobs: count: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := each(rows.Scan); err != nil {
				return fmt.Errorf("jobs: count: %w", err)
			}
		}
		return rows.Err()
	}
}

func pgQuery(ctx context.Context, pool *pgxpool.Pool) func(string, func(func(...any) error) error) error {
	return func(q string, each func(func(...any) error) error) error {
		rows, err := pool.Query(ctx, q)
		if err != nil {
			return fmt.Errorf("jobs: count: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := each(rows.Scan); err != nil {
				return fmt.Errorf("jobs: count: %w", err)
			}
		}
		return rows.Err()
	}
}
