package k8saudit

import "sync/atomic"

// Stats is a snapshot of an intake's counters, for metrics.
type Stats struct {
	// Payloads counts the payloads read: webhook bodies accepted, JSON
	// lines or documents of a file.
	Payloads uint64
	// Received counts the audit events found in the payloads, good or bad.
	Received uint64
	// Decoded counts the events decoded and handed on (or queued).
	Decoded uint64
	// Malformed counts what was rejected while decoding: payloads that
	// are not JSON or not audit data, and single events (unknown
	// apiVersion, no stageTimestamp, too large).
	Malformed uint64
	// Dropped counts decoded events dropped because the queue was full.
	Dropped uint64
	// Rejected counts webhook requests refused before decoding (method,
	// content type, authentication, size).
	Rejected uint64
	// Delivered counts the events handed to the consumer.
	Delivered uint64
}

// counters are the live counters behind Stats.
type counters struct {
	payloads, received, decoded, malformed, dropped, rejected, delivered atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Payloads:  c.payloads.Load(),
		Received:  c.received.Load(),
		Decoded:   c.decoded.Load(),
		Malformed: c.malformed.Load(),
		Dropped:   c.dropped.Load(),
		Rejected:  c.rejected.Load(),
		Delivered: c.delivered.Load(),
	}
}

// count records a decode result: payload accepted or not, events found,
// decoded and bad.
func (c *counters) count(res Result, err error) {
	c.payloads.Add(1)
	c.received.Add(uint64(res.Items))
	c.decoded.Add(uint64(len(res.Events)))
	c.malformed.Add(uint64(len(res.Errors)))
	if err != nil {
		c.malformed.Add(1)
	}
}
