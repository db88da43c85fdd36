package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

const (
	// sessionCookie holds the user's crmapi token.
	sessionCookie = "crmapi_console"
	// loginCookie holds the random value the sign-in form's anti-forgery
	// token is bound to, before there is a session.
	loginCookie = "crmapi_console_login"
	// csrfField is the hidden form field of the anti-forgery token.
	csrfField = "csrf"
)

// session is a signed-in user: the caller the token resolves to.
type session struct {
	caller crmapi.Caller
	token  string
	// csrf is the anti-forgery token every form of this session carries.
	csrf string
}

// sessionPage is a handler for signed-in users; an error it returns is
// rendered by the one adapter, signedIn.
type sessionPage func(w http.ResponseWriter, r *http.Request, s *session) error

// signedIn checks the session cookie's token with Auth.Authenticate on
// every request, exactly as the API checks a token, and checks the
// anti-forgery token of every POST.
func (c *Console) signedIn(page sessionPage) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			c.toLogin(w, r, "")
			return
		}
		caller, err := c.svc.Auth.Authenticate(r.Context(), ck.Value)
		if err != nil {
			if code := crmapi.ErrorCode(err); code == crmapi.InvalidToken || code == crmapi.ExpiredToken {
				clearCookie(w, r, sessionCookie)
				c.toLogin(w, r, "expired")
				return
			}
			c.fail(w, r, nil, err)
			return
		}
		s := &session{caller: caller, token: ck.Value, csrf: c.sign("session", ck.Value)}
		if r.Method == http.MethodPost && !c.formGenuine(r, s.csrf) {
			c.fail(w, r, s, errForged)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if err := page(w, r, s); err != nil {
			c.fail(w, r, s, err)
		}
	})
}

// errForged is what a POST without a valid anti-forgery token gets.
var errForged = &crmapi.Error{Code: crmapi.PermissionDenied, Message: "This form has expired",
	Detail: "the page was not shown by this console session; reload it and try again"}

// sign returns the anti-forgery token for value, bound to purpose: an
// HMAC that a page of another site cannot compute, because it can read
// neither the key nor the HttpOnly cookie the value comes from.
func (c *Console) sign(purpose, value string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// formGenuine checks a POST: its hidden token must match, and a browser's
// Origin header, when sent, must be this server.
func (c *Console) formGenuine(r *http.Request, want string) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	got := r.PostFormValue(csrfField)
	return got != "" && hmac.Equal([]byte(got), []byte(want))
}

// toLogin sends the browser to the sign-in page, remembering where it was
// going when that was a page.
func (c *Console) toLogin(w http.ResponseWriter, r *http.Request, reason string) {
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != Path {
		q.Set("next", r.URL.RequestURI())
	}
	if reason != "" {
		q.Set("why", reason)
	}
	target := Path + "login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext keeps a post-login destination only when it is a console page,
// so that the sign-in form cannot be made to send users elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Path) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Path
	}
	return next
}

// loginView is the sign-in page.
type loginView struct {
	base
	Organisation string
	Username     string
	Next         string
	Notice       string
}

// loginForm shows the sign-in page, with a fresh value for the form's
// anti-forgery token.
func (c *Console) loginForm(w http.ResponseWriter, r *http.Request) {
	v := loginView{Next: safeNext(r.URL.Query().Get("next"))}
	switch r.URL.Query().Get("why") {
	case "expired":
		v.Notice = "Your session has ended; sign in again."
	case "out":
		v.Notice = "You have signed out."
	}
	c.renderLogin(w, r, v, http.StatusOK)
}

func (c *Console) renderLogin(w http.ResponseWriter, r *http.Request, v loginView, status int) {
	nonce := make([]byte, 16)
	rand.Read(nonce)
	value := hex.EncodeToString(nonce)
	setCookie(w, r, loginCookie, value, 0)
	v.CSRF = c.sign("login", value)
	v.Title = "Sign in"
	w.Header().Set("Cache-Control", "no-store")
	c.render(w, r, "login", v, status)
}

// login signs in through Auth.Login with the client's address, so the
// API's rate limits on logins apply to the console as well.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	v := loginView{Organisation: strings.TrimSpace(r.PostFormValue("organisation")),
		Username: strings.TrimSpace(r.PostFormValue("username")), Next: safeNext(r.PostFormValue("next"))}
	ck, err := r.Cookie(loginCookie)
	if err != nil || !c.formGenuine(r, c.sign("login", ck.Value)) {
		v.Error = viewError(errForged)
		c.renderLogin(w, r, v, http.StatusForbidden)
		return
	}
	token, err := c.svc.Auth.Login(r.Context(), service.Login{Organisation: v.Organisation, Username: v.Username,
		Password: r.PostFormValue("password"), Client: clientAddr(r)})
	var caller crmapi.Caller
	if err == nil {
		caller, err = c.svc.Auth.Authenticate(r.Context(), token)
	}
	if err != nil {
		var e *crmapi.Error
		if errors.As(err, &e) && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", itoa(e.RetryAfter))
		}
		v.Error = c.errorView(w, r, err)
		c.renderLogin(w, r, v, statusOf(err))
		return
	}
	clearCookie(w, r, loginCookie)
	// Max-Age rather than Expires: the token's expiry is on the
	// organisation's clock (a test organisation's may run ahead), the
	// browser's clock may differ from both, but the time left is the same.
	left := caller.ExpiresAt.Sub(caller.Organisation.Now(c.svc.Clock()))
	setCookie(w, r, sessionCookie, token, int(left/time.Second))
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

// logout releases the token, as the API's token release does, so that the
// cookie is worthless even if it was copied.
func (c *Console) logout(w http.ResponseWriter, r *http.Request, s *session) error {
	// The token is released before the cookie goes: if release fails the
	// user sees why and can try again.
	if err := c.svc.Auth.Release(context.WithoutCancel(r.Context()), s.caller); err != nil {
		return err
	}
	clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, Path+"login?why=out", http.StatusSeeOther)
	return nil
}

// setCookie sets a console cookie: HttpOnly, SameSite=Strict, Secure on
// TLS, and only for the console's paths. A zero maxAge makes it end with
// the browser session.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Path, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: overTLS(r)})
}

func clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: Path, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: overTLS(r)})
}

// overTLS tells whether the browser reached us over TLS: directly, or
// through a proxy that says so. Believing a forged header is harmless:
// it can only make a cookie Secure, never take that away.
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// clientAddr is the caller's IP address, the key of the login rate limit;
// the API takes the same.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
