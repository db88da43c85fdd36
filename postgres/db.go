// Package postgres is crmapi's PostgreSQL storage engine, on a pgx
// connection pool whose every connection has synchronous_commit=on, so a
// commit is durable before the server answers.
//
// Times are stored as BIGINT microseconds since the Unix epoch (UTC) and
// money as BIGINT ten-thousandths, the same representation the sqlite
// engine uses, so both engines agree by construction. Every TEXT column is
// COLLATE "C", so comparison and order are bytewise as in SQLite, whatever
// the database's locale.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"math/rand/v2"
	neturl "net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/groupcommit"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is the PostgreSQL Store.
type DB struct {
	pool *pgxpool.Pool
	// numbers is a small pool for AllocateNumber's own transactions; a
	// separate pool, so that a caller holding a connection of pool never
	// waits for another from it.
	numbers *pgxpool.Pool
	// trace, when set, sees every statement transactions run (crmapid explain).
	trace func(query string, args []any)
	// committer batches Updates into shared transactions; nil when the
	// URL asks for write_lanes=0 (one transaction per Update).
	committer *committer
}

// Trace makes f see every statement (and its arguments) that transactions
// run from now on; crmapid explain uses it to find the statements of the
// hot paths. Set it before serving, not during.
func (db *DB) Trace(f func(query string, args []any)) { db.trace = f }

// Explain returns PostgreSQL's plan of a statement with sequential scans
// disabled: a Seq Scan that remains means no index can serve the query,
// whatever the table's size (on a small table the planner would prefer a
// Seq Scan anyway). The statement runs inside a transaction rolled back.
func (db *DB) Explain(ctx context.Context, query string, args []any) (string, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		return "", err
	}
	rows, err := tx.Query(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		out.WriteString(line + "\n")
	}
	return out.String(), rows.Err()
}

var _ crmapi.Store = (*DB)(nil)

// Open connects to the database at url (postgres://… or key=value form,
// where pgxpool's settings such as pool_max_conns may be given too) and
// migrates it to the newest schema. Several processes may open one
// database at once: migrations run under an advisory lock.
func Open(ctx context.Context, url string) (*DB, error) {
	url, lanes, err := SplitURL(url)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	// Sent in the startup message, so it holds on every pooled connection
	// whatever the server, database or role default says, at no extra round trip.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "crmapid"
	}
	if err := migrate(ctx, cfg.ConnConfig); err != nil {
		return nil, err
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgxpool's default (the number of CPUs, at least 4) queues
		// concurrent requests in Go while the server has idle backends
		// and its group commit has too few commits to share a flush.
		cfg.MaxConns = defaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open pool: %w", err)
	}
	ncfg := cfg.Copy()
	ncfg.MaxConns = 4
	ncfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	ncfg.ConnConfig.RuntimeParams["application_name"] = cfg.ConnConfig.RuntimeParams["application_name"] + " numbers"
	numbers, err := pgxpool.NewWithConfig(ctx, ncfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open numbers pool: %w", err)
	}
	db := &DB{pool: pool, numbers: numbers}
	if lanes > 0 {
		db.committer = newCommitter(db, lanes)
	}
	return db, nil
}

// Engine returns "postgres".
func (db *DB) Engine() string { return "postgres" }

// Close closes the pool, waiting for connections in use to be returned.
func (db *DB) Close() error {
	if db.committer != nil {
		db.committer.queue.Close()
	}
	db.pool.Close()
	if db.numbers != nil {
		db.numbers.Close()
	}
	return nil
}

// Ping checks that a pooled connection answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// defaultMaxConns is the pool size when the URL gives no pool_max_conns:
// enough for 64 concurrent requests to keep PostgreSQL's group commit busy
// (pgbench peaks near 16 clients on two cores), few enough for three
// processes on one server's default max_connections of 100.
const defaultMaxConns = 16

// maxAttempts bounds how often Update runs fn when PostgreSQL asks for a
// retry; contention that outlasts this is reported, not hidden.
const maxAttempts = 5

// Update runs fn in a read-committed write transaction and commits when fn
// returns nil: with write lanes (the default), in a savepoint of a
// transaction it may share with concurrent Updates (see committer),
// otherwise in a transaction of its own. It runs fn again, after a short
// jittered pause, when PostgreSQL reports a serialization failure or a
// deadlock (or, in a shared transaction, a lock wait too long for it), as
// crmapi.Store allows.
func (db *DB) Update(ctx context.Context, fn func(crmapi.Tx) error) error {
	for attempt := 1; ; {
		res := db.write(ctx, fn)
		if !res.Retry {
			return res.Err
		}
		if res.Cut {
			// Sent back from its batch before it ran: no attempt spent.
			continue
		}
		if attempt == maxAttempts {
			return res.Err
		}
		if err := pause(ctx, attempt); err != nil {
			return err
		}
		attempt++
	}
}

// write runs fn once: in a write lane's shared transaction, or in a
// transaction of its own when there are no lanes.
func (db *DB) write(ctx context.Context, fn func(crmapi.Tx) error) groupcommit.Result {
	if db.committer != nil {
		return db.committer.queue.Submit(ctx, fn)
	}
	err := db.runTx(ctx, pgx.TxOptions{}, fn)
	return groupcommit.Result{Err: err, Retry: err != nil && retryable(err)}
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(crmapi.Tx) error) error {
	return db.runTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, fn)
}

// Read runs fn's statements outside a transaction, each on a pooled
// connection in its own implicit one: it saves the BEGIN and COMMIT round
// trips (see crmapi.Store.Read for when that is right).
func (db *DB) Read(ctx context.Context, fn func(crmapi.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(&tx{ctx: ctx, tx: db.pool, db: db})
}

func (db *DB) runTx(ctx context.Context, opts pgx.TxOptions, fn func(crmapi.Tx) error) (err error) {
	pgTx, err := db.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = pgTx.Rollback(ctx)
			panic(p)
		}
		if err != nil {
			_ = pgTx.Rollback(ctx)
		}
	}()
	if err = fn(&tx{ctx: ctx, tx: pgTx, db: db, write: opts.AccessMode != pgx.ReadOnly}); err != nil {
		return err
	}
	if err = pgTx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// retryable tells whether PostgreSQL asked for the transaction to be run again.
func retryable(err error) bool {
	switch sqlState(err) {
	case serializationFailure, deadlockDetected:
		return true
	}
	return false
}

// pause waits before attempt+1: full jitter over an exponential ceiling, so
// transactions that collided do not collide again in lockstep.
func pause(ctx context.Context, attempt int) error {
	ceiling := 5 * time.Millisecond << (attempt - 1)
	t := time.NewTimer(rand.N(ceiling) + time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("postgres: retry: %w", ctx.Err())
	}
}

// tx implements crmapi.Tx over one pgx.Tx.
type tx struct {
	ctx context.Context
	// tx is the transaction, or the pool outside one (DB.Read).
	tx querier
	db *DB
	// caller, when set, is the context of the request whose statements
	// run under ctx in a shared transaction: checked before each
	// statement, it ends the request without touching the connection.
	caller context.Context
	// write tells a read-write transaction, whose reads of rows it may
	// change lock them (see forUpdate).
	write bool
}

// querier runs statements: a pgx.Tx or the pool.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// forUpdate is the locking clause for a read whose row the transaction
// may then write: at read committed, without it a concurrent transaction
// could change the row between the read and the write, and the write
// would undo that change. Read-only transactions take no locks.
func (t *tx) forUpdate() string {
	if t.write {
		return " FOR UPDATE"
	}
	return ""
}

func (t *tx) traced(query string, args []any) {
	if t.db != nil && t.db.trace != nil {
		t.db.trace(query, args)
	}
}

func (t *tx) exec(query string, args ...any) (pgconn.CommandTag, error) {
	t.traced(query, args)
	if err := t.callerGone(); err != nil {
		return pgconn.CommandTag{}, err
	}
	return t.tx.Exec(t.ctx, query, args...)
}

func (t *tx) query(query string, args ...any) (pgx.Rows, error) {
	t.traced(query, args)
	if err := t.callerGone(); err != nil {
		return nil, err
	}
	return t.tx.Query(t.ctx, query, args...)
}

func (t *tx) queryRow(query string, args ...any) pgx.Row {
	t.traced(query, args)
	if err := t.callerGone(); err != nil {
		return errRow{err}
	}
	return t.tx.QueryRow(t.ctx, query, args...)
}

// callerGone is the caller's context's error, when the request runs in a
// shared transaction and its caller has given up.
func (t *tx) callerGone() error {
	if t.caller == nil {
		return nil
	}
	return t.caller.Err()
}

// errRow is a row whose Scan reports err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// SQLSTATE codes the engine acts on.
const (
	uniqueViolation      = "23505"
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
	lockNotAvailable     = "55P03"
)

// sqlState returns the SQLSTATE of a server error in err's chain, or "".
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// translate turns driver errors into coded errors by code, never by text.
// Other errors keep their chain, so Update still sees a retryable SQLSTATE.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return crmapi.NotFoundf(what, "no such %s", strings.ToLower(what))
	}
	if sqlState(err) == uniqueViolation {
		return conflict(what)
	}
	return fmt.Errorf("postgres: %s: %w", strings.ToLower(what), err)
}

// conflict is the CONFLICT error for a taken unique key, worded as sqlite's.
func conflict(what string) error {
	return &crmapi.Error{Code: crmapi.Conflict, Message: what + " already exists",
		Detail: "a " + strings.ToLower(what) + " with the same unique key exists"}
}

// Pool returns the connection pool, for the job queue that shares the database.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// defaultWriteLanes is how many batches of Updates run at once when the
// URL gives no write_lanes (docs/architecture.md, "Group commit").
const defaultWriteLanes = 1

// SplitURL separates crmapi's own setting write_lanes from a database URL
// (postgres://…?write_lanes=N) or key=value string, which pgx would
// otherwise send to the server as a run-time parameter: it returns the
// URL as pgx takes it and the number of write lanes.
func SplitURL(dsn string) (string, int, error) {
	lanes := defaultWriteLanes
	parse := func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 64 {
			return fmt.Errorf("postgres: write_lanes %q: want a whole number from 0 to 64", v)
		}
		lanes = n
		return nil
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := neturl.Parse(dsn)
		if err != nil {
			return "", 0, fmt.Errorf("postgres: parse url: %w", err)
		}
		q := u.Query()
		if !q.Has("write_lanes") {
			return dsn, lanes, nil
		}
		if err := parse(q.Get("write_lanes")); err != nil {
			return "", 0, err
		}
		q.Del("write_lanes")
		u.RawQuery = q.Encode()
		return u.String(), lanes, nil
	}
	fields := strings.Fields(dsn)
	kept := fields[:0]
	for _, f := range fields {
		if v, ok := strings.CutPrefix(f, "write_lanes="); ok {
			if err := parse(v); err != nil {
				return "", 0, err
			}
			continue
		}
		kept = append(kept, f)
	}
	return strings.Join(kept, " "), lanes, nil
}
