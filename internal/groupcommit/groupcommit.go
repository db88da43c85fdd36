// Package groupcommit is the queue both storage engines' group committers
// share: Updates wait in it, and workers (SQLite's one writer,
// PostgreSQL's write lanes) take whatever has queued, up to a bound, as
// one batch, run it as one transaction and answer each request with its
// own outcome. What a batch's transaction is belongs to the engine.
package groupcommit

import (
	"context"
	"sync"

	"github.com/crmapi/crmapi"
)

// Request is one Update waiting in the queue.
type Request struct {
	// Ctx is the caller's context: a request whose context has ended
	// before its batch runs is answered with its error, not run.
	Ctx context.Context
	// Fn is the caller's transaction body.
	Fn   func(crmapi.Tx) error
	done chan Result
}

// Result is a request's outcome.
type Result struct {
	// Err is fn's error or the engine's.
	Err error
	// Panic is what fn panicked with; Submit panics with it again in the
	// caller's goroutine.
	Panic any
	// Retry asks the caller to submit the request again: nothing of it
	// was committed, and the engine refused it for a reason of timing.
	Retry bool
	// Cut tells a retry whose batch ended before the request ran, which
	// costs the request none of its attempts.
	Cut bool
}

// OK tells that the request's fn returned nil (what it wrote commits
// with its batch).
func (r Result) OK() bool { return r.Err == nil && r.Panic == nil }

// RunBatch runs one batch as one transaction and returns each request's
// outcome, in order, once the transaction's fate is known.
type RunBatch func(batch []*Request) []Result

// Queue is the queue and its workers.
type Queue struct {
	requests chan *Request
	// mu orders Submit's sends before Close: a request is either sent
	// before the queue is marked closed (and then run or answered by
	// Close) or refused, never left in the queue unanswered.
	mu       sync.RWMutex
	isClosed bool
	stop     chan struct{}
	workers  sync.WaitGroup
	once     sync.Once
	maxBatch int
	closed   error
}

// New starts workers goroutines, each running batches of at most
// maxBatch requests with run. closed is the error requests get once the
// queue is closed.
func New(maxBatch, workers int, closed error, run RunBatch) *Queue {
	q := &Queue{requests: make(chan *Request, 4*maxBatch), stop: make(chan struct{}), maxBatch: maxBatch, closed: closed}
	for range workers {
		q.workers.Go(func() { q.work(run) })
	}
	return q
}

// Submit queues fn and waits for its outcome; it panics with fn's panic.
func (q *Queue) Submit(ctx context.Context, fn func(crmapi.Tx) error) Result {
	req := &Request{Ctx: ctx, Fn: fn, done: make(chan Result, 1)}
	q.mu.RLock()
	if q.isClosed {
		q.mu.RUnlock()
		return Result{Err: q.closed}
	}
	select {
	case q.requests <- req:
		q.mu.RUnlock()
	case <-ctx.Done():
		q.mu.RUnlock()
		return Result{Err: ctx.Err()}
	}
	// Once queued the request is always answered, even if ctx ends: its
	// outcome (committed or not) must be known to the caller.
	res := <-req.done
	if res.Panic != nil {
		panic(res.Panic)
	}
	return res
}

// Depth is how many requests wait for a worker.
func (q *Queue) Depth() int { return len(q.requests) }

// Close stops the workers once their batches are done and answers what is
// still queued with the closed error.
func (q *Queue) Close() {
	q.once.Do(func() {
		q.mu.Lock()
		q.isClosed = true
		q.mu.Unlock()
		close(q.stop)
	})
	q.workers.Wait()
	for {
		select {
		case req := <-q.requests:
			req.done <- Result{Err: q.closed}
		default:
			return
		}
	}
}

// work is one worker: it takes whatever has queued, up to maxBatch, and
// runs it as one batch. Under no load a batch is one request: there is no
// waiting for company.
func (q *Queue) work(run RunBatch) {
	batch := make([]*Request, 0, q.maxBatch)
	for {
		batch = batch[:0]
		select {
		case req := <-q.requests:
			batch = append(batch, req)
		case <-q.stop:
			return
		}
	fill:
		for len(batch) < q.maxBatch {
			select {
			case req := <-q.requests:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		for i, res := range run(batch) {
			batch[i].done <- res
		}
	}
}

// Live answers the requests whose callers have already given up and
// returns their results with the rest zero, and how many are left to run.
func Live(batch []*Request) ([]Result, int) {
	results := make([]Result, len(batch))
	live := 0
	for i, req := range batch {
		if err := req.Ctx.Err(); err != nil {
			results[i] = Result{Err: err}
			continue
		}
		live++
	}
	return results, live
}
