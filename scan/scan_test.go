package scan_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/rules"
	"github.com/bulwark-sec/bulwark/scan"
)

func opts(t testing.TB) scan.Options {
	reg, err := rules.Registry()
	if err != nil {
		t.Fatal(err)
	}
	return scan.Options{Rules: reg.All(), Workers: 2}
}

func TestKindOf(t *testing.T) {
	for name, want := range map[string]scan.FileKind{
		"Dockerfile": scan.KindDockerfile, "dockerfile": scan.KindDockerfile, "Dockerfile.prod": scan.KindDockerfile,
		"Dockerfile-alpine": scan.KindDockerfile, "api.Dockerfile": scan.KindDockerfile, "api.dockerfile": scan.KindDockerfile,
		"Containerfile": scan.KindDockerfile, "Containerfile.dev": scan.KindDockerfile,
		"Dockerfile.dockerignore": "", "Dockerfile.md": "", "README.md": "", "Dockerfiles": "", "Dockerfile.template": "",
		"docker-compose.yml": scan.KindCompose, "compose.yaml": scan.KindCompose, "docker-compose.prod.yml": scan.KindCompose,
		"example-voting-app-stack.yml": scan.KindCompose, "app.compose.yaml": scan.KindCompose, "values.yaml": "",
		"deploy.sh": scan.KindScript, "Makefile": scan.KindScript, "rules.mk": scan.KindScript,
		".github/workflows/ci.yml": scan.KindScript, "repo/.gitlab-ci.yml": scan.KindScript, "workflows/ci.yml": "",
	} {
		if got := scan.KindOf(name); got != want {
			t.Errorf("KindOf(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestBadInputDoesNotStopTheScan checks that every kind of bad file gets
// an error naming it while the good files are still analysed.
func TestBadInputDoesNotStopTheScan(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good/Dockerfile", []byte("FROM alpine\n"))
	write("utf8/Dockerfile", []byte("FROM alpine\nRUN echo \xff\n"))
	write("prose/Dockerfile", []byte("This is not a Dockerfile.\nIt is prose.\n"))
	write("huge/Dockerfile", append([]byte("FROM alpine\n"), make([]byte, 50<<20)...))
	write("longline/Dockerfile", []byte("FROM alpine\nRUN echo "+strings.Repeat("x", 1_000_000)+"\n"))
	write("heredocs/Dockerfile", []byte("FROM alpine\nRUN "+strings.Repeat("<<A ", 5000)+"\n"))
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling.Dockerfile")); err != nil {
		t.Fatal(err)
	}
	res, err := scan.Run(context.Background(), []string{dir}, opts(t))
	if err != nil {
		t.Fatal(err)
	}
	errs := map[string]string{}
	for _, e := range res.Errors {
		rel, _ := filepath.Rel(dir, e.Path)
		errs[filepath.ToSlash(rel)] = e.Error()
	}
	for _, want := range []string{"utf8/Dockerfile", "prose/Dockerfile", "huge/Dockerfile", "longline/Dockerfile", "heredocs/Dockerfile", "dangling.Dockerfile"} {
		if errs[want] == "" {
			t.Errorf("no error for %s (errors: %v)", want, errs)
		} else if !strings.Contains(errs[want], want) {
			t.Errorf("error for %s does not name the file: %q", want, errs[want])
		}
	}
	good := 0
	for _, f := range res.Findings {
		if strings.HasSuffix(f.Location.Path, "good/Dockerfile") {
			good++
		}
	}
	if good == 0 {
		t.Error("the good file was not analysed")
	}
}

// BenchmarkScanCorpus times a whole scan of the shared Dockerfile corpus
// when it is present (../shared/corpus/dockerfile).
func BenchmarkScanCorpus(b *testing.B) {
	dir := filepath.Join("..", "..", "shared", "corpus", "dockerfile")
	if _, err := os.Stat(dir); err != nil {
		b.Skip("corpus not present")
	}
	o := opts(b)
	targets, _, err := scan.Discover([]string{dir}, nil, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		scan.AnalyzeTargets(context.Background(), targets, o)
	}
	b.ReportMetric(float64(len(targets))*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkPipeline times parsing and every rule on one typical Dockerfile.
func BenchmarkPipeline(b *testing.B) {
	dir := b.TempDir()
	p := filepath.Join(dir, "Dockerfile")
	src := `FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates=20230311 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/app /usr/local/bin/app
USER 10001:10001
EXPOSE 8080
HEALTHCHECK CMD ["app", "health"]
ENTRYPOINT ["app"]
`
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	o := opts(b)
	o.Workers = 1
	targets := []scan.Target{{Path: p, Kind: "dockerfile"}}
	b.ResetTimer()
	for b.Loop() {
		scan.AnalyzeTargets(context.Background(), targets, o)
	}
}

func TestDiscoverDeduplicates(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(p, []byte("FROM alpine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	targets, _, err := scan.Discover([]string{dir, p, dir + "/./Dockerfile", dir + "/"}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 1 {
		t.Errorf("got %d targets for one file: %+v", len(targets), targets)
	}
}

func TestContextFromAncestorIsUnknown(t *testing.T) {
	dir := t.TempDir()
	for p, c := range map[string]string{
		".dockerignore":     ".git\n",
		"svc/Dockerfile":    "FROM alpine:3.20\nCOPY . .\n",
		"own/Dockerfile":    "FROM alpine:3.20\nCOPY . .\n",
		"own/.dockerignore": ".git\n",
	} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o := opts(t)
	res, err := scan.Run(context.Background(), []string{dir}, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		if f.RuleID == "DF076" {
			t.Errorf("DF076 fired although the context is ambiguous or has an ignore file: %s", f.Location)
		}
	}
}
