package container

import (
	"regexp"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	"github.com/bulwark-sec/bulwark/secrets"
	ct "github.com/bulwark-sec/bulwark/source/container"
)

// imageIDRe matches an image given by its ID rather than a name.
var imageIDRe = regexp.MustCompile(`^(?:sha256:)?[0-9a-f]{12,64}$`)

// imageRefRe matches what can be an image reference: a name of lower-case
// components with an optional registry port, tag and digest. A path or a
// word with spaces is not one.
var imageRefRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*(?::[0-9]+)?(?:/[a-z0-9][a-z0-9._-]*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[a-z0-9]+:[0-9a-fA-F]+)?$`)

// imageTag returns an image reference's tag ("" for none) and whether it
// is pinned by digest or given by image ID.
func imageTag(ref string) (tag string, pinned bool) {
	if strings.Contains(ref, "@") || imageIDRe.MatchString(ref) {
		return "", true
	}
	last := ref[strings.LastIndex(ref, "/")+1:]
	if i := strings.LastIndex(last, ":"); i >= 0 {
		return last[i+1:], false
	}
	return "", false
}

func contentRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "RC035", Slug: "image-latest", Kind: rule.Container, Severity: finding.Medium,
			Title: "container image is untagged or uses the latest tag",
			Tags:  []string{"supply-chain"},
			Peers: []string{"trivy:KSV-0013", "kube-linter:latest-tag", "polaris:tagNotSpecified", "kube-score:container-image-tag"},
			Why: "An image without a tag means `latest`, which moves: the same command runs different software from " +
				"one day to the next, a compromised or broken push reaches you unreviewed, and an incident cannot be " +
				"traced to a version. A fixed tag, better a digest, names what runs. Images named by digest or image " +
				"ID are fine; names built from variables, and command lines whose image the shell decides (`docker run $OPTS ...`) are not judged. An image built and tagged by the same script " +
				"is a fair reason to suppress the finding.",
			Bad:         "docker run myapp:latest\ndocker run nginx",
			Good:        "docker run nginx:1.27.3\ndocker run nginx@sha256:<digest>",
			Remediation: "Name the image with a version tag (`nginx:1.27.3`), or pin it by digest (`nginx@sha256:...`) and update it deliberately.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				img := s.Image
				// On a partial command line the word taken for the image may be
				// the command, after an image given by an unquoted variable.
				if !img.Set || img.Unknown || s.Built || s.Partial && s.Source == ct.SourceRun || !imageRefRe.MatchString(img.Value) {
					return
				}
				switch tag, pinned := imageTag(img.Value); {
				case pinned:
				case tag == "":
					p.Reportf(img.Loc, "image %s has no tag: it runs whatever %s:latest is when pulled", img.Value, img.Value)
				case tag == "latest":
					p.Reportf(img.Loc, "image %s uses the latest tag, which moves", img.Value)
				}
			}),
		},
		{
			ID: "RC036", Slug: "credential-in-env", Kind: rule.Container, Severity: finding.High,
			Title: "credential passed in an environment variable",
			Tags:  []string{tagSecrets},
			Peers: []string{"kube-linter:env-var-secret", "polaris:sensitiveContainerEnvVar", "kubescape:C-0012"},
			Why: "A credential written into the command line or Compose file is kept in version control and shell " +
				"history, shown by `ps` and `docker inspect` to anyone who may list containers, inherited by every child " +
				"process, and often dumped in logs and crash reports. Names are judged as in DF007 (password, secret, " +
				"token, apikey, ...; *_FILE, *_PATH and similar names are not). A variable whose value comes from the " +
				"caller's environment (`-e NAME`, `NAME=${NAME}`) is not reported, nor are placeholders, switches " +
				"(true, no, 0), templates, references to a secret store and /run/secrets paths. A value that is a " +
				"credential by its form (a GitHub or AWS key, a URL with a password, a private key) is reported whatever " +
				"the variable's name.",
			Bad:         "docker run -e DB_PASSWORD=hunter2 postgres:16",
			Good:        "docker run -e POSTGRES_PASSWORD_FILE=/run/secrets/db_password -v ./db_password.txt:/run/secrets/db_password:ro postgres:16",
			Remediation: "Pass the credential as a file: mount it (a Docker or Compose secret, or a read-only bind of a file kept out of version control) and point the application at it, for example with a `*_FILE` variable.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				for _, e := range s.Env {
					if !e.HasValue || e.Unknown || e.FromVariable || strings.ContainsAny(e.Value, "$`") {
						continue
					}
					switch what := secrets.Form(e.Value); {
					case what != "":
						p.Reportf(e.Loc, "environment variable %s holds %s", e.Name, what)
					case secrets.Setting(e.Name, e.Value):
						p.Reportf(e.Loc, "environment variable %s holds a literal credential", e.Name)
					}
				}
			}),
		},
	}
}
