package partner_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
)

const apiKey = "test-key"

var t0 = time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC)

// counting counts the protocol requests that reach the emulator.
type counting struct {
	h http.Handler
	n atomic.Int64
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, partner.PathPrefix) {
		c.n.Add(1)
	}
	c.h.ServeHTTP(w, r)
}

type fixture struct {
	em  *emulator.Emulator
	srv *httptest.Server
	req *counting
}

func newFixture(t *testing.T, faults emulator.FaultConfig) *fixture {
	t.Helper()
	em := emulator.New(emulator.Options{APIKey: apiKey, Faults: faults, Now: func() time.Time { return t0 }})
	c := &counting{h: em}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return &fixture{em: em, srv: srv, req: c}
}

func (f *fixture) client(cfg partner.ClientConfig) *partner.Client {
	cfg.BaseURL, cfg.APIKey = f.srv.URL, apiKey
	if cfg.BaseBackoff == 0 {
		cfg.BaseBackoff, cfg.MaxBackoff = time.Millisecond, 4*time.Millisecond
	}
	return partner.NewClient(cfg)
}

func signupReq() partner.SignupRequest {
	return partner.SignupRequest{Offer: "STANDARD", Country: "GR", ValiditySeconds: 3600}
}

// seed returns the seed of a randomised test: PARTNER_TEST_SEED if set,
// else a fresh one; either way it is printed if the test fails.
func seed(t *testing.T) int64 {
	s := time.Now().UnixNano()
	if v := os.Getenv("PARTNER_TEST_SEED"); v != "" {
		var err error
		if s, err = strconv.ParseInt(v, 10, 64); err != nil {
			t.Fatalf("PARTNER_TEST_SEED: %v", err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d (rerun with PARTNER_TEST_SEED=%d)", s, s)
		}
	})
	return s
}

// TestRetriesThroughFaults drives many customers concurrently through an
// emulator that fails 30% of calls and loses 5% of answers after applying
// them. Retrying each operation with its own key, as crmapi does, must
// end with every operation applied exactly once.
func TestRetriesThroughFaults(t *testing.T) {
	s := seed(t)
	f := newFixture(t, emulator.FaultConfig{ErrorRate: 0.3, LostAnswerRate: 0.05, Seed: s})
	cl := f.client(partner.ClientConfig{MaxAttempts: 6, Breaker: partner.BreakerConfig{FailureThreshold: -1}})
	ctx := context.Background()

	// retry repeats an operation with the same key until it gets an
	// answer, as crmapi's reconciliation does after the client gives up.
	retry := func(what string, op func() error) error {
		var err error
		for i := 0; i < 10; i++ {
			if err = op(); err == nil || !partner.IsRetryable(err) {
				return err
			}
		}
		return fmt.Errorf("%s: still failing: %w", what, err)
	}

	const workers, perWorker = 8, 8
	pais := make([]string, workers*perWorker)
	var wg sync.WaitGroup
	errs := make(chan error, len(pais))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				n := w*perWorker + i
				var sg partner.Signup
				if err := retry("signup", func() (err error) {
					sg, err = cl.CreateSignup(ctx, "op1", fmt.Sprintf("signup-%d", n), signupReq())
					return err
				}); err != nil {
					errs <- err
					return
				}
				pais[n] = sg.PAI
				if _, err := f.em.RedeemToken(sg.SignupToken, ""); err != nil {
					errs <- err
					return
				}
				actions := []func(string, int64) (partner.Account, error){
					func(k string, q int64) (partner.Account, error) { return cl.Suspend(ctx, "op1", sg.PAI, k, q) },
					func(k string, q int64) (partner.Account, error) { return cl.Reactivate(ctx, "op1", sg.PAI, k, q) },
					func(k string, q int64) (partner.Account, error) { return cl.Terminate(ctx, "op1", sg.PAI, k, q) },
				}
				for q, act := range actions {
					if err := retry("action", func() error {
						_, err := act(fmt.Sprintf("op-%d-%d", n, q+1), int64(q+1))
						return err
					}); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	seen := map[string]bool{}
	for _, p := range pais {
		if seen[p] {
			t.Fatalf("PAI %s handed out twice", p)
		}
		seen[p] = true
		info, ok := f.em.Account("op1", p)
		if !ok || info.State != partner.StateTerminated || fmt.Sprint(info.AppliedSequences) != "[1 2 3]" {
			t.Fatalf("account %s = %+v", p, info)
		}
	}
	st := f.em.Stats()
	if st.Signups != len(pais) || st.DuplicateSignups != 0 || st.OutOfOrderApplied != 0 ||
		st.OperationsApplied != 3*len(pais) || st.Accounts[partner.StateTerminated] != len(pais) {
		t.Fatalf("stats = %+v", st)
	}
	if st.Faults.Errors == 0 || st.Faults.LostAnswers == 0 || st.IdempotentReplays == 0 {
		t.Fatalf("the faults did not happen: %+v", st)
	}
	t.Logf("%d requests, %d errors, %d lost answers, %d replays", st.Requests, st.Faults.Errors, st.Faults.LostAnswers, st.IdempotentReplays)
}

func TestLostAnswerIsAnUnknownOutcome(t *testing.T) {
	f := newFixture(t, emulator.FaultConfig{LostAnswerRate: 1})
	cl := f.client(partner.ClientConfig{MaxAttempts: 2})
	ctx := context.Background()

	_, err := cl.CreateSignup(ctx, "op1", "k1", signupReq())
	if partner.ErrorCode(err) != partner.CodeNetwork || !partner.IsUnknownOutcome(err) || !partner.IsRetryable(err) {
		t.Fatalf("error = %v", err)
	}
	// It was applied: the retry with the same key finds it.
	if err := f.em.SetFaults(emulator.FaultConfig{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateSignup(ctx, "op1", "k1", signupReq()); err != nil {
		t.Fatal(err)
	}
	if st := f.em.Stats(); st.Signups != 1 || st.IdempotentReplays == 0 {
		t.Fatalf("stats = %+v", st)
	}

	// A read that loses its answer changed nothing.
	f.em.SetFaults(emulator.FaultConfig{LostAnswerRate: 1})
	_, err = cl.ListPrices(ctx, "op1", "", "")
	if err == nil || partner.IsUnknownOutcome(err) || !partner.IsRetryable(err) {
		t.Fatalf("read error = %v", err)
	}
}

func TestTimeoutOnSlowAnswers(t *testing.T) {
	f := newFixture(t, emulator.FaultConfig{SlowRate: 1, SlowDelay: 30 * time.Second})
	cl := f.client(partner.ClientConfig{Timeout: 50 * time.Millisecond, MaxAttempts: 2})
	ctx := context.Background()

	start := time.Now()
	_, err := cl.CreateSignup(ctx, "op1", "k1", signupReq())
	var pe *partner.Error
	if !errors.As(err, &pe) || pe.Code != partner.CodeTimeout || !pe.UnknownOutcome || !pe.Retryable || pe.Attempts != 2 {
		t.Fatalf("error = %#v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("gave up after %v", d)
	}
	// The emulator dropped the calls its caller gave up on, so the retry
	// creates the one account.
	f.em.SetFaults(emulator.FaultConfig{})
	sg, err := cl.CreateSignup(ctx, "op1", "k1", signupReq())
	if err != nil {
		t.Fatal(err)
	}
	if st := f.em.Stats(); st.Signups != 1 || st.Faults.Slow != 2 {
		t.Fatalf("stats = %+v", st)
	}

	// The caller's own deadline ends the call too, even mid-backoff.
	f.em.SetFaults(emulator.FaultConfig{SlowRate: 1, SlowDelay: 30 * time.Second})
	slow := f.client(partner.ClientConfig{Timeout: time.Minute})
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = slow.GetAccount(dctx, "op1", sg.PAI)
	if !errors.Is(err, context.DeadlineExceeded) || partner.ErrorCode(err) != partner.CodeTimeout || partner.IsUnknownOutcome(err) {
		t.Fatalf("error = %v", err)
	}
}

func TestCircuitBreaker(t *testing.T) {
	f := newFixture(t, emulator.FaultConfig{ErrorRate: 1})
	var mu sync.Mutex
	now := t0
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	cl := f.client(partner.ClientConfig{MaxAttempts: 1, Breaker: partner.BreakerConfig{
		FailureThreshold: 3, OpenFor: time.Minute,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
	}})
	ctx := context.Background()
	call := func() error { _, err := cl.ListPrices(ctx, "op1", "", ""); return err }

	for i := 0; i < 3; i++ {
		if err := call(); partner.ErrorCode(err) != partner.CodeUnavailable || partner.IsUnknownOutcome(err) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if cl.BreakerState() != partner.BreakerOpen {
		t.Fatalf("state = %s", cl.BreakerState())
	}
	err := call()
	if !errors.Is(err, partner.ErrCircuitOpen) || !partner.IsRetryable(err) || f.req.n.Load() != 3 {
		t.Fatalf("open breaker: %v after %d requests", err, f.req.n.Load())
	}

	// After OpenFor one probe goes through; its failure reopens.
	advance(time.Minute)
	if cl.BreakerState() != partner.BreakerHalfOpen {
		t.Fatalf("state = %s", cl.BreakerState())
	}
	if err := call(); partner.ErrorCode(err) != partner.CodeUnavailable || f.req.n.Load() != 4 {
		t.Fatalf("probe: %v", err)
	}
	if err := call(); !errors.Is(err, partner.ErrCircuitOpen) || f.req.n.Load() != 4 {
		t.Fatalf("after failed probe: %v", err)
	}

	// A successful probe closes it.
	advance(time.Minute)
	f.em.SetFaults(emulator.FaultConfig{})
	if err := call(); err != nil {
		t.Fatal(err)
	}
	if cl.BreakerState() != partner.BreakerClosed {
		t.Fatalf("state = %s", cl.BreakerState())
	}

	// Refusals show the partner is up: they never open the breaker.
	for i := 0; i < 10; i++ {
		if _, err := cl.GetAccount(ctx, "op1", "nope"); partner.ErrorCode(err) != partner.CodeNotFound {
			t.Fatal(err)
		}
	}
	if cl.BreakerState() != partner.BreakerClosed {
		t.Fatalf("state after refusals = %s", cl.BreakerState())
	}
}

func TestOnlyRetryableErrorsAreRetried(t *testing.T) {
	f := newFixture(t, emulator.FaultConfig{})
	cl := f.client(partner.ClientConfig{MaxAttempts: 4, Breaker: partner.BreakerConfig{FailureThreshold: -1}})
	ctx := context.Background()
	sg, err := cl.CreateSignup(ctx, "op1", "k1", signupReq())
	if err != nil {
		t.Fatal(err)
	}

	before := f.req.n.Load()
	_, err = cl.Suspend(ctx, "op1", sg.PAI, "k2", 1)
	var pe *partner.Error
	if !errors.As(err, &pe) || pe.Code != partner.CodeInvalidState || pe.Retryable || pe.Attempts != 1 || f.req.n.Load() != before+1 {
		t.Fatalf("error = %#v after %d requests", err, f.req.n.Load()-before)
	}
	bad := partner.NewClient(partner.ClientConfig{BaseURL: f.srv.URL, APIKey: "wrong", MaxAttempts: 4})
	before = f.req.n.Load()
	if _, err := bad.GetAccount(ctx, "op1", sg.PAI); partner.ErrorCode(err) != partner.CodeUnauthorized || f.req.n.Load() != before+1 {
		t.Fatalf("unauthorized: %v after %d requests", err, f.req.n.Load()-before)
	}
	// Mistakes caught before sending are not sent at all.
	before = f.req.n.Load()
	if _, err := cl.Suspend(ctx, "", sg.PAI, "k3", 2); partner.ErrorCode(err) != partner.CodeInvalidRequest {
		t.Fatal(err)
	}
	if _, err := cl.Suspend(ctx, "op1", sg.PAI, "", 2); partner.ErrorCode(err) != partner.CodeInvalidRequest {
		t.Fatal(err)
	}
	if f.req.n.Load() != before {
		t.Fatal("invalid calls were sent")
	}

	// A retryable error is retried up to MaxAttempts, and its promise that
	// nothing was applied survives the retries.
	f.em.SetFaults(emulator.FaultConfig{ErrorRate: 1})
	before = f.req.n.Load()
	_, err = cl.Terminate(ctx, "op1", sg.PAI, "k4", 3)
	if !errors.As(err, &pe) || pe.Code != partner.CodeUnavailable || pe.Status != http.StatusServiceUnavailable ||
		pe.Attempts != 4 || pe.UnknownOutcome || f.req.n.Load() != before+4 {
		t.Fatalf("error = %#v after %d requests", err, f.req.n.Load()-before)
	}

	// Nothing listening: nothing was sent, so nothing is unknown.
	dead := partner.NewClient(partner.ClientConfig{BaseURL: "http://127.0.0.1:1", APIKey: apiKey, MaxAttempts: 2,
		BaseBackoff: time.Millisecond})
	_, err = dead.Terminate(ctx, "op1", sg.PAI, "k5", 4)
	if partner.ErrorCode(err) != partner.CodeNetwork || partner.IsUnknownOutcome(err) || !partner.IsRetryable(err) {
		t.Fatalf("dead partner: %v", err)
	}
}

func TestBaseURLWithPrefix(t *testing.T) {
	f := newFixture(t, emulator.FaultConfig{})
	cl := partner.NewClient(partner.ClientConfig{BaseURL: f.srv.URL + partner.PathPrefix + "/", APIKey: apiKey})
	if _, err := cl.ListPromotions(context.Background(), "op1", "STANDARD", "GR"); err != nil {
		t.Fatal(err)
	}
}

// TestAnswersWithoutProtocolBody covers what a proxy between crmapi and the
// partner may answer: bare statuses and garbage, which promise nothing.
func TestAnswersWithoutProtocolBody(t *testing.T) {
	var calls atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		switch r.URL.Query().Get("offer") {
		case "busy":
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return
			}
			w.Write([]byte(`{"prices":[]}`))
		case "gone":
			http.Error(w, "nope", http.StatusMethodNotAllowed)
		default:
			if r.Method == http.MethodPost {
				if r.URL.Path == partner.PathPrefix+"/signups" {
					http.Error(w, "bad gateway", http.StatusBadGateway)
				} else {
					w.Write([]byte("<html>not json"))
				}
				return
			}
		}
	}))
	defer proxy.Close()
	cl := partner.NewClient(partner.ClientConfig{BaseURL: proxy.URL, APIKey: apiKey, MaxAttempts: 2,
		BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	ctx := context.Background()

	_, err := cl.CreateSignup(ctx, "op1", "k1", signupReq())
	var pe *partner.Error
	if !errors.As(err, &pe) || pe.Code != partner.CodeInternal || pe.Status != http.StatusBadGateway ||
		!pe.UnknownOutcome || !pe.Retryable || pe.Attempts != 2 || !strings.Contains(pe.Error(), "bad gateway") {
		t.Fatalf("502: %#v", err)
	}
	_, err = cl.Suspend(ctx, "op1", "pai", "k2", 1)
	if partner.ErrorCode(err) != partner.CodeBadResponse || !partner.IsUnknownOutcome(err) {
		t.Fatalf("garbage: %v", err)
	}
	calls.Store(0)
	if _, err := cl.ListPrices(ctx, "op1", "busy", ""); err != nil || calls.Load() != 2 {
		t.Fatalf("429 then success: %v after %d calls", err, calls.Load())
	}
	calls.Store(0)
	if _, err := cl.ListPrices(ctx, "op1", "gone", ""); partner.ErrorCode(err) != partner.CodeInvalidRequest || calls.Load() != 1 {
		t.Fatalf("405: %v after %d calls", err, calls.Load())
	}
}
