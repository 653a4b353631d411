package main

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/rules"
)

func newQueryCmd() *cobra.Command {
	var mf modelFlags
	var opts queries.Options
	var out outputFlags
	var af answerFlags
	var exists, all bool
	cmd := &cobra.Command{
		Use:   "query FILE FORMULA",
		Short: "Check a formula given on the command line like a lemma of the model",
		Long: `query checks an ad-hoc formula in Tamarin's lemma syntax against the model's
rules and restrictions, exactly like a lemma written in the file: the same
verdicts, bounds, exit statuses and formats as check. The formula is an
all-traces lemma unless --exists-trace is given:

  tracebound query examples/nspk.spthy 'All A B nb #i. RespCommit(B, A, <na, nb>) @ #i ==> Ex #j. InitRunning(A, B, <na, nb>) @ #j'
  tracebound query examples/nspk.spthy --exists-trace 'Ex X #i. Corrupted(X) @ #i'

The formula must be closed and guarded as Tamarin requires (every
quantified variable in an action right after its quantifier, a universal's
body an implication); an error says where, with the formula and a caret,
and exits with status 2. Actions that no rule records are warnings, with
the closest names the rules use.

For an exists-trace formula, --witnesses N shows up to N witnesses that
differ in the multiset of rules they use; without a witness, the
restrictions that block one are named (--explain shows the witness that
exists without them).

Exit status: as for check: 0 the formula holds up to the bound (all-traces)
or has a witness (exists-trace); 1 falsified, or no witness up to the
bound; 2 a usage, model or formula error; 3 unknown; 4 an internal error.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			t0 := time.Now()
			th, err := mf.loadModel(cmd, args[0])
			if err != nil {
				return err
			}
			load := time.Since(t0)
			if exists && all {
				return &exitError{code: exitUsage, err: errorf("--exists-trace and --all-traces exclude each other")}
			}
			f, diags := rules.ParseFormula(th, "<formula>", args[1])
			diags.Print(cmd.ErrOrStderr())
			if diags.HasErrors() {
				return &exitError{code: exitUsage}
			}
			if err := af.apply(&opts); err != nil {
				return err
			}
			l := &rules.Lemma{Name: "query", Formula: f}
			if exists {
				l.Quantifier = rules.ExistsTrace
			}
			q := *th
			q.Lemmas = []*rules.Lemma{l}
			return runQuestion(cmd, args[0], &q, load, opts, out)
		},
	}
	mf.register(cmd)
	registerSearch(cmd, &opts, "time limit for the query (and for each further search: witnesses, blocking restrictions)")
	registerMemory(cmd)
	f := cmd.Flags()
	f.BoolVar(&exists, "exists-trace", false, "ask for a trace on which the formula holds (a witness)")
	f.BoolVar(&all, "all-traces", false, "ask whether the formula holds on every trace (the default)")
	f.BoolVar(&opts.Shortest, "shortest", false, "show a shortest trace even when one agent plays two roles in it")
	af.register(cmd)
	out.register(cmd)
	return cmd
}
