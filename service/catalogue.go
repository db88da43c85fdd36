package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
)

// The catalogue and allowance methods of UsageService manage what can be
// used and how much. They act inside one organisation.

// CreateUDRType adds a UDR type. Codes: MANDATORY_PARAMETER_MISSING,
// INVALID_PARAMETER, CONFLICT (name or alternative code taken).
func (s *UsageService) CreateUDRType(ctx context.Context, orgID string, u crmapi.UDRType) (crmapi.UDRType, error) {
	u = crmapi.UDRType{ID: crmapi.NewID(), OrganisationID: orgID, Name: strings.TrimSpace(u.Name),
		AlternativeCode: strings.TrimSpace(u.AlternativeCode), Description: strings.TrimSpace(u.Description), CreatedAt: s.clock.Now()}
	if u.Name == "" {
		return crmapi.UDRType{}, crmapi.Missing("name")
	}
	if err := checkTexts(map[string]string{"name": u.Name, "alternative_code": u.AlternativeCode, "description": u.Description}); err != nil {
		return crmapi.UDRType{}, err
	}
	err := s.store.Update(ctx, func(tx crmapi.Tx) error { return tx.CreateUDRType(u) })
	return u, s.catalogueWritten(orgID, err)
}

// NewProductType describes a product type (service type) of usage services.
type NewProductType struct {
	Name                string
	AlternativeCode     string
	Description         string
	UDRType             crmapi.Ref
	UsedForProvisioning bool
}

// CreateProductType adds a usage product type: service type USAGE,
// classification SERVICES, composition FLAT. Codes:
// MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER, NOT_FOUND (UDR type), CONFLICT.
func (s *UsageService) CreateProductType(ctx context.Context, orgID string, n NewProductType) (crmapi.ProductType, error) {
	p := crmapi.ProductType{ID: crmapi.NewID(), OrganisationID: orgID, Name: strings.TrimSpace(n.Name),
		AlternativeCode: strings.TrimSpace(n.AlternativeCode), Description: strings.TrimSpace(n.Description),
		ServiceType: "USAGE", Classification: "SERVICES", CompositionMethod: "FLAT",
		UsedForProvisioning: n.UsedForProvisioning, CreatedAt: s.clock.Now()}
	if p.Name == "" {
		return crmapi.ProductType{}, crmapi.Missing("name")
	}
	if err := checkTexts(map[string]string{"name": p.Name, "alternative_code": p.AlternativeCode, "description": p.Description}); err != nil {
		return crmapi.ProductType{}, err
	}
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		cat, err := loadCatalogue(tx, orgID)
		if err != nil {
			return err
		}
		u, err := findUDRType(cat, n.UDRType)
		if err != nil {
			return err
		}
		p.UDRTypeID = u.ID
		return tx.CreateProductType(p)
	})
	return p, s.catalogueWritten(orgID, err)
}

// CreateFamily adds a product family (service family). Codes:
// MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER, CONFLICT (code taken).
func (s *UsageService) CreateFamily(ctx context.Context, orgID string, f crmapi.ProductFamily) (crmapi.ProductFamily, error) {
	f = crmapi.ProductFamily{ID: crmapi.NewID(), OrganisationID: orgID, Code: strings.TrimSpace(f.Code),
		Name: strings.TrimSpace(f.Name), Description: strings.TrimSpace(f.Description), CreatedAt: s.clock.Now()}
	if f.Code == "" {
		return crmapi.ProductFamily{}, crmapi.Missing("code")
	}
	if f.Name == "" {
		f.Name = f.Code
	}
	if err := checkTexts(map[string]string{"code": f.Code, "name": f.Name, "description": f.Description}); err != nil {
		return crmapi.ProductFamily{}, err
	}
	err := s.store.Update(ctx, func(tx crmapi.Tx) error { return tx.CreateProductFamily(f) })
	return f, s.catalogueWritten(orgID, err)
}

// NewUsageService describes a usage service to create.
type NewUsageService struct {
	Code            string
	AlternativeCode string
	Description     string
	ProductType     crmapi.Ref
	// Family is optional.
	Family   *crmapi.Ref
	UnitRate crmapi.Amount
}

// CreateUsageService adds a usage service with a positive unit rate.
// Codes: MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER, NOT_FOUND (type
// or family), CONFLICT (code or alternative code taken).
func (s *UsageService) CreateUsageService(ctx context.Context, orgID string, n NewUsageService) (crmapi.UsageService, error) {
	u := crmapi.UsageService{ID: crmapi.NewID(), OrganisationID: orgID, Code: strings.TrimSpace(n.Code),
		AlternativeCode: strings.TrimSpace(n.AlternativeCode), Description: strings.TrimSpace(n.Description),
		UnitRate: n.UnitRate, CreatedAt: s.clock.Now()}
	if u.Code == "" {
		return crmapi.UsageService{}, crmapi.Missing("code")
	}
	if err := checkTexts(map[string]string{"code": u.Code, "alternative_code": u.AlternativeCode, "description": u.Description}); err != nil {
		return crmapi.UsageService{}, err
	}
	if !u.UnitRate.IsPositive() {
		return crmapi.UsageService{}, crmapi.Invalid("unit_rate", "must be greater than zero")
	}
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		cat, err := loadCatalogue(tx, orgID)
		if err != nil {
			return err
		}
		pt, err := findProductType(cat, n.ProductType)
		if err != nil {
			return err
		}
		u.ProductTypeID = pt.ID
		if n.Family != nil {
			f, err := findFamily(cat, *n.Family)
			if err != nil {
				return err
			}
			u.FamilyID = f.ID
		}
		return tx.CreateUsageService(u)
	})
	return u, s.catalogueWritten(orgID, err)
}

// Catalogue returns the organisation's usage catalogue.
func (s *UsageService) Catalogue(ctx context.Context, orgID string) (crmapi.Catalogue, error) {
	var cat crmapi.Catalogue
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		cat, err = s.cats.load(tx, orgID)
		return err
	})
	return cat, err
}

func loadCatalogue(tx crmapi.Tx, orgID string) (crmapi.Catalogue, error) {
	udr, err := tx.ListUDRTypes(orgID)
	if err != nil {
		return crmapi.Catalogue{}, err
	}
	types, err := tx.ListProductTypes(orgID)
	if err != nil {
		return crmapi.Catalogue{}, err
	}
	families, err := tx.ListProductFamilies(orgID)
	if err != nil {
		return crmapi.Catalogue{}, err
	}
	services, err := tx.ListUsageServices(orgID)
	if err != nil {
		return crmapi.Catalogue{}, err
	}
	return crmapi.NewCatalogue(udr, types, families, services), nil
}

func checkTexts(fields map[string]string) error {
	for name, v := range fields {
		if len(v) > maxText {
			return crmapi.Invalid(name, fmt.Sprintf("at most %d characters", maxText))
		}
	}
	return nil
}

// find looks an entity up in a catalogue map by one of its fields.
func find[T any](items map[string]T, ref crmapi.Ref, what, param string, fields map[string]func(T) string) (T, error) {
	var zero T
	get, ok := fields[ref.Field]
	if !ok {
		names := slices.Sorted(maps.Keys(fields))
		return zero, crmapi.Invalid(param+"."+ref.Field, "use one of "+strings.Join(names, ", "))
	}
	for _, x := range items {
		if get(x) == ref.Value {
			return x, nil
		}
	}
	return zero, crmapi.NotFoundf(what, "%s: no %s with %s %q", param, strings.ToLower(what), ref.Field, ref.Value)
}

func findUDRType(c crmapi.Catalogue, ref crmapi.Ref) (crmapi.UDRType, error) {
	return find(c.UDRTypes, ref, "UDR type", "udr_type_identifier", map[string]func(crmapi.UDRType) string{
		"id": func(x crmapi.UDRType) string { return x.ID }, "name": func(x crmapi.UDRType) string { return x.Name },
		"alternative_code": func(x crmapi.UDRType) string { return x.AlternativeCode }})
}

func findProductType(c crmapi.Catalogue, ref crmapi.Ref) (crmapi.ProductType, error) {
	return find(c.ProductTypes, ref, "Product type", "product_type_identifier", map[string]func(crmapi.ProductType) string{
		"id": func(x crmapi.ProductType) string { return x.ID }, "name": func(x crmapi.ProductType) string { return x.Name },
		"alternative_code": func(x crmapi.ProductType) string { return x.AlternativeCode }})
}

func findFamily(c crmapi.Catalogue, ref crmapi.Ref) (crmapi.ProductFamily, error) {
	return find(c.Families, ref, "Product family", "product_family_identifier", map[string]func(crmapi.ProductFamily) string{
		"id": func(x crmapi.ProductFamily) string { return x.ID }, "code": func(x crmapi.ProductFamily) string { return x.Code },
		"name": func(x crmapi.ProductFamily) string { return x.Name }})
}

func findService(c crmapi.Catalogue, ref crmapi.Ref, param string) (crmapi.UsageService, error) {
	return find(c.Services, ref, "Usage service", param, map[string]func(crmapi.UsageService) string{
		"id": func(x crmapi.UsageService) string { return x.ID }, "code": func(x crmapi.UsageService) string { return x.Code },
		"alternative_code": func(x crmapi.UsageService) string { return x.AlternativeCode }})
}

// TargetRef names what a limit is on: a service, a service type (product
// type) or a family, by one of its identifier fields.
type TargetRef struct {
	Kind crmapi.TargetKind
	Ref  crmapi.Ref
}

// LimitSpec is one allowance limit to set; nil fields are no limit.
type LimitSpec struct {
	Target                  TargetRef
	MaxAmountPerTransaction *crmapi.Amount
	MaxAmountPerDay         *crmapi.Amount
	MaxAmountPerCycle       *crmapi.Amount
	MaxUsagePerTransaction  *crmapi.Quantity
	MaxUsagePerDay          *crmapi.Quantity
	MaxUsagePerCycle        *crmapi.Quantity
}

// AllowanceChange replaces an account's usage allowance settings.
type AllowanceChange struct {
	Account             crmapi.Ref
	BlockUnlisted       bool
	OverLimitPercentage crmapi.Amount
	// Validity is the authorisation validity; zero takes the default (24 h).
	Validity time.Duration
	Limits   []LimitSpec
}

// AllowanceDetail is an account's allowance with what it needs to be shown.
type AllowanceDetail struct {
	crmapi.AllowanceSettings
	Account   AccountDetail
	Catalogue crmapi.Catalogue
}

// MaxLimits bounds the limits of one account.
const MaxLimits = 100

// SetAllowance replaces an account's allowance settings and limits. Each
// limit is on exactly one target, and no target twice. Codes:
// MANDATORY_PARAMETER_MISSING, INVALID_PARAMETER, NOT_FOUND, LIMIT_EXCEEDED (too many limits).
func (s *UsageService) SetAllowance(ctx context.Context, orgID string, ch AllowanceChange) (AllowanceDetail, error) {
	if ch.OverLimitPercentage.IsNegative() || ch.OverLimitPercentage.Cmp(crmapi.AmountFromInt(1000)) > 0 {
		return AllowanceDetail{}, crmapi.Invalid("percentage_of_allowed_exceeded_usage_limit", "between 0 and 1000")
	}
	if ch.Validity == 0 {
		ch.Validity = crmapi.DefaultAuthorisationValidity
	}
	if ch.Validity < time.Minute || ch.Validity > crmapi.MaxAuthorisationValidity || ch.Validity%time.Second != 0 {
		return AllowanceDetail{}, crmapi.Invalid("authorisation_validity", "whole seconds between one minute and 90 days")
	}
	if len(ch.Limits) > MaxLimits {
		return AllowanceDetail{}, crmapi.Errorf(crmapi.LimitExceeded, "Too many limits", "at most %d limits per account", MaxLimits)
	}
	var d AllowanceDetail
	err := s.store.Update(ctx, func(tx crmapi.Tx) error {
		a, err := resolveAccount(tx, orgID, ch.Account)
		if err != nil {
			return err
		}
		cat, err := s.cats.load(tx, orgID)
		if err != nil {
			return err
		}
		set := crmapi.AllowanceSettings{OrganisationID: orgID, AccountID: a.ID, BlockUnlisted: ch.BlockUnlisted,
			OverLimitPercentage: ch.OverLimitPercentage, Validity: ch.Validity, UpdatedAt: s.clock.Now()}
		seen := map[crmapi.Target]bool{}
		for i, spec := range ch.Limits {
			l, err := buildLimit(cat, spec, a.Currency, fmt.Sprintf("usage_allowance_limits_set[%d]", i))
			if err != nil {
				return err
			}
			if seen[l.Target] {
				return crmapi.Invalid(fmt.Sprintf("usage_allowance_limits_set[%d]", i), "a second limit on the same target")
			}
			seen[l.Target] = true
			set.Limits = append(set.Limits, l)
		}
		if err := tx.SetAllowance(set); err != nil {
			return err
		}
		acct, err := accountDetail(tx, a)
		d = AllowanceDetail{AllowanceSettings: set, Account: acct, Catalogue: cat}
		return err
	})
	return d, err
}

func buildLimit(cat crmapi.Catalogue, spec LimitSpec, currency, param string) (crmapi.AllowanceLimit, error) {
	l := crmapi.AllowanceLimit{ID: crmapi.NewID(), MaxAmountPerTransaction: spec.MaxAmountPerTransaction,
		MaxAmountPerDay: spec.MaxAmountPerDay, MaxAmountPerCycle: spec.MaxAmountPerCycle,
		MaxUsagePerTransaction: spec.MaxUsagePerTransaction, MaxUsagePerDay: spec.MaxUsagePerDay, MaxUsagePerCycle: spec.MaxUsagePerCycle}
	l.Target.Kind = spec.Target.Kind
	switch spec.Target.Kind {
	case crmapi.TargetService:
		x, err := findService(cat, spec.Target.Ref, param+".service_identifier")
		if err != nil {
			return l, err
		}
		l.Target.ID = x.ID
	case crmapi.TargetServiceType:
		x, err := findProductType(cat, spec.Target.Ref)
		if err != nil {
			return l, err
		}
		l.Target.ID = x.ID
	case crmapi.TargetFamily:
		x, err := findFamily(cat, spec.Target.Ref)
		if err != nil {
			return l, err
		}
		l.Target.ID = x.ID
	default:
		return l, crmapi.Missing(param + ": one of service_identifier, service_type_identifier, service_family_identifier")
	}
	for name, a := range map[string]*crmapi.Amount{"maximum_rated_amount_per_transaction": l.MaxAmountPerTransaction,
		"maximum_rated_amount_per_day": l.MaxAmountPerDay, "maximum_rated_amount_per_billing_cycle": l.MaxAmountPerCycle} {
		if a != nil && (a.IsNegative() || !a.FitsCurrency(currency)) {
			return l, crmapi.Invalid(param+"."+name, "a non-negative amount in the currency's minor units")
		}
	}
	for name, q := range map[string]*crmapi.Quantity{"maximum_usage_per_transaction": l.MaxUsagePerTransaction,
		"maximum_usage_per_day": l.MaxUsagePerDay, "maximum_usage_per_billing_cycle": l.MaxUsagePerCycle} {
		if q != nil && q.Cmp(crmapi.Quantity{}) < 0 {
			return l, crmapi.Invalid(param+"."+name, "must not be negative")
		}
	}
	return l, nil
}

// allowance returns an account's settings, or the defaults when none were set.
func allowance(tx crmapi.Tx, orgID, accountID string) (crmapi.AllowanceSettings, error) {
	set, err := tx.Allowance(orgID, accountID)
	if crmapi.ErrorCode(err) == crmapi.NotFound {
		return crmapi.AllowanceSettings{OrganisationID: orgID, AccountID: accountID,
			Validity: crmapi.DefaultAuthorisationValidity}, nil
	}
	return set, err
}

// Allowance returns an account's allowance settings (the defaults when
// none were set). Codes: NOT_FOUND, INVALID_PARAMETER.
func (s *UsageService) Allowance(ctx context.Context, orgID string, account crmapi.Ref) (AllowanceDetail, error) {
	var d AllowanceDetail
	err := s.store.View(ctx, func(tx crmapi.Tx) error {
		a, err := resolveAccount(tx, orgID, account)
		if err != nil {
			return err
		}
		set, err := allowance(tx, orgID, a.ID)
		if err != nil {
			return err
		}
		cat, err := s.cats.load(tx, orgID)
		if err != nil {
			return err
		}
		acct, err := accountDetail(tx, a)
		d = AllowanceDetail{AllowanceSettings: set, Account: acct, Catalogue: cat}
		return err
	})
	return d, err
}

// catalogueWritten is the outcome of a catalogue write: when it failed,
// the cached catalogue is dropped (see catalogueCache.forget).
func (s *UsageService) catalogueWritten(orgID string, err error) error {
	if err != nil {
		s.cats.forget(orgID)
	}
	return err
}
