package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// routeExample builds, as organisation A, a valid call of one route that
// gives every parameter the route takes (of a semi-optional group, one),
// as a JSON body. Methods that use up what they act on (cancel, revoke,
// terminate, delete, …) get a fresh object each time. The mass-assignment
// test adds hostile keys to it and the fuzz targets start from it. Calls
// without a Token or BasicUser are sent with a fresh token of A's admin.
type routeExample func(t testing.TB, w *world) apiCall

// routeExamples has one example per route; TestEveryRouteHasExample keeps
// it complete. The examples of each area join it with addExamples.
var routeExamples = map[string]routeExample{}

// addExamples adds examples to the table; a route given twice panics.
func addExamples(examples map[string]routeExample) {
	for path, ex := range examples {
		if routeExamples[path] != nil {
			panic("two examples for " + path)
		}
		routeExamples[path] = ex
	}
}

// params makes an example's call.
func params(path string, p map[string]any) apiCall { return jsonCall(path, p) }

func init() { addExamples(authExamples) }

var authExamples = map[string]routeExample{
	"authentication/token": func(t testing.TB, w *world) apiCall {
		return params("authentication/token", map[string]any{
			"username": "admin", "password": testPassword, "organisation": w.Org.Name, "unit": "Head Office"})
	},
	"authentication/token/release": func(t testing.TB, w *world) apiCall {
		return params("authentication/token/release", map[string]any{})
	},
	"authentication/web_api_key/token": func(t testing.TB, w *world) apiCall {
		c := params("authentication/web_api_key/token", map[string]any{"unit": "Head Office"})
		c.BasicUser = w.AKeySecret
		return c
	},
	"admin/units/list": func(t testing.TB, w *world) apiCall { return params("admin/units/list", map[string]any{}) },
	"admin/units/create": func(t testing.TB, w *world) apiCall {
		return params("admin/units/create", map[string]any{"name": "Example " + crmapi.RandomToken(4)})
	},
	"admin/users/list": func(t testing.TB, w *world) apiCall { return params("admin/users/list", map[string]any{}) },
	"admin/users/create": func(t testing.TB, w *world) apiCall {
		return params("admin/users/create", map[string]any{
			"username": "example-" + crmapi.RandomToken(4), "password": testPassword, "unit": "Head Office", "admin": false})
	},
	"admin/users/update": func(t testing.TB, w *world) apiCall {
		return params("admin/users/update", map[string]any{
			"username": w.AUser.Username, "password": testPassword, "unit": "Head Office", "admin": false, "disabled": false})
	},
	"admin/web_api_keys/list": func(t testing.TB, w *world) apiCall { return params("admin/web_api_keys/list", map[string]any{}) },
	"admin/web_api_keys/create": func(t testing.TB, w *world) apiCall {
		return params("admin/web_api_keys/create", map[string]any{"name": "example-key", "username": "admin", "unit": "Head Office"})
	},
	"admin/web_api_keys/revoke": func(t testing.TB, w *world) apiCall {
		k, _, err := w.Svc.Auth.CreateAPIKey(context.Background(), w.Org.ID, service.NewAPIKey{Name: "to-revoke", Username: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		return params("admin/web_api_keys/revoke", map[string]any{"id": k.ID})
	},
}

// example returns route's example, authenticated as A's admin when it
// names no caller and the route is not public.
func (w *world) example(t testing.TB, path string, public bool) apiCall {
	t.Helper()
	ex := routeExamples[path]
	if ex == nil {
		t.Fatalf("route %s has no example in routeExamples", path)
	}
	c := ex(t, w)
	if c.Token == "" && c.BasicUser == "" && !public {
		c.Token = w.freshA()
	}
	return c
}

// asQuery turns an example's JSON parameters into a GET query string:
// strings and numbers as they are, an identifier {"id": "X"} as id=X,
// anything else as JSON text.
func asQuery(body string) string {
	var p map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		panic(err)
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	q := url.Values{}
	for _, k := range keys {
		raw := p[k]
		var s string
		var ident map[string]string
		switch {
		case json.Unmarshal(raw, &s) == nil:
			q.Set(k, s)
		case json.Unmarshal(raw, &ident) == nil && len(ident) == 1:
			for f, v := range ident {
				q.Set(k, f+"="+v)
			}
		default:
			q.Set(k, string(raw))
		}
	}
	return q.Encode()
}

func TestEveryRouteHasExample(t *testing.T) {
	routes := map[string]bool{}
	for _, p := range routePaths() {
		routes[p] = true
		if routeExamples[p] == nil {
			t.Errorf("route %s has no example: add one to routeExamples (httpapi/examples*_test.go)", p)
		}
	}
	for p := range routeExamples {
		if !routes[p] {
			t.Errorf("routeExamples has an example for %s, which is not a route", p)
		}
	}
}

// unique names one example's object.
func unique(prefix string) string { return fmt.Sprintf("%s-%s", prefix, crmapi.RandomToken(4)) }

// freshAccount opens a funded account of A's.
func (w *world) freshAccount(t testing.TB) idNum {
	t.Helper()
	a := w.ok(t, w.freshA(), "accounts_receivable/create", map[string]any{"contact_identifier": ref("id", w.Ad.Contact),
		"name": unique("Account"), "currency": "EUR"})
	acc := idNum{ID: str(a["id"]), Number: str(a["number"])}
	w.ok(t, w.freshA(), "accounts_receivable/payments/create", map[string]any{"accounts_receivable_identifier": ref("id", acc.ID), "amount": "50"})
	return acc
}

// freshAuthorisation holds 5 on A's first account.
func (w *world) freshAuthorisation(t testing.TB) string {
	t.Helper()
	return str(w.ok(t, w.freshA(), "usage_authorisations/create", map[string]any{
		"accounts_receivable_identifier": ref("id", w.Ad.Accounts[0].ID), "authorisation_amount": "5"})["id"])
}

// freshCustomer signs up a new Netflix customer of A's.
func (w *world) freshCustomer(t testing.TB) string {
	t.Helper()
	c := unique("cust")
	w.mustSignUp(t, w.freshA(), c)
	return c
}

// freshProcessedCharge bills a new customer and lets the partner process
// the charge.
func (w *world) freshProcessedCharge(t testing.TB) (customer, number string) {
	t.Helper()
	customer = w.freshCustomer(t)
	w.emu.AdvanceClock(2 * time.Hour)
	w.reconcile(t)
	return customer, w.chargeOf(t, w.freshA(), customer, "PROCESSED")
}
