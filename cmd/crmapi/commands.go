package main

// command is one CLI command calling one API method. Its options map to
// the method's parameters: Param is a dotted path into the JSON body
// ("accounts_receivable_identifier.number"), so flags can fill identifier
// objects.
type command struct {
	Path    string // words after "crmapi", e.g. "units create"
	Method  string // API method, e.g. "admin/units/create"
	Summary string
	Options []option
	// Columns are the table columns, in order; empty shows every key.
	Columns []string
}

// option is one flag (or, when Positional, one positional argument).
type option struct {
	Flag       string
	Param      string
	Kind       kind
	Usage      string
	Required   bool
	Positional bool
}

type kind int

const (
	text    kind = iota // a JSON string
	number              // a JSON number (integers and decimals alike)
	boolean             // true/false
	raw                 // JSON text as given
)

// commands is the CLI's command table: one entry per API method. Its order
// is the order of the help text.
var commands = []command{
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
	{Path: "keys revoke", Method: "admin/web_api_keys/revoke", Summary: "revoke a web API key (admin)",
		Options: []option{{Flag: "id", Param: "id", Required: true, Positional: true}}},
}
