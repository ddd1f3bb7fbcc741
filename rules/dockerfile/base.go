package dockerfile

import (
	"fmt"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	df "github.com/bulwark-sec/bulwark/source/dockerfile"
)

func baseRules() []*rule.Rule {
	return []*rule.Rule{
		{
			ID: "DF001", Slug: "from-latest", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "base image is unpinned or uses the latest tag",
			Tags:  []string{"seed:secure-image-build", "cis-docker:4.2"},
			Peers: []string{"hadolint:DL3006", "hadolint:DL3007", "trivy:DS-0001"},
			Why: "An image without a tag means `latest`, which moves: the same Dockerfile builds a different " +
				"image tomorrow, with new packages and new vulnerabilities, and a build cannot be reproduced or audited.",
			Bad:         "FROM ubuntu:latest",
			Good:        "FROM ubuntu:24.04@sha256:<digest>",
			Remediation: "Pin the base image to a specific version tag, and preferably to its digest.",
			Check: check(func(p *rule.Pass, f *df.File) {
				baseImages(f, func(s *df.Stage, ref df.ImageRef) {
					switch {
					case ref.Digest != "":
					case ref.Tag == "":
						report(p, f, s.ImageSpan, "base image %q has no tag, so it means %q", ref.Raw, ref.Raw+":latest")
					case ref.Tag == "latest":
						report(p, f, s.ImageSpan, "base image %q uses the latest tag", ref.Raw)
					}
				})
			}),
		},
		{
			ID: "DF002", Slug: "from-no-digest", Kind: rule.Dockerfile, Severity: finding.Low,
			Title: "base image is not pinned by digest",
			Tags:  []string{"seed:secure-image-build", "cis-docker:4.2"},
			Why: "A tag can be re-pointed by whoever controls the repository; only a digest names exact bytes. " +
				"Pinning by digest makes builds reproducible and stops a compromised or re-pushed tag from reaching you.",
			Bad:         "FROM python:3.12-slim",
			Good:        "FROM python:3.12-slim@sha256:<digest>",
			Remediation: "Append the image digest (`@sha256:...`) to the base image and update it with a bot such as Renovate or Dependabot.",
			Check: check(func(p *rule.Pass, f *df.File) {
				baseImages(f, func(s *df.Stage, ref df.ImageRef) {
					// DF001 covers untagged and latest.
					if ref.Digest == "" && ref.Tag != "" && ref.Tag != "latest" {
						report(p, f, s.ImageSpan, "base image %q is pinned by tag only, not by digest", ref.Raw)
					}
				})
			}),
		},
		{
			ID: "DF033", Slug: "from-untrusted-registry", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "base image comes from a registry that is not trusted",
			Tags:  []string{"cis-docker:4.2", "supply-chain"},
			Peers: []string{"hadolint:DL3026"},
			Why: "Base images are code you run. When an organisation mirrors and vets images in its own registries, a " +
				"base pulled from anywhere else skips that review. This rule runs only when trusted registries are configured.",
			Bad:         "# trusted-registries: [registry.example.com]\nFROM docker.io/library/nginx:1.27",
			Good:        "FROM registry.example.com/mirror/nginx:1.27",
			Remediation: "Pull base images through a trusted registry, or add the registry to `trusted-registries` in .bulwark.yaml (or `--trusted-registry`) once it is vetted.",
			Check: check(func(p *rule.Pass, f *df.File) {
				trusted := p.Settings.TrustedRegistries
				if len(trusted) == 0 {
					return
				}
				baseImages(f, func(s *df.Stage, ref df.ImageRef) {
					host := ref.Registry
					if host == "" || host == "index.docker.io" || host == "registry-1.docker.io" {
						host = "docker.io"
					}
					for _, g := range trusted {
						if ok, _ := path.Match(strings.ToLower(g), strings.ToLower(host)); ok {
							return
						}
					}
					report(p, f, s.ImageSpan, "base image %q comes from %s, which is not a trusted registry", ref.Raw, host)
				})
			}),
		},
		{
			ID: "DF003", Slug: "base-not-minimal", Kind: rule.Dockerfile, Severity: finding.Info,
			Title: "final image is built on a full distribution image",
			Tags:  []string{"seed:secure-image-build", "cis-docker:4.3"},
			Why: "A full OS image ships shells, package managers and hundreds of packages the application never uses; " +
				"each is attack surface and a source of vulnerability reports. Slim, Alpine and distroless bases carry far less.",
			Bad:         "FROM python:3.12",
			Good:        "FROM python:3.12-slim",
			Remediation: "Base the final stage on a slim, Alpine or distroless variant, or copy the build output into `scratch`.",
			Check: check(func(p *rule.Pass, f *df.File) {
				s := f.FinalStage()
				if s == nil || isStageOrScratch(s) {
					return
				}
				ref, ok := f.BaseImage(s)
				if !ok || ref.Registry != "" && ref.Registry != "docker.io" {
					return
				}
				if fat := fatBase(ref); fat != "" {
					report(p, f, s.ImageSpan, "final stage is based on %q, a full %s image", ref.Raw, fat)
				}
			}),
		},
		{
			ID: "DF004", Slug: "build-tools-in-final-stage", Kind: rule.Dockerfile, Severity: finding.Medium,
			Title: "build tools end up in the final image",
			Tags:  []string{"seed:secure-image-build", "cis-docker:4.3"},
			Why: "Compilers, SDKs and build dependencies are useful to an attacker and add vulnerabilities, but the " +
				"running application needs none of them. A multi-stage build compiles in one stage and copies only the result into a small final stage.",
			Bad:         "FROM golang:1.22\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]",
			Good:        "FROM golang:1.22 AS build\nCOPY . .\nRUN go build -o /app .\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\nCMD [\"/app\"]",
			Remediation: "Use a multi-stage build: compile in a build stage and `COPY --from=` only the artifacts into a minimal final stage.",
			Check: check(func(p *rule.Pass, f *df.File) {
				s := f.FinalStage()
				if s == nil {
					return
				}
				// Follow the final stage's base through earlier stages.
				root := s
				for root.BaseStage != nil {
					root = root.BaseStage
				}
				if !strings.EqualFold(root.Image, "scratch") {
					if ref, ok := f.BaseImage(root); ok {
						if sdk := sdkImage(ref); sdk != "" {
							report(p, f, s.ImageSpan, "final stage runs on %q, %s", root.Image, sdk)
							return
						}
					}
				}
				for st := s; st != nil; st = st.BaseStage {
					if tool, in := buildTools(st); tool != "" {
						report(p, f, s.ImageSpan, "final stage keeps build tools: %s (line %d)", tool, in.StartLine)
						return
					}
				}
			}),
		},
	}
}

// baseImages calls fn for every stage whose base is an image (not scratch
// or an earlier stage) that can be known statically.
func baseImages(f *df.File, fn func(*df.Stage, df.ImageRef)) {
	for _, s := range f.Stages {
		if isStageOrScratch(s) || s.Image == "" {
			continue
		}
		if ref, ok := f.BaseImage(s); ok {
			fn(s, ref)
		}
	}
}

// minimalMarkers in a tag or name mark a small image.
var minimalMarkers = []string{"slim", "alpine", "distroless", "minimal", "micro", "busybox", "scratch", "static", "nanoserver", "chiseled", "nonroot"}

// fatImages are Docker Hub images whose default variants are full
// distributions, by name.
var fatImages = map[string]string{
	"ubuntu": "Ubuntu", "debian": "Debian", "centos": "CentOS", "fedora": "Fedora", "rockylinux": "Rocky Linux",
	"almalinux": "AlmaLinux", "amazonlinux": "Amazon Linux", "oraclelinux": "Oracle Linux", "opensuse": "openSUSE",
	"buildpack-deps": "buildpack-deps", "node": "Node.js (Debian)", "python": "Python (Debian)", "ruby": "Ruby (Debian)",
	"php": "PHP (Debian)", "perl": "Perl (Debian)", "golang": "Go (Debian)", "openjdk": "OpenJDK", "maven": "Maven",
	"gradle": "Gradle", "rust": "Rust (Debian)", "gcc": "GCC", "elixir": "Elixir", "erlang": "Erlang", "haskell": "Haskell",
	"eclipse-temurin": "Eclipse Temurin", "amazoncorretto": "Amazon Corretto",
}

func fatBase(ref df.ImageRef) string {
	name := ref.Name()
	if ref.Repository != name && ref.Repository != "library/"+name {
		return "" // not an official image
	}
	kind, ok := fatImages[name]
	if !ok {
		return ""
	}
	tag := strings.ToLower(ref.Tag)
	for _, m := range minimalMarkers {
		if strings.Contains(tag, m) {
			return ""
		}
	}
	return kind
}

// sdkImage names why the image is a build toolchain, or returns "".
func sdkImage(ref df.ImageRef) string {
	name := ref.Name()
	repo := strings.TrimPrefix(ref.Repository, "library/")
	switch {
	case repo == "golang":
		return "the Go toolchain image"
	case repo == "maven", repo == "gradle":
		return fmt.Sprintf("the %s build image (JDK and build tool)", name)
	case repo == "rust":
		return "the Rust toolchain image"
	case repo == "gcc":
		return "the GCC compiler image"
	case repo == "buildpack-deps":
		return "a build-dependencies image with compilers and headers"
	case ref.Registry == "mcr.microsoft.com" && strings.HasSuffix(repo, "dotnet/sdk"):
		return "the .NET SDK image"
	case repo == "openjdk" && !strings.Contains(ref.Tag, "jre"):
		return "a full JDK image (use a JRE or distroless Java image to run)"
	}
	return ""
}

// buildPackages are packages that put a compiler or build system in an
// image.
var buildPackages = map[string]bool{
	"build-essential": true, "build-base": true, "gcc": true, "g++": true, "clang": true, "make": true,
	"cmake": true, "autoconf": true, "automake": true, "libtool": true, "golang": true, "golang-go": true,
	"maven": true, "gradle": true, "gcc-c++": true, "musl-dev": true, "rustc": true, "cargo": true,
	"openjdk-17-jdk": true, "openjdk-11-jdk": true, "openjdk-21-jdk": true, "default-jdk": true,
}

// buildTools finds a build toolchain installed in the stage and not
// removed in the same RUN.
func buildTools(s *df.Stage) (string, *df.Instruction) {
	for _, in := range s.Instructions {
		if in.Cmd != "run" || in.Script == nil {
			continue
		}
		removed := false
		var found string
		for _, c := range in.Script.Commands {
			switch c.Name {
			case "apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper":
				sub := c.Subcommand("-t", "--target-release", "-o", "-c", "--repository", "-X", "--virtual", "-t")
				switch sub {
				case "purge", "remove", "del", "autoremove", "erase":
					removed = true
				case "install", "add", "in":
					if _, virtual := c.FlagArg("--virtual", "-t"); virtual && c.Name == "apk" {
						continue // removed later as a group
					}
					for _, a := range c.Positionals("-t", "--target-release", "-o", "-c", "--repository", "-X", "--virtual") {
						pkg := strings.SplitN(a.Value, "=", 2)[0]
						if buildPackages[pkg] && found == "" {
							found = fmt.Sprintf("%s installs %s", c.Name, pkg)
						}
					}
				}
			}
		}
		if found != "" && !removed {
			return found, in
		}
	}
	return "", nil
}
