package k8saudit

import (
	"github.com/bulwark-sec/bulwark/runtime/fields"
)

// SourceName is the rules' `source:` value for Kubernetes audit events.
const SourceName = "k8s_audit"

// PluginName is the value of evt.pluginname, as Falco's plugin names it.
const PluginName = "k8saudit"

// Source is the fields.Source of Kubernetes audit events: the ka.*
// catalogue of runtime.md 3.3, the json.*/jevt.* pointer fields and the
// evt.* fields an audit event can answer.
type Source struct{}

// Name returns "k8s_audit".
func (Source) Name() string { return SourceName }

// Fields returns the field table; a fields.Ref's ID indexes it. The
// slice is shared: callers must not modify it.
func (Source) Fields() []fields.Info { return fieldTable }

// what says how one field is extracted.
type what uint8

const (
	wPath         what = iota // the value at a fixed path (string)
	wPathList                 // the elements of the array at a fixed path (list)
	wURIParam                 // ka.uri.param[KEY]
	wTargetPod                // ka.target.pod.name
	wSubjects                 // ka.req.binding.subjects (objects as JSON text)
	wSubjectNames             // names of subjects of kind sub1
	wSubjectSANS              // namespace:name of ServiceAccount subjects
	wHasName                  // ka.req.binding.subject.has_name (constant "true")
	wVolField                 // /requestObject/spec/volumes/*/path (list, Idx)
	wVolHostpath              // ka.req.volume.hostpath[KEY]
	wVolType                  // ka.req.pod.volumes.volume_type
	wFirstImage               // ka.req.container.image
	wFirstRepo                // ka.req.container.image.repository
	wAnyPriv                  // ka.req.container.privileged
	wRules                    // ka.req.role.rules (JSON text)
	wRulesField               // flatten /requestObject/rules/*/path/*
	wSvcPorts                 // ka.req.service.ports
	wCtr                      // per-container family: ctr names the list, csub the suffix
	wJSONValue                // json.value[/pointer]
	wJSONObj                  // json.obj
	wRawTimeText              // json.rawtime
	wEvtRawTime               // evt.rawtime (AbsTime)
	wEvtRawTimeS              // evt.rawtime.s
	wEvtRawTimeNS             // evt.rawtime.ns
	wEvtTime                  // evt.time and the other renderings: layout in spec.sub
	wEvtNum                   // evt.num
	wEvtSource                // evt.source
	wEvtPlugin                // evt.pluginname
)

// ctrSub is the suffix of a per-container field.
type ctrSub uint8

const (
	csName ctrSub = iota
	csImage
	csRepo
	csCommand
	csArgs
	csPrivileged
	csAllowPE
	csReadOnlyFS
	csRunAsUser
	csRunAsGroup
	csEffRunAsUser
	csEffRunAsGroup
	csProcMount
	csAddCaps
	csHostPort
)

// Time layouts of the evt.time fields (Falco's renderings).
const (
	layoutTime      = "15:04:05.000000000"
	layoutTimeS     = "15:04:05"
	layoutISO       = "2006-01-02T15:04:05.000000000Z"
	layoutDateTime  = "2006-01-02 15:04:05.000000000"
	layoutDateTimeS = "2006-01-02 15:04:05"
)

// spec is the extraction recipe of one field.
type spec struct {
	what what
	path []string
	sub  string // wSubjectNames: the subject kind; wRulesField: the rule member
	ctr  string // wCtr: containers, initContainers or ephemeralContainers
	csub ctrSub
}

// fieldDef pairs a field's public description with its recipe.
type fieldDef struct {
	info fields.Info
	spec spec
}

func str(name, desc string, s spec) fieldDef {
	return fieldDef{fields.Info{Name: name, Type: fields.String, Desc: desc}, s}
}

func list(name, desc string, idx bool, s spec) fieldDef {
	info := fields.Info{Name: name, Type: fields.String, IsList: true, Desc: desc}
	if idx {
		info.Arg = fields.ArgIndex
	}
	return fieldDef{info, s}
}

func keyed(name, desc string, s spec) fieldDef {
	return fieldDef{fields.Info{Name: name, Type: fields.String, Arg: fields.ArgKey, ArgRequired: true, Desc: desc}, s}
}

func at(p ...string) spec { return spec{what: wPath, path: p} }

var ctrSuffixes = []struct {
	name string
	sub  ctrSub
	desc string
}{
	{"name", csName, "names of the containers"},
	{"image", csImage, "images of the containers"},
	{"image.repository", csRepo, "images of the containers without tag or digest"},
	{"command", csCommand, "commands of the containers, arguments joined with spaces"},
	{"args", csArgs, "args of the containers, joined with spaces"},
	{"privileged", csPrivileged, "securityContext.privileged of the containers that set it"},
	{"allow_privilege_escalation", csAllowPE, "securityContext.allowPrivilegeEscalation of the containers that set it"},
	{"read_only_fs", csReadOnlyFS, "securityContext.readOnlyRootFilesystem of the containers that set it"},
	{"run_as_user", csRunAsUser, "securityContext.runAsUser of the containers that set it"},
	{"run_as_group", csRunAsGroup, "securityContext.runAsGroup of the containers that set it"},
	{"eff_run_as_user", csEffRunAsUser, "effective runAsUser of each container: its own, else the pod's, else 0"},
	{"eff_run_as_group", csEffRunAsGroup, "effective runAsGroup of each container: its own, else the pod's, else 0"},
	{"proc_mount", csProcMount, "securityContext.procMount of the containers that set it"},
	{"add_capabilities", csAddCaps, "capabilities added by the containers"},
	{"host_port", csHostPort, "hostPort of each container port, else its containerPort"},
}

// fieldTable is the read-only field table, in a stable order.
var fieldTable, fieldSpecs = buildTable()

func buildTable() ([]fields.Info, []spec) {
	defs := []fieldDef{
		str("ka.auditid", "the audit event's id", at("auditID")),
		str("ka.stage", "the stage of the request (RequestReceived, ResponseStarted, ResponseComplete, Panic)", at("stage")),
		str("ka.auth.decision", "the authorization decision (allow, forbid)", at("annotations", "authorization.k8s.io/decision")),
		str("ka.auth.reason", "the reason of the authorization decision", at("annotations", "authorization.k8s.io/reason")),
		str("ka.auth.openshift.decision", "OpenShift's authentication decision", at("annotations", "authentication.openshift.io/decision")),
		str("ka.auth.openshift.username", "OpenShift's authenticated user name", at("annotations", "authentication.openshift.io/username")),
		str("ka.validations.admission.policy.failure", "the ValidatingAdmissionPolicy failure annotation", at("annotations", "validation.policy.admission.k8s.io/validation_failure")),
		str("ka.security.pod.violations", "the Pod Security audit violations annotation", at("annotations", "pod-security.kubernetes.io/audit-violations")),
		str("ka.cluster.name", "the cluster name annotation set by some converters", at("annotations", "cluster_name")),
		str("ka.user.name", "the user name performing the request", at("user", "username")),
		list("ka.user.groups", "the groups of the user performing the request", false, spec{what: wPathList, path: []string{"user", "groups"}}),
		str("ka.impuser.name", "the impersonated user name", at("impersonatedUser", "username")),
		str("ka.verb", "the action being performed", at("verb")),
		str("ka.uri", "the request URI as sent from client to server", at("requestURI")),
		keyed("ka.uri.param", "the first value of the query parameter KEY of the request URI", spec{what: wURIParam}),
		str("ka.target.name", "the target object name", at("objectRef", "name")),
		str("ka.target.namespace", "the target object namespace", at("objectRef", "namespace")),
		str("ka.target.resource", "the target object resource", at("objectRef", "resource")),
		str("ka.target.subresource", "the target object subresource", at("objectRef", "subresource")),
		str("ka.target.pod.name", "the name of the pod the request created or changed (pods, no subresource)", spec{what: wTargetPod}),
		list("ka.req.binding.subjects", "the subjects of a role binding, as JSON text", false, spec{what: wSubjects}),
		list("ka.req.binding.subjects.user_names", "the names of the User subjects of a role binding", false, spec{what: wSubjectNames, sub: "User"}),
		list("ka.req.binding.subjects.serviceaccount_names", "the names of the ServiceAccount subjects of a role binding", false, spec{what: wSubjectNames, sub: "ServiceAccount"}),
		list("ka.req.binding.subjects.serviceaccount_ns_names", "namespace:name of the ServiceAccount subjects of a role binding", false, spec{what: wSubjectSANS}),
		list("ka.req.binding.subjects.group_names", "the names of the Group subjects of a role binding", false, spec{what: wSubjectNames, sub: "Group"}),
		str("ka.req.binding.role", "the role a binding refers to", at("requestObject", "roleRef", "name")),
		keyed("ka.req.binding.subject.has_name", "deprecated: always true, as upstream", spec{what: wHasName}),
		str("ka.req.configmap.name", "the configmap name", at("objectRef", "name")),
		str("ka.req.configmap.obj", "the configmap's data, as JSON text", at("requestObject", "data")),
		str("ka.req.pod.host_ipc", "the pod's hostIPC", at("requestObject", "spec", "hostIPC")),
		str("ka.req.pod.host_network", "the pod's hostNetwork", at("requestObject", "spec", "hostNetwork")),
		str("ka.req.container.host_network", "deprecated alias of ka.req.pod.host_network", at("requestObject", "spec", "hostNetwork")),
		str("ka.req.pod.host_pid", "the pod's hostPID", at("requestObject", "spec", "hostPID")),
		str("ka.req.pod.run_as_user", "the pod's securityContext.runAsUser", at("requestObject", "spec", "securityContext", "runAsUser")),
		str("ka.req.pod.run_as_group", "the pod's securityContext.runAsGroup", at("requestObject", "spec", "securityContext", "runAsGroup")),
		str("ka.req.pod.fs_group", "the pod's securityContext.fsGroup", at("requestObject", "spec", "securityContext", "fsGroup")),
		list("ka.req.pod.supplemental_groups", "the pod's securityContext.supplementalGroups", false, spec{what: wPathList, path: []string{"requestObject", "spec", "securityContext", "supplementalGroups"}}),
		list("ka.req.pod.volumes.hostpath", "the hostPath paths of the pod's volumes", true, spec{what: wVolField, path: []string{"hostPath", "path"}}),
		keyed("ka.req.volume.hostpath", "deprecated: true if a hostPath volume is KEY (a trailing * matches a prefix), else false", spec{what: wVolHostpath}),
		list("ka.req.pod.volumes.flexvolume_driver", "the flexVolume drivers of the pod's volumes", true, spec{what: wVolField, path: []string{"flexVolume", "driver"}}),
		list("ka.req.pod.volumes.volume_type", "the types of the pod's volumes (every member but name)", true, spec{what: wVolType}),
		str("ka.req.container.image", "deprecated: the image of the first container", spec{what: wFirstImage}),
		str("ka.req.container.image.repository", "deprecated: the repository of the first container's image", spec{what: wFirstRepo}),
		str("ka.req.container.privileged", "deprecated: true if any container is privileged, else false", spec{what: wAnyPriv}),
		list("ka.req.role.rules", "the rules of a role, as JSON text", false, spec{what: wRules}),
		list("ka.req.role.rules.apiGroups", "the apiGroups of a role's rules (index selects the rule)", true, spec{what: wRulesField, sub: "apiGroups"}),
		list("ka.req.role.rules.nonResourceURLs", "the nonResourceURLs of a role's rules (index selects the rule)", true, spec{what: wRulesField, sub: "nonResourceURLs"}),
		list("ka.req.role.rules.verbs", "the verbs of a role's rules (index selects the rule)", true, spec{what: wRulesField, sub: "verbs"}),
		list("ka.req.role.rules.resources", "the resources of a role's rules (index selects the rule)", true, spec{what: wRulesField, sub: "resources"}),
		str("ka.req.service.type", "the service type", at("requestObject", "spec", "type")),
		list("ka.req.service.ports", "the service's ports, each as JSON text", true, spec{what: wSvcPorts}),
	}
	for _, l := range []string{"containers", "initContainers", "ephemeralContainers"} {
		for _, s := range ctrSuffixes {
			if s.sub == csHostPort && l == "ephemeralContainers" {
				continue
			}
			defs = append(defs, list("ka.req.pod."+l+"."+s.name, "pod spec "+l+": "+s.desc, true, spec{what: wCtr, ctr: l, csub: s.sub}))
		}
	}
	defs = append(defs,
		str("ka.resp.name", "the name of the object in the response", at("responseObject", "metadata", "name")),
		str("ka.response.code", "the response code", at("responseStatus", "code")),
		str("ka.response.reason", "the response reason", at("responseStatus", "reason")),
		str("ka.useragent", "the user agent of the client", at("userAgent")),
		list("ka.sourceips", "the client's IP addresses (top-level sourceIPs)", true, spec{what: wPathList, path: []string{"sourceIPs"}}),
	)
	for _, p := range []string{"json", "jevt"} {
		defs = append(defs,
			keyed(p+".value", "the value at the JSON pointer KEY; non-strings as compact JSON text", spec{what: wJSONValue}),
			str(p+".obj", "the whole event as indented JSON text", spec{what: wJSONObj}),
			str(p+".rawtime", "the event time in nanoseconds since the epoch, as text", spec{what: wRawTimeText}),
		)
	}
	defs = append(defs,
		fieldDef{fields.Info{Name: "evt.rawtime", Type: fields.AbsTime, Desc: "the event time (stageTimestamp) in nanoseconds since the epoch"}, spec{what: wEvtRawTime}},
		fieldDef{fields.Info{Name: "evt.rawtime.s", Type: fields.Uint64, Desc: "the seconds of evt.rawtime"}, spec{what: wEvtRawTimeS}},
		fieldDef{fields.Info{Name: "evt.rawtime.ns", Type: fields.Uint64, Desc: "the nanoseconds within the second of evt.rawtime"}, spec{what: wEvtRawTimeNS}},
		str("evt.time", "the event time of day, local, with nanoseconds (15:04:05.000000000)", spec{what: wEvtTime, sub: layoutTime}),
		str("evt.time.s", "the event time of day, local, in seconds (15:04:05)", spec{what: wEvtTime, sub: layoutTimeS}),
		str("evt.time.iso8601", "the event time in ISO 8601, UTC, with nanoseconds", spec{what: wEvtTime, sub: layoutISO}),
		str("evt.datetime", "the event date and time, local, with nanoseconds", spec{what: wEvtTime, sub: layoutDateTime}),
		str("evt.datetime.s", "the event date and time, local, in seconds", spec{what: wEvtTime, sub: layoutDateTimeS}),
		fieldDef{fields.Info{Name: "evt.num", Type: fields.Uint64, Desc: "the event's sequence number"}, spec{what: wEvtNum}},
		str("evt.source", "the event source (k8s_audit)", spec{what: wEvtSource}),
		str("evt.pluginname", "the name of the event's source plugin (k8saudit)", spec{what: wEvtPlugin}),
	)
	infos := make([]fields.Info, len(defs))
	specs := make([]spec, len(defs))
	for i, d := range defs {
		infos[i], specs[i] = d.info, d.spec
	}
	return infos, specs
}
