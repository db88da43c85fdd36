package postgres

import (
	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/rowparts"
)

// shownSubscriptionColumns is a subscription with its redemptions and
// prices packed as JSON (rowparts), so that show is one statement.
var shownSubscriptionColumns = prefixColumns(subColumns, "n") + `,
	(SELECT coalesce(json_agg(json_build_array(` + rowparts.RedemptionFields + `) ORDER BY r.position), '[]')::text
		FROM netflix_redemptions r WHERE r.subscription_id = n.id),
	(SELECT coalesce(json_agg(json_build_array(` + rowparts.PriceFields + `) ORDER BY p.position), '[]')::text
		FROM netflix_prices p WHERE p.subscription_id = n.id)`

func (t *tx) NetflixSubscriptionsShown(orgID, customerID, pai string) ([]crmapi.NetflixShownSubscription, error) {
	where, key := `n.customer_id = $2`, customerID
	if customerID == "" {
		where, key = `n.pai = $2`, pai
	}
	rows, err := t.query(`SELECT `+shownSubscriptionColumns+` FROM netflix_subscriptions n
		WHERE n.organisation_id = $1 AND `+where+` ORDER BY n.created_at, n.number`, orgID, key)
	if err != nil {
		return nil, translate(err, "Subscription")
	}
	defer rows.Close()
	out := []crmapi.NetflixShownSubscription{}
	row := rowparts.New(rowparts.Count(subColumns) + 2)
	for rows.Next() {
		if err := rows.Scan(row.Dest()...); err != nil {
			return nil, translate(err, "Subscription")
		}
		shown, err := scanShownSubscription(row)
		if err != nil {
			return nil, translate(err, "Subscription")
		}
		out = append(out, shown)
	}
	return out, translate(rows.Err(), "Subscription")
}

func scanShownSubscription(row *rowparts.Row) (shown crmapi.NetflixShownSubscription, err error) {
	if shown.Subscription, err = scanSubscription(row); err != nil {
		return shown, err
	}
	var promos, prices string
	if err := row.Scan(&promos, &prices); err != nil {
		return shown, err
	}
	if shown.Promotions, err = rowparts.UnpackRedemptions(promos); err != nil {
		return shown, err
	}
	shown.Prices, err = rowparts.UnpackPrices(prices)
	return shown, err
}
