package pss

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{in: "", want: "latest"},
		{in: "latest", want: "latest"},
		{in: "v1.30", want: "v1.30"},
		{in: "1.30", want: "v1.30"},
		{in: "v1.30.2", want: "v1.30"},
		{in: "1.23.17-gke.100", want: "v1.23"},
		{in: "v1.0", want: "v1.0"},
		{in: "v1.99", want: "v1.99"},
		{in: "v2.0", err: true},
		{in: "v1.030", err: true},
		{in: "v1", err: true},
		{in: "Latest", err: true},
		{in: "v1.30.x", err: true},
	}
	for _, tt := range tests {
		got, err := ParseVersion(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseVersion(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
		if err == nil {
			if _, err := api.ParseVersion(got); err != nil {
				t.Errorf("ParseVersion(%q) = %q, which Pod Security Admission rejects: %v", tt.in, got, err)
			}
		}
	}
}

func TestParseLevel(t *testing.T) {
	for _, l := range []Level{Privileged, Baseline, Restricted} {
		if got, err := ParseLevel(string(l)); err != nil || got != l {
			t.Errorf("ParseLevel(%q) = %q, %v", l, got, err)
		}
	}
	if _, err := ParseLevel("strict"); err == nil || !strings.Contains(err.Error(), "strict") {
		t.Errorf("ParseLevel(strict) error = %v, want one naming the input", err)
	}
}

func TestEvaluateDefaults(t *testing.T) {
	meta, spec := pod(t, "", `{hostNetwork: true, containers: [{name: a}]}`)
	if got := Evaluate(meta, spec, Privileged, ""); got != nil {
		t.Errorf("privileged: %s", reasons(got))
	}
	// An unreadable version is the latest; an unknown level is restricted.
	if diff := cmp.Diff(Evaluate(meta, spec, Restricted, Latest), Evaluate(meta, spec, "bogus", "v9")); diff != "" {
		t.Errorf("fallbacks (-restricted latest +bogus v9):\n%s", diff)
	}
	// A version newer than the checks is evaluated as the newest.
	if diff := cmp.Diff(Evaluate(meta, spec, Restricted, Latest), Evaluate(meta, spec, Restricted, "v1.999")); diff != "" {
		t.Errorf("future version (-latest +v1.999):\n%s", diff)
	}
	// Nil metadata and spec are an empty pod: it has no containers, so it
	// meets every level.
	if l, vs := Highest(nil, nil, ""); l != Restricted || vs != nil {
		t.Errorf("Highest(nil, nil) = %s, %s", l, reasons(vs))
	}
	if got := Evaluate(nil, spec, Baseline, ""); len(got) != 1 || got[0].Check != "hostNamespaces" || got[0].Level != Baseline {
		t.Errorf("nil metadata: %s", reasons(got))
	}
}

func TestHighest(t *testing.T) {
	tests := []struct {
		name, spec string
		version    string
		want       Level
		checks     []string
	}{
		{
			name:   "restricted",
			spec:   `{securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}, containers: [{name: a, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]}`,
			want:   Restricted,
			checks: nil,
		},
		{
			name:   "baseline",
			spec:   `{containers: [{name: a, securityContext: {capabilities: {add: [CHOWN]}}}]}`,
			want:   Baseline,
			checks: []string{"allowPrivilegeEscalation", "capabilities_restricted", "runAsNonRoot", "seccompProfile_restricted"},
		},
		{
			name:    "baseline at v1.21 lacks the newer restricted checks",
			spec:    `{containers: [{name: a, securityContext: {capabilities: {add: [CHOWN]}}}]}`,
			version: "v1.21",
			want:    Baseline,
			checks:  []string{"allowPrivilegeEscalation", "runAsNonRoot", "seccompProfile_restricted"},
		},
		{
			name:   "privileged",
			spec:   `{hostPID: true, containers: [{name: a, securityContext: {privileged: true}}]}`,
			want:   Privileged,
			checks: []string{"hostNamespaces", "privileged"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta, spec := pod(t, "", tt.spec)
			got, vs := Highest(meta, spec, tt.version)
			var checks []string
			for _, v := range vs {
				checks = append(checks, v.Check)
			}
			if got != tt.want || !cmp.Equal(checks, tt.checks) {
				t.Errorf("Highest = %s %q, want %s %q", got, checks, tt.want, tt.checks)
			}
		})
	}
}

// TestProbePlan checks the probe evaluator against the upstream registry:
// at every version and level it runs as many checks as the real one.
func TestProbePlan(t *testing.T) {
	up := upstream(t)
	meta, spec := &metav1.ObjectMeta{}, &corev1.PodSpec{}
	for _, version := range allVersions() {
		for _, level := range []api.Level{api.LevelBaseline, api.LevelRestricted} {
			lv := levelVersion(Level(level), version)
			if got, want := len(theEngine().plan(lv)), len(up.EvaluatePod(lv, meta, spec)); got != want {
				t.Errorf("%s: plan has %d checks, upstream runs %d", lv, got, want)
			}
		}
	}
}

// allVersions returns v1.0 up to one past the newest check version, and
// latest.
func allVersions() []string {
	maxMinor := 0
	for _, c := range policy.DefaultChecks() {
		for _, v := range c.Versions {
			maxMinor = max(maxMinor, v.MinimumVersion.Minor())
		}
	}
	var vs []string
	for m := 0; m <= maxMinor+1; m++ {
		vs = append(vs, fmt.Sprintf("v1.%d", m))
	}
	return append(vs, Latest)
}

// TestRandomPods compares this package with the upstream evaluator, and
// proves the paths, on pods drawn from the values each check judges, at
// every version.
func TestRandomPods(t *testing.T) {
	n := 1500
	if testing.Short() {
		n = 300
	}
	up := upstream(t)
	versions := allVersions()
	r := rand.New(rand.NewPCG(4, 2))
	fired := map[string]int{}
	for i := range n {
		meta, spec := randomPod(r)
		for _, version := range []string{Latest, versions[r.IntN(len(versions))], versions[r.IntN(len(versions))]} {
			for _, level := range []Level{Baseline, Restricted} {
				for _, v := range checkAgainst(t, up, fmt.Sprintf("random pod %d", i), meta, spec, level, version) {
					fired[v.Check]++
				}
			}
		}
		if t.Failed() {
			t.Fatalf("random pod %d: %+v\n%+v", i, meta, spec)
		}
	}
	for _, c := range policy.DefaultChecks() {
		if fired[string(c.ID)] == 0 {
			t.Errorf("no random pod fails %s", c.ID)
		}
	}
	t.Logf("violations by check: %v", fired)
}

// FuzzRandomPods is TestRandomPods with the generator's seed and the
// version chosen by the fuzzer.
func FuzzRandomPods(f *testing.F) {
	f.Add(uint64(1), uint64(2), uint8(0))
	up := upstream(f)
	versions := allVersions()
	f.Fuzz(func(t *testing.T, s1, s2 uint64, v uint8) {
		meta, spec := randomPod(rand.New(rand.NewPCG(s1, s2)))
		for _, level := range []Level{Baseline, Restricted} {
			checkAgainst(t, up, "fuzzed pod", meta, spec, level, versions[int(v)%len(versions)])
		}
	})
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

func maybe[T any](r *rand.Rand, p float64, v T) *T {
	if r.Float64() < p {
		return &v
	}
	return nil
}

func randomPod(r *rand.Rand) (*metav1.ObjectMeta, *corev1.PodSpec) {
	meta := &metav1.ObjectMeta{Annotations: map[string]string{}}
	spec := &corev1.PodSpec{
		HostNetwork: r.IntN(8) == 0,
		HostPID:     r.IntN(8) == 0,
		HostIPC:     r.IntN(8) == 0,
		HostUsers:   maybe(r, 0.2, r.IntN(2) == 0),
	}
	if r.IntN(6) == 0 {
		spec.OS = &corev1.PodOS{Name: pick[corev1.OSName](r, corev1.Windows, corev1.Linux)}
	}
	if r.IntN(3) > 0 {
		sc := &corev1.PodSecurityContext{
			RunAsNonRoot:   maybe(r, 0.5, r.IntN(3) > 0),
			RunAsUser:      maybe(r, 0.3, pick[int64](r, 0, 1000)),
			SeccompProfile: randomSeccomp(r),
			SELinuxOptions: randomSELinux(r),
		}
		if r.IntN(4) == 0 {
			sc.AppArmorProfile = &corev1.AppArmorProfile{Type: pick(r, corev1.AppArmorProfileTypeRuntimeDefault, corev1.AppArmorProfileTypeUnconfined, corev1.AppArmorProfileTypeLocalhost)}
		}
		if r.IntN(8) == 0 {
			sc.WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: maybe(r, 0.8, r.IntN(2) == 0)}
		}
		for range r.IntN(3) {
			sc.Sysctls = append(sc.Sysctls, corev1.Sysctl{Name: pick(r, "kernel.shm_rmid_forced", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_rmem", "net.ipv4.tcp_notsent_lowat", "kernel.msgmax", "net.core.somaxconn"), Value: "1"})
		}
		spec.SecurityContext = sc
	}
	var names []string
	for i := range 1 + r.IntN(3) {
		c := randomContainer(r, fmt.Sprintf("c%d", i))
		names = append(names, c.Name)
		spec.Containers = append(spec.Containers, c)
	}
	for i := range r.IntN(2) {
		c := randomContainer(r, fmt.Sprintf("i%d", i))
		names = append(names, c.Name)
		spec.InitContainers = append(spec.InitContainers, c)
	}
	if r.IntN(5) == 0 {
		c := randomContainer(r, "e")
		names = append(names, c.Name)
		spec.EphemeralContainers = append(spec.EphemeralContainers, corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon(c)})
	}
	for i := range r.IntN(3) {
		v := corev1.Volume{Name: fmt.Sprintf("v%d", i)}
		switch r.IntN(6) {
		case 0:
			v.EmptyDir = &corev1.EmptyDirVolumeSource{}
		case 1:
			v.HostPath = &corev1.HostPathVolumeSource{Path: "/"}
		case 2:
			v.NFS = &corev1.NFSVolumeSource{Server: "s", Path: "/"}
		case 3:
			v.ConfigMap = &corev1.ConfigMapVolumeSource{}
		case 4:
			v.GitRepo = &corev1.GitRepoVolumeSource{Repository: "r"}
		}
		spec.Volumes = append(spec.Volumes, v)
	}
	for range r.IntN(3) {
		key := pick(r,
			"container.apparmor.security.beta.kubernetes.io/"+pick(r, names...),
			"seccomp.security.alpha.kubernetes.io/pod",
			"container.seccomp.security.alpha.kubernetes.io/"+pick(r, append(names, "ghost")...),
			"team")
		meta.Annotations[key] = pick(r, "runtime/default", "unconfined", "localhost/p", "docker/default", "")
	}
	return meta, spec
}

func randomSeccomp(r *rand.Rand) *corev1.SeccompProfile {
	if r.IntN(2) == 0 {
		return nil
	}
	return &corev1.SeccompProfile{Type: pick(r, corev1.SeccompProfileTypeRuntimeDefault, corev1.SeccompProfileTypeLocalhost, corev1.SeccompProfileTypeUnconfined, "")}
}

func randomSELinux(r *rand.Rand) *corev1.SELinuxOptions {
	if r.IntN(5) > 0 {
		return nil
	}
	return &corev1.SELinuxOptions{
		Type:  pick(r, "", "container_t", "container_engine_t", "spc_t"),
		User:  pick(r, "", "", "system_u"),
		Role:  pick(r, "", "", "system_r"),
		Level: pick(r, "", "s0:c1"),
	}
}

func randomContainer(r *rand.Rand, name string) corev1.Container {
	c := corev1.Container{Name: name}
	if r.IntN(4) > 0 {
		sc := &corev1.SecurityContext{
			Privileged:               maybe(r, 0.2, r.IntN(2) == 0),
			AllowPrivilegeEscalation: maybe(r, 0.6, r.IntN(3) == 0),
			RunAsNonRoot:             maybe(r, 0.4, r.IntN(3) > 0),
			RunAsUser:                maybe(r, 0.3, pick[int64](r, 0, 1000)),
			SeccompProfile:           randomSeccomp(r),
			SELinuxOptions:           randomSELinux(r),
			ProcMount:                maybe(r, 0.15, pick(r, corev1.DefaultProcMount, corev1.UnmaskedProcMount)),
		}
		if r.IntN(3) > 0 {
			caps := &corev1.Capabilities{}
			for range r.IntN(3) {
				caps.Drop = append(caps.Drop, pick[corev1.Capability](r, "ALL", "NET_RAW", "all"))
			}
			for range r.IntN(3) {
				caps.Add = append(caps.Add, pick[corev1.Capability](r, "NET_BIND_SERVICE", "CHOWN", "NET_ADMIN", "SYS_ADMIN"))
			}
			sc.Capabilities = caps
		}
		if r.IntN(6) == 0 {
			sc.AppArmorProfile = &corev1.AppArmorProfile{Type: pick(r, corev1.AppArmorProfileTypeRuntimeDefault, corev1.AppArmorProfileTypeUnconfined)}
		}
		if r.IntN(10) == 0 {
			sc.WindowsOptions = &corev1.WindowsSecurityContextOptions{HostProcess: maybe(r, 0.8, true)}
		}
		c.SecurityContext = sc
	}
	for range r.IntN(3) {
		c.Ports = append(c.Ports, corev1.ContainerPort{ContainerPort: 80, HostPort: pick[int32](r, 0, 0, 8080)})
	}
	if r.IntN(6) == 0 {
		c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Host: pick(r, "", "10.0.0.1")}}}
	}
	if r.IntN(8) == 0 {
		c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{TCPSocket: &corev1.TCPSocketAction{Host: pick(r, "", "db")}}}
	}
	return c
}

func TestChecks(t *testing.T) {
	ids := func(cs []Check) []string {
		var s []string
		for _, c := range cs {
			s = append(s, fmt.Sprintf("%s:%s", c.Level, c.ID))
		}
		return s
	}
	want := []string{
		"baseline:appArmorProfile", "baseline:hostNamespaces", "baseline:hostPorts",
		"baseline:hostProbesAndHostLifecycle", "baseline:privileged", "baseline:seLinuxOptions",
		"baseline:sysctls", "baseline:windowsHostProcess",
		"restricted:allowPrivilegeEscalation", "restricted:capabilities_restricted",
		"restricted:procMount_restricted", "restricted:restrictedVolumes", "restricted:runAsNonRoot",
		"restricted:runAsUser", "restricted:seccompProfile_restricted",
	}
	if diff := cmp.Diff(want, ids(Checks(""))); diff != "" {
		t.Errorf("Checks(latest) (-want +got):\n%s", diff)
	}
	want = []string{
		"baseline:appArmorProfile", "baseline:capabilities_baseline", "baseline:hostNamespaces",
		"baseline:hostPorts", "baseline:privileged", "baseline:procMount", "baseline:seLinuxOptions",
		"baseline:seccompProfile_baseline", "baseline:sysctls", "baseline:windowsHostProcess",
		"restricted:allowPrivilegeEscalation", "restricted:restrictedVolumes", "restricted:runAsNonRoot",
	}
	if diff := cmp.Diff(want, ids(Checks("v1.18"))); diff != "" {
		t.Errorf("Checks(v1.18) (-want +got):\n%s", diff)
	}
}

// TestConcurrent evaluates from several goroutines; run with -race.
func TestConcurrent(t *testing.T) {
	meta, spec := pod(t, `{container.apparmor.security.beta.kubernetes.io/a: unconfined}`,
		`{hostNetwork: true, containers: [{name: a, securityContext: {capabilities: {add: [SYS_ADMIN]}}}]}`)
	want := Evaluate(meta, spec, Restricted, "")
	done := make(chan []Violation)
	for i := range 8 {
		go func() {
			var got []Violation
			for range 50 {
				_ = Evaluate(meta, spec, Restricted, allVersions()[i])
				got = Evaluate(meta, spec, Restricted, "")
			}
			done <- got
		}()
	}
	for range 8 {
		if diff := cmp.Diff(want, <-done); diff != "" {
			t.Errorf("concurrent evaluation differs:\n%s", diff)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	meta, spec := pod(b, "", `{containers: [{name: a, image: nginx, ports: [{containerPort: 80}]}, {name: b, image: redis}], volumes: [{name: d, emptyDir: {}}]}`)
	b.ReportAllocs()
	for b.Loop() {
		Highest(meta, spec, "")
	}
}

func TestObjectPath(t *testing.T) {
	tests := []struct {
		kind string
		in   []string
		want []string
		ok   bool
	}{
		{"Pod", []string{"hostNetwork"}, []string{"spec", "hostNetwork"}, true},
		{"Pod", []string{"metadata", "annotations", "k"}, []string{"metadata", "annotations", "k"}, true},
		{"Pod", []string{}, []string{"spec"}, true},
		{"Deployment", []string{"containers", "0"}, []string{"spec", "template", "spec", "containers", "0"}, true},
		{"PodTemplate", []string{"metadata", "annotations", "k"}, []string{"template", "metadata", "annotations", "k"}, true},
		{"CronJob", []string{"metadata", "annotations", "k"}, []string{"spec", "jobTemplate", "spec", "template", "metadata", "annotations", "k"}, true},
		{"Service", []string{"hostNetwork"}, nil, false},
	}
	for _, tt := range tests {
		got, ok := ObjectPath(tt.kind, tt.in)
		if ok != tt.ok || !cmp.Equal(got, tt.want) {
			t.Errorf("ObjectPath(%s, %q) = %q, %v; want %q, %v", tt.kind, tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
