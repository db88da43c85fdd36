package httpapi_test

import (
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

func TestTestClock(t *testing.T) {
	e := mustEnv(t)
	// ACME is a production organisation: no test clock.
	e.post("test_clock/advance", map[string]any{"token": e.Token, "seconds": 60}).wantError(403, crmapi.PermissionDenied)

	if _, err := e.Svc.Auth.Bootstrap(t.Context(), service.Bootstrap{Organisation: "Lab", Password: testPassword, Test: true}); err != nil {
		t.Fatal(err)
	}
	tok := e.login("admin", testPassword, "Lab")
	r := e.post("test_clock/advance", map[string]any{"token": tok, "seconds": 3600})
	r.wantOK()
	var v struct {
		Now           string `json:"now"`
		OffsetSeconds int64  `json:"offset_seconds"`
	}
	r.data(&v)
	if v.OffsetSeconds != 3600 || v.Now != "2026-04-04T11:00:00" {
		t.Fatalf("after one hour: %+v", v)
	}
	// Tokens follow the organisation's clock: two hours on, this one has expired,
	// while the production organisation's token still works.
	e.post("test_clock/advance", map[string]any{"token": tok, "seconds": 3601}).wantOK()
	e.post("test_clock/show", map[string]any{"token": tok}).wantError(401, crmapi.ExpiredToken)
	e.get("admin/units/list", "token="+e.Token).wantOK()
	fresh := e.login("admin", testPassword, "Lab")
	e.get("test_clock/show", "token="+fresh).wantOK()
	e.Clock.Advance(time.Hour)
	e.get("test_clock/show", "token="+fresh).wantOK()
	e.post("test_clock/advance", map[string]any{"token": fresh, "seconds": 0}).wantError(400, crmapi.InvalidParameter)
}
