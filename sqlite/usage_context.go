package sqlite

import (
	"strings"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/rowparts"
)

// contextColumns is the row of AuthorisationContext.
var contextColumns = strings.Join([]string{
	prefixColumns(orgColumns, "o"), prefixColumns(accountColumns, "a"), prefixColumns(contactColumns, "c"),
	catalogueSizeColumn, prefixColumns(subscriptionColumns, "s"),
}, ", ")

var contextColumnCount = rowparts.Count(orgColumns) + rowparts.Count(accountColumns) + rowparts.Count(contactColumns) +
	1 + rowparts.Count(subscriptionColumns)

func (t *tx) AuthorisationContext(orgID string, account, subscription *crmapi.Ref) (crmapi.AuthorisationContext, error) {
	from, where, key, what, err := rowparts.AuthorisationContextSource(account, subscription)
	if err != nil {
		return crmapi.AuthorisationContext{}, err
	}
	row := rowparts.New(contextColumnCount)
	err = t.queryRow(`SELECT `+contextColumns+` FROM `+from+`
		JOIN organisations o ON o.id = a.organisation_id
		JOIN contacts c ON c.organisation_id = a.organisation_id AND c.id = a.owner_id
		WHERE a.organisation_id = ? AND `+where+` = ?`, orgID, orgID, orgID, orgID, orgID, key).Scan(row.Dest()...)
	if err != nil {
		return crmapi.AuthorisationContext{}, translate(err, what)
	}
	c, err := rowparts.ScanAuthorisationContext(row, shownScanners)
	return c, translate(err, what)
}
