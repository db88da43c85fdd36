package postgres

import (
	"context"

	"github.com/crmapi/crmapi"
)

// Setting reads a run-time setting as a pooled connection sees it, so the
// tests can check what Open configures.
func (db *DB) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT current_setting($1)`, name).Scan(&v)
	return v, err
}

// TransactionID is the id of the transaction tx's statements run in, so
// the tests can see which Updates shared one.
func TransactionID(t crmapi.Tx) (int64, error) {
	var id int64
	err := t.(*tx).queryRow(`SELECT txid_current()`).Scan(&id)
	return id, err
}

// DefaultWriteLanes exposes defaultWriteLanes to the tests.
const DefaultWriteLanes = defaultWriteLanes

// FailAStatement runs a statement that fails and ignores its error, as a
// careless transaction body would.
func FailAStatement(t crmapi.Tx) {
	_, _ = t.(*tx).exec(`SELECT 1/0`)
}
