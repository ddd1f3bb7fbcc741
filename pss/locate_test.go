package pss

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"
)

// pod decodes a pod spec and annotations written as YAML.
func pod(t testing.TB, annotations, spec string) (*metav1.ObjectMeta, *corev1.PodSpec) {
	t.Helper()
	meta := &metav1.ObjectMeta{}
	if annotations != "" {
		if err := yaml.UnmarshalStrict([]byte(annotations), &meta.Annotations); err != nil {
			t.Fatalf("annotations %q: %v", annotations, err)
		}
	}
	s := &corev1.PodSpec{}
	if err := yaml.UnmarshalStrict([]byte(spec), s); err != nil {
		t.Fatalf("spec %q: %v", spec, err)
	}
	return meta, s
}

// TestLocate runs one or more cases for every upstream check: the check
// fires (or not) as Kubernetes says, and its paths are exactly the fields
// expected. Every case is also compared with the upstream evaluator and its
// paths proven by checkPaths.
func TestLocate(t *testing.T) {
	type path = []string
	tests := []struct {
		name        string
		check       string
		level       Level
		version     string
		annotations string
		spec        string
		want        [][]string // nil: the check must not fire
	}{
		{
			name: "privileged", check: "privileged", level: Baseline,
			spec: `{initContainers: [{name: i, securityContext: {privileged: true}}], containers: [{name: a, securityContext: {privileged: false}}, {name: b}], ephemeralContainers: [{name: e, securityContext: {privileged: true}}]}`,
			want: [][]string{{"initContainers", "0", "securityContext", "privileged"}, {"ephemeralContainers", "0", "securityContext", "privileged"}},
		},
		{
			name: "host namespaces", check: "hostNamespaces", level: Baseline,
			spec: `{hostNetwork: true, hostPID: false, hostIPC: true, containers: [{name: a}]}`,
			want: [][]string{{"hostNetwork"}, {"hostIPC"}},
		},
		{
			name: "hostPath volume at baseline", check: "hostPathVolumes", level: Baseline,
			spec: `{volumes: [{name: a, emptyDir: {}}, {name: b, hostPath: {path: /var/run/docker.sock}}], containers: [{name: a}]}`,
			want: [][]string{{"volumes", "1", "hostPath"}},
		},
		{
			name: "hostPath volume at restricted is restrictedVolumes", check: "hostPathVolumes", level: Restricted,
			spec: `{volumes: [{name: b, hostPath: {path: /}}], containers: [{name: a}]}`,
		},
		{
			name: "restricted volume types", check: "restrictedVolumes", level: Restricted,
			spec: `{volumes: [{name: a, configMap: {name: c}}, {name: b, nfs: {server: s, path: /}}, {name: c, gitRepo: {repository: r}}, {name: d}, {name: e, hostPath: {path: /}}, {name: f, csi: {driver: d}}], containers: [{name: a}]}`,
			want: [][]string{{"volumes", "1", "nfs"}, {"volumes", "2", "gitRepo"}, {"volumes", "3"}, {"volumes", "4", "hostPath"}},
		},
		{
			name: "host ports", check: "hostPorts", level: Baseline,
			spec: `{initContainers: [{name: i, ports: [{containerPort: 53, hostPort: 53}]}], containers: [{name: a, ports: [{containerPort: 80}, {containerPort: 443, hostPort: 443}]}]}`,
			want: [][]string{{"initContainers", "0", "ports", "0", "hostPort"}, {"containers", "0", "ports", "1", "hostPort"}},
		},
		{
			name: "capabilities baseline", check: "capabilities_baseline", level: Baseline,
			spec: `{containers: [{name: a, securityContext: {capabilities: {add: [NET_ADMIN, CHOWN, SYS_ADMIN]}}}], ephemeralContainers: [{name: e, securityContext: {capabilities: {add: [NET_RAW]}}}]}`,
			want: [][]string{
				{"containers", "0", "securityContext", "capabilities", "add", "0"},
				{"containers", "0", "securityContext", "capabilities", "add", "2"},
				{"ephemeralContainers", "0", "securityContext", "capabilities", "add", "0"},
			},
		},
		{
			name: "capabilities baseline is overridden at restricted", check: "capabilities_baseline", level: Restricted,
			spec: `{containers: [{name: a, securityContext: {capabilities: {add: [NET_ADMIN]}}}]}`,
		},
		{
			name: "capabilities baseline still applies at restricted v1.21", check: "capabilities_baseline", level: Restricted, version: "v1.21",
			spec: `{containers: [{name: a, securityContext: {capabilities: {add: [NET_ADMIN]}}}]}`,
			want: [][]string{{"containers", "0", "securityContext", "capabilities", "add", "0"}},
		},
		{
			name: "capabilities restricted", check: "capabilities_restricted", level: Restricted,
			spec: `{containers: [{name: a}, {name: b, securityContext: {capabilities: {drop: [NET_RAW], add: [NET_BIND_SERVICE, CHOWN]}}}, {name: c, securityContext: {capabilities: {drop: [ALL]}}}, {name: d, securityContext: {}}]}`,
			want: [][]string{
				{"containers", "0", "securityContext", "capabilities", "drop"},
				{"containers", "1", "securityContext", "capabilities", "drop"},
				{"containers", "3", "securityContext", "capabilities", "drop"},
				{"containers", "1", "securityContext", "capabilities", "add", "1"},
			},
		},
		{
			name: "capabilities restricted exempts Windows pods from v1.25", check: "capabilities_restricted", level: Restricted,
			spec: `{os: {name: windows}, containers: [{name: a}]}`,
		},
		{
			name: "capabilities restricted before the Windows exemption", check: "capabilities_restricted", level: Restricted, version: "v1.24",
			spec: `{os: {name: windows}, containers: [{name: a}]}`,
			want: [][]string{{"containers", "0", "securityContext", "capabilities", "drop"}},
		},
		{
			name: "AppArmor fields and annotations", check: "appArmorProfile", level: Baseline,
			annotations: `{container.apparmor.security.beta.kubernetes.io/a: unconfined, container.apparmor.security.beta.kubernetes.io/b: runtime/default, container.apparmor.security.beta.kubernetes.io/c: localhost/x, other: unconfined}`,
			spec:        `{securityContext: {appArmorProfile: {type: Unconfined}}, containers: [{name: a}, {name: b, securityContext: {appArmorProfile: {type: Localhost, localhostProfile: x}}}, {name: c, securityContext: {appArmorProfile: {type: Unconfined}}}]}`,
			want: [][]string{
				{"securityContext", "appArmorProfile", "type"},
				{"containers", "2", "securityContext", "appArmorProfile", "type"},
				{"metadata", "annotations", "container.apparmor.security.beta.kubernetes.io/a"},
			},
		},
		{
			name: "SELinux", check: "seLinuxOptions", level: Baseline,
			spec: `{securityContext: {seLinuxOptions: {type: spc_t, user: system_u, level: "s0:c1"}}, containers: [{name: a, securityContext: {seLinuxOptions: {role: r}}}, {name: b, securityContext: {seLinuxOptions: {type: container_engine_t}}}, {name: c, securityContext: {seLinuxOptions: {type: container_t}}}]}`,
			want: [][]string{
				{"securityContext", "seLinuxOptions", "user"},
				{"securityContext", "seLinuxOptions", "type"},
				{"containers", "0", "securityContext", "seLinuxOptions", "role"},
			},
		},
		{
			name: "SELinux container_engine_t before v1.31", check: "seLinuxOptions", level: Baseline, version: "v1.30",
			spec: `{containers: [{name: b, securityContext: {seLinuxOptions: {type: container_engine_t}}}]}`,
			want: [][]string{{"containers", "0", "securityContext", "seLinuxOptions", "type"}},
		},
		{
			name: "procMount", check: "procMount", level: Baseline,
			spec: `{containers: [{name: a, securityContext: {procMount: Unmasked}}, {name: b, securityContext: {procMount: Default}}]}`,
			want: [][]string{{"containers", "0", "securityContext", "procMount"}},
		},
		{
			name: "procMount relaxed for user namespaces from v1.35", check: "procMount", level: Baseline,
			spec: `{hostUsers: false, containers: [{name: a, securityContext: {procMount: Unmasked}}]}`,
		},
		{
			name: "procMount with user namespaces before v1.35", check: "procMount", level: Baseline, version: "v1.34",
			spec: `{hostUsers: false, containers: [{name: a, securityContext: {procMount: Unmasked}}]}`,
			want: [][]string{{"containers", "0", "securityContext", "procMount"}},
		},
		{
			name: "procMount restricted ignores user namespaces", check: "procMount_restricted", level: Restricted,
			spec: `{hostUsers: false, containers: [{name: a, securityContext: {procMount: Unmasked}}]}`,
			want: [][]string{{"containers", "0", "securityContext", "procMount"}},
		},
		{
			name: "seccomp baseline fields", check: "seccompProfile_baseline", level: Baseline,
			spec: `{securityContext: {seccompProfile: {type: Unconfined}}, containers: [{name: a, securityContext: {seccompProfile: {type: RuntimeDefault}}}, {name: b, securityContext: {seccompProfile: {type: Unconfined}}}]}`,
			want: [][]string{{"securityContext", "seccompProfile", "type"}, {"containers", "1", "securityContext", "seccompProfile", "type"}},
		},
		{
			name: "seccomp baseline annotations before v1.19", check: "seccompProfile_baseline", level: Baseline, version: "v1.18",
			annotations: `{seccomp.security.alpha.kubernetes.io/pod: unconfined, container.seccomp.security.alpha.kubernetes.io/a: unconfined, container.seccomp.security.alpha.kubernetes.io/b: runtime/default, container.seccomp.security.alpha.kubernetes.io/ghost: unconfined}`,
			spec:        `{securityContext: {seccompProfile: {type: Unconfined}}, containers: [{name: a}, {name: b}]}`,
			want: [][]string{
				{"metadata", "annotations", "container.seccomp.security.alpha.kubernetes.io/a"},
				{"metadata", "annotations", "seccomp.security.alpha.kubernetes.io/pod"},
			},
		},
		{
			name: "seccomp annotations are ignored from v1.19", check: "seccompProfile_baseline", level: Baseline,
			annotations: `{seccomp.security.alpha.kubernetes.io/pod: unconfined}`,
			spec:        `{containers: [{name: a}]}`,
		},
		{
			name: "seccomp restricted unset everywhere", check: "seccompProfile_restricted", level: Restricted,
			spec: `{containers: [{name: a}, {name: b}]}`,
			want: [][]string{{"securityContext", "seccompProfile", "type"}},
		},
		{
			name: "seccomp restricted unset in one container", check: "seccompProfile_restricted", level: Restricted,
			spec: `{containers: [{name: a, securityContext: {seccompProfile: {type: RuntimeDefault}}}, {name: b}], initContainers: [{name: i, securityContext: {seccompProfile: {type: Unconfined}}}]}`,
			want: [][]string{
				{"initContainers", "0", "securityContext", "seccompProfile", "type"},
				{"containers", "1", "securityContext", "seccompProfile", "type"},
			},
		},
		{
			name: "seccomp restricted pod unconfined", check: "seccompProfile_restricted", level: Restricted,
			spec: `{securityContext: {seccompProfile: {type: Unconfined}}, containers: [{name: a}]}`,
			want: [][]string{{"securityContext", "seccompProfile", "type"}},
		},
		{
			name: "seccomp restricted pod default", check: "seccompProfile_restricted", level: Restricted,
			spec: `{securityContext: {seccompProfile: {type: Localhost, localhostProfile: p.json}}, containers: [{name: a}]}`,
		},
		{
			name: "sysctls", check: "sysctls", level: Baseline,
			spec: `{securityContext: {sysctls: [{name: kernel.shm_rmid_forced, value: "1"}, {name: net.ipv4.tcp_keepalive_time, value: "60"}, {name: kernel.msgmax, value: "1"}]}, containers: [{name: a}]}`,
			want: [][]string{{"securityContext", "sysctls", "2", "name"}},
		},
		{
			name: "sysctls allowed by version", check: "sysctls", level: Baseline, version: "v1.28",
			spec: `{securityContext: {sysctls: [{name: kernel.shm_rmid_forced, value: "1"}, {name: net.ipv4.tcp_keepalive_time, value: "60"}, {name: kernel.msgmax, value: "1"}]}, containers: [{name: a}]}`,
			want: [][]string{{"securityContext", "sysctls", "1", "name"}, {"securityContext", "sysctls", "2", "name"}},
		},
		{
			name: "Windows hostProcess", check: "windowsHostProcess", level: Baseline,
			spec: `{securityContext: {windowsOptions: {hostProcess: true}}, containers: [{name: a, securityContext: {windowsOptions: {hostProcess: false}}}, {name: b, securityContext: {windowsOptions: {hostProcess: true}}}]}`,
			want: [][]string{{"securityContext", "windowsOptions", "hostProcess"}, {"containers", "1", "securityContext", "windowsOptions", "hostProcess"}},
		},
		{
			name: "probe and lifecycle hosts", check: "hostProbesAndHostLifecycle", level: Baseline,
			spec: `{containers: [{name: a, livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}, readinessProbe: {tcpSocket: {host: db, port: 5432}}, startupProbe: {httpGet: {port: 80}}, lifecycle: {preStop: {httpGet: {host: example.com, port: 80}}, postStart: {tcpSocket: {host: x, port: 1}}}}]}`,
			want: [][]string{
				{"containers", "0", "livenessProbe", "httpGet", "host"},
				{"containers", "0", "readinessProbe", "tcpSocket", "host"},
				{"containers", "0", "lifecycle", "postStart", "tcpSocket", "host"},
				{"containers", "0", "lifecycle", "preStop", "httpGet", "host"},
			},
		},
		{
			name: "probe hosts before v1.34", check: "hostProbesAndHostLifecycle", level: Baseline, version: "v1.33",
			spec: `{containers: [{name: a, livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}}]}`,
		},
		{
			name: "allowPrivilegeEscalation", check: "allowPrivilegeEscalation", level: Restricted,
			spec: `{initContainers: [{name: i, securityContext: {allowPrivilegeEscalation: false}}], containers: [{name: a, securityContext: {allowPrivilegeEscalation: true}}, {name: b}]}`,
			want: [][]string{{"containers", "0", "securityContext", "allowPrivilegeEscalation"}, {"containers", "1", "securityContext", "allowPrivilegeEscalation"}},
		},
		{
			name: "allowPrivilegeEscalation exempts Windows pods from v1.25", check: "allowPrivilegeEscalation", level: Restricted,
			spec: `{os: {name: windows}, containers: [{name: a}]}`,
		},
		{
			name: "runAsNonRoot unset everywhere", check: "runAsNonRoot", level: Restricted,
			spec: `{containers: [{name: a}, {name: b, securityContext: {}}]}`,
			want: [][]string{{"securityContext", "runAsNonRoot"}},
		},
		{
			name: "runAsNonRoot mixed", check: "runAsNonRoot", level: Restricted,
			spec: `{containers: [{name: a, securityContext: {runAsNonRoot: true}}, {name: b}, {name: c, securityContext: {runAsNonRoot: false}}]}`,
			want: [][]string{{"containers", "2", "securityContext", "runAsNonRoot"}, {"containers", "1", "securityContext", "runAsNonRoot"}},
		},
		{
			name: "runAsNonRoot false on the pod", check: "runAsNonRoot", level: Restricted,
			spec: `{securityContext: {runAsNonRoot: false}, containers: [{name: a}, {name: b, securityContext: {runAsNonRoot: true}}]}`,
			want: [][]string{{"securityContext", "runAsNonRoot"}},
		},
		{
			name: "runAsNonRoot true on the pod, false in a container", check: "runAsNonRoot", level: Restricted,
			spec: `{securityContext: {runAsNonRoot: true}, containers: [{name: a}, {name: b, securityContext: {runAsNonRoot: false}}]}`,
			want: [][]string{{"containers", "1", "securityContext", "runAsNonRoot"}},
		},
		{
			name: "runAsNonRoot relaxed for user namespaces from v1.35", check: "runAsNonRoot", level: Restricted,
			spec: `{hostUsers: false, containers: [{name: a}]}`,
		},
		{
			name: "runAsNonRoot with user namespaces before v1.35", check: "runAsNonRoot", level: Restricted, version: "v1.34",
			spec: `{hostUsers: false, containers: [{name: a}]}`,
			want: [][]string{{"securityContext", "runAsNonRoot"}},
		},
		{
			name: "runAsUser", check: "runAsUser", level: Restricted,
			spec: `{securityContext: {runAsUser: 0}, containers: [{name: a, securityContext: {runAsUser: 0}}, {name: b, securityContext: {runAsUser: 1000}}]}`,
			want: [][]string{{"securityContext", "runAsUser"}, {"containers", "0", "securityContext", "runAsUser"}},
		},
		{
			name: "runAsUser before v1.23", check: "runAsUser", level: Restricted, version: "v1.22",
			spec: `{securityContext: {runAsUser: 0}, containers: [{name: a}]}`,
		},
	}
	up := upstream(t)
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta, spec := pod(t, tt.annotations, tt.spec)
			vs := checkAgainst(t, up, tt.name, meta, spec, tt.level, tt.version)
			var got [][]path
			for _, v := range vs {
				if v.Check == tt.check {
					got = append(got, v.Paths)
				}
			}
			switch {
			case tt.want == nil && got != nil:
				t.Errorf("%s fired: %q", tt.check, got)
			case tt.want != nil && len(got) != 1:
				t.Errorf("%s fired %d times, want once; violations: %s", tt.check, len(got), reasons(vs))
			case tt.want != nil:
				if diff := cmp.Diff(tt.want, got[0]); diff != "" {
					t.Errorf("%s paths (-want +got):\n%s", tt.check, diff)
				}
				covered[tt.check] = true
			}
		})
	}
	for _, c := range policy.DefaultChecks() {
		if !covered[string(c.ID)] {
			t.Errorf("no case locates check %s", c.ID)
		}
	}
}

// TestLocatorsCoverChecks makes an upgrade of k8s.io/pod-security-admission
// that adds or renames a check fail loudly.
func TestLocatorsCoverChecks(t *testing.T) {
	var ids []string
	for _, c := range policy.DefaultChecks() {
		ids = append(ids, string(c.ID))
		if _, ok := locators[c.ID]; !ok {
			t.Errorf("check %s has no locator", c.ID)
		}
	}
	for id := range locators {
		if !slices.Contains(ids, string(id)) {
			t.Errorf("locator for %s, which is not an upstream check", id)
		}
	}
}
