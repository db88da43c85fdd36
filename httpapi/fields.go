package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/crmapi/crmapi"
)

// FieldsSet is the fields_set parameter: a comma-separated string or a JSON
// array of names. Names may be dotted paths (accounts_receivable.number).
type FieldsSet []string

// UnmarshalJSON reads a string or an array of strings.
func (f *FieldsSet) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var names []string
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &names); err != nil {
			return err
		}
	} else {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		names = strings.Split(s, ",")
	}
	out := FieldsSet{}
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	*f = out
	return nil
}

// fieldTree is fields_set as a tree: a nil subtree keeps the whole value.
type fieldTree map[string]fieldTree

func (f FieldsSet) tree() fieldTree {
	t := fieldTree{}
	for _, name := range f {
		node := t
		parts := strings.Split(name, ".")
		for i, p := range parts {
			sub, ok := node[p]
			if i == len(parts)-1 {
				node[p] = nil // whole value wins over a narrower path
				break
			}
			if ok && sub == nil {
				break
			}
			if !ok {
				sub = fieldTree{}
				node[p] = sub
			}
			node = sub
		}
	}
	return t
}

// filterFields encodes v keeping only the fields named: top-level keys of
// an object, or of each object of an array, with dotted paths reaching
// into nested objects. Unknown names are ignored.
func filterFields(v any, f FieldsSet) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil || len(f) == 0 {
		return b, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	return json.Marshal(prune(doc, f.tree()))
}

func prune(v any, t fieldTree) any {
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = prune(x[i], t)
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, sub := range t {
			val, ok := x[k]
			if !ok {
				continue
			}
			if sub == nil {
				out[k] = val
			} else {
				out[k] = prune(val, sub)
			}
		}
		return out
	}
	return v
}

// checkFieldsSet refuses absurd fields_set values early.
func checkFieldsSet(f FieldsSet) error {
	if len(f) > 200 {
		return crmapi.Invalid("fields_set", "at most 200 names")
	}
	return nil
}
