// Command tracebound is a bounded model checker for Tamarin (.spthy)
// protocol models.
//
// Exit status: 0 success; 1 a model error for parse, a falsified lemma
// or missing witness for check; 2 a usage error (and for check, a model
// error); 3 an unknown verdict; 4 an internal error.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes; documented in the README and relied on by CI users.
const (
	exitOK       = 0
	exitFailed   = 1 // model errors; falsified lemmas
	exitUsage    = 2
	exitUnknown  = 3
	exitInternal = 4 // a trace failed replay: a bug in tracebound
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

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
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
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newParseCmd(), newCheckCmd(), newReachCmd(), newQueryCmd(), newRulesCmd())
	return root
}
