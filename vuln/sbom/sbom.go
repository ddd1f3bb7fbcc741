// Package sbom writes an image inventory, and optionally the
// vulnerabilities matched in it, as a CycloneDX 1.6 JSON bill of materials
// (https://cyclonedx.org/docs/1.6/json/), with the CycloneDX project's Go
// model (github.com/CycloneDX/cyclonedx-go).
//
// The document:
//
//   - metadata.component is the image: type container, name the reference
//     the user gave, version the image ID (config digest), and a pkg:oci
//     package URL when the manifest digest is known and the reference names
//     a repository;
//   - metadata.tools names the tool and its version;
//   - components are the OS release (type operating-system) and every
//     package (type library), sorted by package URL, each with its purl,
//     version and properties in the "bulwark:" namespace (see the Prop*
//     constants): the layer that introduced it (index, diff ID,
//     created_by), the package database path, the source package;
//   - bom-ref of a package is its purl; when two packages share a purl
//     (the same package read from two databases) the second and later get
//     "#2", "#3", … appended, in the sorted order;
//   - dependencies: the image depends on the OS component and on every
//     other package; the OS component depends on the OS packages of its
//     ecosystem;
//     packages get no entry, as their own dependencies are not known;
//   - vulnerabilities (when findings are given): one per identifier, with
//     the rating the matcher chose, the aliases as references, one affects
//     entry per package and a recommendation naming the fixed versions.
//
// Reproducible output: the timestamp comes from Input.Now, and the serial
// number is a name-based (version 5, SHA-1) UUID of the whole document
// without its serial number, timestamp included. The same inventory scanned
// at the same instant gives the same bytes; any other scan gives a new
// serial number, as the specification asks ("every BOM generated SHOULD
// have a unique serial number").
package sbom

import (
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/uuid"

	"github.com/bulwark-sec/bulwark/vuln/inventory"
	"github.com/bulwark-sec/bulwark/vuln/match"
	"github.com/bulwark-sec/bulwark/vuln/pkgdb"
)

// SpecVersion is the CycloneDX specification version written.
const SpecVersion = "1.6"

// schemaURL is the $schema of a CycloneDX 1.6 JSON document.
const schemaURL = "http://cyclonedx.org/schema/bom-1.6.schema.json"

// Property names (CycloneDX properties taxonomy style: namespace, colon,
// name).
const (
	PropLayerIndex     = "bulwark:layer:index"
	PropLayerDiffID    = "bulwark:layer:diff_id"
	PropLayerCreatedBy = "bulwark:layer:created_by"
	PropDBPath         = "bulwark:package:db_path"
	PropType           = "bulwark:package:type"
	PropEcosystem      = "bulwark:package:ecosystem"
	PropArch           = "bulwark:package:arch"
	PropSrcName        = "bulwark:package:src_name"
	PropSrcVersion     = "bulwark:package:src_version"
	PropImageID        = "bulwark:image:id"
	PropStatus         = "bulwark:vulnerability:status"
	PropReason         = "bulwark:vulnerability:reason"
	PropRecords        = "bulwark:vulnerability:records"
)

// Input is what WriteCycloneDX describes.
type Input struct {
	// Ref is the image reference as the user gave it ("alpine:3.19",
	// "oci:DIR", "docker-archive:FILE").
	Ref string
	// ImageID is the image's config digest ("sha256:…").
	ImageID string
	// Digest is the manifest digest when known (a registry or daemon
	// image); with a Ref naming a repository it gives the image a pkg:oci
	// package URL.
	Digest string
	// Arch is the image platform's architecture, a qualifier of that URL.
	Arch string
	// Inventory is the image's packages; required.
	Inventory *inventory.Inventory
	// Findings are the vulnerabilities matched in the inventory's packages
	// (optional). Each must name a package of the inventory.
	Findings []match.Finding
	// Tool and ToolVersion name the generating tool ("bulwark", "v1.2.0").
	Tool        string
	ToolVersion string
	// Now is the document's timestamp; the zero time means time.Now().
	Now time.Time
}

// WriteCycloneDX writes in as an indented CycloneDX 1.6 JSON document.
func WriteCycloneDX(w io.Writer, in Input) error {
	bom, err := Build(in)
	if err != nil {
		return err
	}
	if err := encode(w, bom); err != nil {
		return fmt.Errorf("writing CycloneDX document: %w", err)
	}
	return nil
}

func encode(w io.Writer, bom *cdx.BOM) error {
	return cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).Encode(bom)
}

// pkgKey identifies an inventory package for attaching findings.
type pkgKey struct {
	typ, eco, name, version, purl, dbPath string
}

func keyOf(p *pkgdb.Package) pkgKey {
	return pkgKey{string(p.Type), p.Ecosystem.String(), p.Name, p.Version, p.PURL, p.DBPath}
}

// Build returns the CycloneDX document for in (see the package
// documentation), serial number included.
func Build(in Input) (*cdx.BOM, error) {
	if in.Inventory == nil {
		return nil, errors.New("building CycloneDX document: no inventory")
	}
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	bom := &cdx.BOM{
		JSONSchema:  schemaURL,
		BOMFormat:   cdx.BOMFormat,
		SpecVersion: cdx.SpecVersion1_6,
		Version:     1,
	}
	image := imageComponent(in)
	tool := in.Tool
	if tool == "" {
		tool = "bulwark"
	}
	bom.Metadata = &cdx.Metadata{
		Timestamp: now.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type:    cdx.ComponentTypeApplication,
			Name:    tool,
			Version: in.ToolVersion,
		}}},
		Component: &image,
	}

	inv := in.Inventory
	var comps []cdx.Component
	var osRef string
	if inv.Release.ID != "" {
		osRef = "os:" + inv.Release.ID
		if inv.Release.VersionID != "" {
			osRef += "@" + inv.Release.VersionID
		}
		c := cdx.Component{
			BOMRef:      osRef,
			Type:        cdx.ComponentTypeOS,
			Name:        inv.Release.ID,
			Version:     inv.Release.VersionID,
			Description: inv.Release.PrettyName,
		}
		if !inv.Ecosystem.IsZero() {
			c.Properties = &[]cdx.Property{{Name: PropEcosystem, Value: inv.Ecosystem.String()}}
		}
		comps = append(comps, c)
	}

	// Sort the packages, then hand out bom-refs in that order.
	order := make([]int, len(inv.Packages))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return comparePackages(&inv.Packages[a], &inv.Packages[b])
	})
	refs := map[pkgKey][]string{}
	used := map[string]int{}
	osDeps, imageDeps := []string{}, []string{} // empty, not null: "depends on nothing"
	if osRef != "" {
		imageDeps = append(imageDeps, osRef)
		used[osRef] = 1
	}
	for _, i := range order {
		p := &inv.Packages[i]
		ref := bomRef(&p.Package, used)
		k := keyOf(&p.Package)
		refs[k] = append(refs[k], ref)
		comps = append(comps, packageComponent(p, ref))
		if p.Type == pkgdb.TypeOS && osRef != "" && p.Ecosystem == inv.Ecosystem {
			osDeps = append(osDeps, ref)
		} else {
			imageDeps = append(imageDeps, ref)
		}
	}
	if len(comps) > 0 {
		bom.Components = &comps
	}
	deps := []cdx.Dependency{{Ref: image.BOMRef, Dependencies: &imageDeps}}
	if osRef != "" {
		deps = append(deps, cdx.Dependency{Ref: osRef, Dependencies: &osDeps})
	}
	bom.Dependencies = &deps

	if len(in.Findings) > 0 {
		vulns, err := vulnerabilities(in.Findings, refs)
		if err != nil {
			return nil, err
		}
		bom.Vulnerabilities = &vulns
	}

	serial, err := serialNumber(bom)
	if err != nil {
		return nil, err
	}
	bom.SerialNumber = serial
	return bom, nil
}

// comparePackages orders packages by purl, then name, version, database
// path and layer.
func comparePackages(a, b *inventory.Package) int {
	for _, c := range [][2]string{
		{a.PURL, b.PURL}, {a.Name, b.Name}, {a.Version, b.Version}, {a.DBPath, b.DBPath},
		{a.Layer.DiffID, b.Layer.DiffID},
	} {
		if n := strings.Compare(c[0], c[1]); n != 0 {
			return n
		}
	}
	return a.Layer.Index - b.Layer.Index
}

// bomRef returns a unique reference for p: its purl, else a made-up
// "bulwark:pkg:" name; "#N" appended when taken.
func bomRef(p *pkgdb.Package, used map[string]int) string {
	base := p.PURL
	if base == "" {
		base = "bulwark:pkg:" + p.Ecosystem.String() + "/" + p.Name + "@" + p.Version
	}
	n := used[base] + 1
	used[base] = n
	if n == 1 {
		return base
	}
	for {
		ref := base + "#" + strconv.Itoa(n)
		if used[ref] == 0 {
			used[ref] = 1
			return ref
		}
		n++
	}
}

// imageComponent describes the image itself.
func imageComponent(in Input) cdx.Component {
	c := cdx.Component{
		Type:       cdx.ComponentTypeContainer,
		Name:       in.Ref,
		Version:    in.ImageID,
		PackageURL: ociPURL(in),
	}
	if c.Name == "" {
		c.Name = in.ImageID
	}
	if c.Name == "" {
		c.Name = "image"
	}
	switch {
	case c.PackageURL != "":
		c.BOMRef = c.PackageURL
	case in.ImageID != "":
		c.BOMRef = "image:" + in.ImageID
	default:
		c.BOMRef = "image:" + c.Name
	}
	if in.ImageID != "" {
		c.Properties = &[]cdx.Property{{Name: PropImageID, Value: in.ImageID}}
	}
	return c
}

// ociPURL returns the pkg:oci package URL of the image when its manifest
// digest is known and its reference names a repository
// (https://github.com/package-url/purl-spec, type oci): the last path
// segment of the repository as name, the digest as version, the full
// repository as repository_url, and the tag and arch qualifiers.
func ociPURL(in Input) string {
	if in.Digest == "" || !strings.HasPrefix(in.Digest, "sha256:") {
		return ""
	}
	ref := in.Ref
	for _, p := range []string{"docker:", "registry:", "docker-daemon:"} {
		ref = strings.TrimPrefix(ref, p)
	}
	if strings.Contains(ref, ":/") || strings.HasPrefix(ref, "oci:") || strings.HasPrefix(ref, "docker-archive:") {
		return ""
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return ""
	}
	repo := r.Context()
	repoName := repo.RepositoryStr()
	short := repoName[strings.LastIndex(repoName, "/")+1:]
	q := map[string]string{
		"repository_url": repo.RegistryStr() + "/" + repoName,
		"arch":           in.Arch,
	}
	if t, ok := r.(name.Tag); ok {
		q["tag"] = t.TagStr()
	}
	return pkgdb.PURL("oci", "", strings.ToLower(short), in.Digest, q)
}

// packageComponent describes one package.
func packageComponent(p *inventory.Package, ref string) cdx.Component {
	c := cdx.Component{
		BOMRef:     ref,
		Type:       cdx.ComponentTypeLibrary,
		Name:       p.Name,
		Version:    p.Version,
		PackageURL: p.PURL,
	}
	var props []cdx.Property
	add := func(k, v string) {
		if v != "" {
			props = append(props, cdx.Property{Name: k, Value: v})
		}
	}
	add(PropType, string(p.Type))
	add(PropEcosystem, p.Ecosystem.String())
	add(PropArch, p.Arch)
	add(PropDBPath, p.DBPath)
	if p.SrcName != "" && (p.SrcName != p.Name || p.SrcVersion != p.Version) {
		add(PropSrcName, p.SrcName)
		add(PropSrcVersion, p.SrcVersion)
	}
	if p.Layer.DiffID != "" {
		add(PropLayerIndex, strconv.Itoa(p.Layer.Index))
		add(PropLayerDiffID, p.Layer.DiffID)
		add(PropLayerCreatedBy, p.Layer.CreatedBy)
	}
	slices.SortFunc(props, func(a, b cdx.Property) int { return strings.Compare(a.Name, b.Name) })
	if len(props) > 0 {
		c.Properties = &props
	}
	return c
}

// serialNumber returns urn:uuid:<the version 5 UUID (RFC 9562 section
// 5.5) of the document's compact JSON without a serial number, in a
// namespace of Bulwark's own>. The JSON is streamed into the hash rather
// than built in memory.
func serialNumber(bom *cdx.BOM) (string, error) {
	ns := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/bulwark-sec/bulwark/cyclonedx"))
	h := sha1.New()
	h.Write(ns[:])
	saved := bom.SerialNumber
	bom.SerialNumber = ""
	err := json.NewEncoder(h).Encode(bom)
	bom.SerialNumber = saved
	if err != nil {
		return "", fmt.Errorf("hashing CycloneDX document: %w", err)
	}
	var u uuid.UUID
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC variant
	return "urn:uuid:" + u.String(), nil
}
