package container

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/bulwark-sec/bulwark/finding"
)

// maxEnvFileBytes bounds an env file read for analysis.
const maxEnvFileBytes = 1 << 20

var envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// parseEnvFile reads KEY=VALUE lines as Compose does: blank lines and '#'
// comments are skipped, "export " is allowed, a value may be quoted, an
// unquoted value ends at " #", and a bare KEY takes its value from the
// caller's environment (HasValue false). Variables are kept as written.
func parseEnvFile(path string, data []byte) []EnvVar {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var out []EnvVar
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		col := len([]rune(line)) - len([]rune(strings.TrimLeft(line, " \t"))) + 1
		if rest, ok := strings.CutPrefix(trimmed, "export "); ok {
			col += len("export ")
			trimmed = strings.TrimLeft(rest, " \t")
		}
		name, value, hasValue := strings.Cut(trimmed, "=")
		name = strings.TrimSpace(name)
		if !envNameRe.MatchString(name) {
			continue
		}
		if hasValue {
			value = unquoteEnvValue(strings.TrimSpace(value))
		}
		out = append(out, EnvVar{
			Name: name, Value: value, HasValue: hasValue,
			Unknown: hasValue && len(variables(value)) > 0,
			Loc: finding.Location{
				Path:   path,
				Start:  finding.Position{Line: i + 1, Column: col},
				End:    finding.Position{Line: i + 1, Column: len([]rune(line)) + 1},
				Object: name,
			},
		})
	}
	return out
}

func unquoteEnvValue(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
		if j := strings.LastIndexByte(v, v[0]); j > 0 {
			inner := v[1:j]
			if v[0] == '"' {
				inner = strings.NewReplacer(`\n`, "\n", `\"`, `"`, `\\`, `\`).Replace(inner)
			}
			return inner
		}
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	return v
}

// readBounded reads a regular file of at most limit bytes. It refuses
// devices, FIFOs and folders, which could block or never end.
func readBounded(p string, limit int64) ([]byte, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("file is %d bytes, larger than the %d-byte limit", fi.Size(), limit)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("file is larger than the %d-byte limit", limit)
	}
	return data, nil
}
