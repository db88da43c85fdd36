package partner

import (
	"sync"
	"time"
)

// BreakerConfig configures the client's circuit breaker.
type BreakerConfig struct {
	// FailureThreshold is how many consecutive failed attempts open the
	// breaker (default 5; negative disables the breaker).
	FailureThreshold int
	// OpenFor is how long the breaker stays open before letting one probe
	// through (default 30s).
	OpenFor time.Duration
	// Now is the breaker's clock (default time.Now); tests replace it.
	Now func() time.Time
}

// BreakerState is the state of a circuit breaker.
type BreakerState string

// The breaker states.
const (
	BreakerClosed   BreakerState = "CLOSED"
	BreakerOpen     BreakerState = "OPEN"
	BreakerHalfOpen BreakerState = "HALF_OPEN"
)

// breaker stops a client from hammering a partner that is down, so that
// crmapi's callers get a fast failure instead of waiting out every timeout.
// Only attempts that show the partner unwell (no answer, 5xx) count as
// failures; an error answer such as 404 shows it is up.
type breaker struct {
	threshold int
	openFor   time.Duration
	now       func() time.Time

	mu       sync.Mutex
	state    BreakerState
	failures int
	openedAt time.Time
	probing  bool
}

func newBreaker(cfg BreakerConfig) *breaker {
	b := &breaker{threshold: cfg.FailureThreshold, openFor: cfg.OpenFor, now: cfg.Now, state: BreakerClosed}
	if b.threshold == 0 {
		b.threshold = 5
	}
	if b.openFor <= 0 {
		b.openFor = 30 * time.Second
	}
	if b.now == nil {
		b.now = time.Now
	}
	return b
}

// allow reports whether an attempt may be sent. When it returns true the
// caller must report the attempt's result with done, or with abandon when
// the attempt says nothing about the partner (the caller gave up).
func (b *breaker) allow() bool {
	if b.threshold < 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case BreakerOpen:
		if b.now().Sub(b.openedAt) < b.openFor {
			return false
		}
		b.state = BreakerHalfOpen
		b.probing = true
		return true
	case BreakerHalfOpen:
		// One probe at a time: the others fail fast until it reports.
		if b.probing {
			return false
		}
		b.probing = true
		return true
	}
	return true
}

// done reports the result of an allowed attempt.
func (b *breaker) done(ok bool) {
	if b.threshold < 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case ok:
		b.state, b.failures, b.probing = BreakerClosed, 0, false
	case b.state == BreakerHalfOpen:
		b.state, b.openedAt, b.probing = BreakerOpen, b.now(), false
	default:
		b.failures++
		if b.state == BreakerClosed && b.failures >= b.threshold {
			b.state, b.openedAt = BreakerOpen, b.now()
		}
	}
}

// abandon reports an allowed attempt that ended without telling anything
// about the partner, so a half-open probe slot is freed.
func (b *breaker) abandon() {
	if b.threshold < 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == BreakerHalfOpen {
		b.probing = false
	}
}

// current returns the state, moving an expired open breaker to half-open
// in the report only (the transition itself happens on the next allow).
func (b *breaker) current() BreakerState {
	if b.threshold < 0 {
		return BreakerClosed
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == BreakerOpen && b.now().Sub(b.openedAt) >= b.openFor {
		return BreakerHalfOpen
	}
	return b.state
}
