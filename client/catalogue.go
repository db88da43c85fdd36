package client

import "context"

// The usage catalogue and allowance methods are crmapi's admin extensions;
// the objects are CRM.COM's, as usage authorisations nest them.

// UDRType is a kind of usage record (Litres, VOD).
type UDRType struct {
	ID              string  `json:"id"`
	Name            string  `json:"name"`
	AlternativeCode *string `json:"alternative_code"`
	Description     *string `json:"description"`
}

// ProductType is a usage service type.
type ProductType struct {
	ID                  string  `json:"id"`
	Name                string  `json:"name"`
	AlternativeCode     *string `json:"alternative_code"`
	Description         *string `json:"description"`
	ServiceType         string  `json:"service_type"`
	Classification      string  `json:"classification"`
	CompositionMethod   string  `json:"composition_method"`
	UsedForProvisioning bool    `json:"used_for_provisioning"`
	PhysicalGoodType    *string `json:"physical_good_type"`
	UDRType             UDRType `json:"udr_type"`
}

// ProductFamily groups usage services (FUEL).
type ProductFamily struct {
	ID          string  `json:"id"`
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

// Service is a usage service as authorisations and usage records nest it.
type Service struct {
	ID              string      `json:"id"`
	Code            string      `json:"code"`
	AlternativeCode *string     `json:"alternative_code"`
	Description     *string     `json:"description"`
	ProductType     ProductType `json:"product_type"`
}

// UsageService is a usage service with its family and price per unit.
type UsageService struct {
	Service
	ServiceFamily *ProductFamily `json:"service_family"`
	UnitRate      Decimal        `json:"unit_rate"`
}

// Target is what a limit or an authorisation's service applies to:
// exactly one of its fields is set.
type Target struct {
	Service       *Service       `json:"service"`
	ServiceType   *ProductType   `json:"service_type"`
	ServiceFamily *ProductFamily `json:"service_family"`
}

// NewUDRType is a UDR type to create.
type NewUDRType struct {
	Name            string `json:"name"`
	AlternativeCode string `json:"alternative_code,omitempty"`
	Description     string `json:"description,omitempty"`
}

// CreateUDRType adds a UDR type (admin).
func (c *Client) CreateUDRType(ctx context.Context, n NewUDRType, opts ...CallOption) (UDRType, error) {
	var out UDRType
	return out, c.Call(ctx, "udr_types/create", n, &out, opts...)
}

// UDRTypes lists the UDR types by name (admin).
func (c *Client) UDRTypes(ctx context.Context) ([]UDRType, error) {
	var out []UDRType
	return out, c.Call(ctx, "udr_types/list", nil, &out)
}

// NewProductType is a usage service type to create; UDRType names its UDR
// type by id, name or alternative_code.
type NewProductType struct {
	Name                string     `json:"name"`
	AlternativeCode     string     `json:"alternative_code,omitempty"`
	Description         string     `json:"description,omitempty"`
	UDRType             Identifier `json:"udr_type_identifier"`
	UsedForProvisioning bool       `json:"used_for_provisioning,omitempty"`
}

// CreateProductType adds a usage service type (admin).
func (c *Client) CreateProductType(ctx context.Context, n NewProductType, opts ...CallOption) (ProductType, error) {
	var out ProductType
	return out, c.Call(ctx, "product_types/create", n, &out, opts...)
}

// ProductTypes lists the service types by name (admin).
func (c *Client) ProductTypes(ctx context.Context) ([]ProductType, error) {
	var out []ProductType
	return out, c.Call(ctx, "product_types/list", nil, &out)
}

// NewProductFamily is a product family to create.
type NewProductFamily struct {
	Code        string `json:"code"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

// CreateProductFamily adds a product family (admin).
func (c *Client) CreateProductFamily(ctx context.Context, n NewProductFamily, opts ...CallOption) (ProductFamily, error) {
	var out ProductFamily
	return out, c.Call(ctx, "product_families/create", n, &out, opts...)
}

// ProductFamilies lists the product families by code (admin).
func (c *Client) ProductFamilies(ctx context.Context) ([]ProductFamily, error) {
	var out []ProductFamily
	return out, c.Call(ctx, "product_families/list", nil, &out)
}

// NewUsageService is a usage service to create: ProductType names its
// type (id, name or alternative_code), Family its family (id, code or
// name; optional).
type NewUsageService struct {
	Code            string     `json:"code"`
	AlternativeCode string     `json:"alternative_code,omitempty"`
	Description     string     `json:"description,omitempty"`
	ProductType     Identifier `json:"product_type_identifier"`
	Family          Identifier `json:"product_family_identifier,omitempty"`
	UnitRate        Decimal    `json:"unit_rate"`
}

// CreateUsageService adds a usage service (admin).
func (c *Client) CreateUsageService(ctx context.Context, n NewUsageService, opts ...CallOption) (UsageService, error) {
	var out UsageService
	return out, c.Call(ctx, "usage_services/create", n, &out, opts...)
}

// UsageServices lists the usage services (admin).
func (c *Client) UsageServices(ctx context.Context) ([]UsageService, error) {
	var out []UsageService
	return out, c.Call(ctx, "usage_services/list", nil, &out)
}

// Limit is one usage allowance limit: on its target, the rated amount and
// usage per transaction, per day and per billing cycle (nil: unlimited).
type Limit struct {
	ID string `json:"id"`
	Target
	MaxAmountPerTransaction  *Decimal `json:"maximum_rated_amount_per_transaction"`
	MaxAmountPerDay          *Decimal `json:"maximum_rated_amount_per_day"`
	MaxAmountPerBillingCycle *Decimal `json:"maximum_rated_amount_per_billing_cycle"`
	MaxUsagePerTransaction   *Decimal `json:"maximum_usage_per_transaction"`
	MaxUsagePerDay           *Decimal `json:"maximum_usage_per_day"`
	MaxUsagePerBillingCycle  *Decimal `json:"maximum_usage_per_billing_cycle"`
}

// Allowance is an account's usage allowance settings and limits.
type Allowance struct {
	AccountsReceivable AccountShort `json:"accounts_receivable"`
	Currency           string       `json:"currency"`
	// BlockUnlisted refuses usage of services no limit covers.
	BlockUnlisted bool `json:"block_services_not_included_in_usage_allowance_limits_settings"`
	// OverLimitPercentage widens every limit by this many per cent.
	OverLimitPercentage Decimal `json:"percentage_of_allowed_exceeded_usage_limit"`
	// ValidityMinutes is how long new authorisations hold money.
	ValidityMinutes int64   `json:"authorisation_validity_minutes"`
	Limits          []Limit `json:"usage_allowance_limits_set"`
	UpdatedDate     *string `json:"updated_date"`
}

// NewLimit is a limit to set: exactly one of Service (id, code or
// alternative_code), ServiceType (id, name or alternative_code) and
// ServiceFamily (id, code or name); empty maxima are unlimited.
type NewLimit struct {
	Service                  Identifier `json:"service_identifier,omitempty"`
	ServiceType              Identifier `json:"service_type_identifier,omitempty"`
	ServiceFamily            Identifier `json:"service_family_identifier,omitempty"`
	MaxAmountPerTransaction  Decimal    `json:"maximum_rated_amount_per_transaction,omitempty"`
	MaxAmountPerDay          Decimal    `json:"maximum_rated_amount_per_day,omitempty"`
	MaxAmountPerBillingCycle Decimal    `json:"maximum_rated_amount_per_billing_cycle,omitempty"`
	MaxUsagePerTransaction   Decimal    `json:"maximum_usage_per_transaction,omitempty"`
	MaxUsagePerDay           Decimal    `json:"maximum_usage_per_day,omitempty"`
	MaxUsagePerBillingCycle  Decimal    `json:"maximum_usage_per_billing_cycle,omitempty"`
}

// AllowanceSettings replace an account's allowance.
type AllowanceSettings struct {
	Account             Identifier `json:"accounts_receivable_identifier"`
	BlockUnlisted       bool       `json:"block_services_not_included_in_usage_allowance_limits_settings,omitempty"`
	OverLimitPercentage Decimal    `json:"percentage_of_allowed_exceeded_usage_limit,omitempty"`
	// ValidityMinutes of new authorisations; 0 keeps the default (24 h).
	ValidityMinutes int64      `json:"authorisation_validity_minutes,omitempty"`
	Limits          []NewLimit `json:"usage_allowance_limits_set"`
}

// SetAllowance replaces an account's allowance settings and limits (admin).
func (c *Client) SetAllowance(ctx context.Context, s AllowanceSettings, opts ...CallOption) (Allowance, error) {
	var out Allowance
	if s.Limits == nil {
		s.Limits = []NewLimit{}
	}
	return out, c.Call(ctx, "usage_allowances/set", s, &out, opts...)
}

// Allowance returns an account's allowance settings and limits (admin).
func (c *Client) Allowance(ctx context.Context, account Identifier) (Allowance, error) {
	var out Allowance
	return out, c.Call(ctx, "usage_allowances/show", accountParam{account}, &out)
}
