package metrics

import (
	"context"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/jobs"
	"github.com/prometheus/client_golang/prometheus"
)

var jobsDesc = prometheus.NewDesc("crmapi_jobs",
	"Jobs of the job queue by kind and state: available (waiting to run), running, retryable (failed, waiting to retry), scheduled, discarded (given up).",
	[]string{"kind", "state"}, nil)

// jobsCollector counts the job queue's jobs by kind and state.
type jobsCollector struct {
	store  crmapi.Store
	cache  cache
	failed func(error)
}

func newJobsCollector(store crmapi.Store, ttl time.Duration, failed func(error)) *jobsCollector {
	return &jobsCollector{store: store, cache: cache{ttl: ttl}, failed: failed}
}

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c.cache.get(c.read) {
		ch <- m
	}
}

func (c *jobsCollector) read() []prometheus.Metric {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := jobs.Counts(ctx, c.store)
	if err != nil {
		c.failed(err)
		return nil
	}
	out := make([]prometheus.Metric, 0, len(counts))
	for _, n := range counts {
		out = append(out, prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n.Count), n.Kind, n.State))
	}
	return out
}
