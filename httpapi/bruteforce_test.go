package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/service"
)

// burstResult counts the answers of a login burst.
type burstResult struct {
	evaluated, limited int
	other              []string
}

// burst sends n wrong-password logins, the i-th for username(i) from the
// client address addr(i), 32 at a time, and sorts the answers. An attempt is
// evaluated when its password was checked (AUTHENTICATION_FAILED); the
// rest must be RATE_LIMITED with a usable Retry-After.
func (w *world) burst(t *testing.T, n int, username, addr func(i int) string) burstResult {
	t.Helper()
	var mu sync.Mutex
	var res burstResult
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range n {
		body := jsonBody(map[string]any{"username": username(i), "password": "not the password", "organisation": w.Org.Name})
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			r := w.send(t, apiCall{Path: "authentication/token", Body: body, RemoteAddr: addr(i)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case r.Status == http.StatusUnauthorized && r.Env.Status.Code == string(crmapi.AuthenticationFailed):
				res.evaluated++
			case r.Status == http.StatusTooManyRequests && r.Env.Status.Code == string(crmapi.RateLimited):
				secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
				if (err != nil || secs < 1 || secs > 60) && len(res.other) < 5 {
					res.other = append(res.other, fmt.Sprintf("Retry-After %q", r.Header.Get("Retry-After")))
				}
				res.limited++
			case len(res.other) < 5:
				res.other = append(res.other, fmt.Sprintf("%d %s", r.Status, r.Body))
			}
		})
	}
	wg.Wait()
	return res
}

// S4: bursts of 1,000 logins within a minute (the injected clock does not
// move) from one client against one account, from one client against
// 1,000 accounts, and from 1,000 clients against one account: in each at
// most 10 have their password checked and the rest are RATE_LIMITED with
// Retry-After; meanwhile other users, from other clients, log in.
func TestLoginBurst(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		// One organisation is enough: every attempt costs Argon2id work.
		w := &world{env: mustEnvOn(t, open(t), service.DefaultLoginLimits)}
		ctx := context.Background()
		for _, name := range []string{"victim", "bystander"} {
			if _, err := w.Svc.Auth.CreateUser(ctx, w.Org.ID, service.NewUser{Username: name, Password: testPassword}); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		bursts := []struct {
			name           string
			username, addr func(i int) string
		}{
			{"one client, one account", func(int) string { return "admin" }, func(int) string { return "192.0.2.1:4000" }},
			{"one client, 1,000 accounts (spraying)", func(i int) string { return fmt.Sprintf("user-%d", i) },
				func(int) string { return "192.0.2.2:4000" }},
			{"1,000 clients, one account", func(int) string { return "victim" },
				func(i int) string { return fmt.Sprintf("198.51.%d.%d:4000", i/250, i%250) }},
		}
		for _, b := range bursts {
			r := w.burst(t, 1000, b.username, b.addr)
			t.Logf("%s: %d evaluated, %d rate limited", b.name, r.evaluated, r.limited)
			if r.evaluated > 10 || r.evaluated+r.limited != 1000 || len(r.other) > 0 {
				t.Errorf("%s: %d evaluated (at most 10), %d limited; unexpected: %v", b.name, r.evaluated, r.limited, r.other)
			}
		}
		t.Logf("3,000 attempts in %s", time.Since(start).Round(time.Millisecond))
		// Another user from another client is unaffected by both bursts.
		w.send(t, apiCall{Path: "authentication/token", RemoteAddr: "203.0.113.9:4000", Body: jsonBody(map[string]any{
			"username": "bystander", "password": testPassword, "organisation": w.Org.Name})}).wantOK()
		// The attacked account is backed off from a fresh client too ...
		w.send(t, apiCall{Path: "authentication/token", RemoteAddr: "203.0.113.10:4000", Body: jsonBody(map[string]any{
			"username": "victim", "password": testPassword, "organisation": w.Org.Name})}).
			wantError(http.StatusTooManyRequests, crmapi.RateLimited)
		// ... until its minute has passed.
		w.Clock.Advance(61 * time.Second)
		w.send(t, apiCall{Path: "authentication/token", RemoteAddr: "192.0.2.1:4000", Body: jsonBody(map[string]any{
			"username": "admin", "password": testPassword, "organisation": w.Org.Name})}).wantOK()
	})
}
