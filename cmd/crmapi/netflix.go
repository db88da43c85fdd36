package main

// customerOption is the customer a Netflix command acts on, by the
// operator's billing id.
var customerOption = option{Flag: "customer", Param: "billing_system_customer_identifier", Required: true, Positional: true,
	Usage: "the customer's billing system id"}

var (
	netflixSubscriptionColumns = []string{"subscription_number", "customer=billing_system_customer_identifier",
		"pai=netflix_customer_identifier", "life_cycle_state", "netflix_state", "promotion=promotions_set.0.code",
		"price=prices_set.0.FormattedPrice"}
	chargeColumns = []string{"number", "customer=billing_system_customer_identifier", "amount", "currency", "local_currency_amount",
		"local_currency", "charge_status", "paid_through_date", "received_on"}
	failedChargeColumns = []string{"number", "reference_number", "error_code", "error_description"}
)

// chargeBatchCommand is acknowledge, accept or decline: one charge from
// the flags, or several as JSON.
func chargeBatchCommand(verb, param, summary string) command {
	return command{Path: "netflix charges " + verb, Method: "netflix/charges/" + verb, Summary: summary,
		Options: []option{
			{Flag: "number", Param: param + "[0].number", Positional: true, Usage: "the charge's number (NC…)"},
			{Flag: "customer", Param: param + "[0].billing_system_customer_identifier", Usage: "the charge's customer"},
			{Flag: "reference", Param: param + "[0].reference_number", Usage: "your reference for it"},
			{Flag: "charges", Param: param, Kind: raw,
				Usage: `several as JSON: [{"number":"NC…","billing_system_customer_identifier":"…","reference_number":"…"}, …]`}},
		Columns: failedChargeColumns, Empty: "every charge " + map[string]string{"acknowledge": "acknowledged",
			"accept": "accepted", "decline": "declined"}[verb]}
}

var netflixCommands = []command{
	{Path: "netflix promotions list", Method: "netflix/promotions/list", Summary: "list the Netflix promotions customers may sign up with",
		Columns: []string{"code", "name", "effective_from", "expires_on", "description"}},
	{Path: "netflix subscriptions show", Method: "netflix/subscriptions/show",
		Summary: "show a customer's Netflix subscriptions (by billing id, or --pai)",
		Options: []option{
			{Flag: "customer", Param: "billing_system_customer_identifier", Positional: true, Usage: "the customer's billing system id"},
			{Flag: "pai", Param: "netflix_customer_identifier", Usage: "or the partner's account id"}},
		Columns: netflixSubscriptionColumns},
	{Path: "netflix subscriptions create", Method: "netflix/subscriptions/create",
		Summary: "create a customer's Netflix subscription; prints the sign-up token and page",
		Options: []option{customerOption,
			{Flag: "promotion", Param: "promotion_code"},
			{Flag: "channel", Param: "channel", Usage: "WEB, CALL_CENTER, RETAIL, …"},
			{Flag: "validity", Param: "validity_duration", Kind: number, Usage: "seconds the sign-up token stays valid"},
			{Flag: "first-name", Param: "customer_first_name"},
			{Flag: "last-name", Param: "customer_last_name"},
			{Flag: "email", Param: "customer_email.email_address", Usage: "a PERSONAL email address"},
			{Flag: "phone", Param: "customer_phone.number", Usage: "a MOBILE number"},
			{Flag: "address", Param: "customer_address", Kind: raw, Usage: `JSON: {"type":"HOME","street_name":"…","town_city":"…"}`}},
		Columns: []string{"subscription_number", "netflix_token", "netflix_token_expiration_date", "netflix_signup_url"},
		Fill:    contactTypes},
	{Path: "netflix subscriptions suspend", Method: "netflix/subscriptions/suspend", Summary: "suspend a customer's Netflix subscription",
		Options: []option{customerOption}},
	{Path: "netflix subscriptions unsuspend", Method: "netflix/subscriptions/unsuspend", Summary: "put a suspended Netflix subscription back in service",
		Options: []option{customerOption}},
	{Path: "netflix subscriptions cancel", Method: "netflix/subscriptions/cancel", Summary: "cancel a customer's Netflix subscription for good",
		Options: []option{customerOption}},
	{Path: "netflix charges list", Method: "netflix/charges/list", Summary: "list Netflix charges not yet acknowledged, oldest first",
		Options: []option{
			{Flag: "status", Param: "charge_status", Usage: "NOT_PROCESSED or PROCESSED (default PROCESSED)"},
			{Flag: "limit", Param: "number_of_results", Kind: number, Usage: "page size, at most 50 (default 50)"},
			{Flag: "offset", Param: "offset", Kind: number},
			{Flag: "cursor", Param: "cursor", Usage: "next_cursor of the previous page"}},
		Columns: chargeColumns, Fill: chargeListDefaults},
	chargeBatchCommand("acknowledge", "acknowledged_charges_set", "acknowledge Netflix charges received (exactly once)"),
	chargeBatchCommand("accept", "accepted_charges_set", "accept Netflix charges the partner has not processed yet"),
	chargeBatchCommand("decline", "declined_charges_set", "decline Netflix charges the partner has not processed yet"),
	{Path: "netflix charges check", Method: "netflix/charges/check",
		Summary: "check every Netflix charge against the reference numbers recorded for its acknowledgements and decision (admin)",
		Columns: []string{"number", "problem"}, Empty: "every charge agrees with its reference numbers"},
	{Path: "netflix attention list", Method: "admin/netflix/attention/list", Summary: "list Netflix subscriptions whose partner work needs attention (admin)",
		Columns: []string{"subscription_number", "customer=billing_system_customer_identifier", "life_cycle_state", "netflix_state",
			"reason", "operation=operation.kind", "attempts=operation.attempts", "last_error=operation.last_error", "updated_date"}},
	{Path: "netflix attention retry", Method: "admin/netflix/attention/retry", Summary: "retry a subscription's failed partner operation (admin)",
		Options: []option{{Flag: "subscription", Param: "subscription_number", Required: true, Positional: true}}},
}

// chargeListDefaults fills what charges/list requires and an operator
// nearly always wants: the processed charges, a full page, from the start.
func chargeListDefaults(p map[string]any) {
	for k, v := range map[string]any{"charge_status": "PROCESSED", "number_of_results": 50, "offset": 0} {
		if _, ok := p[k]; !ok {
			p[k] = v
		}
	}
}

// contactTypes gives the email and phone given by flags their type.
func contactTypes(p map[string]any) {
	for k, typ := range map[string]string{"customer_email": "PERSONAL", "customer_phone": "MOBILE"} {
		if m, ok := p[k].(map[string]any); ok && m["type"] == nil {
			m["type"] = typ
		}
	}
}
