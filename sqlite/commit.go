package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/groupcommit"
)

// maxBatch bounds how many write requests share one commit.
const maxBatch = 64

// committer runs every write transaction. Requests that arrive while a
// commit (an fsync) is under way queue up and then share the next
// transaction: each runs inside its own SAVEPOINT, so a request that fails
// is rolled back alone and never fails or changes its neighbours, and
// every request is answered only after the shared COMMIT is durable
// (synchronous=FULL). Under no load a batch is one request: there is no
// waiting for company.
type committer struct {
	db    *sql.DB
	stmts *stmtCache
	queue *groupcommit.Queue
}

func newCommitter(db *sql.DB, stmts *stmtCache) *committer {
	c := &committer{db: db, stmts: stmts}
	c.queue = groupcommit.New(maxBatch, 1, errClosed, c.run)
	return c
}

var errClosed = errors.New("sqlite: store closed")

// update queues fn and waits for its outcome.
func (c *committer) update(ctx context.Context, fn func(crmapi.Tx) error) error {
	return c.queue.Submit(ctx, fn).Err
}

func (c *committer) close() { c.queue.Close() }

// run executes one batch in one transaction.
func (c *committer) run(batch []*groupcommit.Request) []groupcommit.Result {
	results, live := groupcommit.Live(batch)
	if live == 0 {
		return results
	}
	// One background context for the shared transaction: one caller's
	// cancelled context must not abort its neighbours' commit.
	ctx := context.Background()
	failAll := func(err error) []groupcommit.Result {
		for i := range results {
			if results[i].OK() {
				results[i].Err = err
			}
		}
		return results
	}
	sqlTx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return failAll(fmt.Errorf("sqlite: begin: %w", err))
	}
	anyOK := false
	for i, req := range batch {
		if results[i].Err != nil {
			continue
		}
		var broken error
		results[i], broken = runSavepoint(req, sqlTx, c.stmts)
		if broken != nil {
			// The request's changes could not be undone alone: none of
			// the batch may commit.
			_ = sqlTx.Rollback()
			return failAll(broken)
		}
		anyOK = anyOK || results[i].OK()
	}
	if !anyOK {
		_ = sqlTx.Rollback()
		return results
	}
	if err := sqlTx.Commit(); err != nil {
		_ = sqlTx.Rollback()
		return failAll(fmt.Errorf("sqlite: commit: %w", err))
	}
	return results
}

// runSavepoint runs one request's fn inside a savepoint of the shared
// transaction, undoing exactly its own changes when it fails or panics.
// broken reports a savepoint that could not be rolled back or released:
// the shared transaction then holds changes it must not commit.
func runSavepoint(req *groupcommit.Request, sqlTx *sql.Tx, stmts *stmtCache) (res groupcommit.Result, broken error) {
	ctx := context.Background()
	if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT req"); err != nil {
		return groupcommit.Result{}, fmt.Errorf("sqlite: savepoint: %w", err)
	}
	ok := false
	defer func() {
		if p := recover(); p != nil {
			res = groupcommit.Result{Panic: p}
		}
		if !ok {
			if _, err := sqlTx.ExecContext(ctx, "ROLLBACK TO req"); err != nil {
				broken = fmt.Errorf("sqlite: rollback to savepoint: %w", err)
				return
			}
		}
		if _, err := sqlTx.ExecContext(ctx, "RELEASE req"); err != nil {
			broken = fmt.Errorf("sqlite: release savepoint: %w", err)
		}
	}()
	// The request's own context still bounds its statements (checked
	// before each one, see tx).
	if err := req.Fn(&tx{ctx: req.Ctx, tx: sqlTx, stmts: stmts}); err != nil {
		return groupcommit.Result{Err: err}, nil
	}
	ok = true
	return groupcommit.Result{}, nil
}
