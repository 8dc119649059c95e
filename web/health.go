package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// HealthChecker tells whether the database answers and is fully migrated.
type HealthChecker interface {
	Ping(ctx context.Context) error
	MigrationState(ctx context.Context) (applied, available int32, err error)
}

// PoolStats are the database pool's counters exported on /metrics.
type PoolStats struct {
	Acquired, Idle, Total, Max int32
	AcquireCount               int64
	AcquireWait                time.Duration
	// ReplicaReads and PrimaryReads count the reads a replica may take,
	// by where they went (both 0 without a replica).
	ReplicaReads, PrimaryReads int64
}

func handleHealthz() echo.HandlerFunc {
	return func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	}
}

func handleReadyz(h HealthChecker) echo.HandlerFunc {
	return func(c echo.Context) error {
		if h == nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "no database configured"})
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := h.Ping(ctx); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
		}
		applied, available, err := h.MigrationState(ctx)
		if err != nil || applied != available {
			return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "migrations pending", "applied": applied, "available": available})
		}
		return c.JSON(http.StatusOK, map[string]any{"status": "ready", "schema_version": applied})
	}
}

func metricsMiddleware(reg *prometheus.Registry) echo.MiddlewareFunc {
	return echoprometheus.NewMiddlewareWithConfig(echoprometheus.MiddlewareConfig{
		Namespace: "diming", Subsystem: "http", Registerer: reg, DoNotUseRequestPathFor404: true,
		Skipper: func(c echo.Context) bool { return c.Path() == "/metrics" },
	})
}

func handleMetrics(reg *prometheus.Registry, stats func() PoolStats) echo.HandlerFunc {
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if stats != nil {
		reg.MustRegister(poolCollector{stats})
	}
	return echoprometheus.NewHandlerWithConfig(echoprometheus.HandlerConfig{Gatherer: reg})
}

var (
	poolAcquired = prometheus.NewDesc("diming_db_pool_acquired_conns", "Connections in use.", nil, nil)
	poolIdle     = prometheus.NewDesc("diming_db_pool_idle_conns", "Idle connections.", nil, nil)
	poolTotal    = prometheus.NewDesc("diming_db_pool_total_conns", "Open connections.", nil, nil)
	poolMax      = prometheus.NewDesc("diming_db_pool_max_conns", "Pool size limit.", nil, nil)
	poolAcquires = prometheus.NewDesc("diming_db_pool_acquires_total", "Connections acquired.", nil, nil)
	poolWait     = prometheus.NewDesc("diming_db_pool_acquire_wait_seconds_total", "Time spent waiting for a connection.", nil, nil)
	readsTo      = prometheus.NewDesc("diming_db_reads_total", "Reads a replica may take (scans, tiles, search), by the server they went to.", []string{"to"}, nil)
)

type poolCollector struct{ stats func() PoolStats }

func (p poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolTotal, poolMax, poolAcquires, poolWait, readsTo} {
		ch <- d
	}
}

func (p poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := p.stats()
	ch <- prometheus.MustNewConstMetric(poolAcquired, prometheus.GaugeValue, float64(s.Acquired))
	ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(s.Idle))
	ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(s.Total))
	ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.Max))
	ch <- prometheus.MustNewConstMetric(poolAcquires, prometheus.CounterValue, float64(s.AcquireCount))
	ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, s.AcquireWait.Seconds())
	ch <- prometheus.MustNewConstMetric(readsTo, prometheus.CounterValue, float64(s.ReplicaReads), "replica")
	ch <- prometheus.MustNewConstMetric(readsTo, prometheus.CounterValue, float64(s.PrimaryReads), "primary")
}
