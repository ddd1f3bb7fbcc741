package lang

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// Composer reads vendor/composer/installed.json, the list of packages
// Composer installed into a PHP project: an array in Composer 1, an
// object with a "packages" array in Composer 2.
type Composer struct{}

// Ecosystem returns "Packagist".
func (Composer) Ecosystem() string { return EcosystemPackagist }

// Wants accepts paths ending in vendor/composer/installed.json.
func (Composer) Wants(path string) bool {
	p := pkgdb.CleanPath(path)
	return p == "vendor/composer/installed.json" || strings.HasSuffix(p, "/vendor/composer/installed.json")
}

type composerPackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Parse reads every package's name ("vendor/name") and version. The
// version is reported as OSV's Packagist records write it, without the
// leading "v" some tags carry ("v1.0.2" becomes "1.0.2"); the purl keeps
// the version as installed.
func (Composer) Parse(path string, r io.Reader) ([]pkgdb.Package, error) {
	data, err := readLimited(r, MaxLockSize)
	if err != nil {
		return nil, fmt.Errorf("composer installed.json %s: %w", path, err)
	}
	var list []composerPackage
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '[' {
		err = json.Unmarshal(data, &list)
	} else {
		var v2 struct {
			Packages []composerPackage `json:"packages"`
		}
		err = json.Unmarshal(data, &v2)
		list = v2.Packages
	}
	if err != nil {
		return nil, fmt.Errorf("composer installed.json %s: %w", path, err)
	}
	if len(list) > MaxPackages {
		return nil, fmt.Errorf("composer installed.json %s: more than %d packages: %w", path, MaxPackages, ErrTooLarge)
	}
	var pkgs []pkgdb.Package
	for _, c := range list {
		if c.Name == "" || c.Version == "" {
			continue
		}
		version := c.Version
		if len(version) > 1 && (version[0] == 'v' || version[0] == 'V') && '0' <= version[1] && version[1] <= '9' {
			version = version[1:]
		}
		ns, name := "", c.Name
		if i := strings.IndexByte(c.Name, '/'); i >= 0 {
			ns, name = c.Name[:i], c.Name[i+1:]
		}
		p := newPackage(EcosystemPackagist, c.Name, version, pkgdb.PURL("composer", ns, name, c.Version, nil), path)
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}
