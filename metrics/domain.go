package metrics

import (
	"context"
	"strconv"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	holdsDesc = prometheus.NewDesc("crmapi_usage_holds_blocked",
		"BLOCKED usage authorisations: holds on customers' money awaiting usage, by organisation.",
		[]string{"organisation"}, nil)
	holdsAmountDesc = prometheus.NewDesc("crmapi_usage_holds_blocked_amount",
		"Money held by BLOCKED usage authorisations, in the currency's units, by organisation and currency (a currency appears with its first hold).",
		[]string{"organisation", "currency"}, nil)
	backlogDesc = prometheus.NewDesc("crmapi_netflix_charges_unacknowledged",
		"Netflix charges waiting to be acknowledged, by organisation and list of netflix/charges/list (charge_status PROCESSED or NOT_PROCESSED): the acknowledgement backlog.",
		[]string{"organisation", "charge_status"}, nil)
	oldestDesc = prometheus.NewDesc("crmapi_netflix_charge_oldest_unacknowledged_age_seconds",
		"Age of the oldest Netflix charge waiting to be acknowledged (since it was received), by organisation and list; 0 when none waits.",
		[]string{"organisation", "charge_status"}, nil)
	attentionDesc = prometheus.NewDesc("crmapi_netflix_subscriptions_needing_attention",
		"Netflix subscriptions whose partner work stopped and needs someone (admin/netflix/attention/list), by organisation.",
		[]string{"organisation"}, nil)
	expiredDesc = prometheus.NewDesc("crmapi_usage_holds_expired_total",
		"Usage authorisations this process moved to EXPIRED (their holds released), by organisation: rate() of it is holds expired per second.",
		[]string{"organisation"}, nil)
	deliveriesDesc = prometheus.NewDesc("crmapi_webhook_deliveries",
		"Webhook deliveries PENDING (being retried) or FAILED (given up after the retry window), by organisation.",
		[]string{"organisation", "state"}, nil)
)

// domainCollector reads the figures operators watch, for every
// organisation, in one read-only transaction.
type domainCollector struct {
	store   crmapi.Store
	clock   crmapi.Clock
	names   *orgNames
	expired *tally
	cache   cache
	failed  func(error)
	// heldIn are the organisation/currency pairs that have held money
	// since start: reported as 0 once released, rather than vanishing.
	heldIn map[[2]string]bool
}

func newDomainCollector(store crmapi.Store, clock crmapi.Clock, names *orgNames, expired *tally, ttl time.Duration, failed func(error)) *domainCollector {
	if clock == nil {
		clock = crmapi.SystemClock{}
	}
	return &domainCollector{store: store, clock: clock, names: names, expired: expired, cache: cache{ttl: ttl}, failed: failed,
		heldIn: map[[2]string]bool{}}
}

func (c *domainCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{holdsDesc, holdsAmountDesc, expiredDesc, backlogDesc, oldestDesc, attentionDesc, deliveriesDesc} {
		ch <- d
	}
}

func (c *domainCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c.cache.get(c.read) {
		ch <- m
	}
	// The counter is current, not cached; every organisation known
	// starts at 0, so that increase() sees its first expiry.
	names := map[string]bool{}
	for _, n := range append(c.names.all(), c.expired.names()...) {
		names[n] = true
	}
	for n := range names {
		ch <- prometheus.MustNewConstMetric(expiredDesc, prometheus.CounterValue, c.expired.get(n), n)
	}
}

// figures is one read of the store.
type figures struct {
	orgs       []crmapi.Organisation
	holds      []crmapi.HoldFigure
	deliveries []crmapi.DeliveryFigure
	backlogs   []crmapi.ChargeBacklog
	attention  []crmapi.AttentionFigure
}

func (c *domainCollector) read() []prometheus.Metric {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var f figures
	err := c.store.View(ctx, func(tx crmapi.Tx) error {
		var err error
		if f.orgs, err = tx.ListOrganisations(); err != nil {
			return err
		}
		if f.holds, err = tx.HoldFigures(); err != nil {
			return err
		}
		if f.deliveries, err = tx.DeliveryFigures(); err != nil {
			return err
		}
		if f.backlogs, err = tx.ChargeBacklogs(); err != nil {
			return err
		}
		f.attention, err = tx.AttentionFigures()
		return err
	})
	if err != nil {
		c.failed(err)
		return nil
	}
	c.names.set(f.orgs)
	return c.metrics(f)
}

// metrics turns figures into samples. Every organisation gets a sample of
// each family, 0 when it has nothing, so that alerts and graphs see a
// backlog drain to 0 instead of disappearing.
func (c *domainCollector) metrics(f figures) []prometheus.Metric {
	var out []prometheus.Metric
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	byID := map[string]crmapi.Organisation{}
	for _, o := range f.orgs {
		byID[o.ID] = o
	}
	held := map[[2]string]crmapi.HoldFigure{}
	holds := map[string]int64{}
	for _, h := range f.holds {
		key := [2]string{h.OrganisationID, h.Currency}
		held[key], c.heldIn[key] = h, true
		holds[h.OrganisationID] += h.Count
	}
	for key := range c.heldIn {
		if o, ok := byID[key[0]]; ok {
			gauge(holdsAmountDesc, amountValue(held[key].Amount), o.Name, key[1])
		}
	}
	type orgList struct {
		org       string
		processed bool
	}
	backlog := map[orgList]crmapi.ChargeBacklog{}
	for _, b := range f.backlogs {
		backlog[orgList{b.OrganisationID, b.Processed}] = b
	}
	attention := map[string]int64{}
	for _, a := range f.attention {
		attention[a.OrganisationID] = a.Count
	}
	deliveries := map[[2]string]int64{}
	for _, d := range f.deliveries {
		deliveries[[2]string{d.OrganisationID, string(d.State)}] = d.Count
	}
	for _, o := range f.orgs {
		now := o.Now(c.clock)
		for _, processed := range []bool{true, false} {
			status := "NOT_PROCESSED"
			if processed {
				status = "PROCESSED"
			}
			b := backlog[orgList{o.ID, processed}]
			age := 0.0
			if b.Count > 0 {
				age = max(now.Sub(b.OldestReceivedOn).Seconds(), 0)
			}
			gauge(backlogDesc, float64(b.Count), o.Name, status)
			gauge(oldestDesc, age, o.Name, status)
		}
		gauge(holdsDesc, float64(holds[o.ID]), o.Name)
		gauge(attentionDesc, float64(attention[o.ID]), o.Name)
		for _, state := range []crmapi.DeliveryState{crmapi.DeliveryPending, crmapi.DeliveryFailed} {
			gauge(deliveriesDesc, float64(deliveries[[2]string{o.ID, string(state)}]), o.Name, string(state))
		}
	}
	return out
}

// amountValue is an amount as a Prometheus sample. Samples are float64;
// the figure is for graphs and alerts, never for money arithmetic.
func amountValue(a crmapi.Amount) float64 {
	v, _ := strconv.ParseFloat(a.String(), 64)
	return v
}
