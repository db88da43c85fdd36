package emulator

import (
	"testing"
	"time"
)

func TestPeriodClampsToMonthEnd(t *testing.T) {
	anchor := time.Date(2024, 1, 31, 9, 30, 0, 0, time.UTC)
	want := []string{"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2025-01-31", "2025-02-28"}
	for i, k := range []int{0, 1, 2, 3, 12, 13} {
		got := Period{Months: 1}.start(anchor, k)
		if got.Format(time.DateOnly) != want[i] || got.Hour() != 9 || got.Minute() != 30 {
			t.Errorf("period %d starts %v, want %s 09:30", k, got, want[i])
		}
	}
	if got := (Period{Days: 7}).start(anchor, 2); !got.Equal(anchor.AddDate(0, 0, 14)) {
		t.Errorf("weekly period 2 starts %v", got)
	}
}

func TestDiscount(t *testing.T) {
	for _, tc := range []struct {
		amount  string
		percent int
		want    string
	}{
		{"7.99", 50, "4.00"}, {"7.99", 100, "0.00"}, {"7.99", 0, "7.99"}, {"10", 25, "8"},
		{"0.05", 50, "0.03"}, {"12.345", 10, "11.111"}, {"999999999.9999", 1, "989999999.9999"},
	} {
		if got := discount(tc.amount, tc.percent); got != tc.want {
			t.Errorf("discount(%s, %d) = %s, want %s", tc.amount, tc.percent, got, tc.want)
		}
	}
	for _, bad := range []string{"", "7,99", "-1", "1.2.3", ".5", "1e3", "1.23456"} {
		if _, _, ok := parseAmount(bad); ok {
			t.Errorf("parseAmount(%q) accepted", bad)
		}
	}
}
