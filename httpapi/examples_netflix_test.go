package httpapi_test

import "testing"

func init() { addExamples(netflixExamples) }

// netflixExamples are complete calls of the Netflix methods.
var netflixExamples = map[string]routeExample{
	"netflix/promotions/list": func(t testing.TB, w *world) apiCall { return params("netflix/promotions/list", map[string]any{}) },
	"netflix/subscriptions/show": func(t testing.TB, w *world) apiCall {
		return params("netflix/subscriptions/show", map[string]any{"billing_system_customer_identifier": w.Ad.Customers[0]})
	},
	"netflix/subscriptions/create": func(t testing.TB, w *world) apiCall {
		return params("netflix/subscriptions/create", map[string]any{"billing_system_customer_identifier": unique("cust"),
			"promotion_code": "FREE1M", "channel": "WEB", "validity_duration": 3600, "customer_first_name": "Jane", "customer_last_name": "Doe",
			"customer_email": map[string]any{"type": "PERSONAL", "email_address": "jane@example.com", "is_primary": true},
			"customer_phone": map[string]any{"type": "MOBILE", "number": "99123456", "is_primary": true},
			"customer_address": map[string]any{"type": "HOME", "street_name": "Main St", "street_number": "1", "town_city": "Nicosia",
				"postal_code": "1000", "is_primary": true, "country_identifier": map[string]any{"two_character_code": "CY"}}})
	},
	"netflix/subscriptions/suspend": func(t testing.TB, w *world) apiCall {
		return params("netflix/subscriptions/suspend", map[string]any{"billing_system_customer_identifier": w.freshCustomer(t)})
	},
	"netflix/subscriptions/unsuspend": func(t testing.TB, w *world) apiCall {
		c := w.freshCustomer(t)
		w.ok(t, w.freshA(), "netflix/subscriptions/suspend", map[string]any{"billing_system_customer_identifier": c})
		return params("netflix/subscriptions/unsuspend", map[string]any{"billing_system_customer_identifier": c})
	},
	"netflix/subscriptions/cancel": func(t testing.TB, w *world) apiCall {
		return params("netflix/subscriptions/cancel", map[string]any{"billing_system_customer_identifier": w.freshCustomer(t)})
	},
	"netflix/charges/list": func(t testing.TB, w *world) apiCall {
		return params("netflix/charges/list", map[string]any{"number_of_results": 20, "charge_status": "NOT_PROCESSED", "offset": 0})
	},
	"netflix/charges/acknowledge": func(t testing.TB, w *world) apiCall {
		c, n := w.freshProcessedCharge(t)
		return params("netflix/charges/acknowledge", map[string]any{"acknowledged_charges_set": []any{
			map[string]any{"number": n, "billing_system_customer_identifier": c, "reference_number": unique("ACK")}}})
	},
	"netflix/charges/accept":  pendingChargeExample("netflix/charges/accept", "accepted_charges_set"),
	"netflix/charges/decline": pendingChargeExample("netflix/charges/decline", "declined_charges_set"),
	"admin/netflix/attention/list": func(t testing.TB, w *world) apiCall {
		return params("admin/netflix/attention/list", map[string]any{})
	},
	"admin/netflix/attention/retry": func(t testing.TB, w *world) apiCall {
		return params("admin/netflix/attention/retry", map[string]any{"subscription_number": "NS0000000001"})
	},
	"netflix/charges/check": func(t testing.TB, w *world) apiCall { return params("netflix/charges/check", map[string]any{}) },
}

// pendingChargeExample acts on a new customer's charge, not yet processed.
func pendingChargeExample(path, set string) routeExample {
	return func(t testing.TB, w *world) apiCall {
		c := w.freshCustomer(t)
		n := w.chargeOf(t, w.freshA(), c, "NOT_PROCESSED")
		return params(path, map[string]any{set: []any{
			map[string]any{"number": n, "billing_system_customer_identifier": c, "reference_number": unique("REF")}}})
	}
}
