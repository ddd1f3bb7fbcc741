package container

import (
	"testing"
)

func TestParseScriptShell(t *testing.T) {
	src := `#!/bin/sh
set -e
# The seed's examples.
docker run --privileged nginx
sudo docker run \
  --cap-drop ALL \
  --cap-add CHOWN --cap-add=NET_BIND_SERVICE \
  --read-only --tmpfs /tmp \
  --user 1001:1001 \
  -itd -p127.0.0.1:8080:80 -m 512m --memory-swap=512m --cpus "1.0" --pids-limit 100 \
  -v /var/run/docker.sock:/var/run/docker.sock:ro \
  --restart on-failure:3 -e DB_PASSWORD=hunter2 -e "TOKEN_FILE=/run/secrets/t" \
  --security-opt no-new-privileges:true --name web \
  nginx:1.27 nginx -g 'daemon off;'
docker run $EXTRA_FLAGS -m "$MEM" alpine
docker ps
echo "docker run --privileged x"
x=$(docker create --network host busybox)
`
	f, err := ParseScript("run.sh", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Specs) != 4 {
		t.Fatalf("want 4 specs, got %d", len(f.Specs))
	}
	a, b, c, d := f.Specs[0], f.Specs[1], f.Specs[2], f.Specs[3]
	if !a.Privileged.True() || a.Image.Value != "nginx" || a.Privileged.Loc.Start.Line != 4 || a.Privileged.Loc.Start.Column != 12 {
		t.Errorf("privileged run: %+v", a.Privileged)
	}
	if b.Name != "web" || b.Image.Value != "nginx:1.27" || len(b.CapAdd) != 2 || b.CapAdd[1].Value != "NET_BIND_SERVICE" ||
		b.CapDrop[0].Value != "ALL" || !b.ReadOnlyRootfs.True() || b.User.Value != "1001:1001" || b.Tmpfs[0].Value != "/tmp" {
		t.Errorf("hardened run: %+v", b)
	}
	if b.Memory.Value != 512<<20 || b.MemorySwap.Value != 512<<20 || b.NanoCPUs.Value != 1e9 || b.PidsLimit.Value != 100 {
		t.Errorf("limits: mem %d swap %d cpus %d pids %d", b.Memory.Value, b.MemorySwap.Value, b.NanoCPUs.Value, b.PidsLimit.Value)
	}
	if len(b.Ports) != 1 || b.Ports[0].HostIP != "127.0.0.1" || b.Ports[0].HostPort != "8080" || b.Ports[0].ContainerPort != "80" {
		t.Errorf("ports %+v", b.Ports)
	}
	if m := b.Mounts[0]; m.Type != "bind" || m.Source != "/var/run/docker.sock" || !m.ReadOnly || m.Loc.Start.Line != 11 {
		t.Errorf("mount %+v", m)
	}
	if b.Restart.Value != "on-failure" || b.RestartMax.Value != 3 || len(b.Env) != 2 || b.Env[0].Name != "DB_PASSWORD" || b.Env[0].Loc.Start.Line != 12 {
		t.Errorf("restart %+v env %+v", b.Restart, b.Env)
	}
	if b.Loc.Start.Line != 5 || b.Loc.End.Line != 14 || b.Partial {
		t.Errorf("command location %+v partial %v", b.Loc, b.Partial)
	}
	if !c.Partial || !c.Memory.Set || !c.Memory.Unknown || c.Image.Value != "alpine" {
		t.Errorf("variables: partial %v memory %+v image %q", c.Partial, c.Memory, c.Image.Value)
	}
	if !d.NetworkMode.Is("host") || d.Image.Value != "busybox" {
		t.Errorf("docker create in a substitution: %+v", d.NetworkMode)
	}
}

func TestParseScriptMakefileAndCI(t *testing.T) {
	mk := "IMG ?= app\nrun:\n\t@docker run --rm -p 80:80 --privileged $(IMG):latest\n\techo $$HOME\n"
	f, err := ParseScript("Makefile", []byte(mk))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Specs) != 1 || !f.Specs[0].Privileged.True() || f.Specs[0].Privileged.Loc.Start.Line != 3 || !f.Specs[0].Image.Unknown {
		t.Fatalf("makefile: %+v", f.Specs)
	}
	if col := f.Specs[0].Privileged.Loc.Start.Column; col != 28 {
		t.Errorf("column %d", col)
	}
	gh := "jobs:\n  test:\n    steps:\n      - run: docker run --pid=host alpine\n      - name: x\n        run: |\n          echo hi\n          docker run \\\n            --privileged alpine\n"
	f, err = ParseScript(".github/workflows/ci.yml", []byte(gh))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Specs) != 2 || !f.Specs[0].PidMode.Is("host") || f.Specs[0].PidMode.Loc.Start.Line != 4 {
		t.Fatalf("workflow: %+v", f.Specs)
	}
	if l := f.Specs[1].Privileged.Loc.Start; l.Line != 9 || l.Column != 13 {
		t.Errorf("block scalar position %+v", l)
	}
	gl := "build:\n  script:\n    - docker run --ipc host alpine\n"
	f, err = ParseScript(".gitlab-ci.yml", []byte(gl))
	if err != nil || len(f.Specs) != 1 || !f.Specs[0].IpcMode.Is("host") || f.Specs[0].IpcMode.Loc.Start.Line != 3 {
		t.Fatalf("gitlab: %v %+v", err, f)
	}
}

func TestParseScriptBadInput(t *testing.T) {
	_, err := ParseScript("bad.sh", []byte("echo 'unbalanced\ndocker run x\n"))
	if f, err := ParseScript("other.sh", []byte("echo 'unbalanced\n")); err != nil || len(f.Specs) != 0 {
		t.Errorf("a broken script that runs no container: %v", err)
	}
	if err == nil {
		t.Fatal("want an error for unbalanced quotes")
	}
	if e, ok := err.(*Error); !ok || e.Path != "bad.sh" {
		t.Errorf("error %v", err)
	}
}

func TestParsePortAndBytes(t *testing.T) {
	for in, want := range map[string]Port{
		"80":              {ContainerPort: "80", Protocol: "tcp"},
		"8080:80/udp":     {HostPort: "8080", ContainerPort: "80", Protocol: "udp"},
		"0.0.0.0:443:443": {HostIP: "0.0.0.0", HostPort: "443", ContainerPort: "443", Protocol: "tcp"},
		"[::1]:53:53/udp": {HostIP: "::1", HostPort: "53", ContainerPort: "53", Protocol: "udp"},
		"127.0.0.1::5432": {HostIP: "127.0.0.1", ContainerPort: "5432", Protocol: "tcp"},
	} {
		got := ParsePort(Word{Value: in, Literal: true})[0]
		got.Loc = want.Loc
		if got != want {
			t.Errorf("%s: %+v", in, got)
		}
	}
	for in, want := range map[string]int64{"512m": 512 << 20, "1g": 1 << 30, "1024": 1024, "1.5G": 3 << 29, "100kb": 100 << 10} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("%s: %d %v", in, got, err)
		}
	}
}

func TestParseScriptReviewCases(t *testing.T) {
	for _, tc := range []struct {
		name, path, src string
		specs           int
		check           func(t *testing.T, f *File)
	}{
		{"sudo -u", "a.sh", "sudo -u deploy docker run --privileged x:1\n", 1, func(t *testing.T, f *File) {
			if !f.Specs[0].Privileged.True() {
				t.Error("privileged lost behind sudo -u")
			}
		}},
		{"timeout and nice", "a.sh", "timeout 60 nice -n 5 docker run --pid host x:1\n", 1, nil},
		{"docker -c", "a.sh", "docker -c prod run --ipc host x:1\n", 1, nil},
		{"podman --pod", "a.sh", "podman run --pod web --privileged x:1\n", 1, func(t *testing.T, f *File) {
			if f.Specs[0].Image.Value != "x:1" || !f.Specs[0].Privileged.True() {
				t.Errorf("image %q privileged %v", f.Specs[0].Image.Value, f.Specs[0].Privileged)
			}
		}},
		{"image variable then command", "a.sh", "docker run --rm $IMAGE -v /:/host -p 80:80\n", 1, func(t *testing.T, f *File) {
			s := f.Specs[0]
			if len(s.Mounts) != 0 || len(s.Ports) != 0 || !s.Image.Unknown {
				t.Errorf("arguments of the command read as options: %+v", s)
			}
		}},
		{"make $$(pwd)", "Makefile", "a:\n\tdocker run -v $$(pwd):/src x:1\nb:\n\tdocker run --privileged y:1\n", 2, func(t *testing.T, f *File) {
			if !f.Specs[1].Privileged.True() || f.Specs[1].Privileged.Loc.Start.Line != 4 || f.Specs[1].Privileged.Loc.Start.Column != 13 {
				t.Errorf("second recipe: %+v", f.Specs[1].Privileged)
			}
		}},
		{"powershell and github-script steps", ".github/workflows/w.yml", "jobs:\n  w:\n    steps:\n      - shell: pwsh\n        run: |\n          docker run `\n            --rm x\n      - uses: actions/github-script@v7\n        with:\n          script: |\n            const x = `docker run ${a}`;\n      - run: docker run --privileged y:1\n", 1, nil},
		{"a step that is not shell", ".github/workflows/w.yml", "jobs:\n  w:\n    steps:\n      - run: docker run 'x\n      - run: docker run --privileged y:1\n", 1, func(t *testing.T, f *File) {
			if len(f.Notes) != 1 {
				t.Errorf("notes %+v", f.Notes)
			}
		}},
		{"gitlab anchors", ".gitlab-ci.yml", ".setup: &setup\n  - docker run --net host a:1\njob:\n  script:\n    - *setup\n    - docker run --pid host b:1\n  after_script: *setup\n", 3, nil},
		{"folded scalar maps to its start", ".github/workflows/w.yml", "jobs:\n  w:\n    steps:\n      - run: >\n          docker run\n          --privileged y:1\n", 1, func(t *testing.T, f *File) {
			if l := f.Specs[0].Privileged.Loc.Start.Line; l != 4 {
				t.Errorf("folded scalar location line %d, want the scalar's line 4", l)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseScript(tc.path, []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Specs) != tc.specs {
				t.Fatalf("%d specs, want %d: %+v", len(f.Specs), tc.specs, f.Specs)
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

func TestParseVolume(t *testing.T) {
	for in, want := range map[string]Mount{
		"/var/run/docker.sock:/var/run/docker.sock": {Type: "bind", Source: "/var/run/docker.sock", Target: "/var/run/docker.sock"},
		"data:/data":      {Type: "volume", Source: "data", Target: "/data"},
		"/data":           {Type: "volume", Target: "/data"},
		"./src:/src:ro,z": {Type: "bind", Source: "./src", Target: "/src", ReadOnly: true},
		"/:/host:rshared": {Type: "bind", Source: "/", Target: "/host", Propagation: "rshared"},
		`C:\data:/data`:   {Type: "bind", Source: `C:\data`, Target: "/data"},
	} {
		got := ParseVolume(Word{Value: in, Literal: true})
		if got != want {
			t.Errorf("%s: %+v, want %+v", in, got, want)
		}
	}
	for in, want := range map[string]int64{"1 GB": 1 << 30, "512m": 512 << 20} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("%s: %d %v", in, got, err)
		}
	}
	if _, err := ParseBytes("inf"); err == nil {
		t.Error("inf accepted as a size")
	}
}
