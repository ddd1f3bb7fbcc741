package image_test

import (
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/rule"
	imagerules "github.com/bulwark-sec/bulwark/rules/image"
	imgsrc "github.com/bulwark-sec/bulwark/source/image"
)

const ref = "registry.corp.io/shop/api:1.4.2"

// clean is an image no rule reports: a Debian-based service that runs as
// a numeric non-root user, with a health check, no credential and no
// setuid file.
func clean() *imgsrc.Facts {
	history := []v1.History{
		{CreatedBy: "/bin/sh -c #(nop) ADD file:6b0b8a3e1c4d2f9a in / "},
		{CreatedBy: `/bin/sh -c #(nop)  CMD ["bash"]`, EmptyLayer: true},
		{CreatedBy: "ARG VERSION=1.4.2", EmptyLayer: true},
		{CreatedBy: "RUN |1 VERSION=1.4.2 /bin/sh -c apt-get update && apt-get install -y --no-install-recommends ca-certificates # buildkit"},
		{CreatedBy: "ENV DB_PASSWORD_FILE=/run/secrets/db_password", EmptyLayer: true},
		{CreatedBy: "COPY /out/api /app/api # buildkit"},
		{CreatedBy: "USER 10001:10001", EmptyLayer: true},
	}
	return &imgsrc.Facts{
		Ref: ref, ID: "sha256:4a5e0c1d",
		Config: &v1.ConfigFile{
			OS: "linux", Architecture: "amd64", History: history,
			Config: v1.Config{
				User:         "10001:10001",
				Entrypoint:   []string{"/app/api"},
				Env:          []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "DB_PASSWORD_FILE=/run/secrets/db_password", "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D"},
				ExposedPorts: map[string]struct{}{"8080/tcp": {}},
				Healthcheck:  &v1.HealthConfig{Test: []string{"CMD", "/app/api", "healthcheck"}},
			},
		},
		Layers: []imgsrc.Layer{
			{Index: 0, CreatedBy: history[0].CreatedBy},
			{Index: 1, CreatedBy: history[3].CreatedBy},
			{Index: 2, CreatedBy: history[5].CreatedBy},
		},
		Programs: []imgsrc.FileFact{
			{Path: "bin/sh", Layer: 0}, {Path: "bin/bash", Layer: 0}, {Path: "usr/bin/apt-get", Layer: 0}, {Path: "usr/bin/dpkg", Layer: 0},
		},
	}
}

// distroless is a clean image built on gcr.io/distroless/static: no
// shell, no package manager.
func distroless(f *imgsrc.Facts) {
	f.Programs = nil
	f.Config.Config.Labels = map[string]string{"org.opencontainers.image.base.name": "gcr.io/distroless/static:nonroot"}
}

// TestRules runs each rule over images that must and must not be
// reported, and requires both kinds of case for every rule.
func TestRules(t *testing.T) {
	type tc struct {
		name string
		edit func(f *imgsrc.Facts)
		want string // regexp of the message; "" means no finding
		sev  finding.Severity
		obj  string // the finding's Object, when checked
	}
	setEnv := func(kv ...string) func(f *imgsrc.Facts) {
		return func(f *imgsrc.Facts) { f.Config.Config.Env = append(f.Config.Config.Env, kv...) }
	}
	addHistory := func(cb string) func(f *imgsrc.Facts) {
		return func(f *imgsrc.Facts) { f.Config.History = append(f.Config.History, v1.History{CreatedBy: cb}) }
	}
	special := func(p string, m fs.FileMode) func(f *imgsrc.Facts) {
		return func(f *imgsrc.Facts) { f.Special = append(f.Special, imgsrc.FileFact{Path: p, Mode: m, Layer: 1}) }
	}
	cases := map[string][]tc{
		"IM001": {
			{"empty user", func(f *imgsrc.Facts) { f.Config.Config.User = "" }, "sets no user, so it runs as root", finding.High, "config.User"},
			{"root", func(f *imgsrc.Facts) { f.Config.Config.User = "root" }, `runs as "root"`, finding.High, "config.User"},
			{"0:0", func(f *imgsrc.Facts) { f.Config.Config.User = "0:0" }, `runs as "0:0"`, 0, ""},
			{"uid 0 with a group", func(f *imgsrc.Facts) { f.Config.Config.User = "0:1000" }, `runs as "0:1000"`, 0, ""},
			{"numeric non-root", func(f *imgsrc.Facts) {}, "", 0, ""},
			{"named non-root", func(f *imgsrc.Facts) { f.Config.Config.User = "app" }, "", 0, ""},
			{"uid 10 is not root", func(f *imgsrc.Facts) { f.Config.Config.User = "10" }, "", 0, ""},
			{"build output only", func(f *imgsrc.Facts) { f.Config.Config.User, f.Config.Config.Entrypoint = "", nil }, "", 0, ""},
			{"windows", func(f *imgsrc.Facts) { f.Config.OS, f.Config.Config.User = "windows", "" }, "", 0, ""},
		},
		"IM002": {
			{"name", func(f *imgsrc.Facts) { f.Config.Config.User = "app:app" }, `user "app:app" is a name`, finding.Info, "config.User"},
			{"numeric", func(f *imgsrc.Facts) {}, "", 0, ""},
			{"root is IM001", func(f *imgsrc.Facts) { f.Config.Config.User = "root" }, "", 0, ""},
			{"windows", func(f *imgsrc.Facts) { f.Config.OS, f.Config.Config.User = "windows", "ContainerUser" }, "", 0, ""},
		},
		"IM003": {
			{"password", setEnv("DB_PASSWORD=Kx8vP2qLm9Rt"), "Env DB_PASSWORD holds a literal credential", finding.High, "config.Env[DB_PASSWORD]"},
			{"token by form", setEnv("GH=ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d"), "Env GH holds a GitHub token", 0, "config.Env[GH]"},
			{"url with password", setEnv("DATABASE_URL=postgres://app:f1Qh6yYTWmE4lB@db:5432/app"), "URL with an embedded password", 0, ""},
			{"file pointer", setEnv("API_TOKEN_FILE=/run/secrets/token"), "", 0, ""},
			{"placeholder", setEnv("DB_PASSWORD=changeme", "API_TOKEN=${API_TOKEN}", "SECRET_KEY="), "", 0, ""},
			{"switch", setEnv("MYSQL_ALLOW_EMPTY_PASSWORD=yes", "REQUIRE_AUTH=true"), "", 0, ""},
			{"public key", setEnv("GPG_KEYS=B42F6819007F00F88E364FD4036A9C25BF357DD4", "SIGNING_PUBKEY=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ci"), "", 0, ""},
			{"label", func(f *imgsrc.Facts) {
				f.Config.Config.Labels = map[string]string{"org.opencontainers.image.source": "https://github.com/corp/api", "deploy.token": "glpat-IBXuDL7DxtpYlSXpfKtH"}
			}, "label deploy.token holds a GitLab token", finding.High, "config.Labels[deploy.token]"},
			{"clean", func(f *imgsrc.Facts) {}, "", 0, ""},
		},
		"IM004": {
			{"build arg", addHistory("RUN |2 VERSION=1.4.2 NPM_TOKEN=npm_Jr4i0B3JrTAwR4y9ojfljoQoaF1LlqsajAIx /bin/sh -c npm ci # buildkit"),
				"RUN records build argument NPM_TOKEN holding an npm token", finding.High, "history[7]"},
			{"classic build arg", addHistory("|1 DB_PASSWORD=Kx8vP2qLm9Rt /bin/sh -c ./migrate"), "build argument DB_PASSWORD holding a literal credential", 0, ""},
			{"ARG default", addHistory("ARG GITLAB_TOKEN=glpat-IBXuDL7DxtpYlSXpfKtH"), "ARG GITLAB_TOKEN holds a GitLab token", 0, ""},
			{"ENV later unset", addHistory("/bin/sh -c #(nop)  ENV DB_PASSWORD=Kx8vP2qLm9Rt"), "ENV DB_PASSWORD holds a literal credential", 0, ""},
			{"LABEL no longer in the config", addHistory("LABEL deploy.token=glpat-IBXuDL7DxtpYlSXpfKtH"), "LABEL deploy.token holds a GitLab token", 0, ""},
			{"LABEL still in Labels is IM003's", func(f *imgsrc.Facts) {
				f.Config.History = append(f.Config.History, v1.History{CreatedBy: "LABEL deploy.token=glpat-IBXuDL7DxtpYlSXpfKtH"})
				f.Config.Config.Labels = map[string]string{"deploy.token": "glpat-IBXuDL7DxtpYlSXpfKtH"}
			}, "", 0, ""},
			{"ENV still in Env is IM003's", func(f *imgsrc.Facts) {
				f.Config.History = append(f.Config.History, v1.History{CreatedBy: "ENV DB_PASSWORD=Kx8vP2qLm9Rt"})
				f.Config.Config.Env = append(f.Config.Config.Env, "DB_PASSWORD=Kx8vP2qLm9Rt")
			}, "", 0, ""},
			{"curl header", addHistory(`RUN /bin/sh -c curl -fsSL -H "Authorization: Bearer q8Zk3LmX9vR2tY7wP4nB6cJd" https://api.corp.io/artifact -o /a # buildkit`),
				"RUN sends a literal token in an HTTP header", 0, ""},
			{"curl header from a variable", addHistory(`RUN /bin/sh -c curl -H "Authorization: Bearer $TOKEN" https://api.corp.io/a # buildkit`), "", 0, ""},
			{"URL with a password", addHistory("RUN /bin/sh -c git clone https://bot:Zx9vQ2mK7pL4r@git.corp.io/app.git # buildkit"), "RUN holds a URL with an embedded password", 0, ""},
			{"password flag", addHistory("RUN /bin/sh -c ./setup --admin-password=Zx9vQ2mK7pL4r # buildkit"), "RUN passes a literal credential as admin-password", 0, ""},
			{"build arg without secret", addHistory("RUN |1 HTTP_PROXY=http://proxy:3128 /bin/sh -c apt-get update # buildkit"), "", 0, ""},
			{"secret mount", addHistory("RUN /bin/sh -c --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci # buildkit"), "", 0, ""},
			{"clean", func(f *imgsrc.Facts) {}, "", 0, ""},
		},
		"IM005": {
			{"key in final image", func(f *imgsrc.Facts) {
				f.Secrets = append(f.Secrets, imgsrc.Secret{Path: "root/.ssh/id_rsa", Layer: 2, RemovedBy: -1, Kind: "private-key", Title: "RSA private key",
					Severity: finding.High, Line: 1, Redacted: "-----BEGIN RSA PRIVATE KEY----- ********"})
			}, `^RSA private key in root/.ssh/id_rsa line 1 \(layer 2, COPY /out/api /app/api\): -----BEGIN RSA PRIVATE KEY----- \*{8}$`, finding.High, "file root/.ssh/id_rsa"},
			{"deleted token", func(f *imgsrc.Facts) {
				f.Secrets = append(f.Secrets, imgsrc.Secret{Path: "root/.npmrc", Layer: 1, RemovedBy: 2, Kind: "npm-token", Title: "npm access token",
					Severity: finding.Critical, Line: 2, Redacted: "npm_Jr4i********"})
			}, `npm access token in root/.npmrc line 2 \(layer 1, RUN apt-get update .*\): npm_Jr4i\*{8}; deleted or replaced in layer 2, COPY /out/api /app/api but still extractable from layer 1`, finding.Critical, "file root/.npmrc"},
			{"layer instruction with a secret is not shown", func(f *imgsrc.Facts) {
				f.Layers[1].CreatedBy = "RUN |1 NPM_TOKEN=npm_Jr4i0B3JrTAwR4y9ojfljoQoaF1LlqsajAIx /bin/sh -c npm ci # buildkit"
				f.Secrets = append(f.Secrets, imgsrc.Secret{Path: "app/.env", Layer: 1, RemovedBy: -1, Kind: "config-secret", Title: `credential in setting "DB_PASSWORD"`,
					Severity: finding.Medium, Line: 4, Redacted: "DB_PASSWORD=EN5********"})
			}, `^credential in setting "DB_PASSWORD" in app/.env line 4 \(layer 1, RUN \.\.\.\): DB_PASSWORD=EN5\*{8}$`, finding.Medium, ""},
			{"none", func(f *imgsrc.Facts) {}, "", 0, ""},
		},
		"IM006": {
			{"none", func(f *imgsrc.Facts) { f.Config.Config.Healthcheck = nil }, "defines no health check", finding.Low, "config.Healthcheck"},
			{"inherit", func(f *imgsrc.Facts) { f.Config.Config.Healthcheck = &v1.HealthConfig{} }, "defines no health check", 0, ""},
			{"explicit NONE", func(f *imgsrc.Facts) { f.Config.Config.Healthcheck = &v1.HealthConfig{Test: []string{"NONE"}} }, "", 0, ""},
			{"defined", func(f *imgsrc.Facts) {}, "", 0, ""},
			{"build output only", func(f *imgsrc.Facts) { f.Config.Config.Healthcheck, f.Config.Config.Entrypoint = nil, nil }, "", 0, ""},
		},
		"IM007": {
			{"22", func(f *imgsrc.Facts) { f.Config.Config.ExposedPorts["22/tcp"] = struct{}{} }, "exposes 22/tcp, the SSH port", finding.Medium, "config.ExposedPorts[22/tcp]"},
			{"22 without protocol", func(f *imgsrc.Facts) { f.Config.Config.ExposedPorts["22"] = struct{}{} }, "exposes 22,", 0, ""},
			{"22 udp", func(f *imgsrc.Facts) { f.Config.Config.ExposedPorts["22/udp"] = struct{}{} }, "", 0, ""},
			{"2222", func(f *imgsrc.Facts) { f.Config.Config.ExposedPorts["2222/tcp"] = struct{}{} }, "", 0, ""},
		},
		"IM008": {
			{"2375", func(f *imgsrc.Facts) { f.Config.Config.ExposedPorts["2375/tcp"] = struct{}{} }, "Docker Engine API without TLS", finding.High, "config.ExposedPorts[2375/tcp]"},
			{"2376", func(f *imgsrc.Facts) { f.Config.Config.ExposedPorts["2376/tcp"] = struct{}{} }, "Docker Engine API over TLS", finding.Medium, ""},
			{"8080", func(f *imgsrc.Facts) {}, "", 0, ""},
		},
		"IM009": {
			{"usual", special("usr/bin/passwd", fs.ModeSetuid|0o755), `usr/bin/passwd is setuid \(mode 4755, layer 1\): a usual`, finding.Low, "file usr/bin/passwd"},
			{"setgid shadow helper", special("sbin/unix_chkpwd", fs.ModeSetgid|0o755), `is setgid \(mode 2755`, finding.Low, ""},
			{"sudo", special("usr/bin/sudo", fs.ModeSetuid|0o755), "gives root to the users", finding.Medium, ""},
			// Setuid or setgid as the distribution's packages install them (Debian chromium-sandbox, polkitd, plocate, eject):
			// LOW, not the HIGH of a program the build made setuid (a headless-Chromium image would fail --fail-on HIGH).
			{"chromium sandbox", special("usr/lib/chromium/chrome-sandbox", fs.ModeSetuid|0o755), "a usual setuid", finding.Low, ""},
			{"polkit helper", special("usr/lib/polkit-1/polkit-agent-helper-1", fs.ModeSetuid|0o755), "a usual setuid", finding.Low, ""},
			{"plocate", special("usr/bin/plocate", fs.ModeSetgid|0o755), "a usual setuid", finding.Low, ""},
			{"dmcrypt-get-device", special("usr/lib/eject/dmcrypt-get-device", fs.ModeSetuid|0o755), "a usual setuid", finding.Low, ""},
			{"unusual", special("usr/local/bin/tool", fs.ModeSetuid|fs.ModeSetgid|0o755), "setuid and setgid .*not a program distributions ship", finding.High, ""},
			{"system name elsewhere", special("app/passwd", fs.ModeSetuid|0o755), "outside the system folders", finding.High, ""},
			{"sticky only", special("tmp", fs.ModeSticky|fs.ModeDir|0o777), "", 0, ""},
			{"none", func(f *imgsrc.Facts) {}, "", 0, ""},
		},
		"IM010": {
			{"distroless debug", func(f *imgsrc.Facts) {
				distroless(f)
				f.Config.Config.Labels["org.opencontainers.image.base.name"] = "gcr.io/distroless/static:debug"
				f.Programs = []imgsrc.FileFact{{Path: "busybox/sh", Layer: 1}}
			}, `distroless-style \(based on gcr.io/distroless/static:debug\) but holds the shell busybox/sh`, finding.Medium, "file busybox/sh"},
			{"no sh but dpkg", func(f *imgsrc.Facts) {
				f.Programs = []imgsrc.FileFact{{Path: "usr/bin/dpkg", Layer: 2}}
			}, `distroless-style \(no /bin/sh\) but holds the package manager usr/bin/dpkg \(layer 2\)`, 0, ""},
			{"no sh, only curl", func(f *imgsrc.Facts) { f.Programs = []imgsrc.FileFact{{Path: "usr/bin/curl"}} }, "", 0, ""},
			{"distroless", distroless, "", 0, ""},
			{"debian", func(f *imgsrc.Facts) {}, "", 0, ""},
			{"nothing recorded", func(f *imgsrc.Facts) { f.Programs = nil }, "", 0, ""},
			{"windows", func(f *imgsrc.Facts) { f.Config.OS, f.Programs = "windows", []imgsrc.FileFact{{Path: "usr/bin/dpkg"}} }, "", 0, ""},
		},
		"IM011": {
			{"no checksum", addHistory("ADD https://bot:pw@example.com/tool.tar.gz?sig=abc /opt/ # buildkit"), `ADD downloads https://example.com/tool.tar.gz without --checksum`, finding.Medium, "history[7]"},
			{"checksum", addHistory("ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tar.gz /opt/ # buildkit"), "", 0, ""},
			{"git pinned to a commit", addHistory("ADD https://github.com/corp/tool.git#0123456789abcdef0123456789abcdef01234567 /src # buildkit"), "", 0, ""},
			{"classic local", addHistory("/bin/sh -c #(nop) ADD file:6b0b8a3e1c4d2f9a in /opt/"), "", 0, ""},
		},
	}
	for _, r := range imagerules.Rules() {
		tcs := cases[r.ID]
		fires, quiet := false, false
		for _, c := range tcs {
			f := clean()
			c.edit(f)
			var got []finding.Finding
			if err := r.Check(rule.NewPass(r, f, func(fd finding.Finding) { got = append(got, fd) })); err != nil {
				t.Fatalf("%s %s: %v", r.ID, c.name, err)
			}
			if c.want == "" {
				quiet = true
				if len(got) > 0 {
					t.Errorf("%s %s: unexpected %v", r.ID, c.name, got)
				}
				continue
			}
			fires = true
			if len(got) != 1 {
				t.Errorf("%s %s: got %d findings %v, want one", r.ID, c.name, len(got), got)
				continue
			}
			g := got[0]
			if !regexp.MustCompile(c.want).MatchString(g.Message) {
				t.Errorf("%s %s: message %q does not match %q", r.ID, c.name, g.Message, c.want)
			}
			if c.sev != 0 && g.Severity != c.sev {
				t.Errorf("%s %s: severity %v, want %v", r.ID, c.name, g.Severity, c.sev)
			}
			if c.obj != "" && g.Location.Object != c.obj {
				t.Errorf("%s %s: object %q, want %q", r.ID, c.name, g.Location.Object, c.obj)
			}
			if g.Location.Path != ref || g.RuleID != r.ID {
				t.Errorf("%s %s: finding %+v", r.ID, c.name, g)
			}
		}
		if !fires || !quiet {
			t.Errorf("%s: needs a case that fires and one that does not", r.ID)
		}
	}
}

// TestNoSecretShown proves that no message shows a credential the rules
// read: every finding of every rule over an image full of them.
func TestNoSecretShown(t *testing.T) {
	f := clean()
	f.Config.Config.Env = append(f.Config.Config.Env, "DB_PASSWORD=Kx8vP2qLm9Rt", "GH=ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d")
	f.Config.History = append(f.Config.History,
		v1.History{CreatedBy: "RUN |1 NPM_TOKEN=npm_Jr4i0B3JrTAwR4y9ojfljoQoaF1LlqsajAIx /bin/sh -c npm ci # buildkit"},
		v1.History{CreatedBy: `RUN /bin/sh -c curl -H "Authorization: Bearer q8Zk3LmX9vR2tY7wP4nB6cJd" https://bot:Zx9vQ2mK7pL4r@api.corp.io/a # buildkit`},
		v1.History{CreatedBy: "ADD https://bot:Zx9vQ2mK7pL4r@example.com/t.tgz /opt/ # buildkit"})
	f.Layers = append(f.Layers, imgsrc.Layer{Index: 3, CreatedBy: f.Config.History[len(f.Config.History)-2].CreatedBy})
	f.Secrets = []imgsrc.Secret{{Path: "a", Layer: 3, RemovedBy: 3, Title: "t", Severity: finding.High, Redacted: "x********"}}
	for _, r := range imagerules.Rules() {
		_ = r.Check(rule.NewPass(r, f, func(fd finding.Finding) {
			for _, s := range []string{"Kx8vP2qLm9Rt", "u8jzPde0IgxLd6", "Jr4i0B3JrTAw", "q8Zk3LmX9vR2", "Zx9vQ2mK7pL4r"} {
				if strings.Contains(fd.Message, s) {
					t.Errorf("%s shows %q: %s", r.ID, s, fd.Message)
				}
			}
		}))
	}
}

// TestRealConfig reads image configs with go-containerregistry's parser
// and checks every finding: hello-world's config blob as Docker Hub
// serves it (taken verbatim from go-containerregistry's test tarball),
// and the structure of a Docker Hub node image's config with a user's
// BuildKit layers on top.
func TestRealConfig(t *testing.T) {
	for file, want := range map[string][]string{
		"testdata/hello-world.config.json": {
			"IM001 HIGH config.User: the image sets no user, so it runs as root",
			"IM006 LOW config.Healthcheck: the image defines no health check",
		},
		"testdata/node-app.config.json": {
			"IM001 HIGH config.User: the image sets no user, so it runs as root",
			"IM003 HIGH config.Env[SESSION_SECRET]: Env SESSION_SECRET holds a literal credential; `docker inspect` shows it to anyone who can pull the image",
			"IM004 HIGH history[11]: RUN records build argument NPM_TOKEN holding an npm token; `docker history` shows it",
			"IM006 LOW config.Healthcheck: the image defines no health check",
			"IM007 MEDIUM config.ExposedPorts[22/tcp]: the image exposes 22/tcp, the SSH port",
		},
	} {
		r, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := v1.ParseConfigFile(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		f := &imgsrc.Facts{Ref: "registry.corp.io/shop/web:2.3.0", Config: cfg}
		var got []string
		for _, r := range imagerules.Rules() {
			if err := r.Check(rule.NewPass(r, f, func(fd finding.Finding) {
				got = append(got, r.ID+" "+fd.Severity.String()+" "+fd.Location.Object+": "+fd.Message)
			})); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: findings:\n%s\nwant:\n%s", file, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func TestProgramPaths(t *testing.T) {
	paths := imagerules.ProgramPaths()
	for _, p := range []string{"bin/sh", "usr/bin/sh", "busybox/sh", "usr/bin/apt-get", "sbin/apk", "usr/bin/sudo", "usr/sbin/sshd", "usr/bin/curl"} {
		if !slices.Contains(paths, p) {
			t.Errorf("ProgramPaths lacks %s", p)
		}
	}
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] {
			t.Errorf("ProgramPaths lists %s twice", p)
		}
		seen[p] = true
	}
}
