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
	// AllocateNumber returns the next value of the series without holding
	// the series' counter for the rest of the transaction: a number is
	// never given twice, but one whose transaction does not commit is lost
	// (a gap). Business numbers that need no gap-free series take theirs
	// here, so that the counter does not serialise the organisation's
	// transactions (PostgreSQL); an engine with one writer may simply use
	// NextNumber.
	AllocateNumber(orgID, series string) (int64, error)
}

// FormatNumber writes a business number: prefix and n padded to ten digits.
func FormatNumber(prefix string, n int64) string {
	return fmt.Sprintf("%s%010d", prefix, n)
}
