package k8saudit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Default limits, as the Falco k8saudit plugin sets them.
const (
	// DefaultMaxEventSize bounds one event's compact JSON (256 KiB).
	DefaultMaxEventSize = 256 << 10
	// DefaultMaxBatchSize bounds one payload: a webhook body, a JSON
	// line or a file holding one document (12 MiB: the API server's
	// 10 MiB truncation limit plus 20%).
	DefaultMaxBatchSize = 12 << 20
)

// API versions of audit events that are accepted.
const (
	APIVersionV1      = "audit.k8s.io/v1"
	APIVersionV1beta1 = "audit.k8s.io/v1beta1"
)

// Limits bound the decoder's work. Zero fields take the defaults.
type Limits struct {
	MaxEventSize int
	MaxBatchSize int
}

func (l Limits) withDefaults() Limits {
	if l.MaxEventSize <= 0 {
		l.MaxEventSize = DefaultMaxEventSize
	}
	if l.MaxBatchSize <= 0 {
		l.MaxBatchSize = DefaultMaxBatchSize
	}
	return l
}

// ErrPayloadTooLarge is wrapped by the error for a payload over
// Limits.MaxBatchSize.
var ErrPayloadTooLarge = errors.New("payload too large")

// ErrNotAudit is wrapped by the error for JSON that is neither an audit
// Event, an EventList nor an array of them.
var ErrNotAudit = errors.New("not a Kubernetes audit Event or EventList")

// ErrUnknownVersion is wrapped by the error for an event or list of an
// apiVersion other than audit.k8s.io/v1 and v1beta1.
var ErrUnknownVersion = errors.New("unknown audit apiVersion")

// EventError is the error of one event of a payload, which is skipped
// while the others are kept.
type EventError struct {
	// Index is the event's position among the payload's events (0-based,
	// counting items across lists and arrays).
	Index int
	// AuditID is the event's auditID when it has one.
	AuditID string
	Err     error
}

func (e *EventError) Error() string {
	if e.AuditID != "" {
		return fmt.Sprintf("audit event %d (auditID %s): %v", e.Index, e.AuditID, e.Err)
	}
	return fmt.Sprintf("audit event %d: %v", e.Index, e.Err)
}

func (e *EventError) Unwrap() error { return e.Err }

// Result is what decoding one payload gives.
type Result struct {
	// Events are the good events, in payload order.
	Events []*Event
	// Errors are the events skipped, each an *EventError.
	Errors []error
	// Items counts every event found, good or bad.
	Items int
}

// Decode decodes one payload: a single audit Event, an EventList, or a
// JSON array of either. It returns an error when the payload as a whole
// cannot be used (too large, malformed JSON, not audit data); otherwise
// bad events are reported in Result.Errors and skipped.
func Decode(payload []byte, lim Limits) (Result, error) {
	lim = lim.withDefaults()
	if len(payload) > lim.MaxBatchSize {
		return Result{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrPayloadTooLarge, len(payload), lim.MaxBatchSize)
	}
	var compact bytes.Buffer
	compact.Grow(len(payload))
	if err := json.Compact(&compact, payload); err != nil {
		return Result{}, fmt.Errorf("malformed JSON: %w", err)
	}
	t, err := parseTree(compact.Bytes())
	if err != nil {
		return Result{}, fmt.Errorf("malformed JSON: %w", err)
	}
	d := decoder{t: t, lim: lim}
	root := int32(0)
	switch t.nodes[root].kind {
	case kArray:
		for c := t.nodes[root].first; c != none; c = t.nodes[c].next {
			if err := d.top(c); err != nil {
				d.res.Errors = append(d.res.Errors, &EventError{Index: d.res.Items, Err: fmt.Errorf("array element: %w", err)})
				d.res.Items++
			}
		}
	default:
		if err := d.top(root); err != nil {
			return Result{}, err
		}
	}
	return d.res, nil
}

type decoder struct {
	t   *tree
	lim Limits
	res Result
}

// top decodes an Event or EventList object.
func (d *decoder) top(n int32) error {
	t := d.t
	if t.nodes[n].kind != kObject {
		return fmt.Errorf("%w: a JSON %s", ErrNotAudit, kindName(t.nodes[n].kind))
	}
	k := t.get(n, "kind")
	if k == none || t.nodes[k].kind != kString {
		desc := "no kind"
		if k != none {
			desc = "kind " + t.text(k)
		}
		return fmt.Errorf("%w (%s)", ErrNotAudit, desc)
	}
	av, err := d.version(n)
	if err != nil {
		return err
	}
	switch kd := t.strOf(k); kd {
	case "Event":
		d.item(n, av)
	case "EventList":
		items := t.get(n, "items")
		if items == none || t.nodes[items].kind == kNull {
			return nil
		}
		if t.nodes[items].kind != kArray {
			return fmt.Errorf("%w: EventList items is a JSON %s", ErrNotAudit, kindName(t.nodes[items].kind))
		}
		for c := t.nodes[items].first; c != none; c = t.nodes[c].next {
			d.item(c, av)
		}
	default:
		return fmt.Errorf("%w (kind %q)", ErrNotAudit, kd)
	}
	return nil
}

// version checks the apiVersion of object n: absent or a known one.
func (d *decoder) version(n int32) (string, error) {
	t := d.t
	v := t.get(n, "apiVersion")
	if v == none {
		return "", nil
	}
	if t.nodes[v].kind != kString {
		return "", fmt.Errorf("%w %s", ErrUnknownVersion, t.text(v))
	}
	switch s := t.strOf(v); s {
	case APIVersionV1, APIVersionV1beta1:
		return s, nil
	default:
		return "", fmt.Errorf("%w %q (want %s or %s)", ErrUnknownVersion, s, APIVersionV1, APIVersionV1beta1)
	}
}

// item decodes one event, recording it or its error.
func (d *decoder) item(n int32, listVersion string) {
	idx := d.res.Items
	d.res.Items++
	ev, err := d.event(n, listVersion)
	if err != nil {
		ee := &EventError{Index: idx, Err: err}
		if t := d.t; t.nodes[n].kind == kObject {
			if id := t.get(n, "auditID"); id != none && t.nodes[id].kind == kString {
				ee.AuditID = t.strOf(id)
			}
		}
		d.res.Errors = append(d.res.Errors, ee)
		return
	}
	d.res.Events = append(d.res.Events, ev)
}

func (d *decoder) event(n int32, listVersion string) (*Event, error) {
	t := d.t
	nd := &t.nodes[n]
	if nd.kind != kObject {
		return nil, fmt.Errorf("%w: a JSON %s", ErrNotAudit, kindName(nd.kind))
	}
	if k := t.get(n, "kind"); k != none && (t.nodes[k].kind != kString || t.strOf(k) != "Event") {
		if t.nodes[k].kind == kString {
			return nil, fmt.Errorf("%w (kind %q)", ErrNotAudit, t.strOf(k))
		}
		return nil, fmt.Errorf("%w (kind %s)", ErrNotAudit, t.text(k))
	}
	av, err := d.version(n)
	if err != nil {
		return nil, err
	}
	if av == "" {
		av = listVersion
	}
	if size := int(nd.end - nd.start); size > d.lim.MaxEventSize {
		return nil, fmt.Errorf("%w: event of %d bytes is larger than the limit of %d", ErrPayloadTooLarge, size, d.lim.MaxEventSize)
	}
	if id := t.get(n, "auditID"); id == none || t.nodes[id].kind != kString {
		return nil, fmt.Errorf("%w: no auditID", ErrNotAudit)
	}
	st := t.get(n, "stageTimestamp")
	if st == none || t.nodes[st].kind != kString {
		return nil, errors.New("no stageTimestamp")
	}
	ts, err := time.Parse(time.RFC3339Nano, t.strOf(st))
	if err != nil {
		return nil, fmt.Errorf("stageTimestamp: %w", err)
	}
	return &Event{
		t:          t,
		top:        n,
		time:       ts,
		rawtime:    strconv.FormatInt(ts.UnixNano(), 10),
		apiVersion: av,
	}, nil
}

func kindName(k kind) string {
	switch k {
	case kNull:
		return "null"
	case kFalse, kTrue:
		return "boolean"
	case kNumber:
		return "number"
	case kString:
		return "string"
	case kArray:
		return "array"
	}
	return "object"
}
