package container

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/bulwark-sec/bulwark/finding"
)

// Engine is what ReadEngine needs of a Docker Engine API client;
// *client.Client has it.
type Engine interface {
	DaemonHost() string
	Info(ctx context.Context, options client.InfoOptions) (client.SystemInfoResult, error)
	ContainerList(ctx context.Context, options client.ContainerListOptions) (client.ContainerListResult, error)
	ContainerInspect(ctx context.Context, id string, options client.ContainerInspectOptions) (client.ContainerInspectResult, error)
	NetworkInspect(ctx context.Context, id string, options client.NetworkInspectOptions) (client.NetworkInspectResult, error)
}

// Connect returns a client for the Docker engine at host, or, when host is
// "", the one the environment names (DOCKER_HOST, DOCKER_TLS_VERIFY,
// DOCKER_CERT_PATH, DOCKER_API_VERSION) or the default socket. The API
// version is negotiated on the first request. Nothing is contacted yet.
func Connect(host string) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv} // the API version is negotiated by default
	if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	c, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return c, nil
}

// EngineError is an engine that could not be reached (Op "") or
// questioned (Op says what failed).
type EngineError struct {
	Host string
	Op   string
	Err  error
}

func (e *EngineError) Error() string {
	if e.Op == "" {
		return fmt.Sprintf("cannot reach the Docker engine at %s: %v", e.Host, e.Err)
	}
	return fmt.Sprintf("Docker engine at %s: %s: %v", e.Host, e.Op, e.Err)
}

func (e *EngineError) Unwrap() error { return e.Err }

// EnginePath is the Location.Path of findings on the engine at host:
// "docker://" and the address without its scheme ("docker:///var/run/docker.sock",
// "docker://10.0.0.5:2376").
func EnginePath(host string) string {
	if u, err := url.Parse(host); err == nil && u.Scheme != "" {
		return "docker://" + u.Host + u.Path
	}
	return "docker://" + host
}

// EngineOptions tune ReadEngine.
type EngineOptions struct {
	// Progress, when set, is told how many containers are about to be
	// inspected.
	Progress func(containers int)
}

// ReadEngine audits a live engine: every container, running or not,
// becomes a Spec through the same conversion as docker inspect files (so
// findings match), located by Path "docker://HOST" and Object "container
// NAME (ID12)" with no line; the engine's settings become File.Daemon.
//
// An engine that cannot be reached is an *EngineError and a nil File. A
// container that cannot be inspected is reported in the error while the
// others are still read: a File and an error together mean the audit is
// incomplete. A container removed between listing and inspection adds a
// Note.
func ReadEngine(ctx context.Context, e Engine, opts EngineOptions) (*File, error) {
	host := e.DaemonHost()
	path := EnginePath(host)
	info, err := e.Info(ctx, client.InfoOptions{})
	if err != nil {
		return nil, &EngineError{Host: host, Err: err}
	}
	list, err := e.ContainerList(ctx, client.ContainerListOptions{All: true})
	if err != nil {
		return nil, &EngineError{Host: host, Op: "listing containers", Err: err}
	}
	f := &File{Path: path}
	f.Daemon = daemonFromInfo(ctx, e, host, path, &info, f)
	if opts.Progress != nil {
		opts.Progress(len(list.Items))
	}
	var errs []error
	for _, c := range list.Items {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		res, err := e.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
		if err != nil {
			if cerrdefs.IsNotFound(err) {
				f.Notes = append(f.Notes, Note{Message: "container " + shortID(c.ID) + " was removed while the engine was being audited", Loc: finding.Location{Path: path}})
				continue
			}
			errs = append(errs, fmt.Errorf("inspecting container %s: %w", shortID(c.ID), err))
			continue
		}
		f.Specs = append(f.Specs, EngineSpec(path, &res))
	}
	sort.SliceStable(f.Specs, func(i, j int) bool { return f.Specs[i].Name < f.Specs[j].Name })
	return f, errors.Join(errs...)
}

// EngineSpec converts a container inspected on the engine whose findings
// go under path, with the same code as docker inspect files.
func EngineSpec(path string, res *client.ContainerInspectResult) *Spec {
	doc := &res.Container
	loc := finding.Location{Path: path, Object: ContainerObject(strings.TrimPrefix(doc.Name, "/"), doc.ID)}
	s := inspectSpec(doc, func(string) finding.Location { return loc })
	s.Source = SourceEngine
	s.Loc = loc
	return s
}

// defaultBridgeICC is the option of the default bridge network that says
// whether its containers may talk to each other (dockerd --icc).
const defaultBridgeICC = "com.docker.network.bridge.enable_icc"

// daemonFromInfo reads the engine's settings from its info and its default
// bridge network. What the API does not show (default ulimits, the log
// level, userland-proxy, iptables) is not there.
func daemonFromInfo(ctx context.Context, e Engine, host, path string, info *client.SystemInfoResult, f *File) *Daemon {
	in := &info.Info
	d := &Daemon{
		Host:            host,
		Loc:             finding.Location{Path: path, Object: "daemon"},
		LiveRestore:     in.LiveRestoreEnabled,
		LoggingDriver:   in.LoggingDriver,
		AuthzPlugins:    in.Plugins.Authorization,
		Experimental:    in.ExperimentalBuild,
		SecurityOptions: in.SecurityOptions,
		ServerVersion:   in.ServerVersion,
	}
	for _, o := range in.SecurityOptions {
		for _, kv := range strings.Split(o, ",") {
			switch kv {
			case "name=userns":
				d.UsernsRemap = true
			case "name=rootless":
				d.Rootless = true
			}
		}
	}
	bridgeLoc := finding.Location{Path: path, Object: "network bridge"}
	nw, err := e.NetworkInspect(ctx, "bridge", client.NetworkInspectOptions{})
	switch {
	case err == nil:
		// The option is absent when dockerd runs with the default --icc=true.
		v, ok := nw.Network.Options[defaultBridgeICC]
		if !ok {
			v = "true"
		}
		d.ICCOnDefaultBridge = Str{Value: v, Set: true, Loc: bridgeLoc}
	case cerrdefs.IsNotFound(err):
		f.Notes = append(f.Notes, Note{Message: "the engine has no default bridge network (dockerd --bridge=none)", Loc: d.Loc})
	default:
		f.Notes = append(f.Notes, Note{Message: "the default bridge network could not be inspected: " + err.Error(), Loc: d.Loc})
	}
	return d
}
