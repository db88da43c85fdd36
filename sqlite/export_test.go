package sqlite

import (
	"context"

	"github.com/crmapi/crmapi"
)

// UpdateWithoutGroupCommit runs fn in its own transaction, for benchmarks
// that compare with group commit.
func (db *DB) UpdateWithoutGroupCommit(ctx context.Context, fn func(crmapi.Tx) error) error {
	return runTx(ctx, db.writer, nil, fn)
}
