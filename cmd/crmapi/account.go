package main

var (
	accountColumns = []string{"number", "name", "life_cycle_state", "currency", "balance", "credit_limit", "held_amount", "available_amount"}
	accountLines   = []string{"number", "id", "name", "life_cycle_state", "currency", "balance", "credit_limit", "held_amount",
		"available_amount", "owner=account_owner.company_name|account_owner.last_name", "created_date"}
	contactColumns = []string{"id", "type", "first_name", "last_name", "company_name", "created_date"}
)

// accountOption is the account a command acts on, given as its first argument.
var accountOption = option{Flag: "account", Param: "accounts_receivable_identifier", Required: true, Positional: true, Entity: accountEntity}

func fundingCommand(path, method, summary string) command {
	return command{Path: path, Method: method, Summary: summary,
		Options: []option{accountOption,
			{Flag: "amount", Param: "amount", Kind: decimal, Required: true},
			{Flag: "reference", Param: "reference_number"},
			{Flag: "notes", Param: "notes"}},
		Columns: []string{"id", "type", "amount", "reference_number", "notes", "created_date",
			"account=accounts_receivable.number", "balance=accounts_receivable.balance", "available_amount=accounts_receivable.available_amount"}}
}

func accountStateCommand(path, method, summary string) command {
	return command{Path: path, Method: method, Summary: summary, Options: []option{accountOption}, Columns: accountLines}
}

var accountCommands = []command{
	{Path: "contacts list", Method: "contacts/list", Summary: "list contacts (admin)", Columns: contactColumns},
	{Path: "contacts show", Method: "contacts/show", Summary: "show a contact (admin)",
		Options: []option{{Flag: "id", Param: "contact_identifier", Required: true, Positional: true, Entity: contactEntity}},
		Columns: contactColumns},
	{Path: "contacts create", Method: "contacts/create", Summary: "add a contact: a PERSON (--last-name) or a COMPANY (--company-name) (admin)",
		Options: []option{
			{Flag: "type", Param: "type", Required: true, Positional: true, Usage: "PERSON or COMPANY"},
			{Flag: "first-name", Param: "first_name"},
			{Flag: "middle-name", Param: "middle_name"},
			{Flag: "last-name", Param: "last_name"},
			{Flag: "title", Param: "title"},
			{Flag: "company-name", Param: "company_name"}},
		Columns: contactColumns},

	{Path: "accounts list", Method: "accounts_receivable/list", Summary: "list accounts with their money (admin)", Columns: accountColumns},
	{Path: "accounts show", Method: "accounts_receivable/show", Summary: "show an account (ACR…, id or name) (admin)",
		Options: []option{accountOption}, Columns: accountLines},
	{Path: "accounts create", Method: "accounts_receivable/create", Summary: "open an account for a contact (admin)",
		Options: []option{
			{Flag: "contact", Param: "contact_identifier", Required: true, Entity: contactEntity, Usage: "the owner's contact id"},
			{Flag: "currency", Param: "currency", Required: true, Usage: "e.g. EUR"},
			{Flag: "name", Param: "name", Usage: "the account's name (default: its number)"},
			{Flag: "credit-limit", Param: "credit_limit", Kind: decimal}},
		Columns: accountLines},
	fundingCommand("accounts pay", "accounts_receivable/payments/create", "record a payment on an account (admin)"),
	fundingCommand("accounts credit", "accounts_receivable/credits/create", "record a credit on an account (admin)"),
	{Path: "accounts ledger", Method: "accounts_receivable/ledger_entries/list", Summary: "list an account's ledger entries (admin)",
		Options: []option{accountOption}, Columns: []string{"type", "amount", "reference_number", "notes", "created_date"}},
	accountStateCommand("accounts suspend", "accounts_receivable/suspend", "suspend an ACTIVE account (admin)"),
	accountStateCommand("accounts activate", "accounts_receivable/activate", "make a SUSPENDED account ACTIVE again (admin)"),
	accountStateCommand("accounts terminate", "accounts_receivable/terminate", "terminate an account; cancels its BLOCKED authorisations (admin)"),
	{Path: "accounts check", Method: "accounts_receivable/books/check", Summary: "check that every account's books balance (admin)",
		Columns: []string{"number", "balance", "ledger_entries_total", "held_amount", "blocked_authorisations_total", "balanced",
			"within_funding_and_credit"}},

	{Path: "subscriptions list", Method: "subscriptions/list", Summary: "list an account's subscriptions (admin)",
		Options: []option{accountOption}, Columns: []string{"number", "type", "life_cycle_state", "created_date", "id"}},
	{Path: "subscriptions create", Method: "subscriptions/create", Summary: "add a subscription to an account (admin)",
		Options: []option{accountOption, {Flag: "type", Param: "type", Usage: "default USAGE"}},
		Columns: []string{"number", "type", "life_cycle_state", "created_date", "id"}},
}
