package emulator

import (
	"strconv"
	"strings"
)

// Amounts stay decimal strings on the wire; the emulator only ever needs
// to discount one, which it does in integer minor units of the amount's
// own scale so that no float rounding creeps in.

// parseAmount parses a non-negative decimal into an integer of minor units
// and its scale (digits after the point).
func parseAmount(s string) (units int64, scale int, ok bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 4 || len(whole) > 9 {
		return 0, 0, false
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, 0, false
		}
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return n, len(frac), true
}

func formatAmount(units int64, scale int) string {
	s := strconv.FormatInt(units, 10)
	if scale == 0 {
		return s
	}
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	return s[:len(s)-scale] + "." + s[len(s)-scale:]
}

// discount returns amount less percent, rounded half up at the amount's
// scale.
func discount(amount string, percent int) string {
	if percent <= 0 {
		return amount
	}
	units, scale, ok := parseAmount(amount)
	if !ok {
		return amount
	}
	return formatAmount((units*int64(100-percent)*2+100)/200, scale)
}

var currencySymbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}

// formatPrice renders a price for display: "€7.99", or "7.99 CHF" for a
// currency without a symbol here.
func formatPrice(amount, currency string) string {
	if s, ok := currencySymbols[currency]; ok {
		return s + amount
	}
	return amount + " " + currency
}
