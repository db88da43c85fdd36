package main

// authorisationLines are what show, create and cancel print of a usage
// authorisation, with its services as a table below.
var (
	authorisationLines = []string{"authorisation_id", "id", "life_cycle_state", "authorisation_amount",
		"authorisation_date", "expiration_date", "completed_date", "cancellation_date",
		"account=accounts_receivable.number", "subscription=subscription.number",
		"completed_by_action=completed_by_action.number", "cancelled_by=cancelled_by_user.username"}
	authorisationServices = "usage_authorisation_services"
)

func authorisationCommand(path, method, summary string, opts ...option) command {
	return command{Path: path, Method: method, Summary: summary, Options: opts, Columns: authorisationLines,
		Nested: authorisationServices, NestedColumns: []string{"target=service.code|service_type.name|service_family.code",
			"maximum_amount", "maximum_usage"}}
}

var usageCommands = []command{
	authorisationCommand("usage create", "usage_authorisations/create",
		"hold money on an account for usage (usage authorisation); --account or --subscription",
		option{Flag: "account", Param: "accounts_receivable_identifier", Entity: accountEntity},
		option{Flag: "subscription", Param: "subscription_identifier", Entity: subscriptionEntity},
		option{Flag: "amount", Param: "authorisation_amount", Kind: decimal, Required: true, Usage: "the amount to hold, e.g. 50 or 12.50"}),
	authorisationCommand("usage show", "usage_authorisations/show", "show a usage authorisation (UA… or id)",
		option{Flag: "id", Param: "usage_authorisation_identifier", Required: true, Positional: true, Entity: authorisationEntity}),
	{Path: "usage list", Method: "usage_authorisations/list", Summary: "list an account's usage authorisations, oldest first",
		Options: []option{
			{Flag: "account", Param: "accounts_receivable_identifier", Required: true, Positional: true, Entity: accountEntity},
			{Flag: "limit", Param: "number_of_results", Kind: number, Usage: "page size, at most 1000 (default 1000)"},
			{Flag: "offset", Param: "offset", Kind: number}},
		Columns: []string{"authorisation_id", "life_cycle_state", "authorisation_amount", "authorisation_date", "expiration_date",
			"subscription=subscription.number", "completed_by=completed_by_action.number"}},
	authorisationCommand("usage cancel", "usage_authorisations/cancel", "cancel a BLOCKED usage authorisation and release its money",
		option{Flag: "id", Param: "usage_authorisation_identifier", Required: true, Positional: true, Entity: authorisationEntity}),
	{Path: "usage post", Method: "subscriptions/add_service_usage",
		Summary: "post usage (add service usage): --account or --subscription, --service and --usage, or --lines",
		Options: []option{
			{Flag: "account", Param: "accounts_receivable_identifier", Entity: accountEntity},
			{Flag: "subscription", Param: "subscription_identifier", Entity: subscriptionEntity},
			{Flag: "authorisation", Param: "usage_authorisation_identifier", Entity: authorisationEntity,
				Usage: "complete this usage authorisation (UA… or id)"},
			{Flag: "service", Param: "usage_detail_records_set[0].product_identifier", Entity: serviceEntity,
				Usage: "the usage service: its code, or alternative_code=…, or id"},
			{Flag: "usage", Param: "usage_detail_records_set[0].usage_amount", Kind: decimal, Usage: "units used, e.g. 20 (litres)"},
			{Flag: "lines", Param: "usage_detail_records_set", Kind: raw,
				Usage: `several lines as JSON: [{"product_identifier":{"code":"Diesel"},"usage_amount":"20"}, …]`}},
		Columns: []string{"number", "type", "life_cycle_state", "executed_on", "account=accounts_receivable.number",
			"subscription=subscription.number", "authorisation=usage_authorisation.usage_authorisation_identifier",
			"authorisation_state=usage_authorisation.life_cycle_state", "total_rated_amount"},
		Nested: "usage_detail_records", NestedColumns: usageRecordColumns},
	{Path: "usage records", Method: "usage_detail_records/list", Summary: "list an account's usage detail records (admin)",
		Options: []option{{Flag: "account", Param: "accounts_receivable_identifier", Required: true, Positional: true, Entity: accountEntity}},
		Columns: usageRecordColumns},
}

var usageRecordColumns = []string{"number", "service=service.code", "usage_amount", "unit_rate", "rated_amount", "life_cycle_state", "created_date"}
