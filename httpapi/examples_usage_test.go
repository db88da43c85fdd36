package httpapi_test

import "testing"

func init() { addExamples(usageExamples) }

// usageExamples are complete calls of the usage, account and catalogue methods.
var usageExamples = map[string]routeExample{
	"usage_authorisations/show": func(t testing.TB, w *world) apiCall {
		return params("usage_authorisations/show", map[string]any{"usage_authorisation_identifier": ref("id", w.Ad.Authorisation.ID)})
	},
	"usage_authorisations/list": func(t testing.TB, w *world) apiCall {
		return params("usage_authorisations/list", map[string]any{"accounts_receivable_identifier": ref("id", w.Ad.Accounts[0].ID),
			"number_of_results": 10, "offset": 0})
	},
	"usage_authorisations/create": func(t testing.TB, w *world) apiCall {
		return params("usage_authorisations/create", map[string]any{"accounts_receivable_identifier": ref("number", w.Ad.Accounts[0].Number),
			"authorisation_amount": "1.5"})
	},
	"usage_authorisations/cancel": func(t testing.TB, w *world) apiCall {
		return params("usage_authorisations/cancel", map[string]any{"usage_authorisation_identifier": ref("id", w.freshAuthorisation(t))})
	},
	"subscriptions/add_service_usage": func(t testing.TB, w *world) apiCall {
		return params("subscriptions/add_service_usage", map[string]any{"subscription_identifier": ref("id", w.Ad.Subscription.ID),
			"usage_authorisation_identifier": ref("id", w.freshAuthorisation(t)),
			"usage_detail_records_set":       []any{map[string]any{"product_identifier": ref("code", w.Ad.ServiceCode), "usage_amount": 2}}})
	},
	"contacts/create": func(t testing.TB, w *world) apiCall {
		return params("contacts/create", map[string]any{"type": "PERSON", "first_name": "Ann", "middle_name": "B", "last_name": unique("Example"),
			"title": "Ms"})
	},
	"contacts/show": func(t testing.TB, w *world) apiCall {
		return params("contacts/show", map[string]any{"contact_identifier": ref("id", w.Ad.Contact)})
	},
	"contacts/list": func(t testing.TB, w *world) apiCall { return params("contacts/list", map[string]any{}) },
	"accounts_receivable/create": func(t testing.TB, w *world) apiCall {
		return params("accounts_receivable/create", map[string]any{"contact_identifier": ref("id", w.Ad.Contact), "name": unique("Account"),
			"currency": "EUR", "credit_limit": "20"})
	},
	"accounts_receivable/show":                accountExample("accounts_receivable/show"),
	"accounts_receivable/list":                func(t testing.TB, w *world) apiCall { return params("accounts_receivable/list", map[string]any{}) },
	"accounts_receivable/payments/create":     fundsExample("accounts_receivable/payments/create"),
	"accounts_receivable/credits/create":      fundsExample("accounts_receivable/credits/create"),
	"accounts_receivable/ledger_entries/list": accountExample("accounts_receivable/ledger_entries/list"),
	"accounts_receivable/suspend": func(t testing.TB, w *world) apiCall {
		return params("accounts_receivable/suspend", map[string]any{"accounts_receivable_identifier": ref("id", w.freshAccount(t).ID)})
	},
	"accounts_receivable/activate": func(t testing.TB, w *world) apiCall {
		a := w.freshAccount(t)
		w.ok(t, w.freshA(), "accounts_receivable/suspend", map[string]any{"accounts_receivable_identifier": ref("id", a.ID)})
		return params("accounts_receivable/activate", map[string]any{"accounts_receivable_identifier": ref("id", a.ID)})
	},
	"accounts_receivable/terminate": func(t testing.TB, w *world) apiCall {
		return params("accounts_receivable/terminate", map[string]any{"accounts_receivable_identifier": ref("id", w.freshAccount(t).ID)})
	},
	"accounts_receivable/books/check": func(t testing.TB, w *world) apiCall {
		return params("accounts_receivable/books/check", map[string]any{})
	},
	"subscriptions/create": func(t testing.TB, w *world) apiCall {
		return params("subscriptions/create", map[string]any{"accounts_receivable_identifier": ref("id", w.Ad.Accounts[0].ID), "type": "USAGE"})
	},
	"subscriptions/list": accountExample("subscriptions/list"),
	"udr_types/create": func(t testing.TB, w *world) apiCall {
		return params("udr_types/create", map[string]any{"name": unique("Minutes"), "alternative_code": unique("M"), "description": "calls"})
	},
	"udr_types/list": func(t testing.TB, w *world) apiCall { return params("udr_types/list", map[string]any{}) },
	"product_types/create": func(t testing.TB, w *world) apiCall {
		return params("product_types/create", map[string]any{"name": unique("Type"), "alternative_code": unique("PT"), "description": "d",
			"udr_type_identifier": ref("id", w.Ad.UDRType), "used_for_provisioning": true})
	},
	"product_types/list": func(t testing.TB, w *world) apiCall { return params("product_types/list", map[string]any{}) },
	"product_families/create": func(t testing.TB, w *world) apiCall {
		return params("product_families/create", map[string]any{"code": unique("FAM"), "name": "Family", "description": "d"})
	},
	"product_families/list": func(t testing.TB, w *world) apiCall { return params("product_families/list", map[string]any{}) },
	"usage_services/create": func(t testing.TB, w *world) apiCall {
		return params("usage_services/create", map[string]any{"code": unique("SVC"), "alternative_code": unique("S"), "description": "d",
			"product_type_identifier": ref("id", w.Ad.ProductType), "product_family_identifier": ref("id", w.Ad.Family), "unit_rate": "0.155"})
	},
	"usage_services/list": func(t testing.TB, w *world) apiCall { return params("usage_services/list", map[string]any{}) },
	"usage_allowances/set": func(t testing.TB, w *world) apiCall {
		return params("usage_allowances/set", map[string]any{"accounts_receivable_identifier": ref("id", w.freshAccount(t).ID),
			"block_services_not_included_in_usage_allowance_limits_settings": false,
			"percentage_of_allowed_exceeded_usage_limit":                     "10",
			"authorisation_validity_minutes":                                 60,
			"usage_allowance_limits_set": []any{map[string]any{"service_identifier": ref("id", w.Ad.Service),
				"maximum_usage_per_transaction": 100}}})
	},
	"usage_allowances/show":     accountExample("usage_allowances/show"),
	"usage_detail_records/list": accountExample("usage_detail_records/list"),
}

// accountExample names A's first account.
func accountExample(path string) routeExample {
	return func(t testing.TB, w *world) apiCall {
		return params(path, map[string]any{"accounts_receivable_identifier": ref("id", w.Ad.Accounts[0].ID)})
	}
}

// fundsExample pays into A's first account.
func fundsExample(path string) routeExample {
	return func(t testing.TB, w *world) apiCall {
		return params(path, map[string]any{"accounts_receivable_identifier": ref("id", w.Ad.Accounts[0].ID), "amount": "2.5",
			"reference_number": unique("REF"), "notes": "example"})
	}
}
