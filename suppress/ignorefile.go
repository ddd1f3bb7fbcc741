package suppress

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// Bounds of an ignore file: hostile input gets an error, not unbounded
// work.
const (
	maxIgnoreFileLines = 100_000
	maxIgnoreLineBytes = 64 << 10
)

// ParseIgnoreFile reads a list of IDs to suppress in the form of Trivy's
// .trivyignore: one rule or vulnerability ID a line, blank lines and lines
// starting with '#' skipped, an optional "exp:YYYY-MM-DD" field giving the
// last day the line applies and an optional "# reason" after the fields.
// A line without a reason takes the comment lines just above it, else
// "listed in NAME". Each line becomes one entry; name is the file's name
// for sources ("NAME:LINE").
func ParseIgnoreFile(name string, r io.Reader) ([]Ignore, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxIgnoreLineBytes)
	var (
		out     []Ignore
		comment []string
		n       int
	)
	for sc.Scan() {
		n++
		if n > maxIgnoreFileLines {
			return nil, fmt.Errorf("%s: more than %d lines", name, maxIgnoreFileLines)
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			comment = nil
			continue
		}
		if rest, ok := strings.CutPrefix(line, "#"); ok {
			if c := strings.TrimSpace(rest); c != "" {
				comment = append(comment, c)
			}
			continue
		}
		body, reason, _ := strings.Cut(line, "#")
		reason = strings.TrimSpace(reason)
		if reason == "" {
			reason = strings.Join(comment, " ")
		}
		if reason == "" {
			reason = "listed in " + name
		}
		comment = nil
		fields := strings.Fields(body)
		ig := Ignore{Rules: fields[:1], Reason: reason, File: name, Line: n}
		for _, f := range fields[1:] {
			exp, ok := strings.CutPrefix(f, "exp:")
			if !ok {
				return nil, fmt.Errorf("%s:%d: unexpected %q after the ID (want exp:YYYY-MM-DD or a # comment)", name, n, f)
			}
			if _, err := time.Parse(time.DateOnly, exp); err != nil {
				return nil, fmt.Errorf("%s:%d: exp:%s is not a YYYY-MM-DD date", name, n, exp)
			}
			ig.Expires = exp
		}
		out = append(out, ig)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}
