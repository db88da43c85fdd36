package httpapi_test

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/internal/testdb"
)

// tenantCase calls one route as organisation A (through as, which sends
// with A's admin token unless the call names another) aimed at
// organisation B's real identifiers, and checks that A is told "not found"
// or "invalid". The harness then checks that no answer A got names any of
// B's identifiers and that B's data did not move.
type tenantCase func(t *testing.T, w *world, as func(apiCall) *response)

// tenantCases is S1's table: one case per route of the route table. A
// route without a case fails TestEveryRouteHasTenantCase, so a new method
// cannot ship without its isolation case. The cases of each area are in
// their own file (tenants_*_test.go) and join the table with addTenantCases.
var tenantCases = map[string]tenantCase{}

// addTenantCases adds cases to the table; a route given twice panics.
func addTenantCases(cases map[string]tenantCase) {
	for path, c := range cases {
		if tenantCases[path] != nil {
			panic("two tenant cases for " + path)
		}
		tenantCases[path] = c
	}
}

func init() { addTenantCases(authTenantCases) }

// refused checks that a call aimed at another organisation's identifier
// was told the identifier is unknown (NOT_FOUND, or INVALID_PARAMETER for
// a reference inside the parameters).
func refused(t *testing.T, r *response) {
	t.Helper()
	code := crmapi.Code(r.Env.Status.Code)
	if !(r.Status == http.StatusNotFound && code == crmapi.NotFound) && !(r.Status == http.StatusBadRequest && code == crmapi.InvalidParameter) {
		t.Errorf("want NOT_FOUND or INVALID_PARAMETER, got %d %s", r.Status, r.Body)
	}
}

// jsonCall is a call of path with params as JSON (GET methods take it too).
func jsonCall(path string, params map[string]any) apiCall {
	return apiCall{Path: path, Body: jsonBody(params)}
}

var authTenantCases = map[string]tenantCase{
	"authentication/token": func(t *testing.T, w *world, as func(apiCall) *response) {
		// A's user does not exist in B, whatever its password.
		as(apiCall{Path: "authentication/token", Body: jsonBody(map[string]any{
			"username": w.AUser.Username, "password": testPassword, "organisation": w.B.Name})}).
			wantError(http.StatusUnauthorized, crmapi.AuthenticationFailed)
		// A's admin cannot log in to one of B's units.
		as(apiCall{Path: "authentication/token", Body: jsonBody(map[string]any{
			"username": "admin", "password": testPassword, "organisation": w.Org.Name, "unit": w.BUnit.ID})}).
			wantError(http.StatusBadRequest, crmapi.InvalidParameter)
	},
	"authentication/token/release": func(t *testing.T, w *world, as func(apiCall) *response) {
		as(apiCall{Path: "authentication/token/release", Body: `{}`, Token: w.freshA()}).wantOK()
		// Releasing A's session leaves B's sessions alone.
		if _, err := w.Svc.Auth.Authenticate(context.Background(), w.BToken); err != nil {
			t.Fatalf("B's token after A released its own: %v", err)
		}
	},
	"authentication/web_api_key/token": func(t *testing.T, w *world, as func(apiCall) *response) {
		for _, unit := range []string{w.BUnit.ID, w.BOnlyUnit.Name} {
			as(apiCall{Path: "authentication/web_api_key/token", Body: jsonBody(map[string]any{"unit": unit}),
				BasicUser: w.AKeySecret}).wantError(http.StatusBadRequest, crmapi.InvalidParameter)
		}
	},
	"admin/units/list": func(t *testing.T, w *world, as func(apiCall) *response) {
		wantNonEmptyList(t, as(apiCall{Method: "GET", Path: "admin/units/list"}))
	},
	"admin/units/create": func(t *testing.T, w *world, as func(apiCall) *response) {
		// The same name as B's unit makes A's own unit; B keeps its one.
		as(apiCall{Path: "admin/units/create", Body: jsonBody(map[string]any{"name": w.BUnit.Name})}).wantOK()
	},
	"admin/users/list": func(t *testing.T, w *world, as func(apiCall) *response) {
		wantNonEmptyList(t, as(apiCall{Method: "GET", Path: "admin/users/list"}))
	},
	"admin/users/create": func(t *testing.T, w *world, as func(apiCall) *response) {
		for _, unit := range []string{w.BUnit.ID, w.BOnlyUnit.Name} {
			as(apiCall{Path: "admin/users/create", Body: jsonBody(map[string]any{
				"username": "placed-in-b", "password": testPassword, "unit": unit})}).
				wantError(http.StatusBadRequest, crmapi.InvalidParameter)
		}
	},
	"admin/users/update": func(t *testing.T, w *world, as func(apiCall) *response) {
		as(apiCall{Path: "admin/users/update", Body: jsonBody(map[string]any{"username": w.BUser.Username, "disabled": true})}).
			wantError(http.StatusNotFound, crmapi.NotFound)
		as(apiCall{Path: "admin/users/update", Body: jsonBody(map[string]any{"username": w.AUser.Username, "unit": w.BUnit.ID})}).
			wantError(http.StatusBadRequest, crmapi.InvalidParameter)
	},
	"admin/web_api_keys/list": func(t *testing.T, w *world, as func(apiCall) *response) {
		wantNonEmptyList(t, as(apiCall{Method: "GET", Path: "admin/web_api_keys/list"}))
	},
	"admin/web_api_keys/create": func(t *testing.T, w *world, as func(apiCall) *response) {
		as(apiCall{Path: "admin/web_api_keys/create", Body: jsonBody(map[string]any{"name": "k", "username": w.BUser.Username})}).
			wantError(http.StatusNotFound, crmapi.NotFound)
		as(apiCall{Path: "admin/web_api_keys/create", Body: jsonBody(map[string]any{"name": "k", "unit": w.BUnit.ID})}).
			wantError(http.StatusBadRequest, crmapi.InvalidParameter)
	},
	"admin/web_api_keys/revoke": func(t *testing.T, w *world, as func(apiCall) *response) {
		as(apiCall{Path: "admin/web_api_keys/revoke", Body: jsonBody(map[string]any{"id": w.BKey.ID})}).
			wantError(http.StatusNotFound, crmapi.NotFound)
		// B's key still works.
		if _, err := w.Svc.Auth.LoginWithAPIKey(context.Background(), w.BKeySecret, "", "test"); err != nil {
			t.Fatalf("B's key after A tried to revoke it: %v", err)
		}
	},
}

// hexID matches crmapi's identifiers.
var hexID = regexp.MustCompile(`[0-9A-F]{32}`)

func wantNonEmptyList(t *testing.T, r *response) {
	t.Helper()
	r.wantOK()
	if !strings.HasPrefix(string(r.Env.Data), "[{") {
		t.Fatalf("want a non-empty list of A's own rows, got %s", r.Env.Data)
	}
}

// routePaths lists the route table's paths; no store is needed for it.
func routePaths() []string {
	var out []string
	for _, rt := range httpapi.NewServer(httpapi.Config{}).Routes() {
		out = append(out, rt.Path)
	}
	return out
}

// S1: the tenant-isolation table covers the route table exactly.
func TestEveryRouteHasTenantCase(t *testing.T) {
	routes := map[string]bool{}
	for _, p := range routePaths() {
		routes[p] = true
		if tenantCases[p] == nil {
			t.Errorf("route %s has no tenant-isolation case: add one to tenantCases in httpapi/tenants_test.go", p)
		}
	}
	for p := range tenantCases {
		if !routes[p] {
			t.Errorf("tenantCases has a case for %s, which is not a route", p)
		}
	}
}

// S1: for every route, organisation A's token on organisation B's real
// identifiers finds nothing, names nothing of B's, and changes nothing of B's.
func TestTenantIsolation(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		w := mustWorld(t, open(t))
		before := w.snapshot(w.B.ID)
		// B's identifiers: every id its admin can list.
		foreign := map[string]bool{w.B.ID: true}
		for _, id := range hexID.FindAllString(before, -1) {
			foreign[id] = true
		}
		for _, id := range hexID.FindAllString(w.snapshot(w.Org.ID), -1) {
			if foreign[id] {
				t.Fatalf("identifier %s is in both organisations' data", id)
			}
		}
		for _, pai := range w.Bd.PAIs {
			foreign[pai] = true
		}
		paths := routePaths()
		sort.Strings(paths)
		total := 0
		defer func() {
			t.Logf("%d routes, %d calls as A aimed at B's %d identifiers; B's data unchanged after each", len(paths), total, len(foreign))
		}()
		for _, path := range paths {
			tc := tenantCases[path]
			if tc == nil {
				t.Errorf("route %s has no tenant-isolation case", path)
				continue
			}
			t.Run(strings.ReplaceAll(path, "/", "_"), func(t *testing.T) {
				calls := 0
				as := func(c apiCall) *response {
					t.Helper()
					calls++
					if c.Token == "" && c.BasicUser == "" {
						c.Token = w.Token
					}
					r := w.send(t, c)
					for id := range foreign {
						// An error may quote what the caller sent; anything
						// else of B's in the answer is a leak.
						if strings.Contains(string(r.Body), id) && !strings.Contains(c.Body, id) {
							t.Errorf("%s: A's answer names B's identifier %s: %s", c.Path, id, r.Body)
						}
					}
					return r
				}
				tc(t, w, as)
				total += calls
				if calls == 0 {
					t.Errorf("the case for %s makes no call as A", path)
				}
				w.unchanged(t, "organisation B's data", before, w.B.ID)
			})
		}
	})
}
