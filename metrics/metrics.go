// Package metrics counts what icpcheck serves, for Prometheus: HTTP requests by route and
// status with their latency, and, through a decorator of icpcheck.Store, every store call,
// the numbers issued and the refusals by reason. The decorator sits under every interface
// (REST, the Filing Service API, the console), so each is counted the same way.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds icpcheck's instruments in a registry of their own, so that two servers in
// one process (as tests run them) never collide in a global registry. It is safe for
// concurrent use.
type Metrics struct {
	Registry *prometheus.Registry

	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	inflight      prometheus.Gauge
	issued        prometheus.Counter
	refusals      *prometheus.CounterVec
	failures      *prometheus.CounterVec
	storeDuration *prometheus.HistogramVec
}

// latencyBuckets span a cached check (well under a millisecond) to a slow database write.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New returns the instruments, registered together with the Go runtime's and the process's.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "icpcheck_http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "icpcheck_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by route pattern.",
			Buckets: latencyBuckets,
		}, []string{"route"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "icpcheck_http_requests_in_flight",
			Help: "HTTP requests being served now.",
		}),
		issued: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "icpcheck_numbers_issued_total",
			Help: "Service numbers issued, through any interface.",
		}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "icpcheck_refusals_total",
			Help: "Store calls refused, by operation and stable reason (quota_exceeded, not_eligible ...).",
		}, []string{"op", "reason"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "icpcheck_store_failures_total",
			Help: "Store calls that failed for internal reasons or an unreachable database, by operation and code.",
		}, []string{"op", "code"}),
		storeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "icpcheck_store_duration_seconds",
			Help:    "Time of a store call, by operation.",
			Buckets: latencyBuckets,
		}, []string{"op"}),
	}
	m.Registry.MustRegister(m.requests, m.duration, m.inflight, m.issued, m.refusals, m.failures, m.storeDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Begin counts a request in flight and returns the function that ends it: the route is
// known only once the request is routed, so it is given at the end.
func (m *Metrics) Begin() func(route, method string, status int, d time.Duration) {
	m.inflight.Inc()
	return func(route, method string, status int, d time.Duration) {
		m.inflight.Dec()
		m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(route).Observe(d.Seconds())
	}
}
