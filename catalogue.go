package crmapi

import (
	"sort"
	"time"
)

// UDRType is a kind of usage detail record, named after what is measured
// (Litres, VOD, Minutes).
type UDRType struct {
	ID              string
	OrganisationID  string
	Name            string
	AlternativeCode string
	Description     string
	CreatedAt       time.Time
}

// ProductType groups usage services; allowance limits may be set on one
// (CRM.COM calls it the service type of a limit). The classification
// fields are CRM.COM's and are shown as stored.
type ProductType struct {
	ID              string
	OrganisationID  string
	Name            string
	AlternativeCode string
	Description     string
	// ServiceType is USAGE for the types of usage services.
	ServiceType string
	// Classification is SERVICES for usage services.
	Classification string
	// CompositionMethod is FLAT.
	CompositionMethod   string
	UsedForProvisioning bool
	UDRTypeID           string
	CreatedAt           time.Time
}

// ProductFamily is a family of services (CRM.COM's service family);
// allowance limits may be set on one.
type ProductFamily struct {
	ID             string
	OrganisationID string
	Code           string
	Name           string
	Description    string
	CreatedAt      time.Time
}

// UsageService is a pay-per-use product: its usage is rated at UnitRate
// per unit of its UDR type (per litre, per rental). The rate is in the
// currency of the account it is rated for.
type UsageService struct {
	ID              string
	OrganisationID  string
	Code            string
	AlternativeCode string
	Description     string
	ProductTypeID   string
	// FamilyID is empty when the service belongs to no family.
	FamilyID  string
	UnitRate  Amount
	CreatedAt time.Time
}

// Catalogue is an organisation's whole usage catalogue, for resolving
// services and limit targets and for showing them.
type Catalogue struct {
	UDRTypes     map[string]UDRType
	ProductTypes map[string]ProductType
	Families     map[string]ProductFamily
	Services     map[string]UsageService
}

// NewCatalogue indexes the given lists by id.
func NewCatalogue(udr []UDRType, types []ProductType, families []ProductFamily, services []UsageService) Catalogue {
	c := Catalogue{UDRTypes: map[string]UDRType{}, ProductTypes: map[string]ProductType{},
		Families: map[string]ProductFamily{}, Services: map[string]UsageService{}}
	for _, x := range udr {
		c.UDRTypes[x.ID] = x
	}
	for _, x := range types {
		c.ProductTypes[x.ID] = x
	}
	for _, x := range families {
		c.Families[x.ID] = x
	}
	for _, x := range services {
		c.Services[x.ID] = x
	}
	return c
}

// ServiceList returns the services ordered by code.
func (c Catalogue) ServiceList() []UsageService {
	out := make([]UsageService, 0, len(c.Services))
	for _, s := range c.Services {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// TargetKind says what an allowance limit or an authorised service is on.
type TargetKind string

// The target kinds: one usage service, every service of a product type
// (service type), or every service of a family.
const (
	TargetService     TargetKind = "SERVICE"
	TargetServiceType TargetKind = "SERVICE_TYPE"
	TargetFamily      TargetKind = "SERVICE_FAMILY"
)

// Target is what a limit is on: exactly one service, service type or family.
type Target struct {
	Kind TargetKind
	ID   string
}

// Covers tells whether the target includes the service.
func (t Target) Covers(s UsageService) bool {
	switch t.Kind {
	case TargetService:
		return s.ID == t.ID
	case TargetServiceType:
		return s.ProductTypeID == t.ID
	case TargetFamily:
		return s.FamilyID != "" && s.FamilyID == t.ID
	}
	return false
}

// specificity orders targets: a limit on the service itself wins over one
// on its type, which wins over one on its family.
func (t Target) specificity() int {
	switch t.Kind {
	case TargetService:
		return 3
	case TargetServiceType:
		return 2
	case TargetFamily:
		return 1
	}
	return 0
}

// MoreSpecific tells whether t is a narrower target than u.
func (t Target) MoreSpecific(u Target) bool { return t.specificity() > u.specificity() }

// ServicesIn returns the services a target covers, ordered by code.
func (c Catalogue) ServicesIn(t Target) []UsageService {
	var out []UsageService
	for _, s := range c.ServiceList() {
		if t.Covers(s) {
			out = append(out, s)
		}
	}
	return out
}

// DefaultAuthorisationValidity is how long an authorisation holds money
// when the account's allowance settings do not say.
const DefaultAuthorisationValidity = 24 * time.Hour

// MaxAuthorisationValidity bounds the validity an account may be given.
const MaxAuthorisationValidity = 90 * 24 * time.Hour

// AllowanceSettings are an account's usage allowance: which services it may
// use and how much, and how long its authorisations last. An account
// without settings has the zero settings with the default validity: every
// service, no limits.
type AllowanceSettings struct {
	OrganisationID string
	AccountID      string
	// BlockUnlisted blocks services that no limit covers
	// (block_services_not_included_in_usage_allowance_limits_settings).
	BlockUnlisted bool
	// OverLimitPercentage widens every limit by this percentage
	// (percentage_of_allowed_exceeded_usage_limit); kept exact as an
	// Amount, so "12.5" is twelve and a half per cent.
	OverLimitPercentage Amount
	// Validity is how long an authorisation of the account holds money.
	Validity  time.Duration
	Limits    []AllowanceLimit
	UpdatedAt time.Time
}

// AllowanceLimit limits usage of one target. A nil limit is no limit. A
// day is a calendar day and a billing cycle a calendar month, both in the
// organisation's time zone.
type AllowanceLimit struct {
	ID                      string
	Target                  Target
	MaxAmountPerTransaction *Amount
	MaxAmountPerDay         *Amount
	MaxAmountPerCycle       *Amount
	MaxUsagePerTransaction  *Quantity
	MaxUsagePerDay          *Quantity
	MaxUsagePerCycle        *Quantity
}

// CatalogueStore is what a transaction offers for the usage catalogue and
// allowance settings. Creates return CONFLICT for a taken name or code.
type CatalogueStore interface {
	CreateUDRType(t UDRType) error
	ListUDRTypes(orgID string) ([]UDRType, error)
	CreateProductType(t ProductType) error
	ListProductTypes(orgID string) ([]ProductType, error)
	CreateProductFamily(f ProductFamily) error
	ListProductFamilies(orgID string) ([]ProductFamily, error)
	CreateUsageService(s UsageService) error
	ListUsageServices(orgID string) ([]UsageService, error)
	// CatalogueSize counts the organisation's UDR types, product types,
	// families and usage services together. The catalogue only grows, so
	// an unchanged size means an unchanged catalogue: services cache it
	// and check the size, one indexed statement instead of four lists.
	CatalogueSize(orgID string) (int64, error)

	// SetAllowance replaces the account's settings and limits.
	SetAllowance(s AllowanceSettings) error
	// Allowance returns the account's settings; NOT_FOUND when none were set.
	Allowance(orgID, accountID string) (AllowanceSettings, error)
}
