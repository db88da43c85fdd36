package partner

import (
	"testing"
	"time"
)

func TestBreakerHalfOpenAllowsOneProbe(t *testing.T) {
	now := time.Unix(0, 0)
	b := newBreaker(BreakerConfig{FailureThreshold: 2, OpenFor: time.Second, Now: func() time.Time { return now }})
	for i := 0; i < 2; i++ {
		if !b.allow() {
			t.Fatal("closed breaker refused")
		}
		b.done(false)
	}
	if b.allow() {
		t.Fatal("open breaker allowed a call")
	}
	now = now.Add(time.Second)
	if !b.allow() {
		t.Fatal("no probe after OpenFor")
	}
	if b.allow() {
		t.Fatal("a second probe went through while the first was in flight")
	}
	// A probe the caller abandoned frees the slot without deciding.
	b.abandon()
	if !b.allow() {
		t.Fatal("no probe after an abandoned one")
	}
	b.done(true)
	if b.current() != BreakerClosed || !b.allow() || !b.allow() {
		t.Fatal("successful probe did not close the breaker")
	}

	// A success resets the count of consecutive failures.
	b.done(false)
	b.done(true)
	b.done(false)
	if b.current() != BreakerClosed {
		t.Fatal("non-consecutive failures opened the breaker")
	}
}

func TestBreakerDisabled(t *testing.T) {
	b := newBreaker(BreakerConfig{FailureThreshold: -1})
	for i := 0; i < 100; i++ {
		b.done(false)
	}
	if !b.allow() || b.current() != BreakerClosed {
		t.Fatal("disabled breaker opened")
	}
}

func TestBackoffFullJitter(t *testing.T) {
	c := NewClient(ClientConfig{BaseBackoff: 10 * time.Millisecond, MaxBackoff: 80 * time.Millisecond})
	for attempt, window := range map[int]time.Duration{1: 10, 2: 20, 3: 40, 4: 80, 5: 80, 60: 80} {
		window *= time.Millisecond
		for i := 0; i < 200; i++ {
			if d := c.backoff(attempt, 0); d < 0 || d > window {
				t.Fatalf("attempt %d waited %v, window %v", attempt, d, window)
			}
		}
	}
	if d := c.backoff(1, time.Hour); d != 80*time.Millisecond {
		t.Fatalf("Retry-After not capped: %v", d)
	}
}
