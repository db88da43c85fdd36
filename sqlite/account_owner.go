package sqlite

import (
	"strings"

	"github.com/crmapi/crmapi"
)

// AccountWithOwner reads an account and its owner in one statement; every
// authorisation shown or created answers with both.
func (t *tx) AccountWithOwner(orgID, id string) (crmapi.AccountsReceivable, crmapi.Contact, error) {
	var a crmapi.AccountsReceivable
	var c crmapi.Contact
	d := &c.Demographics
	var balance, credit, held, created, ownerCreated int64
	err := t.queryRow(`SELECT `+accountWithOwnerColumns+`
		FROM accounts_receivable a JOIN contacts c ON c.organisation_id = a.organisation_id AND c.id = a.owner_id
		WHERE a.organisation_id = ? AND a.id = ?`, orgID, id).Scan(
		&a.ID, &a.OrganisationID, &a.Number, &a.Name, &a.OwnerID, &a.Currency, &balance, &credit, &held,
		&a.LifeCycleState, &created,
		&c.ID, &c.OrganisationID, &c.Type, &c.FirstName, &c.MiddleName, &c.LastName, &c.Title,
		&c.CompanyName, &c.LifeCycleState, &d.Gender, &d.IDNumber, &d.PassportNumber, &d.SocialSecurityNumber,
		&d.BirthYear, &d.BirthMonth, &d.BirthDay, &d.NameDayMonth, &d.NameDayDay, &ownerCreated)
	if err != nil {
		return a, c, translate(err, "Accounts receivable")
	}
	a.Balance, a.CreditLimit, a.Held = crmapi.AmountFromUnits(balance), crmapi.AmountFromUnits(credit), crmapi.AmountFromUnits(held)
	a.CreatedAt, c.CreatedAt = fromMicros(created), fromMicros(ownerCreated)
	return a, c, nil
}

// accountWithOwnerColumns is built once: building it per call was a
// visible part of a create's CPU.
var accountWithOwnerColumns = prefixColumns(accountColumns, "a") + `, ` + prefixColumns(contactColumns, "c")

// prefixColumns qualifies a column list with a table alias.
func prefixColumns(cols, alias string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
