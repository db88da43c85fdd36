package crmapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// AmountScale is how many decimal places an Amount keeps. Amounts are
// stored by both engines as integers of 1/10,000 of the currency unit, so
// arithmetic in SQL (balance + credit_limit - held >= ?) stays exact.
const AmountScale = 4

const amountFactor = 10000

// Amount is an exact amount of money: an integer count of 1/10,000 of the
// currency unit. It never passes through a float. On the wire it is a JSON
// string of a decimal ("50", "82.5"); it is read from strings or numbers.
type Amount struct {
	units int64
}

// ErrAmountRange is returned for amounts that do not fit an Amount.
var ErrAmountRange = errors.New("amount out of range")

// AmountFromUnits returns the Amount of u ten-thousandths.
func AmountFromUnits(u int64) Amount { return Amount{units: u} }

// AmountFromInt returns the Amount of n whole currency units.
func AmountFromInt(n int64) Amount { return Amount{units: n * amountFactor} }

// MustAmount parses s or panics; for constants in tests and demo data.
func MustAmount(s string) Amount {
	a, err := ParseAmount(s)
	if err != nil {
		panic(err)
	}
	return a
}

// ParseAmount parses a decimal string exactly. More than AmountScale
// decimal places, exponents that overflow and non-numbers are errors.
func ParseAmount(s string) (Amount, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Amount{}, fmt.Errorf("not a decimal number: %q", s)
	}
	return amountFromDecimal(d)
}

func amountFromDecimal(d decimal.Decimal) (Amount, error) {
	scaled := d.Shift(AmountScale)
	if !scaled.Equal(scaled.Truncate(0)) {
		return Amount{}, fmt.Errorf("more than %d decimal places", AmountScale)
	}
	bi := scaled.BigInt()
	if !bi.IsInt64() {
		return Amount{}, ErrAmountRange
	}
	u := bi.Int64()
	if u > maxUnits || u < -maxUnits {
		return Amount{}, ErrAmountRange
	}
	return Amount{units: u}, nil
}

// maxUnits keeps sums of a few amounts far from int64 overflow: 10^15 units
// is 100 billion currency units.
const maxUnits = int64(1e15)

// Units returns the amount in ten-thousandths; stores persist this.
func (a Amount) Units() int64 { return a.units }

// Decimal returns the amount as an exact decimal.
func (a Amount) Decimal() decimal.Decimal { return decimal.New(a.units, -AmountScale) }

// String returns the shortest exact decimal form: "50", "82.5", "-0.0001".
func (a Amount) String() string { return a.Decimal().String() }

// StringFixed returns the amount with exactly places decimals, rounding half
// to even (banker's rounding) when places < AmountScale.
func (a Amount) StringFixed(places int32) string {
	return a.Decimal().RoundBank(places).StringFixed(places)
}

// IsZero, IsPositive and IsNegative tell the sign.
func (a Amount) IsZero() bool { return a.units == 0 }

// IsPositive tells whether a > 0.
func (a Amount) IsPositive() bool { return a.units > 0 }

// IsNegative tells whether a < 0.
func (a Amount) IsNegative() bool { return a.units < 0 }

// Add returns a + b.
func (a Amount) Add(b Amount) Amount { return Amount{units: a.units + b.units} }

// Sub returns a - b.
func (a Amount) Sub(b Amount) Amount { return Amount{units: a.units - b.units} }

// Neg returns -a.
func (a Amount) Neg() Amount { return Amount{units: -a.units} }

// Cmp compares a and b: -1, 0 or +1.
func (a Amount) Cmp(b Amount) int {
	switch {
	case a.units < b.units:
		return -1
	case a.units > b.units:
		return 1
	}
	return 0
}

// Min returns the smaller of a and b.
func (a Amount) Min(b Amount) Amount {
	if b.units < a.units {
		return b
	}
	return a
}

// MulQuantity returns a × q rounded half to even to AmountScale places: a
// unit rate times a usage quantity.
func (a Amount) MulQuantity(q decimal.Decimal) (Amount, error) {
	return amountFromDecimal(a.Decimal().Mul(q).RoundBank(AmountScale))
}

// QuantityWithin returns how many whole units at rate a fit in budget,
// rounded down; it is 0 when rate is not positive.
func (a Amount) QuantityWithin(budget Amount) int64 {
	if a.units <= 0 || budget.units <= 0 {
		return 0
	}
	return budget.units / a.units
}

// MarshalText writes the amount's decimal; encoding/json writes it as a
// JSON string. (A MarshalJSON would do the same, but encoding/json scans
// and compacts whatever a MarshalJSON returns, which was a fifth of
// encoding an authorisation.)
func (a Amount) MarshalText() ([]byte, error) {
	return []byte(a.String()), nil
}

// UnmarshalJSON reads a JSON string or number, exactly.
func (a *Amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := ParseAmount(s)
		if err != nil {
			return err
		}
		*a = v
		return nil
	}
	if len(b) == 0 || !(b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		return fmt.Errorf("not a decimal number: %s", b)
	}
	v, err := ParseAmount(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// CurrencyExponent returns the number of minor-unit decimals of an ISO-4217
// currency (2 unless listed); amounts in requests may not carry more.
func CurrencyExponent(currency string) int32 {
	switch currency {
	case "JPY", "KRW", "ISK", "CLP", "VND", "XAF", "XOF", "HUF":
		return 0
	case "BHD", "KWD", "OMR", "JOD", "TND", "IQD", "LYD":
		return 3
	}
	return 2
}

// minorUnit returns how many Amount units make one minor unit of currency
// (100 for EUR: 1/100 of a euro is 100 ten-thousandths). Integer powers,
// so that no float is ever on the way.
func minorUnit(currency string) int64 {
	step := int64(1)
	for range AmountScale - CurrencyExponent(currency) {
		step *= 10
	}
	return step
}

// FitsCurrency reports whether a has no more decimals than currency allows.
func (a Amount) FitsCurrency(currency string) bool {
	return a.units%minorUnit(currency) == 0
}

// RoundToCurrency rounds a half to even to the minor unit of currency:
// 2.345 EUR is 2.34, 2.355 EUR is 2.36, 0.5 JPY is 0, 1.5 JPY is 2.
func (a Amount) RoundToCurrency(currency string) Amount {
	step := minorUnit(currency)
	q, r := a.units/step, a.units%step
	if r < 0 {
		// Floor division, so the remainder is in [0, step).
		q, r = q-1, r+step
	}
	if 2*r > step || (2*r == step && q%2 != 0) {
		q++
	}
	return Amount{units: q * step}
}

// ErrSplit is returned by Split for a part count below one or an amount
// with more decimals than its currency has.
var ErrSplit = errors.New("amount cannot be split")

// Split divides a into n parts in whole minor units of currency that sum
// back to a exactly: the parts differ by at most one minor unit, and the
// larger ones (in absolute value) come first. 10 EUR in 3 is 3.34, 3.33,
// 3.33. a must fit the currency (FitsCurrency).
func (a Amount) Split(n int, currency string) ([]Amount, error) {
	step := minorUnit(currency)
	if n < 1 || a.units%step != 0 {
		return nil, ErrSplit
	}
	minor := a.units / step
	q, r := minor/int64(n), minor%int64(n)
	// Go's remainder takes the dividend's sign, so the leftover minor units
	// go one each, in the amount's direction, to the first |r| parts.
	one := int64(1)
	if r < 0 {
		one, r = -1, -r
	}
	parts := make([]Amount, n)
	for i := range parts {
		p := q
		if int64(i) < r {
			p += one
		}
		parts[i] = Amount{units: p * step}
	}
	return parts, nil
}

// Sum adds amounts exactly.
func Sum(amounts ...Amount) Amount {
	var t int64
	for _, a := range amounts {
		t += a.units
	}
	return Amount{units: t}
}
