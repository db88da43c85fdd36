package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"sort"
	"strings"

	"github.com/crmapi/crmapi"
)

var errProbed = errors.New("httpapi: parameters probed")

// methodDoc is what the OpenAPI document says of a method beyond its
// parameters: a summary, the type of its data, and the codes it can answer.
type methodDoc struct {
	Summary  string
	Response any
	Errors   []crmapi.Code
}

// document records a method's documentation; routes.go calls it beside add.
func (s *Server) document(path string, d methodDoc) {
	if s.docs == nil {
		s.docs = map[string]methodDoc{}
	}
	s.docs[path] = d
}

// paramType runs a route's handler as a probe to learn its parameter type.
func (s *Server) paramType(rt *route) reflect.Type {
	var t reflect.Type
	req := &request{r: &http.Request{}, probe: &t, params: rawParams{}}
	func() {
		defer func() { recover() }()
		rt.h(req)
	}()
	return t
}

// OpenAPI returns the OpenAPI 3.1 document of every method: parameters from
// the structs the handlers decode, answers from the types they return, the
// envelope, and every error code.
func (s *Server) OpenAPI() map[string]any {
	g := &schemaGen{defs: map[string]any{}}
	paths := map[string]any{}
	for _, ri := range s.Routes() {
		rt := s.routes[ri.Path]
		doc := s.docs[ri.Path]
		params := g.schema(s.paramType(rt), true)
		if obj, ok := params.(map[string]any); ok {
			props, _ := obj["properties"].(map[string]any)
			if props == nil {
				props = map[string]any{}
				obj["properties"] = props
			}
			if !ri.Public {
				props["token"] = map[string]any{"type": "string", "description": "The token from authentication/token (or send Authorization: Bearer)."}
				props["fields_set"] = g.schema(fieldsSetType, true)
			}
		}
		data := any(map[string]any{"type": "object"})
		if doc.Response != nil {
			data = g.schema(reflect.TypeOf(doc.Response), false)
		}
		codes := append([]crmapi.Code{}, doc.Errors...)
		op := map[string]any{
			"operationId":  strings.ReplaceAll(ri.Path, "/", "_"),
			"summary":      doc.Summary,
			"tags":         []string{strings.Split(ri.Path, "/")[0]},
			"x-crm-access": map[bool]string{true: "admin", false: map[bool]string{true: "public", false: "authenticated"}[ri.Public]}[ri.Admin],
			"responses": map[string]any{
				"200":     map[string]any{"description": "OK", "content": jsonContent(envelope(data))},
				"default": map[string]any{"description": "An error in the envelope; see x-crm-error-codes.", "content": jsonContent(map[string]any{"$ref": "#/components/schemas/ErrorEnvelope"})},
			},
			"x-crm-error-codes": codes,
		}
		item := map[string]any{}
		body := map[string]any{"required": true, "content": jsonContent(params)}
		post := cloneMap(op)
		post["requestBody"] = body
		item["post"] = post
		if ri.Method == http.MethodGet {
			get := cloneMap(op)
			get["operationId"] = op["operationId"].(string) + "_get"
			get["parameters"] = queryParameters(params)
			item["get"] = get
		}
		paths[Prefix+ri.Path] = item
	}
	var codes []string
	for _, c := range crmapi.Codes {
		codes = append(codes, string(c))
	}
	g.defs["ErrorEnvelope"] = map[string]any{"type": "object", "required": []string{"data", "status"},
		"properties": map[string]any{
			"data": map[string]any{"type": "object", "maxProperties": 0},
			"status": map[string]any{"type": "object", "required": []string{"code", "description", "message"},
				"properties": map[string]any{
					"code":        map[string]any{"type": "string", "enum": codes},
					"description": map[string]any{"type": "string"},
					"message":     map[string]any{"type": "string"},
				}},
		}}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "crmapi: the CRM.COM Web API v4", "version": crmapi.Version,
			"description": "Every answer is the envelope {data, status}. GET methods also answer POST with a JSON body. Dates are YYYY-MM-DDTHH:MM:SS in the organisation's time zone; money is a decimal string. HTTP statuses by error code: see x-crm-http-status."},
		"paths":             paths,
		"components":        map[string]any{"schemas": g.defs},
		"x-crm-http-status": httpStatusTable(),
	}
}

func httpStatusTable() map[string]int {
	out := map[string]int{}
	for _, c := range crmapi.Codes {
		out[string(c)] = HTTPStatus(c)
	}
	return out
}

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

func envelope(data any) map[string]any {
	return map[string]any{"type": "object", "required": []string{"data", "status"},
		"properties": map[string]any{
			"data": data,
			"status": map[string]any{"type": "object", "required": []string{"code", "description", "message"},
				"properties": map[string]any{
					"code":        map[string]any{"const": "OK"},
					"description": map[string]any{"type": []string{"string", "null"}},
					"message":     map[string]any{"type": []string{"string", "null"}},
				}},
		}}
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// queryParameters describes the GET form of a method's parameters.
func queryParameters(params any) []any {
	obj, _ := params.(map[string]any)
	props, _ := obj["properties"].(map[string]any)
	required := map[string]bool{}
	if r, ok := obj["required"].([]string); ok {
		for _, n := range r {
			required[n] = true
		}
	}
	var names []string
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []any
	for _, n := range names {
		desc := ""
		if p, ok := props[n].(map[string]any); ok && p["x-crm-identifier"] == true {
			desc = "An identifier object flattened as " + n + "=<field>=<value> (the inner = raw or %3D)."
		}
		out = append(out, map[string]any{"name": n, "in": "query", "required": required[n],
			"schema": map[string]any{"type": "string"}, "description": desc})
	}
	return out
}

// schemaGen turns Go types into JSON Schema (OpenAPI 3.1 dialect).
type schemaGen struct {
	defs map[string]any
}

var (
	amountType     = reflect.TypeFor[crmapi.Amount]()
	identifierType = reflect.TypeFor[Identifier]()
	fieldsSetType  = reflect.TypeFor[FieldsSet]()
	rawType        = reflect.TypeFor[json.RawMessage]()
	marshalerType  = reflect.TypeFor[json.Marshaler]()
)

// jsonKind names the JSON type of an encoded value.
func jsonKind(b []byte) string {
	switch {
	case len(b) == 0:
		return "null"
	case b[0] == '"':
		return "string"
	case b[0] == '{':
		return "object"
	case b[0] == '[':
		return "array"
	case b[0] == 't' || b[0] == 'f':
		return "boolean"
	case b[0] == 'n':
		return "null"
	}
	return "number"
}

func (g *schemaGen) schema(t reflect.Type, request bool) any {
	if t == nil {
		return map[string]any{"type": "object"}
	}
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	s := g.base(t, request)
	if nullable && !request {
		return map[string]any{"oneOf": []any{s, map[string]any{"type": "null"}}}
	}
	return s
}

func (g *schemaGen) base(t reflect.Type, request bool) any {
	switch {
	case t == amountType:
		if request {
			return map[string]any{"oneOf": []any{map[string]any{"type": "string", "pattern": `^-?[0-9]+(\.[0-9]+)?$`}, map[string]any{"type": "number"}},
				"description": "An exact decimal amount, as a string or a number."}
		}
		return map[string]any{"type": "string", "pattern": `^-?[0-9]+(\.[0-9]+)?$`, "description": "An exact decimal amount."}
	case t == identifierType:
		return map[string]any{"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": map[string]any{"type": "string"},
			"description": "An identifier object: exactly one of its fields.", "x-crm-identifier": true}
	case t == fieldsSetType:
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "array", "items": map[string]any{"type": "string"}}},
			"description": "Fields to return: comma-separated or an array; dotted paths reach nested objects."}
	case t == rawType:
		return map[string]any{}
	case t == reflect.TypeFor[json.Number]():
		return map[string]any{"type": "number"}
	case !request && t.Implements(marshalerType):
		// A type with its own encoding: its zero value tells the JSON kind.
		if b, err := json.Marshal(reflect.Zero(t).Interface()); err == nil {
			return map[string]any{"type": jsonKind(b)}
		}
	case request && reflect.PointerTo(t).Implements(unmarshalerType) && t.Kind() != reflect.Struct:
		return map[string]any{"type": []string{"string", "number"}}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.schema(t.Elem(), request)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem(), request)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		return g.object(t, request)
	}
	return map[string]any{}
}

func (g *schemaGen) object(t reflect.Type, request bool) any {
	props := map[string]any{}
	var required []string
	semi := map[string][]string{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		// encoding/json promotes the fields of embedded structs, exported or not.
		if !f.IsExported() && !(f.Anonymous && name == "") {
			continue
		}
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			if sub, ok := g.object(deref(f.Type), request).(map[string]any); ok {
				for k, v := range sub["properties"].(map[string]any) {
					props[k] = v
				}
				if r, ok := sub["required"].([]string); ok {
					required = append(required, r...)
				}
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type, request)
		for _, o := range strings.Split(f.Tag.Get("crm"), ",") {
			switch {
			case o == "mandatory":
				required = append(required, name)
			case strings.HasPrefix(o, "semi="):
				semi[o] = append(semi[o], name)
			}
		}
		if !request && !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	obj := map[string]any{"type": "object", "properties": props}
	if request {
		obj["additionalProperties"] = false
	}
	if len(required) > 0 {
		sort.Strings(required)
		obj["required"] = required
	}
	var groups [][]string
	for _, names := range semi {
		sort.Strings(names)
		groups = append(groups, names)
	}
	if len(groups) > 0 {
		sort.Slice(groups, func(i, j int) bool { return groups[i][0] < groups[j][0] })
		obj["x-crm-semi-optional"] = groups
	}
	return obj
}

// ServeOpenAPI serves the document as JSON.
func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	b, err := json.MarshalIndent(s.OpenAPI(), "", "  ")
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(b)
}
