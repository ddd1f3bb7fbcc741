package k8saudit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/runtime/fields"
	"github.com/google/go-cmp/cmp"
)

// corpusDir holds real audit events from Falco's regression suite; the
// tests that need it skip when it is absent.
const corpusDir = "/work/shared/corpus/audit/falcosecurity__falco/test/trace_files/k8s_audit"

// ref resolves "name" or "name[arg]" against the k8s_audit source.
func ref(t testing.TB, field string) fields.Ref {
	t.Helper()
	name, arg, hasArg := strings.Cut(field, "[")
	id, info, ok := fields.Lookup(Source{}, name)
	if !ok {
		t.Fatalf("unknown field %q", name)
	}
	r := fields.Ref{ID: id}
	if hasArg {
		r.Arg, r.HasArg = strings.TrimSuffix(arg, "]"), true
		if n, err := strconv.Atoi(r.Arg); err == nil && n >= 0 {
			r.Index, r.HasIndex = n, true
		}
	}
	if info.ArgRequired && !hasArg {
		t.Fatalf("field %q needs an argument", name)
	}
	return r
}

// readEvents reads every event of a file through the FileReader.
func readEvents(t testing.TB, path string) ([]*Event, []error) {
	t.Helper()
	var evs []*Event
	var errs []error
	r := NewFileReader(path, FileOptions{OnError: func(err error) { errs = append(errs, err) }})
	if err := r.Run(context.Background(), func(e *Event) { evs = append(evs, e) }); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return evs, errs
}

// firstEvent returns the first event of a corpus or testdata file.
func firstEvent(t testing.TB, path string) *Event {
	t.Helper()
	if !filepath.IsAbs(path) {
		path = filepath.Join("testdata", path)
	} else if _, err := os.Stat(path); err != nil {
		t.Skip("corpus not present")
	}
	evs, errs := readEvents(t, path)
	if len(errs) > 0 || len(evs) == 0 {
		t.Fatalf("%s: %d events, errors %v", path, len(evs), errs)
	}
	return evs[0]
}

// absent marks a field that must not apply to the event.
var absent []string

func TestExtract(t *testing.T) {
	corpus := func(name string) string { return filepath.Join(corpusDir, name) }
	cases := []struct {
		file  string
		field string
		want  []string // nil: the field is absent
	}{
		// A replicaset controller creating a pod whose 2nd container is
		// privileged (v1beta1-era capture without apiVersion).
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.auditid", []string{"f83ecd50-5bf4-4fe7-a419-dea22852ca49"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.stage", []string{"ResponseComplete"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.auth.decision", []string{"allow"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.auth.reason", []string{`RBAC: allowed by ClusterRoleBinding "system:controller:replicaset-controller" of ClusterRole "system:controller:replicaset-controller" to ServiceAccount "replicaset-controller/kube-system"`}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.user.name", []string{"system:serviceaccount:kube-system:replicaset-controller"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.user.groups", []string{"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.verb", []string{"create"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.uri", []string{"/api/v1/namespaces/default/pods"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.target.namespace", []string{"default"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.target.resource", []string{"pods"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.target.name", absent},        // generateName: no name yet
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.target.subresource", absent}, // none
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.target.pod.name", []string{"nginx-deployment-544b59f8b8-ffkxm"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.resp.name", []string{"nginx-deployment-544b59f8b8-ffkxm"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.response.code", []string{"201"}}, // a number, as text
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.response.reason", absent},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.sourceips", []string{"::1"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.sourceips[0]", []string{"::1"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.sourceips[1]", absent}, // out of range
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.useragent", absent},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.impuser.name", absent},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.pod.containers.image", []string{"nginx", "mysql:latest"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.pod.containers.image[1]", []string{"mysql:latest"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.pod.containers.image.repository", []string{"nginx", "mysql"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.pod.containers.name", []string{"nginx1", "mysql"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.pod.containers.privileged", []string{"false", "true"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.container.privileged", []string{"true"}}, // the 2nd one is
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.container.image", []string{"nginx"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.container.image.repository", []string{"nginx"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.pod.containers.run_as_user", []string{}},             // none set
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.pod.containers.eff_run_as_user", []string{"0", "0"}}, // defaults
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.pod.host_network", absent},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.pod.initContainers.image", absent},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.pod.volumes.hostpath", absent},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "ka.req.volume.hostpath[/etc]", absent},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "json.value[/stage]", []string{"ResponseComplete"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "jevt.value[stage]", []string{"ResponseComplete"}}, // leading / optional
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "jevt.value[/responseStatus]", []string{`{"code":201,"metadata":{}}`}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "json.value[/user/groups/1]", []string{"system:serviceaccounts:kube-system"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "json.value[/annotations/authorization.k8s.io~1decision]", []string{"allow"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "json.value[/requestObject/spec/containers/1/securityContext/privileged]", []string{"true"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "json.value[/nope]", absent},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "json.value[/user/groups/01]", absent}, // leading zero is no index
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "jevt.rawtime", []string{"1540489987006845000"}},
		{corpus("create_nginx_pod_privileged_2nd_container.json"), "evt.source", []string{"k8s_audit"}},

		// exec into a pod: stage ResponseStarted, query parameters.
		{corpus("exec_pod.json"), "ka.uri.param[command]", []string{"bash"}},
		{corpus("exec_pod.json"), "ka.uri.param[container]", []string{"nginx1"}}, // the first of two
		{corpus("exec_pod.json"), "ka.uri.param[stdin]", []string{"true"}},
		{corpus("exec_pod.json"), "ka.uri.param[missing]", absent},
		{corpus("exec_pod.json"), "ka.target.subresource", []string{"exec"}},
		{corpus("exec_pod.json"), "ka.target.name", []string{"nginx-deployment-7998647bdf-phvq7"}},
		{corpus("exec_pod.json"), "ka.target.pod.name", absent}, // a subresource
		{corpus("exec_pod.json"), "ka.response.code", []string{"101"}},
		{corpus("exec_pod.json"), "ka.stage", []string{"ResponseStarted"}},
		{corpus("exec_pod.json"), "ka.auth.reason", []string{""}}, // present and empty
		{corpus("exec_pod.json"), "ka.req.pod.containers.image", absent},

		// A ClusterRole with wildcard verbs.
		{corpus("create_cluster_role_wildcard_verbs.json"), "ka.req.role.rules", []string{
			`{"apiGroups":[""],"resources":["pods"],"verbs":["*"]}`,
			`{"nonResourceURLs":["/api","/api/*","/apis","/apis/*","/healthz","/openapi","/openapi/*","/swagger-2.0.0.pb-v1","/swagger.json","/swaggerapi","/swaggerapi/*","/version","/version/"],"verbs":["get"]}`}},
		{corpus("create_cluster_role_wildcard_verbs.json"), "ka.req.role.rules.verbs", []string{"*", "get"}},
		{corpus("create_cluster_role_wildcard_verbs.json"), "ka.req.role.rules.verbs[1]", []string{"get"}},
		{corpus("create_cluster_role_wildcard_verbs.json"), "ka.req.role.rules.verbs[2]", absent},
		{corpus("create_cluster_role_wildcard_verbs.json"), "ka.req.role.rules.resources", []string{"pods"}},
		{corpus("create_cluster_role_wildcard_verbs.json"), "ka.req.role.rules.apiGroups", []string{""}},
		{corpus("create_cluster_role_wildcard_verbs.json"), "ka.req.role.rules.nonResourceURLs[0]", []string{}}, // the first rule has none
		{corpus("create_cluster_role_wildcard_verbs.json"), "ka.req.role.rules.nonResourceURLs[1]", []string{"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/openapi", "/openapi/*", "/swagger-2.0.0.pb-v1", "/swagger.json", "/swaggerapi", "/swaggerapi/*", "/version", "/version/"}},
		{corpus("create_cluster_role_wildcard_verbs.json"), "ka.target.resource", []string{"clusterroles"}},

		// A ClusterRoleBinding to a User.
		{corpus("create_clusterrolebinding.json"), "ka.req.binding.subjects", []string{`{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"minikube"}`}},
		{corpus("create_clusterrolebinding.json"), "ka.req.binding.subjects.user_names", []string{"minikube"}},
		{corpus("create_clusterrolebinding.json"), "ka.req.binding.subjects.group_names", []string{}},
		{corpus("create_clusterrolebinding.json"), "ka.req.binding.role", []string{"system:basic-user"}},
		{corpus("create_clusterrolebinding.json"), "ka.req.binding.subject.has_name[cluster-admin]", []string{"true"}}, // upstream's constant

		// Sensitive hostPath mount, host network, NodePort service.
		{corpus("create_nginx_pod_sensitive_mount.json"), "ka.req.pod.volumes.hostpath", []string{"/etc"}},
		{corpus("create_nginx_pod_sensitive_mount.json"), "ka.req.volume.hostpath[/etc]", []string{"true"}},
		{corpus("create_nginx_pod_sensitive_mount.json"), "ka.req.volume.hostpath[/e*]", []string{"true"}},
		{corpus("create_nginx_pod_sensitive_mount.json"), "ka.req.volume.hostpath[/proc*]", []string{"false"}},
		{corpus("create_nginx_pod_sensitive_mount.json"), "ka.req.pod.volumes.volume_type", []string{"hostPath"}},
		{corpus("create_nginx_pod_sensitive_mount.json"), "ka.req.container.privileged", []string{"false"}},
		{corpus("create_nginx_pod_sensitive_mount.json"), "ka.req.pod.containers.privileged", []string{}},
		{corpus("create_nginx_pod_hostnetwork.json"), "ka.req.pod.host_network", []string{"true"}},
		{corpus("create_nginx_pod_hostnetwork.json"), "ka.req.container.host_network", []string{"true"}},
		{corpus("create_nginx_pod_hostnetwork.json"), "ka.req.pod.host_pid", absent},
		{corpus("create_nginx_service_nodeport.json"), "ka.req.service.type", []string{"NodePort"}},
		{corpus("create_nginx_service_nodeport.json"), "ka.req.service.ports", []string{`{"nodePort":30080,"port":80,"protocol":"TCP","targetPort":80}`}},
		{corpus("create_nginx_service_nodeport.json"), "ka.req.service.ports[0]", []string{`{"nodePort":30080,"port":80,"protocol":"TCP","targetPort":80}`}},

		// A configmap holding AWS keys: the data as compact JSON text,
		// escapes kept as JSON writes them.
		{corpus("create_configmap_sensitive_values.json"), "ka.req.configmap.name", []string{"my-config"}},
		{corpus("create_configmap_sensitive_values.json"), "ka.req.configmap.obj", []string{`{"access.properties":"aws_access_key_id = MY-ID\naws_secret_access_key = MY-KEY\n","ui.properties":"color.good=purple\ncolor.bad=yellow\nallow.textmode=true\n"}`}},

		// v1beta1 event with apiVersion, anonymous user.
		{corpus("anonymous_creates_namespace_foo.json"), "ka.user.name", []string{"system:anonymous"}},
		{corpus("anonymous_creates_namespace_foo.json"), "ka.target.name", []string{"foo"}},

		// Our v1 pod with every pod field set (pretty-printed, one
		// document on many lines).
		{"pod_v1.json", "ka.uri.param[fieldManager]", []string{"kubectl client"}}, // %20 decoded
		{"pod_v1.json", "ka.uri.param[dryRun]", []string{"All"}},
		{"pod_v1.json", "ka.user.groups", []string{"dev", "system:authenticated"}},
		{"pod_v1.json", "ka.impuser.name", []string{"bob"}},
		{"pod_v1.json", "ka.useragent", []string{"kubectl/v1.30.0 (linux/amd64) kubernetes/abcdef"}},
		{"pod_v1.json", "ka.sourceips", []string{"10.0.0.1", "10.0.0.2"}},
		{"pod_v1.json", "ka.sourceips[1]", []string{"10.0.0.2"}},
		{"pod_v1.json", "ka.auth.reason", []string{`RBAC: allowed by RoleBinding "dev/prod"`}},
		{"pod_v1.json", "ka.auth.openshift.decision", []string{"allow"}},
		{"pod_v1.json", "ka.auth.openshift.username", []string{"alice@corp"}},
		{"pod_v1.json", "ka.validations.admission.policy.failure", []string{`[{"message":"no"}]`}},
		{"pod_v1.json", "ka.security.pod.violations", []string{`privileged (container "app" must not set securityContext.privileged=true)`}},
		{"pod_v1.json", "ka.cluster.name", []string{"prod-eu"}},
		{"pod_v1.json", "ka.target.pod.name", []string{"web"}},
		{"pod_v1.json", "ka.req.pod.host_ipc", []string{"true"}},
		{"pod_v1.json", "ka.req.pod.host_network", []string{"false"}},
		{"pod_v1.json", "ka.req.pod.host_pid", []string{"true"}},
		{"pod_v1.json", "ka.req.pod.run_as_user", []string{"1000"}},
		{"pod_v1.json", "ka.req.pod.run_as_group", []string{"3000"}},
		{"pod_v1.json", "ka.req.pod.fs_group", []string{"2000"}},
		{"pod_v1.json", "ka.req.pod.supplemental_groups", []string{"4000", "5000"}},
		{"pod_v1.json", "ka.req.pod.volumes.hostpath", []string{"/var/run/docker.sock", "/proc/sys"}},
		{"pod_v1.json", "ka.req.pod.volumes.hostpath[0]", []string{"/var/run/docker.sock"}},
		{"pod_v1.json", "ka.req.pod.volumes.hostpath[1]", []string{}}, // the configMap volume
		{"pod_v1.json", "ka.req.pod.volumes.flexvolume_driver", []string{"example/lvm"}},
		{"pod_v1.json", "ka.req.pod.volumes.volume_type", []string{"hostPath", "configMap", "flexVolume", "hostPath"}},
		{"pod_v1.json", "ka.req.pod.volumes.volume_type[2]", []string{"flexVolume"}},
		{"pod_v1.json", "ka.req.volume.hostpath[/var/run/docker.sock]", []string{"true"}},
		{"pod_v1.json", "ka.req.volume.hostpath[/proc*]", []string{"true"}},
		{"pod_v1.json", "ka.req.volume.hostpath[/]", []string{"false"}},
		{"pod_v1.json", "ka.req.container.image", []string{"registry.example:5000/team/app:1.2@sha256:0123abcd"}},
		{"pod_v1.json", "ka.req.container.image.repository", []string{"registry.example:5000/team/app"}}, // port kept (Q3)
		{"pod_v1.json", "ka.req.container.privileged", []string{"true"}},
		{"pod_v1.json", "ka.req.pod.containers.name", []string{"app", "sidecar"}},
		{"pod_v1.json", "ka.req.pod.containers.image", []string{"registry.example:5000/team/app:1.2@sha256:0123abcd", "busybox"}},
		{"pod_v1.json", "ka.req.pod.containers.image.repository", []string{"registry.example:5000/team/app", "busybox"}},
		{"pod_v1.json", "ka.req.pod.containers.command", []string{`sh -c echo "hi"`, "sleep"}},
		{"pod_v1.json", "ka.req.pod.containers.args", []string{"--port 8080"}}, // only app has args
		{"pod_v1.json", "ka.req.pod.containers.privileged", []string{"true"}},
		{"pod_v1.json", "ka.req.pod.containers.allow_privilege_escalation", []string{"false"}},
		{"pod_v1.json", "ka.req.pod.containers.read_only_fs", []string{"true"}},
		{"pod_v1.json", "ka.req.pod.containers.run_as_user", []string{"0"}},
		{"pod_v1.json", "ka.req.pod.containers.run_as_group", []string{"7"}},
		{"pod_v1.json", "ka.req.pod.containers.eff_run_as_user", []string{"0", "1000"}},  // own, then the pod's (Q2)
		{"pod_v1.json", "ka.req.pod.containers.eff_run_as_group", []string{"3000", "7"}}, // the pod's, then own
		{"pod_v1.json", "ka.req.pod.containers.eff_run_as_user[1]", []string{"1000"}},
		{"pod_v1.json", "ka.req.pod.containers.proc_mount", []string{"Unmasked"}},
		{"pod_v1.json", "ka.req.pod.containers.add_capabilities", []string{"NET_ADMIN", "SYS_TIME"}},
		{"pod_v1.json", "ka.req.pod.containers.host_port", []string{"80", "9090"}}, // containerPort when no hostPort
		{"pod_v1.json", "ka.req.pod.containers.host_port[1]", []string{}},
		{"pod_v1.json", "ka.req.pod.containers.image[2]", absent},
		{"pod_v1.json", "ka.req.pod.initContainers.name", []string{"init"}},
		{"pod_v1.json", "ka.req.pod.initContainers.image", []string{"alpine:3.20"}},
		{"pod_v1.json", "ka.req.pod.initContainers.image.repository", []string{"alpine"}},
		{"pod_v1.json", "ka.req.pod.initContainers.privileged", []string{"false"}},
		{"pod_v1.json", "ka.req.pod.initContainers.eff_run_as_user", []string{"1000"}},
		{"pod_v1.json", "ka.req.pod.initContainers.host_port", []string{}},
		{"pod_v1.json", "ka.req.pod.ephemeralContainers.image", []string{"busybox:1.36"}},
		{"pod_v1.json", "ka.req.pod.ephemeralContainers.privileged", []string{"true"}},
		{"pod_v1.json", "ka.req.pod.ephemeralContainers.command", []string{}},
		{"pod_v1.json", "jevt.value[/requestObject/spec/volumes/3]", []string{`{"name":"proc","hostPath":{"path":"/proc/sys"}}`}},
		{"pod_v1.json", "json.rawtime", []string{"1714557600123456789"}},
		{"pod_v1.json", "evt.pluginname", []string{"k8saudit"}},
		{"pod_v1.json", "evt.time.iso8601", []string{"2024-05-01T10:00:00.123456789Z"}},
		{"pod_v1.json", "evt.time", []string{time.Unix(1714557600, 123456789).Format("15:04:05.000000000")}}, // local time
		{"pod_v1.json", "evt.datetime.s", []string{time.Unix(1714557600, 0).Format("2006-01-02 15:04:05")}},

		// RoleBinding subjects of every kind.
		{"binding_v1.jsonl", "ka.req.binding.subjects.user_names", []string{"carol"}},
		{"binding_v1.jsonl", "ka.req.binding.subjects.serviceaccount_names", []string{"builder", "deployer"}},
		{"binding_v1.jsonl", "ka.req.binding.subjects.serviceaccount_ns_names", []string{"ci:builder", "cd:deployer"}},
		{"binding_v1.jsonl", "ka.req.binding.subjects.group_names", []string{"devs"}},
		{"binding_v1.jsonl", "ka.req.binding.role", []string{"edit"}},
		{"binding_v1.jsonl", "ka.req.pod.containers.image", absent},
	}
	events := map[string]*Event{}
	for _, c := range cases {
		t.Run(filepath.Base(c.file)+"/"+c.field, func(t *testing.T) {
			ev := events[c.file]
			if ev == nil {
				ev = firstEvent(t, c.file)
				events[c.file] = ev
			}
			vals, ok := ev.Extract(ref(t, c.field), nil)
			if c.want == nil {
				if ok {
					t.Fatalf("want absent, got %q", strs(vals))
				}
				return
			}
			if !ok {
				t.Fatalf("want %q, got absent", c.want)
			}
			if diff := cmp.Diff(c.want, strs(vals)); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtractNumbers(t *testing.T) {
	ev := firstEvent(t, "pod_v1.json")
	ev.SetNum(42)
	for field, want := range map[string]uint64{
		"evt.rawtime":    1714557600123456789,
		"evt.rawtime.s":  1714557600,
		"evt.rawtime.ns": 123456789,
		"evt.num":        42,
	} {
		vals, ok := ev.Extract(ref(t, field), nil)
		if !ok || len(vals) != 1 || vals[0].Num != want {
			t.Errorf("%s: %v %v, want %d", field, vals, ok, want)
		}
	}
}

func strs(vals []fields.Value) []string {
	out := []string{}
	for _, v := range vals {
		out = append(out, v.Str)
	}
	return out
}

// TestFieldTable checks the table's shape: unique names, string or
// string-list k8s fields, the catalogue's argument kinds.
func TestFieldTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range (Source{}).Fields() {
		if seen[f.Name] {
			t.Errorf("duplicate field %s", f.Name)
		}
		seen[f.Name] = true
		if strings.HasPrefix(f.Name, "ka.") && f.Type != fields.String {
			t.Errorf("%s: type %v, want string", f.Name, f.Type)
		}
		if f.Desc == "" {
			t.Errorf("%s: no description", f.Name)
		}
	}
	want := map[string]fields.Info{
		"ka.uri.param":                                    {Arg: fields.ArgKey, ArgRequired: true},
		"ka.req.volume.hostpath":                          {Arg: fields.ArgKey, ArgRequired: true},
		"ka.user.groups":                                  {IsList: true},
		"ka.sourceips":                                    {IsList: true, Arg: fields.ArgIndex},
		"ka.req.pod.containers.image":                     {IsList: true, Arg: fields.ArgIndex},
		"ka.req.pod.ephemeralContainers.image":            {IsList: true, Arg: fields.ArgIndex},
		"ka.req.pod.initContainers.host_port":             {IsList: true, Arg: fields.ArgIndex},
		"ka.req.role.rules.verbs":                         {IsList: true, Arg: fields.ArgIndex},
		"ka.req.container.image":                          {},
		"jevt.value":                                      {Arg: fields.ArgKey, ArgRequired: true},
		"ka.req.binding.subjects.serviceaccount_ns_names": {IsList: true},
	}
	for name, w := range want {
		_, f, ok := fields.Lookup(Source{}, name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if f.IsList != w.IsList || f.Arg != w.Arg || f.ArgRequired != w.ArgRequired {
			t.Errorf("%s: list %v arg %v required %v, want %v %v %v", name, f.IsList, f.Arg, f.ArgRequired, w.IsList, w.Arg, w.ArgRequired)
		}
	}
	if seen["ka.req.pod.ephemeralContainers.host_port"] {
		t.Error("ephemeral containers have no host_port field")
	}
	if (Source{}).Name() != "k8s_audit" {
		t.Error("source name")
	}
}

// TestCorpus reads every audit trace of the corpus: all decode but the
// malformed {"kind": 0} of Falco's 2019 security audit, which is
// reported with its line and skipped.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus not present")
	}
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	total := 0
	for _, f := range files {
		evs, errs := readEvents(t, f)
		total += len(evs)
		switch filepath.Base(f) {
		case "fal_01_003.json":
			if len(evs) != 0 || len(errs) != 1 {
				t.Fatalf("%s: %d events, %d errors", f, len(evs), len(errs))
			}
			var le *LineError
			if !errors.As(errs[0], &le) || le.Line != 1 || !errors.Is(errs[0], ErrNotAudit) {
				t.Errorf("%s: error %v, want line 1 not audit", f, errs[0])
			}
			if want := "fal_01_003.json:1: not a Kubernetes audit Event or EventList (kind 0)"; !strings.HasSuffix(errs[0].Error(), want) {
				t.Errorf("error %q, want suffix %q", errs[0], want)
			}
		case "create_configmap_sensitive_values.json":
			if len(evs) != 6 || len(errs) != 0 {
				t.Errorf("%s: %d events, errors %v; want 6", f, len(evs), errs)
			}
		default:
			if len(evs) != 1 || len(errs) != 0 {
				t.Errorf("%s: %d events, errors %v; want 1", f, len(evs), errs)
			}
		}
	}
	// 47 traces: 45 of one event, one of six, the malformed one.
	if len(files) != 47 || total != 51 {
		t.Errorf("%d files, %d events; want 47 and 51", len(files), total)
	}
}

// BenchmarkExtract extracts the fields the upstream rules use most from
// a real pod creation event.
func BenchmarkExtract(b *testing.B) {
	ev := firstEvent(b, filepath.Join(corpusDir, "create_nginx_pod_privileged_2nd_container.json"))
	names := []string{"ka.user.name", "ka.target.namespace", "ka.target.resource", "ka.verb", "ka.response.code",
		"ka.auth.decision", "ka.req.pod.containers.image.repository", "ka.req.pod.containers.privileged",
		"ka.req.container.privileged", "ka.user.groups", "ka.target.pod.name", "jevt.rawtime", "json.value[/stage]",
		"ka.req.pod.containers.eff_run_as_user", "ka.uri.param[command]", "ka.req.volume.hostpath[/etc]"}
	refs := make([]fields.Ref, len(names))
	for i, n := range names {
		refs[i] = ref(b, n)
	}
	buf := make([]fields.Value, 0, 16)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, r := range refs {
			buf, _ = ev.Extract(r, buf[:0])
		}
	}
}

func TestExtractAllocs(t *testing.T) {
	ev := firstEvent(t, "pod_v1.json")
	for _, name := range []string{"ka.user.name", "ka.req.pod.containers.image.repository", "ka.req.pod.containers.eff_run_as_group",
		"ka.req.volume.hostpath[/proc*]", "ka.uri.param[dryRun]", "ka.req.pod.volumes.volume_type", "ka.req.role.rules.verbs",
		"ka.req.pod.containers.host_port", "jevt.value[/requestObject/spec/volumes]", "ka.sourceips[1]"} {
		r := ref(t, name)
		buf := make([]fields.Value, 0, 16)
		if n := testing.AllocsPerRun(100, func() { buf, _ = ev.Extract(r, buf[:0]) }); n != 0 {
			t.Errorf("%s: %v allocations per extraction", name, n)
		}
	}
}

// BenchmarkDecode decodes an EventList of 500 realistic events.
func BenchmarkDecode(b *testing.B) {
	body := eventList(1, 500)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Decode(body, Limits{})
		if err != nil || len(res.Events) != 500 {
			b.Fatal(err)
		}
	}
}

// BenchmarkExtractAll extracts every field but the rendered ones
// (json.obj, the evt.time strings) from every corpus event, as the
// k8saudit plugin's benchmark does: index fields with [0], key fields
// with [sample].
func BenchmarkExtractAll(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if len(files) == 0 {
		b.Skip("corpus not present")
	}
	var evs []*Event
	for _, f := range files {
		e, _ := readEvents(b, f)
		evs = append(evs, e...)
	}
	var refs []fields.Ref
	for id, f := range (Source{}).Fields() {
		if f.Name == "json.obj" || f.Name == "jevt.obj" || strings.HasPrefix(f.Name, "evt.time") || strings.HasPrefix(f.Name, "evt.datetime") {
			continue
		}
		r := fields.Ref{ID: id}
		switch f.Arg {
		case fields.ArgIndex:
			r.Arg, r.HasArg, r.HasIndex = "0", true, true
		case fields.ArgKey:
			r.Arg, r.HasArg = "sample", true
		}
		refs = append(refs, r)
	}
	buf := make([]fields.Value, 0, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, e := range evs {
			for _, r := range refs {
				buf, _ = e.Extract(r, buf[:0])
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)*len(refs)), "ns/extraction")
}
