// Package emulator is an in-memory partner that speaks the partner protocol
// (docs/partner-protocol.md): sign-ups with a browser sign-up page,
// accounts, promotions and prices, billing every period with scripted or
// random outcomes, the charges feed, and injected latency and faults. It is
// what crmapi talks to when no real partner is configured, and what the
// tests talk to.
//
// Time in the emulator is Options.Now plus an offset that only grows
// (AdvanceClock); every request first catches the simulation up to the
// emulator's now, so billing happens exactly as if time had passed.
package emulator

import (
	crand "crypto/rand"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/crmapi/crmapi/partner"
)

// Options configures an Emulator. Zero values take the defaults given.
type Options struct {
	// APIKey is the bearer key of every /partner/v1 and /admin call. When
	// empty, New makes up a random one (see Emulator.APIKey) so that an
	// emulator is never open by accident.
	APIKey string
	// PublicURL is the base of the sign-up URLs handed out (e.g.
	// "http://localhost:8081"); when empty it is taken from each sign-up
	// request's Host.
	PublicURL string
	// BillingPeriod is the length of a billing period (default one month).
	BillingPeriod Period
	// PriceAmount and Currency are the seeded default price of every offer
	// in every country (defaults "7.99" and "EUR").
	PriceAmount string
	Currency    string
	// ProcessingDelay is how long, on the emulator clock, a charge stays
	// PENDING before it is processed (default 1 minute; negative means at
	// once).
	ProcessingDelay time.Duration
	// Outcomes are the odds of a processed charge failing, when no outcome
	// is scripted for its account.
	Outcomes OutcomeRates
	// Faults are the injected faults of /partner/v1 calls.
	Faults FaultConfig
	// Now is the clock the emulator clock runs from (default time.Now).
	Now func() time.Time
}

// Period is a billing period: Months months plus Days days. Months are
// calendar months anchored on the first period's day, clamped to the end
// of shorter months (a period started on 31 January renews on 28 or 29
// February, then on 31 March).
type Period struct {
	Months int
	Days   int
}

// start returns the start of the k-th period from anchor.
func (p Period) start(anchor time.Time, k int) time.Time {
	return addMonthsClamped(anchor, k*p.Months).AddDate(0, 0, k*p.Days)
}

func addMonthsClamped(t time.Time, n int) time.Time {
	if n == 0 {
		return t
	}
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// OutcomeRates are the odds (0..1 each, summing to at most 1) that a
// processed charge ends DECLINED, BAD_REQUEST or REJECTED; the rest are
// APPROVED. Seed makes the draws repeatable.
type OutcomeRates struct {
	Declined   float64 `json:"declined"`
	BadRequest float64 `json:"bad_request"`
	Rejected   float64 `json:"rejected"`
	Seed       int64   `json:"seed"`
}

// Emulator is an in-memory partner; it implements http.Handler and is safe
// for concurrent use.
type Emulator struct {
	apiKey    string
	publicURL string
	period    Period
	delay     time.Duration
	clock     func() time.Time
	epoch     string // tells this instance's feed cursors from another's
	mux       *http.ServeMux
	faults    faultInjector

	mu         sync.Mutex
	offset     time.Duration
	operators  map[string]*operatorState
	accounts   []*account // every account, in creation order
	byPAI      map[string]*account
	tokens     map[string]*account
	catalog    catalog
	outcomes   OutcomeRates
	outcomeRNG *rand.Rand
	// nextDue is when the simulation next has something to do; dueKnown is
	// cleared by every change that may bring it forward.
	nextDue  time.Time
	dueKnown bool
}

// operatorState is everything one operator owns; nothing in it is ever
// reachable from another operator's calls.
type operatorState struct {
	id       string
	accounts map[string]*account
	charges  map[string]*charge
	feed     []partner.Charge
	idem     map[string]*idemEntry
	signups  map[string]int // accounts created per idempotency key
	counters counters
}

// counters are an operator's statistics.
type counters struct {
	requests, signups, redemptions, duplicateSignups, replays int
	operationsApplied, outOfOrderRefused, outOfOrderApplied   int
	faultErrors, faultSlow, faultLost                         int
}

// New returns an emulator configured by opts.
func New(opts Options) *Emulator {
	e := &Emulator{
		apiKey:    opts.APIKey,
		publicURL: opts.PublicURL,
		period:    opts.BillingPeriod,
		delay:     opts.ProcessingDelay,
		clock:     opts.Now,
		epoch:     randomHex(4),
		operators: map[string]*operatorState{},
		byPAI:     map[string]*account{},
		tokens:    map[string]*account{},
	}
	if e.apiKey == "" {
		e.apiKey = randomHex(24)
	}
	if e.period.Months < 0 || e.period.Days < 0 || e.period.Months == 0 && e.period.Days == 0 {
		e.period = Period{Months: 1}
	}
	switch {
	case e.delay == 0:
		e.delay = time.Minute
	case e.delay < 0:
		e.delay = 0
	}
	if e.clock == nil {
		e.clock = time.Now
	}
	amount, currency := opts.PriceAmount, opts.Currency
	if amount == "" {
		amount = "7.99"
	}
	if currency == "" {
		currency = "EUR"
	}
	e.catalog = seedCatalog(amount, currency)
	e.setOutcomesLocked(opts.Outcomes)
	e.faults.set(opts.Faults)
	e.routes()
	return e
}

// APIKey returns the bearer key the emulator accepts.
func (e *Emulator) APIKey() string { return e.apiKey }

// ServeHTTP serves the protocol, the sign-up page and the admin endpoints.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.mux.ServeHTTP(w, r) }

func (e *Emulator) routes() {
	m := http.NewServeMux()
	p := partner.PathPrefix
	m.HandleFunc("POST "+p+"/signups", e.api(true, e.handleSignup))
	m.HandleFunc("GET "+p+"/accounts/{pai}", e.api(false, e.handleGetAccount))
	for _, action := range []string{"suspend", "reactivate", "terminate"} {
		m.HandleFunc("POST "+p+"/accounts/{pai}/"+action, e.api(true, e.accountAction(action)))
	}
	m.HandleFunc("GET "+p+"/promotions", e.api(false, e.handlePromotions))
	m.HandleFunc("GET "+p+"/prices", e.api(false, e.handlePrices))
	m.HandleFunc("GET "+p+"/charges", e.api(false, e.handleCharges))
	m.HandleFunc("POST "+p+"/charges/{id}/accept", e.api(true, e.chargeAction(partner.ChargeApproved)))
	m.HandleFunc("POST "+p+"/charges/{id}/decline", e.api(true, e.chargeAction(partner.ChargeDeclined)))
	m.HandleFunc(p+"/", e.api(false, func(*apiRequest) (int, any) {
		return errorBody(partner.CodeNotFound, "no such endpoint")
	}))

	m.HandleFunc("GET /signup", e.handleSignupPage)
	m.HandleFunc("POST /signup", e.handleSignupForm)
	m.HandleFunc("POST /signup/redeem", e.handleRedeemJSON)

	e.adminRoutes(m)
	e.mux = m
}

// now returns the emulator's time; whole seconds keep the wire tidy.
func (e *Emulator) nowLocked() time.Time {
	return e.clock().UTC().Add(e.offset).Truncate(time.Second)
}

// Now returns the emulator's current time.
func (e *Emulator) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.nowLocked()
}

// AdvanceClock moves the emulator clock forward by d (negative d is
// ignored: the clock never goes back) and runs the simulation up to the
// new now. It returns the new now.
func (e *Emulator) AdvanceClock(d time.Duration) time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	if d > 0 {
		e.offset += d
	}
	now := e.nowLocked()
	e.catchUpLocked(now)
	return now
}

// ClockOffset returns how far AdvanceClock has moved the clock.
func (e *Emulator) ClockOffset() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.offset
}

func (e *Emulator) operatorLocked(id string) *operatorState {
	op := e.operators[id]
	if op == nil {
		op = &operatorState{
			id:       id,
			accounts: map[string]*account{},
			charges:  map[string]*charge{},
			idem:     map[string]*idemEntry{},
			signups:  map[string]int{},
		}
		e.operators[id] = op
	}
	return op
}

// randomHex returns n random bytes, hex-encoded. Identifiers and tokens
// come from here, never from customer data or the seeded fault PRNG.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := crand.Read(b); err != nil {
		panic("emulator: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}
