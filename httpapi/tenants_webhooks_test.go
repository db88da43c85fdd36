package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func init() { addTenantCases(webhookTenantCases) }

// webhookTenantCases aim organisation A at B's webhook endpoints, events
// and test clock.
var webhookTenantCases = map[string]tenantCase{
	"webhooks/endpoints/create": func(t *testing.T, w *world, as func(apiCall) *response) {
		as(jsonCall("webhooks/endpoints/create", map[string]any{"url": "https://hooks.example.com/B"})).wantOK()
	},
	"webhooks/endpoints/list": listCase("webhooks/endpoints/list"),
	"webhooks/endpoints/update": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("webhooks/endpoints/update", map[string]any{"id": w.Bd.Endpoint, "enabled": false})))
		refused(t, as(jsonCall("webhooks/endpoints/update", map[string]any{"id": w.Bd.Endpoint, "rotate_secret": true})))
	},
	"webhooks/endpoints/delete": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("webhooks/endpoints/delete", map[string]any{"id": w.Bd.Endpoint})))
	},
	"webhooks/deliveries/list": func(t *testing.T, w *world, as func(apiCall) *response) {
		for _, p := range []map[string]any{{"endpoint_id": w.Bd.Endpoint}, {"event_id": w.Bd.Event}} {
			r := as(jsonCall("webhooks/deliveries/list", p))
			var d struct {
				Deliveries []any `json:"deliveries_set"`
			}
			if r.Status != 200 {
				refused(t, r)
			} else if err := json.Unmarshal(r.Env.Data, &d); err != nil || len(d.Deliveries) != 0 {
				t.Errorf("A lists deliveries of B's %v: %s", p, r.Env.Data)
			}
		}
	},
	"events/list": func(t *testing.T, w *world, as func(apiCall) *response) {
		r := as(jsonCall("events/list", map[string]any{}))
		r.wantOK()
		if !strings.Contains(string(r.Env.Data), w.Ad.Event) {
			t.Errorf("A's events do not list A's own event: %s", r.Env.Data)
		}
	},
	"events/show": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("events/show", map[string]any{"id": w.Bd.Event})))
	},
	"events/redeliver": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("events/redeliver", map[string]any{"id": w.Bd.Event})))
		refused(t, as(jsonCall("events/redeliver", map[string]any{"id": w.Ad.Event, "endpoint_id": w.Bd.Endpoint})))
	},
	"test_clock/show": func(t *testing.T, w *world, as func(apiCall) *response) {
		as(jsonCall("test_clock/show", map[string]any{})).wantOK()
	},
	"test_clock/advance": func(t *testing.T, w *world, as func(apiCall) *response) {
		// A's clock moves; B's (in B's snapshot) does not.
		as(jsonCall("test_clock/advance", map[string]any{"seconds": 60})).wantOK()
	},
}
