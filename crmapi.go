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

// NewID returns a new identifier: 32 upper-case hex characters, the shape
// CRM.COM uses for entity ids. The first 12 are the milliseconds since the
// Unix epoch and the other 20 are random (80 bits), as in a version 7
// UUID: ids made one after another sort one after another, so a new row
// lands at the end of its table's primary-key index, on a page already in
// the cache, instead of on a random page of an index of millions. Ids are
// names, never secrets (those come from RandomToken).
func NewID() string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	if _, err := rand.Read(b[6:]); err != nil {
		panic("crmapi: no randomness: " + err.Error())
	}
	const digits = "0123456789ABCDEF"
	var out [32]byte
	for i, v := range b {
		out[2*i], out[2*i+1] = digits[v>>4], digits[v&0x0f]
	}
	return string(out[:])
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
