// Command tracebound is a bounded model checker for Tamarin (.spthy)
// protocol models.
//
// Exit status (the README's "Exit status" table): 0 success; 1 a model
// error for parse, a falsified lemma or missing witness for check; 2 a
// usage error (and for check, a model error); 3 an unknown verdict; 4
// an internal error; 130 and 143 a run stopped by SIGINT or SIGTERM.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes; documented in the README and relied on by CI users.
const (
	exitOK       = 0
	exitFailed   = 1 // model errors (parse); falsified lemmas (check)
	exitUsage    = 2
	exitUnknown  = 3
	exitInternal = 4 // a trace failed replay: a bug in tracebound
	exitSIGINT   = 130
	exitSIGTERM  = 143
)

// exitError carries an exit status out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func main() {
	tuneGC()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if perr := stopProfile(); perr != nil {
		fmt.Fprintln(stderr, "tracebound: --cpuprofile:", perr)
	}
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "tracebound:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors: unknown command or flag, wrong arguments
	fmt.Fprintln(stderr, "tracebound:", err)
	return exitUsage
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "tracebound",
		Short: "Bounded model checking for Tamarin protocol models",
		Long: `tracebound reads security-protocol models written in the Tamarin prover's
.spthy language and answers bounded questions about them: is there a trace
of at most k steps that violates a lemma, witnesses an exists-trace lemma,
or reaches a fact?`,
		// the text is versionString's, asked for only when printed: it
		// names Z3's version, and Z3 is loaded when first called
		// (solver/z3lazy.c)
		Version:       "tracebound",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cobra.AddTemplateFunc("versionString", versionString)
	root.SetVersionTemplate("{{versionString}}\n")
	addProfileFlags(root)
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(newParseCmd(), newCheckCmd(), newReachCmd(), newQueryCmd(), newRulesCmd(), newMergeCmd(), newVersionCmd())
	return root
}

// tamarinFlags are Tamarin's command-line flags without a counterpart
// here, with what to do instead (--prove and --defines are accepted).
var tamarinFlags = map[string]string{
	"heuristic":          "tracebound has no proof heuristics: it searches bounded traces",
	"auto-sources":       "tracebound needs no sources lemmas",
	"stop-on-trace":      "tracebound stops at the first (shortest) trace of each lemma anyway",
	"bound":              "use --depth K for the largest number of protocol steps",
	"derivcheck-timeout": "tracebound has no derivation checks; --timeout limits each lemma",
	"diff":               "observational equivalence is not supported yet",
	"output-json":        "use -f json -o FILE",
	"output-dot":         "use -f dot -o FILE (or -o DIR/ for one file per lemma)",
	"interactive":        "tracebound has no interactive mode",
	"oraclename":         "tracebound has no proof oracles",
}

// flagError adds a hint to an unknown flag that is one of Tamarin's.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		if hint, ok := tamarinFlags[name]; ok {
			return usageError("%s (a Tamarin flag: %s)", msg, hint)
		}
	}
	return usageError("%s (see %s --help)", msg, cmd.CommandPath())
}

// positive returns an error unless a flag that was given is ≥ min.
func atLeast(f *pflag.FlagSet, name string, v, min int) error {
	if f.Changed(name) && v < min {
		return usageError("--%s must be at least %d, not %d", name, min, v)
	}
	return nil
}
