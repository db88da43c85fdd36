package metrics_test

import (
	"context"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/jobs"
	"github.com/crmapi/crmapi/metrics"
	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/service"
	"github.com/crmapi/crmapi/storetest"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/riverqueue/river"
)

// samples gathers reg into "name{label=value,…}" → value.
func samples(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(labels)
			key := f.GetName() + "{" + strings.Join(labels, ",") + "}"
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out[key] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

func want(t *testing.T, got map[string]float64, key string, value float64) {
	t.Helper()
	v, ok := got[key]
	if !ok {
		var keys []string
		prefix, _, _ := strings.Cut(key, "{")
		for k := range got {
			if strings.HasPrefix(k, prefix) {
				keys = append(keys, k)
			}
		}
		t.Fatalf("no sample %s; have %v", key, keys)
	}
	if v != value {
		t.Fatalf("%s = %v, want %v", key, v, value)
	}
}

type setup struct {
	store crmapi.Store
	svc   *service.Services
	clock *crmapi.ManualClock
	org   crmapi.Organisation
	reg   *prometheus.Registry
	m     *metrics.Metrics
}

func newSetup(t *testing.T, store crmapi.Store) *setup {
	t.Helper()
	ctx := context.Background()
	clock := crmapi.NewManualClock(storetest.T0)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := service.New(service.Config{Store: store, Clock: clock, SigningKey: []byte("0123456789abcdef0123456789abcdef"), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Auth.Bootstrap(ctx, service.Bootstrap{Organisation: "ACME", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	// The job queue's tables, and a job waiting in them.
	workers := river.NewWorkers()
	svc.Jobs(workers)
	q, err := jobs.Open(ctx, store, jobs.Config{Workers: workers, InsertOnly: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Insert(ctx, service.ExpireHoldsArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, log)
	svc.Events.Observe(m.ObserveEvent)
	if err := m.WatchStore(store, clock, time.Nanosecond); err != nil {
		t.Fatal(err)
	}
	return &setup{store: store, svc: svc, clock: clock, org: res.Organisation, reg: reg, m: m}
}

// account opens a funded EUR account with one subscription and a usage
// service to authorise for.
func (s *setup) account(t *testing.T) crmapi.Ref {
	t.Helper()
	ctx, org := context.Background(), s.org.ID
	u := s.svc.Usage
	udr, err := u.CreateUDRType(ctx, org, crmapi.UDRType{Name: "Litres"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.CreateProductType(ctx, org, service.NewProductType{Name: "Fuel", UDRType: crmapi.RefID(udr.ID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.CreateUsageService(ctx, org, service.NewUsageService{Code: "Diesel", ProductType: crmapi.Ref{Field: "name", Value: "Fuel"},
		UnitRate: crmapi.MustAmount("1.5")}); err != nil {
		t.Fatal(err)
	}
	c, err := s.svc.Accounts.CreateContact(ctx, org, service.NewContact{Type: crmapi.ContactPerson, LastName: "Doe"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.svc.Accounts.CreateAccount(ctx, org, service.NewAccount{OwnerID: c.ID, Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	ref := crmapi.RefID(a.ID)
	if _, err := s.svc.Accounts.CreateSubscription(ctx, org, ref, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.svc.Accounts.Fund(ctx, org, service.Funding{Account: ref, Kind: crmapi.EntryPayment, Amount: crmapi.MustAmount("100")}); err != nil {
		t.Fatal(err)
	}
	return ref
}

// Every family is exposed, and the figures move with what happens.
func TestMetricsMove(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		ctx := context.Background()
		s := newSetup(t, open(t))
		engine := s.store.Engine()
		got := samples(t, s.reg)
		want(t, got, "crmapi_database_up{engine="+engine+"}", 1)
		if _, ok := got["crmapi_database_ping_seconds{engine="+engine+"}"]; !ok {
			t.Fatal("no ping latency")
		}
		if engine == "sqlite" {
			want(t, got, "crmapi_database_write_queue_depth{}", 0)
			want(t, got, "crmapi_database_connections{pool=writer,state=max}", 1)
		} else {
			if got["crmapi_database_connections{pool=postgres,state=max}"] < 1 {
				t.Fatalf("pool size: %v", got)
			}
		}
		want(t, got, "crmapi_jobs{kind=expire_holds,state=available}", 1)
		want(t, got, "crmapi_jobs{kind=expire_holds,state=discarded}", 0)
		for _, status := range []string{"PROCESSED", "NOT_PROCESSED"} {
			want(t, got, "crmapi_netflix_charges_unacknowledged{charge_status="+status+",organisation=ACME}", 0)
			want(t, got, "crmapi_netflix_charge_oldest_unacknowledged_age_seconds{charge_status="+status+",organisation=ACME}", 0)
		}
		want(t, got, "crmapi_netflix_subscriptions_needing_attention{organisation=ACME}", 0)
		want(t, got, "crmapi_webhook_deliveries{organisation=ACME,state=FAILED}", 0)
		want(t, got, "crmapi_webhook_deliveries{organisation=ACME,state=PENDING}", 0)
		want(t, got, "crmapi_usage_holds_expired_total{organisation=ACME}", 0)
		want(t, got, "crmapi_usage_holds_blocked{organisation=ACME}", 0)
		want(t, got, "crmapi_events_total{type=netflix.charge.received}", 0)
		want(t, got, "crmapi_metrics_collect_errors_total{collector=domain}", 0)

		// A hold: BLOCKED 1 and its amount; a webhook delivery pending.
		acct := s.account(t)
		if _, err := s.svc.Webhooks.CreateEndpoint(ctx, s.org.ID, service.NewEndpoint{URL: "https://hooks.example.com/x"}); err != nil {
			t.Fatal(err)
		}
		a, err := s.svc.Usage.Authorise(ctx, s.org.ID, service.NewAuthorisation{Account: &acct, Amount: crmapi.MustAmount("50.5")})
		if err != nil {
			t.Fatal(err)
		}
		got = samples(t, s.reg)
		want(t, got, "crmapi_usage_holds_blocked{organisation=ACME}", 1)
		want(t, got, "crmapi_usage_holds_blocked_amount{currency=EUR,organisation=ACME}", 50.5)
		want(t, got, "crmapi_events_total{type=usage_authorisation.created}", 1)
		want(t, got, "crmapi_webhook_deliveries{organisation=ACME,state=PENDING}", 1)

		// It expires: BLOCKED back to 0 (not gone), one more expired.
		s.clock.Advance(25 * time.Hour)
		if _, err := s.svc.Usage.Authorisation(ctx, s.org.ID, crmapi.RefID(a.ID)); err != nil {
			t.Fatal(err)
		}
		got = samples(t, s.reg)
		want(t, got, "crmapi_usage_holds_blocked{organisation=ACME}", 0)
		want(t, got, "crmapi_usage_holds_blocked_amount{currency=EUR,organisation=ACME}", 0)
		want(t, got, "crmapi_usage_holds_expired_total{organisation=ACME}", 1)
		want(t, got, "crmapi_events_total{type=usage_authorisation.expired}", 1)

		// Netflix: a processed charge received an hour ago waits; a subscription needs attention.
		tn := storetest.Tenant{Org: s.org}
		sub := storetest.MustNetflixSubscription(t, s.store, tn, "cust-1", "PAI1")
		ch := storetest.MustNetflixCharge(t, s.store, sub, crmapi.ChargeApproved)
		sub.Attention, sub.AttentionReason = true, "partner refused"
		if err := s.store.Update(ctx, func(tx crmapi.Tx) error { return tx.UpdateNetflixSubscription(sub) }); err != nil {
			t.Fatal(err)
		}
		got = samples(t, s.reg)
		want(t, got, "crmapi_netflix_charges_unacknowledged{charge_status=PROCESSED,organisation=ACME}", 1)
		want(t, got, "crmapi_netflix_charge_oldest_unacknowledged_age_seconds{charge_status=PROCESSED,organisation=ACME}",
			s.clock.Now().Sub(ch.ReceivedOn).Seconds())
		want(t, got, "crmapi_netflix_subscriptions_needing_attention{organisation=ACME}", 1)
	})
}

// The partner metrics count every attempt by operation and outcome, and
// show the breaker's state.
func TestPartnerMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, nil)
	obs := m.PartnerObserver()
	obs.ObserveAttempt("create_signup", 30*time.Millisecond, "OK")
	obs.ObserveAttempt("create_signup", 2*time.Second, partner.CodeTimeout)
	obs.ObserveAttempt("read_charges", 0, partner.CodeCircuitOpen)
	obs.ObserveAttempt("read_charges", time.Millisecond, "SOMETHING_NEW")
	cl := partner.NewClient(partner.ClientConfig{BaseURL: "http://127.0.0.1:1", MaxAttempts: 1, Observer: obs,
		Breaker: partner.BreakerConfig{FailureThreshold: 1, OpenFor: time.Hour}})
	if err := m.WatchPartner(cl); err != nil {
		t.Fatal(err)
	}
	got := samples(t, reg)
	want(t, got, "crmapi_partner_requests_total{code=OK,operation=create_signup}", 1)
	want(t, got, "crmapi_partner_requests_total{code=TIMEOUT,operation=create_signup}", 1)
	want(t, got, "crmapi_partner_requests_total{code=CIRCUIT_OPEN,operation=read_charges}", 1)
	want(t, got, "crmapi_partner_requests_total{code=OTHER,operation=read_charges}", 1)
	want(t, got, "crmapi_partner_request_duration_seconds{operation=create_signup}", 2)
	want(t, got, "crmapi_partner_request_duration_seconds{operation=read_charges}", 1)
	want(t, got, "crmapi_partner_circuit_state{state=CLOSED}", 1)
	cl.ListPrices(context.Background(), "op", "", "") // nobody listens: the breaker opens
	got = samples(t, reg)
	want(t, got, "crmapi_partner_circuit_state{state=OPEN}", 1)
	want(t, got, "crmapi_partner_circuit_state{state=CLOSED}", 0)
	want(t, got, "crmapi_partner_requests_total{code=NETWORK_ERROR,operation=list_prices}", 1)
}

// Scrapes within the cache period read the database once.
func TestFiguresAreCached(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{Store: testdb.SQLite(t)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := service.New(service.Config{Store: store, SigningKey: []byte("0123456789abcdef0123456789abcdef"), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Auth.Bootstrap(ctx, service.Bootstrap{Organisation: "ACME", Password: "long enough password"}); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	if err := metrics.New(reg, log).WatchStore(store, nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	before := store.views
	for range 20 {
		samples(t, reg)
	}
	if n := store.views - before; n != 1 {
		t.Fatalf("20 scrapes read the figures %d times", n)
	}
}

type countingStore struct {
	crmapi.Store
	views int
}

func (c *countingStore) View(ctx context.Context, fn func(crmapi.Tx) error) error {
	c.views++
	return c.Store.View(ctx, fn)
}
