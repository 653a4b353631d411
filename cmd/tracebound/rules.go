package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"time"

	"github.com/spf13/cobra"
	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/queries/format"
	"github.com/tracebound/tracebound/rules"
)

func newRulesCmd() *cobra.Command {
	var mf modelFlags
	var opts queries.Options
	var traces []string
	var formatName, output string
	var stats bool
	cmd := &cobra.Command{
		Use:   "rules FILE",
		Short: "The executability report: can each rule fire at all?",
		Long: `rules reports for every rule of the model whether some trace of at most
--depth steps has an instance of it (restrictions apply, as in Tamarin):

  reachable                  with the length of its shortest trace
                             (--trace RULE shows that trace)
  dead                       the static analysis shows it can never fire: a
                             premise no rule produces, or only rules that
                             can never fire
  blocked by restrictions    it fires only without some restrictions,
                             named (a smallest set)
  not reachable up to bound  not even without restrictions
  unknown                    the search stopped (timeout, a construct the
                             encoder does not take: the rule is named)

A model whose rule can never fire proves every property about that rule
vacuously: the most common modelling bug. The static analysis also lists
the facts consumed but never produced, those produced but never consumed,
and the actions that lemmas or restrictions mention and no rule records
(check notes these next to the lemma's verdict).

The rules share one encoding per chunk of depths: each solver call asks
whether some rule not yet seen fires at the current depth.

Output: a summary line and a table (text), or JSON with -f json
(docs/schema/rules.schema.json). --timeout bounds the whole report; the
rules not decided by then are unknown.

Exit status: 0 every rule reachable; 1 some rule dead, blocked or not
reachable up to the bound; 2 a usage or model error; 3 some rule unknown
(and none of status 1); 4 an internal error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t0 := time.Now()
			th, err := mf.loadModel(cmd, args[0])
			if err != nil {
				return err
			}
			load := time.Since(t0)
			if err := opts.Encode.Bounds.Validate(); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			switch formatName {
			case "text", "json":
			default:
				return &exitError{code: exitUsage, err: fmt.Errorf("unknown --format %q for rules (text, json)", formatName)}
			}
			if !cmd.Flags().Changed("format") && format.ByExtension(output) == "json" {
				formatName = "json"
			}
			for _, p := range traces {
				if _, err := path.Match(p, ""); err != nil {
					return &exitError{code: exitUsage, err: fmt.Errorf("bad --trace pattern %q: %v", p, err)}
				}
			}
			want := func(r *rules.Rule) bool {
				for _, p := range traces {
					if ok, _ := path.Match(p, r.Name); ok {
						return true
					}
				}
				return false
			}
			x, err := queries.Executable(context.Background(), th, opts, want)
			if err != nil {
				return internalExit(cmd, err)
			}
			run := &format.RulesRun{Model: args[0], Theory: th, Load: load, Report: x, Stats: stats}
			w := cmd.OutOrStdout()
			if output != "" {
				f, err := os.Create(output)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				defer f.Close()
				if formatName != "text" {
					fmt.Fprintf(w, "executability of %s: %s\n", args[0], run.SummaryLine())
				}
				w = f
			}
			write := format.WriteRulesText
			if formatName == "json" {
				write = format.WriteRulesJSON
			}
			if err := write(w, run); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			switch {
			case x.Count(queries.Dead)+x.Count(queries.Blocked)+x.Count(queries.NotReachable) > 0:
				return &exitError{code: exitFailed}
			case x.Count(queries.UnknownStatus) > 0:
				return &exitError{code: exitUnknown}
			}
			return nil
		},
	}
	mf.register(cmd)
	registerSearch(cmd, &opts, "time limit for the whole report")
	f := cmd.Flags()
	f.StringArrayVar(&traces, "trace", nil, "show a shortest trace of the rules matching this glob pattern ('*': all; repeatable)")
	f.StringVarP(&formatName, "format", "f", "text", "output format: text, json (without -f, an -o ending in .json writes JSON)")
	f.StringVarP(&output, "output", "o", "", "write the report to this file instead of standard output")
	f.BoolVar(&stats, "stats", false, "print where the time goes (parse, encode, solve, replay) and the solver calls per depth")
	return cmd
}
