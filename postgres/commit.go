package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/crmapi/crmapi/internal/groupcommit"
	"github.com/jackc/pgx/v5/pgxpool"
)

// maxBatch bounds how many write requests share one transaction. Each
// request runs in a subtransaction, and PostgreSQL keeps the ids of at
// most 64 subtransactions per session in shared memory: past that, every
// other session's snapshot has to look subtransactions up in pg_subtrans,
// which slows the whole server. 32 stays well inside.
const maxBatch = 32

// batchLockTimeout bounds how long a request in a batch waits for a row
// lock. Two batches that each hold rows the other wants (another
// process's batch, or another lane's) would otherwise stall both until
// PostgreSQL's deadlock check, a second by default; instead the request
// that waits too long is rolled back to its savepoint and runs again on
// a later batch. A wait for a batch to commit is normally far shorter.
const batchLockTimeout = "50ms"

// committer runs write transactions in lanes, each a goroutine with one
// pooled connection at a time. Requests that arrive while the lanes are
// busy queue up and share a lane's next transaction: each runs inside its
// own SAVEPOINT, so a request that fails is rolled back alone and never
// fails or changes its neighbours, and every request is answered only
// after the shared COMMIT is durable (synchronous_commit=on). Under no
// load a batch is one request: there is no waiting for company.
//
// A batch saves each request the BEGIN and COMMIT round trips and the
// wait for its own WAL flush, and it takes the organisation's event
// counter once for all its requests instead of handing it from one
// transaction to the next, each hand-over waiting for a commit.
type committer struct {
	db    *DB
	queue *groupcommit.Queue
}

func newCommitter(db *DB, lanes int) *committer {
	c := &committer{db: db}
	c.queue = groupcommit.New(maxBatch, lanes, errClosed, c.run)
	return c
}

var (
	errClosed   = errors.New("postgres: store closed")
	errBatchCut = errors.New("postgres: batch ended before the request ran")
	// errCommitRolledBack answers a request that returned nil over a
	// failed statement, which PostgreSQL would roll back at COMMIT.
	errCommitRolledBack = errors.New("postgres: commit: the transaction was rolled back")
)

// run executes one batch in one transaction on one connection and returns
// each request's outcome.
func (c *committer) run(batch []*groupcommit.Request) []groupcommit.Result {
	results, live := groupcommit.Live(batch)
	if live == 0 {
		return results
	}
	// One background context for the shared transaction: one caller's
	// cancelled context must not abort its neighbours' statements (pgx
	// may close a connection whose query is cancelled). Each request's
	// own context is still checked before each of its statements.
	ctx := context.Background()
	// failAll answers every request not already refused by its own fn.
	// Before COMMIT is sent nothing of the batch is committed, so each
	// may be queued again; a COMMIT that fails may or may not have
	// committed, unless PostgreSQL says it rolled back.
	failAll := func(err error, retry bool) []groupcommit.Result {
		for i := range results {
			if results[i].OK() {
				results[i] = groupcommit.Result{Err: err, Retry: retry}
			}
		}
		return results
	}
	conn, err := c.db.pool.Acquire(ctx)
	if err != nil {
		return failAll(fmt.Errorf("postgres: acquire: %w", err), true)
	}
	// A connection released inside a transaction (after a failure below)
	// is closed by the pool, never reused.
	defer conn.Release()
	if _, err := conn.Exec(ctx, "BEGIN; SET LOCAL lock_timeout = '"+batchLockTimeout+"'; SAVEPOINT request"); err != nil {
		return failAll(fmt.Errorf("postgres: begin: %w", err), true)
	}
	committed := 0
	// fresh tells that the savepoint holds no request's work: just made,
	// or rolled back to (ROLLBACK TO keeps the savepoint).
	fresh := true
	for i, req := range batch {
		if results[i].Err != nil {
			continue
		}
		if !fresh {
			if _, err := conn.Exec(ctx, "RELEASE SAVEPOINT request; SAVEPOINT request"); err != nil {
				return failAll(fmt.Errorf("postgres: savepoint: %w", err), true)
			}
		}
		results[i] = c.runOne(req, conn)
		if results[i].OK() && conn.Conn().PgConn().TxStatus() == 'E' {
			// fn returned nil over a statement that failed: alone, its
			// COMMIT would have rolled back.
			results[i] = groupcommit.Result{Err: errCommitRolledBack}
		}
		if results[i].OK() {
			committed++
			fresh = false
			continue
		}
		if _, err := conn.Exec(ctx, "ROLLBACK TO SAVEPOINT request"); err != nil {
			// The connection is gone or the transaction broken: nothing
			// of the batch can commit.
			return failAll(fmt.Errorf("postgres: rollback to savepoint: %w", err), true)
		}
		fresh = true
		if results[i].Retry {
			// Another transaction holds rows this batch wants: the
			// requests still to run would likely wait for them too, one
			// after another. Commit what has run; the rest queue again.
			for j := i + 1; j < len(batch); j++ {
				if results[j].Err == nil {
					results[j] = groupcommit.Result{Err: errBatchCut, Retry: true, Cut: true}
				}
			}
			break
		}
	}
	if committed == 0 {
		_, _ = conn.Exec(ctx, "ROLLBACK")
		return results
	}
	tag, err := conn.Exec(ctx, "COMMIT")
	if err != nil {
		return failAll(fmt.Errorf("postgres: commit: %w", err), retryable(err))
	}
	if tag.String() != "COMMIT" {
		// PostgreSQL answers COMMIT of a failed transaction with
		// ROLLBACK: a request swallowed a statement's error. Nothing
		// committed.
		return failAll(errCommitRolledBack, true)
	}
	return results
}

// runOne runs one request's fn inside the batch's current savepoint.
func (c *committer) runOne(req *groupcommit.Request, conn *pgxpool.Conn) (res groupcommit.Result) {
	defer func() {
		if p := recover(); p != nil {
			res = groupcommit.Result{Panic: p}
		}
	}()
	err := req.Fn(&tx{ctx: context.Background(), caller: req.Ctx, tx: conn, db: c.db, write: true})
	if err != nil && (retryable(err) || sqlState(err) == lockNotAvailable) {
		return groupcommit.Result{Err: err, Retry: true}
	}
	return groupcommit.Result{Err: err}
}

// WriteQueueDepth is how many Updates wait for a write lane. A depth that
// stays above zero means writes arrive faster than the lanes commit them.
func (db *DB) WriteQueueDepth() int {
	if db.committer == nil {
		return 0
	}
	return db.committer.queue.Depth()
}
