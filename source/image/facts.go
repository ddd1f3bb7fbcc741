package image

import (
	"io/fs"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulwark-sec/bulwark/finding"
)

// Facts is what image rules (kind rule.Image) examine: the image's
// identity, config and history, and what the layer walk noted about its
// files. Everything in it is already read; rules do no I/O.
type Facts struct {
	// Ref is the reference the user gave (also the Path of findings).
	Ref string
	// ID is the image ID (config digest).
	ID string
	// Config is the image config; never nil (an empty config when the
	// image has none).
	Config *v1.ConfigFile
	// Layers are the image's layers, bottom first, with the history line
	// that created each (Layer.Layer may be nil in Facts built by tests).
	Layers []Layer
	// Special are the files with setuid or setgid bits visible in the
	// final file system, by path.
	Special []FileFact
	// Programs are well-known programs present in the final file system
	// (shells, package managers, network tools), by path ("bin/sh",
	// "usr/bin/apt-get"), whether regular files or links.
	Programs []FileFact
	// Secrets are credentials found in file contents of any layer,
	// including files a later layer deleted or overwrote.
	Secrets []Secret
}

// FileFact is a file of the final file system and the layer that wrote it.
type FileFact struct {
	// Path is clean and relative to the image root ("usr/bin/passwd").
	Path  string
	Mode  fs.FileMode
	Layer int
}

// Secret is a credential found in a file of a layer.
type Secret struct {
	// Path is the file, relative to the image root.
	Path string
	// Layer is the index of the layer that holds the file.
	Layer int
	// RemovedBy is the index of the layer that deleted or overwrote the
	// file, or -1 when it is visible in the final image.
	RemovedBy int
	// Kind names the kind of credential ("aws-access-key-id",
	// "private-key"); Title describes it for people.
	Kind, Title string
	// Severity is how bad a leak of this kind is.
	Severity finding.Severity
	// Line is the 1-based line of the match in the file (0 when unknown).
	Line int
	// Redacted is the match with most of its secret part masked; the
	// whole secret is never kept.
	Redacted string
}
