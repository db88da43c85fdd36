package service

import (
	"sync"
	"time"

	"github.com/crmapi/crmapi"
)

// sessionCache keeps recently checked callers for a short time, so that a
// busy client does not cost a database read per request. An entry lives
// at most sessionCacheTTL: a token released, or a user disabled, through
// another crmapid process is refused within that time; through this
// process at once (Release drops the entry).
type sessionCache struct {
	mu      sync.RWMutex
	entries map[string]cachedCaller
	swept   time.Time
}

// sessionCacheTTL bounds how stale a cached caller may be.
const sessionCacheTTL = 2 * time.Second

// sessionCacheMax bounds the cache's size; past it, the cache is swept.
const sessionCacheMax = 100_000

type cachedCaller struct {
	caller  crmapi.Caller
	checked time.Time
}

func newSessionCache() *sessionCache { return &sessionCache{entries: map[string]cachedCaller{}} }

func cacheKey(org, jti string) string { return org + "\x00" + jti }

// get returns the cached caller when it was checked within the TTL; wall
// time, not the service clock, measures the TTL because it bounds
// staleness across processes. The caller checks expiry.
func (c *sessionCache) get(key string) (crmapi.Caller, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || time.Since(e.checked) > sessionCacheTTL {
		return crmapi.Caller{}, false
	}
	return e.caller, true
}

func (c *sessionCache) put(key string, caller crmapi.Caller) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= sessionCacheMax || time.Since(c.swept) > time.Minute {
		for k, e := range c.entries {
			if time.Since(e.checked) > sessionCacheTTL {
				delete(c.entries, k)
			}
		}
		c.swept = time.Now()
		if len(c.entries) >= sessionCacheMax {
			c.entries = map[string]cachedCaller{}
		}
	}
	c.entries[key] = cachedCaller{caller: caller, checked: time.Now()}
}

func (c *sessionCache) drop(key string) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

// dropUser forgets every cached session of a user (disabled, or changed).
func (c *sessionCache) dropUser(orgID, userID string) {
	c.mu.Lock()
	for k, e := range c.entries {
		if e.caller.Organisation.ID == orgID && e.caller.User.ID == userID {
			delete(c.entries, k)
		}
	}
	c.mu.Unlock()
}

// dropOrganisation forgets every cached session of an organisation (its
// clock moved).
func (c *sessionCache) dropOrganisation(orgID string) {
	c.mu.Lock()
	for k, e := range c.entries {
		if e.caller.Organisation.ID == orgID {
			delete(c.entries, k)
		}
	}
	c.mu.Unlock()
}
