package sqlite

import (
	"database/sql"
	"time"
)

// micros stores a time as INTEGER microseconds since the epoch (UTC).
func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

// nullMicros stores an optional time.
func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().UnixMicro()
}

// fromMicros reads a stored time back in UTC.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// fromNullMicros reads an optional stored time.
func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// boolInt stores a bool as 0 or 1.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type scanner interface {
	Scan(dest ...any) error
}

// errOr is err, or sql.ErrNoRows (NOT_FOUND once translated) when nil.
func errOr(err error) error {
	if err == nil {
		return sql.ErrNoRows
	}
	return err
}

// scanString scans a one-column row of text.
func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}
