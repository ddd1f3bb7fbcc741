package lang

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// NPMPackageJSON reads the package.json at the root of an installed npm
// package: node_modules/<name>/package.json or
// node_modules/@scope/<name>/package.json, at any depth.
type NPMPackageJSON struct{}

// Ecosystem returns "npm".
func (NPMPackageJSON) Ecosystem() string { return EcosystemNPM }

// Wants accepts package.json files that are package roots directly under
// a node_modules directory (or under a scope directory in it); other
// package.json files, such as a project's own or helper files nested in
// a package, are not installed packages.
func (NPMPackageJSON) Wants(path string) bool {
	segs := strings.Split(pkgdb.CleanPath(path), "/")
	n := len(segs)
	if n < 3 || segs[n-1] != "package.json" {
		return false
	}
	if segs[n-3] == "node_modules" {
		return !strings.HasPrefix(segs[n-2], "@") && segs[n-2] != "node_modules"
	}
	return n >= 4 && segs[n-4] == "node_modules" && strings.HasPrefix(segs[n-3], "@") && len(segs[n-3]) > 1
}

// Parse reads name and version. Packages marked private are reported too
// when they carry both, since they can still be vulnerable copies of a
// published package; files without a name or a version yield nothing.
func (NPMPackageJSON) Parse(path string, r io.Reader) ([]pkgdb.Package, error) {
	data, err := readLimited(r, MaxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("npm package.json %s: %w", path, err)
	}
	var m struct {
		Name    any `json:"name"`
		Version any `json:"version"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("npm package.json %s: %w", path, err)
	}
	name, _ := m.Name.(string)
	version, _ := m.Version.(string)
	name, version = strings.TrimSpace(name), strings.TrimSpace(version)
	if name == "" || version == "" {
		return nil, nil
	}
	return []pkgdb.Package{npmPackage(name, version, path)}, nil
}

// npmPackage builds an npm package with its purl (the scope is the purl
// namespace).
func npmPackage(name, version, path string) pkgdb.Package {
	ns, base := "", name
	if strings.HasPrefix(name, "@") {
		if i := strings.IndexByte(name, '/'); i > 0 {
			ns, base = name[:i], name[i+1:]
		}
	}
	return newPackage(EcosystemNPM, name, version, pkgdb.PURL("npm", ns, base, version, nil), path)
}

// NPMLock reads npm lockfiles: package-lock.json and npm's hidden
// lockfile node_modules/.package-lock.json, in lockfile versions 2 and 3
// (the "packages" map) and, when that map is absent, version 1 (the
// nested "dependencies" map). A lockfile that sits beside a node_modules
// tree lists the same packages as the package.json files in it; callers
// that read both should deduplicate on ecosystem, name and version.
type NPMLock struct{}

// Ecosystem returns "npm".
func (NPMLock) Ecosystem() string { return EcosystemNPM }

// Wants accepts files named package-lock.json or .package-lock.json that
// are not inside an installed package.
func (NPMLock) Wants(path string) bool {
	p := pkgdb.CleanPath(path)
	dir, file := "", p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		dir, file = p[:i], p[i+1:]
	}
	switch file {
	case "package-lock.json":
		return true
	case ".package-lock.json":
		return dir == "node_modules" || strings.HasSuffix(dir, "/node_modules")
	}
	return false
}

type npmLockEntry struct {
	Name         string                  `json:"name"`
	Version      string                  `json:"version"`
	Link         bool                    `json:"link"`
	Dependencies map[string]npmLockEntry `json:"dependencies"`
}

// Parse reads every installed package in the lockfile. The root project
// (key ""), workspace links and entries outside node_modules are left out.
func (NPMLock) Parse(path string, r io.Reader) ([]pkgdb.Package, error) {
	data, err := readLimited(r, MaxLockSize)
	if err != nil {
		return nil, fmt.Errorf("npm lockfile %s: %w", path, err)
	}
	var lock struct {
		Packages     map[string]npmLockEntry `json:"packages"`
		Dependencies map[string]npmLockEntry `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("npm lockfile %s: %w", path, err)
	}
	var pkgs []pkgdb.Package
	if lock.Packages != nil {
		keys := make([]string, 0, len(lock.Packages))
		for k := range lock.Packages {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			e := lock.Packages[k]
			i := strings.LastIndex(k, "node_modules/")
			if i < 0 || e.Link || e.Version == "" {
				continue
			}
			name := e.Name
			if name == "" {
				name = k[i+len("node_modules/"):]
			}
			if name == "" {
				continue
			}
			if len(pkgs) >= MaxPackages {
				return nil, fmt.Errorf("npm lockfile %s: more than %d packages: %w", path, MaxPackages, ErrTooLarge)
			}
			pkgs = append(pkgs, npmPackage(name, e.Version, path))
		}
		return pkgs, nil
	}
	var walk func(deps map[string]npmLockEntry, depth int) error
	walk = func(deps map[string]npmLockEntry, depth int) error {
		names := make([]string, 0, len(deps))
		for n := range deps {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			e := deps[n]
			// v1 "version" may be a URL or a file: reference for
			// non-registry packages; keep only registry-looking ones.
			if n != "" && e.Version != "" && !strings.Contains(e.Version, ":") && !strings.Contains(e.Version, "/") {
				if len(pkgs) >= MaxPackages {
					return fmt.Errorf("more than %d packages: %w", MaxPackages, ErrTooLarge)
				}
				pkgs = append(pkgs, npmPackage(n, e.Version, path))
			}
			if err := walk(e.Dependencies, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(lock.Dependencies, 0); err != nil {
		return nil, fmt.Errorf("npm lockfile %s: %w", path, err)
	}
	return pkgs, nil
}
