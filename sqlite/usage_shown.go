package sqlite

import (
	"strings"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/rowparts"
)

// shownColumns is the row of AuthorisationShown: the authorisation, its
// organisation, account, owner and subscription, the catalogue's size and
// the services, packed into one text column (rowparts.ServicesColumn) so that the
// row is one however many services there are: modernc's cost is per
// column read, and a row per service repeated some sixty columns.
var shownColumns = strings.Join([]string{
	prefixColumns(authorisationColumns, "u"), prefixColumns(orgColumns, "o"),
	prefixColumns(accountColumns, "a"), prefixColumns(contactColumns, "c"),
	prefixColumns(subscriptionColumns, "s"), catalogueSizeColumn,
	`(SELECT group_concat(` + rowparts.ServicesColumn + `, ' ' ORDER BY v.position)
		FROM usage_authorisation_services v WHERE v.authorisation_id = u.id)`,
}, ", ")

var shownColumnCount = rowparts.Count(authorisationColumns) + rowparts.Count(orgColumns) + rowparts.Count(accountColumns) +
	rowparts.Count(contactColumns) + rowparts.Count(subscriptionColumns) + 2

func (t *tx) AuthorisationShown(orgID, key string, byNumber bool) (crmapi.ShownAuthorisation, error) {
	where := `u.organisation_id = ? AND u.id = ?`
	if byNumber {
		where = `u.organisation_id = ? AND u.number = ?`
	}
	var shown crmapi.ShownAuthorisation
	row := rowparts.New(shownColumnCount)
	err := t.queryRow(`SELECT `+shownColumns+` FROM usage_authorisations u
		JOIN organisations o ON o.id = u.organisation_id
		JOIN accounts_receivable a ON a.organisation_id = u.organisation_id AND a.id = u.account_id
		JOIN contacts c ON c.organisation_id = a.organisation_id AND c.id = a.owner_id
		LEFT JOIN subscriptions s ON s.organisation_id = u.organisation_id AND s.id = u.subscription_id
		WHERE `+where, orgID, orgID, orgID, orgID, orgID, key).Scan(row.Dest()...)
	if err != nil {
		return shown, translate(err, "Usage authorisation")
	}
	if err := scanShown(row, &shown); err != nil {
		return shown, translate(err, "Usage authorisation")
	}
	return shown, nil
}

// scanShown reads the row of AuthorisationShown.
func scanShown(row *rowparts.Row, shown *crmapi.ShownAuthorisation) (err error) {
	if shown.Authorisation, err = scanAuthorisation(row); err != nil {
		return err
	}
	if shown.Organisation, err = scanOrganisation(row); err != nil {
		return err
	}
	if shown.Account, err = scanAccount(row); err != nil {
		return err
	}
	if shown.Owner, err = scanContact(row); err != nil {
		return err
	}
	if row.NextIsNull() {
		row.Skip(rowparts.Count(subscriptionColumns))
	} else {
		sub, err := scanAccountSubscription(row)
		if err != nil {
			return err
		}
		shown.Subscription = &sub
	}
	var packed string
	if err := row.Scan(&shown.CatalogueSize, &packed); err != nil {
		return err
	}
	shown.Authorisation.Services, err = rowparts.UnpackServices(packed)
	return err
}
