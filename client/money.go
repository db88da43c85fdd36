package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
)

// Decimal is an exact decimal number as the API writes it: amounts are
// JSON strings ("50", "1.65"), quantities JSON numbers (64). Decimal keeps
// the text of either, so that money never passes through a float on its
// way between crmapi and the caller; convert it with the decimal library
// of your choice (e.g. shopspring/decimal's NewFromString).
//
// It is sent as a JSON string, which the server reads exactly for amounts
// and quantities alike. The zero value, "", is sent as null (an absent
// parameter) and an invalid one makes the call fail before it is sent.
type Decimal string

// decimalSyntax is what the server parses: an optional sign, digits and
// an optional fraction.
var decimalSyntax = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)

// Valid tells whether d is a decimal number.
func (d Decimal) Valid() bool { return decimalSyntax.MatchString(string(d)) }

// String returns the decimal's text.
func (d Decimal) String() string { return string(d) }

// MarshalJSON writes a JSON string, or null for "".
func (d Decimal) MarshalJSON() ([]byte, error) {
	if d == "" {
		return []byte("null"), nil
	}
	if !d.Valid() {
		return nil, fmt.Errorf("client: %q is not a decimal number", string(d))
	}
	return json.Marshal(string(d))
}

// UnmarshalJSON reads a JSON string or number as text; null is "".
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*d = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = Decimal(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("client: decimal: %w", err)
	}
	*d = Decimal(n)
	return nil
}
