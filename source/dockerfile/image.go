package dockerfile

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// ImageRef is a base image reference split into its parts.
type ImageRef struct {
	// Raw is the reference after variable expansion.
	Raw string
	// Registry is the registry host, or "" for Docker Hub.
	Registry string
	// Repository is the path without registry ("library/ubuntu" is kept
	// as written: "ubuntu").
	Repository string
	// Tag is the tag, or "" when none is written.
	Tag string
	// Digest is the digest, or "".
	Digest string
}

// Name returns the last path element of the repository ("node" for
// "docker.io/library/node").
func (r ImageRef) Name() string {
	return r.Repository[strings.LastIndex(r.Repository, "/")+1:]
}

// ParseImageRef splits a reference. It does not validate it.
func ParseImageRef(s string) ImageRef {
	r := ImageRef{Raw: s}
	rest := s
	if i := strings.Index(rest, "@"); i >= 0 {
		r.Digest = rest[i+1:]
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, ":"); i >= 0 && !strings.Contains(rest[i:], "/") {
		r.Tag = rest[i+1:]
		rest = rest[:i]
	}
	if i := strings.Index(rest, "/"); i >= 0 {
		first := rest[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" {
			r.Registry = first
			rest = rest[i+1:]
		}
	}
	r.Repository = rest
	return r
}

type argEnv map[string]string

func (e argEnv) Get(k string) (string, bool) { v, ok := e[k]; return v, ok }
func (e argEnv) Keys() []string {
	ks := make([]string, 0, len(e))
	for k := range e {
		ks = append(ks, k)
	}
	return ks
}

// GlobalArgDefaults returns the default values of the global ARGs that
// have one.
func (f *File) GlobalArgDefaults() map[string]string {
	env := map[string]string{}
	for _, in := range f.GlobalArgs {
		for _, kv := range in.Args {
			if k, v, ok := strings.Cut(kv.Value, "="); ok {
				env[k] = strings.Trim(v, `"'`)
			}
		}
	}
	return env
}

// BaseImage returns the stage's base image with global ARG defaults
// expanded. ok is false when a variable has no default, so the reference
// cannot be known statically.
func (f *File) BaseImage(s *Stage) (ref ImageRef, ok bool) {
	if !strings.Contains(s.Image, "$") {
		return ParseImageRef(s.Image), true
	}
	lex := shell.NewLex(f.Escape)
	res, err := lex.ProcessWordWithMatches(s.Image, argEnv(f.GlobalArgDefaults()))
	if err != nil || len(res.Unmatched) > 0 || res.Result == "" {
		return ImageRef{Raw: s.Image}, false
	}
	return ParseImageRef(res.Result), true
}
