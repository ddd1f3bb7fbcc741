package kube

import "github.com/bulwark-sec/bulwark/pss"

// checkRules is the rule of every Pod Security Admission check: the
// baseline checks (HIGH), then the restricted-only ones (MEDIUM). IDs are
// stable; a test proves every check pss.Checks(Latest) runs has a rule.
var checkRules = []checkRule{
	{
		id: "KS001", slug: "pss-privileged", check: "privileged", level: pss.Baseline,
		title: "container runs privileged",
		peers: []string{"trivy:KSV-0017", "kube-linter:privileged-container", "polaris:runAsPrivileged", "kube-score:container-security-context-privileged", "kubescape:C-0057"},
		why: "A privileged container gets every capability and every host device, without seccomp, AppArmor or " +
			"SELinux confinement: root in it is root on the node.",
		bad:         "securityContext:\n  privileged: true",
		good:        "securityContext:\n  privileged: false\n  capabilities:\n    drop: [ALL]",
		remediation: "Remove securityContext.privileged (or set it to false) and add only the capabilities the container needs.",
	},
	{
		id: "KS002", slug: "pss-host-namespaces", check: "hostNamespaces", level: pss.Baseline,
		title: "pod shares the node's network, PID or IPC namespace",
		peers: []string{"trivy:KSV-0009", "trivy:KSV-0010", "trivy:KSV-0008", "kube-linter:host-network", "kube-linter:host-pid", "kube-linter:host-ipc", "polaris:hostNetworkSet", "polaris:hostPIDSet", "polaris:hostIPCSet", "kubescape:C-0041", "kubescape:C-0038", "kubescape:C-0275", "kubescape:C-0276"},
		why: "hostNetwork lets the pod sniff and bind the node's interfaces and reach services bound to localhost; " +
			"hostPID lets it see and signal every process of the node; hostIPC lets it read other processes' shared memory.",
		bad:         "spec:\n  hostNetwork: true\n  hostPID: true",
		good:        "spec:\n  hostNetwork: false",
		remediation: "Remove hostNetwork, hostPID and hostIPC (or set them to false).",
	},
	{
		id: "KS003", slug: "pss-windows-host-process", check: "windowsHostProcess", level: pss.Baseline,
		title:       "Windows pod runs as a host process",
		peers:       []string{"trivy:KSV-0103", "polaris:hostProcess", "kubescape:C-0202"},
		why:         "A Windows HostProcess container runs directly on the node with the node's privileges: no isolation at all.",
		bad:         "securityContext:\n  windowsOptions:\n    hostProcess: true",
		good:        "securityContext:\n  windowsOptions:\n    runAsUserName: ContainerUser",
		remediation: "Remove securityContext.windowsOptions.hostProcess (or set it to false) at the pod and in every container.",
	},
	{
		id: "KS004", slug: "pss-capabilities-baseline", check: "capabilities_baseline", level: pss.Baseline,
		title: "container adds a capability beyond the baseline set",
		peers: []string{"trivy:KSV-0022", "polaris:dangerousCapabilities", "trivy:KSV-0005", "trivy:KSV-0119", "trivy:KSV-0120", "kubescape:C-0046"},
		why: "Capabilities beyond the runtime's default set (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, NET_RAW, ...) " +
			"give root in the container powers over the node's kernel and are the usual way out of a container.",
		bad:         "securityContext:\n  capabilities:\n    add: [SYS_ADMIN]",
		good:        "securityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]",
		remediation: "Remove the capability from capabilities.add; if the workload truly needs it, run it in a namespace that allows privileged pods and document why.",
	},
	{
		id: "KS005", slug: "pss-host-path-volumes", check: "hostPathVolumes", level: pss.Baseline,
		title: "pod mounts a hostPath volume",
		peers: []string{"trivy:KSV-0023", "polaris:hostPathSet", "kubescape:C-0048", "kube-linter:writable-host-mount", "kubescape:C-0045", "kubescape:C-0020"},
		why: "A hostPath volume exposes the node's file system to the pod: a writable one lets it plant files on the node, " +
			"and even a read-only one can leak credentials and other pods' data.",
		bad:         "volumes:\n- name: host\n  hostPath:\n    path: /var/run/docker.sock",
		good:        "volumes:\n- name: scratch\n  emptyDir: {}",
		remediation: "Replace the hostPath volume with an emptyDir, a configMap/secret or a persistent volume claim.",
	},
	{
		id: "KS006", slug: "pss-host-ports", check: "hostPorts", level: pss.Baseline,
		title: "container binds a port on the node",
		peers: []string{"trivy:KSV-0024", "polaris:hostPortSet", "kubescape:C-0044"},
		why: "A hostPort binds the port on the node's own interfaces, bypassing Services and most NetworkPolicies, " +
			"and ties the pod to nodes where the port is free.",
		bad:         "ports:\n- containerPort: 8080\n  hostPort: 8080",
		good:        "ports:\n- containerPort: 8080",
		remediation: "Remove hostPort and expose the container through a Service.",
	},
	{
		id: "KS007", slug: "pss-host-probes", check: "hostProbesAndHostLifecycle", level: pss.Baseline,
		title: "probe or lifecycle hook targets another host",
		why: "A probe or lifecycle hook with a host makes the kubelet connect to an address of the pod's choosing, " +
			"from the node: a way to reach services the pod itself cannot.",
		bad:         "livenessProbe:\n  httpGet:\n    host: 169.254.169.254\n    path: /\n    port: 80",
		good:        "livenessProbe:\n  httpGet:\n    path: /healthz\n    port: 8080",
		remediation: "Remove host from the probe or lifecycle handler so that it targets the pod's own IP.",
	},
	{
		id: "KS008", slug: "pss-apparmor", check: "appArmorProfile", level: pss.Baseline,
		title:       "AppArmor profile is overridden",
		peers:       []string{"trivy:KSV-0002"},
		why:         "Setting the AppArmor profile to unconfined removes the mandatory access control that limits what a compromised process may do.",
		bad:         "securityContext:\n  appArmorProfile:\n    type: Unconfined",
		good:        "securityContext:\n  appArmorProfile:\n    type: RuntimeDefault",
		remediation: "Remove the AppArmor override, or set appArmorProfile.type to RuntimeDefault or Localhost (annotation runtime/default or localhost/NAME).",
	},
	{
		id: "KS009", slug: "pss-selinux", check: "seLinuxOptions", level: pss.Baseline,
		title:       "SELinux options are customised",
		peers:       []string{"trivy:KSV-0025"},
		why:         "A custom SELinux type, user or role can lift the container out of the confined container_t domain.",
		bad:         "securityContext:\n  seLinuxOptions:\n    type: spc_t",
		good:        "securityContext:\n  seLinuxOptions:\n    level: \"s0:c123,c456\"",
		remediation: "Remove seLinuxOptions.user and role, and set type only to container_t, container_init_t, container_kvm_t or container_engine_t.",
	},
	{
		id: "KS010", slug: "pss-proc-mount", check: "procMount", level: pss.Baseline,
		title:       "container unmasks /proc",
		peers:       []string{"trivy:KSV-0027", "kube-linter:unsafe-proc-mount", "polaris:procMount"},
		why:         "procMount: Unmasked removes the masking of sensitive /proc paths that keeps a container from reading and writing kernel settings.",
		bad:         "securityContext:\n  procMount: Unmasked",
		good:        "securityContext:\n  procMount: Default",
		remediation: "Remove securityContext.procMount or set it to Default.",
	},
	{
		id: "KS011", slug: "pss-seccomp-baseline", check: "seccompProfile_baseline", level: pss.Baseline,
		title:       "seccomp is disabled",
		peers:       []string{"trivy:KSV-0104"},
		why:         "An Unconfined seccomp profile lets the container make every system call, the kernel attack surface most container escapes use.",
		bad:         "securityContext:\n  seccompProfile:\n    type: Unconfined",
		good:        "securityContext:\n  seccompProfile:\n    type: RuntimeDefault",
		remediation: "Set seccompProfile.type to RuntimeDefault (or Localhost with a profile).",
	},
	{
		id: "KS012", slug: "pss-sysctls", check: "sysctls", level: pss.Baseline,
		title:       "pod sets an unsafe sysctl",
		peers:       []string{"trivy:KSV-0026", "kube-linter:unsafe-sysctls"},
		why:         "Sysctls outside the namespaced safe set change kernel settings shared by every pod of the node.",
		bad:         "securityContext:\n  sysctls:\n  - name: kernel.msgmax\n    value: \"65536\"",
		good:        "securityContext:\n  sysctls:\n  - name: net.ipv4.ip_local_port_range\n    value: \"1024 65535\"",
		remediation: "Remove the sysctl, or set it on dedicated nodes outside the pod spec.",
	},
	{
		id: "KS013", slug: "pss-allow-privilege-escalation", check: "allowPrivilegeEscalation", level: pss.Restricted,
		title: "container may gain privileges",
		peers: []string{"trivy:KSV-0001", "kube-linter:privilege-escalation-container", "polaris:privilegeEscalationAllowed", "kubescape:C-0016"},
		why: "Unless allowPrivilegeEscalation is false, a process can gain privileges through setuid binaries or file " +
			"capabilities (no_new_privs is not set).",
		bad:         "securityContext:\n  allowPrivilegeEscalation: true",
		good:        "securityContext:\n  allowPrivilegeEscalation: false",
		remediation: "Set securityContext.allowPrivilegeEscalation: false in every container.",
	},
	{
		id: "KS014", slug: "pss-run-as-non-root", check: "runAsNonRoot", level: pss.Restricted,
		title:       "containers are not required to run as non-root",
		peers:       []string{"trivy:KSV-0012", "kube-linter:run-as-non-root", "polaris:runAsRootAllowed", "kubescape:C-0013"},
		why:         "Without runAsNonRoot: true the kubelet starts a container whose image runs as root, and root in a container is one kernel bug away from root on the node.",
		bad:         "securityContext:\n  runAsNonRoot: false",
		good:        "securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001",
		remediation: "Set securityContext.runAsNonRoot: true at the pod level (or in every container) and give the image a non-root user.",
	},
	{
		id: "KS015", slug: "pss-run-as-user", check: "runAsUser", level: pss.Restricted,
		title:       "pod or container runs as UID 0",
		peers:       []string{"trivy:KSV-0105"},
		why:         "runAsUser: 0 runs the container's processes as root, whatever the image says.",
		bad:         "securityContext:\n  runAsUser: 0",
		good:        "securityContext:\n  runAsUser: 10001",
		remediation: "Set runAsUser to a non-zero UID, or remove it and let the image's non-root user apply.",
	},
	{
		id: "KS016", slug: "pss-seccomp-restricted", check: "seccompProfile_restricted", level: pss.Restricted,
		title: "no seccomp profile is required",
		peers: []string{"trivy:KSV-0030", "kube-score:container-seccomp-profile", "polaris:linuxHardening", "kubescape:C-0210", "kubescape:C-0055"},
		why: "The restricted standard requires a RuntimeDefault or Localhost seccomp profile set explicitly, at the pod " +
			"or in every container, so that the container's system calls are filtered whatever the node's default.",
		bad:         "securityContext:\n  runAsNonRoot: true",
		good:        "securityContext:\n  runAsNonRoot: true\n  seccompProfile:\n    type: RuntimeDefault",
		remediation: "Set securityContext.seccompProfile.type: RuntimeDefault at the pod level (or Localhost with a profile).",
		replaces:    "seccompProfile_baseline",
	},
	{
		id: "KS017", slug: "pss-capabilities-restricted", check: "capabilities_restricted", level: pss.Restricted,
		title: "container does not drop ALL capabilities",
		peers: []string{"trivy:KSV-0106", "polaris:insecureCapabilities", "trivy:KSV-0003", "trivy:KSV-0004", "kube-linter:drop-net-raw-capability"},
		why: "The restricted standard requires every container to drop ALL capabilities and add back at most " +
			"NET_BIND_SERVICE: the runtime's default set (NET_RAW, CHOWN, SETUID, ...) is more than most programs need.",
		bad:         "securityContext:\n  capabilities:\n    add: [CHOWN]",
		good:        "securityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]",
		remediation: "Set capabilities.drop: [ALL] in every container and add back only NET_BIND_SERVICE if needed.",
		replaces:    "capabilities_baseline",
	},
	{
		id: "KS018", slug: "pss-restricted-volumes", check: "restrictedVolumes", level: pss.Restricted,
		title: "pod uses a volume type the restricted standard forbids",
		peers: []string{"trivy:KSV-0028"},
		why: "Only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes " +
			"are allowed: other types (nfs, iscsi, gitRepo, ...) mount storage directly from the node or the network, outside the cluster's access control.",
		bad:         "volumes:\n- name: data\n  nfs:\n    server: nfs.example.com\n    path: /export",
		good:        "volumes:\n- name: data\n  persistentVolumeClaim:\n    claimName: data",
		remediation: "Replace the volume with a persistentVolumeClaim (or another allowed type).",
		replaces:    "hostPathVolumes",
	},
	{
		id: "KS019", slug: "pss-proc-mount-restricted", check: "procMount_restricted", level: pss.Restricted,
		title:       "container unmasks /proc (restricted)",
		why:         "procMount: Unmasked removes the masking of sensitive /proc paths; the restricted standard forbids it even for pods in a user namespace.",
		bad:         "securityContext:\n  procMount: Unmasked",
		good:        "securityContext:\n  procMount: Default",
		remediation: "Remove securityContext.procMount or set it to Default.",
		replaces:    "procMount",
	},
}
