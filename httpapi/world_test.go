package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/service"
)

// world is two organisations with data: A (ACME, the env's own, whose
// admin token is e.Token) and B (Globex). The security tests act as A and
// aim at B's identifiers, or send A's hostile bodies and check that
// neither organisation's data moved.
type world struct {
	*env
	// AUser is a user only A has; AKey a web API key of A's admin.
	AUser      crmapi.User
	AKey       crmapi.WebAPIKey
	AKeySecret string

	B      crmapi.Organisation
	BToken string
	BUnit  crmapi.Unit
	// BOnlyUnit's name is never used in A, so resolving it by name in A
	// must fail.
	BOnlyUnit  crmapi.Unit
	BUser      crmapi.User
	BKey       crmapi.WebAPIKey
	BKeySecret string
}

// mustWorld builds the two organisations on store.
func mustWorld(tb testing.TB, store crmapi.Store, limits ...service.LoginLimits) *world {
	tb.Helper()
	w := &world{env: mustEnvOn(tb, store, limits...)}
	ctx := context.Background()
	auth := w.Svc.Auth
	var err error
	check := func() {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	w.AUser, err = auth.CreateUser(ctx, w.Org.ID, service.NewUser{Username: "a-only", Password: testPassword})
	check()
	w.AKey, w.AKeySecret, err = auth.CreateAPIKey(ctx, w.Org.ID, service.NewAPIKey{Name: "a-billing", Username: "admin"})
	check()
	res, err := auth.Bootstrap(ctx, service.Bootstrap{Organisation: "Globex", Username: "admin", Password: testPassword})
	check()
	w.B = res.Organisation
	w.BUnit, err = auth.CreateUnit(ctx, w.B.ID, "Globex East")
	check()
	w.BOnlyUnit, err = auth.CreateUnit(ctx, w.B.ID, "Globex Only")
	check()
	w.BUser, err = auth.CreateUser(ctx, w.B.ID, service.NewUser{Username: "b-only", Password: testPassword, Unit: w.BUnit.ID})
	check()
	w.BKey, w.BKeySecret, err = auth.CreateAPIKey(ctx, w.B.ID, service.NewAPIKey{Name: "b-billing", Username: "b-only"})
	check()
	w.BToken = w.keyToken(w.BKeySecret)
	return w
}

// keyToken logs in with a web API key: a fresh token without Argon2id work.
func (w *world) keyToken(secret string) string {
	w.t.Helper()
	tok, err := w.Svc.Auth.LoginWithAPIKey(context.Background(), secret, "", "test")
	if err != nil {
		w.t.Fatalf("login with key: %v", err)
	}
	return tok
}

// freshA is a new token of A's admin.
func (w *world) freshA() string { return w.keyToken(w.AKeySecret) }

// snapshot is everything an organisation holds that the API can change.
type snapshot struct {
	Units []crmapi.Unit
	Users []crmapi.User
	Keys  []crmapi.WebAPIKey
}

func (w *world) snapshot(orgID string) snapshot {
	w.t.Helper()
	ctx := context.Background()
	var s snapshot
	var err error
	if s.Units, err = w.Svc.Auth.Units(ctx, orgID); err != nil {
		w.t.Fatal(err)
	}
	if s.Users, err = w.Svc.Auth.Users(ctx, orgID); err != nil {
		w.t.Fatal(err)
	}
	if s.Keys, err = w.Svc.Auth.APIKeys(ctx, orgID); err != nil {
		w.t.Fatal(err)
	}
	return s
}

// unchanged fails the test when an organisation's data differs from before.
func (w *world) unchanged(t *testing.T, what string, before snapshot, orgID string) {
	t.Helper()
	if after := w.snapshot(orgID); !reflect.DeepEqual(before, after) {
		t.Errorf("%s changed:\nbefore %+v\nafter  %+v", what, before, after)
	}
}

// apiCall is one request to an API method.
type apiCall struct {
	Method string // GET or POST; POST when empty
	Path   string
	// Body is the raw JSON body of a POST, or the raw query string of a GET.
	Body string
	// Token goes in an Authorization: Bearer header when set.
	Token string
	// BasicUser goes in an HTTP Basic header (web API key logins).
	BasicUser string
	// RemoteAddr is the client address the server sees.
	RemoteAddr string
	// IdempotencyKey goes in an Idempotency-Key header when set.
	IdempotencyKey string
}

// send runs c through the real handler without a network and decodes
// the envelope.
func (w *world) send(t testing.TB, c apiCall) *response {
	t.Helper()
	rec := w.serve(c)
	r := &response{t: t, Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if err := json.Unmarshal(r.Body, &r.Env); err != nil {
		t.Fatalf("%s %s: answer is not the envelope: %d %q", c.Method, c.Path, rec.Code, r.Body)
	}
	return r
}

// serve runs c through the real handler and returns the raw answer. The
// body of a GET is put in the query string as it is, unvalidated.
func (w *world) serve(c apiCall) *httptest.ResponseRecorder {
	method := c.Method
	if method == "" {
		method = http.MethodPost
	}
	var req *http.Request
	if method == http.MethodGet {
		req = httptest.NewRequest(method, httpapi.Prefix+c.Path, nil)
		req.URL.RawQuery = c.Body
	} else {
		req = httptest.NewRequest(method, httpapi.Prefix+c.Path, bytes.NewReader([]byte(c.Body)))
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.BasicUser != "" {
		req.SetBasicAuth(c.BasicUser, "")
	}
	if c.IdempotencyKey != "" {
		req.Header.Set("Idempotency-Key", c.IdempotencyKey)
	}
	if c.RemoteAddr != "" {
		req.RemoteAddr = c.RemoteAddr
	}
	rec := httptest.NewRecorder()
	w.Handler.ServeHTTP(rec, req)
	return rec
}

// jsonBody marshals parameters for apiCall.Body.
func jsonBody(p map[string]any) string {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	return string(b)
}
