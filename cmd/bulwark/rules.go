package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bulwark-sec/bulwark/docs"
	"github.com/bulwark-sec/bulwark/rules"
)

func newRulesCmd(e *env) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "rules",
		Short: "List the rules",
		Long:  "List every rule with its ID, severity, slug and title. 'bulwark rules explain ID' prints one rule's documentation.",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			reg, err := rules.Registry()
			if err != nil {
				return err
			}
			switch strings.ToLower(format) {
			case "table":
				for _, r := range reg.All() {
					fmt.Fprintf(e.stdout, "%-6s %-8s %-32s %s\n", r.ID, r.Severity, r.Slug, r.Title)
				}
			case "json":
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(docs.Catalog(reg.All()))
			case "markdown":
				_, err := fmt.Fprint(e.stdout, docs.Index(reg.All()))
				return err
			default:
				return usageErr("--format: want table, json or markdown")
			}
			return nil
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "table", "table, json or markdown")
	c.AddCommand(&cobra.Command{
		Use:   "explain ID",
		Short: "Print a rule's documentation (by ID, slug, or a hadolint, Trivy or BuildKit ID)",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			reg, err := rules.Registry()
			if err != nil {
				return err
			}
			rs := reg.Resolve(args[0])
			if len(rs) == 0 {
				return usageErr("unknown rule %q (see 'bulwark rules')", args[0])
			}
			for i, r := range rs {
				if i > 0 {
					fmt.Fprintln(e.stdout)
				}
				if _, err := fmt.Fprint(e.stdout, docs.Page(r)); err != nil {
					return err
				}
			}
			return nil
		},
	})
	c.AddCommand(newRulesLintCmd(e))
	return c
}
