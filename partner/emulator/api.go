package emulator

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/crmapi/crmapi/partner"
)

// maxBody bounds a request body; the largest legitimate one is an admin
// catalog update.
const maxBody = 1 << 20

// apiRequest is what a protocol handler gets: the request, decoded
// headers and the operator's state, with the emulator lock held and the
// simulation caught up to now.
type apiRequest struct {
	r      *http.Request
	op     *operatorState
	body   []byte
	key    string
	seq    int64
	hasSeq bool
	now    time.Time
}

// apiHandler answers one protocol call with a status and a body to encode.
type apiHandler func(q *apiRequest) (int, any)

// idemEntry is a stored answer to an idempotency key.
type idemEntry struct {
	fingerprint [32]byte
	status      int
	body        []byte
}

// api wraps a protocol handler with authentication, operator scoping,
// fault injection, idempotency and the simulation catch-up.
func (e *Emulator) api(mutating bool, h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !e.authorized(r) {
			writeError(w, partner.CodeUnauthorized, "missing or wrong API key")
			return
		}
		opID := r.Header.Get(partner.HeaderOperator)
		if !validID(opID, 200) {
			writeError(w, partner.CodeInvalidRequest, "header "+partner.HeaderOperator+" is required")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeError(w, partner.CodeInvalidRequest, "request body too large or unreadable")
			return
		}
		q := &apiRequest{r: r, body: body}
		if mutating {
			q.key = r.Header.Get(partner.HeaderIdempotencyKey)
			if !validID(q.key, 255) {
				writeError(w, partner.CodeInvalidRequest, "header "+partner.HeaderIdempotencyKey+" is required")
				return
			}
		}
		if v := r.Header.Get(partner.HeaderOperationSequence); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				writeError(w, partner.CodeInvalidRequest, "header "+partner.HeaderOperationSequence+" must be a positive integer")
				return
			}
			q.seq, q.hasSeq = n, true
		}

		fault := e.faults.decide()
		if fault.slow {
			e.count(opID, func(c *counters) { c.faultSlow++ })
			t := time.NewTimer(e.faults.slowDelay())
			select {
			case <-r.Context().Done():
				// The caller gave up; nothing was applied.
				t.Stop()
				return
			case <-t.C:
			}
		}
		if fault.fail {
			e.count(opID, func(c *counters) { c.faultErrors++ })
			writeError(w, partner.CodeUnavailable, "injected fault: partner unavailable")
			return
		}

		status, out, replayed := e.serve(opID, q, mutating, h)
		if fault.lose {
			e.count(opID, func(c *counters) { c.faultLost++ })
			loseAnswer(w)
			return
		}
		if replayed {
			w.Header().Set(partner.HeaderReplayed, "true")
		}
		writeRaw(w, status, out)
	}
}

// serve runs h under the lock, replaying or storing the answer of an
// idempotency key. The answer is encoded under the lock so that what is
// stored and what is sent are the same bytes.
func (e *Emulator) serve(opID string, q *apiRequest, mutating bool, h apiHandler) (int, []byte, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	q.now = e.nowLocked()
	e.catchUpLocked(q.now)
	q.op = e.operatorLocked(opID)
	q.op.counters.requests++

	var fp [32]byte
	if mutating {
		fp = fingerprint(q)
		if prev, ok := q.op.idem[q.key]; ok {
			if prev.fingerprint != fp {
				s, b := errorBody(partner.CodeIdempotencyKeyReused,
					"idempotency key already used for a different request")
				return s, mustJSON(b), false
			}
			q.op.counters.replays++
			return prev.status, prev.body, true
		}
	}
	status, out := h(q)
	body := mustJSON(out)
	// 5xx answers are not stored: nothing was applied, and a retry must
	// get a fresh chance.
	if mutating && status < 500 {
		q.op.idem[q.key] = &idemEntry{fingerprint: fp, status: status, body: body}
		e.dueKnown = false
	}
	return status, body, false
}

// fingerprint identifies a request for idempotency: a key may only be
// repeated with the same method, path, sequence and (canonical) body.
func fingerprint(q *apiRequest) [32]byte {
	body := q.body
	var v any
	if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &v) == nil {
		body = mustJSON(v) // map keys come out sorted
	}
	h := sha256.New()
	h.Write([]byte(q.r.Method + "\n" + q.r.URL.Path + "\n" + strconv.FormatInt(q.seq, 10) + "\n"))
	h.Write(body)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func (e *Emulator) count(opID string, f func(*counters)) {
	e.mu.Lock()
	f(&e.operatorLocked(opID).counters)
	e.mu.Unlock()
}

func (e *Emulator) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(e.apiKey)) == 1
}

// validID accepts a non-empty header value of printable characters.
func validID(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// decode reads a JSON request body into v.
func decode(body []byte, v any) bool {
	return len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, v) == nil
}

func errorBody(code, msg string) (int, any) {
	return partner.StatusOf(code), partner.ErrorResponse{Error: partner.ErrorBody{
		Code: code, Message: msg, Retryable: partner.RetryableCode(code),
	}}
}

func writeError(w http.ResponseWriter, code, msg string) {
	s, b := errorBody(code, msg)
	writeJSON(w, s, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) { writeRaw(w, status, mustJSON(v)) }

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("emulator: cannot encode answer: " + err.Error())
	}
	return append(b, '\n')
}
