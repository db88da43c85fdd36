package postgres

import "context"

// Setting reads a run-time setting as a pooled connection sees it, so the
// tests can check what Open configures.
func (db *DB) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT current_setting($1)`, name).Scan(&v)
	return v, err
}
