// Package k8saudit is the Kubernetes audit event source (`k8s_audit`)
// of the runtime rules engine (runtime.md section 3).
//
// Decode turns a payload (an audit Event, an EventList, or a JSON array
// of either; audit.k8s.io/v1 or v1beta1) into Events. The payload is
// validated and compacted by encoding/json and indexed once; an Event
// answers every ka.*, json.*/jevt.* and evt.* field of Source with
// views into that text, so Extract allocates nothing on the common path
// and is safe for concurrent use. Events of one payload share its
// memory until the last of them is dropped.
//
// Two intakes deliver Events to a callback, with counters for metrics:
// Webhook receives the API server's webhook backend (TLS, optional
// bearer token and client certificates; bounded body size, requests in
// flight, queue length and queued bytes), and
// FileReader reads JSON-lines audit logs, single documents and
// directories, optionally following a log across rotation and
// truncation.
//
// Decisions where the Falco k8saudit plugin differs (runtime.md 3.4):
//   - ka.sourceips reads the top-level sourceIPs (Q1).
//   - eff_run_as_user/group fall back from the container's
//     securityContext to the pod's, then 0 (Q2).
//   - image.repository keeps a registry port ("registry:5000/app:1"
//     gives "registry:5000/app") (Q3).
//   - ka.req.service.ports yields one JSON text per port and honours
//     the index.
//   - List fields skip containers that lack the value (and are present,
//     possibly empty, whenever the container list exists).
//   - The webhook answers 415 (not 400) to a wrong content type, 413
//     (not 400) to a body over the limit, and 503 with Retry-After when
//     its queue stays full (the plugin blocks), so the API server
//     retries instead of losing the batch silently.
//   - An event needs an auditID and an RFC 3339 stageTimestamp; one
//     without is skipped with an error rather than kept with every
//     field absent.
package k8saudit
