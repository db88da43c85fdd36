package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// view is how a command's answer is shown as text.
type view struct {
	Columns       []string
	Nested        string
	NestedColumns []string
	// Empty is printed for an empty list instead of "(none)".
	Empty string
}

// column is one column (or line) of a table: "path", or "header=path",
// where path is dotted into nested objects (and arrays, by index: prices_set.0.amount) and may list alternatives
// separated by "|", of which the first that is not null is shown
// ("target=service.code|service_type.name").
type column struct {
	header string
	paths  [][]string
}

func parseColumns(specs []string) []column {
	out := make([]column, 0, len(specs))
	for _, spec := range specs {
		header, paths, ok := strings.Cut(spec, "=")
		if !ok {
			header, paths = spec, spec
		}
		c := column{header: header}
		for _, p := range strings.Split(paths, "|") {
			c.paths = append(c.paths, strings.Split(p, "."))
		}
		out = append(out, c)
	}
	return out
}

// of returns the column's value in v.
func (c column) of(v any) any {
	for _, path := range c.paths {
		x := v
		for _, k := range path {
			switch y := x.(type) {
			case map[string]any:
				x = y[k]
			case []any:
				i, err := strconv.Atoi(k)
				if err != nil || i < 0 || i >= len(y) {
					x = nil
				} else {
					x = y[i]
				}
			default:
				x = nil
			}
		}
		if x != nil {
			return x
		}
	}
	return nil
}

// printTable shows data readably: an array of objects as rows, an object
// as key/value lines, {} as "ok". Nested values are shown as compact JSON.
// A page (an object with one "…_set" array, as lists that page answer)
// shows the array as rows and its other keys below them. v chooses the
// columns and lines (every key when it names none).
func printTable(w io.Writer, data json.RawMessage, v view) error {
	var x any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&x); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	defer tw.Flush()
	if rows, rest, ok := pageOf(x); ok && v.Nested == "" {
		printRows(tw, rows, v.Columns, v.Empty)
		for _, k := range keysOf(rest) {
			fmt.Fprintf(tw, "%s:\t%s\n", k, cell(rest[k]))
		}
		return nil
	}
	switch x := x.(type) {
	case []any:
		printRows(tw, x, v.Columns, v.Empty)
	case map[string]any:
		if len(x) == 0 {
			fmt.Fprintln(tw, "ok")
			return nil
		}
		cols := parseColumns(v.Columns)
		if len(cols) == 0 {
			cols = parseColumns(keysOf(x))
		}
		for _, c := range cols {
			fmt.Fprintf(tw, "%s\t%s\n", c.header, cell(c.of(x)))
		}
		if v.Nested != "" {
			rows, _ := x[v.Nested].([]any)
			fmt.Fprintf(tw, "\n%s:\n", v.Nested)
			printRows(tw, rows, v.NestedColumns, "")
		}
	default:
		fmt.Fprintln(tw, cell(x))
	}
	return nil
}

// printRows writes an array of objects as a table; empty (or "(none)")
// when there are no rows.
func printRows(w io.Writer, rows []any, columns []string, empty string) {
	if len(rows) == 0 {
		if empty == "" {
			empty = "(none)"
		}
		fmt.Fprintln(w, empty)
		return
	}
	if len(columns) == 0 {
		columns = keysOf(rows[0])
	}
	cols := parseColumns(columns)
	headers := make([]string, len(cols))
	for i, c := range cols {
		headers[i] = strings.ToUpper(c.header)
	}
	fmt.Fprintln(w, strings.Join(headers, "\t"))
	for _, row := range rows {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = cell(c.of(row))
		}
		fmt.Fprintln(w, strings.Join(cells, "\t"))
	}
}

// pageOf splits an object holding exactly one "…_set" array into that
// array and the object's other keys.
func pageOf(v any) ([]any, map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nil, false
	}
	var rows []any
	rest := map[string]any{}
	found := 0
	for k, val := range m {
		if arr, isArr := val.([]any); isArr && strings.HasSuffix(k, "_set") {
			rows = arr
			found++
			continue
		}
		rest[k] = val
	}
	return rows, rest, found == 1
}

func keysOf(v any) []string {
	m, _ := v.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return fmt.Sprint(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
