package metrics

import (
	"context"
	"database/sql"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

var (
	dbUp = prometheus.NewDesc("crmapi_database_up",
		"1 when the database answered a ping at the last read, 0 when it did not.", []string{"engine"}, nil)
	dbPing = prometheus.NewDesc("crmapi_database_ping_seconds",
		"How long the last ping of the database took.", []string{"engine"}, nil)
	dbConns = prometheus.NewDesc("crmapi_database_connections",
		"Connections of a pool by state: PostgreSQL's pool (acquired, idle, constructing, total, max); SQLite's reader and writer pools (in_use, idle, open, max).",
		[]string{"pool", "state"}, nil)
	dbWaits = prometheus.NewDesc("crmapi_database_acquire_waits_total",
		"Times a caller had to wait for a connection of the pool.", []string{"pool"}, nil)
	dbWaitSeconds = prometheus.NewDesc("crmapi_database_acquire_wait_seconds_total",
		"Time callers spent waiting for a connection of the pool.", []string{"pool"}, nil)
	dbWriteQueue = prometheus.NewDesc("crmapi_database_write_queue_depth",
		"Write transactions waiting for the group committer (SQLite's writer, PostgreSQL's write lanes). Lasting depth means writes arrive faster than the database commits them.",
		nil, nil)
)

// databaseCollector reads the database's health and its pools' statistics.
type databaseCollector struct {
	store  crmapi.Store
	cache  cache
	failed func(error)
}

func newDatabaseCollector(store crmapi.Store, ttl time.Duration, failed func(error)) *databaseCollector {
	return &databaseCollector{store: store, cache: cache{ttl: ttl}, failed: failed}
}

func (c *databaseCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dbUp, dbPing, dbConns, dbWaits, dbWaitSeconds, dbWriteQueue} {
		ch <- d
	}
}

func (c *databaseCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c.cache.get(c.read) {
		ch <- m
	}
}

func (c *databaseCollector) read() []prometheus.Metric {
	engine := c.store.Engine()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	err := c.store.Ping(ctx)
	took := time.Since(start)
	up := 1.0
	if err != nil {
		up = 0
		c.failed(err)
	}
	out := []prometheus.Metric{
		prometheus.MustNewConstMetric(dbUp, prometheus.GaugeValue, up, engine),
		prometheus.MustNewConstMetric(dbPing, prometheus.GaugeValue, took.Seconds(), engine),
	}
	switch s := c.store.(type) {
	case interface{ Pool() *pgxpool.Pool }:
		out = append(out, pgPoolMetrics("postgres", s.Pool().Stat())...)
		if q, ok := c.store.(interface{ WriteQueueDepth() int }); ok {
			out = append(out, prometheus.MustNewConstMetric(dbWriteQueue, prometheus.GaugeValue, float64(q.WriteQueueDepth())))
		}
	case interface {
		Reader() *sql.DB
		Writer() *sql.DB
		WriteQueueDepth() int
	}:
		out = append(out, sqlPoolMetrics("reader", s.Reader().Stats())...)
		out = append(out, sqlPoolMetrics("writer", s.Writer().Stats())...)
		out = append(out, prometheus.MustNewConstMetric(dbWriteQueue, prometheus.GaugeValue, float64(s.WriteQueueDepth())))
	}
	return out
}

func pgPoolMetrics(pool string, s *pgxpool.Stat) []prometheus.Metric {
	g := func(state string, v int32) prometheus.Metric {
		return prometheus.MustNewConstMetric(dbConns, prometheus.GaugeValue, float64(v), pool, state)
	}
	return []prometheus.Metric{
		g("acquired", s.AcquiredConns()), g("idle", s.IdleConns()), g("constructing", s.ConstructingConns()),
		g("total", s.TotalConns()), g("max", s.MaxConns()),
		prometheus.MustNewConstMetric(dbWaits, prometheus.CounterValue, float64(s.EmptyAcquireCount()), pool),
		prometheus.MustNewConstMetric(dbWaitSeconds, prometheus.CounterValue, s.EmptyAcquireWaitTime().Seconds(), pool),
	}
}

func sqlPoolMetrics(pool string, s sql.DBStats) []prometheus.Metric {
	g := func(state string, v int) prometheus.Metric {
		return prometheus.MustNewConstMetric(dbConns, prometheus.GaugeValue, float64(v), pool, state)
	}
	return []prometheus.Metric{
		g("in_use", s.InUse), g("idle", s.Idle), g("open", s.OpenConnections), g("max", s.MaxOpenConnections),
		prometheus.MustNewConstMetric(dbWaits, prometheus.CounterValue, float64(s.WaitCount), pool),
		prometheus.MustNewConstMetric(dbWaitSeconds, prometheus.CounterValue, s.WaitDuration.Seconds(), pool),
	}
}
