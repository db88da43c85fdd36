package service

import (
	"sync"
	"time"
)

// LoginLimits bounds login attempts: per client address and per account,
// at most Attempts in any Window.
type LoginLimits struct {
	ClientAttempts  int
	AccountAttempts int
	Window          time.Duration
}

// DefaultLoginLimits allows 10 attempts a minute from one client and 10 a
// minute against one account, whoever makes them.
var DefaultLoginLimits = LoginLimits{ClientAttempts: 10, AccountAttempts: 10, Window: time.Minute}

// slidingLimiter allows at most limit events per key in any window. It
// keeps timestamps in memory: limits are per process, which bounds a brute
// force to limit × processes per window.
type slidingLimiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	events map[string][]time.Time
	swept  time.Time
}

func newSlidingLimiter(limit int, window time.Duration) *slidingLimiter {
	return &slidingLimiter{limit: limit, window: window, events: map[string][]time.Time{}}
}

// allow records an attempt for key at now when under the limit; otherwise
// it returns how long until the oldest attempt leaves the window.
func (l *slidingLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		l.sweep(now)
	}
	cut := now.Add(-l.window)
	ev := l.events[key]
	i := 0
	for i < len(ev) && !ev[i].After(cut) {
		i++
	}
	ev = ev[i:]
	if len(ev) >= l.limit {
		l.events[key] = ev
		return false, ev[0].Add(l.window).Sub(now)
	}
	l.events[key] = append(ev, now)
	return true, 0
}

// forget drops the attempts of key (after a successful login).
func (l *slidingLimiter) forget(key string) {
	l.mu.Lock()
	delete(l.events, key)
	l.mu.Unlock()
}

func (l *slidingLimiter) sweep(now time.Time) {
	cut := now.Add(-l.window)
	for k, ev := range l.events {
		if len(ev) == 0 || !ev[len(ev)-1].After(cut) {
			delete(l.events, k)
		}
	}
	l.swept = now
}
