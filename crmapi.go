// Package crmapi holds the domain of the crmapi server: the values it keeps
// (organisations, users, accounts, usage authorisations, Netflix
// subscriptions and charges), the one error type with its closed list of
// codes, exact money, and the Store seam that the storage engines implement.
//
// The package imports nothing else of the project; subpackages import it and
// only cmd/ wires the concrete types together.
package crmapi

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

// Version is the build version, set with -ldflags "-X github.com/crmapi/crmapi.Version=…".
var Version = "dev"

// Clock tells the time. Services take it instead of calling time.Now so that
// tests and demos can move time forward.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC at microsecond resolution (the
// resolution both storage engines keep).
type SystemClock struct{}

// Now returns the current UTC time truncated to microseconds.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// ManualClock is a Clock that only moves when told; tests and the demo use it.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a ManualClock standing at t.
func NewManualClock(t time.Time) *ManualClock {
	return &ManualClock{now: t.UTC().Truncate(time.Microsecond)}
}

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d).Truncate(time.Microsecond)
	c.mu.Unlock()
}

// NewID returns a new random identifier: 32 upper-case hex characters, the
// shape CRM.COM uses for entity ids.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crmapi: no randomness: " + err.Error())
	}
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// RandomToken returns n random bytes, hex-encoded; used for secrets handed
// out once (API keys, sign-up tokens, generated passwords).
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crmapi: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}
