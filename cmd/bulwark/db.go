package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/vuln/db"
	"github.com/bulwark-sec/bulwark/vuln/fetch"
)

func newDBCmd(e *env) *cobra.Command { return newDBCmdWith(e, &dbFlags{}) }

// newDBCmdWith builds the db command around f (tests pass a dialer).
func newDBCmdWith(e *env, f *dbFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the vulnerability database (built from OSV data)",
		Long: `Manage the vulnerability database that image scanning matches packages against.
It is built from OSV data: per-ecosystem all.zip archives from
https://osv-vulnerabilities.storage.googleapis.com/<ECOSYSTEM>/all.zip ('db update'
downloads them), or local archives and folders of OSV JSON records ('db import').
The default location is <user cache dir>/bulwark/db/osv.db.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usageErr("db needs a subcommand: update, import or status (run 'bulwark db --help')")
		},
	}
	f.registerPath(cmd.PersistentFlags())
	f.registerOffline(cmd.PersistentFlags())
	dbPath := f.dbPath

	imp := &cobra.Command{
		Use:   "import PATH...",
		Short: "Build the database from OSV all.zip archives or folders of OSV JSON records",
		Long: `Build the database from OSV all.zip archives, folders of OSV JSON records or
single records. The new database replaces the old one only when the whole import
succeeded; withdrawn records are left out.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("db import needs at least one PATH (an all.zip or a folder of OSV JSON)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			p, err := dbPath()
			if err != nil {
				return err
			}
			opts := db.ImportOptions{}
			if e.terminal(e.stderr) {
				start := time.Now()
				opts.Progress = func(pr db.Progress) {
					state := "reading"
					if pr.Done {
						state = "read"
					}
					fmt.Fprintf(e.stderr, "\r%s %s: %d records (%s)\x1b[K", state, pr.Input, pr.Records, time.Since(start).Round(time.Second))
					if pr.Done {
						fmt.Fprintln(e.stderr)
					}
				}
			}
			ctx := c.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			st, err := db.Import(ctx, p, args, opts)
			if err != nil {
				return &exitError{code: exitIncomplete, err: fmt.Errorf("db import: %w (the existing database, if any, is unchanged)", err)}
			}
			fmt.Fprintf(e.stdout, "imported %d records into %s (%s)\n", st.Records, st.Path, humanSize(st.Size))
			if st.Withdrawn+st.Invalid+st.Duplicates > 0 {
				fmt.Fprintf(e.stdout, "left out: %d withdrawn, %d invalid, %d older duplicates\n", st.Withdrawn, st.Invalid, st.Duplicates)
			}
			for _, s := range st.InvalidSamples {
				fmt.Fprintf(e.stdout, "  invalid: %s\n", s)
			}
			return nil
		},
	}

	var format string
	status := &cobra.Command{
		Use:   "status",
		Short: "Show the database's ecosystems, record counts and age",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return usageErr("--format must be table or json, not %q", format)
			}
			p, err := dbPath()
			if err != nil {
				return err
			}
			d, err := openDB(p)
			if err != nil {
				return err
			}
			defer d.Close()
			st, err := d.Status()
			if err != nil {
				return &exitError{code: exitIncomplete, err: err}
			}
			if err := writeDBStatus(e.stdout, st, format); err != nil {
				return &exitError{code: exitIncomplete, err: fmt.Errorf("writing output: %w", err)}
			}
			return nil
		},
	}
	status.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.AddCommand(newDBUpdateCmd(e, f), imp, status)
	return cmd
}

func writeDBStatus(w io.Writer, st db.Status, format string) error {
	if format == "json" {
		out := struct {
			Path string `json:"path"`
			Size int64  `json:"size"`
			// AgeSeconds is the time since the build, for scripts
			// that check freshness.
			AgeSeconds int64 `json:"age_seconds"`
			db.Status
		}{st.Path, st.Size, int64(st.Age(time.Now()) / time.Second), st}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "database:\t%s (%s, schema %s)\n", st.Path, humanSize(st.Size), st.Schema)
	fmt.Fprintf(tw, "built:\t%s (%s ago)\n", st.BuiltAt.Format(time.RFC3339), db.FormatAge(st.Age(time.Now())))
	fmt.Fprintf(tw, "records:\t%d (left out: %d withdrawn, %d invalid)\n", st.Records, st.Withdrawn, st.Invalid)
	fmt.Fprintln(tw, "\nECOSYSTEM\tRECORDS")
	for _, ec := range st.Ecosystems {
		fmt.Fprintf(tw, "%s\t%d\n", ec.Name, ec.Records)
	}
	fmt.Fprintln(tw, "\nSOURCE\tKIND\tRECORDS")
	for _, s := range st.Sources {
		path := s.Path
		if s.Origin != nil {
			path = s.Origin.URL
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\n", path, s.Kind, s.Records)
	}
	return tw.Flush()
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// openDB opens the vulnerability database read-only; a missing one is an
// incomplete run (exit 3) whose message says how to build it.
func openDB(path string) (*db.DB, error) {
	d, err := db.Open(path)
	if err != nil {
		if errors.Is(err, db.ErrNoDatabase) {
			err = fmt.Errorf("%w: download one with 'bulwark db update', or build one with 'bulwark db import PATH' from OSV all.zip archives", err)
		}
		return nil, &exitError{code: exitIncomplete, err: err}
	}
	return d, nil
}

// dbSourceEnv names the environment variable that lists db update's
// sources when --source is not given.
const dbSourceEnv = "BULWARK_DB_SOURCE"

func newDBUpdateCmd(e *env, f *dbFlags) *cobra.Command {
	var (
		sources, ecosystems []string
		checksumFile        string
		requireChecksum     bool
		force               bool
	)
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download OSV's per-ecosystem archives and rebuild the database from them",
		Long: `Download the OSV all.zip archive of each ecosystem from <SOURCE>/<Ecosystem>/all.zip
and rebuild the database from them. The default source is OSV's public bucket,
` + db.DefaultSource + `; --source (repeated, or comma-separated, or the
` + dbSourceEnv + ` environment variable) names mirrors, tried in order for each archive.

The default ecosystems are those Bulwark reads packages of: ` + strings.Join(db.DefaultEcosystems(), ", ") + `.
--ecosystem (repeated or comma-separated) names others. An ecosystem that no
source has (404) fails the update: a database silently missing an ecosystem would
report its packages as free of vulnerabilities.

Network errors, 429 and 5xx answers are retried with exponential back-off and
jitter (Retry-After honoured, capped at 2 minutes); each archive is checked against
the checksums the source gives (OSV's bucket: the x-goog-hash crc32c and md5), a
<url>.sha256 sidecar a mirror may serve, or a --checksum manifest in sha256sum
format ("<sha256>  <Ecosystem>/all.zip" per line). Archives are kept in
osv-archives/ beside the database: an archive the source reports unchanged
(ETag) is not downloaded again, and the database is not rebuilt when it already
holds exactly these archives.

The new database replaces the old one only when everything succeeded: a failed
or interrupted update leaves the existing database as it was (exit 3).`,
		Example: `  bulwark db update
  bulwark db update --ecosystem Debian --ecosystem npm
  bulwark db update --source https://mirror.example/osv --source ` + db.DefaultSource + `
  bulwark db update --source https://mirror.example/osv --checksum osv.sha256 --require-checksum`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := f.requireNetwork("db update", "use 'bulwark db import PATH' with archives fetched elsewhere"); err != nil {
				return err
			}
			opts := db.UpdateOptions{RequireChecksum: requireChecksum, Force: force}
			srcs := splitList(sources, ",")
			if len(srcs) == 0 {
				srcs = splitList([]string{e.getenv(dbSourceEnv)}, ", \t\n")
			}
			for _, s := range srcs {
				if err := db.ValidSource(s); err != nil {
					return usageErr("--source: %v", err)
				}
			}
			opts.Sources = srcs
			opts.Ecosystems = splitList(ecosystems, ",")
			for _, eco := range opts.Ecosystems {
				if err := db.ValidEcosystem(eco); err != nil {
					return usageErr("--ecosystem: %v", err)
				}
			}
			if checksumFile != "" {
				fh, err := os.Open(checksumFile)
				if err != nil {
					return usageErr("--checksum: %v", err)
				}
				opts.Checksums, err = db.ParseChecksums(fh)
				fh.Close()
				if err != nil {
					return usageErr("--checksum %s: %v", checksumFile, err)
				}
			}
			p, err := f.dbPath()
			if err != nil {
				return err
			}
			client := &fetch.Client{Transport: f.transport(), UserAgent: "bulwark/" + toolVersion(), Sleep: f.sleep}
			opts.Client = client
			if e.terminal(e.stderr) {
				start := time.Now()
				client.Progress = func(pr fetch.Progress) {
					switch {
					case pr.Retry:
						fmt.Fprintf(e.stderr, "\r%v; retrying in %s\x1b[K\n", pr.Err, pr.Wait.Round(100*time.Millisecond))
					case pr.Total > 0:
						fmt.Fprintf(e.stderr, "\rdownloading %s: %s of %s\x1b[K", pr.URL, humanSize(pr.Bytes), humanSize(pr.Total))
					default:
						fmt.Fprintf(e.stderr, "\rdownloading %s: %s\x1b[K", pr.URL, humanSize(pr.Bytes))
					}
				}
				opts.Import.Progress = func(pr db.Progress) {
					fmt.Fprintf(e.stderr, "\rimporting %s: %d records (%s)\x1b[K", filepath.Base(filepath.Dir(pr.Input)), pr.Records, time.Since(start).Round(time.Second))
				}
			}
			ctx := c.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			res, err := db.Update(ctx, p, opts)
			if e.terminal(e.stderr) {
				fmt.Fprint(e.stderr, "\r\x1b[K")
			}
			if err != nil {
				hint := ""
				if errors.Is(err, fetch.ErrNotFound) {
					hint = "; check the --ecosystem names (OSV lists them in " + db.DefaultSource + "/ecosystems.txt)"
				}
				return &exitError{code: exitIncomplete, err: fmt.Errorf("%w%s (the existing database, if any, is unchanged)", err, hint)}
			}
			for _, ar := range res.Archives {
				state := fmt.Sprintf("downloaded %s from %s", humanSize(ar.Size), ar.Origin.URL)
				if ar.NotModified {
					state = fmt.Sprintf("unchanged (%s, %s)", humanSize(ar.Size), ar.Origin.URL)
				}
				verified := "no checksum available"
				if len(ar.Origin.Verified) > 0 {
					verified = "verified " + strings.Join(ar.Origin.Verified, ", ")
				}
				fmt.Fprintf(e.stdout, "%s: %s, %s\n", ar.Ecosystem, state, verified)
				if len(ar.Origin.Verified) == 0 && !ar.NotModified {
					fmt.Fprintf(e.stderr, "bulwark: warning: %s: the source gave no checksum to verify the archive against (pass --checksum, or --require-checksum to refuse such archives)\n", ar.Origin.URL)
				}
			}
			st := res.Status
			if !res.Rebuilt {
				fmt.Fprintf(e.stdout, "database %s is up to date: %d records, built %s\n", st.Path, st.Records, st.BuiltAt.Format(time.RFC3339))
				return nil
			}
			fmt.Fprintf(e.stdout, "updated %s: %d records (%s)\n", st.Path, st.Records, humanSize(st.Size))
			if st.Withdrawn+st.Invalid+st.Duplicates > 0 {
				fmt.Fprintf(e.stdout, "left out: %d withdrawn, %d invalid, %d older duplicates\n", st.Withdrawn, st.Invalid, st.Duplicates)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&sources, "source", nil, "base URL of OSV archives, <URL>/<Ecosystem>/all.zip; repeat or comma-separate for mirrors tried in order (default $"+dbSourceEnv+", else "+db.DefaultSource+")")
	fl.StringArrayVar(&ecosystems, "ecosystem", nil, "OSV ecosystem to download; repeat or comma-separate (default: the ecosystems Bulwark reads)")
	fl.StringVar(&checksumFile, "checksum", "", "manifest of SHA-256 digests in sha256sum format, \"<sha256>  <Ecosystem>/all.zip\" per line; every archive must be listed and match")
	fl.BoolVar(&requireChecksum, "require-checksum", false, "refuse an archive that no checksum (x-goog-hash, .sha256 sidecar or --checksum) verifies")
	fl.BoolVar(&force, "force", false, "download every archive again and rebuild even when nothing changed")
	return cmd
}

// splitList splits each value on any of seps and drops empty parts.
func splitList(values []string, seps string) []string {
	var out []string
	for _, v := range values {
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}
