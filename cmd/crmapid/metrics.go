package main

import (
	"errors"
	"flag"
	"time"

	"github.com/crmapi/crmapi/metrics"
)

// MetricsConfig configures /metrics.
type MetricsConfig struct {
	// CacheFor is how long figures read from the database are served
	// before a scrape reads them again.
	CacheFor time.Duration
}

func (c *MetricsConfig) bind(fs *flag.FlagSet) {
	fs.DurationVar(&c.CacheFor, "metrics-cache", envDuration("CRMAPI_METRICS_CACHE", metrics.DefaultCacheFor),
		"how long /metrics serves figures read from the database before reading them again (CRMAPI_METRICS_CACHE)")
}

func (c *MetricsConfig) validate() error {
	if c.CacheFor < 0 {
		return errors.New("metrics-cache: must be a duration")
	}
	return nil
}

// watch has the metrics read the store and follow the partner client.
func (m *Main) watch() error {
	if err := m.Metrics.WatchStore(m.Store, m.Clock, m.Config.Metrics.CacheFor); err != nil {
		return err
	}
	return m.Metrics.WatchPartner(m.Partner)
}
