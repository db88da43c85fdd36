package crmapi

import (
	"errors"
	"fmt"
)

// Code is one of the closed list of error codes crmapi answers with. The
// list lives here and in docs/errors.md; httpapi maps each to an HTTP status.
type Code string

// The closed list of error codes.
const (
	OK                         Code = "OK"
	InvalidToken               Code = "INVALID_TOKEN"
	ExpiredToken               Code = "EXPIRED_TOKEN"
	AuthenticationFailed       Code = "AUTHENTICATION_FAILED"
	PermissionDenied           Code = "PERMISSION_DENIED"
	MandatoryParameterMissing  Code = "MANDATORY_PARAMETER_MISSING"
	InvalidParameter           Code = "INVALID_PARAMETER"
	OnlyOneSemiOptionalAllowed Code = "ONLY_ONE_SEMI_OPTIONAL_ALLOWED"
	NotFound                   Code = "NOT_FOUND"
	Conflict                   Code = "CONFLICT"
	InvalidLifeCycleState      Code = "INVALID_LIFE_CYCLE_STATE"
	LimitExceeded              Code = "LIMIT_EXCEEDED"
	InsufficientFunds          Code = "INSUFFICIENT_FUNDS"
	DuplicateReferenceNumber   Code = "DUPLICATE_REFERENCE_NUMBER"
	AlreadyAcknowledged        Code = "ALREADY_ACKNOWLEDGED"
	IdempotencyKeyReused       Code = "IDEMPOTENCY_KEY_REUSED"
	IdempotencyRequestInFlight Code = "IDEMPOTENCY_REQUEST_IN_PROGRESS"
	RequestTooLarge            Code = "REQUEST_TOO_LARGE"
	MethodNotAllowed           Code = "METHOD_NOT_ALLOWED"
	RateLimited                Code = "RATE_LIMITED"
	PartnerUnavailable         Code = "PARTNER_UNAVAILABLE"
	ServiceUnavailable         Code = "SERVICE_UNAVAILABLE"
	GeneralError               Code = "GENERAL_ERROR"
)

// Codes lists every error code, for documentation and for tests that make
// sure each one has an HTTP status.
var Codes = []Code{
	InvalidToken, ExpiredToken, AuthenticationFailed, PermissionDenied,
	MandatoryParameterMissing, InvalidParameter, OnlyOneSemiOptionalAllowed,
	NotFound, Conflict, InvalidLifeCycleState, LimitExceeded, InsufficientFunds,
	DuplicateReferenceNumber, AlreadyAcknowledged, IdempotencyKeyReused,
	IdempotencyRequestInFlight, RequestTooLarge, MethodNotAllowed, RateLimited,
	PartnerUnavailable, ServiceUnavailable, GeneralError,
}

// Error is the one error type that reaches callers. Message is a short
// sentence for a person; Detail names what was wrong (which parameter,
// which value). Internal errors are never an Error: they are wrapped with
// %w and reach the caller only as GENERAL_ERROR.
type Error struct {
	Code    Code
	Message string
	Detail  string
	// RetryAfter, when set, tells the caller when to come back (seconds); used by RATE_LIMITED.
	RetryAfter int
}

// Error implements error.
func (e *Error) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Detail)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Is makes errors.Is(err, &Error{Code: X}) match any Error with code X.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == "" && t.Detail == ""
}

// Errorf returns an Error with the given code, message and formatted detail.
func Errorf(code Code, message, detailFormat string, args ...any) *Error {
	return &Error{Code: code, Message: message, Detail: fmt.Sprintf(detailFormat, args...)}
}

// ErrorCode returns the code of err: its Error's code, OK for nil, and
// GENERAL_ERROR for anything else.
func ErrorCode(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return GeneralError
}

// ErrNotFound is a convenience for stores: errors.Is(err, ErrNotFound)
// holds for any NOT_FOUND Error.
var ErrNotFound = &Error{Code: NotFound}

// NotFoundf returns a NOT_FOUND error naming what was looked for.
func NotFoundf(what, detailFormat string, args ...any) *Error {
	return &Error{Code: NotFound, Message: what + " not found", Detail: fmt.Sprintf(detailFormat, args...)}
}

// Invalid returns an INVALID_PARAMETER error naming the parameter.
func Invalid(param, why string) *Error {
	return &Error{Code: InvalidParameter, Message: "Invalid parameter " + param, Detail: param + ": " + why}
}

// Missing returns a MANDATORY_PARAMETER_MISSING error naming the parameter.
func Missing(param string) *Error {
	return &Error{Code: MandatoryParameterMissing, Message: "Mandatory parameter missing", Detail: param}
}
