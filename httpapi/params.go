package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/crmapi/crmapi"
	"github.com/tidwall/gjson"
)

// MaxBodyBytes is the largest request body crmapi reads.
const MaxBodyBytes = 1 << 20

// rawParams are a request's parameters before decoding: top-level key →
// JSON text. GET query strings are turned into the same form, so one
// decoder serves both.
type rawParams map[string]json.RawMessage

// readParams reads the parameters of r: the query string for GET, the JSON
// body for POST. Duplicate keys anywhere, trailing data and a body that is
// not an object are INVALID_PARAMETER.
func readParams(r *http.Request) (rawParams, error) {
	if r.Method == http.MethodGet {
		return queryParams(r.URL.RawQuery)
	}
	if r.URL.RawQuery != "" {
		return nil, crmapi.Errorf(crmapi.InvalidParameter, "Invalid parameters",
			"the parameters of a POST go in its JSON body, not the query string")
	}
	if r.ContentLength > MaxBodyBytes {
		return nil, errTooLarge
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge
		}
		return nil, crmapi.Errorf(crmapi.InvalidParameter, "Invalid request body", "the body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return rawParams{}, nil
	}
	if err := checkJSON(body, nil, ""); err != nil {
		return nil, err
	}
	var p rawParams
	if err := json.Unmarshal(body, &p); err != nil || p == nil {
		return nil, crmapi.Errorf(crmapi.InvalidParameter, "Invalid request body", "the body must be one JSON object")
	}
	return p, nil
}

var errTooLarge = &crmapi.Error{Code: crmapi.RequestTooLarge, Message: "Request too large",
	Detail: fmt.Sprintf("the body may be at most %d bytes", MaxBodyBytes)}

// queryParams parses a query string; a parameter given twice is an error.
func queryParams(raw string) (rawParams, error) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return nil, crmapi.Errorf(crmapi.InvalidParameter, "Invalid query string", "the query string is malformed")
	}
	p := make(rawParams, len(vals))
	for k, v := range vals {
		if len(v) > 1 {
			return nil, crmapi.Invalid(k, "given more than once")
		}
		// Kept as a JSON string for now; decodeParams converts it by the
		// type of the field it lands in.
		b, _ := json.Marshal(v[0])
		p[k] = queryValue(b)
	}
	return p, nil
}

// queryValue marks a JSON string that came from a query string, so that
// decodeParams knows to convert it to the field's type.
func queryValue(b []byte) json.RawMessage { return append([]byte{0}, b...) }

func fromQuery(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != 0 {
		return "", false
	}
	var s string
	_ = json.Unmarshal(raw[1:], &s)
	return s, true
}

// checkJSON walks a JSON document refusing duplicate keys at any depth,
// keys that the target type t does not have (exact, case-sensitive match:
// "Token" is not "token"), and trailing data. t may be nil to check only
// duplicates and trailing data.
//
// Well-formed JSON, every request's case, is walked with gjson, which
// reads the text in place; the token decoder, which allocates for every
// token, walks only malformed text, to say where it breaks.
func checkJSON(data []byte, t reflect.Type, path string) error {
	if json.Valid(data) {
		return walkValid(gjson.ParseBytes(data), t, path)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := locateMalformed(dec, path); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return crmapi.Errorf(crmapi.InvalidParameter, "Invalid request body", "trailing data after the JSON value")
	}
	return nil
}

// walkValid refuses, in well-formed JSON, duplicate keys at any depth and
// keys the target type t does not have.
func walkValid(v gjson.Result, t reflect.Type, path string) error {
	var err error
	switch {
	case v.IsObject():
		t = deref(t)
		fields := jsonFields(t)
		var seen keySet
		v.ForEach(func(k, val gjson.Result) bool {
			key := k.Str
			if !seen.add(key) {
				err = crmapi.Invalid(paramName(join(path, key)), "key "+strconv.Quote(key)+" given more than once")
				return false
			}
			var ft reflect.Type
			switch {
			case fields != nil:
				f, ok := fields[key]
				if !ok {
					err = crmapi.Invalid(paramName(join(path, key)), "unknown parameter")
					return false
				}
				ft = f.typ
			case t != nil && t.Kind() == reflect.Map:
				ft = t.Elem()
			}
			if val.IsObject() || val.IsArray() {
				err = walkValid(val, ft, join(path, key))
			}
			return err == nil
		})
	case v.IsArray():
		t = deref(t)
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		i := 0
		v.ForEach(func(_, el gjson.Result) bool {
			if el.IsObject() || el.IsArray() {
				err = walkValid(el, et, fmt.Sprintf("%s[%d]", path, i))
			}
			i++
			return err == nil
		})
	}
	return err
}

// keySet is the keys of one object seen so far: a list while short (most
// objects have a handful of keys), a map past that, so that a body of a
// hundred thousand keys costs linear time.
type keySet struct {
	few  []string
	many map[string]bool
}

// add records key; false when it was already there.
func (ks *keySet) add(key string) bool {
	if ks.many != nil {
		if ks.many[key] {
			return false
		}
		ks.many[key] = true
		return true
	}
	if slices.Contains(ks.few, key) {
		return false
	}
	if ks.few = append(ks.few, key); len(ks.few) > 16 {
		ks.many = make(map[string]bool, 2*len(ks.few))
		for _, k := range ks.few {
			ks.many[k] = true
		}
	}
	return true
}

// locateMalformed walks malformed JSON token by token only to say where
// it breaks; the keys of well-formed JSON are checked by walkValid.
func locateMalformed(dec *json.Decoder, path string) error {
	malformed := crmapi.Errorf(crmapi.InvalidParameter, "Invalid request body", "malformed JSON%s", at(path))
	tok, err := dec.Token()
	if err != nil {
		return malformed
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return malformed
			}
			if err := locateMalformed(dec, join(path, kt.(string))); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if err := locateMalformed(dec, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return malformed
	}
	return nil
}

func at(path string) string {
	if path == "" {
		return ""
	}
	return " at " + path
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// paramName is the name an error shows for a path.
func paramName(path string) string { return path }

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

type fieldInfo struct {
	index     int
	typ       reflect.Type
	mandatory bool
	semi      string
}

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	fieldCache      sync.Map // reflect.Type → map[string]fieldInfo
)

// jsonFields returns the JSON keys of a plain struct type, or nil when t is
// not one (maps, scalars, types with their own UnmarshalJSON).
func jsonFields(t reflect.Type) map[string]fieldInfo {
	if t == nil || t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]fieldInfo)
	}
	m := map[string]fieldInfo{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fi := fieldInfo{index: i, typ: f.Type}
		for _, opt := range strings.Split(f.Tag.Get("crm"), ",") {
			switch {
			case opt == "mandatory":
				fi.mandatory = true
			case strings.HasPrefix(opt, "semi="):
				fi.semi = strings.TrimPrefix(opt, "semi=")
			}
		}
		m[name] = fi
	}
	fieldCache.Store(t, m)
	return m
}

// decodeParams decodes p into dst, a pointer to a struct whose json tags
// name the parameters. Tags `crm:"mandatory"` and `crm:"semi=group"` (one
// of the group exactly) are checked. Unknown keys, wrong types and bad
// values are INVALID_PARAMETER naming the parameter.
func decodeParams(p rawParams, dst any) error {
	v := reflect.ValueOf(dst).Elem()
	fields := jsonFields(v.Type())
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	// Sorted so that the first error named is the same on every run.
	sortStrings(keys)
	present := map[string]bool{}
	for _, k := range keys {
		f, ok := fields[k]
		if !ok {
			return crmapi.Invalid(k, "unknown parameter")
		}
		raw := p[k]
		if s, ok := fromQuery(raw); ok {
			conv, err := queryToJSON(k, s, f.typ)
			if err != nil {
				return err
			}
			raw = conv
		} else if err := checkJSON(raw, f.typ, k); err != nil {
			return err
		}
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			continue
		}
		if err := json.Unmarshal(raw, v.Field(f.index).Addr().Interface()); err != nil {
			return crmapi.Invalid(describeField(k, err), describeJSONError(err))
		}
		present[k] = true
	}
	groups := map[string][]string{}
	for name, f := range fields {
		if f.mandatory && !present[name] {
			return crmapi.Missing(name)
		}
		if f.semi != "" {
			groups[f.semi] = append(groups[f.semi], name)
		}
	}
	for _, names := range groups {
		sortStrings(names)
		var given []string
		for _, n := range names {
			if present[n] {
				given = append(given, n)
			}
		}
		switch {
		case len(given) == 0:
			return &crmapi.Error{Code: crmapi.MandatoryParameterMissing, Message: "Mandatory parameter missing",
				Detail: "one of " + strings.Join(names, ", ") + " is required"}
		case len(given) > 1:
			return &crmapi.Error{Code: crmapi.OnlyOneSemiOptionalAllowed, Message: "Only one semi-optional parameter allowed",
				Detail: "give only one of " + strings.Join(given, ", ")}
		}
	}
	return nil
}

// queryToJSON converts a query-string value to JSON for a field of type t.
func queryToJSON(name, s string, t reflect.Type) (json.RawMessage, error) {
	t = deref(t)
	switch {
	case t == reflect.TypeFor[Identifier]():
		field, value, ok := strings.Cut(s, "=")
		if !ok || field == "" {
			return nil, crmapi.Invalid(name, "expected "+name+"=<field>=<value>")
		}
		b, _ := json.Marshal(map[string]string{field: value})
		return b, nil
	case t == reflect.TypeFor[FieldsSet](), t == reflect.TypeFor[crmapi.Amount](), t.Kind() == reflect.String:
		b, _ := json.Marshal(s)
		return b, nil
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return nil, crmapi.Invalid(name, "not a whole number")
		}
		return json.RawMessage(s), nil
	case t.Kind() == reflect.Bool:
		if s != "true" && s != "false" {
			return nil, crmapi.Invalid(name, "expected true or false")
		}
		return json.RawMessage(s), nil
	}
	// Arrays and objects travel in a query string as JSON text.
	raw := json.RawMessage(s)
	if !json.Valid(raw) {
		return nil, crmapi.Invalid(name, "expected JSON")
	}
	if err := checkJSON(raw, t, name); err != nil {
		return nil, err
	}
	return raw, nil
}

func describeField(param string, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return param + "." + te.Field
	}
	return param
}

func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "expected " + kindName(te.Type) + ", got " + te.Value
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "malformed JSON"
	}
	return err.Error()
}

func kindName(t reflect.Type) string {
	t = deref(t)
	switch {
	case t == reflect.TypeFor[Identifier]():
		return "an identifier object"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		return "a number"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Slice:
		return "an array"
	case t.Kind() == reflect.Struct, t.Kind() == reflect.Map:
		return "an object"
	}
	return t.String()
}
