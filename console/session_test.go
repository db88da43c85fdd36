package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

func TestPagesNeedASession(t *testing.T) {
	w := mustWorld(t)
	b := w.browser()
	if p := b.get("/console/"); p.Status != http.StatusSeeOther || p.location() != "/console/login" {
		t.Fatalf("home without a session: %d %q", p.Status, p.location())
	}
	p := b.get("/console/accounts/" + w.account.Number)
	if p.Status != http.StatusSeeOther || p.location() != "/console/login?next="+url.QueryEscape("/console/accounts/"+w.account.Number) {
		t.Fatalf("account without a session: %d %q", p.Status, p.location())
	}
	if p := b.post("/console/authorisations/"+w.hold.Number+"/cancel", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("cancel without a session: %d", p.Status)
	}
	if got := w.authorisation(w.hold.Number).LifeCycleState; got != crmapi.AuthorisationBlocked {
		t.Fatalf("hold is %s after an unsigned cancel", got)
	}
	// A made-up cookie is checked like any token and refused.
	u, _ := url.Parse(w.srv.URL + "/console/")
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "crmapi_console", Value: "not-a-token", Path: "/console/"}})
	if p := b.get("/console/"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/console/login") {
		t.Fatalf("forged cookie: %d %q", p.Status, p.location())
	}
}

func TestSignInSetsAStrictCookieAndGoesBack(t *testing.T) {
	w := mustWorld(t)
	b := w.browser()
	next := "/console/accounts/" + w.account.Number
	p := b.tryLogin("ACME", "ops", consolePassword, next)
	if p.Status != http.StatusSeeOther || p.location() != next {
		t.Fatalf("sign in: %d %q\n%s", p.Status, p.location(), p.Body)
	}
	var session string
	for _, c := range p.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "crmapi_console=") {
			session = c
		}
	}
	for _, attr := range []string{"Path=/console/", "HttpOnly", "SameSite=Strict", "Max-Age=7200"} {
		if !strings.Contains(session, attr) {
			t.Errorf("session cookie %q lacks %s", session, attr)
		}
	}
	if strings.Contains(session, "Secure") {
		t.Errorf("session cookie %q is Secure on plain HTTP, where the browser would drop it", session)
	}
	if p := b.get(next); p.Status != 200 || !p.has(w.account.Number) {
		t.Fatalf("account after sign in: %d", p.Status)
	}
	// The destination after sign-in stays in the console.
	for _, bad := range []string{"//evil.example/", "https://evil.example/console/", "/crmapi/rest/v2/"} {
		p := w.browser().tryLogin("ACME", "ops", consolePassword, bad)
		if p.location() != "/console/" {
			t.Errorf("next=%q led to %q", bad, p.location())
		}
	}
}

func TestCookieIsSecureOverTLS(t *testing.T) {
	w := mustWorld(t, func(o *worldOption) { o.tls = true })
	p := w.browser().tryLogin("ACME", "admin", consolePassword, "")
	if p.Status != http.StatusSeeOther {
		t.Fatalf("sign in over TLS: %d\n%s", p.Status, p.Body)
	}
	for _, c := range p.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "crmapi_console=") && !strings.Contains(c, "Secure") {
			t.Fatalf("session cookie over TLS is not Secure: %q", c)
		}
	}
}

func TestCookieIsSecureBehindATLSProxy(t *testing.T) {
	w := mustWorld(t)
	b := w.browser()
	form := b.get("/console/login")
	p := b.post("/console/login", url.Values{"csrf": {form.csrf(t)}, "organisation": {"ACME"}, "username": {"ops"},
		"password": {consolePassword}}, "X-Forwarded-Proto", "https")
	if p.Status != http.StatusSeeOther {
		t.Fatalf("sign in: %d\n%s", p.Status, p.Body)
	}
	for _, c := range p.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "crmapi_console=") && !strings.Contains(c, "Secure") {
			t.Fatalf("session cookie behind a TLS proxy is not Secure: %q", c)
		}
	}
}

func TestSignInRefusals(t *testing.T) {
	w := mustWorld(t)
	b := w.browser()
	p := b.tryLogin("ACME", "ops", "wrong password", "")
	if p.Status != http.StatusUnauthorized || !p.has("AUTHENTICATION_FAILED") || !p.has(`value="ops"`) {
		t.Fatalf("wrong password: %d\n%s", p.Status, p.Body)
	}
	if b.cookie("crmapi_console") != nil {
		t.Fatal("a refused sign-in left a session cookie")
	}
	// Without the form's token (a page of another site posting here).
	p = w.browser().post("/console/login", url.Values{"organisation": {"ACME"}, "username": {"ops"}, "password": {consolePassword}})
	if p.Status != http.StatusForbidden || !p.has("This form has expired") {
		t.Fatalf("sign-in without a form token: %d\n%s", p.Status, p.Body)
	}
	// With another browser's token: the token is bound to this browser's cookie.
	other := w.browser().get("/console/login").csrf(t)
	b2 := w.browser()
	b2.get("/console/login")
	p = b2.post("/console/login", url.Values{"csrf": {other}, "organisation": {"ACME"}, "username": {"ops"}, "password": {consolePassword}})
	if p.Status != http.StatusForbidden {
		t.Fatalf("sign-in with another browser's token: %d", p.Status)
	}
}

func TestSignInIsRateLimitedLikeTheAPI(t *testing.T) {
	w := mustWorld(t, func(o *worldOption) {
		o.limits = service.LoginLimits{ClientAttempts: 2, AccountAttempts: 100, Window: time.Minute}
	})
	b := w.browser()
	b.tryLogin("ACME", "ops", "wrong 1", "")
	b.tryLogin("ACME", "ops", "wrong 2", "")
	p := b.tryLogin("ACME", "ops", consolePassword, "")
	if p.Status != http.StatusTooManyRequests || !p.has("RATE_LIMITED") || p.Header.Get("Retry-After") == "" {
		t.Fatalf("third attempt: %d %q\n%s", p.Status, p.Header.Get("Retry-After"), p.Body)
	}
	// The API counts the same attempts: it refuses this client too.
	_, err := w.svc.Auth.Login(context.Background(), service.Login{Organisation: "ACME", Username: "ops", Password: consolePassword, Client: "127.0.0.1"})
	if crmapi.ErrorCode(err) != crmapi.RateLimited {
		t.Fatalf("API login after the console's attempts: %v", err)
	}
}

func TestSignOutReleasesTheToken(t *testing.T) {
	w := mustWorld(t)
	b := w.browser()
	b.signIn("ops")
	token := b.cookie("crmapi_console").Value
	home := b.get("/console/")
	if p := b.post("/console/logout", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("sign out without the form token: %d", p.Status)
	}
	p := b.post("/console/logout", url.Values{"csrf": {home.csrf(t)}})
	if p.Status != http.StatusSeeOther || p.location() != "/console/login?why=out" {
		t.Fatalf("sign out: %d %q", p.Status, p.location())
	}
	if b.cookie("crmapi_console") != nil {
		t.Fatal("the session cookie survived sign out")
	}
	if _, err := w.svc.Auth.Authenticate(context.Background(), token); crmapi.ErrorCode(err) != crmapi.InvalidToken {
		t.Fatalf("token after sign out: %v", err)
	}
	// A copy of the cookie is worthless now.
	u, _ := url.Parse(w.srv.URL + "/console/")
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "crmapi_console", Value: token, Path: "/console/"}})
	if p := b.get("/console/"); p.Status != http.StatusSeeOther {
		t.Fatalf("released token still opens the console: %d", p.Status)
	}
}

func TestExpiredSessionAsksToSignInAgain(t *testing.T) {
	w := mustWorld(t)
	b := w.browser()
	b.signIn("ops")
	w.clock.Advance(crmapi.MaxTokenLifetime + time.Minute)
	p := b.get("/console/accounts/" + w.account.Number)
	if p.Status != http.StatusSeeOther || !strings.Contains(p.location(), "why=expired") {
		t.Fatalf("expired session: %d %q", p.Status, p.location())
	}
	if p := b.get(p.location()); !p.has("Your session has ended") {
		t.Fatalf("login page does not say why:\n%s", p.Body)
	}
}

func TestSecurityHeaders(t *testing.T) {
	w := mustWorld(t)
	b := w.browser()
	b.signIn("admin")
	p := b.get("/console/accounts/" + w.account.Number)
	for name, want := range map[string]string{"Content-Security-Policy": "default-src 'none'", "X-Frame-Options": "DENY",
		"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Content-Type": "text/html; charset=utf-8"} {
		if got := p.Header.Get(name); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if css := b.get("/console/static/console.css"); css.Status != 200 || !strings.Contains(css.Header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %q", css.Status, css.Header.Get("Content-Type"))
	}
	if p := b.get("/console/static/"); p.Status != http.StatusNotFound {
		t.Errorf("static directory listed: %d", p.Status)
	}
}
