package service

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// NetflixApplyArgs is the job that applies one subscription's pending
// partner operations.
type NetflixApplyArgs struct {
	OrganisationID string `json:"organisation_id"`
	SubscriptionID string `json:"subscription_id"`
}

// Kind names the job.
func (NetflixApplyArgs) Kind() string { return "netflix_apply" }

// NetflixCatalogArgs is the job that refreshes an organisation's promotions.
type NetflixCatalogArgs struct {
	OrganisationID string `json:"organisation_id"`
}

// Kind names the job.
func (NetflixCatalogArgs) Kind() string { return "netflix_catalog" }

// NetflixSweepArgs is the periodic job that wakes outbox work whose job was lost.
type NetflixSweepArgs struct{}

// Kind names the job.
func (NetflixSweepArgs) Kind() string { return "netflix_sweep" }

// NetflixReconcileArgs is the periodic job that polls partner accounts.
type NetflixReconcileArgs struct{}

// Kind names the job.
func (NetflixReconcileArgs) Kind() string { return "netflix_reconcile" }

// NetflixChargesArgs is the periodic job that reads the charges feeds.
type NetflixChargesArgs struct{}

// Kind names the job.
func (NetflixChargesArgs) Kind() string { return "netflix_charges" }

// uniqueWhileQueued keeps one job per arguments waiting or running, so that
// many wake-ups of one subscription (or periodic runs that outlast their
// interval) do not pile up. A wake-up lost while a job runs is picked up by
// the sweep.
var uniqueWhileQueued = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateScheduled, rivertype.JobStateRetryable,
}}

// insertOpts are the options every Netflix job is inserted with. The
// apply job's own attempts are not what ends it (the operation's attempt
// count is), so River may try it far more often than MaxAttempts.
func insertOpts(args river.JobArgs) *river.InsertOpts {
	opts := &river.InsertOpts{UniqueOpts: uniqueWhileQueued}
	if _, ok := args.(NetflixApplyArgs); ok {
		opts.MaxAttempts = 1000
	}
	return opts
}

// netflixJobs registers the Netflix workers and returns their periodic jobs.
func (s *NetflixService) netflixJobs(workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, &netflixApplyWorker{svc: s})
	river.AddWorker(workers, &netflixCatalogWorker{svc: s})
	river.AddWorker(workers, &netflixSweepWorker{svc: s})
	river.AddWorker(workers, &netflixReconcileWorker{svc: s})
	river.AddWorker(workers, &netflixChargesWorker{svc: s})
	periodic := func(id string, every time.Duration, args river.JobArgs) *river.PeriodicJob {
		return river.NewPeriodicJob(river.PeriodicInterval(every),
			func() (river.JobArgs, *river.InsertOpts) { return args, insertOpts(args) },
			&river.PeriodicJobOpts{ID: id, RunOnStart: true})
	}
	return []*river.PeriodicJob{
		periodic("netflix_sweep", s.cfg.SweepInterval, NetflixSweepArgs{}),
		periodic("netflix_reconcile", s.cfg.ReconcileInterval, NetflixReconcileArgs{}),
		periodic("netflix_charges", s.cfg.ChargesInterval, NetflixChargesArgs{}),
	}
}

// backoff is the wait before try attempt+1 of an operation: full jitter
// over an exponential window from RetryBase up to RetryMax.
func (s *NetflixService) backoff(attempt int) time.Duration {
	window := s.cfg.RetryMax
	if attempt-1 < 30 {
		if w := s.cfg.RetryBase << (attempt - 1); w > 0 && w < window {
			window = w
		}
	}
	return s.cfg.RetryBase/2 + rand.N(window)
}

type netflixApplyWorker struct {
	river.WorkerDefaults[NetflixApplyArgs]
	svc *NetflixService
}

func (w *netflixApplyWorker) Work(ctx context.Context, j *river.Job[NetflixApplyArgs]) error {
	err := w.svc.ApplyOperations(ctx, j.Args.OrganisationID, j.Args.SubscriptionID)
	var r *errRetry
	if errors.As(err, &r) && r.snooze {
		return river.JobSnooze(w.svc.backoff(1))
	}
	return err
}

func (w *netflixApplyWorker) NextRetry(j *river.Job[NetflixApplyArgs]) time.Time {
	return time.Now().Add(w.svc.backoff(j.Attempt))
}

type netflixCatalogWorker struct {
	river.WorkerDefaults[NetflixCatalogArgs]
	svc *NetflixService
}

func (w *netflixCatalogWorker) Work(ctx context.Context, j *river.Job[NetflixCatalogArgs]) error {
	return w.svc.quiet("catalog", w.svc.refreshCatalog(ctx, j.Args.OrganisationID))
}

// quiet logs a periodic job's failure instead of returning it: the next
// run is the retry, and a job backing off in River would hold the next
// runs back (they are unique while one waits).
func (s *NetflixService) quiet(job string, err error) error {
	if err != nil {
		s.log.Warn("netflix: background run failed; the next run tries again", "job", job, "err", err.Error())
	}
	return nil
}

type netflixSweepWorker struct {
	river.WorkerDefaults[NetflixSweepArgs]
	svc *NetflixService
}

func (w *netflixSweepWorker) Work(ctx context.Context, _ *river.Job[NetflixSweepArgs]) error {
	woken, err := w.svc.SweepOperations(ctx)
	if err != nil {
		return w.svc.quiet("sweep", err)
	}
	n, err := w.svc.AttentionCount(ctx)
	if err == nil && n > 0 {
		w.svc.log.Warn("netflix: subscriptions need attention", "count", n, "woken", woken)
	}
	return w.svc.quiet("sweep", err)
}

type netflixReconcileWorker struct {
	river.WorkerDefaults[NetflixReconcileArgs]
	svc *NetflixService
}

func (w *netflixReconcileWorker) Work(ctx context.Context, _ *river.Job[NetflixReconcileArgs]) error {
	_, err := w.svc.Reconcile(ctx)
	return w.svc.quiet("reconcile", err)
}

type netflixChargesWorker struct {
	river.WorkerDefaults[NetflixChargesArgs]
	svc *NetflixService
}

func (w *netflixChargesWorker) Work(ctx context.Context, _ *river.Job[NetflixChargesArgs]) error {
	_, err := w.svc.PollCharges(ctx)
	return w.svc.quiet("charges", err)
}
