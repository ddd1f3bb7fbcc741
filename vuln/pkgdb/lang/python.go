package lang

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// Python reads the core metadata of installed Python distributions:
// *.dist-info/METADATA (wheels, modern pip), *.egg-info/PKG-INFO and
// EGG-INFO/PKG-INFO (setuptools eggs), and *.egg-info written as a single
// file. Zipped .egg files are not read.
type Python struct{}

// Ecosystem returns "PyPI".
func (Python) Ecosystem() string { return EcosystemPyPI }

// Wants accepts the metadata file names listed on Python.
func (Python) Wants(path string) bool {
	p := pkgdb.CleanPath(path)
	dir, file := "", p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		dir, file = p[:i], p[i+1:]
	}
	parent := dir
	if i := strings.LastIndexByte(dir, '/'); i >= 0 {
		parent = dir[i+1:]
	}
	switch file {
	case "METADATA":
		return strings.HasSuffix(parent, ".dist-info") && len(parent) > len(".dist-info")
	case "PKG-INFO":
		return parent == "EGG-INFO" || strings.HasSuffix(parent, ".egg-info") && len(parent) > len(".egg-info")
	}
	return strings.HasSuffix(file, ".egg-info") && len(file) > len(".egg-info")
}

// Parse reads the Name and Version headers of the metadata, an RFC 822
// style header block ending at the first empty line. The name is reported
// as written; the purl carries the PEP 503 normalised name (see
// pkgdb.NormalizeName), which is also what OSV matching should compare.
func (Python) Parse(path string, r io.Reader) ([]pkgdb.Package, error) {
	data, err := readLimited(r, MaxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("python metadata %s: %w", path, err)
	}
	name, version := pythonHeaders(data)
	if name == "" || version == "" {
		return nil, nil
	}
	purl := pkgdb.PURL("pypi", "", pkgdb.NormalizeName(EcosystemPyPI, name), version, nil)
	return []pkgdb.Package{newPackage(EcosystemPyPI, name, version, purl, path)}, nil
}

// pythonHeaders returns the first Name and Version headers of the header
// block. Continuation lines (starting with white space) belong to the
// previous header and are ignored, as neither field spans lines.
func pythonHeaders(data []byte) (name, version string) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxManifestSize)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "name":
			if name == "" {
				name = v
			}
		case "version":
			if version == "" {
				version = v
			}
		}
		if name != "" && version != "" {
			break
		}
	}
	return name, version
}
