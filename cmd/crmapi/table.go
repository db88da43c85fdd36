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
func printTable(w io.Writer, data json.RawMessage, columns []string) error {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	defer tw.Flush()
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			fmt.Fprintln(tw, "(none)")
			return nil
		}
		cols := columns
		if len(cols) == 0 {
			cols = keysOf(x[0])
		}
		fmt.Fprintln(tw, strings.ToUpper(strings.Join(cols, "\t")))
		for _, row := range x {
			m, _ := row.(map[string]any)
			cells := make([]string, len(cols))
			for i, c := range cols {
				cells[i] = cell(m[c])
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
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
