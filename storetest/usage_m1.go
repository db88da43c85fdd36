package storetest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

func init() {
	addCase("NeverOverAuthorise", testNeverOverAuthorise)
	addCase("NeverOverAuthoriseThroughServices", testNeverOverAuthoriseThroughServices)
}

// Reliability promises M1 (never over-authorise) and M4 (books balance).
// Each seeded run makes 200 concurrent creates of random amounts against
// one account, mixed with cancels, completions (some over their maxima),
// usage posted without an authorisation, reads that expire what is due, a
// sweeper, and a clock that moves so that holds expire. A sampler checks,
// at every sample and at the end, that holds plus posted usage stay within
// funding plus credit limit, that balance = Σ entries and held = Σ
// BLOCKED authorisations.
//
// NeverOverAuthorise makes 50 runs with the store steps the usage service
// takes (one transaction per operation, as the service's); it is the fast
// one. NeverOverAuthoriseThroughServices makes a few runs through the
// services themselves (add_service_usage included), whose transactions do
// much more reading, so that what the services add is covered too.
//
// CRMAPI_M1_RUNS and CRMAPI_M1_SERVICE_RUNS change the number of runs;
// CRMAPI_M1_SEED replays one seed; a failure prints its seed.
const (
	m1Runs        = 50
	m1ServiceRuns = 5
	m1Creates     = 200
)

// m1RunsFor scales the runs down for SQLite under the race detector, where
// modernc's SQLite (C compiled to Go, every memory access instrumented)
// runs about twenty times slower: a fifth of the runs there still finds
// data races in the Go code, and CI also runs the store suites without the
// race detector, where every engine makes all the runs.
func m1RunsFor(s crmapi.Store, runs int) int {
	if raceEnabled && s.Engine() == "sqlite" {
		return max(1, runs/5)
	}
	return runs
}

func testNeverOverAuthorise(t *testing.T, s crmapi.Store) {
	runM1(t, s, envInt("CRMAPI_M1_RUNS", m1RunsFor(s, m1Runs)), func(clock *crmapi.ManualClock, tn Tenant, c catalogue, acct crmapi.AccountsReceivable) m1Ops {
		return &m1Store{s: s, clock: clock, tn: tn, c: c, acct: acct}
	})
}

func testNeverOverAuthoriseThroughServices(t *testing.T, s crmapi.Store) {
	var svc *service.Services
	runM1(t, s, envInt("CRMAPI_M1_SERVICE_RUNS", m1RunsFor(s, m1ServiceRuns)), func(clock *crmapi.ManualClock, tn Tenant, c catalogue, acct crmapi.AccountsReceivable) m1Ops {
		if svc == nil {
			var err error
			svc, err = service.New(service.Config{Store: s, Clock: clock, SigningKey: []byte("m1-test-signing-key-of-32-bytes!!"),
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
		}
		return &m1Service{svc: svc, tn: tn, c: c, ref: crmapi.RefID(acct.ID)}
	})
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// m1Ops is what a run does to its account.
type m1Ops interface {
	// setup prepares the account: a subscription and allowance settings.
	setup(validity time.Duration) error
	// authorise holds amount and returns the authorisation and the Diesel
	// usage it allows.
	authorise(amount crmapi.Amount) (id string, maxUsage crmapi.Quantity, err error)
	cancel(id string) error
	// complete posts Diesel usage against the authorisation.
	complete(id string, usage crmapi.Quantity) error
	// post posts one VOD rental without an authorisation.
	post() error
	// read reads the authorisation, expiring it when due.
	read(id string) error
	// sweep expires what is due, as the server's sweeper does.
	sweep() (int, error)
}

type m1Stats struct {
	samples, granted, refused, cancelled, completed, overLimit, direct, swept, expired atomic.Int64
}

// m1PerTransaction is the Diesel per-transaction limit every run sets.
var m1PerTransaction = crmapi.AmountFromInt(60)

func runM1(t *testing.T, s crmapi.Store, runs int, newOps func(*crmapi.ManualClock, Tenant, catalogue, crmapi.AccountsReceivable) m1Ops) {
	first := time.Now().UnixNano() % 1_000_000
	if v, err := strconv.ParseInt(os.Getenv("CRMAPI_M1_SEED"), 10, 64); err == nil {
		runs, first = 1, v
	}
	clock := crmapi.NewManualClock(T0)
	var stats m1Stats
	start := time.Now()
	for i := range runs {
		seed := first + int64(i)
		// A tenant per run keeps each sample to one account.
		tn := MustTenant(t, s, fmt.Sprintf("M1-%d", i))
		if err := m1Run(t, s, clock, tn, seed, &stats, newOps); err != nil {
			t.Fatalf("%s, run %d, seed %d (replay with CRMAPI_M1_SEED=%d): %v", s.Engine(), i, seed, seed, err)
		}
	}
	t.Logf("%s: %d runs from seed %d in %s, 0 violations in %d samples; %d holds granted, %d refused for funds, "+
		"%d cancelled, %d completed, %d refused over their maxima, %d posted without authorisation, %d expired (%d by the sweeper)",
		s.Engine(), runs, first, time.Since(start).Round(time.Millisecond), stats.samples.Load(), stats.granted.Load(),
		stats.refused.Load(), stats.cancelled.Load(), stats.completed.Load(), stats.overLimit.Load(), stats.direct.Load(),
		stats.expired.Load(), stats.swept.Load())
}

// m1Run makes one seeded run and returns the first violation or unexpected error.
func m1Run(tb testing.TB, s crmapi.Store, clock *crmapi.ManualClock, tn Tenant, seed int64, stats *m1Stats,
	newOps func(*crmapi.ManualClock, Tenant, catalogue, crmapi.AccountsReceivable) m1Ops) error {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(seed), 0x4d31))
	balance := crmapi.AmountFromInt(int64(100 + rng.IntN(900)))
	credit := crmapi.AmountFromInt(int64(rng.IntN(200)))
	c := mustCatalogue(tb, s, tn)
	acct := mustAccount(tb, s, tn, "ACR0000000001", balance, credit)
	ops := newOps(clock, tn, c, acct)
	if err := ops.setup(time.Duration(1+rng.IntN(10)) * time.Minute); err != nil {
		return err
	}
	check := func() error {
		var books []crmapi.Books
		err := s.View(ctx, func(tx crmapi.Tx) error {
			var err error
			books, err = tx.AccountBooks(tn.Org.ID)
			return err
		})
		if err != nil {
			return err
		}
		stats.samples.Add(1)
		for _, b := range books {
			if !b.Balanced() {
				return fmt.Errorf("books do not balance: %+v", b)
			}
			if b.OverAuthorised() {
				return fmt.Errorf("over-authorised: holds %s + usage %s > funding %s + credit %s", b.BlockedTotal, b.Usage, b.Funding, b.CreditLimit)
			}
		}
		return nil
	}

	var failed atomic.Pointer[error]
	fail := func(err error) {
		if err != nil {
			failed.CompareAndSwap(nil, &err)
		}
	}
	// Every choice is drawn before the workers start, so that a seed gives
	// the same choices whatever the scheduling.
	type plan struct {
		amount crmapi.Amount
		action int
		over   bool
		pick   int64
	}
	plans := make([]plan, m1Creates)
	maxCents := balance.Add(credit).Units() / 20 / 100
	for i := range plans {
		plans[i] = plan{amount: crmapi.AmountFromUnits(100 * (1 + rng.Int64N(maxCents))), action: rng.IntN(10),
			over: rng.IntN(8) == 0, pick: rng.Int64N(1_000_000) + 1}
	}
	steps := make([]time.Duration, 1000)
	for i := range steps {
		steps[i] = time.Duration(rng.IntN(120)) * time.Second
	}
	done := make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() { // sampler
		for {
			fail(check())
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	bg.Go(func() { // clock and sweeper
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			clock.Advance(steps[i%len(steps)])
			n, err := ops.sweep()
			fail(err)
			stats.swept.Add(int64(n))
		}
	})
	var wg sync.WaitGroup
	for _, p := range plans {
		wg.Go(func() {
			if p.action == 9 {
				err := ops.post()
				if err == nil {
					stats.direct.Add(1)
				}
				fail(expect(err, crmapi.InsufficientFunds))
				return
			}
			id, maxUsage, err := ops.authorise(p.amount)
			if err != nil {
				stats.refused.Add(1)
				fail(expect(err, crmapi.InsufficientFunds))
				return
			}
			stats.granted.Add(1)
			switch {
			case p.action < 3:
				err := ops.cancel(id)
				if err == nil {
					stats.cancelled.Add(1)
				}
				fail(expect(err, crmapi.InvalidLifeCycleState))
			case p.action < 7:
				// Within the maxima, or one unit past them.
				over := p.over || !maxUsage.IsPositive()
				usage := maxUsage.Add(crmapi.QuantityFromInt(1))
				if !over {
					usage = crmapi.QuantityFromUnits(1 + p.pick%maxUsage.Units())
				}
				err := ops.complete(id, usage)
				switch {
				case err == nil && over:
					fail(fmt.Errorf("usage %s over the maxima (%s) of %s was posted", usage, maxUsage, id))
				case err == nil:
					stats.completed.Add(1)
				case over:
					stats.overLimit.Add(1)
					fail(expect(err, crmapi.LimitExceeded, crmapi.InvalidLifeCycleState))
				default:
					fail(expect(err, crmapi.InvalidLifeCycleState))
				}
			default: // left to expire, read now and then
				fail(ops.read(id))
			}
		})
	}
	wg.Wait()
	close(done)
	bg.Wait()
	if err := failed.Load(); err != nil {
		return *err
	}
	err := s.View(ctx, func(tx crmapi.Tx) error {
		list, err := tx.ListAuthorisations(tn.Org.ID, acct.ID, 0, 2*m1Creates)
		for _, a := range list {
			if a.LifeCycleState == crmapi.AuthorisationExpired {
				stats.expired.Add(1)
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	// Let every remaining hold expire.
	clock.Advance(time.Hour)
	if _, err := ops.sweep(); err != nil {
		return err
	}
	if err := check(); err != nil {
		return err
	}
	var got crmapi.AccountsReceivable
	err = s.View(ctx, func(tx crmapi.Tx) error {
		var err error
		got, err = tx.AccountByID(tn.Org.ID, acct.ID)
		return err
	})
	if err == nil && !got.Held.IsZero() {
		err = fmt.Errorf("%s still held after every authorisation expired", got.Held)
	}
	return err
}

// expect is nil for a nil error or one of the codes, and err otherwise.
func expect(err error, codes ...crmapi.Code) error {
	if err == nil {
		return nil
	}
	for _, c := range codes {
		if crmapi.ErrorCode(err) == c {
			return nil
		}
	}
	return fmt.Errorf("unexpected error: %w", err)
}

// m1Service runs the operations through the services.
type m1Service struct {
	svc *service.Services
	tn  Tenant
	c   catalogue
	ref crmapi.Ref
}

func (m *m1Service) setup(validity time.Duration) error {
	ctx := context.Background()
	if _, err := m.svc.Accounts.CreateSubscription(ctx, m.tn.Org.ID, m.ref, ""); err != nil {
		return err
	}
	_, err := m.svc.Usage.SetAllowance(ctx, m.tn.Org.ID, service.AllowanceChange{Account: m.ref, Validity: validity,
		Limits: []service.LimitSpec{{Target: service.TargetRef{Kind: crmapi.TargetService, Ref: crmapi.RefID(m.c.Diesel.ID)},
			MaxAmountPerTransaction: &m1PerTransaction}}})
	return err
}

func (m *m1Service) authorise(amount crmapi.Amount) (string, crmapi.Quantity, error) {
	d, err := m.svc.Usage.Authorise(context.Background(), m.tn.Org.ID, service.NewAuthorisation{Account: &m.ref, Amount: amount})
	var max crmapi.Quantity
	for _, s := range d.Services {
		if s.Target == (crmapi.Target{Kind: crmapi.TargetService, ID: m.c.Diesel.ID}) {
			max = s.MaximumUsage
		}
	}
	return d.ID, max, err
}

func (m *m1Service) cancel(id string) error {
	_, err := m.svc.Usage.Cancel(context.Background(), m.tn.Org.ID, m.tn.User.ID, crmapi.RefID(id))
	return err
}

func (m *m1Service) complete(id string, usage crmapi.Quantity) error {
	ref := crmapi.RefID(id)
	_, err := m.svc.Usage.AddServiceUsage(context.Background(), m.tn.Org.ID, m.tn.User.ID, service.UsagePosting{
		Account: &m.ref, Authorisation: &ref, Lines: []service.UsageLine{{Service: crmapi.RefID(m.c.Diesel.ID), Usage: usage}}})
	return err
}

func (m *m1Service) post() error {
	_, err := m.svc.Usage.AddServiceUsage(context.Background(), m.tn.Org.ID, m.tn.User.ID, service.UsagePosting{
		Account: &m.ref, Lines: []service.UsageLine{{Service: crmapi.RefID(m.c.Movie.ID), Usage: crmapi.QuantityFromInt(1)}}})
	return err
}

func (m *m1Service) read(id string) error {
	_, err := m.svc.Usage.Authorisation(context.Background(), m.tn.Org.ID, crmapi.RefID(id))
	return err
}

func (m *m1Service) sweep() (int, error) { return m.svc.Usage.ExpireDue(context.Background(), 50) }

// m1Store runs the operations as the store steps the usage service takes,
// each operation in one transaction, without the service's reading.
type m1Store struct {
	s        crmapi.Store
	clock    *crmapi.ManualClock
	tn       Tenant
	c        catalogue
	acct     crmapi.AccountsReceivable
	validity time.Duration
}

var (
	errM1Funds   = &crmapi.Error{Code: crmapi.InsufficientFunds}
	errM1State   = &crmapi.Error{Code: crmapi.InvalidLifeCycleState}
	errM1Limit   = &crmapi.Error{Code: crmapi.LimitExceeded}
	m1DieselRate = crmapi.MustAmount("1.5")
	m1MovieRate  = crmapi.MustAmount("4.99")
)

func (m *m1Store) setup(validity time.Duration) error {
	m.validity = validity
	return nil
}

func (m *m1Store) expireAccount(tx crmapi.Tx, now time.Time) error {
	_, err := tx.EndAuthorisations(crmapi.AuthorisationsDue{OrganisationID: m.tn.Org.ID, AccountID: m.acct.ID, By: now, Limit: 1000},
		crmapi.AuthorisationEnd{State: crmapi.AuthorisationExpired, At: now})
	return err
}

func (m *m1Store) authorise(amount crmapi.Amount) (string, crmapi.Quantity, error) {
	org := m.tn.Org.ID
	a := crmapi.UsageAuthorisation{ID: crmapi.NewID(), OrganisationID: org, AccountID: m.acct.ID, Amount: amount,
		LifeCycleState: crmapi.AuthorisationBlocked}
	maxAmount := amount.Min(m1PerTransaction)
	maxUsage := crmapi.QuantityFromInt(m1DieselRate.QuantityWithin(maxAmount))
	a.Services = []crmapi.AuthorisationService{{ID: crmapi.NewID(), Target: crmapi.Target{Kind: crmapi.TargetService, ID: m.c.Diesel.ID},
		MaximumAmount: maxAmount, MaximumUsage: maxUsage}}
	err := m.s.Update(context.Background(), func(tx crmapi.Tx) error {
		now := m.clock.Now()
		if err := m.expireAccount(tx, now); err != nil {
			return err
		}
		ok, err := tx.HoldFunds(org, m.acct.ID, amount)
		if err == nil && !ok {
			err = errM1Funds
		}
		if err != nil {
			return err
		}
		seq, err := tx.NextNumber(org, "UA")
		if err != nil {
			return err
		}
		a.Number, a.AuthorisedAt, a.ExpiresAt = crmapi.FormatNumber("UA", seq), now, now.Add(m.validity)
		return tx.CreateAuthorisation(a)
	})
	return a.ID, maxUsage, err
}

// end ends a BLOCKED authorisation that is not yet due.
func (m *m1Store) end(tx crmapi.Tx, id string, e crmapi.AuthorisationEnd) error {
	a, err := tx.AuthorisationByID(m.tn.Org.ID, id)
	if err != nil {
		return err
	}
	if a.Due(e.At) {
		return errM1State
	}
	e.OrganisationID, e.ID = m.tn.Org.ID, id
	ok, err := tx.EndAuthorisation(e)
	if err == nil && !ok {
		err = errM1State
	}
	return err
}

func (m *m1Store) cancel(id string) error {
	return m.s.Update(context.Background(), func(tx crmapi.Tx) error {
		return m.end(tx, id, crmapi.AuthorisationEnd{State: crmapi.AuthorisationCancelled, At: m.clock.Now(), UserID: m.tn.User.ID})
	})
}

func (m *m1Store) complete(id string, usage crmapi.Quantity) error {
	return m.s.Update(context.Background(), func(tx crmapi.Tx) error {
		a, err := tx.AuthorisationByID(m.tn.Org.ID, id)
		if err != nil {
			return err
		}
		amount, err := crmapi.Rate(m1DieselRate, usage, "EUR")
		if err != nil {
			return err
		}
		if usage.Cmp(a.Services[0].MaximumUsage) > 0 || amount.Cmp(a.Services[0].MaximumAmount) > 0 {
			return errM1Limit
		}
		now := m.clock.Now()
		if err := m.end(tx, id, crmapi.AuthorisationEnd{State: crmapi.AuthorisationCompleted, At: now, ActionID: "M1", UsedAmount: amount}); err != nil {
			return err
		}
		if amount.IsZero() {
			return nil
		}
		return tx.AddEntry(crmapi.LedgerEntry{ID: crmapi.NewID(), OrganisationID: m.tn.Org.ID, AccountID: m.acct.ID,
			Kind: crmapi.EntryUsage, Amount: amount.Neg(), ActionID: "M1", CreatedAt: now})
	})
}

func (m *m1Store) post() error {
	return m.s.Update(context.Background(), func(tx crmapi.Tx) error {
		now := m.clock.Now()
		if err := m.expireAccount(tx, now); err != nil {
			return err
		}
		ok, err := tx.DebitAvailable(crmapi.LedgerEntry{ID: crmapi.NewID(), OrganisationID: m.tn.Org.ID, AccountID: m.acct.ID,
			Kind: crmapi.EntryUsage, Amount: m1MovieRate.Neg(), ActionID: "M1", CreatedAt: now})
		if err == nil && !ok {
			err = errM1Funds
		}
		return err
	})
}

func (m *m1Store) read(id string) error {
	var due bool
	err := m.s.View(context.Background(), func(tx crmapi.Tx) error {
		a, err := tx.AuthorisationByID(m.tn.Org.ID, id)
		due = a.Due(m.clock.Now())
		return err
	})
	if err != nil || !due {
		return err
	}
	return m.s.Update(context.Background(), func(tx crmapi.Tx) error {
		_, err := tx.EndAuthorisation(crmapi.AuthorisationEnd{OrganisationID: m.tn.Org.ID, ID: id,
			State: crmapi.AuthorisationExpired, At: m.clock.Now()})
		return err
	})
}

func (m *m1Store) sweep() (int, error) {
	var n int
	err := m.s.Update(context.Background(), func(tx crmapi.Tx) error {
		now := m.clock.Now()
		ended, err := tx.EndAuthorisations(crmapi.AuthorisationsDue{By: now, Limit: 50},
			crmapi.AuthorisationEnd{State: crmapi.AuthorisationExpired, At: now})
		n = len(ended)
		return err
	})
	return n, err
}
