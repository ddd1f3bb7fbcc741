// Command bulwark finds container-security weaknesses: it lints
// Dockerfiles today, and grows to images, runtime configuration,
// Kubernetes manifests and runtime events.
package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"runtime/debug"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes, documented in the README.
const (
	exitOK         = 0 // nothing at or above the threshold
	exitFindings   = 1 // findings at or above the threshold
	exitUsage      = 2 // usage or configuration error
	exitIncomplete = 3 // scan incomplete: unreadable or unparsable input
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// env is what a command needs from the process, so tests can run it in
// process.
type env struct {
	stdout, stderr io.Writer
	// terminal reports whether w is a terminal (for colour and progress).
	terminal func(w io.Writer) bool
	getenv   func(string) string
}

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func usageErr(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "bulwark",
		Short: "Find container-security weaknesses, from Dockerfile to runtime",
		Long: `Bulwark checks what a container-security expert would check and reports each
weakness with its exact location, why it matters and how to fix it.

Exit codes:
  0  no finding at or above the --fail-on threshold
  1  findings at or above the threshold
  2  usage or configuration error
  3  scan incomplete: an input could not be read or parsed`,
		Version:       toolVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: fmt.Errorf("%w (run '%s --help' for usage)", err, c.CommandPath())}
	})
	root.AddCommand(newScanCmd(e), newDockerCmd(e), newRulesCmd(e), newFixCmd(e), newNetpolCmd(e), newRBACCmd(e), newAuditPolicyCmd(e), newDBCmd(e), newImageCmd(e), newWatchCmd(e), newVersionCmd(e))
	return root
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(e.stdout, "bulwark %s\n", toolVersion())
			return nil
		},
	}
}

// run runs the command line and returns the exit code.
func run(args []string, e *env) int {
	root := newRoot(e)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(e.stderr, "bulwark: %v\n", ee.err)
		}
		return ee.code
	}
	// Unknown commands and arguments are usage errors.
	fmt.Fprintf(e.stderr, "bulwark: %v\n", err)
	return exitUsage
}

func main() {
	stderr := os.Stderr
	quietLibraries(stderr)
	e := &env{
		stdout: os.Stdout,
		stderr: stderr,
		terminal: func(w io.Writer) bool {
			f, ok := w.(*os.File)
			return ok && term.IsTerminal(int(f.Fd()))
		},
		getenv: os.Getenv,
	}
	os.Exit(run(os.Args[1:], e))
}

// quietLibraries drops what libraries print: the program owns its output,
// and commands write only to the env's streams. compose-go logs through
// logrus's global logger, Helm and kustomize through the standard logger,
// client-go through klog (to os.Stderr), and kustomize writes deprecation
// warnings to os.Stderr itself; os.Stderr is pointed at the null device
// (a crash still reaches the terminal: the runtime writes to the file
// descriptor).
//
// The standard logger is the exception: kustomize ends the process with
// log.Fatal on some internal errors, and a process that exits 1 without a
// word would read as "findings". Its lines go to the real standard error,
// marked as the library's.
func quietLibraries(stderr io.Writer) {
	logrus.SetOutput(io.Discard)
	log.SetOutput(stderr)
	log.SetFlags(0)
	log.SetPrefix("bulwark: library: ")
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stderr = null
	}
}
