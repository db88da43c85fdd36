package emulator

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/crmapi/crmapi/partner"
)

// The admin endpoints drive the emulator from outside a Go test: move its
// clock, inject faults, script outcomes, change the catalog and read the
// statistics. They take the same API key as the protocol, and are never
// subject to injected faults.
func (e *Emulator) adminRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /admin/clock/advance", e.admin(e.handleAdvance))
	m.HandleFunc("GET /admin/clock", e.admin(e.handleClock))
	m.HandleFunc("GET /admin/faults", e.admin(e.handleGetFaults))
	m.HandleFunc("PUT /admin/faults", e.admin(e.handlePutFaults))
	m.HandleFunc("PUT /admin/outcomes", e.admin(e.handlePutOutcomes))
	m.HandleFunc("GET /admin/accounts/{pai}", e.admin(e.handleAdminAccount))
	m.HandleFunc("POST /admin/accounts/{pai}/script", e.admin(e.handleScript))
	m.HandleFunc("PUT /admin/promotions", e.admin(e.handlePutPromotions))
	m.HandleFunc("PUT /admin/prices", e.admin(e.handlePutPrices))
	m.HandleFunc("GET /admin/stats", e.admin(e.handleStats))
	m.HandleFunc("/admin/", e.admin(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, partner.CodeNotFound, "no such admin endpoint")
	}))
}

func (e *Emulator) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !e.authorized(r) {
			writeError(w, partner.CodeUnauthorized, "missing or wrong API key")
			return
		}
		e.mu.Lock()
		e.catchUpLocked(e.nowLocked())
		e.mu.Unlock()
		h(w, r)
	}
}

// decodeRequest reads a bounded JSON body into v.
func decodeRequest(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return err
	}
	if !decode(body, v) {
		return errors.New("body must be JSON")
	}
	return nil
}

// durationJSON accepts a number of seconds or a duration string ("90s",
// "720h"), so that admin calls are easy from curl.
type durationJSON time.Duration

// UnmarshalJSON implements json.Unmarshaler.
func (d *durationJSON) UnmarshalJSON(b []byte) error {
	var n float64
	if json.Unmarshal(b, &n) == nil {
		*d = durationJSON(n * float64(time.Second))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("a duration is a number of seconds or a string such as \"90s\"")
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		*d = durationJSON(n * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = durationJSON(v)
	return nil
}

type clockJSON struct {
	Now           time.Time `json:"now"`
	OffsetSeconds int64     `json:"offset_seconds"`
}

func (e *Emulator) clockView() clockJSON {
	e.mu.Lock()
	defer e.mu.Unlock()
	return clockJSON{Now: e.nowLocked(), OffsetSeconds: int64(e.offset / time.Second)}
}

func (e *Emulator) handleAdvance(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Seconds  *durationJSON `json:"seconds"`
		Duration *durationJSON `json:"duration"`
	}
	if err := decodeRequest(w, r, &req); err != nil {
		writeError(w, partner.CodeInvalidRequest, `body must be {"seconds": n} or {"duration": "720h"}`)
		return
	}
	var d time.Duration
	switch {
	case req.Seconds != nil:
		d = time.Duration(*req.Seconds)
	case req.Duration != nil:
		d = time.Duration(*req.Duration)
	}
	if d <= 0 {
		writeError(w, partner.CodeInvalidRequest, "the clock only moves forward: give a positive duration")
		return
	}
	e.AdvanceClock(d)
	writeJSON(w, http.StatusOK, e.clockView())
}

func (e *Emulator) handleClock(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, e.clockView())
}

// faultsJSON is FaultConfig on the wire, with a readable delay.
type faultsJSON struct {
	ErrorRate      float64      `json:"error_rate"`
	SlowRate       float64      `json:"slow_rate"`
	SlowDelay      durationJSON `json:"slow_delay"`
	LostAnswerRate float64      `json:"lost_answer_rate"`
	Seed           int64        `json:"seed"`
}

// MarshalJSON writes the delay as a duration string.
func (f faultsJSON) MarshalJSON() ([]byte, error) {
	type plain faultsJSON
	return json.Marshal(struct {
		plain
		SlowDelay string `json:"slow_delay"`
	}{plain(f), time.Duration(f.SlowDelay).String()})
}

func toFaultsJSON(c FaultConfig) faultsJSON {
	return faultsJSON{c.ErrorRate, c.SlowRate, durationJSON(c.SlowDelay), c.LostAnswerRate, c.Seed}
}

func (e *Emulator) handleGetFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, toFaultsJSON(e.Faults()))
}

func (e *Emulator) handlePutFaults(w http.ResponseWriter, r *http.Request) {
	var req faultsJSON
	if err := decodeRequest(w, r, &req); err != nil {
		writeError(w, partner.CodeInvalidRequest, "body must be a JSON fault configuration: "+err.Error())
		return
	}
	cfg := FaultConfig{ErrorRate: req.ErrorRate, SlowRate: req.SlowRate, SlowDelay: time.Duration(req.SlowDelay),
		LostAnswerRate: req.LostAnswerRate, Seed: req.Seed}
	if err := e.SetFaults(cfg); err != nil {
		writeError(w, partner.CodeInvalidRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, toFaultsJSON(cfg))
}

func (e *Emulator) handlePutOutcomes(w http.ResponseWriter, r *http.Request) {
	var req OutcomeRates
	if err := decodeRequest(w, r, &req); err != nil {
		writeError(w, partner.CodeInvalidRequest, "body must be JSON outcome rates")
		return
	}
	if err := e.SetOutcomeRates(req); err != nil {
		writeError(w, partner.CodeInvalidRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, req)
}

// accountByPAI returns the admin view of any operator's account.
func (e *Emulator) accountByPAI(pai string) (AccountInfo, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.catchUpLocked(e.nowLocked())
	a := e.byPAI[pai]
	if a == nil {
		return AccountInfo{}, false
	}
	return a.info(), true
}

func (e *Emulator) handleAdminAccount(w http.ResponseWriter, r *http.Request) {
	info, ok := e.accountByPAI(r.PathValue("pai"))
	if !ok {
		writeError(w, partner.CodeNotFound, "no such account")
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func (e *Emulator) handleScript(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Outcomes []partner.ChargeStatus `json:"outcomes"`
	}
	if err := decodeRequest(w, r, &req); err != nil {
		writeError(w, partner.CodeInvalidRequest, `body must be {"outcomes": ["DECLINED", ...]}`)
		return
	}
	pai := r.PathValue("pai")
	if err := e.ScriptOutcomes(pai, req.Outcomes...); err != nil {
		code := partner.CodeInvalidRequest
		if _, ok := e.accountByPAI(pai); !ok {
			code = partner.CodeNotFound
		}
		writeError(w, code, err.Error())
		return
	}
	info, _ := e.accountByPAI(pai)
	writeJSON(w, http.StatusOK, info)
}

func (e *Emulator) handlePutPromotions(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Offer      string              `json:"offer"`
		Country    string              `json:"country"`
		Promotions []partner.Promotion `json:"promotions"`
	}
	if err := decodeRequest(w, r, &req); err != nil {
		writeError(w, partner.CodeInvalidRequest, "body must be {offer, country, promotions}")
		return
	}
	if err := e.SetPromotions(req.Offer, req.Country, req.Promotions); err != nil {
		writeError(w, partner.CodeInvalidRequest, err.Error())
		return
	}
	e.mu.Lock()
	out := partner.Promotions{Promotions: e.promotionsLocked(req.Offer, req.Country, e.nowLocked())}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) handlePutPrices(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Offer   string          `json:"offer"`
		Country string          `json:"country"`
		Prices  []partner.Price `json:"prices"`
	}
	if err := decodeRequest(w, r, &req); err != nil {
		writeError(w, partner.CodeInvalidRequest, "body must be {offer, country, prices}")
		return
	}
	if err := e.SetPrices(req.Offer, req.Country, req.Prices); err != nil {
		writeError(w, partner.CodeInvalidRequest, err.Error())
		return
	}
	e.mu.Lock()
	out := partner.Prices{Prices: e.pricesLocked(req.Offer, req.Country)}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) handleStats(w http.ResponseWriter, r *http.Request) {
	if op := r.URL.Query().Get("operator"); op != "" {
		writeJSON(w, http.StatusOK, e.OperatorStats(op))
		return
	}
	writeJSON(w, http.StatusOK, e.Stats())
}
