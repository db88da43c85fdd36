package partner

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes sent by the partner in ErrorBody.Code.
const (
	CodeUnauthorized         = "UNAUTHORIZED"
	CodeNotFound             = "NOT_FOUND"
	CodeInvalidRequest       = "INVALID_REQUEST"
	CodePromotionUnavailable = "PROMOTION_NOT_AVAILABLE"
	CodeInvalidState         = "INVALID_STATE"
	CodeOutOfOrder           = "OUT_OF_ORDER"
	CodeTokenUsed            = "TOKEN_USED"
	CodeTokenExpired         = "TOKEN_EXPIRED"
	CodeIdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED"
	CodeRateLimited          = "RATE_LIMITED"
	CodeInternal             = "INTERNAL"
	CodeUnavailable          = "UNAVAILABLE"
)

// Error codes the client makes up when no protocol answer was read.
const (
	CodeNetwork     = "NETWORK_ERROR"
	CodeTimeout     = "TIMEOUT"
	CodeCanceled    = "CANCELED"
	CodeCircuitOpen = "CIRCUIT_OPEN"
	CodeBadResponse = "BAD_RESPONSE"
)

// codeStatus is the HTTP status of each partner error code; the emulator
// answers with it and the client falls back on it for bodiless answers.
var codeStatus = map[string]int{
	CodeUnauthorized:         http.StatusUnauthorized,
	CodeNotFound:             http.StatusNotFound,
	CodeInvalidRequest:       http.StatusBadRequest,
	CodePromotionUnavailable: http.StatusBadRequest,
	CodeInvalidState:         http.StatusConflict,
	CodeOutOfOrder:           http.StatusConflict,
	CodeTokenUsed:            http.StatusConflict,
	CodeTokenExpired:         http.StatusGone,
	CodeIdempotencyKeyReused: http.StatusUnprocessableEntity,
	CodeRateLimited:          http.StatusTooManyRequests,
	CodeInternal:             http.StatusInternalServerError,
	CodeUnavailable:          http.StatusServiceUnavailable,
}

// StatusOf returns the HTTP status that goes with a partner error code
// (500 for an unknown code).
func StatusOf(code string) int {
	if s, ok := codeStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// RetryableCode reports whether the protocol marks code as retryable.
func RetryableCode(code string) bool {
	return code == CodeRateLimited || code == CodeInternal || code == CodeUnavailable
}

// ErrCircuitOpen is matched (with errors.Is) by the error of a call that the
// client refused to send because its circuit breaker is open.
var ErrCircuitOpen = errors.New("partner: circuit breaker open")

// Error is every error the client returns, whether the partner answered
// with an error or no answer was read at all.
type Error struct {
	// Code is a partner error code, or one of the client's own codes
	// (CodeNetwork, CodeTimeout, ...) when there was no usable answer.
	Code    string
	Message string
	// Status is the HTTP status of the answer; 0 when there was none.
	Status int
	// Retryable says the same call, with the same idempotency key, may
	// succeed later.
	Retryable bool
	// UnknownOutcome says a mutating call may have been applied although
	// no answer confirmed it: the caller must retry it with the same
	// idempotency key, or reconcile, before assuming anything.
	UnknownOutcome bool
	// Attempts is how many times the call was sent.
	Attempts int
	// Err is the underlying cause, if any (a network error, a context
	// error, ErrCircuitOpen).
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	msg := fmt.Sprintf("partner: %s", e.Code)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil && e.Message == "" {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// IsRetryable reports whether err is transient: a network error, a timeout,
// a 5xx or rate-limit answer, or an open circuit breaker. Retrying with
// the same idempotency key is always safe.
func IsRetryable(err error) bool {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Retryable
	}
	return errors.Is(err, ErrCircuitOpen)
}

// IsUnknownOutcome reports whether err leaves it unknown whether a mutating
// call was applied (a timeout or lost connection after the request was
// sent, or a 5xx other than UNAVAILABLE).
func IsUnknownOutcome(err error) bool {
	var pe *Error
	return errors.As(err, &pe) && pe.UnknownOutcome
}

// ErrorCode returns the code of a *Error in err's chain, or "".
func ErrorCode(err error) string {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
