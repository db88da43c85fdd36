package sqlite

import (
	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/rowparts"
)

// shownSubscriptionColumns is a subscription with its redemptions and
// prices packed as JSON (rowparts), so that show is one statement.
var shownSubscriptionColumns = prefixColumns(subColumns, "n") + `,
	(SELECT json_group_array(json_array(` + rowparts.RedemptionFields + `) ORDER BY r.position)
		FROM netflix_redemptions r WHERE r.subscription_id = n.id),
	(SELECT json_group_array(json_array(` + rowparts.PriceFields + `) ORDER BY p.position)
		FROM netflix_prices p WHERE p.subscription_id = n.id)`

func (t *tx) NetflixSubscriptionsShown(orgID, customerID, pai string) ([]crmapi.NetflixShownSubscription, error) {
	where, key := `n.customer_id = ?`, customerID
	if customerID == "" {
		where, key = `n.pai = ?`, pai
	}
	rows, err := t.query(`SELECT `+shownSubscriptionColumns+` FROM netflix_subscriptions n
		WHERE n.organisation_id = ? AND `+where+` ORDER BY n.created_at, n.number`, orgID, key)
	if err != nil {
		return nil, translate(err, "Subscription")
	}
	defer rows.Close()
	out, err := rowparts.CollectSubscriptionsShown(rows, rowparts.Count(subColumns),
		func(s rowparts.Scanner) (crmapi.NetflixSubscription, error) { return scanSubscription(s) })
	return out, translate(err, "Subscription")
}
