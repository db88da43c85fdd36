package httpapi

import "github.com/crmapi/crmapi"

// documentUsage describes the usage-authorisation methods and their admin
// extensions for the OpenAPI document.
func (s *Server) documentUsage() {
	c := func(extra ...crmapi.Code) []crmapi.Code {
		base := []crmapi.Code{crmapi.InvalidToken, crmapi.ExpiredToken, crmapi.MandatoryParameterMissing,
			crmapi.InvalidParameter, crmapi.OnlyOneSemiOptionalAllowed, crmapi.NotFound}
		return append(base, extra...)
	}
	a := func(extra ...crmapi.Code) []crmapi.Code { return c(append(extra, crmapi.PermissionDenied)...) }
	d := func(path, summary string, resp any, codes []crmapi.Code) {
		s.document(path, methodDoc{Summary: summary, Response: resp, Errors: codes})
	}
	d("usage_authorisations/show", "Show one usage authorisation by id or authorisation_id (a BLOCKED one past its expiration_date is shown, and released, as EXPIRED).",
		authorisationView{}, c())
	d("usage_authorisations/list", "List the usage authorisations of an accounts receivable (also on POST).", []authorisationView{}, c())
	d("usage_authorisations/create", "Hold an amount against an account (or a subscription's account): BLOCKED until used, cancelled or expired.",
		authorisationView{}, c(crmapi.InvalidLifeCycleState, crmapi.InsufficientFunds, crmapi.LimitExceeded))
	d("usage_authorisations/cancel", "Cancel a BLOCKED usage authorisation and release its hold.", authorisationView{}, c(crmapi.InvalidLifeCycleState))
	d("subscriptions/add_service_usage", "Post rated usage against a subscription or account, optionally completing a usage authorisation.",
		serviceUsageView{}, c(crmapi.InvalidLifeCycleState, crmapi.LimitExceeded, crmapi.InsufficientFunds))
	d("contacts/create", "Create a contact, a person or a company (extension; admin).", contactAdminView{}, a(crmapi.Conflict))
	d("contacts/show", "Show a contact (extension; admin).", contactAdminView{}, a())
	d("contacts/list", "List contacts (extension; admin).", []contactAdminView{}, a())
	d("accounts_receivable/create", "Create an accounts receivable with its owner, currency and credit limit (extension; admin).", accountView{},
		a(crmapi.Conflict, crmapi.InvalidLifeCycleState))
	d("accounts_receivable/show", "Show an accounts receivable with balance, holds and available amount (extension; admin).", accountView{}, a())
	d("accounts_receivable/list", "List accounts receivable (extension; admin).", []accountView{}, a())
	d("accounts_receivable/payments/create", "Record a payment: a ledger entry that raises the balance (extension; admin).", fundingView{},
		a(crmapi.InvalidLifeCycleState, crmapi.DuplicateReferenceNumber))
	d("accounts_receivable/credits/create", "Record a credit: a ledger entry that raises the balance (extension; admin).", fundingView{},
		a(crmapi.InvalidLifeCycleState, crmapi.DuplicateReferenceNumber))
	d("accounts_receivable/ledger_entries/list", "List an account's ledger entries (extension; admin).", []entryView{}, a())
	d("accounts_receivable/suspend", "Suspend an accounts receivable (extension; admin).", accountView{}, a(crmapi.InvalidLifeCycleState))
	d("accounts_receivable/activate", "Activate a suspended accounts receivable (extension; admin).", accountView{}, a(crmapi.InvalidLifeCycleState))
	d("accounts_receivable/terminate", "Terminate an accounts receivable (extension; admin).", accountView{}, a(crmapi.InvalidLifeCycleState))
	d("accounts_receivable/books/check", "Check every account's books: balance against ledger entries, held against BLOCKED authorisations (extension; admin).",
		[]booksView{}, a())
	d("subscriptions/create", "Create a subscription of an account (extension; admin).", accountSubscriptionView{}, a(crmapi.InvalidLifeCycleState, crmapi.Conflict))
	d("subscriptions/list", "List the subscriptions of an account (extension; admin).", []accountSubscriptionView{}, a())
	d("udr_types/create", "Create a UDR type such as Litres or VOD (extension; admin).", udrTypeView{}, a(crmapi.Conflict))
	d("udr_types/list", "List UDR types (extension; admin).", []udrTypeView{}, a())
	d("product_types/create", "Create a product type (extension; admin).", productTypeView{}, a(crmapi.Conflict))
	d("product_types/list", "List product types (extension; admin).", []productTypeView{}, a())
	d("product_families/create", "Create a product family (extension; admin).", familyView{}, a(crmapi.Conflict))
	d("product_families/list", "List product families (extension; admin).", []familyView{}, a())
	d("usage_services/create", "Create a usage service with its product type, family and unit rate (extension; admin).", usageServiceView{}, a(crmapi.Conflict))
	d("usage_services/list", "List usage services (extension; admin).", []usageServiceView{}, a())
	d("usage_allowances/set", "Set an account's usage allowance settings and limits (extension; admin).", allowanceView{}, a())
	d("usage_allowances/show", "Show an account's usage allowance settings and limits (extension; admin).", allowanceView{}, a())
	d("usage_detail_records/list", "List an account's usage detail records (extension; admin).", []usageRecordView{}, a())
}
