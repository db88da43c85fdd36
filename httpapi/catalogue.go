package httpapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// The usage catalogue and allowance methods are crmapi's admin extensions;
// the objects they show are CRM.COM's, as the seed example nests them.

type udrTypeView struct {
	ID              string  `json:"id"`
	Name            string  `json:"name"`
	AlternativeCode *string `json:"alternative_code"`
	Description     *string `json:"description"`
}

func viewUDRType(u crmapi.UDRType) udrTypeView {
	return udrTypeView{ID: u.ID, Name: u.Name, AlternativeCode: nullable(u.AlternativeCode), Description: nullable(u.Description)}
}

// productTypeView is CRM.COM's product type (service type); physical_good_type
// is for physical goods and is always null for usage services.
type productTypeView struct {
	ID                  string      `json:"id"`
	Name                string      `json:"name"`
	AlternativeCode     *string     `json:"alternative_code"`
	Description         *string     `json:"description"`
	ServiceType         string      `json:"service_type"`
	Classification      string      `json:"classification"`
	CompositionMethod   string      `json:"composition_method"`
	UsedForProvisioning bool        `json:"used_for_provisioning"`
	PhysicalGoodType    *string     `json:"physical_good_type"`
	UDRType             udrTypeView `json:"udr_type"`
}

func viewProductType(p crmapi.ProductType, cat crmapi.Catalogue) productTypeView {
	return productTypeView{ID: p.ID, Name: p.Name, AlternativeCode: nullable(p.AlternativeCode), Description: nullable(p.Description),
		ServiceType: p.ServiceType, Classification: p.Classification, CompositionMethod: p.CompositionMethod,
		UsedForProvisioning: p.UsedForProvisioning, UDRType: viewUDRType(cat.UDRTypes[p.UDRTypeID])}
}

type familyView struct {
	ID          string  `json:"id"`
	Code        string  `json:"code"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

func viewFamily(f crmapi.ProductFamily) familyView {
	return familyView{ID: f.ID, Code: f.Code, Name: f.Name, Description: nullable(f.Description)}
}

// serviceView is CRM.COM's short product, as the seed example shows a usage service.
type serviceView struct {
	ID              string          `json:"id"`
	Code            string          `json:"code"`
	AlternativeCode *string         `json:"alternative_code"`
	Description     *string         `json:"description"`
	ProductType     productTypeView `json:"product_type"`
}

func viewService(s crmapi.UsageService, cat crmapi.Catalogue) serviceView {
	return serviceView{ID: s.ID, Code: s.Code, AlternativeCode: nullable(s.AlternativeCode), Description: nullable(s.Description),
		ProductType: viewProductType(cat.ProductTypes[s.ProductTypeID], cat)}
}

// usageServiceView adds what the admin methods show: the family and the unit rate.
type usageServiceView struct {
	serviceView
	ServiceFamily *familyView   `json:"service_family"`
	UnitRate      crmapi.Amount `json:"unit_rate"`
}

func viewUsageService(s crmapi.UsageService, cat crmapi.Catalogue) usageServiceView {
	v := usageServiceView{serviceView: viewService(s, cat), UnitRate: s.UnitRate}
	if f, ok := cat.Families[s.FamilyID]; ok {
		fv := viewFamily(f)
		v.ServiceFamily = &fv
	}
	return v
}

// targetViews is a target as CRM.COM shows it: exactly one of service,
// service_type and service_family is set, the others null.
type targetViews struct {
	Service       *serviceView     `json:"service"`
	ServiceType   *productTypeView `json:"service_type"`
	ServiceFamily *familyView      `json:"service_family"`
}

func viewTarget(t crmapi.Target, cat crmapi.Catalogue) targetViews {
	var v targetViews
	switch t.Kind {
	case crmapi.TargetService:
		s := viewService(cat.Services[t.ID], cat)
		v.Service = &s
	case crmapi.TargetServiceType:
		p := viewProductType(cat.ProductTypes[t.ID], cat)
		v.ServiceType = &p
	case crmapi.TargetFamily:
		f := viewFamily(cat.Families[t.ID])
		v.ServiceFamily = &f
	}
	return v
}

// createUDRType is POST udr_types/create.
func (s *Server) createUDRType(req *request) (any, error) {
	var p struct {
		Name            string `json:"name" crm:"mandatory"`
		AlternativeCode string `json:"alternative_code"`
		Description     string `json:"description"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	u, err := s.svc.Usage.CreateUDRType(req.ctx(), req.caller.Organisation.ID,
		crmapi.UDRType{Name: p.Name, AlternativeCode: p.AlternativeCode, Description: p.Description})
	if err != nil {
		return nil, err
	}
	return viewUDRType(u), nil
}

// createProductType is POST product_types/create.
func (s *Server) createProductType(req *request) (any, error) {
	var p struct {
		Name                string     `json:"name" crm:"mandatory"`
		AlternativeCode     string     `json:"alternative_code"`
		Description         string     `json:"description"`
		UDRType             Identifier `json:"udr_type_identifier" crm:"mandatory"`
		UsedForProvisioning bool       `json:"used_for_provisioning"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	udr, err := mustRef(p.UDRType, "udr_type_identifier", "id", "name", "alternative_code")
	if err != nil {
		return nil, err
	}
	org := req.caller.Organisation.ID
	pt, err := s.svc.Usage.CreateProductType(req.ctx(), org, service.NewProductType{Name: p.Name, AlternativeCode: p.AlternativeCode,
		Description: p.Description, UDRType: udr, UsedForProvisioning: p.UsedForProvisioning})
	if err != nil {
		return nil, err
	}
	cat, err := s.svc.Usage.Catalogue(req.ctx(), org)
	if err != nil {
		return nil, err
	}
	return viewProductType(pt, cat), nil
}

// createFamily is POST product_families/create.
func (s *Server) createFamily(req *request) (any, error) {
	var p struct {
		Code        string `json:"code" crm:"mandatory"`
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	f, err := s.svc.Usage.CreateFamily(req.ctx(), req.caller.Organisation.ID,
		crmapi.ProductFamily{Code: p.Code, Name: p.Name, Description: p.Description})
	if err != nil {
		return nil, err
	}
	return viewFamily(f), nil
}

// createUsageService is POST usage_services/create.
func (s *Server) createUsageService(req *request) (any, error) {
	var p struct {
		Code            string        `json:"code" crm:"mandatory"`
		AlternativeCode string        `json:"alternative_code"`
		Description     string        `json:"description"`
		ProductType     Identifier    `json:"product_type_identifier" crm:"mandatory"`
		Family          Identifier    `json:"product_family_identifier"`
		UnitRate        crmapi.Amount `json:"unit_rate" crm:"mandatory"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	pt, err := mustRef(p.ProductType, "product_type_identifier", "id", "name", "alternative_code")
	if err != nil {
		return nil, err
	}
	family, err := optRef(p.Family, "product_family_identifier", "id", "code", "name")
	if err != nil {
		return nil, err
	}
	org := req.caller.Organisation.ID
	u, err := s.svc.Usage.CreateUsageService(req.ctx(), org, service.NewUsageService{Code: p.Code, AlternativeCode: p.AlternativeCode,
		Description: p.Description, ProductType: pt, Family: family, UnitRate: p.UnitRate})
	if err != nil {
		return nil, err
	}
	cat, err := s.svc.Usage.Catalogue(req.ctx(), org)
	if err != nil {
		return nil, err
	}
	return viewUsageService(u, cat), nil
}

// catalogueLister serves the catalogue lists (udr_types/list, …).
func (s *Server) catalogueLister(list func(crmapi.Catalogue) any) handlerFunc {
	return func(req *request) (any, error) {
		if err := req.decode(&struct{}{}); err != nil {
			return nil, err
		}
		cat, err := s.svc.Usage.Catalogue(req.ctx(), req.caller.Organisation.ID)
		if err != nil {
			return nil, err
		}
		return list(cat), nil
	}
}

// sortedBy returns a map's values ordered by key(v).
func sortedBy[T any](m map[string]T, key func(T) string) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return out
}

func listUDRTypes(cat crmapi.Catalogue) any {
	out := []udrTypeView{}
	for _, u := range sortedBy(cat.UDRTypes, func(u crmapi.UDRType) string { return u.Name }) {
		out = append(out, viewUDRType(u))
	}
	return out
}

func listProductTypes(cat crmapi.Catalogue) any {
	out := []productTypeView{}
	for _, p := range sortedBy(cat.ProductTypes, func(p crmapi.ProductType) string { return p.Name }) {
		out = append(out, viewProductType(p, cat))
	}
	return out
}

func listFamilies(cat crmapi.Catalogue) any {
	out := []familyView{}
	for _, f := range sortedBy(cat.Families, func(f crmapi.ProductFamily) string { return f.Code }) {
		out = append(out, viewFamily(f))
	}
	return out
}

func listUsageServices(cat crmapi.Catalogue) any {
	out := []usageServiceView{}
	for _, s := range cat.ServiceList() {
		out = append(out, viewUsageService(s, cat))
	}
	return out
}

// limitParam is one element of usage_allowance_limits_set.
type limitParam struct {
	Service                  Identifier       `json:"service_identifier" crm:"semi=target"`
	ServiceType              Identifier       `json:"service_type_identifier" crm:"semi=target"`
	ServiceFamily            Identifier       `json:"service_family_identifier" crm:"semi=target"`
	MaxAmountPerTransaction  *crmapi.Amount   `json:"maximum_rated_amount_per_transaction"`
	MaxAmountPerDay          *crmapi.Amount   `json:"maximum_rated_amount_per_day"`
	MaxAmountPerBillingCycle *crmapi.Amount   `json:"maximum_rated_amount_per_billing_cycle"`
	MaxUsagePerTransaction   *crmapi.Quantity `json:"maximum_usage_per_transaction"`
	MaxUsagePerDay           *crmapi.Quantity `json:"maximum_usage_per_day"`
	MaxUsagePerBillingCycle  *crmapi.Quantity `json:"maximum_usage_per_billing_cycle"`
}

// setAllowance is POST usage_allowances/set: it replaces the account's
// usage allowance settings and limits.
func (s *Server) setAllowance(req *request) (any, error) {
	var p struct {
		Account       Identifier      `json:"accounts_receivable_identifier" crm:"mandatory"`
		BlockUnlisted bool            `json:"block_services_not_included_in_usage_allowance_limits_settings"`
		OverLimit     crmapi.Amount   `json:"percentage_of_allowed_exceeded_usage_limit"`
		Validity      int64           `json:"authorisation_validity_minutes"`
		Limits        []rawLimitParam `json:"usage_allowance_limits_set"`
	}
	if err := req.decode(&p); err != nil {
		return nil, err
	}
	ref, err := mustRef(p.Account, "accounts_receivable_identifier", accountFields...)
	if err != nil {
		return nil, err
	}
	if p.Validity < 0 || p.Validity > int64(crmapi.MaxAuthorisationValidity/time.Minute) {
		return nil, crmapi.Invalid("authorisation_validity_minutes", "between 1 minute and 90 days")
	}
	ch := service.AllowanceChange{Account: ref, BlockUnlisted: p.BlockUnlisted, OverLimitPercentage: p.OverLimit,
		Validity: time.Duration(p.Validity) * time.Minute}
	for i, raw := range p.Limits {
		spec, err := raw.spec(fmt.Sprintf("usage_allowance_limits_set[%d]", i))
		if err != nil {
			return nil, err
		}
		ch.Limits = append(ch.Limits, spec)
	}
	d, err := s.svc.Usage.SetAllowance(req.ctx(), req.caller.Organisation.ID, ch)
	if err != nil {
		return nil, err
	}
	return viewAllowance(d, req.loc()), nil
}

// rawLimitParam keeps an element's JSON so that it is decoded like the top
// level: unknown keys refused, exactly one target.
type rawLimitParam json.RawMessage

// UnmarshalJSON keeps the element as it is.
func (r *rawLimitParam) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

func (r rawLimitParam) spec(param string) (service.LimitSpec, error) {
	var fields rawParams
	if err := json.Unmarshal(r, &fields); err != nil || fields == nil {
		return service.LimitSpec{}, crmapi.Invalid(param, "expected an object")
	}
	var l limitParam
	if err := decodeParams(fields, &l); err != nil {
		return service.LimitSpec{}, prefixed(err, param)
	}
	spec := service.LimitSpec{MaxAmountPerTransaction: l.MaxAmountPerTransaction, MaxAmountPerDay: l.MaxAmountPerDay,
		MaxAmountPerCycle: l.MaxAmountPerBillingCycle, MaxUsagePerTransaction: l.MaxUsagePerTransaction,
		MaxUsagePerDay: l.MaxUsagePerDay, MaxUsagePerCycle: l.MaxUsagePerBillingCycle}
	var err error
	switch {
	case l.Service != nil:
		spec.Target.Kind = crmapi.TargetService
		spec.Target.Ref, err = mustRef(l.Service, param+".service_identifier", "id", "code", "alternative_code")
	case l.ServiceType != nil:
		spec.Target.Kind = crmapi.TargetServiceType
		spec.Target.Ref, err = mustRef(l.ServiceType, param+".service_type_identifier", "id", "name", "alternative_code")
	default:
		spec.Target.Kind = crmapi.TargetFamily
		spec.Target.Ref, err = mustRef(l.ServiceFamily, param+".service_family_identifier", "id", "code", "name")
	}
	return spec, err
}

// prefixed names where in a list an element's error is.
func prefixed(err error, param string) error {
	if e, ok := err.(*crmapi.Error); ok {
		c := *e
		c.Detail = param + "." + c.Detail
		return &c
	}
	return err
}

// showAllowance is GET usage_allowances/show.
func (s *Server) showAllowance(req *request) (any, error) {
	ref, err := req.account()
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Usage.Allowance(req.ctx(), req.caller.Organisation.ID, ref)
	if err != nil {
		return nil, err
	}
	return viewAllowance(d, req.loc()), nil
}

type limitView struct {
	ID string `json:"id"`
	targetViews
	MaxAmountPerTransaction  *crmapi.Amount   `json:"maximum_rated_amount_per_transaction"`
	MaxAmountPerDay          *crmapi.Amount   `json:"maximum_rated_amount_per_day"`
	MaxAmountPerBillingCycle *crmapi.Amount   `json:"maximum_rated_amount_per_billing_cycle"`
	MaxUsagePerTransaction   *crmapi.Quantity `json:"maximum_usage_per_transaction"`
	MaxUsagePerDay           *crmapi.Quantity `json:"maximum_usage_per_day"`
	MaxUsagePerBillingCycle  *crmapi.Quantity `json:"maximum_usage_per_billing_cycle"`
}

type allowanceView struct {
	AccountsReceivable accountShortView `json:"accounts_receivable"`
	Currency           string           `json:"currency"`
	BlockUnlisted      bool             `json:"block_services_not_included_in_usage_allowance_limits_settings"`
	// OverLimit is a percentage, a JSON number as CRM.COM types it.
	OverLimit       json.Number `json:"percentage_of_allowed_exceeded_usage_limit"`
	ValidityMinutes int64       `json:"authorisation_validity_minutes"`
	Limits          []limitView `json:"usage_allowance_limits_set"`
	UpdatedDate     *string     `json:"updated_date"`
}

func viewAllowance(d service.AllowanceDetail, loc *time.Location) allowanceView {
	v := allowanceView{AccountsReceivable: viewAccountShort(d.Account), Currency: d.Account.Currency, BlockUnlisted: d.BlockUnlisted,
		OverLimit: json.Number(d.OverLimitPercentage.String()), ValidityMinutes: int64(d.Validity / time.Minute),
		Limits: []limitView{}}
	if !d.UpdatedAt.IsZero() {
		v.UpdatedDate = formatDatePtr(&d.UpdatedAt, loc)
	}
	for _, l := range d.Limits {
		v.Limits = append(v.Limits, limitView{ID: l.ID, targetViews: viewTarget(l.Target, d.Catalogue),
			MaxAmountPerTransaction: l.MaxAmountPerTransaction, MaxAmountPerDay: l.MaxAmountPerDay,
			MaxAmountPerBillingCycle: l.MaxAmountPerCycle, MaxUsagePerTransaction: l.MaxUsagePerTransaction,
			MaxUsagePerDay: l.MaxUsagePerDay, MaxUsagePerBillingCycle: l.MaxUsagePerCycle})
	}
	return v
}
