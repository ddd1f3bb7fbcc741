package alert

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Drop reasons: the values of the reason label of
// bulwark_runtime_drops_total.
const (
	// DropQueueFull: a source's intake queue was full (webhook batches).
	DropQueueFull = "queue_full"
	// DropMalformed: an event that could not be decoded.
	DropMalformed = "malformed"
	// DropTooLarge: an event or request body over its size limit.
	DropTooLarge = "too_large"
	// DropOutputQueueFull: an alert output's queue was full.
	DropOutputQueueFull = "output_queue_full"
	// DropDeliveryFailed: an alert given up after every retry.
	DropDeliveryFailed = "delivery_failed"
	// DropShutdown: an alert still queued when the drain deadline passed.
	DropShutdown = "shutdown"
)

// Metrics counts what the runtime pipeline does, in its own Prometheus
// registry (no global state): events received and evaluated per source,
// alerts per rule and priority, drops per reason and failed HTTP
// deliveries. A nil *Metrics counts nothing.
type Metrics struct {
	reg          *prometheus.Registry
	received     *prometheus.CounterVec
	evaluated    *prometheus.CounterVec
	alerts       *prometheus.CounterVec
	drops        *prometheus.CounterVec
	httpFailures prometheus.Counter
}

// NewMetrics makes the counters in a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bulwark_runtime_events_received_total",
			Help: "Events received from a source, before any queue.",
		}, []string{"source"}),
		evaluated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bulwark_runtime_events_evaluated_total",
			Help: "Events evaluated against the rules of their source.",
		}, []string{"source"}),
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bulwark_runtime_alerts_total",
			Help: "Alerts raised, per rule and priority.",
		}, []string{"rule", "priority"}),
		drops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bulwark_runtime_drops_total",
			Help: "Events or alerts dropped, per reason.",
		}, []string{"reason"}),
		httpFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bulwark_runtime_http_output_failures_total",
			Help: "Failed attempts to deliver an alert to the HTTP output.",
		}),
	}
	m.reg.MustRegister(m.received, m.evaluated, m.alerts, m.drops, m.httpFailures)
	return m
}

// Registry is the registry holding the counters, for a source that adds
// its own.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return prometheus.NewRegistry()
	}
	return m.reg
}

// Handler serves the counters in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry(), promhttp.HandlerOpts{})
}

// Received is the counter of events received from source. Keep it: the
// lookup costs more than the increment.
func (m *Metrics) Received(source string) prometheus.Counter {
	if m == nil {
		return noop()
	}
	return m.received.WithLabelValues(source)
}

// Evaluated is the counter of events of source evaluated.
func (m *Metrics) Evaluated(source string) prometheus.Counter {
	if m == nil {
		return noop()
	}
	return m.evaluated.WithLabelValues(source)
}

// Alerts is the counter of the alerts of a rule.
func (m *Metrics) Alerts(rule string, p Priority) prometheus.Counter {
	if m == nil {
		return noop()
	}
	return m.alerts.WithLabelValues(rule, p.String())
}

// Drop counts one drop for reason (one of the Drop constants).
func (m *Metrics) Drop(reason string) {
	if m != nil {
		m.drops.WithLabelValues(reason).Inc()
	}
}

// HTTPFailure counts one failed HTTP delivery attempt.
func (m *Metrics) HTTPFailure() {
	if m != nil {
		m.httpFailures.Inc()
	}
}

// noop is a counter registered nowhere.
func noop() prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: "unregistered"})
}
