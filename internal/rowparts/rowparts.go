// Package rowparts lets the scan functions of several tables read one row
// of a statement that joins them: the row is read once into its driver
// values, and each scan function takes the next of them in turn. Joined
// reads answer in one statement what would otherwise take one per table.
package rowparts

import (
	"database/sql"
	"fmt"
	"reflect"
)

// Row is one read row, handed out to scan functions column by column.
type Row struct {
	vals []any
	ptrs []any
	pos  int
}

// New makes a Row of n columns; pass Dest() to the driver's Scan.
func New(n int) *Row {
	r := &Row{vals: make([]any, n), ptrs: make([]any, n)}
	for i := range r.vals {
		r.ptrs[i] = &r.vals[i]
	}
	return r
}

// Dest is what the driver's Scan fills, and rewinds the row.
func (r *Row) Dest() []any {
	r.pos = 0
	return r.ptrs
}

// NextIsNull tells whether the next column is NULL, as every column of a
// LEFT JOIN's missing side is.
func (r *Row) NextIsNull() bool { return r.pos < len(r.vals) && r.vals[r.pos] == nil }

// Skip passes over n columns.
func (r *Row) Skip(n int) { r.pos += n }

// Scan assigns the next len(dest) columns; it is a scanner for the
// engines' scan functions. NULL becomes the zero value, or nil for
// pointer and sql.Null destinations.
func (r *Row) Scan(dest ...any) error {
	if r.pos+len(dest) > len(r.vals) {
		return fmt.Errorf("rowparts: %d columns asked for, %d left", len(dest), len(r.vals)-r.pos)
	}
	for _, d := range dest {
		if err := assign(d, r.vals[r.pos]); err != nil {
			return fmt.Errorf("rowparts: column %d: %w", r.pos, err)
		}
		r.pos++
	}
	return nil
}

func assign(dest, v any) error {
	switch d := dest.(type) {
	case *string:
		switch x := v.(type) {
		case string:
			*d = x
		case []byte:
			*d = string(x)
		case nil:
			*d = ""
		default:
			return fmt.Errorf("%T into string", v)
		}
	case *int64:
		n, err := integer(v)
		*d = n
		return err
	case *int:
		n, err := integer(v)
		*d = int(n)
		return err
	case *bool:
		switch x := v.(type) {
		case bool:
			*d = x
		default:
			n, err := integer(v)
			*d = n != 0
			return err
		}
	case *sql.NullString:
		if v == nil {
			*d = sql.NullString{}
			return nil
		}
		var str string
		err := assign(&str, v)
		*d = sql.NullString{String: str, Valid: true}
		return err
	case **string:
		if v == nil {
			*d = nil
			return nil
		}
		var str string
		err := assign(&str, v)
		*d = &str
		return err
	case *sql.NullInt64:
		if v == nil {
			*d = sql.NullInt64{}
			return nil
		}
		n, err := integer(v)
		*d = sql.NullInt64{Int64: n, Valid: true}
		return err
	case **int64:
		if v == nil {
			*d = nil
			return nil
		}
		n, err := integer(v)
		*d = &n
		return err
	default:
		return assignNamed(dest, v)
	}
	return nil
}

// assignNamed assigns to a pointer to a named string, integer or bool
// type (a life cycle state, a kind).
func assignNamed(dest, v any) error {
	rv := reflect.ValueOf(dest)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("unsupported destination %T", dest)
	}
	e := rv.Elem()
	switch e.Kind() {
	case reflect.String:
		var s string
		if err := assign(&s, v); err != nil {
			return err
		}
		e.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := integer(v)
		if err != nil {
			return err
		}
		e.SetInt(n)
	case reflect.Bool:
		var b bool
		if err := assign(&b, v); err != nil {
			return err
		}
		e.SetBool(b)
	default:
		return fmt.Errorf("unsupported destination %T", dest)
	}
	return nil
}

func integer(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case nil:
		return 0, nil
	}
	return 0, fmt.Errorf("%T into integer", v)
}
