package httpapi_test

import "testing"

func init() { addExamples(webhookExamples) }

// webhookExamples are complete calls of the webhook, event and test-clock methods.
var webhookExamples = map[string]routeExample{
	"webhooks/endpoints/create": func(t testing.TB, w *world) apiCall {
		return params("webhooks/endpoints/create", map[string]any{"url": "https://hooks.example.com/" + unique("e"),
			"event_types": []any{"usage_authorisation.created"}})
	},
	"webhooks/endpoints/list": func(t testing.TB, w *world) apiCall { return params("webhooks/endpoints/list", map[string]any{}) },
	"webhooks/endpoints/update": func(t testing.TB, w *world) apiCall {
		return params("webhooks/endpoints/update", map[string]any{"id": w.Ad.Endpoint, "url": "https://hooks.example.com/A",
			"event_types": []any{"*"}, "enabled": true, "rotate_secret": false})
	},
	"webhooks/endpoints/delete": func(t testing.TB, w *world) apiCall {
		id := str(w.ok(t, w.freshA(), "webhooks/endpoints/create", map[string]any{"url": "https://hooks.example.com/" + unique("d")})["id"])
		return params("webhooks/endpoints/delete", map[string]any{"id": id})
	},
	"webhooks/deliveries/list": func(t testing.TB, w *world) apiCall {
		return params("webhooks/deliveries/list", map[string]any{"event_id": w.Ad.Event, "endpoint_id": w.Ad.Endpoint, "state": "PENDING",
			"number_of_results": 10, "offset": 0})
	},
	"events/list": func(t testing.TB, w *world) apiCall {
		return params("events/list", map[string]any{"after_sequence": 0, "number_of_results": 10, "type": "usage_authorisation.created"})
	},
	"events/show": func(t testing.TB, w *world) apiCall {
		return params("events/show", map[string]any{"id": w.Ad.Event})
	},
	"events/redeliver": func(t testing.TB, w *world) apiCall {
		return params("events/redeliver", map[string]any{"id": w.Ad.Event, "endpoint_id": w.Ad.Endpoint})
	},
	"test_clock/show": func(t testing.TB, w *world) apiCall { return params("test_clock/show", map[string]any{}) },
	"test_clock/advance": func(t testing.TB, w *world) apiCall {
		return params("test_clock/advance", map[string]any{"seconds": 1})
	},
}
