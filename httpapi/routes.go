package httpapi

import (
	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// registerRoutes is the route table: every API method, in one place.
func (s *Server) registerRoutes() {
	s.add("POST", "authentication/token", public, s.login)
	s.add("POST", "authentication/token/release", authenticated, s.releaseToken)
	s.add("POST", "authentication/web_api_key/token", public, s.loginWithAPIKey)

	s.add("GET", "admin/units/list", admin, s.listUnits)
	s.add("POST", "admin/units/create", admin, s.createUnit)
	s.add("GET", "admin/users/list", admin, s.listUsers)
	s.add("POST", "admin/users/create", admin, s.createUser)
	s.add("POST", "admin/users/update", admin, s.updateUser)
	s.add("GET", "admin/web_api_keys/list", admin, s.listAPIKeys)
	s.add("POST", "admin/web_api_keys/create", admin, s.createAPIKey)
	s.add("POST", "admin/web_api_keys/revoke", admin, s.revokeAPIKey)

	s.add("GET", "netflix/promotions/list", authenticated, s.netflixPromotions)
	s.add("GET", "netflix/subscriptions/show", authenticated, s.netflixShow)
	s.add("POST", "netflix/subscriptions/create", authenticated, s.netflixCreate)
	s.add("POST", "netflix/subscriptions/suspend", authenticated, s.netflixChange((*service.NetflixService).Suspend))
	s.add("POST", "netflix/subscriptions/unsuspend", authenticated, s.netflixChange((*service.NetflixService).Unsuspend))
	s.add("POST", "netflix/subscriptions/cancel", authenticated, s.netflixChange((*service.NetflixService).Cancel))
	s.add("GET", "netflix/charges/list", authenticated, s.netflixCharges)
	s.add("POST", "netflix/charges/acknowledge", authenticated, s.netflixBatch("acknowledged_charges_set", (*service.NetflixService).Acknowledge))
	s.add("POST", "netflix/charges/accept", authenticated, s.netflixBatch("accepted_charges_set", (*service.NetflixService).Accept))
	s.add("POST", "netflix/charges/decline", authenticated, s.netflixBatch("declined_charges_set", (*service.NetflixService).Decline))
	s.add("GET", "admin/netflix/attention/list", admin, s.netflixAttention)
	s.add("POST", "admin/netflix/attention/retry", admin, s.netflixRetry)
	s.add("GET", "netflix/charges/check", admin, s.netflixCheckCharges)

	// Usage authorisations (CRM.COM R13+); list is served on GET too.
	s.add("GET", "usage_authorisations/show", authenticated, s.showAuthorisation)
	s.add("GET", "usage_authorisations/list", authenticated, s.listAuthorisations)
	s.add("POST", "usage_authorisations/create", authenticated, s.createAuthorisation)
	s.add("POST", "usage_authorisations/cancel", authenticated, s.cancelAuthorisation)
	s.add("POST", "subscriptions/add_service_usage", authenticated, s.addServiceUsage)

	// crmapi's admin extensions for what usage authorisations act on.
	s.add("POST", "contacts/create", admin, s.createContact)
	s.add("GET", "contacts/show", admin, s.showContact)
	s.add("GET", "contacts/list", admin, s.listContacts)
	s.add("POST", "accounts_receivable/create", admin, s.createAccount)
	s.add("GET", "accounts_receivable/show", admin, s.showAccount)
	s.add("GET", "accounts_receivable/list", admin, s.listAccounts)
	s.add("POST", "accounts_receivable/payments/create", admin, s.fund(crmapi.EntryPayment))
	s.add("POST", "accounts_receivable/credits/create", admin, s.fund(crmapi.EntryCredit))
	s.add("GET", "accounts_receivable/ledger_entries/list", admin, s.listEntries)
	s.add("POST", "accounts_receivable/suspend", admin, s.setAccountState(crmapi.AccountSuspended))
	s.add("POST", "accounts_receivable/activate", admin, s.setAccountState(crmapi.AccountActive))
	s.add("POST", "accounts_receivable/terminate", admin, s.setAccountState(crmapi.AccountTerminated))
	s.add("GET", "accounts_receivable/books/check", admin, s.checkBooks)
	s.add("POST", "subscriptions/create", admin, s.createSubscription)
	s.add("GET", "subscriptions/list", admin, s.listSubscriptions)
	s.add("POST", "udr_types/create", admin, s.createUDRType)
	s.add("GET", "udr_types/list", admin, s.catalogueLister(listUDRTypes))
	s.add("POST", "product_types/create", admin, s.createProductType)
	s.add("GET", "product_types/list", admin, s.catalogueLister(listProductTypes))
	s.add("POST", "product_families/create", admin, s.createFamily)
	s.add("GET", "product_families/list", admin, s.catalogueLister(listFamilies))
	s.add("POST", "usage_services/create", admin, s.createUsageService)
	s.add("GET", "usage_services/list", admin, s.catalogueLister(listUsageServices))
	s.add("POST", "usage_allowances/set", admin, s.setAllowance)
	s.add("GET", "usage_allowances/show", admin, s.showAllowance)
	s.add("GET", "usage_detail_records/list", admin, s.listUsageRecords)

	s.add("GET", "test_clock/show", admin, s.showTestClock)
	s.add("POST", "test_clock/advance", admin, s.advanceTestClock)

	s.add("POST", "webhooks/endpoints/create", admin, s.createEndpoint)
	s.add("GET", "webhooks/endpoints/list", admin, s.listEndpoints)
	s.add("POST", "webhooks/endpoints/update", admin, s.updateEndpoint)
	s.add("POST", "webhooks/endpoints/delete", admin, s.deleteEndpoint)
	s.add("GET", "webhooks/deliveries/list", admin, s.listDeliveries)
	s.add("GET", "events/list", admin, s.listEvents)
	s.add("GET", "events/show", admin, s.showEvent)
	s.add("POST", "events/redeliver", admin, s.redeliverEvent)

	s.documentAuth()
	s.documentUsage()
	s.documentWebhooks()
	s.documentNetflix()
}

// documentAuth describes the login and admin methods for the OpenAPI document.
func (s *Server) documentAuth() {
	param := []crmapi.Code{crmapi.MandatoryParameterMissing, crmapi.InvalidParameter, crmapi.RequestTooLarge}
	authed := append([]crmapi.Code{crmapi.InvalidToken, crmapi.ExpiredToken}, param...)
	adm := append([]crmapi.Code{crmapi.PermissionDenied}, authed...)
	s.document("authentication/token", methodDoc{Summary: "Log in with a username and password; returns a token (HS256 JWT, 2 h).",
		Response: tokenData{}, Errors: append([]crmapi.Code{crmapi.AuthenticationFailed, crmapi.RateLimited}, param...)})
	s.document("authentication/token/release", methodDoc{Summary: "Release the token: it is refused from then on.", Errors: authed})
	s.document("authentication/web_api_key/token", methodDoc{Summary: "Log in with a web API key sent as the HTTP Basic user name.",
		Response: tokenData{}, Errors: append([]crmapi.Code{crmapi.AuthenticationFailed, crmapi.RateLimited}, param...)})
	s.document("admin/units/list", methodDoc{Summary: "List the organisation's units (admin).", Response: []unitView{}, Errors: adm})
	s.document("admin/units/create", methodDoc{Summary: "Add a unit (admin).", Response: unitView{}, Errors: append([]crmapi.Code{crmapi.Conflict}, adm...)})
	s.document("admin/users/list", methodDoc{Summary: "List the organisation's users (admin).", Response: []userView{}, Errors: adm})
	s.document("admin/users/create", methodDoc{Summary: "Add a user (admin).", Response: userView{}, Errors: append([]crmapi.Code{crmapi.Conflict}, adm...)})
	s.document("admin/users/update", methodDoc{Summary: "Change a user's password, unit, admin flag or disabled flag (admin).", Response: userView{},
		Errors: append([]crmapi.Code{crmapi.NotFound}, adm...)})
	s.document("admin/web_api_keys/list", methodDoc{Summary: "List web API keys, never their secrets (admin).", Response: []apiKeyView{}, Errors: adm})
	s.document("admin/web_api_keys/create", methodDoc{Summary: "Make a web API key; its secret is in this answer only (admin).", Response: apiKeyView{},
		Errors: append([]crmapi.Code{crmapi.NotFound}, adm...)})
	s.document("test_clock/show", methodDoc{Summary: "Show the organisation's test clock (extension; admin).", Response: testClockView{}, Errors: adm})
	s.document("test_clock/advance", methodDoc{Summary: "Move a test organisation's clock forward by seconds; production organisations refuse it (extension; admin).",
		Response: testClockView{}, Errors: adm})
	s.document("admin/web_api_keys/revoke", methodDoc{Summary: "Revoke a web API key (admin).", Errors: append([]crmapi.Code{crmapi.NotFound}, adm...)})
}
