package rowparts

import "github.com/crmapi/crmapi"

// Scanner is what an engine's scan functions read from: a driver's row,
// or a Row.
type Scanner interface {
	Scan(dest ...any) error
}

// Rows is a driver's result set, database/sql's or pgx's.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// AuthorisationScanners are an engine's scan functions for the tables
// joined in the row of Tx.AuthorisationShown.
type AuthorisationScanners struct {
	Authorisation func(Scanner) (crmapi.UsageAuthorisation, error)
	Organisation  func(Scanner) (crmapi.Organisation, error)
	Account       func(Scanner) (crmapi.AccountsReceivable, error)
	Contact       func(Scanner) (crmapi.Contact, error)
	// Subscription reads SubscriptionColumns columns, all NULL when the
	// authorisation names no subscription.
	Subscription        func(Scanner) (crmapi.Subscription, error)
	SubscriptionColumns int
}

// ScanAuthorisationShown reads the row of Tx.AuthorisationShown: the
// authorisation, its organisation, account, owner and subscription, the
// catalogue's size, and the services packed by ServicesColumn.
func ScanAuthorisationShown(row *Row, sc AuthorisationScanners) (shown crmapi.ShownAuthorisation, err error) {
	if shown.Authorisation, err = sc.Authorisation(row); err != nil {
		return shown, err
	}
	if shown.Organisation, err = sc.Organisation(row); err != nil {
		return shown, err
	}
	if shown.Account, err = sc.Account(row); err != nil {
		return shown, err
	}
	if shown.Owner, err = sc.Contact(row); err != nil {
		return shown, err
	}
	if row.NextIsNull() {
		row.Skip(sc.SubscriptionColumns)
	} else {
		sub, err := sc.Subscription(row)
		if err != nil {
			return shown, err
		}
		shown.Subscription = &sub
	}
	var packed string
	if err := row.Scan(&shown.CatalogueSize, &packed); err != nil {
		return shown, err
	}
	shown.Authorisation.Services, err = UnpackServices(packed)
	return shown, err
}

// CollectSubscriptionsShown reads the rows of Tx.NetflixSubscriptionsShown:
// each a subscription (columns columns, read by scan) and its redemptions
// and prices packed as JSON.
func CollectSubscriptionsShown(rows Rows, columns int, scan func(Scanner) (crmapi.NetflixSubscription, error)) ([]crmapi.NetflixShownSubscription, error) {
	out := []crmapi.NetflixShownSubscription{}
	row := New(columns + 2)
	for rows.Next() {
		if err := rows.Scan(row.Dest()...); err != nil {
			return nil, err
		}
		var shown crmapi.NetflixShownSubscription
		var err error
		if shown.Subscription, err = scan(row); err != nil {
			return nil, err
		}
		var promos, prices string
		if err := row.Scan(&promos, &prices); err != nil {
			return nil, err
		}
		if shown.Promotions, err = UnpackRedemptions(promos); err != nil {
			return nil, err
		}
		if shown.Prices, err = UnpackPrices(prices); err != nil {
			return nil, err
		}
		out = append(out, shown)
	}
	return out, rows.Err()
}

// ScanAuthorisationContext reads the row of Tx.AuthorisationContext: the
// organisation, the account, its owner, the catalogue's size and the
// subscription (all NULL when there is none to take). sc.Authorisation is
// not used.
func ScanAuthorisationContext(row *Row, sc AuthorisationScanners) (c crmapi.AuthorisationContext, err error) {
	if c.Organisation, err = sc.Organisation(row); err != nil {
		return c, err
	}
	if c.Account, err = sc.Account(row); err != nil {
		return c, err
	}
	if c.Owner, err = sc.Contact(row); err != nil {
		return c, err
	}
	if err := row.Scan(&c.CatalogueSize); err != nil {
		return c, err
	}
	if !row.NextIsNull() {
		sub, err := sc.Subscription(row)
		if err != nil {
			return c, err
		}
		c.Subscription = &sub
	}
	return c, nil
}

// AuthorisationContextSource is where Tx.AuthorisationContext finds the
// account, in SQL both engines share (alias a; s for the subscription):
// through the subscription named, or directly, joined to its only
// subscription. where is the column key must equal; what names the table
// a NOT_FOUND is about.
func AuthorisationContextSource(account, subscription *crmapi.Ref) (from, where, key, what string, err error) {
	if subscription != nil {
		col, ok := map[string]string{"id": "s.id", "number": "s.number"}[subscription.Field]
		if !ok {
			return "", "", "", "", crmapi.Invalid("subscription_identifier."+subscription.Field, "use id or number")
		}
		return `subscriptions s JOIN accounts_receivable a ON a.organisation_id = s.organisation_id AND a.id = s.account_id`,
			col, subscription.Value, "Subscription", nil
	}
	col, ok := map[string]string{"id": "a.id", "number": "a.number", "name": "a.name"}[account.Field]
	if !ok {
		return "", "", "", "", crmapi.Invalid("accounts_receivable_identifier."+account.Field, "use id, number or name")
	}
	return `accounts_receivable a LEFT JOIN subscriptions s ON s.organisation_id = a.organisation_id AND s.account_id = a.id
		AND (SELECT count(*) FROM subscriptions x WHERE x.organisation_id = a.organisation_id AND x.account_id = a.id) = 1`,
		col, account.Value, "Accounts receivable", nil
}
