package jobs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/jobs"
	"github.com/riverqueue/river"
)

func TestCounts(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		store := open(t)
		ctx := context.Background()
		workers := river.NewWorkers()
		river.AddWorker(workers, &pingWorker{})
		q, err := jobs.Open(ctx, store, jobs.Config{Workers: workers, InsertOnly: true,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := jobs.Counts(ctx, store); err != nil || len(got) != 0 {
			t.Fatalf("empty queue: %v %v", got, err)
		}
		for i := range 3 {
			if err := q.Insert(ctx, pingArgs{N: i}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := q.Insert(ctx, pingArgs{N: 9}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		got, err := jobs.Counts(ctx, store)
		if err != nil || fmt.Sprint(got) != "[{test_ping available 3} {test_ping running 0} {test_ping retryable 0} {test_ping scheduled 1} {test_ping discarded 0}]" {
			t.Fatalf("counts: %v %v", got, err)
		}
	})
}
