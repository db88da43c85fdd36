// Package jobs is crmapi's durable background work: a River job queue kept
// in the same database as the data (SQLite or PostgreSQL), so that work
// survives restarts and crashes, is retried with backoff, and runs once
// across several crmapid processes (periodic work runs on the elected
// leader only).
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/crmapi/crmapi"
)

// Config is how the queue runs.
type Config struct {
	// Workers are the job kinds this process works.
	Workers *river.Workers
	// Periodic are jobs inserted on a schedule by the leader.
	Periodic []*river.PeriodicJob
	// MaxWorkers bounds concurrent jobs in this process (default 8).
	MaxWorkers int
	// JobTimeout bounds one job's run (default 1 minute).
	JobTimeout time.Duration
	// RescueAfter is when a job claimed by a dead process is run again (default 5 minutes).
	RescueAfter time.Duration
	// PollInterval is how often idle workers look for new jobs (default 1 s).
	PollInterval time.Duration
	Logger       *slog.Logger
	// InsertOnly makes a queue that inserts jobs but works none (management commands, tests).
	InsertOnly bool
}

// client is what crmapi needs of a River client, whatever its driver.
type client interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobGet(ctx context.Context, id int64) (*rivertype.JobRow, error)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// Queue is the durable job queue.
type Queue struct {
	c        client
	insertOn bool
}

// sqliteStore and pgStore are what the engines expose for the queue.
type sqliteStore interface{ Writer() *sql.DB }
type pgStore interface{ Pool() *pgxpool.Pool }

// Open migrates River's tables in the store's database and builds a queue.
func Open(ctx context.Context, store crmapi.Store, cfg Config) (*Queue, error) {
	rc := riverConfig(cfg)
	switch s := store.(type) {
	case sqliteStore:
		drv := riversqlite.New(s.Writer())
		if err := migrate(ctx, drv); err != nil {
			return nil, err
		}
		c, err := river.NewClient(drv, rc)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		return &Queue{c: c, insertOn: cfg.InsertOnly}, nil
	case pgStore:
		drv := riverpgxv5.New(s.Pool())
		if err := migrate(ctx, drv); err != nil {
			return nil, err
		}
		c, err := river.NewClient(drv, rc)
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
		return &Queue{c: c, insertOn: cfg.InsertOnly}, nil
	}
	return nil, fmt.Errorf("jobs: engine %s has no job queue driver", store.Engine())
}

func migrate[TTx any](ctx context.Context, drv riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(drv, nil)
	if err != nil {
		return fmt.Errorf("jobs: migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

func riverConfig(cfg Config) *river.Config {
	if cfg.MaxWorkers <= 0 {
		cfg.MaxWorkers = 8
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = time.Minute
	}
	if cfg.RescueAfter <= 0 {
		cfg.RescueAfter = 5 * time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	rc := &river.Config{
		Logger:               cfg.Logger,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        cfg.PollInterval / 10,
		PeriodicJobs:         cfg.Periodic,
		Workers:              cfg.Workers,
		// Completed jobs are kept a day for inspection; discarded ones a week.
		CompletedJobRetentionPeriod: 24 * time.Hour,
	}
	if !cfg.InsertOnly {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
	}
	return rc
}

// Insert adds a job. It is not part of any data transaction: callers
// store their intent first (an outbox row), then insert the job, and a
// periodic sweep re-inserts jobs for intents whose insert was lost.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := q.c.Insert(ctx, args, opts)
	return err
}

// InsertJob is Insert returning the job's id, for callers that follow it.
func (q *Queue) InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	res, err := q.c.Insert(ctx, args, opts)
	if err != nil {
		return 0, err
	}
	return res.Job.ID, nil
}

// Job returns a job's row: its state, attempts and errors. Operators'
// checks and the crash tests use it to see that no job stays running.
func (q *Queue) Job(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return q.c.JobGet(ctx, id)
}

// Start starts working jobs (and, on the leader, periodic scheduling).
func (q *Queue) Start(ctx context.Context) error {
	if q.insertOn {
		return errors.New("jobs: an insert-only queue works no jobs")
	}
	return q.c.Start(ctx)
}

// Stop waits for running jobs to finish (until ctx ends) and stops.
func (q *Queue) Stop(ctx context.Context) error {
	if q.insertOn {
		return nil
	}
	return q.c.Stop(ctx)
}
