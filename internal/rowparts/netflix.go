package rowparts

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/crmapi/crmapi"
)

// The columns of a subscription's redemptions (alias r) and prices
// (alias p) that the engines pack into one column each, in this order,
// as a JSON array of arrays (free text cannot be packed with separators).
const (
	RedemptionFields = `r.code, r.name, r.description, r.effective_from, r.expires_on, r.redeemed_at`
	PriceFields      = `p.formatted_price, p.amount, p.currency, p.plan, p.effective_date`
)

// UnpackRedemptions reads the JSON array of RedemptionFields tuples.
func UnpackRedemptions(packed string) ([]crmapi.NetflixRedemption, error) {
	var tuples [][]json.RawMessage
	if err := json.Unmarshal([]byte(packed), &tuples); err != nil {
		return nil, fmt.Errorf("rowparts: packed redemptions: %w", err)
	}
	out := make([]crmapi.NetflixRedemption, 0, len(tuples))
	for _, t := range tuples {
		var r crmapi.NetflixRedemption
		var from, redeemed int64
		var expires *int64
		if err := fields(t, &r.Code, &r.Name, &r.Description, &from, &expires, &redeemed); err != nil {
			return nil, fmt.Errorf("rowparts: packed redemption: %w", err)
		}
		r.EffectiveFrom, r.RedeemedAt = fromMicros(from), fromMicros(redeemed)
		if expires != nil {
			t := fromMicros(*expires)
			r.ExpiresOn = &t
		}
		out = append(out, r)
	}
	return out, nil
}

// UnpackPrices reads the JSON array of PriceFields tuples.
func UnpackPrices(packed string) ([]crmapi.NetflixPrice, error) {
	var tuples [][]json.RawMessage
	if err := json.Unmarshal([]byte(packed), &tuples); err != nil {
		return nil, fmt.Errorf("rowparts: packed prices: %w", err)
	}
	out := make([]crmapi.NetflixPrice, 0, len(tuples))
	for _, t := range tuples {
		var p crmapi.NetflixPrice
		var units, eff int64
		if err := fields(t, &p.FormattedPrice, &units, &p.Currency, &p.Plan, &eff); err != nil {
			return nil, fmt.Errorf("rowparts: packed price: %w", err)
		}
		p.Amount, p.EffectiveDate = crmapi.AmountFromUnits(units), fromMicros(eff)
		out = append(out, p)
	}
	return out, nil
}

func fields(tuple []json.RawMessage, dest ...any) error {
	if len(tuple) != len(dest) {
		return fmt.Errorf("%d fields, want %d", len(tuple), len(dest))
	}
	for i, d := range dest {
		if err := json.Unmarshal(tuple[i], d); err != nil {
			return err
		}
	}
	return nil
}

// fromMicros reads a time both engines store as microseconds since the
// epoch.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }
