package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
	"github.com/golang-jwt/jwt/v5"
)

func TestLoginTokenClaims(t *testing.T) {
	e := mustEnv(t)
	r := e.post("authentication/token", map[string]any{"username": "ADMIN", "password": testPassword, "organisation": "ACME"})
	golden(t, "login_ok", r)
	var d struct{ Token string }
	r.data(&d)
	parts := strings.Split(d.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", d.Token)
	}
	head, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if !strings.Contains(string(head), `"alg":"HS256"`) || !strings.Contains(string(head), `"typ":"JWT"`) {
		t.Errorf("header = %s", head)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"usr", "org", "oun", "iat", "exp", "jti"} {
		if _, ok := claims[k]; !ok {
			t.Errorf("claim %s missing in %s", k, payload)
		}
	}
	if len(claims) != 6 {
		t.Errorf("claims = %s, want exactly six", payload)
	}
	iat, ok1 := claims["iat"].(string)
	exp, ok2 := claims["exp"].(string)
	if !ok1 || !ok2 {
		t.Fatalf("iat/exp must be strings: %s", payload)
	}
	it, _ := time.Parse(time.RFC3339, "2026-04-04T10:00:00Z")
	if iat != "1775296800" || exp != "1775304000" || it.Unix() != 1775296800 {
		t.Errorf("iat=%s exp=%s, want 2 h apart from the clock's now", iat, exp)
	}
	if claims["org"] != "ACME" || claims["oun"] != "Head Office" || claims["usr"] != "admin" {
		t.Errorf("claims = %s", payload)
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	e := mustEnv(t)
	a := e.post("authentication/token", map[string]any{"username": "admin", "password": "wrong password!", "organisation": "ACME"})
	b := e.post("authentication/token", map[string]any{"username": "nobody", "password": "wrong password!", "organisation": "ACME"})
	c := e.post("authentication/token", map[string]any{"username": "admin", "password": testPassword, "organisation": "NOPE"})
	a.wantError(401, crmapi.AuthenticationFailed)
	golden(t, "login_failed", a)
	if string(a.Body) != string(b.Body) || string(a.Body) != string(c.Body) {
		t.Fatalf("failures differ:\n%s\n%s\n%s", a.Body, b.Body, c.Body)
	}
	e.post("authentication/token", map[string]any{"username": "admin", "organisation": "ACME"}).wantError(400, crmapi.MandatoryParameterMissing)
}

func TestLoginRateLimited(t *testing.T) {
	e := mustEnv(t, service.LoginLimits{ClientAttempts: 10, AccountAttempts: 100, Window: time.Minute})
	// mustEnv logged in once already.
	limited := 0
	for i := 0; i < 30; i++ {
		r := e.post("authentication/token", map[string]any{"username": "admin", "password": "wrong password!", "organisation": "ACME"})
		if r.Env.Status.Code == string(crmapi.RateLimited) {
			limited++
			if r.Status != 429 || r.Header.Get("Retry-After") == "" {
				t.Fatalf("rate limited answer: %d %v", r.Status, r.Header)
			}
		}
	}
	if limited != 21 {
		t.Fatalf("%d of 30 limited, want 21 (10 per minute)", limited)
	}
	e.Clock.Advance(61 * time.Second)
	e.login("admin", testPassword, "ACME")
}

// forge signs claims with key using method.
func forge(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestForgedTokens(t *testing.T) {
	e := mustEnv(t)
	parts := strings.Split(e.Token, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var good jwt.MapClaims
	json.Unmarshal(payload, &good)
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range good {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	tampered := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"usr":"admin"`, `"usr":"root0"`, 1)))
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, good).SignedString(jwt.UnsafeAllowNoneSignatureType)
	cases := map[string]string{
		"alg none":         none,
		"HS512":            forge(t, jwt.SigningMethodHS512, testKey, good),
		"wrong key":        forge(t, jwt.SigningMethodHS256, []byte("another key another key another!"), good),
		"tampered payload": parts[0] + "." + tampered + "." + parts[2],
		"changed org":      forge(t, jwt.SigningMethodHS256, []byte("x"), with("org", "OTHER")),
		"no exp":           forge(t, jwt.SigningMethodHS256, testKey, with("exp", nil)),
		"no jti":           forge(t, jwt.SigningMethodHS256, testKey, with("jti", nil)),
		"unknown jti":      forge(t, jwt.SigningMethodHS256, testKey, with("jti", crmapi.NewID())),
		"other user":       forge(t, jwt.SigningMethodHS256, testKey, with("usr", "someone")),
		"oversized":        forge(t, jwt.SigningMethodHS256, testKey, with("pad", strings.Repeat("x", 5000))),
		"garbage":          "not.a.token",
		"empty":            "",
	}
	for name, tok := range cases {
		r := e.post("admin/units/list", map[string]any{"token": tok})
		if r.Status != 401 || r.Env.Status.Code != string(crmapi.InvalidToken) {
			t.Errorf("%s: got %d %s", name, r.Status, r.Body)
		}
	}
	// The numeric form of iat/exp is accepted, as the spec allows both.
	numeric := forge(t, jwt.SigningMethodHS256, testKey, with("exp", json.Number(good["exp"].(string))))
	e.post("admin/units/list", map[string]any{"token": numeric}).wantOK()
}

func TestTokenExpiryReleaseAndDisabledUser(t *testing.T) {
	e := mustEnv(t)
	e.get("admin/units/list", "token="+e.Token).wantOK()
	e.Clock.Advance(2*time.Hour + time.Second)
	r := e.get("admin/units/list", "token="+e.Token)
	r.wantError(401, crmapi.ExpiredToken)
	golden(t, "expired_token", r)

	tok := e.login("admin", testPassword, "ACME")
	e.post("authentication/token/release", map[string]any{"token": tok}).wantOK()
	e.post("admin/units/list", map[string]any{"token": tok}).wantError(401, crmapi.InvalidToken)

	ctx := context.Background()
	if _, err := e.Svc.Auth.CreateUser(ctx, e.Org.ID, service.NewUser{Username: "ops", Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	ops := e.login("ops", testPassword, "ACME")
	e.get("admin/units/list", "token="+ops).wantError(403, crmapi.PermissionDenied)
	admin := e.login("admin", testPassword, "ACME")
	e.post("admin/users/update", map[string]any{"token": admin, "username": "ops", "disabled": true}).wantOK()
	e.post("authentication/token/release", map[string]any{"token": ops}).wantError(401, crmapi.InvalidToken)
	e.post("authentication/token", map[string]any{"username": "ops", "password": testPassword, "organisation": "ACME"}).
		wantError(401, crmapi.AuthenticationFailed)
}

func TestBearerHeaderAndWebAPIKey(t *testing.T) {
	e := mustEnv(t)
	r := e.post("admin/web_api_keys/create", map[string]any{"token": e.Token, "name": "billing"})
	r.wantOK()
	var k struct{ ID, Key string }
	r.data(&k)
	if !strings.HasPrefix(k.Key, "crk_") {
		t.Fatalf("key = %q", k.Key)
	}
	req, _ := http.NewRequest("POST", e.URL+"/crmapi/rest/v2/authentication/web_api_key/token", strings.NewReader(`{}`))
	req.SetBasicAuth(k.Key, "")
	r = e.do(req)
	r.wantOK()
	var d struct{ Token string }
	r.data(&d)
	req, _ = http.NewRequest("GET", e.URL+"/crmapi/rest/v2/admin/web_api_keys/list", nil)
	req.Header.Set("Authorization", "Bearer "+d.Token)
	e.do(req).wantOK()

	e.post("admin/web_api_keys/revoke", map[string]any{"token": e.Token, "id": k.ID}).wantOK()
	req, _ = http.NewRequest("POST", e.URL+"/crmapi/rest/v2/authentication/web_api_key/token", nil)
	req.SetBasicAuth(k.Key, "")
	e.do(req).wantError(401, crmapi.AuthenticationFailed)
}
