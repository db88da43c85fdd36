package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/crmapi/crmapi/postgres"
	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the database/sql driver, to read the SQLite file the servers write
)

// benchChecks is what bench verifies after the workloads: nothing the load
// did is doubled or lost, and (with several processes) background work
// ran on one of them at a time.
type benchChecks struct {
	Accounts       int `json:"accounts"`
	Unbalanced     int `json:"unbalanced_accounts"`
	OverAuthorised int `json:"over_authorised_accounts"`
	// AckedCharges are charges whose acknowledgement the benchmark made;
	// AckReferences the references claimed for them: one each.
	AckedCharges  int `json:"bench_acknowledged_charges"`
	AckReferences int `json:"bench_acknowledgement_references"`
	// Jobs counts the job queue's finished jobs by kind, and Leader names
	// the process that leads it (PostgreSQL).
	Jobs   map[string]int `json:"jobs,omitempty"`
	Leader string         `json:"job_queue_leader,omitempty"`
	Error  string         `json:"error,omitempty"`
}

// runChecks checks the books through the API and counts, in the database,
// acknowledgements and background jobs.
func runChecks(ctx context.Context, env *benchEnv, bc benchConfig, dir string) benchChecks {
	var ch benchChecks
	// Requests the load client gave up on at the end of a run may still be
	// committing in the servers.
	time.Sleep(2 * time.Second)
	var books []struct {
		Balanced        bool `json:"balanced"`
		WithinAllowance bool `json:"within_funding_and_credit"`
	}
	if err := env.client.Call(ctx, "accounts_receivable/books/check", map[string]any{}, &books); err != nil {
		ch.Error = "books: " + err.Error()
		return ch
	}
	ch.Accounts = len(books)
	for _, b := range books {
		if !b.Balanced {
			ch.Unbalanced++
		}
		if !b.WithinAllowance {
			ch.OverAuthorised++
		}
	}
	if bc.Target != "" {
		return ch
	}
	// One statement, so both counts come from one snapshot.
	const acks = `SELECT (SELECT count(*) FROM netflix_charges WHERE processed_ack_ref LIKE 'BENCH-%'),
		(SELECT count(*) FROM netflix_references WHERE reference LIKE 'BENCH-%')`
	if strings.HasPrefix(bc.Database, "postgres") {
		dbURL, _, err := postgres.SplitURL(bc.Database)
		var conn *pgx.Conn
		if err == nil {
			conn, err = pgx.Connect(ctx, dbURL)
		}
		if err != nil {
			ch.Error = err.Error()
			return ch
		}
		defer conn.Close(ctx)
		conn.QueryRow(ctx, acks).Scan(&ch.AckedCharges, &ch.AckReferences)
		ch.Jobs = map[string]int{}
		rows, err := conn.Query(ctx, `SELECT kind, count(*) FROM river_job WHERE state = 'completed' GROUP BY kind`)
		if err == nil {
			for rows.Next() {
				var kind string
				var n int
				if rows.Scan(&kind, &n) == nil {
					ch.Jobs[kind] = n
				}
			}
			rows.Close()
		}
		conn.QueryRow(ctx, `SELECT leader_id FROM river_leader LIMIT 1`).Scan(&ch.Leader)
		return ch
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "crmapi.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		ch.Error = err.Error()
		return ch
	}
	defer db.Close()
	db.QueryRowContext(ctx, acks).Scan(&ch.AckedCharges, &ch.AckReferences)
	return ch
}

func (ch benchChecks) print(w io.Writer, elapsed time.Duration) {
	if ch.Error != "" {
		fmt.Fprintf(w, "\nchecks: %s\n", ch.Error)
		return
	}
	fmt.Fprintf(w, "\nchecks: %d accounts, %d unbalanced, %d over-authorised; %d charges acknowledged by the benchmark, %d references claimed for them\n",
		ch.Accounts, ch.Unbalanced, ch.OverAuthorised, ch.AckedCharges, ch.AckReferences)
	if len(ch.Jobs) > 0 {
		var kinds []string
		for k, n := range ch.Jobs {
			kinds = append(kinds, fmt.Sprintf("%s:%d", k, n))
		}
		sort.Strings(kinds)
		fmt.Fprintf(w, "jobs completed in %s (periodic ones run by the leader only, %q): %s\n", elapsed.Round(time.Second), ch.Leader, strings.Join(kinds, " "))
	}
}
