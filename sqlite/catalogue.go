package sqlite

import (
	"database/sql"
	"time"

	"github.com/crmapi/crmapi"
)

// nullCode stores an optional code: empty becomes NULL, so that only
// given codes must be unique.
func nullCode(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const udrTypeColumns = `id, organisation_id, name, alternative_code, description, created_at`

func scanUDRType(s scanner) (crmapi.UDRType, error) {
	var u crmapi.UDRType
	var alt sql.NullString
	var created int64
	err := s.Scan(&u.ID, &u.OrganisationID, &u.Name, &alt, &u.Description, &created)
	u.AlternativeCode, u.CreatedAt = alt.String, fromMicros(created)
	return u, err
}

func (t *tx) CreateUDRType(u crmapi.UDRType) error {
	_, err := t.exec(`INSERT INTO udr_types (`+udrTypeColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		u.ID, u.OrganisationID, u.Name, nullCode(u.AlternativeCode), u.Description, micros(u.CreatedAt))
	return translate(err, "UDR type")
}

func (t *tx) ListUDRTypes(orgID string) ([]crmapi.UDRType, error) {
	rows, err := t.query(`SELECT `+udrTypeColumns+` FROM udr_types WHERE organisation_id = ? ORDER BY name`, orgID)
	if err != nil {
		return nil, translate(err, "UDR type")
	}
	return collect(rows, scanUDRType, "UDR type")
}

const productTypeColumns = `id, organisation_id, name, alternative_code, description, service_type, classification,
	composition_method, used_for_provisioning, udr_type_id, created_at`

func scanProductType(s scanner) (crmapi.ProductType, error) {
	var p crmapi.ProductType
	var alt sql.NullString
	var prov int
	var created int64
	err := s.Scan(&p.ID, &p.OrganisationID, &p.Name, &alt, &p.Description, &p.ServiceType, &p.Classification,
		&p.CompositionMethod, &prov, &p.UDRTypeID, &created)
	p.AlternativeCode, p.UsedForProvisioning, p.CreatedAt = alt.String, prov != 0, fromMicros(created)
	return p, err
}

func (t *tx) CreateProductType(p crmapi.ProductType) error {
	_, err := t.exec(`INSERT INTO product_types (`+productTypeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.OrganisationID, p.Name, nullCode(p.AlternativeCode), p.Description, p.ServiceType, p.Classification,
		p.CompositionMethod, boolInt(p.UsedForProvisioning), p.UDRTypeID, micros(p.CreatedAt))
	return translate(err, "Product type")
}

func (t *tx) ListProductTypes(orgID string) ([]crmapi.ProductType, error) {
	rows, err := t.query(`SELECT `+productTypeColumns+` FROM product_types WHERE organisation_id = ? ORDER BY name`, orgID)
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
	_, err := t.exec(`INSERT INTO product_families (`+familyColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		f.ID, f.OrganisationID, f.Code, f.Name, f.Description, micros(f.CreatedAt))
	return translate(err, "Product family")
}

func (t *tx) ListProductFamilies(orgID string) ([]crmapi.ProductFamily, error) {
	rows, err := t.query(`SELECT `+familyColumns+` FROM product_families WHERE organisation_id = ? ORDER BY code`, orgID)
	if err != nil {
		return nil, translate(err, "Product family")
	}
	return collect(rows, scanFamily, "Product family")
}

const usageServiceColumns = `id, organisation_id, code, alternative_code, description, product_type_id, family_id,
	unit_rate, created_at`

func scanUsageService(s scanner) (crmapi.UsageService, error) {
	var u crmapi.UsageService
	var alt, family sql.NullString
	var rate, created int64
	err := s.Scan(&u.ID, &u.OrganisationID, &u.Code, &alt, &u.Description, &u.ProductTypeID, &family, &rate, &created)
	u.AlternativeCode, u.FamilyID = alt.String, family.String
	u.UnitRate, u.CreatedAt = crmapi.AmountFromUnits(rate), fromMicros(created)
	return u, err
}

func (t *tx) CreateUsageService(u crmapi.UsageService) error {
	_, err := t.exec(`INSERT INTO usage_services (`+usageServiceColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.OrganisationID, u.Code, nullCode(u.AlternativeCode), u.Description, u.ProductTypeID,
		nullCode(u.FamilyID), u.UnitRate.Units(), micros(u.CreatedAt))
	return translate(err, "Usage service")
}

func (t *tx) ListUsageServices(orgID string) ([]crmapi.UsageService, error) {
	rows, err := t.query(`SELECT `+usageServiceColumns+` FROM usage_services WHERE organisation_id = ? ORDER BY code`, orgID)
	if err != nil {
		return nil, translate(err, "Usage service")
	}
	return collect(rows, scanUsageService, "Usage service")
}

func (t *tx) SetAllowance(s crmapi.AllowanceSettings) error {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM accounts_receivable WHERE organisation_id = ? AND id = ?`,
		s.OrganisationID, s.AccountID).Scan(&n); err != nil || n == 0 {
		return translate(errOr(err), "Accounts receivable")
	}
	if _, err := t.exec(`DELETE FROM usage_allowance_limits WHERE organisation_id = ? AND account_id = ?`,
		s.OrganisationID, s.AccountID); err != nil {
		return translate(err, "Usage allowance")
	}
	_, err := t.exec(`INSERT INTO usage_allowances (account_id, organisation_id, block_unlisted, over_limit_percentage,
		validity_seconds, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET block_unlisted = excluded.block_unlisted,
		over_limit_percentage = excluded.over_limit_percentage, validity_seconds = excluded.validity_seconds,
		updated_at = excluded.updated_at WHERE usage_allowances.organisation_id = excluded.organisation_id`,
		s.AccountID, s.OrganisationID, boolInt(s.BlockUnlisted), s.OverLimitPercentage.Units(),
		int64(s.Validity/time.Second), micros(s.UpdatedAt))
	if err != nil {
		return translate(err, "Usage allowance")
	}
	for i, l := range s.Limits {
		_, err := t.exec(`INSERT INTO usage_allowance_limits (id, organisation_id, account_id, position, target_kind,
			target_id, max_amount_per_transaction, max_amount_per_day, max_amount_per_cycle, max_usage_per_transaction,
			max_usage_per_day, max_usage_per_cycle) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
	var block int
	var pct, validity, updated int64
	err := t.queryRow(`SELECT block_unlisted, over_limit_percentage, validity_seconds, updated_at FROM usage_allowances
		WHERE organisation_id = ? AND account_id = ?`, orgID, accountID).Scan(&block, &pct, &validity, &updated)
	if err != nil {
		return s, translate(err, "Usage allowance")
	}
	s.BlockUnlisted, s.OverLimitPercentage = block != 0, crmapi.AmountFromUnits(pct)
	s.Validity, s.UpdatedAt = time.Duration(validity)*time.Second, fromMicros(updated)
	rows, err := t.query(`SELECT id, target_kind, target_id, max_amount_per_transaction, max_amount_per_day,
		max_amount_per_cycle, max_usage_per_transaction, max_usage_per_day, max_usage_per_cycle
		FROM usage_allowance_limits WHERE organisation_id = ? AND account_id = ? ORDER BY position`, orgID, accountID)
	if err != nil {
		return s, translate(err, "Usage allowance limit")
	}
	s.Limits, err = collect(rows, scanLimit, "Usage allowance limit")
	return s, err
}

func scanLimit(s scanner) (crmapi.AllowanceLimit, error) {
	var l crmapi.AllowanceLimit
	var v [6]sql.NullInt64
	err := s.Scan(&l.ID, &l.Target.Kind, &l.Target.ID, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5])
	l.MaxAmountPerTransaction, l.MaxAmountPerDay, l.MaxAmountPerCycle = optAmount(v[0]), optAmount(v[1]), optAmount(v[2])
	l.MaxUsagePerTransaction, l.MaxUsagePerDay, l.MaxUsagePerCycle = optQuantity(v[3]), optQuantity(v[4]), optQuantity(v[5])
	return l, err
}

// amountUnits stores an optional limit; nil is NULL, no limit.
func amountUnits(a *crmapi.Amount) any {
	if a == nil {
		return nil
	}
	return a.Units()
}

func quantityUnits(q *crmapi.Quantity) any {
	if q == nil {
		return nil
	}
	return q.Units()
}

func optAmount(v sql.NullInt64) *crmapi.Amount {
	if !v.Valid {
		return nil
	}
	a := crmapi.AmountFromUnits(v.Int64)
	return &a
}

func optQuantity(v sql.NullInt64) *crmapi.Quantity {
	if !v.Valid {
		return nil
	}
	q := crmapi.QuantityFromUnits(v.Int64)
	return &q
}

// catalogueSizeColumn computes CatalogueSize as one column; it takes the
// organisation four times.
const catalogueSizeColumn = `((SELECT count(*) FROM udr_types WHERE organisation_id = ?)
		+ (SELECT count(*) FROM product_types WHERE organisation_id = ?)
		+ (SELECT count(*) FROM product_families WHERE organisation_id = ?)
		+ (SELECT count(*) FROM usage_services WHERE organisation_id = ?))`

func (t *tx) CatalogueSize(orgID string) (int64, error) {
	var n int64
	err := t.queryRow(`SELECT `+catalogueSizeColumn, orgID, orgID, orgID, orgID).Scan(&n)
	return n, translate(err, "Catalogue")
}
