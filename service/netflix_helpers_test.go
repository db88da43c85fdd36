package service_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/jobs"
	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
	"github.com/crmapi/crmapi/service"
	"github.com/riverqueue/river"
)

const partnerKey = "partner-test-key"

// pollInterval is how often idle job workers look for work in tests; the
// race detector slows SQLite enough that faster polling starves it.
var pollInterval = map[bool]time.Duration{false: 20 * time.Millisecond, true: 100 * time.Millisecond}[raceEnabled]

// nfx is the Netflix service over a real store and an emulated partner
// reached over HTTP, with organisation ACME.
type nfx struct {
	t     testing.TB
	ctx   context.Context
	store crmapi.Store
	svc   *service.Services
	emu   *emulator.Emulator
	cl    *partner.Client
	org   crmapi.Organisation
	queue *jobs.Queue
}

// nfxOptions tune a fixture.
type nfxOptions struct {
	clock   crmapi.Clock
	netflix service.NetflixConfig
	client  partner.ClientConfig
	emu     emulator.Options
	// queue starts a River queue working the Netflix jobs.
	queue bool
}

func mustNetflix(tb testing.TB, store crmapi.Store, o nfxOptions) *nfx {
	tb.Helper()
	o.emu.APIKey = partnerKey
	if o.emu.ProcessingDelay == 0 {
		o.emu.ProcessingDelay = -1 // charges are processed at once
	}
	emu := emulator.New(o.emu)
	srv := httptest.NewServer(emu)
	tb.Cleanup(srv.Close)
	o.client.BaseURL, o.client.APIKey = srv.URL, partnerKey
	if o.client.Timeout == 0 {
		o.client.Timeout = 500 * time.Millisecond
	}
	if o.client.BaseBackoff == 0 {
		o.client.BaseBackoff, o.client.MaxBackoff = time.Millisecond, 10*time.Millisecond
	}
	cl := partner.NewClient(o.client)
	if o.clock == nil {
		o.clock = crmapi.SystemClock{}
	}
	if o.netflix.RetryBase == 0 {
		o.netflix.RetryBase, o.netflix.RetryMax = 5*time.Millisecond, 50*time.Millisecond
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("CRMAPI_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	svc, err := service.New(service.Config{Store: store, Clock: o.clock, SigningKey: []byte("0123456789abcdef0123456789abcdef"),
		Logger: log, Partner: cl, Netflix: o.netflix})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	res, err := svc.Auth.Bootstrap(ctx, service.Bootstrap{Organisation: "ACME", Password: "correct horse battery"})
	if err != nil {
		tb.Fatal(err)
	}
	f := &nfx{t: tb, ctx: ctx, store: store, svc: svc, emu: emu, cl: cl, org: res.Organisation}
	if o.queue {
		workers := river.NewWorkers()
		periodic := svc.Jobs(workers)
		q, err := jobs.Open(ctx, store, jobs.Config{Workers: workers, Periodic: periodic, Logger: log,
			PollInterval: pollInterval, MaxWorkers: 16})
		if err != nil {
			tb.Fatal(err)
		}
		svc.UseQueue(q)
		if err := q.Start(ctx); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() {
			stop, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			q.Stop(stop)
		})
		f.queue = q
	}
	return f
}

// create creates customer's subscription and fails the test on error.
func (f *nfx) create(customer string) service.NetflixSignup {
	f.t.Helper()
	s, err := f.svc.Netflix.Create(f.ctx, f.org.ID, service.NetflixCreate{CustomerID: customer})
	if err != nil {
		f.t.Fatalf("create %s: %v", customer, err)
	}
	return s
}

// sub returns customer's live subscription.
func (f *nfx) sub(customer string) crmapi.NetflixSubscription {
	f.t.Helper()
	var s crmapi.NetflixSubscription
	err := f.store.View(f.ctx, func(tx crmapi.Tx) error {
		var err error
		s, err = tx.LiveNetflixSubscription(f.org.ID, customer)
		if err != nil {
			list, lerr := tx.NetflixSubscriptionsOf(f.org.ID, customer, "")
			if lerr == nil && len(list) > 0 {
				s, err = list[len(list)-1], nil
			}
		}
		return err
	})
	if err != nil {
		f.t.Fatalf("subscription of %s: %v", customer, err)
	}
	return s
}

// apply applies customer's pending operations, failing on anything but success.
func (f *nfx) apply(customer string) {
	f.t.Helper()
	sub := f.sub(customer)
	if err := f.svc.Netflix.ApplyOperations(f.ctx, f.org.ID, sub.ID); err != nil {
		f.t.Fatalf("apply %s: %v", customer, err)
	}
}

// redeem redeems customer's sign-up token as the customer would, then
// reconciles so crmapi learns of it.
func (f *nfx) redeem(customer string) {
	f.t.Helper()
	sub := f.sub(customer)
	if _, err := f.emu.RedeemToken(sub.SignupToken, customer+"@example.com"); err != nil {
		f.t.Fatalf("redeem %s: %v", customer, err)
	}
	f.reconcileAll()
}

// reconcileAll runs reconciliation until every account was polled once.
func (f *nfx) reconcileAll() {
	f.t.Helper()
	for range 20 {
		res, err := f.svc.Netflix.Reconcile(f.ctx)
		if err != nil {
			f.t.Fatalf("reconcile: %v", err)
		}
		if res.Polled < f.svc.Netflix.Config().ReconcileBatch {
			return
		}
	}
}

// account returns the partner's view of customer's account.
func (f *nfx) account(customer string) emulator.AccountInfo {
	f.t.Helper()
	a, ok := f.emu.Account(f.org.ID, f.sub(customer).PAI)
	if !ok {
		f.t.Fatalf("the partner has no account for %s", customer)
	}
	return a
}

func wantCode(tb testing.TB, err error, code crmapi.Code) {
	tb.Helper()
	if got := crmapi.ErrorCode(err); got != code {
		tb.Fatalf("error = %s (%v), want %s", got, err, code)
	}
}

// emulatorDelay is an emulator whose charges stay PENDING for d.
func emulatorDelay(d time.Duration) emulator.Options { return emulator.Options{ProcessingDelay: d} }
