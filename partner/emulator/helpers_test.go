package emulator_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
)

const apiKey = "test-key"

// t0 is where every test's emulator clock starts; only AdvanceClock moves it.
var t0 = time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)

type env struct {
	t   *testing.T
	em  *emulator.Emulator
	srv *httptest.Server
	cl  *partner.Client
	ctx context.Context
	ops atomic.Int64 // makes operation ids unique
}

func newEnv(t *testing.T, opts emulator.Options) *env {
	t.Helper()
	opts.APIKey = apiKey
	if opts.Now == nil {
		opts.Now = func() time.Time { return t0 }
	}
	em := emulator.New(opts)
	srv := httptest.NewServer(em)
	t.Cleanup(srv.Close)
	cl := partner.NewClient(partner.ClientConfig{BaseURL: srv.URL, APIKey: apiKey, MaxAttempts: 3,
		BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	return &env{t: t, em: em, srv: srv, cl: cl, ctx: context.Background()}
}

func (e *env) opID() string { return fmt.Sprintf("op-%d", e.ops.Add(1)) }

func signupReq() partner.SignupRequest {
	return partner.SignupRequest{Offer: "STANDARD", Country: "GR", Channel: "WEB", ValiditySeconds: 3600}
}

// signup creates a sign-up for operator and fails the test on error.
func (e *env) signup(operator string, req partner.SignupRequest) partner.Signup {
	e.t.Helper()
	s, err := e.cl.CreateSignup(e.ctx, operator, e.opID(), req)
	if err != nil {
		e.t.Fatalf("CreateSignup: %v", err)
	}
	return s
}

// effective creates a sign-up and redeems it in process.
func (e *env) effective(operator string, req partner.SignupRequest) string {
	e.t.Helper()
	s := e.signup(operator, req)
	if _, err := e.em.RedeemToken(s.SignupToken, ""); err != nil {
		e.t.Fatalf("RedeemToken: %v", err)
	}
	return s.PAI
}

func (e *env) account(operator, pai string) partner.Account {
	e.t.Helper()
	a, err := e.cl.GetAccount(e.ctx, operator, pai)
	if err != nil {
		e.t.Fatalf("GetAccount: %v", err)
	}
	return a
}

// feed reads the whole feed of operator.
func (e *env) feed(operator string) []partner.Charge {
	e.t.Helper()
	var all []partner.Charge
	cursor := ""
	for {
		p, err := e.cl.Charges(e.ctx, operator, cursor, partner.MaxChargesLimit)
		if err != nil {
			e.t.Fatalf("Charges: %v", err)
		}
		all = append(all, p.Entries...)
		cursor = p.NextCursor
		if !p.HasMore {
			return all
		}
	}
}

// feedOf returns the entries of one account.
func feedOf(entries []partner.Charge, pai string) []partner.Charge {
	var out []partner.Charge
	for _, c := range entries {
		if c.PAI == pai {
			out = append(out, c)
		}
	}
	return out
}

func statuses(entries []partner.Charge) string {
	var s []string
	for _, c := range entries {
		s = append(s, string(c.Status))
	}
	return strings.Join(s, ",")
}

// wantCode fails the test unless err is a *partner.Error with code.
func wantCode(t *testing.T, err error, code string) *partner.Error {
	t.Helper()
	if partner.ErrorCode(err) != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	return err.(*partner.Error)
}

// do sends a raw request and returns the status and body.
func (e *env) do(method, path, body string, header map[string]string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *env) admin(method, path, body string) (int, string) {
	return e.do(method, path, body, map[string]string{"Authorization": "Bearer " + apiKey, "Content-Type": "application/json"})
}

func (e *env) postForm(path string, form url.Values) (int, string) {
	return e.do(http.MethodPost, path, form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}
