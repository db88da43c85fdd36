package crmapi

import "fmt"

// SequenceStore hands out business numbers (ACR0000000001, UA0000000001,
// …): per organisation and series, gap-free within committed transactions.
type SequenceStore interface {
	// NextNumber returns the next value (1, 2, …) of the series in the organisation.
	NextNumber(orgID, series string) (int64, error)
}

// FormatNumber writes a business number: prefix and n padded to ten digits.
func FormatNumber(prefix string, n int64) string {
	return fmt.Sprintf("%s%010d", prefix, n)
}
