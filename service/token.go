package service

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// unixString is a Unix time in seconds, written as a JSON string (as
// CRM.COM's tokens carry it) and read from a string or a number.
type unixString int64

func (u unixString) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatInt(int64(u), 10) + `"`), nil
}

func (u *unixString) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(bytes.TrimSpace(b), `"`)
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("not unix seconds: %s", b)
	}
	*u = unixString(n)
	return nil
}

// tokenClaims are the claims of a crmapi token: the CRM.COM set.
type tokenClaims struct {
	Usr string      `json:"usr"`
	Org string      `json:"org"`
	Oun string      `json:"oun"`
	Exp *unixString `json:"exp,omitempty"`
	Iat *unixString `json:"iat,omitempty"`
	Jti string      `json:"jti"`
}

func numericDate(u *unixString) *jwt.NumericDate {
	if u == nil {
		return nil
	}
	return jwt.NewNumericDate(time.Unix(int64(*u), 0))
}

// The jwt.Claims methods let the library check exp and iat against our clock.
func (c tokenClaims) GetExpirationTime() (*jwt.NumericDate, error) { return numericDate(c.Exp), nil }
func (c tokenClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return numericDate(c.Iat), nil }
func (c tokenClaims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (c tokenClaims) GetIssuer() (string, error)                   { return "", nil }
func (c tokenClaims) GetSubject() (string, error)                  { return c.Usr, nil }
func (c tokenClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// maxTokenLength refuses oversized tokens before any parsing work.
const maxTokenLength = 4096

func signToken(key []byte, c tokenClaims) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
}

// parseToken verifies the signature (HS256 only) and exp (required)
// against now, and returns the claims. iat is checked by the caller against
// the organisation's clock, which a test organisation may have moved ahead.
func parseToken(key []byte, token string, now time.Time) (tokenClaims, error) {
	var c tokenClaims
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithJSONNumber(),
	)
	_, err := parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return key, nil })
	return c, err
}
