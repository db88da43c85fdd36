package httpapi_test

import "testing"

func init() { addTenantCases(usageTenantCases) }

// usageTenantCases aim organisation A at B's accounts, contacts,
// subscriptions, catalogue, allowances and authorisations.
var usageTenantCases = map[string]tenantCase{
	"usage_authorisations/show": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("usage_authorisations/show", map[string]any{"usage_authorisation_identifier": ref("id", w.Bd.Authorisation.ID)})))
	},
	"usage_authorisations/list": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("usage_authorisations/list", map[string]any{"accounts_receivable_identifier": ref("id", w.Bd.Accounts[0].ID)})))
		refused(t, as(jsonCall("usage_authorisations/list", map[string]any{"accounts_receivable_identifier": ref("number", w.Bd.Accounts[1].Number)})))
		refused(t, as(jsonCall("usage_authorisations/list", map[string]any{"accounts_receivable_identifier": ref("name", "Account B1")})))
	},
	"usage_authorisations/create": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("usage_authorisations/create", map[string]any{"accounts_receivable_identifier": ref("id", w.Bd.Accounts[0].ID),
			"authorisation_amount": "1"})))
		refused(t, as(jsonCall("usage_authorisations/create", map[string]any{"subscription_identifier": ref("id", w.Bd.Subscription.ID),
			"authorisation_amount": "1"})))
	},
	"usage_authorisations/cancel": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("usage_authorisations/cancel", map[string]any{"usage_authorisation_identifier": ref("id", w.Bd.Authorisation.ID)})))
	},
	"subscriptions/add_service_usage": func(t *testing.T, w *world, as func(apiCall) *response) {
		line := func(code string) []any {
			return []any{map[string]any{"product_identifier": ref("code", code), "usage_amount": 1}}
		}
		refused(t, as(jsonCall("subscriptions/add_service_usage", map[string]any{"subscription_identifier": ref("id", w.Bd.Subscription.ID),
			"usage_detail_records_set": line(w.Ad.ServiceCode)})))
		refused(t, as(jsonCall("subscriptions/add_service_usage", map[string]any{"subscription_identifier": ref("id", w.Ad.Subscription.ID),
			"usage_authorisation_identifier": ref("id", w.Bd.Authorisation.ID), "usage_detail_records_set": line(w.Ad.ServiceCode)})))
		refused(t, as(jsonCall("subscriptions/add_service_usage", map[string]any{"subscription_identifier": ref("id", w.Ad.Subscription.ID),
			"usage_detail_records_set": []any{map[string]any{"product_identifier": ref("id", w.Bd.Service), "usage_amount": 1}}})))
	},
	"contacts/create": func(t *testing.T, w *world, as func(apiCall) *response) {
		// Nothing of B's to name: the contact is A's.
		as(jsonCall("contacts/create", map[string]any{"type": "PERSON", "first_name": "Pat", "last_name": "Owner B"})).wantOK()
	},
	"contacts/show": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("contacts/show", map[string]any{"contact_identifier": ref("id", w.Bd.Contact)})))
	},
	"contacts/list": func(t *testing.T, w *world, as func(apiCall) *response) {
		wantNonEmptyList(t, as(jsonCall("contacts/list", map[string]any{})))
	},
	"accounts_receivable/create": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("accounts_receivable/create", map[string]any{"contact_identifier": ref("id", w.Bd.Contact), "currency": "EUR"})))
	},
	"accounts_receivable/show": func(t *testing.T, w *world, as func(apiCall) *response) {
		for _, r := range []map[string]any{ref("id", w.Bd.Accounts[0].ID), ref("number", w.Bd.Accounts[1].Number), ref("name", "Account B2")} {
			refused(t, as(jsonCall("accounts_receivable/show", map[string]any{"accounts_receivable_identifier": r})))
		}
	},
	"accounts_receivable/list": func(t *testing.T, w *world, as func(apiCall) *response) {
		wantNonEmptyList(t, as(jsonCall("accounts_receivable/list", map[string]any{})))
	},
	"accounts_receivable/payments/create":     fundsCase("accounts_receivable/payments/create"),
	"accounts_receivable/credits/create":      fundsCase("accounts_receivable/credits/create"),
	"accounts_receivable/ledger_entries/list": accountCase("accounts_receivable/ledger_entries/list"),
	"accounts_receivable/suspend":             accountCase("accounts_receivable/suspend"),
	"accounts_receivable/activate":            accountCase("accounts_receivable/activate"),
	"accounts_receivable/terminate":           accountCase("accounts_receivable/terminate"),
	"accounts_receivable/books/check": func(t *testing.T, w *world, as func(apiCall) *response) {
		wantNonEmptyList(t, as(jsonCall("accounts_receivable/books/check", map[string]any{})))
	},
	"subscriptions/create": accountCase("subscriptions/create"),
	"subscriptions/list":   accountCase("subscriptions/list"),
	"udr_types/create": func(t *testing.T, w *world, as func(apiCall) *response) {
		// B's name makes A's own type; B keeps its one.
		as(jsonCall("udr_types/create", map[string]any{"name": "Litres B"})).wantOK()
	},
	"udr_types/list": listCase("udr_types/list"),
	"product_types/create": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("product_types/create", map[string]any{"name": "X", "udr_type_identifier": ref("id", w.Bd.UDRType)})))
		refused(t, as(jsonCall("product_types/create", map[string]any{"name": "X", "udr_type_identifier": ref("alternative_code", "LB")})))
	},
	"product_types/list": listCase("product_types/list"),
	"product_families/create": func(t *testing.T, w *world, as func(apiCall) *response) {
		as(jsonCall("product_families/create", map[string]any{"code": "FAMB"})).wantOK()
	},
	"product_families/list": listCase("product_families/list"),
	"usage_services/create": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("usage_services/create", map[string]any{"code": "X1", "unit_rate": "1",
			"product_type_identifier": ref("id", w.Bd.ProductType)})))
		refused(t, as(jsonCall("usage_services/create", map[string]any{"code": "X2", "unit_rate": "1",
			"product_type_identifier": ref("id", w.Ad.ProductType), "product_family_identifier": ref("id", w.Bd.Family)})))
	},
	"usage_services/list": listCase("usage_services/list"),
	"usage_allowances/set": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("usage_allowances/set", map[string]any{"accounts_receivable_identifier": ref("id", w.Bd.Accounts[0].ID)})))
		refused(t, as(jsonCall("usage_allowances/set", map[string]any{"accounts_receivable_identifier": ref("id", w.Ad.Accounts[0].ID),
			"usage_allowance_limits_set": []any{map[string]any{"service_identifier": ref("id", w.Bd.Service), "maximum_usage_per_transaction": 1}}})))
	},
	"usage_allowances/show":     accountCase("usage_allowances/show"),
	"usage_detail_records/list": accountCase("usage_detail_records/list"),
}

// accountCase aims a method that takes an account at B's, by id, by a
// number A does not have, and by name.
func accountCase(path string) tenantCase {
	return func(t *testing.T, w *world, as func(apiCall) *response) {
		for _, r := range []map[string]any{ref("id", w.Bd.Accounts[0].ID), ref("number", w.Bd.Accounts[1].Number), ref("name", "Account B1")} {
			refused(t, as(jsonCall(path, map[string]any{"accounts_receivable_identifier": r})))
		}
	}
}

// fundsCase pays into B's account.
func fundsCase(path string) tenantCase {
	return func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall(path, map[string]any{"accounts_receivable_identifier": ref("id", w.Bd.Accounts[0].ID), "amount": "5"})))
		refused(t, as(jsonCall(path, map[string]any{"accounts_receivable_identifier": ref("number", w.Bd.Accounts[1].Number), "amount": "5"})))
	}
}

// listCase lists A's own rows: none may be B's.
func listCase(path string) tenantCase {
	return func(t *testing.T, w *world, as func(apiCall) *response) {
		wantNonEmptyList(t, as(jsonCall(path, map[string]any{})))
	}
}
