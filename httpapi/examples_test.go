package httpapi_test

import (
	"context"
	"testing"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// routeExample builds a valid call of one route that gives every
// parameter the route takes, in a world. The mass-assignment test adds
// hostile keys to it and the fuzz targets start from it. Calls without a
// Token or BasicUser are sent with a fresh token of A's admin.
type routeExample func(w *world) apiCall

// routeExamples has one example per route; TestEveryRouteHasExample keeps
// it complete.
var routeExamples = map[string]routeExample{
	"authentication/token": func(w *world) apiCall {
		return apiCall{Path: "authentication/token", Body: jsonBody(map[string]any{
			"username": "admin", "password": testPassword, "organisation": w.Org.Name, "unit": "Head Office"})}
	},
	"authentication/token/release": func(w *world) apiCall {
		return apiCall{Path: "authentication/token/release", Body: `{}`}
	},
	"authentication/web_api_key/token": func(w *world) apiCall {
		return apiCall{Path: "authentication/web_api_key/token", Body: jsonBody(map[string]any{"unit": "Head Office"}),
			BasicUser: w.AKeySecret}
	},
	"admin/units/list": func(w *world) apiCall { return apiCall{Method: "GET", Path: "admin/units/list"} },
	"admin/units/create": func(w *world) apiCall {
		return apiCall{Path: "admin/units/create", Body: jsonBody(map[string]any{"name": "Example " + crmapi.RandomToken(4)})}
	},
	"admin/users/list": func(w *world) apiCall { return apiCall{Method: "GET", Path: "admin/users/list"} },
	"admin/users/create": func(w *world) apiCall {
		return apiCall{Path: "admin/users/create", Body: jsonBody(map[string]any{
			"username": "example-" + crmapi.RandomToken(4), "password": testPassword, "unit": "Head Office", "admin": false})}
	},
	"admin/users/update": func(w *world) apiCall {
		return apiCall{Path: "admin/users/update", Body: jsonBody(map[string]any{
			"username": w.AUser.Username, "password": testPassword, "unit": "Head Office", "admin": false, "disabled": false})}
	},
	"admin/web_api_keys/list": func(w *world) apiCall { return apiCall{Method: "GET", Path: "admin/web_api_keys/list"} },
	"admin/web_api_keys/create": func(w *world) apiCall {
		return apiCall{Path: "admin/web_api_keys/create", Body: jsonBody(map[string]any{
			"name": "example-key", "username": "admin", "unit": "Head Office"})}
	},
	"admin/web_api_keys/revoke": func(w *world) apiCall {
		k, _, err := w.Svc.Auth.CreateAPIKey(context.Background(), w.Org.ID, service.NewAPIKey{Name: "to-revoke", Username: "admin"})
		if err != nil {
			w.t.Fatal(err)
		}
		return apiCall{Path: "admin/web_api_keys/revoke", Body: jsonBody(map[string]any{"id": k.ID})}
	},
}

// example returns route's example, authenticated as A's admin when it
// names no caller and the route is not public.
func (w *world) example(path string, public bool) apiCall {
	w.t.Helper()
	ex := routeExamples[path]
	if ex == nil {
		w.t.Fatalf("route %s has no example in routeExamples", path)
	}
	c := ex(w)
	if c.Token == "" && c.BasicUser == "" && !public {
		c.Token = w.freshA()
	}
	return c
}

func TestEveryRouteHasExample(t *testing.T) {
	routes := map[string]bool{}
	for _, p := range routePaths() {
		routes[p] = true
		if routeExamples[p] == nil {
			t.Errorf("route %s has no example: add one to routeExamples in httpapi/examples_test.go", p)
		}
	}
	for p := range routeExamples {
		if !routes[p] {
			t.Errorf("routeExamples has an example for %s, which is not a route", p)
		}
	}
}
