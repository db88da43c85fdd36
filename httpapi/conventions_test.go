package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
)

func TestBadBodies(t *testing.T) {
	e := mustEnv(t)
	cases := []struct {
		name, body string
		status     int
		code       crmapi.Code
	}{
		{"malformed", `{"token": `, 400, crmapi.InvalidParameter},
		{"not an object", `[1,2]`, 400, crmapi.InvalidParameter},
		{"unknown key", `{"token":"` + e.Token + `","name":"East","colour":"red"}`, 400, crmapi.InvalidParameter},
		{"duplicate key", `{"token":"` + e.Token + `","name":"East","name":"West"}`, 400, crmapi.InvalidParameter},
		{"case variant key", `{"token":"` + e.Token + `","Name":"East"}`, 400, crmapi.InvalidParameter},
		{"trailing data", `{"token":"` + e.Token + `","name":"East"} {}`, 400, crmapi.InvalidParameter},
		{"wrong type", `{"token":"` + e.Token + `","name":42}`, 400, crmapi.InvalidParameter},
		{"missing mandatory", `{"token":"` + e.Token + `"}`, 400, crmapi.MandatoryParameterMissing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.post("admin/units/create", c.body)
			r.wantError(c.status, c.code)
			golden(t, "bad_body_"+strings.ReplaceAll(c.name, " ", "_"), r)
		})
	}
	units, _ := e.Svc.Auth.Units(t.Context(), e.Org.ID)
	if len(units) != 1 {
		t.Fatalf("bad bodies changed data: %d units", len(units))
	}
	e.post("admin/units/create", `{"token":"`+e.Token+`","name":"East"}`).wantOK()
}

func TestOversizedBody(t *testing.T) {
	e := mustEnv(t)
	big := `{"token":"` + e.Token + `","name":"` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}`
	r := e.post("admin/units/create", big)
	r.wantError(413, crmapi.RequestTooLarge)
	// Without a Content-Length the limit still holds while reading.
	req, _ := http.NewRequest("POST", e.URL+httpapi.Prefix+"admin/units/create", struct{ *bytes.Reader }{bytes.NewReader([]byte(big))})
	req.ContentLength = -1
	e.do(req).wantError(413, crmapi.RequestTooLarge)
	units, _ := e.Svc.Auth.Units(t.Context(), e.Org.ID)
	if len(units) != 1 {
		t.Fatalf("oversized body changed data")
	}
}

func TestRoutingErrors(t *testing.T) {
	e := mustEnv(t)
	r := e.get("authentication/token", "")
	r.wantError(405, crmapi.MethodNotAllowed)
	golden(t, "method_not_allowed", r)
	e.get("no/such/method", "token="+e.Token).wantError(404, crmapi.NotFound)
	e.get("../../etc/passwd", "").wantError(404, crmapi.NotFound)
	// A GET method also answers POST with a JSON body.
	e.post("admin/units/list", map[string]any{"token": e.Token}).wantOK()
	// A POST method takes its parameters from the body only.
	req, _ := http.NewRequest("POST", e.URL+httpapi.Prefix+"admin/units/create?name=x&token="+e.Token, nil)
	e.do(req).wantError(400, crmapi.InvalidParameter)
	// The same parameter twice in a query string is refused.
	e.get("admin/units/list", "token="+e.Token+"&token="+e.Token).wantError(400, crmapi.InvalidParameter)
}

func TestFieldsSetAndRequestID(t *testing.T) {
	e := mustEnv(t)
	r := e.get("admin/users/list", "token="+e.Token+"&fields_set=username,admin")
	r.wantOK()
	if string(r.Env.Data) != `[{"admin":true,"username":"admin"}]` {
		t.Fatalf("fields_set: %s", r.Env.Data)
	}
	r = e.post("admin/users/list", map[string]any{"token": e.Token, "fields_set": []string{"username"}})
	if string(r.Env.Data) != `[{"username":"admin"}]` {
		t.Fatalf("fields_set array: %s", r.Env.Data)
	}
	if r.Header.Get("X-Request-Id") == "" {
		t.Fatal("no X-Request-Id")
	}
	req, _ := http.NewRequest("GET", e.URL+"/readyz", nil)
	e.do(req).wantOK()
}
