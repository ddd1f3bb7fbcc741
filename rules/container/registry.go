package container

import (
	"path"
	"strings"

	"github.com/distribution/reference"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	ct "github.com/bulwark-sec/bulwark/source/container"
)

// frozenRegistries are registries that no longer receive images: what
// they serve never gets a security fix. The value names the successor.
var frozenRegistries = map[string]string{
	"k8s.gcr.io":               "registry.k8s.io",
	"gcr.io/google_containers": "registry.k8s.io",
	"gcr.io/google-containers": "registry.k8s.io",
}

// registryRules are the rules about where images come from.
func registryRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "RC037", Slug: "untrusted-registry", Kind: rule.Container, Severity: finding.Medium,
			Title: "container image comes from a registry that is not trusted",
			Tags:  []string{"supply-chain"},
			Peers: []string{"trivy:KSV-0125", "kubescape:C-0078"},
			Why: "An image is code you run. When an organisation mirrors and vets images in its own registries, an " +
				"image pulled from anywhere else skips that review (and an admission controller may refuse it at " +
				"deploy time). This rule runs only when trusted registries are configured (`trusted-registries` in " +
				".bulwark.yaml or `--trusted-registry`), and judges every container of every source, as DF033 judges " +
				"base images.",
			Bad:         "# trusted-registries: [registry.example.com]\ndocker run docker.io/library/nginx:1.27",
			Good:        "docker run registry.example.com/mirror/nginx:1.27",
			Remediation: "Pull the image through a trusted registry (a mirror or pull-through cache), or add the registry to `trusted-registries` once it is vetted.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				trusted := p.Settings.TrustedRegistries
				host, _, ok := registryOf(s)
				if len(trusted) == 0 || !ok {
					return
				}
				for _, g := range trusted {
					if m, _ := path.Match(strings.ToLower(g), host); m {
						return
					}
				}
				p.Reportf(s.Image.Loc, "image %s comes from %s, which is not a trusted registry", s.Image.Value, host)
			}),
		},
		{
			ID: "RC038", Slug: "frozen-registry", Kind: rule.Container, Severity: finding.Medium,
			Title: "container image comes from a frozen registry",
			Tags:  []string{"supply-chain"},
			Peers: []string{"kubescape:C-0253"},
			Why: "Some registries stopped receiving images: k8s.gcr.io (and its older name gcr.io/google_containers) " +
				"was frozen in April 2023 when Kubernetes moved to registry.k8s.io. What a frozen registry serves never " +
				"gets another security fix, and it may go away altogether, breaking the next pull.",
			Bad:         "docker run k8s.gcr.io/pause:3.2",
			Good:        "docker run registry.k8s.io/pause:3.10",
			Remediation: "Pull the image from the registry that replaced the frozen one (registry.k8s.io for k8s.gcr.io) at a current version.",
			Check: each(func(p *rule.Pass, s *ct.Spec) {
				_, name, ok := registryOf(s)
				if !ok {
					return
				}
				for prefix, next := range frozenRegistries {
					if name == prefix || strings.HasPrefix(name, prefix+"/") {
						p.Reportf(s.Image.Loc, "image %s comes from %s, which no longer receives images: use %s", s.Image.Value, prefix, next)
						return
					}
				}
			}),
		},
	}
}

// registryOf returns the registry host of a container's image and its
// full normalised name ("docker.io/library/nginx"), for images named
// literally; ok is false for images built locally, named by ID or by a
// variable, or not readable as a reference.
func registryOf(s *ct.Spec) (host, name string, ok bool) {
	img := s.Image
	if !img.Set || img.Unknown || s.Built || s.Partial && s.Source == ct.SourceRun || !imageRefRe.MatchString(img.Value) || imageIDRe.MatchString(img.Value) {
		return "", "", false
	}
	ref, err := reference.ParseNormalizedNamed(img.Value)
	if err != nil {
		return "", "", false
	}
	return strings.ToLower(reference.Domain(ref)), ref.Name(), true
}
