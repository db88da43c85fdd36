package jobs_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/jobs"
	"github.com/crmapi/crmapi/sqlite"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
)

// rescueArgs is a job kind of the test's own.
type rescueArgs struct {
	Note string `json:"note"`
}

func (rescueArgs) Kind() string { return "test_rescue" }

// hangWorker claims a job, says so on stdout, and never finishes: the
// process is killed while it holds the job.
type hangWorker struct {
	river.WorkerDefaults[rescueArgs]
}

func (hangWorker) Work(ctx context.Context, j *river.Job[rescueArgs]) error {
	fmt.Printf("claimed %d attempt %d\n", j.ID, j.Attempt)
	os.Stdout.Sync()
	select {}
}

// doneWorker completes a job and counts its runs.
type doneWorker struct {
	river.WorkerDefaults[rescueArgs]
	runs, attempt *atomic.Int64
}

func (w doneWorker) Work(ctx context.Context, j *river.Job[rescueArgs]) error {
	w.runs.Add(1)
	w.attempt.Store(int64(j.Attempt))
	return nil
}

// rescueAfter is the RescueAfter of the process that takes over.
const rescueAfter = 2 * time.Second

const (
	helperEnv   = "CRMAPI_RESCUE_HELPER"
	sqliteEnv   = "CRMAPI_RESCUE_SQLITE"
	postgresEnv = "CRMAPI_RESCUE_POSTGRES"
	leaderEnv   = "CRMAPI_RESCUE_LEADER"
)

// TestRescueHelper is the process that claims the job and is killed. It
// runs only when TestKilledWorkersJobIsRescued starts it.
func TestRescueHelper(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("started by TestKilledWorkersJobIsRescued only")
	}
	ctx := context.Background()
	store := openFromEnv(t)
	workers := river.NewWorkers()
	river.AddWorker(workers, hangWorker{})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv(leaderEnv) != "" {
		// A crmapid queue: the first client on the database leads it.
		q, err := jobs.Open(ctx, store, jobs.Config{Workers: workers, PollInterval: 50 * time.Millisecond, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		select {}
	}
	// A process that works jobs but does not lead, as a second crmapid
	// of an installation may be.
	cfg := &river.Config{Workers: workers, LeaderElectionDisabled: true, FetchPollInterval: 50 * time.Millisecond,
		FetchCooldown: 10 * time.Millisecond, Logger: quiet,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}}}
	var start func(context.Context) error
	switch s := store.(type) {
	case interface{ Writer() *sql.DB }:
		c, err := river.NewClient(riversqlite.New(s.Writer()), cfg)
		if err != nil {
			t.Fatal(err)
		}
		start = c.Start
	case interface{ Pool() *pgxpool.Pool }:
		c, err := river.NewClient(riverpgxv5.New(s.Pool()), cfg)
		if err != nil {
			t.Fatal(err)
		}
		start = c.Start
	}
	if err := start(ctx); err != nil {
		t.Fatal(err)
	}
	select {}
}

func openFromEnv(t *testing.T) crmapi.Store {
	if p := os.Getenv(sqliteEnv); p != "" {
		db, err := sqlite.Open(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	return testdb.OpenPostgres(t, os.Getenv(postgresEnv))
}

// D3: a job claimed by a process that is then killed (kill -9, holding the
// job "running") is picked up by the next process once its RescueAfter
// has passed, and completes exactly once. By default the killed process
// is a worker that does not lead the queue; with CRMAPI_LONG=1 it is the
// leader too, and the next process first waits out its leadership
// (about 15 s, River's leader TTL).
func TestKilledWorkersJobIsRescued(t *testing.T) {
	leader := os.Getenv("CRMAPI_LONG") != ""
	// Both engines at once: each mostly waits for River's timers.
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "crmapi.db")
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		rescue(t, db, sqliteEnv+"="+path, leader)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := testdb.FreshPostgresURL(t)
		rescue(t, testdb.OpenPostgres(t, url), postgresEnv+"="+url, leader)
	})
}

func rescue(t *testing.T, store crmapi.Store, dbEnv string, leader bool) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ins, err := jobs.Open(ctx, store, jobs.Config{InsertOnly: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	id, err := ins.InsertJob(ctx, rescueArgs{Note: "survive a crash"}, nil)
	if err != nil {
		t.Fatal(err)
	}

	// The first process claims the job and is killed holding it.
	cmd := exec.Command(os.Args[0], "-test.run=^TestRescueHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1", dbEnv)
	if leader {
		cmd.Env = append(cmd.Env, leaderEnv+"=1")
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	claimed := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "claimed ") {
				claimed <- sc.Text()
			}
		}
		close(claimed)
	}()
	select {
	case line, ok := <-claimed:
		if !ok || line != fmt.Sprintf("claimed %d attempt 1", id) {
			cmd.Process.Kill()
			t.Fatalf("helper process: %q", line)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the helper process did not claim the job within 60 s")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	killed := time.Now()
	j, err := ins.Job(ctx, id)
	if err != nil || j.State != rivertype.JobStateRunning || j.AttemptedAt == nil {
		t.Fatalf("after the kill the job is %v (%v), want running", j, err)
	}
	// Start the next process once the job is stuck by definition (claimed
	// longer than RescueAfter ago): River's rescuer runs when its process
	// starts and then only every 30 s, and a first run that comes too
	// early would leave the test waiting for the second.
	time.Sleep(time.Until(j.AttemptedAt.Add(rescueAfter + 100*time.Millisecond)))

	// The next process rescues it.
	var runs, attempt atomic.Int64
	workers := river.NewWorkers()
	river.AddWorker(workers, doneWorker{runs: &runs, attempt: &attempt})
	q, err := jobs.Open(ctx, store, jobs.Config{Workers: workers, RescueAfter: rescueAfter, JobTimeout: time.Second,
		PollInterval: 50 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(ctx)
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if j, err = q.Job(ctx, id); err != nil {
			t.Fatal(err)
		}
		if j.State == rivertype.JobStateCompleted {
			break
		}
	}
	if j.State != rivertype.JobStateCompleted {
		t.Fatalf("90 s after the kill the job is %s, want completed; runs %d", j.State, runs.Load())
	}
	if runs.Load() != 1 || attempt.Load() != 2 || len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Error, "rescued") {
		t.Fatalf("runs %d (want 1), attempt %d (want 2), errors %+v", runs.Load(), attempt.Load(), j.Errors)
	}
	t.Logf("killed holding the job (leader: %v); rescued and completed once %s later (RescueAfter 2 s)",
		leader, time.Since(killed).Round(100*time.Millisecond))
}
