package emulator

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/crmapi/crmapi/partner"
)

// Any is the wildcard offer or country of a catalog entry.
const Any = "*"

// catalogKey names a catalog entry; either part may be Any.
type catalogKey struct{ offer, country string }

// catalog holds promotions and prices per offer and country. Promotions
// and prices are looked up separately, each falling back from the exact
// entry to (offer, *), (*, country) and (*, *), so setting one country's
// promotions leaves its prices to the defaults.
type catalog struct {
	promotions map[catalogKey][]partner.Promotion
	prices     map[catalogKey][]partner.Price
}

// catalogEpoch is when the seeded promotions and prices take effect.
var catalogEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func seedCatalog(amount, currency string) catalog {
	all := catalogKey{Any, Any}
	return catalog{
		promotions: map[catalogKey][]partner.Promotion{all: {
			{Code: "FREE1M", Name: "First month free", Description: "The first billing period is free.",
				EffectiveFrom: catalogEpoch, DiscountPercent: 100, DiscountPeriods: 1},
			{Code: "HALF3M", Name: "Half price for three months", Description: "The first three billing periods are at half price.",
				EffectiveFrom: catalogEpoch, DiscountPercent: 50, DiscountPeriods: 3},
		}},
		prices: map[catalogKey][]partner.Price{all: {
			{Amount: amount, Currency: currency, EffectiveDate: catalogEpoch},
		}},
	}
}

func lookup[T any](m map[catalogKey][]T, offer, country string) []T {
	for _, k := range []catalogKey{{offer, country}, {offer, Any}, {Any, country}, {Any, Any}} {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return nil
}

func normKey(offer, country string) catalogKey {
	k := catalogKey{strings.TrimSpace(offer), strings.ToUpper(strings.TrimSpace(country))}
	if k.offer == "" {
		k.offer = Any
	}
	if k.country == "" {
		k.country = Any
	}
	return k
}

// promotionsLocked returns the promotions of offer in country that have
// not expired at now.
func (e *Emulator) promotionsLocked(offer, country string, now time.Time) []partner.Promotion {
	k := normKey(offer, country)
	out := []partner.Promotion{}
	for _, p := range lookup(e.catalog.promotions, k.offer, k.country) {
		if p.ExpiresOn == nil || now.Before(*p.ExpiresOn) {
			out = append(out, p)
		}
	}
	return out
}

// pricesLocked returns the prices of offer in country, completed with the
// plan name and the formatted price.
func (e *Emulator) pricesLocked(offer, country string) []partner.Price {
	k := normKey(offer, country)
	out := []partner.Price{}
	for _, p := range lookup(e.catalog.prices, k.offer, k.country) {
		if p.Plan == "" {
			p.Plan = "STANDARD"
			if k.offer != Any {
				p.Plan = k.offer
			}
		}
		if p.FormattedPrice == "" {
			p.FormattedPrice = formatPrice(p.Amount, p.Currency)
		}
		out = append(out, p)
	}
	return out
}

// priceAtLocked returns the price a sign-up at now is billed: the latest
// one already in effect (or the first one if none is yet).
func (e *Emulator) priceAtLocked(offer, country string, now time.Time) (partner.Price, bool) {
	prices := e.pricesLocked(offer, country)
	if len(prices) == 0 {
		return partner.Price{}, false
	}
	best := prices[0]
	for _, p := range prices[1:] {
		if !p.EffectiveDate.After(now) && (best.EffectiveDate.After(now) || p.EffectiveDate.After(best.EffectiveDate)) {
			best = p
		}
	}
	return best, true
}

// SetPromotions replaces the promotions of offer in country ("" or Any for
// every offer or country).
func (e *Emulator) SetPromotions(offer, country string, promotions []partner.Promotion) error {
	for _, p := range promotions {
		if p.Code == "" || p.DiscountPercent < 0 || p.DiscountPercent > 100 || p.DiscountPeriods < 0 {
			return fmt.Errorf("promotion %q: a code is required, discount_percent must be 0..100 and discount_periods at least 0", p.Code)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.catalog.promotions[normKey(offer, country)] = slices.Clone(promotions)
	return nil
}

// SetPrices replaces the prices of offer in country ("" or Any for every
// offer or country).
func (e *Emulator) SetPrices(offer, country string, prices []partner.Price) error {
	for _, p := range prices {
		if _, _, ok := parseAmount(p.Amount); !ok || !validCurrency(p.Currency) {
			return fmt.Errorf("price %q %q: amount must be a non-negative decimal and currency three letters", p.Amount, p.Currency)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.catalog.prices[normKey(offer, country)] = slices.Clone(prices)
	return nil
}

func (e *Emulator) handlePromotions(q *apiRequest) (int, any) {
	v := q.r.URL.Query()
	return http.StatusOK, partner.Promotions{Promotions: e.promotionsLocked(v.Get("offer"), v.Get("country"), q.now)}
}

func (e *Emulator) handlePrices(q *apiRequest) (int, any) {
	v := q.r.URL.Query()
	return http.StatusOK, partner.Prices{Prices: e.pricesLocked(v.Get("offer"), v.Get("country"))}
}

func validCurrency(c string) bool { return upperLetters(c, 3) }

// upperLetters reports whether s is n letters A-Z, the shape of ISO country
// and currency codes.
func upperLetters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
