package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/queries/format"
	"github.com/tracebound/tracebound/rules"
)

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func newReachCmd() *cobra.Command {
	var mf modelFlags
	var opts queries.Options
	var out outputFlags
	var af answerFlags
	cmd := &cobra.Command{
		Use:   "reach FILE PATTERN",
		Short: "Is there a trace in which a rule produces a fact (or records an action) matching a pattern?",
		Long: `reach asks whether some trace of at most --depth steps has a rule instance
that produces a fact matching PATTERN (a state fact, a persistent fact, an
Out message) or records an action matching it. PATTERN is a fact in
Tamarin syntax with variables, constants, function applications and _
wildcards:

  tracebound reach examples/nspk.spthy 'RespWaiting($B, A, na, _)'
  tracebound reach examples/nspk.spthy '!SecretKey(_, _)'
  tracebound reach examples/nspk.spthy 'Out(aenc(<'"'"'m3'"'"', nb>, _))'

The answer is "reachable" with a shortest witness trace (the step that
produces the fact is marked #i; every format of check works), or
"unreachable up to bound" with every bound, and, when the model has
restrictions, the smallest set of restrictions without which the fact is
reachable (--explain shows that trace). --witnesses N shows up to N traces
that differ in the multiset of rules they use.

A pattern naming a fact no rule produces or records, or with another
arity or persistence than the model's, is a usage error (status 2) that
lists the facts of that name or the closest names (did you mean …?).

Exit status: 0 reachable; 1 unreachable up to the bound; 2 a usage, model
or pattern error; 3 unknown (timeout, unsupported construct); 4 an
internal error (a trace that failed replay).`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			t0 := time.Now()
			th, err := mf.loadModel(cmd, args[0])
			if err != nil {
				return err
			}
			load := time.Since(t0)
			pat, diags := rules.ParsePattern(th, "<pattern>", args[1])
			diags.Print(cmd.ErrOrStderr())
			if diags.HasErrors() {
				return &exitError{code: exitUsage}
			}
			if err := af.apply(&opts); err != nil {
				return err
			}
			if err := opts.Encode.Bounds.Validate(); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if opts.MemoryLimit, err = memoryLimit(cmd); err != nil {
				return err
			}
			name, err := format.Choose(out.format, cmd.Flags().Changed("format"), out.output)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			q := queries.NewReach(th, pat)
			v, err := q.Answer(context.Background(), queries.NewChecker(q.Theory, opts))
			if err != nil {
				return internalExit(cmd, err)
			}
			run := &format.Run{Model: args[0], Theory: th, Load: load, Options: opts, Verdicts: []*queries.Verdict{v}, Stats: out.stats}
			for _, l := range out.lifelines {
				ll, err := format.ParseLifeline(l)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				run.Lifelines = append(run.Lifelines, ll)
			}
			w := cmd.OutOrStdout()
			if out.output != "" {
				f, err := os.Create(out.output)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				defer f.Close()
				if name != "text" {
					fmt.Fprintln(w, format.ReachLine(q, v))
				}
				w = f
			}
			if err := format.WriteReach(w, name, run, q); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if out.junit != "" {
				if err := writeFile(out.junit, func(w io.Writer) error { return format.WriteJUnit(w, run) }); err != nil {
					return &exitError{code: exitUsage, err: fmt.Errorf("--junit: %w", err)}
				}
			}
			switch v.Kind {
			case queries.WitnessFound:
				return nil
			case queries.NoWitnessUpToBound:
				return &exitError{code: exitFailed}
			}
			return &exitError{code: exitUnknown}
		},
	}
	mf.register(cmd)
	registerSearch(cmd, &opts, "time limit for the question (and for each further search: witnesses, blocking restrictions)")
	registerMemory(cmd)
	cmd.Flags().BoolVar(&opts.Shortest, "shortest", false, "show a shortest trace even when one agent plays two roles in it")
	af.register(cmd)
	out.register(cmd)
	return cmd
}
