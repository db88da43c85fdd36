package emulator

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/crmapi/crmapi/partner"
)

// FaultConfig sets the faults injected into /partner/v1 calls. Each call
// draws from a PRNG seeded with Seed, so a run can be repeated.
type FaultConfig struct {
	// ErrorRate is the share of calls answered 503 UNAVAILABLE without
	// being applied.
	ErrorRate float64
	// SlowRate is the share of calls held for SlowDelay (or until the
	// caller gives up, in which case nothing is applied) before being
	// served normally.
	SlowRate  float64
	SlowDelay time.Duration
	// LostAnswerRate is the share of calls that are applied but whose
	// answer is lost: the connection is closed without a response.
	LostAnswerRate float64
	Seed           int64
}

func (c FaultConfig) validate() error {
	for _, r := range []float64{c.ErrorRate, c.SlowRate, c.LostAnswerRate} {
		if r < 0 || r > 1 {
			return fmt.Errorf("fault rates must be within 0..1")
		}
	}
	if c.SlowDelay < 0 {
		return fmt.Errorf("slow delay must not be negative")
	}
	return nil
}

// faultInjector decides the faults of each call.
type faultInjector struct {
	mu  sync.Mutex
	cfg FaultConfig
	rng *rand.Rand
}

// faultDecision is what happens to one call.
type faultDecision struct{ slow, fail, lose bool }

func (f *faultInjector) set(cfg FaultConfig) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg = cfg
	f.rng = rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6661756c7473))
}

func (f *faultInjector) get() FaultConfig {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg
}

func (f *faultInjector) slowDelay() time.Duration { return f.get().SlowDelay }

// decide draws the three faults; it always draws three numbers so that a
// seed gives the same sequence of decisions whatever the rates.
func (f *faultInjector) decide() faultDecision {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, e, l := f.rng.Float64(), f.rng.Float64(), f.rng.Float64()
	return faultDecision{slow: s < f.cfg.SlowRate, fail: e < f.cfg.ErrorRate, lose: l < f.cfg.LostAnswerRate}
}

// SetFaults replaces the fault configuration and reseeds its PRNG.
func (e *Emulator) SetFaults(cfg FaultConfig) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	e.faults.set(cfg)
	return nil
}

// Faults returns the fault configuration in force.
func (e *Emulator) Faults() FaultConfig { return e.faults.get() }

// loseAnswer drops the connection without answering, so the caller cannot
// tell whether its call was applied; where the connection cannot be taken
// over it answers 500 INTERNAL, which promises nothing either.
func loseAnswer(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		writeError(w, partner.CodeInternal, "injected fault: answer lost")
		return
	}
	conn.Close()
}
