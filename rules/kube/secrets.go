package kube

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/secrets"
	"github.com/bulwark-sec/bulwark/source/kube"
	corev1 "k8s.io/api/core/v1"
)

// Tags of the secret rules: the seed's "avoid hard-coded secrets" and
// "secrets as files" practices.
const (
	secretTagHardCoded = "seed:hard-coded-secrets"
	secretTagFiles     = "seed:secrets-as-files"
)

// secretGoodPractice credits the practices the seed recommends, for the
// remediation texts.
const secretGoodPractice = "Keep the value out of the repository: create the Secret from a secret manager or at deploy " +
	"time (External Secrets, Sealed Secrets, SOPS, `kubectl create secret` in the pipeline), or inject it with Vault Agent " +
	"(`vault.hashicorp.com/agent-inject: \"true\"`); consume it as a mounted file, or from `valueFrom.secretKeyRef` or " +
	"`envFrom`, and point the program at the file with a `*_FILE` variable (DB_PASSWORD_FILE=/run/secrets/db_password). " +
	"Rotate a credential that was committed: it stays in the history."

// secretRules returns the rules about Secrets and credentials in
// manifests, KS040 onwards. Literal credentials in containers' env are
// RC036's, which runs on Kubernetes containers too.
func secretRules() []*rule.Rule {
	return []*rule.Rule{secretCommittedRule(), secretConfigMapRule(), secretEnvRule(), secretPlainRule(), argsRule()}
}

// secretPlainRule is KS043: a Secret manifest with values that are not
// recognisably credentials.
func secretPlainRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS043", Slug: "kube-secret-data", Kind: rule.Kube, Severity: finding.Low,
		Title: "Secret manifest holds data",
		Tags:  []string{secretTagHardCoded},
		Why: "Whatever a Secret holds is meant to be secret, and a Secret manifest in a repository is readable by " +
			"everyone who can read the repository, for good. KS040 reports the values that are recognisably " +
			"credentials; this rule reports the other literal values of Secret manifests (short, word-like values " +
			"under keys that do not name a credential, such as `pin: \"4711\"` or `key: mypassword`), which are often test " +
			"fixtures or demo data, hence the low severity. The same values as for KS040 are not reported: " +
			"placeholders, templates, certificates, user names, hosts, switches and references.",
		Bad:         "kind: Secret\nmetadata:\n  name: app\nstringData:\n  pin: \"4711\"",
		Good:        "kind: Secret\nmetadata:\n  name: app\nstringData:\n  pin: ${APP_PIN}  # filled in by the pipeline",
		Remediation: secretGoodPractice,
		Check:       secretCommittedChecker(secretPlain),
	}
}

// secretCommittedRule is KS040: a Secret manifest with credentials.
func secretCommittedRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS040", Slug: "kube-secret-committed", Kind: rule.Kube, Severity: finding.High,
		Title: "Secret manifest holds a credential",
		Tags:  []string{secretTagHardCoded},
		Why: "A Secret's `data` is base64, an encoding anyone can reverse, and `stringData` is plain text: a Secret " +
			"manifest kept in a repository gives its credentials to everyone who can read the repository, its forks, " +
			"its CI logs and its history, for good. No peer lints Secret manifests for this (Trivy's secret scanner " +
			"reads stringData text by its patterns but does not decode data). Each key is reported with what its value " +
			"is, decoded: a private key, a token of a known form, a URL with a password, a password hash, a literal under " +
			"a key that names a credential (password, token, apiKey, ...), a generated-looking value, binary data (a key " +
			"store); other literal values are KS043's, at a low severity. Not reported: empty values and " +
			"placeholders (changeme, <password>, ${VAR}, {{ .Values.x }}), certificates and public keys (ca.crt, " +
			"tls.crt), keys that name rather than hold a credential (username, host, port, namespace, region, URLs " +
			"without a password), and values of several lines (a configuration file) in which no credential is found.",
		Bad:         "kind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2",
		Good:        "kind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ${DB_PASSWORD}  # filled in by the pipeline",
		Remediation: secretGoodPractice,
		Check:       secretCommittedChecker(secretCredential),
	}
}

// secretEntry is one key of a data or stringData mapping.
type secretEntry struct {
	field      string // data, stringData or binaryData
	key        string
	value      string // decoded for data and binaryData
	binary     bool   // the decoded value is not text
	undecoded  bool   // data that is not base64 (a template, a mistake)
	blockStart int    // for a literal block scalar, the line of its first content line; else 0
}

// secretEntries returns the keys of a mapping field of an object, their
// values decoded from base64 when decode is set (a Secret's data, a
// ConfigMap's binaryData).
func secretEntries(o *kube.Object, field string, decode bool) []secretEntry {
	m := secretChild(o.Node, field)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var out []secretEntry
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], secretResolve(m.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Value == "<<" || v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			continue
		}
		e := secretEntry{field: field, key: k.Value, value: v.Value}
		if decode {
			raw := strings.Join(strings.Fields(v.Value), "")
			b, err := base64.StdEncoding.DecodeString(raw)
			if err != nil {
				e.undecoded = true
			} else {
				e.value = string(b)
				e.binary = !utf8.Valid(b) || strings.ContainsRune(e.value, 0)
			}
		} else if v.Style&yaml.LiteralStyle != 0 {
			e.blockStart = v.Line + 1
		}
		out = append(out, e)
	}
	return out
}

// secretChild returns the value of a key of a mapping node.
func secretChild(m *yaml.Node, key string) *yaml.Node {
	m = secretResolve(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := len(m.Content) - 2; i >= 0; i -= 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
			return secretResolve(m.Content[i+1])
		}
	}
	return nil
}

// secretResolve follows an alias.
func secretResolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// secretObjectName names an object for messages: `Secret "db"`.
func secretObjectName(o *kube.Object) string {
	if o.Name == "" {
		return fmt.Sprintf("%s (document %d)", o.Kind, o.Index+1)
	}
	return fmt.Sprintf("%s %q", o.Kind, o.Name)
}

// secretMatchText describes the first match and how many more there are,
// with the line of the value for documents.
func secretMatchText(ms []secrets.Match, document bool) string {
	m := ms[0]
	s := m.What
	if m.Name != "" {
		s = fmt.Sprintf("setting %s holds a literal credential", m.Name)
	}
	if document && m.Line > 0 {
		s += fmt.Sprintf(" on line %d of the value", m.Line+1)
	}
	if len(ms) > 1 {
		s += fmt.Sprintf(" (and %d more)", len(ms)-1)
	}
	return s
}

// secretLevel is how sure a Secret's value is a credential.
type secretLevel int

const (
	// secretNone: not reported (empty, placeholder, public, identifying).
	secretNone secretLevel = iota
	// secretPlain: a literal value that is not recognisably a credential
	// (KS043).
	secretPlain
	// secretCredential: a credential by its form, its key's name, or its
	// generated look (KS040).
	secretCredential
)

// secretCommittedChecker reports the keys of Secrets judged at level.
func secretCommittedChecker(level secretLevel) func(p *rule.Pass) error {
	return func(p *rule.Pass) error {
		f, err := kubeFile(p)
		if err != nil || f == nil {
			return err
		}
		for _, o := range f.Objects {
			if o.Kind != "Secret" || o.APIVersion != "v1" {
				continue
			}
			for _, field := range []string{"data", "stringData"} {
				for _, e := range secretEntries(o, field, field == "data") {
					if what, l := secretJudge(e); l == level {
						p.Reportf(o.At(field, e.key), "%s commits %s key %q: %s", secretObjectName(o), field, e.key, what)
					}
				}
			}
		}
		return nil
	}
}

// secretJudge says whether a key of a Secret holds a credential, and
// what it is.
func secretJudge(e secretEntry) (string, secretLevel) {
	v := strings.TrimSpace(e.value)
	switch {
	case e.undecoded:
		// A template ({{ .Values.password | b64enc }}) or not base64 at all:
		// the API server refuses the latter, and the reader says so.
		return "", secretNone
	case e.binary:
		if secrets.Identifying(e.key) {
			return "", secretNone
		}
		return fmt.Sprintf("%d bytes of binary data (a key store or key file?)", len(e.value)), secretCredential
	case secrets.Placeholder(v) || secrets.PublicOnly(v):
		return "", secretNone
	case (secrets.Dummy(v) || secrets.Templated(v)) && !strings.ContainsAny(v, "\n{["):
		// A dummy or a template; a document is read setting by setting
		// instead.
		return "", secretNone
	}
	ms := secrets.Value(e.key, v)
	document := strings.Contains(v, "\n")
	switch {
	case e.key == corev1.DockerConfigJsonKey || e.key == corev1.DockerConfigKey:
		if strings.Contains(v, `"auth"`) || strings.Contains(v, `"password"`) || strings.Contains(v, `"identitytoken"`) {
			return "container registry credentials" + secretBase64Note(e), secretCredential
		}
		return "", secretNone
	case len(ms) > 0 && ms[0].Name == e.key && !document,
		len(ms) == 0 && !document && secrets.Classify(e.key) == secrets.Strong && !secrets.Switch(v) && !secrets.Reference(v):
		// In a Secret, a key named password holds one, even "password".
		return "a literal credential" + secretBase64Note(e), secretCredential
	case len(ms) > 0:
		return secretMatchText(ms, document), secretCredential
	case document, secrets.Identifying(e.key), secrets.Switch(v), secrets.Reference(v):
		// A configuration file without a credential; a user name, host or
		// certificate; a switch; a pointer to a secret kept elsewhere.
		return "", secretNone
	case secrets.Looking(v):
		return "a generated-looking value, likely a key or token" + secretBase64Note(e), secretCredential
	}
	return "a literal value that does not look like a credential" + secretBase64Note(e), secretPlain
}

// secretBase64Note reminds that data is only encoded.
func secretBase64Note(e secretEntry) string {
	if e.field == "data" {
		return " (base64 is an encoding, not encryption)"
	}
	return ""
}

// secretConfigMapRule is KS041: credentials in a ConfigMap.
func secretConfigMapRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS041", Slug: "kube-configmap-credential", Kind: rule.Kube, Severity: finding.High,
		Title: "ConfigMap holds a credential",
		Tags:  []string{secretTagHardCoded},
		Peers: []string{"trivy:KSV-0109", "trivy:KSV-01010", "polaris:sensitiveConfigmapContent", "kubescape:C-0012"},
		Why: "ConfigMaps are for configuration that is not secret: they are not encrypted at rest even where Secrets " +
			"are, RBAC grants read access to them freely, they are printed by `kubectl describe`, and their manifests " +
			"live in the repository. A credential in one is readable by all of these. Values are read for what they " +
			"are, not only for their key's name: private key blocks, tokens of known forms (AWS access key IDs, " +
			"GitHub, GitLab, Slack, Stripe, Google, npm, SendGrid, OpenAI, PyPI, JWTs), URLs with a password, " +
			"password hashes, and settings whose name holds a credential (password, secret, token, apiKey, ...) in " +
			"embedded files (properties, .env, INI, YAML, JSON, XML, connection strings, --flags). binaryData is " +
			"decoded first. Not reported: settings about credentials (password-policy, PASSWORD_MIN_LENGTH, " +
			"*_FILE, secretName), switches, numbers, placeholders and templates, references to a secret manager " +
			"(vault:, ref+, arn:, ENC(...)), environment variable names, certificates and public keys.",
		Bad:         "kind: ConfigMap\ndata:\n  application.properties: |\n    spring.datasource.password=hunter2",
		Good:        "kind: ConfigMap\ndata:\n  application.properties: |\n    spring.datasource.password=${DB_PASSWORD}",
		Remediation: "Move the credential into a Secret (created outside the repository) and reference it from the configuration. " + secretGoodPractice,
		Check:       secretConfigMapCheck,
	}
}

func secretConfigMapCheck(p *rule.Pass) error {
	f, err := kubeFile(p)
	if err != nil || f == nil {
		return err
	}
	for _, o := range f.Objects {
		if o.Kind != "ConfigMap" || o.APIVersion != "v1" {
			continue
		}
		for _, field := range []string{"data", "binaryData"} {
			for _, e := range secretEntries(o, field, field == "binaryData") {
				secretConfigMapEntry(p, o, e)
			}
		}
	}
	return nil
}

// secretKeyStoreSuffixes end the names of key stores, which hold private
// keys.
var secretKeyStoreSuffixes = []string{".p12", ".pfx", ".jks", ".keystore", ".bcfks"}

// secretConfigMapEntry reports the credentials of one ConfigMap key.
func secretConfigMapEntry(p *rule.Pass, o *kube.Object, e secretEntry) {
	name := secretObjectName(o)
	keyLoc := o.At(e.field, e.key)
	if e.undecoded {
		return
	}
	if e.binary {
		lower := strings.ToLower(e.key)
		for _, s := range secretKeyStoreSuffixes {
			if strings.HasSuffix(lower, s) && !strings.Contains(lower, "trust") {
				p.Reportf(keyLoc, "%s %s key %q holds a key store, which holds private keys", name, e.field, e.key)
				return
			}
		}
		return
	}
	v := strings.TrimRight(e.value, "\r\n")
	if secrets.PublicOnly(v) {
		return
	}
	ms := secrets.Value(e.key, v)
	document := strings.Contains(v, "\n")
	for _, m := range ms {
		switch {
		case !document && m.Name == e.key:
			p.Reportf(keyLoc, "%s %s key %q holds a literal credential", name, e.field, e.key)
		case !document && m.Name != "":
			p.Reportf(keyLoc, "%s %s key %q sets %s to a literal credential", name, e.field, e.key, m.Name)
		case !document:
			p.Reportf(keyLoc, "%s %s key %q holds %s", name, e.field, e.key, m.What)
		case e.blockStart > 0:
			loc, ok := o.LineAt(e.blockStart + m.Line)
			if !ok {
				loc = keyLoc
			}
			p.Reportf(loc, "%s %s key %q, line %d: %s", name, e.field, e.key, m.Line+1, secretMatchWhat(m))
		default:
			// A folded, quoted or base64 value: its lines are not the file's.
			p.Reportf(keyLoc, "%s %s key %q, line %d of the value: %s", name, e.field, e.key, m.Line+1, secretMatchWhat(m))
		}
	}
}

// secretMatchWhat says what a match is: "setting db.password holds a
// literal credential", "a GitHub token".
func secretMatchWhat(m secrets.Match) string {
	if m.Name != "" {
		return fmt.Sprintf("setting %s holds a literal credential", m.Name)
	}
	return m.What
}

// Vault Agent injector annotations.
const (
	secretVaultInject     = "vault.hashicorp.com/agent-inject"
	secretVaultContainers = "vault.hashicorp.com/agent-inject-containers"
)

// secretVaultInjected reports whether Vault Agent injects secrets into a
// container of the pod: the pod template says agent-inject "true", and
// agent-inject-containers, when set, names the container.
func secretVaultInjected(annotations map[string]string, container string) bool {
	on, err := strconv.ParseBool(strings.TrimSpace(annotations[secretVaultInject]))
	if err != nil || !on {
		return false
	}
	list, ok := annotations[secretVaultContainers]
	if !ok || strings.TrimSpace(list) == "" {
		return true
	}
	for _, c := range strings.Split(list, ",") {
		if strings.TrimSpace(c) == container {
			return true
		}
	}
	return false
}

// secretFileVariable reports whether a variable's name says it holds a
// path to a secret rather than the secret.
func secretFileVariable(name string) bool {
	u := strings.ToUpper(name)
	for _, s := range []string{"_FILE", "_PATH", "_FILENAME", "_DIR"} {
		if strings.HasSuffix(u, s) {
			return true
		}
	}
	return false
}

// secretEnvRule is KS042: Secrets read into environment variables.
func secretEnvRule() *rule.Rule {
	return &rule.Rule{
		ID: "KS042", Slug: "kube-secret-in-env", Kind: rule.Kube, Severity: finding.Low,
		Title: "Secret consumed as an environment variable",
		Tags:  []string{secretTagFiles},
		Peers: []string{"kube-linter:read-secret-from-env-var", "kubescape:C-0207"},
		Why: "A Secret referenced from `env[].valueFrom.secretKeyRef` or `envFrom[].secretRef` is far better than a " +
			"literal, but the value then sits in the process environment: every child process inherits it, it is " +
			"readable in /proc/<pid>/environ, and programs print their environment in crash dumps, debug pages and " +
			"error reports. A mounted secret volume keeps it in a file that only the program opens, and Kubernetes " +
			"updates the file when the Secret changes (environment variables are fixed at start). Variables named " +
			"*_FILE or *_PATH (a path from the Secret) and containers into which Vault Agent injects secrets " +
			"(vault.hashicorp.com/agent-inject: \"true\") are not reported. kube-linter has this check off by default.",
		Bad: "env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db\n      key: password",
		Good: "env:\n- name: DB_PASSWORD_FILE\n  value: /run/secrets/db/password\nvolumeMounts:\n- name: db\n  mountPath: /run/secrets/db\n" +
			"  readOnly: true\n# volumes:\n# - name: db\n#   secret:\n#     secretName: db",
		Remediation: "Mount the Secret as a volume (readOnly) and point the program at the file, for example with a *_FILE " +
			"variable (DB_PASSWORD_FILE=/run/secrets/db/password), or inject it with Vault Agent " +
			"(vault.hashicorp.com/agent-inject: \"true\"); keep secretKeyRef only for programs that read nothing but " +
			"their environment.",
		Check: func(p *rule.Pass) error {
			f, err := kubeFile(p)
			if err != nil || f == nil {
				return err
			}
			for _, o := range f.Objects {
				meta, _, _, ok := kube.PodSpecOf(o)
				if !ok {
					continue
				}
				for _, c := range kube.Containers(o) {
					if secretVaultInjected(meta.Annotations, c.Name()) {
						continue
					}
					secretEnvContainer(p, o, c)
				}
			}
			return nil
		},
	}
}

// secretEnvContainer reports the Secrets a container reads into its
// environment.
func secretEnvContainer(p *rule.Pass, o *kube.Object, c kube.Container) {
	for i, e := range c.Container.Env {
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || secretFileVariable(e.Name) {
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		p.Reportf(o.At(at(c, "env", strconv.Itoa(i))...), "%s reads key %q of Secret %q into environment variable %s; a mounted secret volume keeps it out of the process environment, /proc and crash dumps",
			containerWord(c), ref.Key, ref.Name, e.Name)
	}
	for i, e := range c.Container.EnvFrom {
		if e.SecretRef == nil {
			continue
		}
		p.Reportf(o.At(at(c, "envFrom", strconv.Itoa(i))...), "%s loads every key of Secret %q into its environment%s; a mounted secret volume keeps them out of the process environment, /proc and crash dumps",
			containerWord(c), e.SecretRef.Name, secretPrefixNote(e))
	}
}

// secretPrefixNote mentions an envFrom prefix.
func secretPrefixNote(e corev1.EnvFromSource) string {
	if e.Prefix == "" {
		return ""
	}
	return fmt.Sprintf(" (prefixed %s)", e.Prefix)
}
