package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/crmapi/crmapi"
)

// seedPlan is how much crmapid seed writes. Scale 1 is the growth target
// of docs/performance.md: 100,000 accounts, 10 million authorisations, a
// million Netflix subscriptions.
type seedPlan struct {
	Accounts       int
	Authorisations int
	Netflix        int
	// Charges are Netflix charges; Unacknowledged of them (the newest)
	// wait for the operator, the others are acknowledged history.
	Charges        int
	Unacknowledged int
}

func planForScale(scale float64) seedPlan {
	n := func(full float64) int { return int(math.Round(full * scale)) }
	return seedPlan{Accounts: max(n(100_000), 1), Authorisations: n(10_000_000), Netflix: n(1_000_000),
		Charges: n(2_000_000), Unacknowledged: n(100_000)}
}

func cmdSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c Config
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.bind(fs)
	scale := fs.Float64("scale", 1, "fraction of the full data set (1: 100,000 accounts, 10,000,000 authorisations, 1,000,000 Netflix subscriptions, 2,000,000 charges)")
	charges := fs.Int("unacknowledged-charges", -1, "unacknowledged PROCESSED charges to add (default: 100,000 × scale)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scale <= 0 {
		return errors.New("seed: --scale must be positive")
	}
	plan := planForScale(*scale)
	if *charges >= 0 {
		plan.Unacknowledged = *charges
		plan.Charges = max(plan.Charges, *charges)
	}
	mg, err := openManaged(ctx, c)
	if err != nil {
		return err
	}
	defer mg.close()
	start := time.Now()
	if err := seedDatabase(ctx, mg, plan, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %s in %s: %d accounts, %d authorisations, %d Netflix subscriptions, %d charges (%d unacknowledged)\n",
		mg.store.Engine(), time.Since(start).Round(time.Second), plan.Accounts, plan.Authorisations, plan.Netflix, plan.Charges, plan.Unacknowledged)
	return nil
}

// seedDatabase writes plan into the demo organisation (made first, as
// serve --demo makes it, so that the demo users log in to the data). The
// rows go straight through the store's own insert statements in large
// transactions, bypassing the services' one-change-per-transaction path
// that the benchmark measures; the books stay balanced (crmapid accounts
// check), so the seeded database is one the server could have written.
func seedDatabase(ctx context.Context, mg *managed, plan seedPlan, progress io.Writer) error {
	m := &Main{Config: mg.cfg, Store: mg.store, Services: mg.svc, Out: io.Discard}
	if err := m.loadDemo(ctx); err != nil {
		return err
	}
	org, err := mg.svc.Auth.Organisation(ctx, demoOrganisation)
	if err != nil {
		return err
	}
	cat, err := mg.svc.Usage.Catalogue(ctx, org.ID)
	if err != nil {
		return err
	}
	s := &seeder{store: mg.store, org: org, services: cat.ServiceList(), progress: progress, now: time.Now().UTC().Truncate(time.Microsecond)}
	if len(s.services) < 3 {
		return errors.New("seed: the demo catalogue has fewer than three usage services")
	}
	if plan.Accounts == 0 {
		return s.netflix(ctx, plan)
	}
	if err := s.accounts(ctx, plan); err != nil {
		return err
	}
	if err := s.netflix(ctx, plan); err != nil {
		return err
	}
	return nil
}

// seeder writes one organisation's data in batches.
type seeder struct {
	store    crmapi.Store
	org      crmapi.Organisation
	services []crmapi.UsageService
	progress io.Writer
	now      time.Time
}

// seedBatch is how many rows of the main kind one transaction writes.
const seedBatch = 20_000

// report prints progress once a second at most.
type report struct {
	w     io.Writer
	what  string
	total int
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, what string, total int) *report {
	return &report{w: w, what: what, total: total, start: time.Now()}
}

func (r *report) done(n int, force bool) {
	if !force && time.Since(r.last) < time.Second {
		return
	}
	r.last = time.Now()
	el := time.Since(r.start).Seconds()
	fmt.Fprintf(r.w, "  %s: %d/%d (%.0f%%), %.0f/s\n", r.what, n, r.total, 100*float64(n)/math.Max(float64(r.total), 1), float64(n)/math.Max(el, 0.001))
}

// reserve takes n numbers of a series at once.
func reserve(tx crmapi.Tx, orgID, series string, n int) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	last, err := tx.ReserveNumbers(orgID, series, int64(n))
	return last - int64(n) + 1, err
}

// accounts writes the accounts, each with its owner, an opening payment,
// a usage subscription, and its share of the authorisations: all but the
// newest ended (EXPIRED), the newest BLOCKED and holding money.
func (s *seeder) accounts(ctx context.Context, plan seedPlan) error {
	perAccount := plan.Authorisations / plan.Accounts
	extra := plan.Authorisations % plan.Accounts
	rep := newProgress(s.progress, "authorisations", plan.Authorisations)
	written := 0
	// Accounts per transaction so that each writes about seedBatch authorisations.
	step := max(1, seedBatch/max(perAccount+1, 1))
	for first := 0; first < plan.Accounts; first += step {
		last := min(first+step, plan.Accounts)
		err := s.store.Update(ctx, func(tx crmapi.Tx) error {
			n := 0
			for i := first; i < last; i++ {
				n += perAccount
				if i < extra {
					n++
				}
			}
			acr, err := reserve(tx, s.org.ID, "ACR", last-first)
			if err != nil {
				return err
			}
			sub, err := reserve(tx, s.org.ID, "SUB", last-first)
			if err != nil {
				return err
			}
			ua, err := reserve(tx, s.org.ID, "UA", n)
			if err != nil {
				return err
			}
			for i := first; i < last; i++ {
				k := perAccount
				if i < extra {
					k++
				}
				if err := s.account(tx, i, acr+int64(i-first), sub+int64(i-first), ua, k); err != nil {
					return err
				}
				ua += int64(k)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed accounts: %w", err)
		}
		for i := first; i < last; i++ {
			written += perAccount
			if i < extra {
				written++
			}
		}
		rep.done(written, false)
	}
	rep.done(written, true)
	return nil
}

func (s *seeder) account(tx crmapi.Tx, i int, acrNo, subNo, uaFirst int64, auths int) error {
	o := s.org.ID
	created := s.now.Add(-time.Duration(auths+1) * time.Hour)
	c := crmapi.Contact{ID: crmapi.NewID(), OrganisationID: o, Type: crmapi.ContactPerson, FirstName: "Seed",
		LastName: fmt.Sprintf("Customer %d", i), LifeCycleState: "FINANCIAL", CreatedAt: created}
	if err := tx.CreateContact(c); err != nil {
		return err
	}
	number := crmapi.FormatNumber("ACR", acrNo)
	a := crmapi.AccountsReceivable{ID: crmapi.NewID(), OrganisationID: o, Number: number, Name: number, OwnerID: c.ID,
		Currency: "EUR", CreditLimit: crmapi.MustAmount("100"), LifeCycleState: crmapi.AccountActive, CreatedAt: created}
	if err := tx.CreateAccount(a); err != nil {
		return err
	}
	if err := tx.AddEntry(crmapi.LedgerEntry{ID: crmapi.NewID(), OrganisationID: o, AccountID: a.ID, Kind: crmapi.EntryPayment,
		Amount: crmapi.MustAmount("1000"), Reference: "SEED", Description: "Seed opening payment", CreatedAt: created}); err != nil {
		return err
	}
	sub := crmapi.Subscription{ID: crmapi.NewID(), OrganisationID: o, Number: crmapi.FormatNumber("SUB", subNo), AccountID: a.ID,
		Kind: crmapi.SubscriptionKindUsage, LifeCycleState: crmapi.SubscriptionEffective, CreatedAt: created}
	if err := tx.CreateSubscription(sub); err != nil {
		return err
	}
	amount := crmapi.MustAmount("20")
	for k := range auths {
		at := created.Add(time.Duration(k+1) * time.Hour)
		ua := crmapi.UsageAuthorisation{ID: crmapi.NewID(), OrganisationID: o, Number: crmapi.FormatNumber("UA", uaFirst+int64(k)),
			AccountID: a.ID, SubscriptionID: sub.ID, Amount: amount, AuthorisedAt: at}
		if k == auths-1 {
			// The newest holds money until tomorrow.
			ok, err := tx.HoldFunds(o, a.ID, amount)
			if err != nil || !ok {
				return fmt.Errorf("seed hold: %v %w", ok, err)
			}
			ua.LifeCycleState, ua.ExpiresAt = crmapi.AuthorisationBlocked, s.now.Add(24*time.Hour)
		} else {
			end := at.Add(30 * time.Minute)
			ua.LifeCycleState, ua.ExpiresAt, ua.ExpiredAt = crmapi.AuthorisationExpired, end, &end
		}
		// Three services, as the seed example has: two by the litre with
		// their own limits, one VOD title.
		for j := range 3 {
			svc := s.services[j]
			ua.Services = append(ua.Services, crmapi.AuthorisationService{ID: crmapi.NewID(),
				Target:        crmapi.Target{Kind: crmapi.TargetService, ID: svc.ID},
				MaximumAmount: amount, MaximumUsage: crmapi.QuantityFromInt(svc.UnitRate.QuantityWithin(amount))})
		}
		if err := tx.CreateAuthorisation(ua); err != nil {
			return err
		}
	}
	return nil
}

// netflix writes Netflix subscriptions and their monthly charges. They are
// history as far as the partner goes (TERMINATED, CANCELLED): the partner
// emulator keeps its accounts in memory and cannot know accounts written
// straight into the database, so live subscriptions are left to the
// workloads, which create them through the API. The newest
// plan.Unacknowledged charges are PROCESSED (APPROVED) and not yet
// acknowledged, for netflix/charges/list + acknowledge.
func (s *seeder) netflix(ctx context.Context, plan seedPlan) error {
	if plan.Netflix == 0 && plan.Charges == 0 {
		return nil
	}
	subs := max(plan.Netflix, 1)
	perSub := plan.Charges / subs
	extra := plan.Charges % subs
	rep := newProgress(s.progress, "Netflix subscriptions", subs)
	chargeNo := 0
	step := max(1, seedBatch/max(perSub+1, 1))
	for first := 0; first < subs; first += step {
		last := min(first+step, subs)
		err := s.store.Update(ctx, func(tx crmapi.Tx) error {
			n := 0
			for i := first; i < last; i++ {
				n += perSub
				if i < extra {
					n++
				}
			}
			ns, err := reserve(tx, s.org.ID, "NS", last-first)
			if err != nil {
				return err
			}
			nc, err := reserve(tx, s.org.ID, "NC", n)
			if err != nil {
				return err
			}
			no := chargeNo
			for i := first; i < last; i++ {
				k := perSub
				if i < extra {
					k++
				}
				if err := s.netflixSubscription(tx, i, ns+int64(i-first), nc, no, k, plan); err != nil {
					return err
				}
				nc += int64(k)
				no += k
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed Netflix: %w", err)
		}
		for i := first; i < last; i++ {
			chargeNo += perSub
			if i < extra {
				chargeNo++
			}
		}
		rep.done(last, false)
	}
	rep.done(subs, true)
	return nil
}

func (s *seeder) netflixSubscription(tx crmapi.Tx, i int, nsNo, ncFirst int64, chargeNo, charges int, plan seedPlan) error {
	o := s.org.ID
	created := s.now.AddDate(0, -charges-1, 0)
	customer := fmt.Sprintf("SEED-CUST-%07d", i)
	pai := fmt.Sprintf("seed-pai-%07d", i)
	cancelled := s.now.Add(-time.Hour)
	v := crmapi.NetflixSubscription{ID: crmapi.NewID(), OrganisationID: o, Number: crmapi.FormatNumber("NS", nsNo), CustomerID: customer,
		PAI: pai, LifeCycleState: crmapi.NetflixCancelled, PartnerState: crmapi.PartnerTerminated, Channel: "WEB",
		ValiditySeconds: 3600, Customer: crmapi.NetflixCustomer{FirstName: "Seed", LastName: fmt.Sprintf("Customer %d", i)},
		SignupDelivered: true, ActivatedAt: &created, CancelledAt: &cancelled, CreatedAt: created, UpdatedAt: cancelled, PolledAt: &cancelled}
	if err := tx.CreateNetflixSubscription(v); err != nil {
		return err
	}
	for k := range charges {
		period := created.AddDate(0, k, 0)
		processed := period.Add(time.Hour)
		c := crmapi.NetflixCharge{ID: crmapi.NewID(), OrganisationID: o, Number: crmapi.FormatNumber("NC", ncFirst+int64(k)),
			Ordinal: ncFirst + int64(k), PartnerChargeID: fmt.Sprintf("seed-ch-%s-%d", pai, k), FeedSequence: int64(chargeNo + k + 1),
			SubscriptionID: v.ID, CustomerID: customer, PAI: pai, Amount: crmapi.MustAmount("9.99"), Currency: "EUR",
			LocalAmount: crmapi.MustAmount("9.99"), LocalCurrency: "EUR", PeriodStart: period, PaidThroughDate: period.AddDate(0, 1, 0),
			Status: crmapi.ChargeApproved, ReceivedOn: period, ProcessedOn: &processed, CreatedAt: period}
		// The last plan.Unacknowledged charges written wait for the
		// operator; the others were acknowledged without a reference
		// number, so that no reference needs recording for them.
		if chargeNo+k < plan.Charges-plan.Unacknowledged {
			c.PendingAckAt, c.ProcessedAckAt = &period, &processed
		}
		if err := tx.CreateNetflixCharge(c); err != nil {
			return err
		}
	}
	return nil
}
