package main

var (
	udrTypeColumns     = []string{"name", "alternative_code", "description", "id"}
	productTypeColumns = []string{"name", "alternative_code", "udr_type=udr_type.name", "used_for_provisioning", "description", "id"}
	familyColumns      = []string{"code", "name", "description", "id"}
	serviceColumns     = []string{"code", "alternative_code", "unit_rate", "product_type=product_type.name", "family=service_family.code",
		"description", "id"}
)

var catalogueCommands = []command{
	{Path: "catalogue udr-types list", Method: "udr_types/list", Summary: "list UDR types (admin)", Columns: udrTypeColumns},
	{Path: "catalogue udr-types create", Method: "udr_types/create", Summary: "add a UDR type, e.g. Litres (admin)",
		Options: []option{
			{Flag: "name", Param: "name", Required: true, Positional: true},
			{Flag: "alternative-code", Param: "alternative_code"},
			{Flag: "description", Param: "description"}},
		Columns: udrTypeColumns},
	{Path: "catalogue product-types list", Method: "product_types/list", Summary: "list usage service types (admin)", Columns: productTypeColumns},
	{Path: "catalogue product-types create", Method: "product_types/create", Summary: "add a usage service type (admin)",
		Options: []option{
			{Flag: "name", Param: "name", Required: true, Positional: true},
			{Flag: "udr-type", Param: "udr_type_identifier", Required: true, Entity: udrTypeEntity},
			{Flag: "alternative-code", Param: "alternative_code"},
			{Flag: "description", Param: "description"},
			{Flag: "used-for-provisioning", Param: "used_for_provisioning", Kind: boolean}},
		Columns: productTypeColumns},
	{Path: "catalogue families list", Method: "product_families/list", Summary: "list product families (admin)", Columns: familyColumns},
	{Path: "catalogue families create", Method: "product_families/create", Summary: "add a product family, e.g. FUEL (admin)",
		Options: []option{
			{Flag: "code", Param: "code", Required: true, Positional: true},
			{Flag: "name", Param: "name"},
			{Flag: "description", Param: "description"}},
		Columns: familyColumns},
	{Path: "catalogue services list", Method: "usage_services/list", Summary: "list usage services and their unit rates (admin)",
		Columns: serviceColumns},
	{Path: "catalogue services create", Method: "usage_services/create", Summary: "add a usage service with its unit rate (admin)",
		Options: []option{
			{Flag: "code", Param: "code", Required: true, Positional: true},
			{Flag: "product-type", Param: "product_type_identifier", Required: true, Entity: productTypeEntity},
			{Flag: "unit-rate", Param: "unit_rate", Kind: decimal, Required: true},
			{Flag: "family", Param: "product_family_identifier", Entity: familyEntity},
			{Flag: "alternative-code", Param: "alternative_code"},
			{Flag: "description", Param: "description"}},
		Columns: serviceColumns},

	{Path: "allowances show", Method: "usage_allowances/show", Summary: "show an account's usage allowance settings and limits (admin)",
		Options: []option{accountOption}, Columns: allowanceLines, Nested: "usage_allowance_limits_set", NestedColumns: limitColumns},
	{Path: "allowances set", Method: "usage_allowances/set", Summary: "replace an account's usage allowance settings and limits (admin)",
		Options: []option{accountOption,
			{Flag: "limits", Param: "usage_allowance_limits_set", Kind: raw,
				Usage: `the limits as JSON: [{"service_identifier":{"code":"Diesel"},"maximum_rated_amount_per_day":"150"}, …]`},
			{Flag: "block-unlisted", Param: "block_services_not_included_in_usage_allowance_limits_settings", Kind: boolean,
				Usage: "refuse usage of services no limit covers"},
			{Flag: "over-limit-percentage", Param: "percentage_of_allowed_exceeded_usage_limit", Kind: decimal},
			{Flag: "validity-minutes", Param: "authorisation_validity_minutes", Kind: number, Usage: "how long new authorisations hold money (default 1440)"}},
		Columns: allowanceLines, Nested: "usage_allowance_limits_set", NestedColumns: limitColumns},
}

var (
	allowanceLines = []string{"account=accounts_receivable.number", "currency",
		"block_unlisted=block_services_not_included_in_usage_allowance_limits_settings",
		"over_limit_percentage=percentage_of_allowed_exceeded_usage_limit", "authorisation_validity_minutes", "updated_date"}
	limitColumns = []string{"target=service.code|service_type.name|service_family.code",
		"amount/transaction=maximum_rated_amount_per_transaction", "amount/day=maximum_rated_amount_per_day",
		"amount/cycle=maximum_rated_amount_per_billing_cycle", "usage/transaction=maximum_usage_per_transaction",
		"usage/day=maximum_usage_per_day", "usage/cycle=maximum_usage_per_billing_cycle"}
)
