// Package metrics counts identityd's requests for Prometheus: an
// httpapi.Observer and the GET /metrics handler. Only cmd/identityd (and
// the backend's test kit) wire it, so a program that embeds identityd, such
// as the desktop agent's demo, links no Prometheus.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/httpapi"
)

// Metrics is one handler's counters in a registry of its own (several
// identityd instances in one process need separate ones).
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	logins   prometheus.Counter
	refusals *prometheus.CounterVec
}

var _ httpapi.Observer = (*Metrics)(nil)

// New registers the counters, the Go and the process collectors in a fresh
// registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "identityd_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "identityd_http_request_duration_seconds", Help: "HTTP request latency by route and outcome.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "outcome"}),
		logins: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "identityd_logins_total", Help: "Successful card logins.",
		}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "identityd_refusals_total", Help: "Refused requests by reason (api error code).",
		}, []string{"reason"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.logins, m.refusals,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest implements httpapi.Observer.
func (m *Metrics) ObserveRequest(pattern string, status int, code api.ErrorCode, d time.Duration) {
	if pattern == "" || pattern == "/" {
		pattern = "unmatched"
	}
	outcome := "ok"
	if code != "" {
		outcome = string(code)
		if status < 500 {
			m.refusals.WithLabelValues(outcome).Inc()
		}
	}
	m.requests.WithLabelValues(pattern, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(pattern, outcome).Observe(d.Seconds())
}

// ObserveLogin implements httpapi.Observer.
func (m *Metrics) ObserveLogin() { m.logins.Inc() }

// Handler serves GET /metrics. It is not for the API listener: serve it on
// a listener of its own (loopback by default), away from clients.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(api.RouteMetrics, promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	return mux
}
