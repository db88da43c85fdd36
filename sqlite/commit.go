package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/crmapi/crmapi"
)

// maxBatch bounds how many write requests share one commit.
const maxBatch = 64

// writeRequest is one Update waiting for the committer.
type writeRequest struct {
	ctx  context.Context
	fn   func(crmapi.Tx) error
	done chan writeResult
}

type writeResult struct {
	err   error
	panic any
}

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
	queue chan *writeRequest
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

func newCommitter(db *sql.DB, stmts *stmtCache) *committer {
	c := &committer{db: db, stmts: stmts, queue: make(chan *writeRequest, 4*maxBatch), stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

var errClosed = errors.New("sqlite: store closed")

// update queues fn and waits for its outcome.
func (c *committer) update(ctx context.Context, fn func(crmapi.Tx) error) error {
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan writeResult, 1)}
	select {
	case c.queue <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stop:
		return errClosed
	}
	// Once queued the request is always answered, even if ctx ends: its
	// outcome (committed or not) must be known to the caller.
	res := <-req.done
	if res.panic != nil {
		panic(res.panic)
	}
	return res.err
}

func (c *committer) close() {
	c.once.Do(func() { close(c.stop) })
	<-c.done
}

func (c *committer) loop() {
	defer close(c.done)
	batch := make([]*writeRequest, 0, maxBatch)
	for {
		batch = batch[:0]
		select {
		case req := <-c.queue:
			batch = append(batch, req)
		case <-c.stop:
			c.drain()
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case req := <-c.queue:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		c.run(batch)
	}
}

// drain answers requests still queued at close.
func (c *committer) drain() {
	for {
		select {
		case req := <-c.queue:
			req.done <- writeResult{err: errClosed}
		default:
			return
		}
	}
}

// run executes one batch in one transaction.
func (c *committer) run(batch []*writeRequest) {
	results := make([]writeResult, len(batch))
	live := batch[:0:0]
	for i, req := range batch {
		if err := req.ctx.Err(); err != nil {
			results[i] = writeResult{err: err}
			continue
		}
		live = append(live, req)
	}
	if len(live) == 0 {
		deliver(batch, results)
		return
	}
	// One background context for the shared transaction: one caller's
	// cancelled context must not abort its neighbours' commit.
	ctx := context.Background()
	sqlTx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		for i := range results {
			if results[i].err == nil {
				results[i].err = fmt.Errorf("sqlite: begin: %w", err)
			}
		}
		deliver(batch, results)
		return
	}
	anyOK := false
	for i, req := range batch {
		if results[i].err != nil {
			continue
		}
		results[i] = runSavepoint(req, sqlTx, c.stmts)
		if results[i].err == nil && results[i].panic == nil {
			anyOK = true
		}
	}
	if !anyOK {
		_ = sqlTx.Rollback()
		deliver(batch, results)
		return
	}
	if err := sqlTx.Commit(); err != nil {
		_ = sqlTx.Rollback()
		for i := range results {
			if results[i].err == nil && results[i].panic == nil {
				results[i].err = fmt.Errorf("sqlite: commit: %w", err)
			}
		}
	}
	deliver(batch, results)
}

func deliver(batch []*writeRequest, results []writeResult) {
	for i, req := range batch {
		req.done <- results[i]
	}
}

// runSavepoint runs one request's fn inside a savepoint of the shared
// transaction, undoing exactly its own changes when it fails or panics.
func runSavepoint(req *writeRequest, sqlTx *sql.Tx, stmts *stmtCache) (res writeResult) {
	ctx := context.Background()
	if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT req"); err != nil {
		return writeResult{err: fmt.Errorf("sqlite: savepoint: %w", err)}
	}
	ok := false
	defer func() {
		if p := recover(); p != nil {
			res = writeResult{panic: p}
		}
		if !ok {
			if _, err := sqlTx.ExecContext(ctx, "ROLLBACK TO req"); err != nil && res.panic == nil && res.err == nil {
				res.err = fmt.Errorf("sqlite: rollback to savepoint: %w", err)
			}
		}
		if _, err := sqlTx.ExecContext(ctx, "RELEASE req"); err != nil && res.err == nil && res.panic == nil {
			res.err = fmt.Errorf("sqlite: release savepoint: %w", err)
		}
	}()
	// The request's own context still bounds its statements (checked
	// before each one, see tx).
	if err := req.fn(&tx{ctx: req.ctx, tx: sqlTx, stmts: stmts}); err != nil {
		return writeResult{err: err}
	}
	ok = true
	return writeResult{}
}
