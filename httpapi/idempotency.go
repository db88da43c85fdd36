package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// errAnswered tells dispatch that the answer has been written already.
var errAnswered = &crmapi.Error{Code: crmapi.OK}

// serveIdempotent runs a POST carrying an Idempotency-Key (an extension):
// scoped to the organisation, with the parameters hashed. The same key and
// parameters replay the first answer, status and body alike; other
// parameters are refused; a key whose first request is still running is a
// 409. The key is recorded as applied in the same transaction as the
// request's effect, so a lost answer never makes a second effect.
func (s *Server) serveIdempotent(req *request, rt *route, key string) (json.RawMessage, error) {
	ctx := req.ctx()
	org := req.caller.Organisation.ID
	hash := requestHash(rt.Path, req.params, req.fields)
	replay, err := s.svc.Idempotency.Begin(ctx, org, key, hash)
	if err != nil {
		return nil, err
	}
	if replay != nil {
		req.w.Header().Set("Idempotent-Replayed", "true")
		writeBody(req.w, replay.Status, replay.Body)
		return nil, errAnswered
	}
	req.r = req.r.WithContext(service.WithIdempotencyKey(ctx, org, key))
	data, runErr := s.run(req, rt)
	var status int
	var body []byte
	if runErr != nil {
		var e *crmapi.Error
		e, status, body = errorBody(req.r, s.log, runErr)
		if status >= 500 || e.Code == crmapi.RateLimited {
			// A transient failure: let the client retry with the same key.
			// A key already applied stays claimed (Release keeps it).
			if err := s.svc.Idempotency.Release(ctx, org, key); err != nil {
				s.log.ErrorContext(ctx, "release idempotency key", "err", err.Error())
			}
			return nil, runErr
		}
	} else {
		status, body = http.StatusOK, okBody(data)
	}
	if err := s.svc.Idempotency.Finish(ctx, org, key, status, body); err != nil {
		// The effect is committed and marked applied: a retry is answered
		// 409 rather than run twice.
		s.log.ErrorContext(ctx, "store idempotent answer", "err", err.Error())
	}
	if runErr != nil {
		return nil, runErr
	}
	return data, nil
}

// requestHash identifies a request's parameters (the token aside, which
// changes between retries): the method path and the parameters as
// canonical JSON (keys sorted).
func requestHash(path string, p rawParams, fields FieldsSet) string {
	canon := map[string]json.RawMessage{}
	for k, v := range p {
		canon[k] = v
	}
	if len(fields) > 0 {
		b, _ := json.Marshal(fields)
		canon["fields_set"] = b
	}
	b, _ := json.Marshal(canon)
	sum := sha256.Sum256(append([]byte(path+"\n"), b...))
	return hex.EncodeToString(sum[:])
}
