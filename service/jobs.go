package service

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// Jobs registers the services' background work on the job queue's workers
// and returns the periodic jobs the queue's leader schedules. Each worker
// is a small adapter onto one service method, so the work itself is tested
// like any service method.
func (s *Services) Jobs(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &purgeSessionsWorker{auth: s.Auth})
	river.AddWorker(workers, &purgeIdempotencyKeysWorker{idem: s.Idempotency})
	river.AddWorker(workers, &expireHoldsWorker{usage: s.Usage})
	periodic := []*river.PeriodicJob{
		// Reads release expired holds they meet anyway; the sweep bounds how
		// long a hold nobody reads stays. On the leader only: once per cluster.
		river.NewPeriodicJob(river.PeriodicInterval(30*time.Second),
			func() (river.JobArgs, *river.InsertOpts) { return ExpireHoldsArgs{}, nil },
			&river.PeriodicJobOpts{ID: "expire_holds", RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeSessionsArgs{}, nil },
			&river.PeriodicJobOpts{ID: "purge_sessions", RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeIdempotencyKeysArgs{}, nil },
			&river.PeriodicJobOpts{ID: "purge_idempotency_keys", RunOnStart: true}),
	}
	periodic = append(periodic, s.webhookJobs(workers)...)
	return append(periodic, s.Netflix.netflixJobs(workers)...)
}

// UseQueue gives the services the job queue that runs their workers, once
// it is open; until then they queue nothing, and the periodic sweeps catch
// up when it starts.
func (s *Services) UseQueue(q JobInserter) {
	s.queue.set(q)
	s.Netflix.UseQueue(q)
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

// ExpireHoldsArgs is the job that moves expired usage authorisations to
// EXPIRED and releases their holds.
type ExpireHoldsArgs struct{}

// Kind names the job.
func (ExpireHoldsArgs) Kind() string { return "expire_holds" }

type expireHoldsWorker struct {
	river.WorkerDefaults[ExpireHoldsArgs]
	usage *UsageService
}

func (w *expireHoldsWorker) Work(ctx context.Context, _ *river.Job[ExpireHoldsArgs]) error {
	_, err := w.usage.ExpireAllDue(ctx)
	return err
}
