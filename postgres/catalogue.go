package postgres

import (
	"time"

	"github.com/crmapi/crmapi"
)

// nullCode stores an optional code: empty becomes NULL, so that only
// given codes must be unique.
func nullCode(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// deref reads an optional code back; NULL is empty.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

const udrTypeColumns = `id, organisation_id, name, alternative_code, description, created_at`

func scanUDRType(s scanner) (crmapi.UDRType, error) {
	var u crmapi.UDRType
	var alt *string
	var created int64
	err := s.Scan(&u.ID, &u.OrganisationID, &u.Name, &alt, &u.Description, &created)
	u.AlternativeCode, u.CreatedAt = deref(alt), fromMicros(created)
	return u, err
}

func (t *tx) CreateUDRType(u crmapi.UDRType) error {
	return t.insert("UDR type", `INSERT INTO udr_types (`+udrTypeColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		u.ID, u.OrganisationID, u.Name, nullCode(u.AlternativeCode), u.Description, micros(u.CreatedAt))
}

func (t *tx) ListUDRTypes(orgID string) ([]crmapi.UDRType, error) {
	rows, err := t.query(`SELECT `+udrTypeColumns+` FROM udr_types WHERE organisation_id = $1 ORDER BY name`, orgID)
	if err != nil {
		return nil, translate(err, "UDR type")
	}
	return collect(rows, scanUDRType, "UDR type")
}

const productTypeColumns = `id, organisation_id, name, alternative_code, description, service_type, classification,
	composition_method, used_for_provisioning, udr_type_id, created_at`

func scanProductType(s scanner) (crmapi.ProductType, error) {
	var p crmapi.ProductType
	var alt *string
	var prov bool
	var created int64
	err := s.Scan(&p.ID, &p.OrganisationID, &p.Name, &alt, &p.Description, &p.ServiceType, &p.Classification,
		&p.CompositionMethod, &prov, &p.UDRTypeID, &created)
	p.AlternativeCode, p.UsedForProvisioning, p.CreatedAt = deref(alt), prov, fromMicros(created)
	return p, err
}

func (t *tx) CreateProductType(p crmapi.ProductType) error {
	return t.insert("Product type", `INSERT INTO product_types (`+productTypeColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		p.ID, p.OrganisationID, p.Name, nullCode(p.AlternativeCode), p.Description, p.ServiceType, p.Classification,
		p.CompositionMethod, p.UsedForProvisioning, p.UDRTypeID, micros(p.CreatedAt))
}

func (t *tx) ListProductTypes(orgID string) ([]crmapi.ProductType, error) {
	rows, err := t.query(`SELECT `+productTypeColumns+` FROM product_types WHERE organisation_id = $1 ORDER BY name`, orgID)
	if err != nil {
		return nil, translate(err, "Product type")
	}
	return collect(rows, scanProductType, "Product type")
}

const familyColumns = `id, organisation_id, code, name, description, created_at`

func scanFamily(s scanner) (crmapi.ProductFamily, error) {
	var f crmapi.ProductFamily
	var created int64
	err := s.Scan(&f.ID, &f.OrganisationID, &f.Code, &f.Name, &f.Description, &created)
	f.CreatedAt = fromMicros(created)
	return f, err
}

func (t *tx) CreateProductFamily(f crmapi.ProductFamily) error {
	return t.insert("Product family", `INSERT INTO product_families (`+familyColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		f.ID, f.OrganisationID, f.Code, f.Name, f.Description, micros(f.CreatedAt))
}

func (t *tx) ListProductFamilies(orgID string) ([]crmapi.ProductFamily, error) {
	rows, err := t.query(`SELECT `+familyColumns+` FROM product_families WHERE organisation_id = $1 ORDER BY code`, orgID)
	if err != nil {
		return nil, translate(err, "Product family")
	}
	return collect(rows, scanFamily, "Product family")
}

const usageServiceColumns = `id, organisation_id, code, alternative_code, description, product_type_id, family_id,
	unit_rate, created_at`

func scanUsageService(s scanner) (crmapi.UsageService, error) {
	var u crmapi.UsageService
	var alt, family *string
	var rate, created int64
	err := s.Scan(&u.ID, &u.OrganisationID, &u.Code, &alt, &u.Description, &u.ProductTypeID, &family, &rate, &created)
	u.AlternativeCode, u.FamilyID = deref(alt), deref(family)
	u.UnitRate, u.CreatedAt = crmapi.AmountFromUnits(rate), fromMicros(created)
	return u, err
}

func (t *tx) CreateUsageService(u crmapi.UsageService) error {
	return t.insert("Usage service", `INSERT INTO usage_services (`+usageServiceColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		u.ID, u.OrganisationID, u.Code, nullCode(u.AlternativeCode), u.Description, u.ProductTypeID,
		nullCode(u.FamilyID), u.UnitRate.Units(), micros(u.CreatedAt))
}

func (t *tx) ListUsageServices(orgID string) ([]crmapi.UsageService, error) {
	rows, err := t.query(`SELECT `+usageServiceColumns+` FROM usage_services WHERE organisation_id = $1 ORDER BY code`, orgID)
	if err != nil {
		return nil, translate(err, "Usage service")
	}
	return collect(rows, scanUsageService, "Usage service")
}

func (t *tx) SetAllowance(s crmapi.AllowanceSettings) error {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM accounts_receivable WHERE organisation_id = $1 AND id = $2`,
		s.OrganisationID, s.AccountID).Scan(&n); err != nil || n == 0 {
		return translate(errOr(err), "Accounts receivable")
	}
	if _, err := t.exec(`DELETE FROM usage_allowance_limits WHERE organisation_id = $1 AND account_id = $2`,
		s.OrganisationID, s.AccountID); err != nil {
		return translate(err, "Usage allowance")
	}
	_, err := t.exec(`INSERT INTO usage_allowances (account_id, organisation_id, block_unlisted, over_limit_percentage,
		validity_seconds, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (account_id) DO UPDATE SET block_unlisted = excluded.block_unlisted,
		over_limit_percentage = excluded.over_limit_percentage, validity_seconds = excluded.validity_seconds,
		updated_at = excluded.updated_at WHERE usage_allowances.organisation_id = excluded.organisation_id`,
		s.AccountID, s.OrganisationID, s.BlockUnlisted, s.OverLimitPercentage.Units(),
		int64(s.Validity/time.Second), micros(s.UpdatedAt))
	if err != nil {
		return translate(err, "Usage allowance")
	}
	for i, l := range s.Limits {
		_, err := t.exec(`INSERT INTO usage_allowance_limits (id, organisation_id, account_id, position, target_kind,
			target_id, max_amount_per_transaction, max_amount_per_day, max_amount_per_cycle, max_usage_per_transaction,
			max_usage_per_day, max_usage_per_cycle) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			l.ID, s.OrganisationID, s.AccountID, i, l.Target.Kind, l.Target.ID,
			amountUnits(l.MaxAmountPerTransaction), amountUnits(l.MaxAmountPerDay), amountUnits(l.MaxAmountPerCycle),
			quantityUnits(l.MaxUsagePerTransaction), quantityUnits(l.MaxUsagePerDay), quantityUnits(l.MaxUsagePerCycle))
		if err != nil {
			return translate(err, "Usage allowance limit")
		}
	}
	return nil
}

func (t *tx) Allowance(orgID, accountID string) (crmapi.AllowanceSettings, error) {
	s := crmapi.AllowanceSettings{OrganisationID: orgID, AccountID: accountID}
	var block bool
	var pct, validity, updated int64
	err := t.queryRow(`SELECT block_unlisted, over_limit_percentage, validity_seconds, updated_at FROM usage_allowances
		WHERE organisation_id = $1 AND account_id = $2`, orgID, accountID).Scan(&block, &pct, &validity, &updated)
	if err != nil {
		return s, translate(err, "Usage allowance")
	}
	s.BlockUnlisted, s.OverLimitPercentage = block, crmapi.AmountFromUnits(pct)
	s.Validity, s.UpdatedAt = time.Duration(validity)*time.Second, fromMicros(updated)
	rows, err := t.query(`SELECT id, target_kind, target_id, max_amount_per_transaction, max_amount_per_day,
		max_amount_per_cycle, max_usage_per_transaction, max_usage_per_day, max_usage_per_cycle
		FROM usage_allowance_limits WHERE organisation_id = $1 AND account_id = $2 ORDER BY position`, orgID, accountID)
	if err != nil {
		return s, translate(err, "Usage allowance limit")
	}
	s.Limits, err = collect(rows, scanLimit, "Usage allowance limit")
	return s, err
}

func scanLimit(s scanner) (crmapi.AllowanceLimit, error) {
	var l crmapi.AllowanceLimit
	var v [6]*int64
	err := s.Scan(&l.ID, &l.Target.Kind, &l.Target.ID, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5])
	l.MaxAmountPerTransaction, l.MaxAmountPerDay, l.MaxAmountPerCycle = optAmount(v[0]), optAmount(v[1]), optAmount(v[2])
	l.MaxUsagePerTransaction, l.MaxUsagePerDay, l.MaxUsagePerCycle = optQuantity(v[3]), optQuantity(v[4]), optQuantity(v[5])
	return l, err
}

// amountUnits stores an optional limit; nil is NULL, no limit.
func amountUnits(a *crmapi.Amount) *int64 {
	if a == nil {
		return nil
	}
	u := a.Units()
	return &u
}

func quantityUnits(q *crmapi.Quantity) *int64 {
	if q == nil {
		return nil
	}
	u := q.Units()
	return &u
}

func optAmount(v *int64) *crmapi.Amount {
	if v == nil {
		return nil
	}
	a := crmapi.AmountFromUnits(*v)
	return &a
}

func optQuantity(v *int64) *crmapi.Quantity {
	if v == nil {
		return nil
	}
	q := crmapi.QuantityFromUnits(*v)
	return &q
}

// catalogueSizeColumn computes CatalogueSize as one column, of the
// organisation $1.
const catalogueSizeColumn = `((SELECT count(*) FROM udr_types WHERE organisation_id = $1)
		+ (SELECT count(*) FROM product_types WHERE organisation_id = $1)
		+ (SELECT count(*) FROM product_families WHERE organisation_id = $1)
		+ (SELECT count(*) FROM usage_services WHERE organisation_id = $1))`

func (t *tx) CatalogueSize(orgID string) (int64, error) {
	var n int64
	err := t.queryRow(`SELECT `+catalogueSizeColumn, orgID).Scan(&n)
	return n, translate(err, "Catalogue")
}
