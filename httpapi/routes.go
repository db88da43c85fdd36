package httpapi

import "github.com/crmapi/crmapi"

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
}
