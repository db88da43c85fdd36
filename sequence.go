package crmapi

import "fmt"

// SequenceStore hands out business numbers (ACR0000000001, UA0000000001,
// …): per organisation and series, gap-free within committed transactions.
type SequenceStore interface {
	// NextNumber returns the next value (1, 2, …) of the series in the organisation.
	NextNumber(orgID, series string) (int64, error)
	// ReserveNumbers takes the next n values of the series at once and
	// returns the last of them; bulk loads (crmapid seed) number their rows
	// from it.
	ReserveNumbers(orgID, series string, n int64) (int64, error)
}

// FormatNumber writes a business number: prefix and n padded to ten digits.
func FormatNumber(prefix string, n int64) string {
	return fmt.Sprintf("%s%010d", prefix, n)
}
