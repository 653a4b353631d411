// Command tracebound is a bounded model checker for Tamarin (.spthy)
// protocol models.
//
// Exit status: 0 success; 1 a model error (or, for check, a falsified
// lemma); 2 a usage error; 3 an unknown verdict.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes; documented in the README and relied on by CI users.
const (
	exitOK      = 0
	exitFailed  = 1 // model errors; falsified lemmas
	exitUsage   = 2
	exitUnknown = 3
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
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "tracebound:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors: unknown command or flag, wrong arguments
	fmt.Fprintln(os.Stderr, "tracebound:", err)
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
	root.AddCommand(newParseCmd(), newCheckCmd())
	return root
}
