package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/queries/format"
	"github.com/tracebound/tracebound/rules"
)

func newCheckCmd() *cobra.Command {
	var mf modelFlags
	var patterns []string
	var opts queries.Options
	var out outputFlags
	var jobs int
	var af answerFlags
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Check lemmas up to a bound: find counterexamples and witnesses",
		Long: `check encodes the model, the Dolev–Yao adversary and each lemma as a
bounded-trace SMT formula and asks Z3, by iterative deepening from depth 1 to
--depth. Each verdict names its bounds:

  all-traces lemma:   falsified (with a counterexample trace) or
                      holds up to bound
  exists-trace lemma: witness found (with the trace) or no witness up to bound
  any lemma:          unknown (timeout, solver gave up, unsupported construct)

Every trace is replayed by an independent checker before it is shown.

A lemma that mentions an action no rule records gets a note (it is vacuous
or trivially false there). For an exists-trace lemma, --witnesses N shows
up to N witnesses that differ in the multiset of rules they use; without a
witness, the smallest set of restrictions that blocks one is named
(--explain shows the witness without them, --no-blocking skips the search).

Output (docs/formats.md): text (default: steps with lets, the adversary's
deductions, a summary table), json (docs/schema/report.schema.json), dot
(the dependency graph), msc (a Mermaid sequence chart), svg (the chart
drawn), html (one self-contained page); --junit FILE adds JUnit XML.
Progress shows on standard error when it is a terminal.

Exit status: 0 every verdict as the lemma claims (holds up to bound,
witness found); 1 a lemma falsified or without witness up to the bound;
2 a usage or model error; 3 some verdict unknown (and none of status 1);
4 an internal error (a trace that failed replay: a bug in tracebound).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t0 := time.Now()
			th, err := mf.load(cmd, args[0], exitUsage)
			if err != nil {
				return err
			}
			load := time.Since(t0)
			lemmas, err := selectLemmas(th, patterns)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if err := af.apply(&opts); err != nil {
				return err
			}
			return runCheck(cmd, args[0], th, load, lemmas, opts, out, jobs)
		},
	}
	mf.register(cmd)
	f := cmd.Flags()
	f.StringSliceVar(&patterns, "lemma", nil, "check only lemmas matching these glob patterns (comma-separated, repeatable)")
	f.IntVar(&opts.Depth, "depth", queries.DefaultDepth, "largest number of protocol steps to search")
	f.DurationVar(&opts.Timeout, "timeout", 0, "time limit per lemma, e.g. 30s (0: none)")
	def := encode.DefaultBounds()
	f.IntVar(&opts.Encode.Bounds.KeyedDeconstructions, "adv-decrypt", def.KeyedDeconstructions, "keyed deconstructions (decryptions and other equations with side arguments) the adversary performs in a trace")
	f.IntVar(&opts.Encode.Bounds.AnalysisLayers, "adv-analyse", def.AnalysisLayers, "one-argument deconstructions (pairs, getMessage, …) in a row on values below a pattern's variables")
	f.IntVar(&opts.Encode.Bounds.ConstructionLayers, "adv-construct", def.ConstructionLayers, "layers of function applications the adversary builds where a pattern has a variable")
	f.IntVar(&opts.Encode.Bounds.SubtermLevels, "subterm-levels", def.SubtermLevels, "levels below the known structure of a value that the subterm relation << looks")
	f.BoolVar(&opts.Encode.NoPrune, "no-prune", false, "keep traces with steps that play no part (for comparison)")
	f.BoolVar(&opts.Shortest, "shortest", false, "show a shortest trace even when one agent plays two roles in it (by default a trace with distinct agents, at most 2 steps longer, is shown)")
	f.BoolVar(&opts.NotIncremental, "no-incremental", false, "encode each depth anew instead of solving depths incrementally (for comparison)")
	f.IntVarP(&jobs, "jobs", "j", runtime.NumCPU(), "lemmas checked in parallel (one Z3 context each)")
	af.register(cmd)
	out.register(cmd)
	return cmd
}

func selectLemmas(th *rules.Theory, patterns []string) ([]*rules.Lemma, error) {
	if len(patterns) == 0 {
		return th.Lemmas, nil
	}
	var out []*rules.Lemma
	for _, l := range th.Lemmas {
		for _, p := range patterns {
			ok, err := path.Match(p, l.Name)
			if err != nil {
				return nil, fmt.Errorf("bad --lemma pattern %q: %v", p, err)
			}
			if ok {
				out = append(out, l)
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no lemma matches %s", strings.Join(patterns, ","))
	}
	return out, nil
}

func runCheck(cmd *cobra.Command, path string, th *rules.Theory, load time.Duration, lemmas []*rules.Lemma, opts queries.Options, of outputFlags, jobs int) error {
	stdout := cmd.OutOrStdout()
	name, err := format.Choose(of.format, cmd.Flags().Changed("format"), of.output)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	run := &format.Run{Model: path, Theory: th, Load: load, Options: opts, Stats: of.stats}
	for _, l := range of.lifelines {
		ll, err := format.ParseLifeline(l)
		if err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		run.Lifelines = append(run.Lifelines, ll)
	}
	out := stdout
	if of.output != "" {
		f, err := os.Create(of.output)
		if err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		defer f.Close()
		out = f
	}
	if err := opts.Encode.Bounds.Validate(); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	run.Options = opts
	// progress on a terminal only
	var prog *progress
	if errw := cmd.ErrOrStderr(); isTerminal(errw) {
		depth := opts.Depth
		if depth <= 0 {
			depth = queries.DefaultDepth
		}
		prog = newProgress(errw, depth)
		opts.Progress = prog.update
	}
	// the text report streams to its output; with another format written
	// to a file, the verdict lines and the summary go to standard output
	text := name == "text"
	lines := !text && of.output != ""
	c := queries.NewChecker(th, opts)
	code := exitOK
	for r := range checkAll(c, lemmas, jobs) {
		l, v, err := r.lemma, r.v, r.err
		if prog != nil {
			prog.done(l.Name)
		}
		if err != nil {
			prog.pause(func() {})
			var ie *queries.InternalError
			if errors.As(err, &ie) && ie.Trace != nil {
				errw := cmd.ErrOrStderr()
				fmt.Fprintf(errw, "trace that failed replay: %d steps\n", len(ie.Trace.Steps))
				for i, st := range ie.Trace.Steps {
					fmt.Fprintf(errw, "  %d. %s %v\n", i+1, st.Name, st.Subst)
				}
			}
			return &exitError{code: exitInternal, err: err}
		}
		run.Verdicts = append(run.Verdicts, v)
		prog.pause(func() {
			switch {
			case text:
				format.WriteVerdict(out, run, v)
			case lines:
				fmt.Fprintf(stdout, "%s (%s): %s\n", l.Name, l.Quantifier, v.Summary())
			}
		})
		switch {
		case v.Kind == queries.Falsified || v.Kind == queries.NoWitnessUpToBound:
			code = exitFailed
		case v.Kind == queries.Unknown && code == exitOK:
			code = exitUnknown
		}
	}
	// times in the summary with --stats, or when a person watches
	switch {
	case text:
		format.WriteSummary(out, run, of.stats || isTerminal(out))
	case lines:
		format.WriteSummary(stdout, run, of.stats || isTerminal(stdout))
		fallthrough
	default:
		if err := format.Write(out, name, run); err != nil {
			return &exitError{code: exitUsage, err: err}
		}
	}
	if of.junit != "" {
		if err := writeFile(of.junit, func(w io.Writer) error { return format.WriteJUnit(w, run) }); err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("--junit: %w", err)}
		}
	}
	if code != exitOK {
		return &exitError{code: code}
	}
	return nil
}

type lemmaResult struct {
	lemma *rules.Lemma
	v     *queries.Verdict
	err   error
}

// checkAll checks the lemmas with up to jobs workers and delivers the
// results in the lemmas' order as soon as each and those before it are
// done.
func checkAll(c *queries.Checker, lemmas []*rules.Lemma, jobs int) <-chan lemmaResult {
	if jobs < 1 {
		jobs = 1
	}
	done := make([]chan lemmaResult, len(lemmas))
	for i := range done {
		done[i] = make(chan lemmaResult, 1)
	}
	work := make(chan int)
	go func() {
		for i := range lemmas {
			work <- i
		}
		close(work)
	}()
	for w := 0; w < jobs; w++ {
		go func() {
			for i := range work {
				v, err := c.Answer(context.Background(), lemmas[i])
				done[i] <- lemmaResult{lemmas[i], v, err}
			}
		}()
	}
	out := make(chan lemmaResult)
	go func() {
		for _, d := range done {
			out <- <-d
		}
		close(out)
	}()
	return out
}
