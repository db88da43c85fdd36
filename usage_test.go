package crmapi_test

import (
	"encoding/json"
	"testing"

	"github.com/crmapi/crmapi"
)

func TestQuantityJSON(t *testing.T) {
	for _, c := range []struct{ in, out string }{{`64`, `64`}, {`"12.5"`, `12.5`}, {`0.0001`, `0.0001`}, {`"10.50"`, `10.5`}} {
		var q crmapi.Quantity
		if err := json.Unmarshal([]byte(c.in), &q); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if b, _ := json.Marshal(q); string(b) != c.out {
			t.Errorf("%s → %s, want %s", c.in, b, c.out)
		}
	}
	for _, bad := range []string{`"abc"`, `true`, `0.00001`, `{}`, `1e400`} {
		var q crmapi.Quantity
		if err := json.Unmarshal([]byte(bad), &q); err == nil {
			t.Errorf("%s was accepted as %s", bad, q)
		}
	}
}

func TestRatingHelpers(t *testing.T) {
	for _, c := range []struct{ rate, usage, currency, want string }{
		{"1.5", "20.5", "EUR", "30.75"},
		{"0.155", "64", "EUR", "9.92"},
		{"1.65", "3.3333", "EUR", "5.5"}, // 5.499945 rounds to cents
		{"1.5", "0.0001", "EUR", "0"},    // 0.00015 rounds half to even
		{"99", "1.5", "JPY", "148"},      // 148.5 rounds half to even
		{"0.125", "1", "KWD", "0.125"},   // three decimals
	} {
		got, err := crmapi.Rate(crmapi.MustAmount(c.rate), crmapi.MustQuantity(c.usage), c.currency)
		if err != nil || got.String() != c.want {
			t.Errorf("Rate(%s, %s, %s) = %s, %v; want %s", c.rate, c.usage, c.currency, got, err, c.want)
		}
	}
	for _, c := range []struct{ in, currency, want string }{{"3.663", "EUR", "3.66"}, {"-0.001", "EUR", "-0.01"}, {"7.9999", "JPY", "7"}} {
		if got := crmapi.FloorToCurrency(crmapi.MustAmount(c.in), c.currency); got.String() != c.want {
			t.Errorf("FloorToCurrency(%s, %s) = %s, want %s", c.in, c.currency, got, c.want)
		}
	}
	for _, c := range []struct{ limit, pct, want string }{{"40", "10", "44"}, {"3.33", "12.5", "3.7462"}, {"60", "0", "60"}} {
		if got := crmapi.Widen(crmapi.MustAmount(c.limit), crmapi.MustAmount(c.pct)); got.String() != c.want {
			t.Errorf("Widen(%s, %s%%) = %s, want %s", c.limit, c.pct, got, c.want)
		}
	}
	if got := crmapi.MustQuantity("17.5").Floor(); got.String() != "17" {
		t.Errorf("Floor(17.5) = %s", got)
	}
}
