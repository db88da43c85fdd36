package crmapi

import (
	"encoding/json"
	"testing"
)

func TestParseAmount(t *testing.T) {
	cases := []struct {
		in, want string
		err      bool
	}{
		{"50", "50", false}, {"82.50", "82.5", false}, {"0.0001", "0.0001", false}, {"-3.25", "-3.25", false},
		{"1e2", "100", false}, {"0.00001", "", true}, {"abc", "", true}, {"", "", true},
		{"100000000000000000000", "", true}, {"NaN", "", true},
	}
	for _, c := range cases {
		a, err := ParseAmount(c.in)
		if (err != nil) != c.err {
			t.Errorf("ParseAmount(%q) error = %v, want error %v", c.in, err, c.err)
			continue
		}
		if err == nil && a.String() != c.want {
			t.Errorf("ParseAmount(%q) = %s, want %s", c.in, a, c.want)
		}
	}
}

func TestAmountJSON(t *testing.T) {
	var v struct{ A, B Amount }
	if err := json.Unmarshal([]byte(`{"A": 50.25, "B": "0.1"}`), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"A":"50.25","B":"0.1"}` {
		t.Fatalf("marshal = %s", b)
	}
	for _, bad := range []string{`{"A": true}`, `{"A": "1.00001"}`, `{"A": {}}`, `{"A": "x"}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("Unmarshal(%s) accepted", bad)
		}
	}
}

func TestAmountArithmetic(t *testing.T) {
	// 0.1 + 0.2 is exactly 0.3: no float on the way.
	if s := MustAmount("0.1").Add(MustAmount("0.2")); s.Cmp(MustAmount("0.3")) != 0 {
		t.Fatalf("0.1+0.2 = %s", s)
	}
	rate := MustAmount("1.25")
	if q := rate.QuantityWithin(MustAmount("10")); q != 8 {
		t.Fatalf("10 / 1.25 = %d, want 8", q)
	}
	if !MustAmount("1.23").FitsCurrency("EUR") || MustAmount("1.234").FitsCurrency("EUR") || MustAmount("1.5").FitsCurrency("JPY") {
		t.Fatal("FitsCurrency wrong")
	}
	if got := MustAmount("2.345").StringFixed(2); got != "2.34" {
		t.Fatalf("banker's rounding of 2.345 = %s, want 2.34", got)
	}
}
