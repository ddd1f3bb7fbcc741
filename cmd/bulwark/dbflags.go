package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/bulwark-sec/bulwark/vuln/db"
	"github.com/bulwark-sec/bulwark/vuln/fetch"
)

// defaultDBMaxAge is the age from which a database is stale by default.
const defaultDBMaxAge = 7 * 24 * time.Hour

// dbFlags are the vulnerability-database flags shared by the commands that
// read the database (image) or fetch it (db update): where it is, whether
// the network may be used, and how old it may be.
type dbFlags struct {
	path         string
	offline      bool
	maxAge       time.Duration
	maxAgeAction string // warn or fail

	// dial is the dialer of every transport the command builds (nil: a
	// net.Dialer); the seam tests use to prove --offline dials nothing.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// now is the clock for the age check (nil: time.Now).
	now func() time.Time
	// sleep waits between download attempts (nil: a timer); tests
	// record the waits instead.
	sleep func(ctx context.Context, d time.Duration) error
}

// registerPath adds --db.
func (f *dbFlags) registerPath(fs *pflag.FlagSet) {
	fs.StringVar(&f.path, "db", "", "vulnerability database file (default <user cache dir>/bulwark/db/osv.db)")
}

// register adds --db, --offline, --db-max-age and --db-max-age-action.
func (f *dbFlags) register(fs *pflag.FlagSet) {
	f.registerPath(fs)
	f.registerOffline(fs)
	f.maxAge = defaultDBMaxAge
	fs.Var((*ageValue)(&f.maxAge), "db-max-age", "age from which the vulnerability database is stale, e.g. 36h, 7d or 0 for no limit")
	fs.StringVar(&f.maxAgeAction, "db-max-age-action", "warn", "when the database is older than --db-max-age: warn (on standard error) or fail (exit 3)")
}

// registerOffline adds --offline.
func (f *dbFlags) registerOffline(fs *pflag.FlagSet) {
	fs.BoolVar(&f.offline, "offline", false, "never use the network: no connection is made (a local engine's socket, for docker:NAME, is still used)")
}

// validate checks the flag values; a bad one is a usage error.
func (f *dbFlags) validate() error {
	switch f.maxAgeAction {
	case "", "warn", "fail":
	default:
		return usageErr("--db-max-age-action must be warn or fail, not %q", f.maxAgeAction)
	}
	return nil
}

// dbPath returns --db or the default location.
func (f *dbFlags) dbPath() (string, error) {
	if f.path != "" {
		return f.path, nil
	}
	p, err := db.DefaultPath()
	if err != nil {
		return "", &exitError{code: exitUsage, err: fmt.Errorf("%w; pass --db", err)}
	}
	return p, nil
}

// open opens the database read-only and checks its age. A missing or
// unreadable database exits 3 with how to get one; a database older than
// --db-max-age prints a warning on e's standard error, or, with
// --db-max-age-action fail, exits 3 (the scan would be incomplete: recent
// vulnerabilities would be missed).
func (f *dbFlags) open(e *env) (*db.DB, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	path, err := f.dbPath()
	if err != nil {
		return nil, err
	}
	d, err := openDB(path)
	if err != nil {
		return nil, err
	}
	st, err := d.Status()
	if err != nil {
		d.Close()
		return nil, &exitError{code: exitIncomplete, err: fmt.Errorf("%s: %w (build it again with 'bulwark db update')", path, err)}
	}
	now := time.Now
	if f.now != nil {
		now = f.now
	}
	if err := st.CheckAge(now(), f.maxAge); err != nil {
		if f.maxAgeAction == "fail" {
			d.Close()
			return nil, &exitError{code: exitIncomplete, err: fmt.Errorf("%w: run 'bulwark db update' (or raise --db-max-age)", err)}
		}
		fmt.Fprintf(e.stderr, "bulwark: warning: %v: run 'bulwark db update'\n", err)
	}
	return d, nil
}

// requireNetwork returns a usage error (exit 2) when --offline is set:
// what (e.g. "a registry reference") needs the network, and alt says what
// to do instead. nil when the network may be used.
func (f *dbFlags) requireNetwork(what, alt string) error {
	if !f.offline {
		return nil
	}
	if alt != "" {
		return usageErr("%s needs the network, which --offline forbids (%s)", what, alt)
	}
	return usageErr("%s needs the network, which --offline forbids", what)
}

// transport returns the HTTP transport of the command's network access:
// with --offline one that refuses every request without opening a socket
// (fetch.Offline), else one with bounded timeouts that dials through f.dial.
// Registry access (bulwark image) and db update both go through it.
func (f *dbFlags) transport() http.RoundTripper {
	if f.offline {
		return fetch.Offline{}
	}
	return fetch.NewTransport(f.dial)
}

// ageValue is a pflag.Value for a duration that also accepts days ("7d",
// "1d12h"); "0" means no limit.
type ageValue time.Duration

func (a *ageValue) String() string {
	d := time.Duration(*a)
	if d == 0 {
		return "0"
	}
	return db.FormatAge(d)
}

func (a *ageValue) Set(s string) error {
	d, err := parseAge(s)
	if err != nil {
		return err
	}
	*a = ageValue(d)
	return nil
}

func (a *ageValue) Type() string { return "duration" }

// parseAge reads a non-negative duration in Go's syntax with an optional
// leading number of days: "7d", "1d12h", "36h", "90m", "0".
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseUint(s[:i], 10, 16)
		if err != nil {
			return 0, fmt.Errorf("%q: want a duration such as 7d, 36h or 90m", s)
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q: want a duration such as 7d, 36h or 90m", s)
	}
	return days + d, nil
}
