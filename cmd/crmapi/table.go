package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// printTable shows data readably: an array of objects as rows, an object
// as key/value lines, {} as "ok". Nested values are shown as compact JSON.
// A page (an object with one "…_set" array, as lists that page answer)
// shows the array as rows and its other keys below them.
func printTable(w io.Writer, data json.RawMessage, columns []string) error {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	defer tw.Flush()
	if rows, rest, ok := pageOf(v); ok {
		printRows(tw, rows, columns)
		for _, k := range keysOf(rest) {
			fmt.Fprintf(tw, "%s:\t%s\n", k, cell(rest[k]))
		}
		return nil
	}
	switch x := v.(type) {
	case []any:
		printRows(tw, x, columns)
	case map[string]any:
		if len(x) == 0 {
			fmt.Fprintln(tw, "ok")
			return nil
		}
		for _, k := range keysOf(x) {
			fmt.Fprintf(tw, "%s\t%s\n", k, cell(x[k]))
		}
	default:
		fmt.Fprintln(tw, cell(x))
	}
	return nil
}

// printRows writes an array of objects as a table.
func printRows(w io.Writer, rows []any, columns []string) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "(none)")
		return
	}
	cols := columns
	if len(cols) == 0 {
		cols = keysOf(rows[0])
	}
	fmt.Fprintln(w, strings.ToUpper(strings.Join(cols, "\t")))
	for _, row := range rows {
		m, _ := row.(map[string]any)
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = cell(m[c])
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
