package httpapi

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/cardagent/cardagent/api"
)

type metrics struct {
	gatherer prometheus.Gatherer
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	logins   prometheus.Counter
	refusals *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		gatherer: reg,
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
	reg.MustRegister(m.requests, m.latency, m.logins, m.refusals,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(pattern string, status int, code api.ErrorCode, d time.Duration) {
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
