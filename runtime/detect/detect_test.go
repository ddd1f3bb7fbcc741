package detect

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	ctypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/api/types/image"

	"github.com/bulwark-sec/bulwark/runtime/alert"
	"github.com/bulwark-sec/bulwark/runtime/docker"
	"github.com/bulwark-sec/bulwark/runtime/engine"
	"github.com/bulwark-sec/bulwark/runtime/k8saudit"
	"github.com/bulwark-sec/bulwark/runtime/rules"
)

const corpus = "../../../shared/corpus"

func readFiles(t testing.TB, paths ...string) []rules.File {
	t.Helper()
	var out []rules.File
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(corpus, p))
		if err != nil {
			t.Skip("corpus not found:", err)
		}
		out = append(out, rules.File{Name: filepath.Base(p), Data: b})
	}
	return out
}

const (
	k8sRules     = "falco/falcosecurity__plugins/plugins/k8saudit/rules/k8s_audit_rules.yaml"
	falcoRepoK8s = "falco/falcosecurity__falco/rules/k8s_audit_rules.yaml"
	gkeRules     = "falco/falcosecurity__plugins/plugins/k8saudit-gke/rules/k8s_audit_rules_gke.yaml"
	syscallRules = "falco/falcosecurity__rules/rules/falco_rules.yaml"
)

// TestK8sAuditRulesCompile: the real Kubernetes audit rules files load
// with no error and every rule compiled against the k8s_audit source.
func TestK8sAuditRulesCompile(t *testing.T) {
	for _, files := range [][]string{{k8sRules}, {falcoRepoK8s}, {k8sRules, gkeRules}} {
		rs, err := Load(readFiles(t, files...), Options{})
		if err != nil {
			t.Errorf("%v: %v", files, err)
		}
		for _, d := range rs.Errors() {
			t.Errorf("%v: %s", files, d)
		}
		if len(rs.Rules) == 0 || len(rs.Skipped) != 0 {
			t.Errorf("%v: %d rules, %d skipped", files, len(rs.Rules), len(rs.Skipped))
		}
		for _, r := range rs.Rules {
			if r.Program == nil || r.Formatter == nil {
				t.Errorf("%v: rule %q not compiled", files, r.Name)
			}
		}
		t.Logf("%v: %d rules compiled, %d warnings", files, len(rs.Rules), len(rs.Warnings()))
	}
}

// TestSyscallRulesSkipped: Falco's syscall rules load with no error, each
// rule skipped for its source, which Bulwark does not read.
func TestSyscallRulesSkipped(t *testing.T) {
	for _, f := range []string{syscallRules, "falco/falcosecurity__falco/rules/falco_rules.yaml"} {
		rs, err := Load(readFiles(t, f), Options{})
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if len(rs.Rules) != 0 || len(rs.Skipped) == 0 {
			t.Errorf("%s: %d rules run, %d skipped; want all skipped", f, len(rs.Rules), len(rs.Skipped))
		}
	}
}

// replayExpect is what a Falco user expects of each audit trace of the
// corpus against the k8saudit plugin's rules (rule names, sorted).
var replayExpect = map[string][]string{
	"anonymous_creates_namespace_foo.json":                                   {"Anonymous Request Allowed", "Create Disallowed Namespace", "K8s Namespace Created"},
	"attach_cluster_admin_role.json":                                         {"Attach to cluster-admin Role", "K8s ClusterRoleBinding Created"},
	"attach_pod.json":                                                        {"Attach/Exec Pod"},
	"create_cluster_role_pod_exec.json":                                      {"ClusterRole With Pod Exec Created", "K8s ClusterRole Created"},
	"create_cluster_role_wildcard_resources.json":                            {"ClusterRole With Wildcard Created", "K8s ClusterRole Created"},
	"create_cluster_role_wildcard_verbs.json":                                {"ClusterRole With Wildcard Created", "K8s ClusterRole Created"},
	"create_cluster_role_write_privileges.json":                              {"ClusterRole With Write Privileges Created", "K8s ClusterRole Created"},
	"create_clusterrole.json":                                                {"K8s ClusterRole Created"},
	"create_clusterrolebinding.json":                                         {"K8s ClusterRoleBinding Created"},
	"create_configmap.json":                                                  {"K8s ConfigMap Created"},
	"create_configmap_no_sensitive_values.json":                              {"K8s ConfigMap Created"},
	"create_deployment.json":                                                 {"K8s Deployment Created"},
	"create_kube_system_secret.json":                                         nil, // secrets of kube-system are left out by the rule
	"create_nginx_pod_hostnetwork.json":                                      {"Create HostNetwork Pod"},
	"create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json": {"Create Privileged Pod"},
	"create_nginx_pod_nohostnetwork.json":                                    nil,
	"create_nginx_pod_privileged.json":                                       {"Create Privileged Pod"},
	"create_nginx_pod_privileged_2nd_container.json":                         {"Create Privileged Pod"},
	"create_nginx_pod_sensitive_mount.json":                                  {"Create Sensitive Mount Pod"},
	"create_nginx_pod_sensitive_mount_2nd_container.json":                    {"Create Sensitive Mount Pod"},
	"create_nginx_pod_unprivileged.json":                                     nil,
	"create_nginx_pod_unsensitive_mount.json":                                nil,
	"create_nginx_service_nodeport.json":                                     {"Create NodePort Service", "K8s Service Created"},
	"create_nginx_service_nonodeport.json":                                   {"K8s Service Created"},
	"create_pod_kube_public_namespace.json":                                  {"Pod Created in Kube Namespace"},
	"create_pod_kube_system_namespace.json":                                  {"Pod Created in Kube Namespace"},
	"create_secret.json":                                                     {"K8s Secret Created"},
	"create_service.json":                                                    {"K8s Service Created"},
	"create_service_account_token_secret.json":                               nil, // token secrets are made by the system user
	"create_serviceaccount.json":                                             {"K8s Serviceaccount Created"},
	"create_serviceaccount_kube_public_namespace.json":                       {"K8s Serviceaccount Created", "Service Account Created in Kube Namespace"},
	"create_serviceaccount_kube_system_namespace.json":                       {"K8s Serviceaccount Created", "Service Account Created in Kube Namespace"},
	"delete_cluster_role_kube_aggregator.json":                               {"K8s ClusterRole Deleted", "System ClusterRole Modified/Deleted"},
	"delete_clusterrole.json":                                                {"K8s ClusterRole Deleted"},
	"delete_clusterrolebinding.json":                                         {"K8s ClusterRoleBinding Deleted"},
	"delete_configmap.json":                                                  {"K8s ConfigMap Deleted"},
	"delete_deployment.json":                                                 {"K8s Deployment Deleted"},
	"delete_namespace_foo.json":                                              {"K8s Namespace Deleted"},
	"delete_secret.json":                                                     {"K8s Secret Deleted"},
	"delete_service.json":                                                    {"K8s Service Deleted"},
	"delete_serviceaccount.json":                                             {"K8s Serviceaccount Deleted"},
	"exec_pod.json":                                                          {"Attach/Exec Pod"},
	"minikube_creates_namespace_foo.json":                                    {"Create Disallowed Namespace", "K8s Namespace Created"},
	"modify_cluster_role_node_problem_detector.json":                         {"System ClusterRole Modified/Deleted"},
	"some-user_creates_namespace_foo.json":                                   {"Create Disallowed Namespace", "Disallowed K8s User", "K8s Namespace Created"},
}

// TestReplayAuditCorpus replays every audit trace of the corpus through
// the file reader against the k8saudit plugin's rules: each raises the
// alerts a Falco user expects, and the malformed trace is reported and
// skipped.
func TestReplayAuditCorpus(t *testing.T) {
	rs, err := Load(readFiles(t, k8sRules), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ers, err := rs.EngineRules()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(ers, engine.Options{Prepare: rs.Prepare()})
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(corpus, "audit/falcosecurity__falco/test/trace_files/k8s_audit/*.json"))
	if err != nil || len(files) == 0 {
		t.Skip("audit corpus not found")
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		var got []string
		var skipped []error
		r := k8saudit.NewFileReader(f, k8saudit.FileOptions{OnError: func(err error) { skipped = append(skipped, err) }})
		err := r.Run(context.Background(), func(ev *k8saudit.Event) {
			as, err := eng.Evaluate(k8saudit.SourceName, ev.Time(), ev, nil)
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			for _, a := range as {
				got = append(got, a.Rule)
			}
		})
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if name == "fal_01_003.json" { // not an audit event: reported, skipped
			if len(skipped) != 1 || len(got) != 0 {
				t.Errorf("%s: skipped %v, alerts %v", name, skipped, got)
			}
			continue
		}
		if name == "create_configmap_sensitive_values.json" {
			// one event per line; the one with credentials in its data fires
			if !slices.Contains(got, "Create/Modify Configmap With Private Credentials") {
				t.Errorf("%s: alerts %q", name, got)
			}
			continue
		}
		want, ok := replayExpect[name]
		if !ok {
			t.Errorf("%s: no expectation (alerts %q)", name, got)
			continue
		}
		seen[name] = true
		sort.Strings(got)
		if !slices.Equal(got, want) || len(skipped) != 0 {
			t.Errorf("%s: alerts %q, want %q (skipped %v)", name, got, want, skipped)
		}
	}
	for name := range replayExpect {
		if !seen[name] {
			t.Errorf("%s: expected trace not in the corpus", name)
		}
	}
}

// seedRule is the seed article's Falco rule, as written there.
const seedRule = `- rule: Launch Privileged Container
  desc: Detect the initial process started in a privileged container
  condition: >
    spawned_process and container and proc.vpid=1 and
    (container.privileged=true or container.security_context.privileged=true)
  output: >
    Privileged container spawned (user=%user.name command=%proc.cmdline %container.info)
  priority: WARNING
`

func loadJSON[T any](t *testing.T, name string) *T {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../docker/testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
	return v
}

// dockerEvent is a create or start event of the container recorded in
// runtime/docker/testdata (privileged, with a bind mount of the Docker
// socket and SYS_ADMIN added), with privileged as given.
func dockerEvent(t *testing.T, action string, privileged bool) *docker.Event {
	doc := loadJSON[ctypes.InspectResponse](t, "container_privileged.json")
	img := loadJSON[image.InspectResponse](t, "image_imported.json")
	doc.HostConfig.Privileged = privileged
	msg := events.Message{
		Type: events.ContainerEventType, Action: events.Action(action), Scope: "local",
		Actor: events.Actor{ID: doc.ID, Attributes: map[string]string{"name": "k7-priv", "image": "bulwark-k7:test"}},
		Time:  1795793778, TimeNano: 1795793778431495579,
	}
	return docker.NewEvent(msg, docker.NewContainer(doc, img))
}

// evaluate runs a Docker event through the engine as watch does: as a
// docker event, and as a container launch when it is one.
func evaluate(t *testing.T, eng *engine.Engine, ev *docker.Event) []*alert.Alert {
	t.Helper()
	as, err := eng.Evaluate(docker.SourceName, ev.Time(), ev, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := docker.NewLaunchEvent(ev); ok {
		if as, err = eng.Evaluate(docker.LaunchSourceName, ev.Time(), l, as); err != nil {
			t.Fatal(err)
		}
	}
	return as
}

// TestSeedRule: the seed's rule, as written, loads with --docker (the
// launch prelude defines its macros) and fires on the create and start
// of a privileged container, and not of an unprivileged one.
func TestSeedRule(t *testing.T) {
	rs, err := Load([]rules.File{{Name: "seed.yaml", Data: []byte(seedRule)}}, Options{Docker: true, NoDefaultRules: true})
	if err != nil {
		t.Fatal(err)
	}
	ers, err := rs.EngineRules()
	if err != nil || len(ers) != 1 {
		t.Fatalf("%d rules, %v; diagnostics %v", len(ers), err, rs.Diagnostics)
	}
	eng, err := engine.New(ers, engine.Options{Prepare: rs.Prepare()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		action     string
		privileged bool
		fires      bool
	}{
		{"create", true, true},
		{"start", true, true},
		{"create", false, false}, // unprivileged: must not fire
		{"die", true, false},     // not a launch: must not fire
	} {
		as := evaluate(t, eng, dockerEvent(t, tc.action, tc.privileged))
		if (len(as) == 1) != tc.fires || len(as) > 1 {
			t.Errorf("%s privileged=%v: %d alerts, want fires=%v", tc.action, tc.privileged, len(as), tc.fires)
			continue
		}
		if tc.fires {
			a := as[0]
			if a.Rule != "Launch Privileged Container" || a.Priority != alert.PriorityWarning || !strings.Contains(a.Message, "Privileged container spawned (user=") {
				t.Errorf("%s: alert %+v", tc.action, a)
			}
		}
	}
	// Without --docker the seed rule's source (syscall) is not read: skipped.
	rs, err = Load([]rules.File{{Name: "seed.yaml", Data: []byte(seedRule)}}, Options{})
	if err != nil || len(rs.Rules) != 0 || len(rs.Skipped) != 1 {
		t.Errorf("without docker: %d rules, %d skipped, %v", len(rs.Rules), len(rs.Skipped), err)
	}
}

// TestDockerDefaultRules: Bulwark's Docker rules compile and fire on the
// recorded privileged container with the Docker socket mounted.
func TestDockerDefaultRules(t *testing.T) {
	rs, err := Load(nil, Options{Docker: true})
	if err != nil {
		t.Fatalf("%v: %v", err, rs.Diagnostics)
	}
	ers, err := rs.EngineRules()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(ers, engine.Options{Prepare: rs.Prepare()})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range evaluate(t, eng, dockerEvent(t, "create", true)) {
		got = append(got, a.Rule)
	}
	t.Logf("alerts: %q", got)
	// The recorded container: privileged, the Docker socket mounted,
	// SYS_ADMIN added, the host's PID, network and IPC namespaces.
	for _, want := range []string{"Launch Privileged Container (Docker)", "Container Engine Socket Mounted (Docker)", "Dangerous Capability Added (Docker)", "Host Namespace Shared (Docker)"} {
		if !slices.Contains(got, want) {
			t.Errorf("alerts %q lack %q", got, want)
		}
	}
}

// TestCorpusRulesFiles: every Falco rules file of the corpus loads with
// no error, after the files it builds on (as Falco's own tests load
// them); every k8s_audit rule compiles, syscall rules are skipped.
func TestCorpusRulesFiles(t *testing.T) {
	const (
		falcoK8s   = "falco/falcosecurity__falco/rules/k8s_audit_rules.yaml"
		falcoSys   = "falco/falcosecurity__falco/rules/falco_rules.yaml"
		rulesSys   = "falco/falcosecurity__rules/rules/falco_rules.yaml"
		testK8sDir = "falco/falcosecurity__falco/test/rules/k8s_audit/"
	)
	sets := [][]string{
		{k8sRules, gkeRules},
		{falcoK8s},
		{testK8sDir + "engine_v4_k8s_audit_rules.yaml"},
		{testK8sDir + "single_rule_with_json_pointer.yaml"},
		{falcoSys, falcoK8s, testK8sDir + "trust_nginx_container.yaml"},
		{rulesSys, "falco/falcosecurity__rules/rules/falco-incubating_rules.yaml"},
		{rulesSys, "falco/falcosecurity__rules/rules/falco-sandbox_rules.yaml"},
		{rulesSys, "falco/falcosecurity__rules/archive/falco-deprecated_rules.yaml"},
		{"falco/falcosecurity__rules/archive/application_rules.yaml"},
		{"falco/falcosecurity__falco/rules/application_rules.yaml"},
		{falcoSys, "falco/falcosecurity__falco/rules/falco_rules.local.yaml"},
	}
	for _, name := range []string{"allow_nginx_container.yaml", "disallow_kactivity.yaml", "allow_user_some-user.yaml",
		"allow_namespace_foo.yaml", "allow_only_apache_container.yaml", "engine_v4/allow_nginx_container.yaml", "engine_v4/allow_only_apache_container.yaml"} {
		sets = append(sets, []string{falcoK8s, testK8sDir + name})
	}
	for _, set := range sets {
		rs, err := Load(readFiles(t, set...), Options{})
		if err != nil {
			t.Errorf("%v: %v", set, err)
			continue
		}
		for _, r := range rs.Rules {
			if r.Source != "k8s_audit" || r.Program == nil {
				t.Errorf("%v: rule %q (%s) loaded uncompiled or of another source", set, r.Name, r.Source)
			}
		}
		for _, r := range rs.Skipped {
			if r.Source == "k8s_audit" {
				t.Errorf("%v: k8s_audit rule %q skipped: %s", set, r.Name, r.SkipReason)
			}
		}
	}
}
