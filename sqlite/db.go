// Package sqlite is crmapi's embedded storage engine: one SQLite file in
// WAL mode with synchronous=FULL, one writer connection whose transactions
// begin IMMEDIATE, and a separate pool of readers.
//
// Times are stored as INTEGER microseconds since the Unix epoch (UTC) and
// money as INTEGER ten-thousandths, the same representation the postgres
// engine uses, so both engines agree by construction.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/crmapi/crmapi"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is the SQLite Store.
type DB struct {
	path      string
	writer    *sql.DB
	reader    *sql.DB
	committer *committer
	// checkpointer copies the WAL into the database file off the writer.
	checkpointer *checkpointer
	// writeStmts and readStmts cache prepared statements per pool.
	writeStmts, readStmts *stmtCache
}

var _ crmapi.Store = (*DB)(nil)

// Open opens (creating when missing) the database file at path and
// migrates it to the newest schema.
func Open(ctx context.Context, path string) (*DB, error) { return open(ctx, path, "FULL") }

// open is Open with the synchronous pragma given: FULL, so that a commit is
// on disk before it is acknowledged, except in tests of behaviour rather
// than durability, which may ask for OFF.
func open(ctx context.Context, path, synchronous string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: create data directory: %w", err)
		}
	}
	writer, err := sql.Open("sqlite", dsn(path, "immediate", synchronous, roleWriter))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	// One writer connection: SQLite has one writer anyway, and queueing in
	// Go is far cheaper than SQLITE_BUSY storms under busy_timeout.
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	db := &DB{path: path, writer: writer}
	if err := db.migrate(ctx); err != nil {
		writer.Close()
		return nil, err
	}
	reader, err := sql.Open("sqlite", dsn(path, "deferred", synchronous, roleReader))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	checkpoints, err := sql.Open("sqlite", dsn(path, "deferred", synchronous, roleCheckpointer))
	if err != nil {
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	checkpoints.SetMaxOpenConns(1)
	db.checkpointer = newCheckpointer(checkpoints)
	n := 2 * runtime.GOMAXPROCS(0)
	if n < 4 {
		n = 4
	}
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	db.reader = reader
	db.writeStmts, db.readStmts = newStmtCache(writer), newStmtCache(reader)
	db.committer = newCommitter(writer, db.writeStmts)
	return db, nil
}

// connRole says what a pool's connections are for; each gets its pragmas.
type connRole int

const (
	roleWriter connRole = iota
	roleReader
	roleCheckpointer
)

// dsn puts every pragma in the DSN so that each pooled connection has them.
//
// The writer keeps a 32 MiB page cache (the default 2 MiB made it re-read
// hot index pages from the WAL). Savepoint journals stay in SQLite's
// default place, in memory up to 64 KiB and then a temporary file: all in
// memory (temp_store=MEMORY) made no measurable difference to creates and
// slowed bulk loads (crmapid seed) five-fold. The writer's automatic
// checkpoint stays on: it keeps the WAL bounded under a write load that
// never pauses, and finds little left to copy when the checkpointer has
// kept up. Readers keep SQLite's default 2 MiB each: more raised the
// resident size without a measurable gain.
func dsn(path, txlock, synchronous string, role connRole) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+synchronous+")")
	q.Add("_pragma", "foreign_keys(ON)")
	switch role {
	case roleWriter:
		q.Add("_pragma", "cache_size(-32768)")
	case roleReader:
		q.Add("_pragma", "query_only(1)")
	}
	q.Set("_txlock", txlock)
	return "file:" + path + "?" + q.Encode()
}

// Engine returns "sqlite".
func (db *DB) Engine() string { return "sqlite" }

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	if db.committer != nil {
		db.committer.close()
	}
	if db.checkpointer != nil {
		db.checkpointer.close()
	}
	if db.writeStmts != nil {
		db.writeStmts.close()
		db.readStmts.close()
	}
	if db.reader != nil {
		errs = append(errs, db.reader.Close())
	}
	errs = append(errs, db.writer.Close())
	return errors.Join(errs...)
}

// Ping checks that a reader connection answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.reader.PingContext(ctx)
}

// Update runs fn atomically on the writer connection. Concurrent updates
// share IMMEDIATE transactions (group commit), each in its own savepoint;
// see committer.
func (db *DB) Update(ctx context.Context, fn func(crmapi.Tx) error) error {
	return db.committer.update(ctx, fn)
}

// View runs fn in a transaction on a reader connection.
func (db *DB) View(ctx context.Context, fn func(crmapi.Tx) error) error {
	return runTx(ctx, db.reader, db.readStmts, fn)
}

// Read runs fn's statements on reader connections outside a transaction,
// each in its own implicit one: it saves BEGIN and COMMIT, two statements
// (see crmapi.Store.Read for when that is right).
func (db *DB) Read(ctx context.Context, fn func(crmapi.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(&tx{ctx: ctx, pool: db.reader, stmts: db.readStmts})
}

// Trace makes f see every statement (and its arguments) that
// transactions run from now on; crmapid explain uses it to find the
// statements of the hot paths. Set it before serving, not during.
func (db *DB) Trace(f func(query string, args []any)) {
	db.writeStmts.trace, db.readStmts.trace = f, f
}

// Explain returns SQLite's query plan of a statement, one step a line.
func (db *DB) Explain(ctx context.Context, query string, args []any) (string, error) {
	rows, err := db.reader.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return "", err
		}
		out.WriteString(detail + "\n")
	}
	return out.String(), rows.Err()
}

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict ("ok").
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	var res string
	err := db.reader.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res)
	return res, err
}

func runTx(ctx context.Context, pool *sql.DB, stmts *stmtCache, fn func(crmapi.Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	// A background context for the transaction itself: with a cancellable
	// one database/sql watches it from a goroutine per transaction; the
	// statements check ctx instead (see tx).
	sqlTx, err := pool.BeginTx(context.Background(), nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(&tx{ctx: ctx, tx: sqlTx, stmts: stmts}); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// tx implements crmapi.Tx over one *sql.Tx.
//
// The caller's context is checked before each statement rather than handed
// to the driver: modernc's driver starts a goroutine and installs a progress
// handler for every statement run with a cancellable context, which cost
// more than most of crmapi's statements, all of them short and indexed. A
// cancelled request therefore stops at its next statement, and its
// transaction (or savepoint) is rolled back.
type tx struct {
	ctx context.Context
	// tx is the transaction; nil outside one (DB.Read), where statements
	// run on pool.
	tx    *sql.Tx
	pool  *sql.DB
	stmts *stmtCache
}

// runner is what runs an unprepared statement: the transaction or the pool.
type runner interface {
	Exec(query string, args ...any) (sql.Result, error)
	Query(query string, args ...any) (*sql.Rows, error)
	QueryRow(query string, args ...any) *sql.Row
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (t *tx) runner() runner {
	if t.tx == nil {
		return t.pool
	}
	return t.tx
}

// stmt returns query's cached statement, or nil to run query unprepared.
// In a transaction it is the transaction's own handle on it, which the
// caller closes (own); outside one it is the pool's, which stays open.
func (t *tx) stmt(query string) (st *sql.Stmt, own bool) {
	if t.stmts == nil {
		return nil, false
	}
	if st = t.stmts.get(query); st == nil || t.tx == nil {
		return st, false
	}
	return t.tx.Stmt(st), true
}

func (t *tx) traced(query string, args []any) {
	if t.stmts != nil && t.stmts.trace != nil {
		t.stmts.trace(query, args)
	}
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	if err := t.ctx.Err(); err != nil {
		return nil, err
	}
	t.traced(query, args)
	if st, own := t.stmt(query); st != nil {
		if own {
			defer st.Close()
		}
		return st.Exec(args...)
	}
	return t.runner().Exec(query, args...)
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	if err := t.ctx.Err(); err != nil {
		return nil, err
	}
	t.traced(query, args)
	if st, own := t.stmt(query); st != nil {
		// Closing the transaction's handle leaves open rows valid and the
		// statement prepared on the connection.
		if own {
			defer st.Close()
		}
		return st.Query(args...)
	}
	return t.runner().Query(query, args...)
}

func (t *tx) queryRow(query string, args ...any) *sql.Row {
	if err := t.ctx.Err(); err != nil {
		// database/sql offers no Row carrying an error; a query on a
		// context already done yields one.
		return t.runner().QueryRowContext(t.ctx, query, args...)
	}
	t.traced(query, args)
	if st, own := t.stmt(query); st != nil {
		if own {
			defer st.Close()
		}
		return st.QueryRow(args...)
	}
	return t.runner().QueryRow(query, args...)
}

// translate turns driver errors into coded errors by code, never by text.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return crmapi.NotFoundf(what, "no such %s", strings.ToLower(what))
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3lib.SQLITE_CONSTRAINT_UNIQUE, sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &crmapi.Error{Code: crmapi.Conflict, Message: what + " already exists", Detail: "a " + strings.ToLower(what) + " with the same unique key exists"}
		}
	}
	return fmt.Errorf("sqlite: %s: %w", strings.ToLower(what), err)
}

// Writer returns the single writer connection pool, for the job queue that
// shares the database: sharing it keeps SQLite's one writer queued in Go.
func (db *DB) Writer() *sql.DB { return db.writer }
