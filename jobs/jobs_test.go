package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/jobs"
	"github.com/riverqueue/river"
)

type pingArgs struct {
	N int `json:"n"`
}

func (pingArgs) Kind() string { return "test_ping" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	sum   *atomic.Int64
	fails *atomic.Int64
}

// Work fails the first attempt of every job, so retries are exercised.
func (w *pingWorker) Work(ctx context.Context, j *river.Job[pingArgs]) error {
	if j.Attempt == 1 {
		w.fails.Add(1)
		return errors.New("first attempt fails")
	}
	w.sum.Add(int64(j.Args.N))
	return nil
}

func TestQueueWorksJobsOnBothEngines(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		store := open(t)
		var sum, fails atomic.Int64
		workers := river.NewWorkers()
		river.AddWorker(workers, &pingWorker{sum: &sum, fails: &fails})
		ctx := context.Background()
		q, err := jobs.Open(ctx, store, jobs.Config{Workers: workers, PollInterval: 50 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 10; i++ {
			if err := q.Insert(ctx, pingArgs{N: i}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(ctx)
		deadline := time.Now().Add(30 * time.Second)
		for sum.Load() != 55 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if sum.Load() != 55 {
			t.Fatalf("sum of worked jobs = %d, want 55 (each job once); %d failed first attempts", sum.Load(), fails.Load())
		}
		// The same store keeps serving data transactions beside the queue.
		storeOK := store.Update(ctx, func(tx crmapi.Tx) error { _, err := tx.NextNumber("none", "X"); return err })
		if storeOK == nil {
			t.Fatal("counter for an unknown organisation accepted (foreign key)")
		}
	})
}
