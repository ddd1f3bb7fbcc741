package alert

import (
	"io"
	"net/http/httptest"
	"testing"
)

func TestMetricsGolden(t *testing.T) {
	m := NewMetrics()
	for i := 0; i < 3; i++ {
		m.Received("k8s_audit").Inc()
		m.Evaluated("k8s_audit").Inc()
	}
	m.Received("docker").Inc()
	m.Alerts("Create Privileged Pod", PriorityWarning).Inc()
	m.Alerts("Create Privileged Pod", PriorityWarning).Inc()
	m.Alerts("Attach to cluster-admin Role", PriorityInformational).Inc()
	m.Alerts(`Odd "rule"\`, PriorityCritical).Inc() // label escaping
	m.Drop(DropQueueFull)
	m.Drop(DropDeliveryFailed)
	m.HTTPFailure()

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	golden(t, "metrics.txt", body)
}

func TestNilMetricsCountNothing(t *testing.T) {
	var m *Metrics
	m.Received("x").Inc()
	m.Evaluated("x").Inc()
	m.Alerts("r", PriorityDebug).Inc()
	m.Drop(DropMalformed)
	m.HTTPFailure()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Body.Len() != 0 {
		t.Errorf("nil metrics served %q", rec.Body.String())
	}
}
