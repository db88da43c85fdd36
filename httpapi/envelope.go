// Package httpapi speaks the CRM.COM v2 wire format: the route table under
// /crmapi/rest/v2/, parameter decoding (query strings for GET, JSON bodies
// for POST, identifier objects, fields_set), the response envelope and the
// one table that maps error codes to HTTP statuses.
package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/crmapi/crmapi"
)

// Status is the status part of every answer.
type Status struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	Message     string `json:"message"`
}

// Envelope is every answer's shape: {"data": …, "status": {…}}.
type Envelope struct {
	Data   json.RawMessage `json:"data"`
	Status Status          `json:"status"`
}

// statusByCode is the one table from error code to HTTP status.
var statusByCode = map[crmapi.Code]int{
	crmapi.InvalidToken:               http.StatusUnauthorized,
	crmapi.ExpiredToken:               http.StatusUnauthorized,
	crmapi.AuthenticationFailed:       http.StatusUnauthorized,
	crmapi.PermissionDenied:           http.StatusForbidden,
	crmapi.MandatoryParameterMissing:  http.StatusBadRequest,
	crmapi.InvalidParameter:           http.StatusBadRequest,
	crmapi.OnlyOneSemiOptionalAllowed: http.StatusBadRequest,
	crmapi.NotFound:                   http.StatusNotFound,
	crmapi.MethodNotAllowed:           http.StatusMethodNotAllowed,
	crmapi.Conflict:                   http.StatusConflict,
	crmapi.IdempotencyRequestInFlight: http.StatusConflict,
	crmapi.RequestTooLarge:            http.StatusRequestEntityTooLarge,
	crmapi.InvalidLifeCycleState:      http.StatusUnprocessableEntity,
	crmapi.LimitExceeded:              http.StatusUnprocessableEntity,
	crmapi.InsufficientFunds:          http.StatusUnprocessableEntity,
	crmapi.DuplicateReferenceNumber:   http.StatusUnprocessableEntity,
	crmapi.AlreadyAcknowledged:        http.StatusUnprocessableEntity,
	crmapi.IdempotencyKeyReused:       http.StatusUnprocessableEntity,
	crmapi.RateLimited:                http.StatusTooManyRequests,
	crmapi.GeneralError:               http.StatusInternalServerError,
	crmapi.PartnerUnavailable:         http.StatusServiceUnavailable,
	crmapi.ServiceUnavailable:         http.StatusServiceUnavailable,
}

// HTTPStatus returns the HTTP status for an error code.
func HTTPStatus(code crmapi.Code) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

var emptyObject = json.RawMessage(`{}`)

// encodeEnvelope returns the bytes of an envelope.
func encodeEnvelope(env Envelope) []byte {
	b, err := json.Marshal(env)
	if err != nil {
		b = []byte(`{"data":{},"status":{"code":"GENERAL_ERROR","description":"","message":"An internal error occurred"}}`)
	}
	return append(b, '\n')
}

// writeBody writes an encoded envelope with the given HTTP status.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// okBody is the envelope of a success. It is written by hand around data,
// which json.Marshal produced (valid and compact): Marshal of an Envelope
// would scan and copy data once more, as it does any RawMessage. The bytes
// are those Marshal writes (TestOKBodyAsMarshal).
func okBody(data json.RawMessage) []byte {
	if len(data) == 0 {
		return encodeEnvelope(Envelope{Data: data, Status: Status{Code: string(crmapi.OK)}})
	}
	const head, tail = `{"data":`, `,"status":{"code":"OK","description":"","message":""}}` + "\n"
	b := make([]byte, 0, len(head)+len(data)+len(tail))
	return append(append(append(b, head...), data...), tail...)
}

// writeOK writes data in an OK envelope.
func writeOK(w http.ResponseWriter, data json.RawMessage) {
	writeBody(w, http.StatusOK, okBody(data))
}

// errorBody turns err into its HTTP status and envelope. Errors that are
// not a crmapi.Error are logged in full and shown only as GENERAL_ERROR.
func errorBody(r *http.Request, log *slog.Logger, err error) (*crmapi.Error, int, []byte) {
	var e *crmapi.Error
	if !errors.As(err, &e) {
		rid := requestID(r.Context())
		log.ErrorContext(r.Context(), "internal error", "request_id", rid, "method", r.Method, "path", r.URL.Path, "err", err.Error())
		e = &crmapi.Error{Code: crmapi.GeneralError, Message: "An internal error occurred", Detail: "request id " + rid}
	}
	return e, HTTPStatus(e.Code), encodeEnvelope(Envelope{Data: emptyObject,
		Status: Status{Code: string(e.Code), Description: e.Detail, Message: e.Message}})
}

// writeError writes err in the envelope.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e, status, body := errorBody(r, log, err)
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	setErrorCode(w, e.Code)
	writeBody(w, status, body)
}
