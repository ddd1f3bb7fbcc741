// Package container turns every description of how a container runs — a
// `docker run` command line, a Compose service, `docker inspect` output, a
// container on a live engine — into one runtime-neutral Spec. Runtime
// rules are written once over Spec; each value keeps the location of the
// text (or JSON field) it came from, so findings point at the source's own
// line.
package container

import (
	"fmt"

	"github.com/bulwark-sec/bulwark/finding"
	"github.com/bulwark-sec/bulwark/suppress"
)

// Source kinds, for Spec.Source.
const (
	SourceRun     = "docker run"
	SourceCompose = "compose"
	SourceInspect = "inspect"
	SourceEngine  = "engine"
	SourceKube    = "kubernetes"
)

// Str is a string setting: whether it was set, its value, whether the value
// is unknown (built from a variable), and where it is written.
type Str struct {
	Value   string
	Set     bool
	Unknown bool
	Loc     finding.Location
}

// Bool is a boolean setting.
type Bool struct {
	Value   bool
	Set     bool
	Unknown bool
	Loc     finding.Location
}

// Int is an integer setting (bytes for memory, nano-CPUs for CPUs).
type Int struct {
	Value   int64
	Set     bool
	Unknown bool
	Loc     finding.Location
}

// True reports whether the setting is known to be true.
func (b Bool) True() bool { return b.Set && !b.Unknown && b.Value }

// Is reports whether the setting is known to equal v.
func (s Str) Is(v string) bool { return s.Set && !s.Unknown && s.Value == v }

// Mount is a volume, bind or tmpfs mount.
type Mount struct {
	// Type is "bind", "volume", "tmpfs" or "npipe".
	Type string
	// Source is the host path for a bind, the volume name for a volume.
	Source string
	// Target is the path in the container.
	Target string
	// ReadOnly says the mount is read-only.
	ReadOnly bool
	// Propagation is the bind propagation ("shared", "rshared", ...), or "".
	Propagation string
	// Unknown says part of the mount is built from variables.
	Unknown bool
	Loc     finding.Location
}

// Port is a published port.
type Port struct {
	// HostIP is the address the port is bound to on the host; "" means all.
	HostIP string
	// HostPort is the host port or range; "" means an ephemeral port.
	HostPort string
	// ContainerPort is the port or range in the container.
	ContainerPort string
	// Protocol is "tcp", "udp" or "sctp".
	Protocol string
	Unknown  bool
	Loc      finding.Location
}

// EnvVar is an environment variable given to the container.
type EnvVar struct {
	Name string
	// Value is the value; HasValue is false for a bare name passed through
	// from the caller's environment ("-e NAME").
	Value    string
	HasValue bool
	Unknown  bool
	// FromVariable says the value is substituted from a variable (Compose
	// interpolation from .env): the credential, if any, is not written here.
	FromVariable bool
	Loc          finding.Location
}

// Spec is how one container runs.
//
// Set means "configured differently from what Docker gives a container
// created without the option". A docker run line or Compose file sets what
// it writes; docker inspect output and a live engine state every field, so
// there zero values and Docker's defaults (network mode "default", IPC
// "private" or "shareable", a swap limit of twice the memory limit the
// engine derives by itself, ...) are not Set. Their Config is merged with
// the image's, so User, Env and the health check include what the image
// sets: an empty User there really means root.
type Spec struct {
	// Name identifies the container: a Compose service, a container name,
	// or a description such as "docker run at line 12".
	Name string
	// Source is one of SourceRun, SourceCompose, SourceInspect, SourceEngine.
	Source string
	// Loc is where the container as a whole is defined: the command, the
	// service key, the inspect document, the container on an engine.
	// Findings about something missing point here.
	Loc finding.Location
	// Partial says settings may exist that the source does not show (a
	// command line that splices in "$@" or an unquoted variable before
	// the image): rules about a missing setting stay silent.
	Partial bool

	Image          Str
	Privileged     Bool
	User           Str
	ReadOnlyRootfs Bool
	CapAdd         []Str
	CapDrop        []Str
	// SecurityOpt holds the raw options: "no-new-privileges",
	// "no-new-privileges:true", "seccomp=unconfined", "apparmor=unconfined",
	// "label=disable", "label:disable", "systempaths=unconfined".
	SecurityOpt  []Str
	Memory       Int // bytes
	MemorySwap   Int // bytes; -1 means unlimited
	NanoCPUs     Int // --cpus as billionths of a CPU
	CPUQuota     Int // --cpu-quota, microseconds per period
	CPUShares    Int
	CpusetCpus   Str
	PidsLimit    Int // 0 or -1 mean unlimited
	NetworkMode  Str
	PidMode      Str
	IpcMode      Str
	UTSMode      Str
	UsernsMode   Str
	CgroupnsMode Str
	CgroupParent Str
	Mounts       []Mount
	// Tmpfs are the paths mounted as tmpfs (--tmpfs, tmpfs:).
	Tmpfs   []Str
	Devices []Str
	Ports   []Port
	// PublishAll publishes every exposed port on a random host port of
	// every interface (-P).
	PublishAll Bool
	// APISocket mounts the engine's API socket into the container
	// (--use-api-socket, use_api_socket).
	APISocket Bool
	// Built says the image is built from source next to its use (a Compose
	// service with build:), so its tag names a local build.
	Built bool
	// Restart is the restart policy name ("no", "always", "on-failure",
	// "unless-stopped"); RestartMax is the retry cap for on-failure.
	Restart    Str
	RestartMax Int
	// HealthcheckDisabled is true for --no-healthcheck, healthcheck
	// disable: true, or a NONE test.
	HealthcheckDisabled Bool
	Env                 []EnvVar
	// Networks are the networks the container joins (Compose networks,
	// --network names other than the modes above).
	Networks []Str
	// Fixer edits the text the spec was read from, for the fixes of
	// runtime rules; nil when the source offers none.
	Fixer Fixer
}

// Fixer builds fixes in the text a spec was read from. Each method returns
// false when the source has no safe edit for the container (the setting
// is written already, or the text cannot be edited without risk).
type Fixer interface {
	// ReadOnlyRootfs returns a fix that makes the container's root file
	// system read-only.
	ReadOnlyRootfs() (finding.Fix, bool)
}

// File is one input that defines containers: a script, a Compose file,
// a docker inspect document, or a live engine.
type File struct {
	// Path is the input's path (or "docker://HOST" for an engine).
	Path string
	// Specs are its containers, in source order.
	Specs []*Spec
	// Compose is the Compose model when the input is a Compose file.
	Compose *Compose
	// Daemon holds the engine's settings when the input is a live engine.
	Daemon *Daemon
	// Notes are things worth telling that are not weaknesses (a variable
	// missing during interpolation, an unknown service kind).
	Notes []Note
	// Directives are the inline suppression comments of the input.
	Directives []suppress.Directive
}

// Error is an input that cannot be read as what it claims to be, with the
// line when known.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Note is an informational remark about an input.
type Note struct {
	Message string
	Loc     finding.Location
}

// Compose is what Compose-only rules need beyond the container specs:
// networks, top-level secrets, env files, named volumes, and where each
// key is written.
type Compose struct {
	// Services maps a service name to its spec. Services pulled in by
	// include are here but not in File.Specs, so they are reported once,
	// when their own file is scanned.
	Services map[string]*Spec
	// Networks are the top-level networks.
	Networks map[string]*Network
	// Secrets are the names of top-level secrets.
	Secrets map[string]finding.Location
	// Profiles maps a service to the profiles it belongs to.
	Profiles map[string][]string
	// EnvFiles are the env_file entries of each service.
	EnvFiles map[string][]EnvFile
	// BuildArgs are the build.args of each service.
	BuildArgs map[string][]EnvVar
	// UsesDefaultNetwork lists the services on the implicit default network.
	UsesDefaultNetwork map[string]bool
}

// Network is a top-level Compose network.
type Network struct {
	Name     string
	Internal bool
	// Unknown says a setting of the network is built from an unset
	// variable, so rules must not judge it.
	Unknown  bool
	External bool
	Driver   string
	Loc      finding.Location
}

// EnvFile is an env_file a service reads, with the variables it holds
// when the file could be read.
type EnvFile struct {
	Path string
	Vars []EnvVar
	Read bool
	Loc  finding.Location
}

// Daemon is what the Docker engine's API says of its configuration.
type Daemon struct {
	// Host is the engine address.
	Host string
	// Loc is the engine as a whole.
	Loc                finding.Location
	UsernsRemap        bool
	LiveRestore        bool
	ICCOnDefaultBridge Str // "true"/"false" from the bridge network options
	LoggingDriver      string
	AuthzPlugins       []string
	Experimental       bool
	SecurityOptions    []string
	ServerVersion      string
	Rootless           bool
}
