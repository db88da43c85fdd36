package httpapi_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// validate checks v against a JSON Schema of the subset the OpenAPI
// document uses; it returns the first mismatch.
func validate(schema any, v any, path string, defs map[string]any, checkRequired bool) error {
	s, ok := schema.(map[string]any)
	if !ok || len(s) == 0 {
		return nil
	}
	if ref, ok := s["$ref"].(string); ok {
		return validate(defs[strings.TrimPrefix(ref, "#/components/schemas/")], v, path, defs, checkRequired)
	}
	if c, ok := s["const"]; ok && v != c {
		return fmt.Errorf("%s: %v, want %v", path, v, c)
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			found = found || e == v
		}
		if !found {
			return fmt.Errorf("%s: %v not in %v", path, v, enum)
		}
	}
	if one, ok := s["oneOf"].([]any); ok {
		var errs []string
		for _, alt := range one {
			if err := validate(alt, v, path, defs, checkRequired); err == nil {
				return nil
			} else {
				errs = append(errs, err.Error())
			}
		}
		return fmt.Errorf("%s: matches no alternative: %s", path, strings.Join(errs, "; "))
	}
	if t, ok := s["type"]; ok && !typeMatches(t, v) {
		return fmt.Errorf("%s: %s is not of type %v", path, kind(v), t)
	}
	switch x := v.(type) {
	case string:
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			return fmt.Errorf("%s: %q does not match %s", path, x, p)
		}
	case []any:
		for i, e := range x {
			if err := validate(s["items"], e, fmt.Sprintf("%s[%d]", path, i), defs, checkRequired); err != nil {
				return err
			}
		}
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if checkRequired {
			if req, ok := s["required"].([]any); ok {
				for _, r := range req {
					if _, ok := x[r.(string)]; !ok {
						return fmt.Errorf("%s: required key %s missing", path, r)
					}
				}
			}
		}
		if max, ok := s["maxProperties"].(float64); ok && float64(len(x)) > max {
			return fmt.Errorf("%s: more than %v keys", path, max)
		}
		for k, e := range x {
			sub, known := props[k]
			if !known {
				switch ap := s["additionalProperties"].(type) {
				case bool:
					if !ap && props != nil {
						return fmt.Errorf("%s: key %s is not in the document", path, k)
					}
				case map[string]any:
					sub = ap
				default:
					if props != nil {
						return fmt.Errorf("%s: key %s is not in the document", path, k)
					}
				}
			}
			if err := validate(sub, e, path+"."+k, defs, checkRequired); err != nil {
				return err
			}
		}
	}
	return nil
}

func typeMatches(t any, v any) bool {
	switch tt := t.(type) {
	case string:
		return kind(v) == tt || (tt == "number" && kind(v) == "integer")
	case []any:
		for _, one := range tt {
			if typeMatches(one, v) {
				return true
			}
		}
	}
	return false
}

func kind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if strings.ContainsAny(x.String(), ".eE") {
			return "number"
		}
		return "integer"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}
