package main

import "slices"

// command is one CLI command calling one API method. Its options map to
// the method's parameters: Param is a dotted path into the JSON body
// ("accounts_receivable_identifier.number"), so flags can fill identifier
// objects.
type command struct {
	Path    string // words after "crmapi", e.g. "units create"
	Method  string // API method, e.g. "admin/units/create"
	Summary string
	Options []option
	// Columns are what the table shows, in order: the columns of a list,
	// the lines of an object; empty shows every key. See column.
	Columns []string
	// Nested names an array of an object answer shown as a table below
	// its lines, with NestedColumns.
	Nested        string
	NestedColumns []string
	// Empty replaces "(none)" for an empty list.
	Empty string
	// Fill completes the parameters after the options set theirs.
	Fill func(params map[string]any)
}

func (c command) view() view {
	return view{Columns: c.Columns, Nested: c.Nested, NestedColumns: c.NestedColumns, Empty: c.Empty}
}

// option is one flag (or, when Positional, one positional argument).
type option struct {
	Flag       string
	Param      string
	Kind       kind
	Usage      string
	Required   bool
	Positional bool
	// Entity makes the value an identifier object (see entity).
	Entity *entity
}

type kind int

const (
	text    kind = iota // a JSON string
	number              // a JSON number (integers and decimals alike)
	boolean             // true/false
	raw                 // JSON text as given
	list                // comma-separated values, sent as a JSON array of strings
	decimal             // an exact decimal, sent as a JSON string (amounts, quantities)
)

// commands is the CLI's command table: one entry per API method. Its order
// is the order of the help text.
var commands = slices.Concat(adminCommands, netflixCommands, usageCommands, accountCommands, catalogueCommands, webhookCommands)

var adminCommands = []command{
	{Path: "units list", Method: "admin/units/list", Summary: "list the organisation's units (admin)",
		Columns: []string{"id", "name", "created_date"}},
	{Path: "units create", Method: "admin/units/create", Summary: "add a unit (admin)",
		Options: []option{{Flag: "name", Param: "name", Required: true, Positional: true, Usage: "the unit's name"}}},
	{Path: "users list", Method: "admin/users/list", Summary: "list the organisation's users (admin)",
		Columns: []string{"username", "admin", "disabled", "unit_id", "created_date"}},
	{Path: "users create", Method: "admin/users/create", Summary: "add a user (admin); password from --password or CRMAPI_USER_PASSWORD",
		Options: []option{
			{Flag: "username", Param: "username", Required: true, Positional: true},
			{Flag: "password", Param: "password", Usage: "at least 10 characters (or CRMAPI_USER_PASSWORD)"},
			{Flag: "unit", Param: "unit", Usage: "unit id or name"},
			{Flag: "admin", Param: "admin", Kind: boolean, Usage: "make the user an admin"}}},
	{Path: "users update", Method: "admin/users/update", Summary: "change a user (admin)",
		Options: []option{
			{Flag: "username", Param: "username", Required: true, Positional: true},
			{Flag: "password", Param: "password"},
			{Flag: "unit", Param: "unit"},
			{Flag: "admin", Param: "admin", Kind: boolean},
			{Flag: "disabled", Param: "disabled", Kind: boolean}}},
	{Path: "keys list", Method: "admin/web_api_keys/list", Summary: "list web API keys (admin)",
		Columns: []string{"id", "name", "user_id", "created_date", "revoked_date"}},
	{Path: "keys create", Method: "admin/web_api_keys/create", Summary: "make a web API key; its secret is shown once (admin)",
		Options: []option{
			{Flag: "name", Param: "name", Required: true, Positional: true},
			{Flag: "username", Param: "username", Usage: "the user the key acts as (default: you)"},
			{Flag: "unit", Param: "unit"}}},
	{Path: "clock show", Method: "test_clock/show", Summary: "show the organisation's test clock (admin)"},
	{Path: "clock advance", Method: "test_clock/advance", Summary: "move a test organisation's clock forward (admin)",
		Options: []option{{Flag: "seconds", Param: "seconds", Kind: number, Required: true, Positional: true}}},
	{Path: "keys revoke", Method: "admin/web_api_keys/revoke", Summary: "revoke a web API key (admin)",
		Options: []option{{Flag: "id", Param: "id", Required: true, Positional: true}}},
}

var webhookCommands = []command{
	{Path: "webhooks list", Method: "webhooks/endpoints/list", Summary: "list webhook endpoints and their pending and failed deliveries (admin)",
		Columns: []string{"id", "url", "event_types", "enabled", "pending_deliveries", "failed_deliveries"}},
	{Path: "webhooks create", Method: "webhooks/endpoints/create", Summary: "add a webhook endpoint; its signing secret is shown once (admin)",
		Options: []option{
			{Flag: "url", Param: "url", Required: true, Positional: true, Usage: "http or https URL to POST events to"},
			{Flag: "event-types", Param: "event_types", Kind: list, Usage: "comma-separated event types (default: every type)"}},
		Columns: []string{"id", "url", "event_types", "enabled", "secret"}},
	{Path: "webhooks update", Method: "webhooks/endpoints/update", Summary: "change a webhook endpoint (admin)",
		Options: []option{
			{Flag: "id", Param: "id", Required: true, Positional: true},
			{Flag: "url", Param: "url"},
			{Flag: "event-types", Param: "event_types", Kind: list, Usage: "comma-separated event types, or * for every type"},
			{Flag: "enabled", Param: "enabled", Kind: boolean, Usage: "--enabled to enable, --enabled=false to disable"},
			{Flag: "rotate-secret", Param: "rotate_secret", Kind: boolean, Usage: "replace the signing secret now and show the new one"}}},
	{Path: "webhooks delete", Method: "webhooks/endpoints/delete", Summary: "remove a webhook endpoint and its deliveries (admin)",
		Options: []option{{Flag: "id", Param: "id", Required: true, Positional: true}}},
	{Path: "webhooks deliveries", Method: "webhooks/deliveries/list", Summary: "list webhook deliveries, newest first (admin)",
		Options: []option{
			{Flag: "event", Param: "event_id", Usage: "deliveries of this event"},
			{Flag: "endpoint", Param: "endpoint_id", Usage: "deliveries to this endpoint"},
			{Flag: "state", Param: "state", Usage: "PENDING, DELIVERED or FAILED"},
			{Flag: "limit", Param: "number_of_results", Kind: number, Usage: "page size, at most 100 (default 20)"},
			{Flag: "offset", Param: "offset", Kind: number}},
		Columns: []string{"id", "event_id", "endpoint_id", "state", "attempts", "last_status", "next_attempt_date", "delivered_date"}},
	{Path: "events list", Method: "events/list", Summary: "list events, oldest first, to replay from (admin)",
		Options: []option{
			{Flag: "after", Param: "after_sequence", Kind: number, Usage: "events after this sequence number"},
			{Flag: "cursor", Param: "cursor", Usage: "next_cursor of the previous page"},
			{Flag: "type", Param: "type", Usage: "only events of this type"},
			{Flag: "limit", Param: "number_of_results", Kind: number, Usage: "page size, at most 100 (default 20)"}},
		Columns: []string{"sequence", "id", "type", "created_date"}},
	{Path: "events show", Method: "events/show", Summary: "show an event as webhooks carry it (admin)",
		Options: []option{{Flag: "id", Param: "id", Required: true, Positional: true}}},
	{Path: "events redeliver", Method: "events/redeliver", Summary: "send an event again, to one endpoint or every subscribed one (admin)",
		Options: []option{
			{Flag: "id", Param: "id", Required: true, Positional: true},
			{Flag: "endpoint", Param: "endpoint_id", Usage: "only to this endpoint (default: every enabled, subscribed one)"}},
		Columns: []string{"id", "endpoint_id", "state", "next_attempt_date"}},
}
