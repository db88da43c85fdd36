package service_test

import (
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/jobs"
	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
	"github.com/crmapi/crmapi/service"
	"github.com/riverqueue/river"
)

func TestNetflixLifeCycle(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		f := mustNetflix(t, open(t), nfxOptions{})
		s := f.create("pci1")
		if s.Number != "NS0000000001" || s.Token == "" || s.URL == "" || s.ExpiresAt.IsZero() {
			t.Fatalf("create = %+v", s)
		}
		sub := f.sub("pci1")
		if sub.LifeCycleState != crmapi.NetflixNotEffective || sub.NetflixState() != "NOT_EFFECTIVE" || !sub.SignupDelivered {
			t.Fatalf("after create: %+v", sub)
		}
		// Not signed up yet: neither suspend nor unsuspend applies.
		wantCode(t, f.svc.Netflix.Suspend(f.ctx, f.org.ID, "pci1"), crmapi.InvalidLifeCycleState)
		wantCode(t, f.svc.Netflix.Unsuspend(f.ctx, f.org.ID, "pci1"), crmapi.InvalidLifeCycleState)
		// A second create for the customer names the existing subscription.
		_, err := f.svc.Netflix.Create(f.ctx, f.org.ID, service.NetflixCreate{CustomerID: "pci1"})
		wantCode(t, err, crmapi.InvalidLifeCycleState)
		if !errors.Is(err, &crmapi.Error{Code: crmapi.InvalidLifeCycleState}) || !contains(err.Error(), "NS0000000001") {
			t.Fatalf("second create: %v", err)
		}

		f.redeem("pci1")
		sub = f.sub("pci1")
		if sub.LifeCycleState != crmapi.NetflixEffective || sub.NetflixState() != "EFFECTIVE" || sub.ActivatedAt == nil {
			t.Fatalf("after redeem: %+v", sub)
		}
		shown, err := f.svc.Netflix.Show(f.ctx, f.org.ID, "pci1", "")
		if err != nil || len(shown) != 1 || len(shown[0].Prices) != 1 || shown[0].Prices[0].FormattedPrice != "€7.99" {
			t.Fatalf("show = %+v, %v", shown, err)
		}

		if err := f.svc.Netflix.Suspend(f.ctx, f.org.ID, "pci1"); err != nil {
			t.Fatal(err)
		}
		sub = f.sub("pci1")
		if sub.LifeCycleState != crmapi.NetflixNotEffective || sub.NetflixState() != "EFFECTIVE" {
			t.Fatalf("suspended, before the partner confirmed: %+v", sub)
		}
		wantCode(t, f.svc.Netflix.Suspend(f.ctx, f.org.ID, "pci1"), crmapi.InvalidLifeCycleState)
		f.apply("pci1")
		if sub = f.sub("pci1"); sub.NetflixState() != "NOT_EFFECTIVE" || f.account("pci1").State != partner.StateSuspended {
			t.Fatalf("after the partner suspended: %+v", sub)
		}
		if err := f.svc.Netflix.Unsuspend(f.ctx, f.org.ID, "pci1"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Netflix.Cancel(f.ctx, f.org.ID, "pci1"); err != nil {
			t.Fatal(err)
		}
		f.apply("pci1")
		acct := f.account("pci1")
		if acct.State != partner.StateTerminated || len(acct.AppliedSequences) != 3 || acct.AppliedSequences[0] != 2 || acct.AppliedSequences[2] != 4 {
			t.Fatalf("partner account = %+v", acct)
		}
		sub = f.sub("pci1")
		if sub.LifeCycleState != crmapi.NetflixCancelled || sub.PartnerState != crmapi.PartnerTerminated || sub.ConfirmedSequence != 4 {
			t.Fatalf("after cancel: %+v", sub)
		}
		for _, c := range []func() error{
			func() error { return f.svc.Netflix.Cancel(f.ctx, f.org.ID, "pci1") },
			func() error { return f.svc.Netflix.Suspend(f.ctx, f.org.ID, "pci1") },
			func() error { return f.svc.Netflix.Unsuspend(f.ctx, f.org.ID, "pci1") },
		} {
			wantCode(t, c(), crmapi.InvalidLifeCycleState)
		}
		wantCode(t, f.svc.Netflix.Suspend(f.ctx, f.org.ID, "nobody"), crmapi.NotFound)
		// Cancelled, the customer may subscribe again.
		if s2 := f.create("pci1"); s2.Number != "NS0000000002" {
			t.Fatalf("new subscription = %+v", s2)
		}
		shown, _ = f.svc.Netflix.Show(f.ctx, f.org.ID, "pci1", "")
		if len(shown) != 2 || shown[0].Subscription.LifeCycleState != crmapi.NetflixCancelled {
			t.Fatalf("show after re-subscribing = %+v", shown)
		}
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// A create the partner does not answer in time keeps the subscription
// pending; retrying it reuses the operation id, so the partner never makes
// a second account, and hands out the token once the partner answers.
func TestNetflixCreateRetriedAfterPartnerFailure(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		f := mustNetflix(t, open(t), nfxOptions{client: partner.ClientConfig{MaxAttempts: 1}})
		// The partner applies the sign-up but the answer is lost.
		f.emu.SetFaults(emulator.FaultConfig{LostAnswerRate: 1})
		_, err := f.svc.Netflix.Create(f.ctx, f.org.ID, service.NetflixCreate{CustomerID: "pci1", ValiditySeconds: ptr(600)})
		wantCode(t, err, crmapi.PartnerUnavailable)
		if st := f.emu.OperatorStats(f.org.ID); st.Signups != 1 {
			t.Fatalf("partner sign-ups = %d", st.Signups)
		}
		sub := f.sub("pci1")
		if sub.PAI != "" || sub.LifeCycleState != crmapi.NetflixNotEffective {
			t.Fatalf("pending subscription = %+v", sub)
		}
		// Retried with other parameters: refused, nothing sent.
		_, err = f.svc.Netflix.Create(f.ctx, f.org.ID, service.NetflixCreate{CustomerID: "pci1"})
		wantCode(t, err, crmapi.InvalidLifeCycleState)
		// The partner is down: still pending.
		f.emu.SetFaults(emulator.FaultConfig{ErrorRate: 1})
		_, err = f.svc.Netflix.Create(f.ctx, f.org.ID, service.NetflixCreate{CustomerID: "pci1", ValiditySeconds: ptr(600)})
		wantCode(t, err, crmapi.PartnerUnavailable)
		f.emu.SetFaults(emulator.FaultConfig{})
		s, err := f.svc.Netflix.Create(f.ctx, f.org.ID, service.NetflixCreate{CustomerID: "pci1", ValiditySeconds: ptr(600)})
		if err != nil {
			t.Fatal(err)
		}
		st := f.emu.OperatorStats(f.org.ID)
		if st.Signups != 1 || st.DuplicateSignups != 0 || st.IdempotentReplays != 1 {
			t.Fatalf("partner stats after the retry: %+v", st)
		}
		if s.Number != sub.Number || s.Token == "" {
			t.Fatalf("retried create = %+v", s)
		}
		// Answered once; a further create is an error naming it.
		_, err = f.svc.Netflix.Create(f.ctx, f.org.ID, service.NetflixCreate{CustomerID: "pci1", ValiditySeconds: ptr(600)})
		wantCode(t, err, crmapi.InvalidLifeCycleState)
	})
}

// The background worker finishes a sign-up nobody retried; the next create
// hands its token out.
func TestNetflixSignupFinishedInBackground(t *testing.T) {
	f := mustNetflix(t, testdb.SQLite(t), nfxOptions{client: partner.ClientConfig{MaxAttempts: 1}})
	f.emu.SetFaults(emulator.FaultConfig{ErrorRate: 1})
	_, err := f.svc.Netflix.Create(f.ctx, f.org.ID, service.NetflixCreate{CustomerID: "pci1"})
	wantCode(t, err, crmapi.PartnerUnavailable)
	f.emu.SetFaults(emulator.FaultConfig{})
	f.apply("pci1")
	if sub := f.sub("pci1"); sub.PAI == "" || sub.SignupDelivered {
		t.Fatalf("after the worker: %+v", sub)
	}
	s := f.create("pci1")
	if s.Token == "" {
		t.Fatalf("token not handed out: %+v", s)
	}
}

// An operation that keeps failing ends in needs-attention, blocking the
// ones behind it, and a retry puts it back.
func TestNetflixOperationNeedsAttention(t *testing.T) {
	f := mustNetflix(t, testdb.SQLite(t), nfxOptions{netflix: service.NetflixConfig{MaxAttempts: 3},
		client: partner.ClientConfig{MaxAttempts: 1, Breaker: partner.BreakerConfig{FailureThreshold: -1}}})
	f.create("pci1")
	f.redeem("pci1")
	if err := f.svc.Netflix.Suspend(f.ctx, f.org.ID, "pci1"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Netflix.Unsuspend(f.ctx, f.org.ID, "pci1"); err != nil {
		t.Fatal(err)
	}
	f.emu.SetFaults(emulator.FaultConfig{ErrorRate: 1})
	sub := f.sub("pci1")
	for i := 0; i < 3; i++ {
		err := f.svc.Netflix.ApplyOperations(f.ctx, f.org.ID, sub.ID)
		if i < 2 && err == nil {
			t.Fatalf("try %d: no retry asked for", i+1)
		}
		if i == 2 && err != nil {
			t.Fatalf("last try: %v", err)
		}
	}
	list, err := f.svc.Netflix.NeedingAttention(f.ctx, f.org.ID)
	if err != nil || len(list) != 1 || list[0].Operation == nil || list[0].Operation.Kind != crmapi.OpSuspend ||
		list[0].Operation.Attempts != 3 {
		t.Fatalf("needing attention = %+v, %v", list, err)
	}
	if n, _ := f.svc.Netflix.AttentionCount(f.ctx); n != 1 {
		t.Fatalf("attention count = %d", n)
	}
	f.emu.SetFaults(emulator.FaultConfig{})
	if err := f.svc.Netflix.Retry(f.ctx, f.org.ID, sub.Number); err != nil {
		t.Fatal(err)
	}
	f.apply("pci1")
	if acct := f.account("pci1"); acct.State != partner.StateEffective || len(acct.AppliedSequences) != 2 {
		t.Fatalf("after retry: %+v", acct)
	}
	if n, _ := f.svc.Netflix.AttentionCount(f.ctx); n != 0 {
		t.Fatalf("attention count after retry = %d", n)
	}
}

func TestNetflixCreateValidation(t *testing.T) {
	f := mustNetflix(t, testdb.SQLite(t), nfxOptions{})
	bad := map[string]struct {
		req  service.NetflixCreate
		code crmapi.Code
	}{
		"no customer":    {service.NetflixCreate{}, crmapi.MandatoryParameterMissing},
		"channel":        {service.NetflixCreate{CustomerID: "c", Channel: "FAX"}, crmapi.InvalidParameter},
		"validity 0":     {service.NetflixCreate{CustomerID: "c", ValiditySeconds: ptr(0)}, crmapi.InvalidParameter},
		"validity 86401": {service.NetflixCreate{CustomerID: "c", ValiditySeconds: ptr(86401)}, crmapi.InvalidParameter},
		"promotion":      {service.NetflixCreate{CustomerID: "c", PromotionCode: "NOPE"}, crmapi.InvalidParameter},
		"email":          {service.NetflixCreate{CustomerID: "c", Customer: crmapi.NetflixCustomer{Email: &crmapi.Email{Type: "PERSONAL", EmailAddress: "x"}}}, crmapi.InvalidParameter},
		"email type":     {service.NetflixCreate{CustomerID: "c", Customer: crmapi.NetflixCustomer{Email: &crmapi.Email{EmailAddress: "a@b.c"}}}, crmapi.MandatoryParameterMissing},
		"phone":          {service.NetflixCreate{CustomerID: "c", Customer: crmapi.NetflixCustomer{Phone: &crmapi.Phone{Type: "MOBILE", Number: "call me"}}}, crmapi.InvalidParameter},
		"address":        {service.NetflixCreate{CustomerID: "c", Customer: crmapi.NetflixCustomer{Address: &crmapi.Address{Type: "HOME"}}}, crmapi.MandatoryParameterMissing},
		"country":        {service.NetflixCreate{CustomerID: "c", Customer: crmapi.NetflixCustomer{Address: &crmapi.Address{Type: "HOME", StreetName: "Main", CountryIdentifier: map[string]string{"two_character_code": "CYP"}}}}, crmapi.InvalidParameter},
		"countries":      {service.NetflixCreate{CustomerID: "c", Customer: crmapi.NetflixCustomer{Address: &crmapi.Address{Type: "HOME", StreetName: "Main", CountryIdentifier: map[string]string{"two_character_code": "CY", "name": "Cyprus"}}}}, crmapi.OnlyOneSemiOptionalAllowed},
	}
	for name, c := range bad {
		_, err := f.svc.Netflix.Create(f.ctx, f.org.ID, c.req)
		if crmapi.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
	if st := f.emu.OperatorStats(f.org.ID); st.Signups != 0 {
		t.Fatalf("bad input reached the partner: %+v", st)
	}
	s, err := f.svc.Netflix.Create(f.ctx, f.org.ID, service.NetflixCreate{CustomerID: "c", PromotionCode: "FREE1M", Channel: "WEB",
		ValiditySeconds: ptr(60), Customer: crmapi.NetflixCustomer{FirstName: "Jane",
			Address: &crmapi.Address{Type: "HOME", StreetName: "Main", CountryIdentifier: map[string]string{"two_character_code": "CY"}},
			Email:   &crmapi.Email{Type: "PERSONAL", EmailAddress: "jane@example.com"}, Phone: &crmapi.Phone{Type: "MOBILE", Number: "+357 99 123456"}}})
	if err != nil {
		t.Fatal(err)
	}
	// Whole seconds on the wire, and the emulator's clock runs on while
	// the test does: the token has at most a minute left, and nearly that.
	if d := s.ExpiresAt.Sub(f.emu.Now()); d > time.Minute || d < 45*time.Second {
		t.Fatalf("token valid for %s, want about a minute", d)
	}
	f.redeem("c")
	shown, _ := f.svc.Netflix.Show(f.ctx, f.org.ID, "", f.sub("c").PAI)
	if len(shown) != 1 || len(shown[0].Promotions) != 1 || shown[0].Promotions[0].Code != "FREE1M" {
		t.Fatalf("show by PAI = %+v", shown)
	}
}

func ptr[T any](v T) *T { return &v }

// An operation whose job was never inserted (the process died after the
// commit) is found by the periodic sweep and applied.
func TestNetflixSweepFindsLostJobs(t *testing.T) {
	store := testdb.SQLite(t)
	f := mustNetflix(t, store, nfxOptions{netflix: service.NetflixConfig{SweepInterval: 50 * time.Millisecond,
		ReconcileInterval: time.Hour}})
	f.create("pci1")
	f.redeem("pci1")
	// No queue yet: the commit happens, the job insert does not.
	if err := f.svc.Netflix.Suspend(f.ctx, f.org.ID, "pci1"); err != nil {
		t.Fatal(err)
	}
	workers := river.NewWorkers()
	q, err := jobs.Open(f.ctx, store, jobs.Config{Workers: workers, Periodic: f.svc.Jobs(workers), PollInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.svc.UseQueue(q)
	if err := q.Start(f.ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(f.ctx)
	deadline := time.Now().Add(10 * time.Second)
	for f.account("pci1").State != partner.StateSuspended {
		if time.Now().After(deadline) {
			t.Fatal("the sweep did not apply the operation within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
