package k8saudit

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// Event is one decoded Kubernetes audit event. It keeps the event's
// compact JSON and an index over it; Extract returns views into that
// text. An Event is immutable once decoded, so Extract may be called
// from several goroutines at once.
type Event struct {
	t   *tree
	top int32 // the event object's node

	time    time.Time
	rawtime string // time in ns as decimal text (json.rawtime)
	num     uint64

	apiVersion string
}

var _ fields.Event = (*Event)(nil)

// unsafeString views b as a string. Every caller passes bytes that are
// never written again (an event's compact JSON).
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// Time is the event's time: its stageTimestamp.
func (e *Event) Time() time.Time { return e.time }

// Num is the event's sequence number (evt.num), set by the intake that
// delivered it (1 for the first event).
func (e *Event) Num() uint64 { return e.num }

// SetNum sets the sequence number (for callers that number events
// themselves).
func (e *Event) SetNum(n uint64) { e.num = n }

// AuditID is the event's auditID.
func (e *Event) AuditID() string { return e.str("auditID") }

// APIVersion is the event's apiVersion (its list's when the item has
// none; "" when neither says).
func (e *Event) APIVersion() string { return e.apiVersion }

// JSON returns the event's compact JSON text. The caller must not
// modify it.
func (e *Event) JSON() []byte {
	n := &e.t.nodes[e.top]
	return e.t.raw[n.start:n.end]
}

// Size is the length of the event's compact JSON.
func (e *Event) Size() int { return len(e.JSON()) }

func (e *Event) str(keys ...string) string {
	n := e.t.path(e.top, keys...)
	if n == none || e.t.nodes[n].kind != kString {
		return ""
	}
	return e.t.strOf(n)
}

// Extract implements fields.Event.
func (e *Event) Extract(ref fields.Ref, buf []fields.Value) ([]fields.Value, bool) {
	if ref.ID < 0 || ref.ID >= len(fieldSpecs) {
		return buf, false
	}
	s := &fieldSpecs[ref.ID]
	t := e.t
	switch s.what {
	case wPath:
		n := t.path(e.top, s.path...)
		if n == none {
			return buf, false
		}
		return append(buf, fields.Value{Str: t.text(n)}), true
	case wPathList:
		n := t.path(e.top, s.path...)
		if !t.isArray(n) {
			return buf, false
		}
		if ref.HasIndex {
			c := t.index(n, ref.Index)
			if c == none {
				return buf, false
			}
			return append(buf, fields.Value{Str: t.text(c)}), true
		}
		for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
			buf = append(buf, fields.Value{Str: t.text(c)})
		}
		return buf, true
	case wURIParam:
		return e.uriParam(ref.Arg, buf)
	case wTargetPod:
		if e.str("objectRef", "resource") != "pods" || t.path(e.top, "objectRef", "subresource") != none {
			return buf, false
		}
		n := t.path(e.top, "responseObject", "metadata", "name")
		if n == none {
			return buf, false
		}
		return append(buf, fields.Value{Str: t.text(n)}), true
	case wSubjects, wRules:
		key := "subjects"
		if s.what == wRules {
			key = "rules"
		}
		n := t.path(e.top, "requestObject", key)
		if !t.isArray(n) {
			return buf, false
		}
		for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
			buf = append(buf, fields.Value{Str: t.text(c)})
		}
		return buf, true
	case wSubjectNames, wSubjectSANS:
		n := t.path(e.top, "requestObject", "subjects")
		if !t.isArray(n) {
			return buf, false
		}
		want := s.sub
		if s.what == wSubjectSANS {
			want = "ServiceAccount"
		}
		for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
			k := t.get(c, "kind")
			if !t.isString(k, want) {
				continue
			}
			name := t.get(c, "name")
			if name == none {
				continue
			}
			v := t.text(name)
			if s.what == wSubjectSANS {
				ns := ""
				if nsn := t.get(c, "namespace"); nsn != none {
					ns = t.text(nsn)
				}
				v = ns + ":" + v
			}
			buf = append(buf, fields.Value{Str: v})
		}
		return buf, true
	case wHasName:
		return append(buf, fields.Value{Str: "true"}), true
	case wVolField:
		vols := t.path(e.top, "requestObject", "spec", "volumes")
		if !t.isArray(vols) {
			return buf, false
		}
		return e.eachElem(vols, ref, buf, func(c int32, buf []fields.Value) []fields.Value {
			if v := t.path(c, s.path...); v != none {
				buf = append(buf, fields.Value{Str: t.text(v)})
			}
			return buf
		})
	case wVolType:
		vols := t.path(e.top, "requestObject", "spec", "volumes")
		if !t.isArray(vols) {
			return buf, false
		}
		return e.eachElem(vols, ref, buf, func(c int32, buf []fields.Value) []fields.Value {
			if t.nodes[c].kind != kObject {
				return buf
			}
			for m := t.nodes[c].first; m != none; m = t.nodes[m].next {
				if k := t.keyOf(m); k != "name" {
					buf = append(buf, fields.Value{Str: k})
				}
			}
			return buf
		})
	case wVolHostpath:
		vols := t.path(e.top, "requestObject", "spec", "volumes")
		if !t.isArray(vols) {
			return buf, false
		}
		prefix, isPrefix := strings.CutSuffix(ref.Arg, "*")
		for c := t.nodes[vols].first; c != none; c = t.nodes[c].next {
			p := t.path(c, "hostPath", "path")
			if p == none {
				continue
			}
			v := t.text(p)
			if v == ref.Arg || (isPrefix && strings.HasPrefix(v, prefix)) {
				return append(buf, fields.Value{Str: "true"}), true
			}
		}
		return append(buf, fields.Value{Str: "false"}), true
	case wFirstImage, wFirstRepo:
		c := t.index(t.path(e.top, "requestObject", "spec", "containers"), 0)
		img := t.get(c, "image")
		if img == none {
			return buf, false
		}
		v := t.text(img)
		if s.what == wFirstRepo {
			v = imageRepository(v)
		}
		return append(buf, fields.Value{Str: v}), true
	case wAnyPriv:
		ctrs := t.path(e.top, "requestObject", "spec", "containers")
		if !t.isArray(ctrs) {
			return buf, false
		}
		for c := t.nodes[ctrs].first; c != none; c = t.nodes[c].next {
			if p := t.path(c, "securityContext", "privileged"); p != none && t.nodes[p].kind == kTrue {
				return append(buf, fields.Value{Str: "true"}), true
			}
		}
		return append(buf, fields.Value{Str: "false"}), true
	case wRulesField:
		rules := t.path(e.top, "requestObject", "rules")
		if !t.isArray(rules) {
			return buf, false
		}
		return e.eachElem(rules, ref, buf, func(c int32, buf []fields.Value) []fields.Value {
			return appendElems(t, t.get(c, s.sub), buf)
		})
	case wSvcPorts:
		ports := t.path(e.top, "requestObject", "spec", "ports")
		if !t.isArray(ports) {
			return buf, false
		}
		return e.eachElem(ports, ref, buf, func(c int32, buf []fields.Value) []fields.Value {
			return append(buf, fields.Value{Str: t.text(c)})
		})
	case wCtr:
		return e.container(s, ref, buf)
	case wJSONValue:
		n := e.pointer(ref.Arg)
		if n == none {
			return buf, false
		}
		return append(buf, fields.Value{Str: t.text(n)}), true
	case wJSONObj:
		var b bytes.Buffer
		if err := json.Indent(&b, e.JSON(), "", "  "); err != nil {
			return buf, false
		}
		return append(buf, fields.Value{Str: b.String()}), true
	case wRawTimeText:
		return append(buf, fields.Value{Str: e.rawtime}), true
	case wEvtRawTime:
		return append(buf, fields.Value{Num: uint64(e.time.UnixNano())}), true
	case wEvtRawTimeS:
		return append(buf, fields.Value{Num: uint64(e.time.Unix())}), true
	case wEvtRawTimeNS:
		return append(buf, fields.Value{Num: uint64(e.time.Nanosecond())}), true
	case wEvtTime:
		// Rendered on demand (an allocation): these fields serve outputs.
		tm := e.time.Local()
		if s.sub == layoutISO {
			tm = e.time.UTC()
		}
		return append(buf, fields.Value{Str: tm.Format(s.sub)}), true
	case wEvtNum:
		return append(buf, fields.Value{Num: e.num}), true
	case wEvtSource:
		return append(buf, fields.Value{Str: SourceName}), true
	case wEvtPlugin:
		return append(buf, fields.Value{Str: PluginName}), true
	}
	return buf, false
}

// eachElem calls f on every element of array arr, or only on element
// ref.Index when the field has an index (absent when out of range).
func (e *Event) eachElem(arr int32, ref fields.Ref, buf []fields.Value, f func(int32, []fields.Value) []fields.Value) ([]fields.Value, bool) {
	t := e.t
	if ref.HasIndex {
		c := t.index(arr, ref.Index)
		if c == none {
			return buf, false
		}
		return f(c, buf), true
	}
	for c := t.nodes[arr].first; c != none; c = t.nodes[c].next {
		buf = f(c, buf)
	}
	return buf, true
}

// appendElems appends the elements of array n (nothing when n is not an
// array).
func appendElems(t *tree, n int32, buf []fields.Value) []fields.Value {
	if !t.isArray(n) {
		return buf
	}
	for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
		buf = append(buf, fields.Value{Str: t.text(c)})
	}
	return buf
}

// container extracts one member of the per-container family.
func (e *Event) container(s *spec, ref fields.Ref, buf []fields.Value) ([]fields.Value, bool) {
	t := e.t
	spec := t.path(e.top, "requestObject", "spec")
	ctrs := t.get(spec, s.ctr)
	if !t.isArray(ctrs) {
		return buf, false
	}
	return e.eachElem(ctrs, ref, buf, func(c int32, buf []fields.Value) []fields.Value {
		one := func(n int32) []fields.Value {
			if n == none {
				return buf
			}
			return append(buf, fields.Value{Str: t.text(n)})
		}
		switch s.csub {
		case csName:
			return one(t.get(c, "name"))
		case csImage:
			return one(t.get(c, "image"))
		case csRepo:
			if n := t.get(c, "image"); n != none {
				return append(buf, fields.Value{Str: imageRepository(t.text(n))})
			}
			return buf
		case csCommand:
			return appendJoined(t, t.get(c, "command"), buf)
		case csArgs:
			return appendJoined(t, t.get(c, "args"), buf)
		case csPrivileged:
			return one(t.path(c, "securityContext", "privileged"))
		case csAllowPE:
			return one(t.path(c, "securityContext", "allowPrivilegeEscalation"))
		case csReadOnlyFS:
			return one(t.path(c, "securityContext", "readOnlyRootFilesystem"))
		case csRunAsUser:
			return one(t.path(c, "securityContext", "runAsUser"))
		case csRunAsGroup:
			return one(t.path(c, "securityContext", "runAsGroup"))
		case csEffRunAsUser, csEffRunAsGroup:
			key := "runAsUser"
			if s.csub == csEffRunAsGroup {
				key = "runAsGroup"
			}
			n := t.path(c, "securityContext", key)
			if n == none {
				n = t.path(spec, "securityContext", key)
			}
			if n == none {
				return append(buf, fields.Value{Str: "0"})
			}
			return one(n)
		case csProcMount:
			return one(t.path(c, "securityContext", "procMount"))
		case csAddCaps:
			return appendElems(t, t.path(c, "securityContext", "capabilities", "add"), buf)
		case csHostPort:
			ports := t.get(c, "ports")
			if !t.isArray(ports) {
				return buf
			}
			for p := t.nodes[ports].first; p != none; p = t.nodes[p].next {
				n := t.get(p, "hostPort")
				if n == none {
					n = t.get(p, "containerPort")
				}
				if n != none {
					buf = append(buf, fields.Value{Str: t.text(n)})
				}
			}
			return buf
		}
		return buf
	})
}

// appendJoined appends the elements of array n joined with single
// spaces (one value; nothing when n is not an array). A one-element
// array costs no allocation.
func appendJoined(t *tree, n int32, buf []fields.Value) []fields.Value {
	if !t.isArray(n) {
		return buf
	}
	switch t.nodes[n].n {
	case 0:
		return append(buf, fields.Value{})
	case 1:
		return append(buf, fields.Value{Str: t.text(t.nodes[n].first)})
	}
	var sb strings.Builder
	for c := t.nodes[n].first; c != none; c = t.nodes[c].next {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(t.text(c))
	}
	return append(buf, fields.Value{Str: sb.String()})
}

// uriParam returns the first value of query parameter key of the
// request URI, decoded as url.ParseQuery does; a value without escapes
// costs no allocation.
func (e *Event) uriParam(key string, buf []fields.Value) ([]fields.Value, bool) {
	uri := e.str("requestURI")
	_, query, ok := strings.Cut(uri, "?")
	if !ok || key == "" {
		return buf, false
	}
	if i := strings.IndexByte(query, '#'); i >= 0 {
		query = query[:i]
	}
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		k, v, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(k, "%+") {
			dk, err := url.QueryUnescape(k)
			if err != nil {
				continue
			}
			k = dk
		}
		if k != key {
			continue
		}
		if strings.ContainsAny(v, "%+") {
			dv, err := url.QueryUnescape(v)
			if err != nil {
				continue
			}
			v = dv
		}
		return append(buf, fields.Value{Str: v}), true
	}
	return buf, false
}

// pointer resolves an RFC 6901 JSON pointer (the leading / optional)
// against the event.
func (e *Event) pointer(p string) int32 {
	t := e.t
	n := e.top
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return n
	}
	for {
		seg, rest, more := strings.Cut(p, "/")
		if strings.IndexByte(seg, '~') >= 0 {
			seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		}
		switch t.nodes[n].kind {
		case kObject:
			n = t.get(n, seg)
		case kArray:
			i, err := strconv.Atoi(seg)
			if err != nil || (len(seg) > 1 && seg[0] == '0') {
				return none
			}
			n = t.index(n, i)
		default:
			return none
		}
		if n == none || !more {
			return n
		}
		p = rest
	}
}

// imageRepository removes the tag and digest of an image reference: a
// '@' starts the digest, a ':' after the last '/' starts the tag, so a
// registry port stays ("registry:5000/app:1" → "registry:5000/app").
func imageRepository(img string) string {
	if i := strings.IndexByte(img, '@'); i >= 0 {
		img = img[:i]
	}
	slash := strings.LastIndexByte(img, '/')
	if i := strings.LastIndexByte(img, ':'); i > slash {
		img = img[:i]
	}
	return img
}
