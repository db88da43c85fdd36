package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
	"github.com/crmapi/crmapi/service"
)

// partnerT0 is the emulator's fixed clock in wire tests, so that every
// date in the golden answers is the same on each run.
var partnerT0 = time.Date(2026, 4, 4, 10, 0, 0, 0, time.UTC)

// netflixEnv is a server whose Netflix service talks to an emulated partner.
type netflixEnv struct {
	*env
	emu *emulator.Emulator
}

// mustNetflixEnv starts a server like mustEnvOn, with a partner emulator
// whose charges stay PENDING for processing (negative: processed at once).
func mustNetflixEnv(tb testing.TB, store crmapi.Store, processing time.Duration) *netflixEnv {
	tb.Helper()
	emu := emulator.New(emulator.Options{APIKey: "k", Now: func() time.Time { return partnerT0 }, ProcessingDelay: processing})
	psrv := httptest.NewServer(emu)
	tb.Cleanup(psrv.Close)
	cl := partner.NewClient(partner.ClientConfig{BaseURL: psrv.URL, APIKey: "k", Timeout: time.Second, MaxAttempts: 1})
	clock := crmapi.NewManualClock(partnerT0)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := service.New(service.Config{Store: store, Clock: clock, SigningKey: testKey, Logger: log,
		LoginLimits: service.LoginLimits{ClientAttempts: 1000, AccountAttempts: 1000, Window: time.Minute},
		Partner:     cl, Netflix: service.NetflixConfig{RetryBase: time.Millisecond, RetryMax: time.Millisecond}})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.NewServer(httpapi.Config{Services: svc, Store: store, Logger: log}))
	tb.Cleanup(srv.Close)
	e := &env{t: tb, URL: srv.URL, Store: store, Svc: svc, Clock: clock}
	res, err := svc.Auth.Bootstrap(context.Background(), service.Bootstrap{Organisation: "ACME", Username: "admin", Password: testPassword})
	if err != nil {
		tb.Fatal(err)
	}
	e.Org = res.Organisation
	e.Token = e.login("admin", testPassword, "ACME")
	return &netflixEnv{env: e, emu: emu}
}

// subscribe creates customer's subscription over the API, redeems its
// token as the customer would and lets crmapi learn of it.
func (n *netflixEnv) subscribe(customer string) {
	n.t.Helper()
	r := n.post("netflix/subscriptions/create", map[string]any{"token": n.Token, "billing_system_customer_identifier": customer})
	r.wantOK()
	var d struct {
		Token string `json:"netflix_token"`
	}
	r.data(&d)
	if _, err := n.emu.RedeemToken(d.Token, ""); err != nil {
		n.t.Fatal(err)
	}
	n.reconcile()
}

// reconcile runs the background work once: partner accounts, pending
// operations and the charges feed.
func (n *netflixEnv) reconcile() {
	n.t.Helper()
	ctx := context.Background()
	if _, err := n.Svc.Netflix.Reconcile(ctx); err != nil {
		n.t.Fatal(err)
	}
	if _, err := n.Svc.Netflix.PollCharges(ctx); err != nil {
		n.t.Fatal(err)
	}
}

// applyAll applies the pending partner operations of customer.
func (n *netflixEnv) applyAll(customer string) {
	n.t.Helper()
	var sub crmapi.NetflixSubscription
	err := n.Store.View(context.Background(), func(tx crmapi.Tx) error {
		subs, err := tx.NetflixSubscriptionsOf(n.Org.ID, customer, "")
		if err == nil && len(subs) > 0 {
			sub = subs[len(subs)-1]
		}
		return err
	})
	if err != nil || sub.ID == "" {
		n.t.Fatalf("no subscription of %s: %v", customer, err)
	}
	if err := n.Svc.Netflix.ApplyOperations(context.Background(), n.Org.ID, sub.ID); err != nil {
		n.t.Fatal(err)
	}
}

// partnerValues are the values the partner makes up at random.
var partnerValues = regexp.MustCompile(`"(netflix_token|netflix_signup_url|netflix_customer_identifier)":"[^"]*"`)

// netflixGolden is golden with the partner's random values blanked too.
func netflixGolden(tb testing.TB, name string, r *response) {
	tb.Helper()
	var compact = r.Body
	if v := json.RawMessage(compact); json.Valid(v) {
		r2 := *r
		r2.Body = partnerValues.ReplaceAllFunc(compact, func(b []byte) []byte {
			k, _, _ := bytesCut(b, ':')
			return append(append([]byte{}, k...), []byte(`:"…"`)...)
		})
		golden(tb, "netflix_"+name, &r2)
		return
	}
	golden(tb, "netflix_"+name, r)
}

func bytesCut(b []byte, sep byte) ([]byte, []byte, bool) {
	for i, c := range b {
		if c == sep {
			return b[:i], b[i+1:], true
		}
	}
	return b, nil, false
}
