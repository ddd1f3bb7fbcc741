package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/vuln/db"
)

func newDBCmd(e *env) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the vulnerability database (built from OSV data)",
		Long: `Manage the vulnerability database that image scanning matches packages against.
It is built from OSV data: per-ecosystem all.zip archives from
https://osv-vulnerabilities.storage.googleapis.com/<ECOSYSTEM>/all.zip, or folders of OSV JSON records.
The default location is <user cache dir>/bulwark/db/osv.db.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return usageErr("db needs a subcommand: import or status (run 'bulwark db --help')")
		},
	}
	cmd.PersistentFlags().StringVar(&path, "db", "", "database file (default <user cache dir>/bulwark/db/osv.db)")
	dbPath := func() (string, error) {
		if path != "" {
			return path, nil
		}
		p, err := db.DefaultPath()
		if err != nil {
			return "", &exitError{code: exitUsage, err: fmt.Errorf("%w; pass --db", err)}
		}
		return p, nil
	}

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
	cmd.AddCommand(imp, status)
	return cmd
}

func writeDBStatus(w io.Writer, st db.Status, format string) error {
	if format == "json" {
		out := struct {
			Path string `json:"path"`
			Size int64  `json:"size"`
			db.Status
		}{st.Path, st.Size, st}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "database:\t%s (%s, schema %s)\n", st.Path, humanSize(st.Size), st.Schema)
	fmt.Fprintf(tw, "built:\t%s (%s ago)\n", st.BuiltAt.Format(time.RFC3339), time.Since(st.BuiltAt).Round(time.Minute))
	fmt.Fprintf(tw, "records:\t%d (left out: %d withdrawn, %d invalid)\n", st.Records, st.Withdrawn, st.Invalid)
	fmt.Fprintln(tw, "\nECOSYSTEM\tRECORDS")
	for _, ec := range st.Ecosystems {
		fmt.Fprintf(tw, "%s\t%d\n", ec.Name, ec.Records)
	}
	fmt.Fprintln(tw, "\nSOURCE\tKIND\tRECORDS")
	for _, s := range st.Sources {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", s.Path, s.Kind, s.Records)
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
			err = fmt.Errorf("%w: build one with 'bulwark db import PATH' from OSV all.zip archives", err)
		}
		return nil, &exitError{code: exitIncomplete, err: err}
	}
	return d, nil
}
