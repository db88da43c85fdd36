package httpapi_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/internal/testdb"
)

// privilegedKeys are names a client must never set unless a method takes
// them as a parameter: identifiers, ownership, roles, secrets, state.
var privilegedKeys = []string{
	"id", "organisation_id", "organisation", "org", "unit_id", "user_id", "admin", "is_admin", "role",
	"disabled", "password_hash", "key_hash", "key", "created_date", "created_at", "revoked_date",
	"username_key", "jti", "session_id", "applied", "status", "data",
}

// hostileVariants derives, from a valid JSON body, bodies that must each
// be refused with INVALID_PARAMETER: privileged and unknown keys, keys
// given twice, case variants of real keys, and trailing data.
func hostileVariants(body string, foreignID string) map[string]string {
	var params map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &params); err != nil {
		panic(err)
	}
	with := func(extra string) string {
		inner := strings.TrimSuffix(strings.TrimSpace(body), "}")
		if len(params) > 0 {
			inner += ","
		}
		return inner + extra + "}"
	}
	out := map[string]string{
		"unknown key":                  with(`"unknown_field":1`),
		"trailing object":              body + ` {}`,
		"trailing garbage":             body + `x`,
		"two objects":                  body + body,
		"privileged key, nested":       with(`"fields_set":{"admin":true}`),
		"__proto__ / constructor keys": with(`"__proto__":{"admin":true}`),
	}
	for _, k := range privilegedKeys {
		if _, isParam := params[k]; isParam {
			continue
		}
		v := `"` + foreignID + `"`
		if k == "admin" || k == "is_admin" || k == "disabled" || k == "applied" {
			v = "true"
		}
		out["privileged key "+k] = with(`"` + k + `":` + v)
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := string(params[k])
		out["duplicate key "+k] = with(`"` + k + `":` + v)
		out["case variant beside "+k] = with(`"` + strings.ToUpper(k) + `":` + v)
		title := strings.ToUpper(k[:1]) + k[1:]
		replaced := map[string]json.RawMessage{}
		for kk, vv := range params {
			if kk == k {
				kk = title
			}
			replaced[kk] = vv
		}
		b, _ := json.Marshal(replaced)
		out["case variant instead of "+k] = string(b)
	}
	return out
}

// queryVariants are hostile query strings for GET methods, each added to
// the method's own valid query.
func queryVariants(base, foreignID string) map[string]string {
	with := func(extra string) string {
		if base == "" {
			return extra
		}
		return base + "&" + extra
	}
	return map[string]string{
		"unknown parameter":         with("unknown_field=1"),
		"privileged id":             with("id=" + foreignID),
		"privileged organisation":   with("organisation_id=" + foreignID),
		"parameter given twice":     with("fields_set=id&fields_set=id"),
		"case variant of parameter": with("FIELDS_SET=id"),
		"malformed query":           with("a=%zz"),
	}
}

// S7: for every route, unknown, privileged, duplicate and case-variant keys
// and trailing data are INVALID_PARAMETER and change nothing in either
// organisation; the route's example alone is then accepted, so the
// refusals are for the hostile keys and nothing else.
func TestNoMassAssignment(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		w := mustWorld(t, open(t))
		refused := 0
		defer func() { t.Logf("%d hostile requests refused with INVALID_PARAMETER, nothing stored", refused) }()
		for _, rt := range w.Handler.(*httpapi.Server).Routes() {
			t.Run(strings.ReplaceAll(rt.Path, "/", "_"), func(t *testing.T) {
				base := w.example(t, rt.Path, rt.Public)
				beforeA, beforeB := w.snapshot(w.Org.ID), w.snapshot(w.B.ID)
				if rt.Method == http.MethodGet {
					for name, q := range queryVariants(asQuery(base.Body), w.B.ID) {
						c := base
						c.Method, c.Body = http.MethodGet, q
						w.send(t, c).wantErrorNamed(name, http.StatusBadRequest, crmapi.InvalidParameter)
						refused++
					}
				}
				for name, body := range hostileVariants(base.Body, w.B.ID) {
					c := base
					c.Body = body
					w.send(t, c).wantErrorNamed(name, http.StatusBadRequest, crmapi.InvalidParameter)
					refused++
				}
				w.unchanged(t, "organisation A's data", beforeA, w.Org.ID)
				w.unchanged(t, "organisation B's data", beforeB, w.B.ID)
				if rt.Method == http.MethodGet {
					base.Method, base.Body = http.MethodGet, asQuery(base.Body)
				}
				w.send(t, base).wantOK()
			})
		}
	})
}
