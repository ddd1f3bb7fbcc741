package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/bulwark-sec/bulwark/auditpolicy"
	"github.com/bulwark-sec/bulwark/scan"
)

// auditWiring is how a policy reaches the API server, for the help texts.
const auditWiring = `Wiring the policy into kube-apiserver:
  --audit-policy-file=/etc/kubernetes/audit-policy.yaml   the policy (mount it into the
                                                          static pod with a hostPath volume)
  Log backend:
  --audit-log-path=/var/log/kubernetes/audit/audit.log     ("-" writes to standard output)
  --audit-log-format=json                                  one event per line
  --audit-log-maxage=30 --audit-log-maxbackup=10 --audit-log-maxsize=100
  Webhook backend:
  --audit-webhook-config-file=/etc/kubernetes/audit-webhook.yaml   a kubeconfig whose
                                                          cluster server is the receiver's URL
  --audit-webhook-mode=batch                               (or blocking, blocking-strict)
  --audit-webhook-initial-backoff=10s
  --audit-webhook-batch-max-size=400 --audit-webhook-batch-max-wait=30s
  --audit-webhook-truncate-enabled=true                    events over 100 KiB are truncated
  --audit-webhook-version=audit.k8s.io/v1
With kubeadm, set them in ClusterConfiguration apiServer.extraArgs and mount the
policy with apiServer.extraVolumes.`

func newAuditPolicyCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "audit-policy",
		Short: "Write and explain Kubernetes API server audit policies",
		Long: `Write a strong audit policy for kube-apiserver (generate), or ask a policy what it
logs for a request and which rule decides (explain). 'bulwark scan' lints policy
files with rules AP001 onwards.

` + auditWiring,
		Args: cobra.NoArgs,
	}
	c.AddCommand(newAuditGenerateCmd(e), newAuditExplainCmd(e))
	return c
}

func newAuditGenerateCmd(e *env) *cobra.Command {
	var level, output string
	var keepManaged bool
	c := &cobra.Command{
		Use:   "generate",
		Short: "Write a strong audit policy",
		Long: `Write an audit policy (audit.k8s.io/v1) that passes every Bulwark audit rule: the
seed's policy extended in the structure of the one Kubernetes writes for GCE.

  1. None for narrow, high-volume traffic: kube-proxy watches, nodes reading
     themselves and renewing leases, leader election, Events, health checks
  2. Metadata for Secrets, ConfigMaps, service account tokens, TokenReviews
     (their bodies would copy credentials into the log)
  3. RequestResponse for exec, attach, port-forward, proxy, ephemeral containers
  4. Request for reads of the built-in API groups
  5. RequestResponse for every other request to the built-in API groups
  6. --level for everything else (custom resources, new APIs, other URLs)

RequestReceived is omitted (every request would be logged twice), and managed
fields unless --keep-managed-fields.

` + auditWiring,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			var l auditv1.Level
			for _, v := range auditpolicy.Levels[1:] {
				if strings.EqualFold(level, string(v)) {
					l = v
				}
			}
			if l == "" {
				return usageErr("--level %q: want Metadata, Request or RequestResponse (None would leave the requests no rule names unlogged)", level)
			}
			data := auditpolicy.Generate(auditpolicy.Options{Level: l, KeepManagedFields: keepManaged})
			if output == "" {
				_, err := e.stdout.Write(data)
				return err
			}
			f, err := createAtomic(output)
			if err != nil {
				return usageErr("--output: %v", err)
			}
			defer f.abort()
			if _, err := f.Write(data); err != nil {
				return fmt.Errorf("writing %s: %w", output, err)
			}
			if err := f.commit(); err != nil {
				return fmt.Errorf("writing %s: %w", output, err)
			}
			return nil
		},
	}
	c.Flags().StringVar(&level, "level", "Metadata", "level of the last rule, for every request no other rule decides: Metadata, Request or RequestResponse")
	c.Flags().BoolVar(&keepManaged, "keep-managed-fields", false, "log the managedFields of request and response bodies")
	c.Flags().StringVarP(&output, "output", "o", "", "write the policy to this file instead of standard output")
	return c
}

func newAuditExplainCmd(e *env) *cobra.Command {
	var namespace, user, subresource string
	var groups []string
	c := &cobra.Command{
		Use:   "explain POLICY VERB RESOURCE|URL [NAME]",
		Short: "Show what a policy logs for a request, and which rule decides",
		Long: `Run one request through an audit policy file as the API server does (the first
rule that matches decides) and print the level, the stages logged and the deciding
rule. RESOURCE is written as kubectl writes it: pods, pods/exec, deployments.apps,
deployments.apps/scale, tokenreviews.authentication.k8s.io; a URL starts with "/".
The user is in the groups the API server always adds (system:authenticated, or
system:unauthenticated for system:anonymous; system:serviceaccounts and
system:serviceaccounts:NAMESPACE for a service account) and those of --as-group.`,
		Example: `  bulwark audit-policy explain audit.yaml create pods/exec web -n default --as alice
  bulwark audit-policy explain audit.yaml get secrets -n kube-system --as system:serviceaccount:ci:bot --as-group system:serviceaccounts
  bulwark audit-policy explain audit.yaml get /healthz`,
		Args: cobra.RangeArgs(3, 4),
		RunE: func(_ *cobra.Command, args []string) error {
			data, err := scan.ReadFile(args[0], scan.DefaultMaxFileBytes)
			if err != nil {
				return &exitError{code: exitIncomplete, err: fmt.Errorf("%s: %w", args[0], err)}
			}
			p, err := auditpolicy.Load(data)
			if p == nil {
				return &exitError{code: exitIncomplete, err: fmt.Errorf("%s: %w", args[0], err)}
			}
			if err != nil {
				fmt.Fprintf(e.stderr, "bulwark: warning: %s: %v\n", args[0], err)
			}
			r, err := explainRequest(args[1:], namespace, user, subresource, groups)
			if err != nil {
				return err
			}
			return printDecision(e.stdout, p, r)
		},
	}
	c.Flags().StringVarP(&namespace, "namespace", "n", "", "namespace of the object (none: cluster-scoped, or all namespaces)")
	c.Flags().StringVar(&user, "as", "jane", "user name")
	c.Flags().StringArrayVar(&groups, "as-group", nil, "a group of the user, besides system:authenticated (repeatable)")
	c.Flags().StringVar(&subresource, "subresource", "", "subresource, as an alternative to RESOURCE/SUBRESOURCE")
	return c
}

// explainRequest builds the request of explain's arguments.
func explainRequest(args []string, namespace, user, subresource string, groups []string) (auditpolicy.Request, error) {
	r := auditpolicy.Request{Verb: strings.ToLower(args[0]), User: user}
	r.Groups = append(auditpolicy.GroupsOf(user), groups...)
	target := args[1]
	if strings.HasPrefix(target, "/") {
		if len(args) > 2 || namespace != "" || subresource != "" {
			return r, usageErr("a non-resource URL takes no name, namespace or subresource")
		}
		r.Path = target
		return r, nil
	}
	res, sub, _ := strings.Cut(target, "/")
	if subresource != "" {
		if sub != "" {
			return r, usageErr("%s: give the subresource once", target)
		}
		sub = subresource
	}
	name, group, _ := strings.Cut(res, ".")
	if name == "" || strings.Contains(sub, "/") {
		return r, usageErr("%q: want RESOURCE[.GROUP][/SUBRESOURCE] or a URL starting with /", target)
	}
	r.Resource, r.APIGroup, r.Subresource, r.Namespace = name, group, sub, namespace
	if len(args) > 2 {
		r.Name = args[2]
	}
	return r, nil
}

// printDecision writes what the policy decides for r.
func printDecision(w io.Writer, p *auditpolicy.Policy, r auditpolicy.Request) error {
	d := p.Evaluate(r)
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-16s%s\n", label+":", fmt.Sprintf(format, args...))
	}
	line("request", "%s", r)
	line("level", "%s", d.Level)
	if d.Logged() {
		var kept []string
		for _, s := range auditpolicy.Stages {
			if !d.Omit.Has(s) {
				kept = append(kept, string(s))
			}
		}
		if len(kept) == 0 {
			kept = []string{"none"}
		}
		line("stages logged", "%s", strings.Join(kept, ", "))
		line("managedFields", "%s", map[bool]string{true: "omitted", false: "logged"}[d.OmitManagedFields])
	}
	if d.Rule < 0 {
		line("decided by", "no rule: the request matches none, so it is not logged")
	} else {
		pos := ""
		if d.Rule < len(p.RulePos) && p.RulePos[d.Rule].Line > 0 {
			pos = fmt.Sprintf(" (line %d)", p.RulePos[d.Rule].Line)
		}
		line("decided by", "rule %d%s", d.Rule+1, pos)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
