package service

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// UseQueue gives the services the job queue they insert background work
// into, once it is open (the queue needs the workers Jobs registers first).
func (s *Services) UseQueue(q JobInserter) { s.Netflix.UseQueue(q) }

// Jobs registers the services' background work on the job queue's workers
// and returns the periodic jobs the queue's leader schedules. Each worker
// is a small adapter onto one service method, so the work itself is tested
// like any service method.
func (s *Services) Jobs(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &purgeSessionsWorker{auth: s.Auth})
	river.AddWorker(workers, &purgeIdempotencyKeysWorker{idem: s.Idempotency})
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeSessionsArgs{}, nil },
			&river.PeriodicJobOpts{ID: "purge_sessions", RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeIdempotencyKeysArgs{}, nil },
			&river.PeriodicJobOpts{ID: "purge_idempotency_keys", RunOnStart: true}),
	}
	return append(periodic, s.Netflix.netflixJobs(workers)...)
}

// PurgeSessionsArgs is the job that deletes expired sessions.
type PurgeSessionsArgs struct{}

// Kind names the job.
func (PurgeSessionsArgs) Kind() string { return "purge_sessions" }

type purgeSessionsWorker struct {
	river.WorkerDefaults[PurgeSessionsArgs]
	auth *AuthService
}

func (w *purgeSessionsWorker) Work(ctx context.Context, _ *river.Job[PurgeSessionsArgs]) error {
	_, err := w.auth.PurgeSessions(ctx)
	return err
}

// PurgeIdempotencyKeysArgs is the job that deletes Idempotency-Keys past their retention.
type PurgeIdempotencyKeysArgs struct{}

// Kind names the job.
func (PurgeIdempotencyKeysArgs) Kind() string { return "purge_idempotency_keys" }

type purgeIdempotencyKeysWorker struct {
	river.WorkerDefaults[PurgeIdempotencyKeysArgs]
	idem *IdempotencyService
}

func (w *purgeIdempotencyKeysWorker) Work(ctx context.Context, _ *river.Job[PurgeIdempotencyKeysArgs]) error {
	_, err := w.idem.Purge(ctx)
	return err
}
