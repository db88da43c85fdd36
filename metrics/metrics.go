// Package metrics puts what operators watch of a crmapid into its
// Prometheus registry: the database's health and pools, the job queue, the
// Netflix partner's calls and circuit breaker, committed events, and the
// domain figures (BLOCKED holds and their amount, holds expired, the
// Netflix acknowledgement backlog and its oldest charge, subscriptions
// needing attention, webhook deliveries PENDING and FAILED).
//
// Figures that need the database are read when Prometheus scrapes, at
// most once per cache period (10 s by default), so that however often and
// from however many scrapers /metrics is fetched, the database sees one
// round of cheap, indexed queries per period. Counters are fed by hooks as
// things happen: the partner client's Observer and the event service's
// Observe. docs/metrics.md lists every metric.
//
// The package converts amounts to float64 only here, at the edge, because
// Prometheus samples are floats; nothing computed from them flows back.
package metrics

import (
	"log/slog"
	"sync"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultCacheFor is how long figures read from the database are served
// before a scrape reads them again.
const DefaultCacheFor = 10 * time.Second

// Metrics are crmapid's metrics beyond the HTTP layer's (httpapi.Metrics).
type Metrics struct {
	reg prometheus.Registerer
	log *slog.Logger

	events      *prometheus.CounterVec
	collectErrs *prometheus.CounterVec
	partner     *partnerMetrics
	// expired counts the holds expired per organisation name; the domain
	// collector reports it, with a 0 for every organisation it knows.
	expired *tally

	// names maps organisation ids to names for labels; the domain
	// collector refreshes it, and a miss falls back to the store.
	names *orgNames
}

// New registers the hook-fed metrics on reg. Call WatchStore once the
// store is open, and WatchPartner once the partner client exists.
func New(reg prometheus.Registerer, log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.Default()
	}
	m := &Metrics{reg: reg, log: log, names: &orgNames{ids: map[string]string{}}, expired: &tally{n: map[string]float64{}},
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmapi_events_total",
			Help: "Domain events committed by this process, by type (usage_authorisation.created, netflix.charge.received, …).",
		}, []string{"type"}),
		collectErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crmapi_metrics_collect_errors_total",
			Help: "Scrapes whose figures could not be read, by collector (database, jobs, domain); the figures of such a scrape are left out.",
		}, []string{"collector"}),
		partner: newPartnerMetrics(),
	}
	// Every series starts at 0, so that rate() and increase() see the
	// first event rather than a series appearing from nowhere.
	for _, t := range crmapi.EventTypes {
		m.events.WithLabelValues(string(t))
	}
	for _, c := range []string{"database", "jobs", "domain"} {
		m.collectErrs.WithLabelValues(c)
	}
	reg.MustRegister(m.events, m.collectErrs)
	m.partner.register(reg)
	return m
}

// ObserveEvent counts an event whose transaction has committed; give it to
// service.EventService.Observe.
func (m *Metrics) ObserveEvent(ev crmapi.Event) {
	m.events.WithLabelValues(string(ev.Type)).Inc()
	if ev.Type == crmapi.EventUsageAuthorisationExpired {
		m.expired.add(m.names.name(ev.OrganisationID))
	}
}

// WatchStore registers the collectors that read the database when
// scraped: its health and pools, the job queue, and the domain figures.
// clock is the server's (an organisation's ages follow its test clock);
// cacheFor 0 is DefaultCacheFor.
func (m *Metrics) WatchStore(store crmapi.Store, clock crmapi.Clock, cacheFor time.Duration) error {
	if cacheFor <= 0 {
		cacheFor = DefaultCacheFor
	}
	m.names.store = store
	for _, c := range []prometheus.Collector{
		newDatabaseCollector(store, cacheFor, m.failed("database")),
		newJobsCollector(store, cacheFor, m.failed("jobs")),
		newDomainCollector(store, clock, m.names, m.expired, cacheFor, m.failed("domain")),
	} {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// failed returns what a collector calls when it cannot read its figures.
func (m *Metrics) failed(collector string) func(error) {
	return func(err error) {
		m.collectErrs.WithLabelValues(collector).Inc()
		m.log.Warn("metrics: figures not read", "collector", collector, "err", err.Error())
	}
}

// cache serves the metrics read last until they are ttl old, and lets one
// scrape at a time read them again: scrapes that arrive meanwhile wait
// for its result rather than querying too.
type cache struct {
	ttl time.Duration

	mu   sync.Mutex
	at   time.Time
	last []prometheus.Metric
}

func (c *cache) get(read func() []prometheus.Metric) []prometheus.Metric {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || time.Since(c.at) >= c.ttl {
		c.last, c.at = read(), time.Now()
	}
	return c.last
}

// tally is a set of counters by name.
type tally struct {
	mu sync.Mutex
	n  map[string]float64
}

func (t *tally) add(name string) {
	t.mu.Lock()
	t.n[name]++
	t.mu.Unlock()
}

func (t *tally) get(name string) float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n[name]
}

func (t *tally) names() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.n))
	for k := range t.n {
		out = append(out, k)
	}
	return out
}
