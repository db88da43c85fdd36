package postgres

import (
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// micros stores a time as BIGINT microseconds since the epoch (UTC).
func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

// nullMicros stores an optional time; nil becomes NULL.
func nullMicros(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.UTC().UnixMicro()
	return &v
}

// fromMicros reads a stored time back in UTC.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// fromNullMicros reads an optional stored time.
func fromNullMicros(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := fromMicros(*v)
	return &t
}

// scanner is what pgx.Row and pgx.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// collect scans every row with scan and closes rows.
func collect[T any](rows pgx.Rows, scan func(scanner) (T, error), what string) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, translate(err, what)
		}
		out = append(out, v)
	}
	return out, translate(rows.Err(), what)
}

// mustAffect turns "no row changed" into NOT_FOUND.
func mustAffect(tag pgconn.CommandTag, what string) error {
	if tag.RowsAffected() == 0 {
		return translate(pgx.ErrNoRows, what)
	}
	return nil
}

// insert runs an INSERT with ON CONFLICT DO NOTHING and reports a skipped
// row as CONFLICT. A unique violation would abort the whole transaction; a
// skipped row does not, so a service can go on after a conflict just as it
// can on SQLite, where only the failing statement is undone.
func (t *tx) insert(what, query string, args ...any) error {
	tag, err := t.exec(query+` ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return translate(err, what)
	}
	if tag.RowsAffected() == 0 {
		return conflict(what)
	}
	return nil
}

// errOr is err, or pgx.ErrNoRows (NOT_FOUND once translated) when nil.
func errOr(err error) error {
	if err == nil {
		return pgx.ErrNoRows
	}
	return err
}

// scanString scans a one-column row of text.
func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}
