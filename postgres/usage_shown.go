package postgres

import (
	"strings"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/rowparts"
)

// shownColumns is the row of AuthorisationShown: the authorisation, its
// organisation, account, owner and subscription, the catalogue's size and
// the services, packed into one text column (rowparts.ServicesColumn) so that the
// row is one (the catalogue's size takes the organisation as $1) however many services there are: modernc's cost is per
// column read, and a row per service repeated some sixty columns.
var shownColumns = strings.Join([]string{
	prefixColumns(authorisationColumns, "u"), prefixColumns(orgColumns, "o"),
	prefixColumns(accountColumns, "a"), prefixColumns(contactColumns, "c"),
	prefixColumns(subscriptionColumns, "s"), catalogueSizeColumn,
	`(SELECT string_agg(` + rowparts.ServicesColumn + `, ' ' ORDER BY v.position)
		FROM usage_authorisation_services v WHERE v.authorisation_id = u.id)`,
}, ", ")

var shownColumnCount = rowparts.Count(authorisationColumns) + rowparts.Count(orgColumns) + rowparts.Count(accountColumns) +
	rowparts.Count(contactColumns) + rowparts.Count(subscriptionColumns) + 2

func (t *tx) AuthorisationShown(orgID, key string, byNumber bool) (crmapi.ShownAuthorisation, error) {
	where := `u.organisation_id = $1 AND u.id = $2`
	if byNumber {
		where = `u.organisation_id = $1 AND u.number = $2`
	}
	var shown crmapi.ShownAuthorisation
	row := rowparts.New(shownColumnCount)
	err := t.queryRow(`SELECT `+shownColumns+` FROM usage_authorisations u
		JOIN organisations o ON o.id = u.organisation_id
		JOIN accounts_receivable a ON a.organisation_id = u.organisation_id AND a.id = u.account_id
		JOIN contacts c ON c.organisation_id = a.organisation_id AND c.id = a.owner_id
		LEFT JOIN subscriptions s ON s.organisation_id = u.organisation_id AND s.id = u.subscription_id
		WHERE `+where, orgID, key).Scan(row.Dest()...)
	if err != nil {
		return shown, translate(err, "Usage authorisation")
	}
	if shown, err = rowparts.ScanAuthorisationShown(row, shownScanners); err != nil {
		return shown, translate(err, "Usage authorisation")
	}
	return shown, nil
}

// shownScanners are this engine's scan functions for AuthorisationShown.
var shownScanners = rowparts.AuthorisationScanners{
	Authorisation:       func(s rowparts.Scanner) (crmapi.UsageAuthorisation, error) { return scanAuthorisation(s) },
	Organisation:        func(s rowparts.Scanner) (crmapi.Organisation, error) { return scanOrganisation(s) },
	Account:             func(s rowparts.Scanner) (crmapi.AccountsReceivable, error) { return scanAccount(s) },
	Contact:             func(s rowparts.Scanner) (crmapi.Contact, error) { return scanContact(s) },
	Subscription:        func(s rowparts.Scanner) (crmapi.Subscription, error) { return scanAccountSubscription(s) },
	SubscriptionColumns: rowparts.Count(subscriptionColumns),
}
