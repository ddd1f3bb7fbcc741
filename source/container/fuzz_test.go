package container

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/finding"
)

// checkFile asserts what every source promises whatever the input: every
// location lies inside the file.
func checkFile(t *testing.T, f *File, size int) {
	t.Helper()
	in := func(what string, l finding.Location) {
		if l.Start.Offset < 0 || l.Start.Offset > size || l.End.Offset > size || l.Start.Line < 0 {
			t.Fatalf("%s location %+v outside a file of %d bytes", what, l, size)
		}
	}
	for _, s := range f.Specs {
		in("spec", s.Loc)
		in("image", s.Image.Loc)
		for _, m := range s.Mounts {
			in("mount", m.Loc)
		}
		for _, p := range s.Ports {
			in("port", p.Loc)
		}
		for _, e := range s.Env {
			in("env", e.Loc)
		}
	}
}

// FuzzParseScript feeds arbitrary shell, Makefile and workflow text to the
// docker run extractor: no panic, no hang, locations inside the file.
func FuzzParseScript(f *testing.F) {
	f.Add("run.sh", "docker run --privileged -itd -p8080:80 -v /a:/b:ro,z --mount type=bind,src=/x,dst=/y nginx\n")
	f.Add("run.sh", "sudo docker -H tcp://x container create --cpus=1.5 -m1g \"$@\" $IMG echo\n")
	f.Add("Makefile", "x:\n\t@docker run $(shell id -u) --pid host app:$(TAG)\n")
	f.Add(".github/workflows/ci.yml", "jobs:\n  a:\n    steps:\n      - run: |\n          docker run ${{ matrix.img }} \\\n            --privileged x\n")
	f.Add(".gitlab-ci.yml", "a:\n  script:\n    - 'docker run --ipc=host y'\n")
	f.Fuzz(func(t *testing.T, name, src string) {
		switch filepath.Base(name) {
		case "Makefile", "ci.yml", ".gitlab-ci.yml", "run.sh":
		default:
			name = "run.sh"
		}
		file, err := ParseScript(name, []byte(src))
		if err != nil {
			return
		}
		checkFile(t, file, len(src))
	})
}

// FuzzParseInspect feeds arbitrary JSON to the docker inspect reader.
func FuzzParseInspect(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/inspect/*.json")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`[{"Id":"x","HostConfig":{"Privileged":true,"PidsLimit":-1}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseInspect("inspect.json", data)
		if err != nil {
			return
		}
		checkFile(t, file, len(data))
	})
}

// FuzzLoadCompose feeds arbitrary YAML to the Compose loader. Includes and
// extends of other files fail cleanly (the fuzz file is alone in a
// temporary folder).
func FuzzLoadCompose(f *testing.F) {
	if data, err := os.ReadFile("testdata/compose/full-example.yml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("services:\n  web:\n    image: nginx:${TAG}\n    ports: [\"80:80\"]\n    privileged: true\n"))
	f.Add([]byte("services:\n  a:\n    extends: {service: b}\n  b:\n    image: x\n    volumes: [\"/:/host\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "compose.yaml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		file, err := LoadCompose(p, data)
		if err != nil {
			return
		}
		checkFile(t, file, len(data))
	})
}
