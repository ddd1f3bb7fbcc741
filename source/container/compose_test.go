package container

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/bulwark-sec/bulwark/finding"
)

func loadComposeFile(t *testing.T, p string) *File {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := LoadCompose(p, data)
	if err != nil {
		t.Fatalf("LoadCompose(%s): %v", p, err)
	}
	return f
}

func specNamed(t *testing.T, f *File, name string) *Spec {
	t.Helper()
	for _, s := range f.Specs {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("%s: no spec named %q", f.Path, name)
	return nil
}

// at is a value expected at a line, with the object its location names.
type at struct {
	value  any
	line   int
	object string
}

func checkAt(t *testing.T, what string, value any, loc finding.Location, want at) {
	t.Helper()
	if value != want.value {
		t.Errorf("%s = %v, want %v", what, value, want.value)
	}
	if loc.Start.Line != want.line {
		t.Errorf("%s at line %d, want %d", what, loc.Start.Line, want.line)
	}
	if want.object != "" && loc.Object != want.object {
		t.Errorf("%s object %q, want %q", what, loc.Object, want.object)
	}
	if loc.Start.Line > 0 && (loc.End.Line < loc.Start.Line || loc.End.Line == loc.Start.Line && loc.End.Column <= loc.Start.Column) {
		t.Errorf("%s: end %v is not after start %v", what, loc.End, loc.Start)
	}
}

// TestComposeFullExample loads compose-go's own example of every
// attribute (testdata/compose/full-example.yml, from compose-go's
// loader tests) and checks each field a runtime rule reads, with its line.
func TestComposeFullExample(t *testing.T) {
	f := loadComposeFile(t, "testdata/compose/full-example.yml")
	if len(f.Specs) != 2 || f.Specs[0].Name != "bar" || f.Specs[1].Name != "foo" {
		t.Fatalf("specs in file order: got %d", len(f.Specs))
	}
	s := specNamed(t, f, "foo")
	if s.Source != SourceCompose || s.Loc.Start.Line != 10 || s.Loc.Object != "services.foo" {
		t.Errorf("foo: source %q at %v", s.Source, s.Loc)
	}
	type strCase struct {
		what string
		got  Str
		want at
	}
	for _, c := range []strCase{
		{"Image", s.Image, at{"redis", 191, "services.foo.image"}},
		{"User", s.User, at{"someone", 305, "services.foo.user"}},
		{"NetworkMode", s.NetworkMode, at{"container:0cfeab0f748b9a743dc3da582046357c6ef497631c1a016d28d2bf9b4f899f7b", 236, ""}},
		{"PidMode", s.PidMode, at{"host", 249, "services.foo.pid"}},
		{"IpcMode", s.IpcMode, at{"host", 198, ""}},
		{"UTSMode", s.UTSMode, at{"host", 200, ""}},
		{"CgroupParent", s.CgroupParent, at{"m-executor-abcd", 52, ""}},
		{"Restart", s.Restart, at{"always", 264, "services.foo.restart"}},
		{"CapAdd[0]", s.CapAdd[0], at{"ALL", 46, "services.foo.cap_add[0]"}},
		{"CapDrop[1]", s.CapDrop[1], at{"SYS_ADMIN", 50, "services.foo.cap_drop[1]"}},
		{"SecurityOpt[1]", s.SecurityOpt[1], at{"label=type:svirt_apache_t", 277, ""}},
		{"Devices[0]", s.Devices[0], at{"/dev/ttyUSB0", 121, ""}},
		{"Tmpfs[0]", s.Tmpfs[0], at{"/run", 293, ""}},
		{"Tmpfs[1]", s.Tmpfs[1], at{"/tmp", 294, ""}},
		{"Tmpfs[2]", s.Tmpfs[2], at{"/opt/tmpfs", 323, "services.foo.volumes[7]"}},
		{"Networks[0]", s.Networks[0], at{"some-network", 239, "services.foo.networks.some-network"}},
		{"Networks[2]", s.Networks[2], at{"other-other-network", 247, ""}},
	} {
		if !c.got.Set || c.got.Unknown {
			t.Errorf("%s: set %v unknown %v", c.what, c.got.Set, c.got.Unknown)
		}
		checkAt(t, c.what, c.got.Value, c.got.Loc, c.want)
	}
	if len(s.CapAdd) != 1 || len(s.CapDrop) != 2 || len(s.SecurityOpt) != 2 || len(s.Tmpfs) != 3 || len(s.Networks) != 3 {
		t.Errorf("list lengths: cap_add %d cap_drop %d security_opt %d tmpfs %d networks %d", len(s.CapAdd), len(s.CapDrop), len(s.SecurityOpt), len(s.Tmpfs), len(s.Networks))
	}
	checkAt(t, "Privileged", s.Privileged.True(), s.Privileged.Loc, at{true, 260, "services.foo.privileged"})
	checkAt(t, "ReadOnlyRootfs", s.ReadOnlyRootfs.True(), s.ReadOnlyRootfs.Loc, at{true, 262, ""})
	checkAt(t, "Memory", s.Memory.Value, s.Memory.Loc, at{int64(50 << 20), 93, "services.foo.deploy.resources.limits.memory"})
	checkAt(t, "NanoCPUs", s.NanoCPUs.Value, s.NanoCPUs.Loc, at{int64(1_000_000), 92, ""})
	if !s.HealthcheckDisabled.Set || s.HealthcheckDisabled.Value {
		t.Errorf("HealthcheckDisabled = %+v, want set and false", s.HealthcheckDisabled)
	}
	if s.PidsLimit.Set || s.MemorySwap.Set || s.RestartMax.Set || s.Partial {
		t.Errorf("unset values reported set: pids %v swap %v restart max %v partial %v", s.PidsLimit.Set, s.MemorySwap.Set, s.RestartMax.Set, s.Partial)
	}

	ports := []struct {
		ip, host, container string
		line                int
	}{
		{"", "", "3000", 252}, {"", "", "3001-3005", 253}, {"", "8000", "8000", 254},
		{"", "9090-9091", "8080-8081", 255}, {"", "49100", "22", 256},
		{"127.0.0.1", "8001", "8001", 257}, {"127.0.0.1", "5000-5010", "5000-5010", 258},
	}
	if len(s.Ports) != len(ports) {
		t.Fatalf("ports: got %d, want %d: %+v", len(s.Ports), len(ports), s.Ports)
	}
	for i, w := range ports {
		p := s.Ports[i]
		if p.HostIP != w.ip || p.HostPort != w.host || p.ContainerPort != w.container || p.Protocol != "tcp" || p.Loc.Start.Line != w.line {
			t.Errorf("ports[%d] = %+v at line %d, want %+v", i, p, p.Loc.Start.Line, w)
		}
	}

	mounts := []struct {
		typ, source, target string
		ro                  bool
		line                int
	}{
		{"volume", "", "/var/lib/anonymous", false, 309},
		{"bind", "/opt/data", "/var/lib/data", false, 311},
		{"bind", ".", "/code", false, 313},
		{"bind", "./static", "/var/www/html", false, 314},
		{"bind", "~/configs", "/etc/configs", true, 316},
		{"volume", "datavolume", "/var/lib/volume", false, 318},
		{"bind", "./opt", "/opt/cached", false, 319},
		{"tmpfs", "", "/opt/tmpfs", false, 323},
	}
	if len(s.Mounts) != len(mounts) {
		t.Fatalf("mounts: got %d, want %d: %+v", len(s.Mounts), len(mounts), s.Mounts)
	}
	for i, w := range mounts {
		m := s.Mounts[i]
		if m.Type != w.typ || m.Source != w.source || m.Target != w.target || m.ReadOnly != w.ro || m.Loc.Start.Line != w.line {
			t.Errorf("mounts[%d] = %+v at line %d, want %+v", i, m, m.Loc.Start.Line, w)
		}
	}

	if len(s.Env) != 2 {
		t.Fatalf("env: %+v", s.Env)
	}
	checkAt(t, "Env BAZ", s.Env[0].Value, s.Env[0].Loc, at{"baz_from_service_def", 154, "services.foo.environment.BAZ"})
	checkAt(t, "Env QUX", s.Env[1].HasValue, s.Env[1].Loc, at{false, 155, "services.foo.environment.QUX"})

	c := f.Compose
	if c.Services["foo"] != s || !c.UsesDefaultNetwork["bar"] || c.UsesDefaultNetwork["foo"] {
		t.Errorf("compose services / default network: %v", c.UsesDefaultNetwork)
	}
	if n := c.Networks["other-network"]; n == nil || n.Driver != "overlay" || n.Internal || n.External || n.Loc.Start.Line != 338 {
		t.Errorf("networks.other-network = %+v", n)
	}
	for _, name := range []string{"external-network", "other-external-network"} {
		if n := c.Networks[name]; n == nil || !n.External {
			t.Errorf("networks.%s = %+v, want external", name, n)
		}
	}
	if loc, ok := c.Secrets["secret1"]; !ok || loc.Start.Line != 441 || len(c.Secrets) != 5 {
		t.Errorf("secrets = %v", c.Secrets)
	}
	if args := c.BuildArgs["foo"]; len(args) != 1 || args[0].Name != "foo" || args[0].Value != "bar" || args[0].Loc.Start.Line != 17 {
		t.Errorf("build args = %+v", args)
	}
	if efs := c.EnvFiles["foo"]; len(efs) != 2 || efs[0].Read || efs[0].Loc.Start.Line != 146 || efs[1].Loc.Start.Line != 147 ||
		!strings.HasSuffix(efs[0].Path, "testdata/compose/example1.env") {
		t.Errorf("env files = %+v", efs)
	}
	if len(f.Notes) != 0 {
		t.Errorf("notes: %+v", f.Notes)
	}
}

func TestComposeExtends(t *testing.T) {
	f := loadComposeFile(t, "testdata/compose/extends/compose.yml")
	web := specNamed(t, f, "web")
	// privileged comes from base/base.yml: it points at the service key.
	checkAt(t, "web privileged", web.Privileged.True(), web.Privileged.Loc, at{true, 2, "services.web.privileged (from testdata/compose/extends/base/base.yml)"})
	checkAt(t, "web image", web.Image.Value, web.Image.Loc, at{"nginx:1.27", 6, ""})
	if len(web.CapAdd) != 1 || web.CapAdd[0].Value != "SYS_ADMIN" || web.CapAdd[0].Loc.Start.Line != 2 {
		t.Errorf("web cap_add = %+v", web.CapAdd)
	}
	// extends in the same file: the base's own line.
	worker := specNamed(t, f, "worker")
	checkAt(t, "worker image", worker.Image.Value, worker.Image.Loc, at{"busybox", 11, "services.worker.image"})
	if len(worker.CapAdd) != 1 || worker.CapAdd[0].Loc.Start.Line != 13 {
		t.Errorf("worker cap_add = %+v", worker.CapAdd)
	}
	checkAt(t, "worker user", worker.User.Value, worker.User.Loc, at{"1000", 9, ""})
}

func TestComposeInclude(t *testing.T) {
	f := loadComposeFile(t, "testdata/compose/include/compose.yml")
	if len(f.Specs) != 1 || f.Specs[0].Name != "web" {
		t.Fatalf("specs: only the file's own services, got %d", len(f.Specs))
	}
	db := f.Compose.Services["db"]
	if db == nil || db.Image.Value != "postgres:16" || db.Loc.Start.Line != 2 ||
		db.Loc.Object != "services.db (included from testdata/compose/include/db/compose.yml)" {
		t.Fatalf("included db = %+v", db)
	}
	if !f.Compose.UsesDefaultNetwork["db"] || !f.Compose.UsesDefaultNetwork["web"] {
		t.Errorf("default network: %v", f.Compose.UsesDefaultNetwork)
	}
}

func TestComposeProfiles(t *testing.T) {
	f := loadComposeFile(t, "testdata/compose/profiles/compose.yml")
	if len(f.Specs) != 2 {
		t.Fatalf("every service is analysed whatever its profile: got %d", len(f.Specs))
	}
	s := specNamed(t, f, "debug (profile: debug, tools)")
	if s.Loc.Object != "services.debug" || f.Compose.Services["debug"] != s || len(f.Compose.Profiles["debug"]) != 2 {
		t.Errorf("debug: %+v, profiles %v", s.Loc, f.Compose.Profiles)
	}
}

func TestComposeEnvFile(t *testing.T) {
	f := loadComposeFile(t, "testdata/compose/envfile/compose.yml")
	efs := f.Compose.EnvFiles["app"]
	if len(efs) != 2 {
		t.Fatalf("env files: %+v", efs)
	}
	ef := efs[0]
	if !ef.Read || ef.Path != "testdata/compose/envfile/app.env" || ef.Loc.Start.Line != 5 || len(ef.Vars) != 3 {
		t.Fatalf("app.env = %+v", ef)
	}
	want := []EnvVar{
		{Name: "DB_PASSWORD", Value: "s3cr3t-value", HasValue: true},
		{Name: "DEBUG", Value: "1", HasValue: true},
		{Name: "PASSTHROUGH"},
	}
	for i, w := range want {
		v := ef.Vars[i]
		if v.Name != w.Name || v.Value != w.Value || v.HasValue != w.HasValue || v.Loc.Path != ef.Path || v.Loc.Start.Line != i+2 {
			t.Errorf("vars[%d] = %+v, want %+v at line %d", i, v, w, i+2)
		}
	}
	if efs[1].Read || efs[1].Loc.Start.Line != 6 {
		t.Errorf("missing.env = %+v", efs[1])
	}
}

// TestComposeVariables checks that unset variables never fail the load:
// their values are marked unknown and one note names them.
func TestComposeVariables(t *testing.T) {
	f := loadComposeFile(t, "testdata/compose/vars/compose.yml")
	s := specNamed(t, f, "app")
	if !s.Image.Unknown || !s.Privileged.Unknown || s.Privileged.True() || !s.User.Unknown {
		t.Errorf("image %+v privileged %+v user %+v", s.Image, s.Privileged, s.User)
	}
	if len(s.Ports) != 1 || !s.Ports[0].Unknown || s.Ports[0].ContainerPort != "80" {
		t.Errorf("ports = %+v", s.Ports)
	}
	if len(s.Mounts) != 1 || !s.Mounts[0].Unknown || s.Mounts[0].Target != "/data" {
		t.Errorf("mounts = %+v", s.Mounts)
	}
	if len(s.Env) != 2 || s.Env[0].Value != "hello" || s.Env[0].Unknown || s.Env[1].Unknown {
		t.Errorf("env = %+v (FROM_DOTENV comes from .env)", s.Env)
	}
	var missing []string
	for _, n := range f.Notes {
		if strings.HasPrefix(n.Message, "variables not set") {
			missing = append(missing, n.Message)
		}
	}
	if len(missing) != 1 || !strings.Contains(missing[0], "DATA_DIR, PORT, PRIV, RUN_AS, TAG") {
		t.Errorf("notes = %+v", f.Notes)
	}
}

func TestComposeDirectives(t *testing.T) {
	src := []byte(`services:
  # bulwark:ignore CT001 -- lab box
  web:
    image: nginx
    privileged: true
  job:
    privileged: true # bulwark:ignore CT001,CT002 -- needed
    image: "busybox # not a comment"
# bulwark:ignore-file CP002
`)
	f, err := LoadCompose("compose.yml", src)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		names    string
		from, to int
	}{{"CT001", 2, 5}, {"CT001,CT002", 7, 7}, {"CP002", 0, 0}}
	if len(f.Directives) != len(want) {
		t.Fatalf("directives = %+v", f.Directives)
	}
	for i, w := range want {
		d := f.Directives[i]
		if strings.Join(d.Names, ",") != w.names || d.FromLine != w.from || d.ToLine != w.to {
			t.Errorf("directive %d = %+v, want %+v", i, d, w)
		}
	}
	if f.Directives[0].Reason != "lab box" || f.Directives[0].Source != "compose.yml:2" {
		t.Errorf("directive 0 = %+v", f.Directives[0])
	}
}

// TestComposeBadInput checks that what compose-go rejects comes back as an
// *Error with the line when known, never as a panic.
func TestComposeBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("cycle/a.yml", "include: [b.yml]\nservices:\n  a: {image: a}\n")
	write("cycle/b.yml", "include: [a.yml]\nservices:\n  b: {image: b}\n")
	for _, c := range []struct {
		name, src string
		line      int
		msg       string
	}{
		{"malformed", "services:\n  web:\n    image: nginx\n   ports: [80\n", -1, "invalid YAML"},
		{"malformed flow", "services:\n  web:\n    image: nginx\n    ports: [80\n  db: {image: x}\n", -1, "invalid YAML"},
		{"bad quote", "services:\n  web:\n    image: \"nginx\n    ports: [80]\n", 3, "quoted scalar"},
		{"unknown top-level key", "services:\n  web:\n    image: nginx\nfrobnicate: true\n", 4, "frobnicate"},
		{"unknown service key", "services:\n  web:\n    image: nginx\n    privilegd: true\n", 4, "privilegd"},
		{"sequence document", "- web\n- db\n", 1, "mapping at the top level"},
		{"scalar document", "just text\n", 1, "mapping at the top level"},
		{"legacy v1", "web:\n  image: nginx\n  links: [db]\ndb:\n  image: postgres\n", 1, "legacy Compose file format v1"},
		{"depends_on cycle", "services:\n  a:\n    image: a\n    depends_on: [b]\n  b:\n    image: b\n    depends_on: [a]\n", 4, "cycle"},
		{"include cycle", "include: [cycle/a.yml]\nservices:\n  x: {image: x}\n", 0, "include cycle"},
		{"include missing", "include: [nowhere.yml]\nservices:\n  x: {image: x}\n", 1, "no such file"},
		{"include a folder", "include: [cycle]\nservices:\n  x: {image: x}\n", 1, "not a regular file"},
		{"include a device", "include: [/dev/zero]\nservices:\n  x: {image: x}\n", 1, "not a regular file"},
		{"extends a device", "services:\n  x:\n    extends: {file: /dev/zero, service: y}\n", 3, "not a regular file"},
		{"remote include", "include: [oci://example.com/app:1]\nservices:\n  x: {image: x}\n", 1, "remote"},
		{"services a list", "services:\n  - web\n", 1, "services"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := write(strings.ReplaceAll(c.name, " ", "-")+".yml", c.src)
			f, err := LoadCompose(p, []byte(c.src))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v (%v), want an *Error", err, f)
			}
			// line -1: the parser's line is approximate, but there is one.
			if ce.Path != p || c.line > 0 && ce.Line != c.line || c.line < 0 && ce.Line == 0 || !strings.Contains(ce.Msg, c.msg) {
				t.Errorf("got %s (line %d), want line %d and %q", ce.Error(), ce.Line, c.line, c.msg)
			}
		})
	}
	f, err := LoadCompose(write("empty.yml", "# nothing\n"), []byte("# nothing\n"))
	if err != nil || len(f.Specs) != 0 || len(f.Notes) != 1 {
		t.Errorf("empty file: %v, %+v", err, f)
	}
}

// TestComposeQuiet checks that compose-go writes nothing on its global
// logger for what it would warn about: the obsolete version key, the
// deprecated external.name, YAML 1.1 booleans, unset variables.
func TestComposeQuiet(t *testing.T) {
	var logged bytes.Buffer
	logrus.SetOutput(&logged)
	defer logrus.SetOutput(os.Stderr)
	src := `version: "3.8"
services:
  web:
    image: nginx:${TAG}
    privileged: "yes"
    read_only: "off"
    networks: [ext]
    volumes: [data:/data]
networks:
  ext:
    external:
      name: shared-net
volumes:
  data:
    external:
      name: shared-data
`
	f, err := LoadCompose(filepath.Join(t.TempDir(), "compose.yml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Specs[0]
	if !s.Privileged.True() || s.ReadOnlyRootfs.Value || !s.ReadOnlyRootfs.Set || !f.Compose.Networks["ext"].External {
		t.Errorf("privileged %+v read_only %+v networks %+v", s.Privileged, s.ReadOnlyRootfs, f.Compose.Networks)
	}
	if s.Privileged.Loc.Start.Line != 5 {
		t.Errorf("positions come from the file as written: privileged at %d", s.Privileged.Loc.Start.Line)
	}
	if logged.Len() > 0 {
		t.Errorf("compose-go logged:\n%s", logged.String())
	}
}
