package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/queries/format"
	"github.com/tracebound/tracebound/rules"
)

// checkFlags are check's flags about what to check and within which
// limits.
type checkFlags struct {
	patterns []string
	prove    []string // Tamarin's --prove=LEMMA
	opts     queries.Options
	total    time.Duration
	memory   string
	jobs     int
	shard    string
}

func newCheckCmd() *cobra.Command {
	var mf modelFlags
	var cf checkFlags
	var out outputFlags
	var af answerFlags
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Check lemmas up to a bound: find counterexamples and witnesses",
		Long: `check encodes the model, the Dolev–Yao adversary and each lemma as a
bounded-trace SMT formula and asks Z3, by iterative deepening from depth 1:
up to --depth (an exact bound, the same on every machine), or without it
until the lemma's time budget (--timeout, default 30s) is spent, naming the
depth reached. Each verdict names its bounds:

  all-traces lemma:   falsified (with a counterexample trace) or
                      holds up to bound
  exists-trace lemma: witness found (with the trace) or no witness up to bound
  any lemma:          unknown (timeout, memory limit, interrupted, solver
                      gave up, unsupported construct)

Every trace is replayed by an independent checker before it is shown.

A lemma that mentions an action no rule records gets a note (it is vacuous
or trivially false there). For an exists-trace lemma, --witnesses N shows
up to N witnesses that differ in the multiset of rules they use; without a
witness, the smallest set of restrictions that blocks one is named
(--explain shows the witness without them, --no-blocking skips the search).

Output (docs/formats.md): text (default: steps with lets, the adversary's
deductions, a summary table), json (docs/schema/report.schema.json), dot
(the dependency graph), msc (a Mermaid sequence chart), svg (the chart
drawn), html (one self-contained page); -o DIR/ writes one file per lemma;
--junit FILE adds JUnit XML. Output files are complete or absent, never
half written. Progress shows on standard error when it is a terminal.

Limits: --timeout per lemma, --total-timeout for the run, --memory-limit
(default 3/4 of the machine's memory) for tracebound and Z3 together;
each stops running solvers and makes their lemmas unknown (the search for
blocking restrictions after an unknown verdict takes at most a quarter of
--timeout more; the one after no witness up to the bound its own
--timeout). SIGINT or
SIGTERM stops the run the same way and writes what there is; a second
signal exits at once.

Exit status: 0 every verdict as the lemma claims (holds up to bound,
witness found); 1 a lemma falsified or without witness up to the bound;
2 a usage or model error; 3 some verdict unknown (and none of status 1);
4 an internal error (a trace that failed replay: a bug in tracebound);
130 or 143 stopped by SIGINT or SIGTERM.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			plan, err := cf.validate(cmd, &out)
			if err != nil {
				return err
			}
			t0 := time.Now()
			th, diags := mf.load(cmd, args[0])
			run := &format.Run{Model: args[0], Theory: th, Load: time.Since(t0), Options: cf.opts, Stats: out.stats,
				Diagnostics: diags, NoTimings: out.noTimings, Lifelines: plan.lifelines}
			if th == nil {
				// a model error: the CI outputs still say so
				if err := plan.writeModelError(cmd, run); err != nil {
					return usageError("%v", err)
				}
				if mf.quitOnWarning && !diags.HasErrors() {
					return usageError("warnings with --quit-on-warning")
				}
				return &exitError{code: exitUsage}
			}
			lemmas, err := selectLemmas(th, append(append([]string{}, cf.patterns...), cf.prove...))
			if err != nil {
				return usageError("%v", err)
			}
			if cf.shard != "" {
				sh, _ := parseShard(cf.shard)
				all := len(lemmas)
				lemmas, run.Shard = shardLemmas(th, lemmas, sh)
				if len(lemmas) == 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "tracebound: shard %d/%d has no lemma (%d lemmas over %d shards)\n", sh.index, sh.count, all, sh.count)
				}
			}
			if err := af.apply(&cf.opts); err != nil {
				return err
			}
			return runCheck(cmd, run, lemmas, cf, plan)
		},
	}
	mf.register(cmd)
	f := cmd.Flags()
	f.StringSliceVar(&cf.patterns, "lemma", nil, "check only lemmas matching these glob patterns (comma-separated, repeatable)")
	f.StringSliceVar(&cf.prove, "prove", nil, "Tamarin's name for --lemma (--prove=NAME; a trailing * matches a prefix)")
	f.Lookup("prove").NoOptDefVal = "*"
	f.IntVar(&cf.opts.Depth, "depth", 0, "largest number of protocol steps to search: an exact bound (default: deepen until --timeout)")
	f.DurationVar(&cf.opts.Timeout, "timeout", 0, fmt.Sprintf("time per lemma, e.g. 30s: with --depth a limit (default none), without it the budget of the deepening (default %s)", queries.DefaultBudget))
	f.DurationVar(&cf.total, "total-timeout", 0, "time limit for the whole run, e.g. 20m (default none)")
	f.StringVar(&cf.memory, "memory-limit", "", "memory for tracebound and Z3 together, e.g. 4GiB; 0 for none (default: 3/4 of the machine's memory)")
	def := encode.DefaultBounds()
	f.IntVar(&cf.opts.Encode.Bounds.KeyedDeconstructions, "adv-decrypt", def.KeyedDeconstructions, "keyed deconstructions (decryptions and other equations with side arguments) the adversary performs in a trace")
	f.IntVar(&cf.opts.Encode.Bounds.AnalysisLayers, "adv-analyse", def.AnalysisLayers, "one-argument deconstructions (pairs, getMessage, …) in a row on values below a pattern's variables")
	f.IntVar(&cf.opts.Encode.Bounds.ConstructionLayers, "adv-construct", def.ConstructionLayers, "layers of function applications the adversary builds where a pattern has a variable")
	f.IntVar(&cf.opts.Encode.Bounds.SubtermLevels, "subterm-levels", def.SubtermLevels, "levels below the known structure of a value that the subterm relation << looks")
	f.BoolVar(&cf.opts.Encode.NoPrune, "no-prune", false, "keep traces with steps that play no part (for comparison)")
	f.BoolVar(&cf.opts.Shortest, "shortest", false, "show a shortest trace even when one agent plays two roles in it (by default a trace with distinct agents, at most 2 steps longer, is shown)")
	f.BoolVar(&cf.opts.NotIncremental, "no-incremental", false, "encode each depth anew instead of solving depths incrementally (for comparison)")
	registerForward(cmd, &cf.opts)
	f.StringVar(&cf.opts.EmitSMTLIB, "emit-smtlib", "", "write the check of each depth as an SMT-LIB 2 file (LEMMA-dK.smt2) into this directory, for other solvers")
	f.IntVarP(&cf.jobs, "jobs", "j", runtime.NumCPU(), "lemmas checked in parallel (one Z3 context each)")
	f.StringVar(&cf.shard, "shard", "", "check only shard I of N (I/N, 1-based): a fixed share of the lemmas, balanced by a cost estimate; combine the JSON reports with tracebound merge")
	af.register(cmd)
	out.register(cmd)
	return cmd
}

// outputPlan is where check writes what, decided before the model is
// read.
type outputPlan struct {
	format    string
	file      string // -o FILE, or "" for standard output
	dir       string // -o DIR/: one file per lemma
	junit     string
	lifelines []format.Lifeline
}

// validate checks every flag value and resolves the outputs: invalid
// values are usage errors, never silently replaced.
func (cf *checkFlags) validate(cmd *cobra.Command, of *outputFlags) (*outputPlan, error) {
	f := cmd.Flags()
	if err := atLeast(f, "depth", cf.opts.Depth, 1); err != nil {
		return nil, err
	}
	if err := atLeast(f, "jobs", cf.jobs, 1); err != nil {
		return nil, err
	}
	for _, name := range []string{"adv-decrypt", "adv-construct", "adv-analyse", "subterm-levels"} {
		v, _ := f.GetInt(name)
		if err := atLeast(f, name, v, 0); err != nil {
			return nil, err
		}
	}
	switch {
	case cf.opts.Timeout < 0:
		return nil, usageError("--timeout must not be negative, not %s", cf.opts.Timeout)
	case f.Changed("timeout") && cf.opts.Timeout == 0 && cf.opts.Depth == 0:
		return nil, usageError("--timeout 0 without --depth would deepen for ever: give a budget (e.g. --timeout 1m) or --depth K")
	case cf.total < 0 || f.Changed("total-timeout") && cf.total == 0:
		return nil, usageError("--total-timeout must be positive, not %s", cf.total)
	}
	m, err := parseMemoryLimit(cf.memory)
	if err != nil {
		return nil, err
	}
	cf.opts.MemoryLimit = m
	if cf.shard != "" {
		if _, err := parseShard(cf.shard); err != nil {
			return nil, usageError("%v", err)
		}
	}
	p := &outputPlan{junit: of.junit}
	for _, l := range of.lifelines {
		ll, err := format.ParseLifeline(l)
		if err != nil {
			return nil, usageError("%v", err)
		}
		p.lifelines = append(p.lifelines, ll)
	}
	output := of.output
	if st, err := os.Stat(output); output != "" && (strings.HasSuffix(output, "/") || strings.HasSuffix(output, string(filepath.Separator)) || err == nil && st.IsDir()) {
		p.dir, output = output, ""
	}
	name, err := format.Choose(of.format, f.Changed("format"), output)
	if err != nil {
		return nil, usageError("%v", err)
	}
	p.format, p.file = name, output
	if p.junit != "" && format.ByExtension(p.junit) != "" {
		return nil, usageError("--junit %s: JUnit XML goes to a .xml file", p.junit)
	}
	return p, nil
}

// drawsOne reports whether a format holds one diagram per file (Graphviz
// and Mermaid read one).
func drawsOne(name string) bool { return name == "dot" || name == "msc" }

// writeModelError writes what CI reads when the model has errors: the
// JSON report (with the diagnostics, no verdicts) and JUnit (an error
// test case naming the model).
func (p *outputPlan) writeModelError(cmd *cobra.Command, run *format.Run) error {
	if p.format == "json" && p.dir == "" {
		if p.file == "" {
			if err := format.WriteJSON(cmd.OutOrStdout(), run); err != nil {
				return err
			}
		} else if err := writeFile(p.file, func(w io.Writer) error { return format.WriteJSON(w, run) }); err != nil {
			return fmt.Errorf("-o: %w", err)
		}
	}
	if p.junit != "" {
		if err := writeFile(p.junit, func(w io.Writer) error { return format.WriteJUnit(w, run) }); err != nil {
			return fmt.Errorf("--junit: %w", err)
		}
	}
	return nil
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

// totalTimeout is the cause of a run stopped by --total-timeout.
type totalTimeout struct{ d time.Duration }

func (e totalTimeout) Error() string { return fmt.Sprintf("total timeout (--total-timeout %s)", e.d) }

func runCheck(cmd *cobra.Command, run *format.Run, lemmas []*rules.Lemma, cf checkFlags, p *outputPlan) error {
	stdout, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	opts := cf.opts
	if drawsOne(p.format) && p.dir == "" && len(lemmas) > 1 {
		return usageError("-f %s draws one diagram per file, which Graphviz and Mermaid read one at a time: with %d lemmas, write one file per lemma (-o DIR/) or pick one (--lemma)", p.format, len(lemmas))
	}
	// the text report streams to its output; another format, or one
	// file per lemma, gets the verdict lines and the summary on
	// standard output
	text := p.format == "text" && p.dir == ""
	lines := !text && (p.file != "" || p.dir != "")
	out := stdout
	var file *atomicFile
	if p.file != "" {
		var err error
		if file, err = createAtomic(p.file); err != nil {
			return usageError("-o: %v", err)
		}
		defer func() {
			if file != nil {
				file.abort()
			}
		}()
		out = file
	}
	if p.dir != "" {
		if err := os.MkdirAll(p.dir, 0o755); err != nil {
			return usageError("-o: %v", err)
		}
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := watchSignals(cancel, errw)
	defer sigs.stop()
	if cf.total > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeoutCause(ctx, cf.total, totalTimeout{cf.total})
		defer stop()
	}
	if opts.MemoryLimit > 0 {
		// Go's collector works harder as the heap nears the limit
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(min(opts.MemoryLimit, 1<<62))))
	}
	var prog *progress
	if isTerminal(errw) {
		prog = newProgress(errw, opts.Depth)
		opts.Progress = prog.update
	}
	c := newChecker(run.Theory, opts)
	code := exitOK
	for r := range checkAll(ctx, c, lemmas, cf.jobs) {
		l, v, err := r.lemma, r.v, r.err
		if prog != nil {
			prog.done(l.Name)
		}
		if err != nil {
			// an internal error: reported, and the run goes on
			v = &queries.Verdict{Lemma: l, Kind: queries.Unknown, Internal: true, Reason: err.Error()}
			prog.pause(func() {
				fmt.Fprintln(errw, "tracebound:", err)
				var ie *queries.InternalError
				if errors.As(err, &ie) && ie.Trace != nil {
					fmt.Fprintf(errw, "trace that failed replay: %d steps\n", len(ie.Trace.Steps))
					for i, st := range ie.Trace.Steps {
						fmt.Fprintf(errw, "  %d. %s %v\n", i+1, st.Name, st.Subst)
					}
				}
			})
		}
		run.Verdicts = append(run.Verdicts, v)
		var werr error
		prog.pause(func() {
			switch {
			case text:
				format.WriteVerdict(out, run, v)
			case lines:
				fmt.Fprintf(stdout, "%s (%s): %s\n", l.Name, l.Quantifier, v.Summary())
			}
			if p.dir != "" {
				werr = writeLemmaFile(p, run, v)
			}
		})
		if werr != nil {
			return usageError("-o: %v", werr)
		}
		code = worse(code, verdictStatus(v))
	}
	if s := sigs.received(); s != nil {
		run.Interrupted = signalName(s)
		code = signalStatus(s)
	}
	// times in the summary with --stats, or when a person watches
	switch {
	case text:
		format.WriteSummary(out, run, run.Stats || isTerminal(out))
	case lines:
		format.WriteSummary(stdout, run, run.Stats || isTerminal(stdout))
	}
	if !text && p.dir == "" {
		if err := format.Write(out, p.format, run); err != nil {
			return usageError("%v", err)
		}
	}
	if file != nil {
		err := file.commit()
		file = nil
		if err != nil {
			return usageError("-o: %v", err)
		}
	}
	if p.junit != "" {
		if err := writeFile(p.junit, func(w io.Writer) error { return format.WriteJUnit(w, run) }); err != nil {
			return usageError("--junit: %v", err)
		}
	}
	if code != exitOK {
		return &exitError{code: code}
	}
	return nil
}

// writeLemmaFile writes one verdict to DIR/LEMMA.EXT.
func writeLemmaFile(p *outputPlan, run *format.Run, v *queries.Verdict) error {
	one := *run
	one.Verdicts = []*queries.Verdict{v}
	name := filepath.Join(p.dir, v.Lemma.Name+format.Extension(p.format))
	return writeFile(name, func(w io.Writer) error { return format.Write(w, p.format, &one) })
}

// verdictStatus is the exit status a verdict asks for.
func verdictStatus(v *queries.Verdict) int {
	switch {
	case v.Internal:
		return exitInternal
	case v.Kind == queries.Falsified || v.Kind == queries.NoWitnessUpToBound:
		return exitFailed
	case v.Kind == queries.Unknown:
		return exitUnknown
	}
	return exitOK
}

// worse combines exit statuses: an internal error over a failed lemma
// over an unknown verdict over success.
func worse(a, b int) int {
	rank := map[int]int{exitOK: 0, exitUnknown: 1, exitFailed: 2, exitInternal: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// lemmaChecker checks one lemma (queries.Checker; tests fake it).
type lemmaChecker interface {
	Answer(ctx context.Context, l *rules.Lemma) (*queries.Verdict, error)
}

var newChecker = func(th *rules.Theory, opts queries.Options) lemmaChecker { return queries.NewChecker(th, opts) }

type lemmaResult struct {
	lemma *rules.Lemma
	v     *queries.Verdict
	err   error
}

// checkAll checks the lemmas with up to jobs workers and delivers the
// results in the lemmas' order as soon as each and those before it are
// done. When ctx is done, the lemmas not started are checked at once as
// unknown (the cause is the reason).
func checkAll(ctx context.Context, c lemmaChecker, lemmas []*rules.Lemma, jobs int) <-chan lemmaResult {
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
				v, err := c.Answer(ctx, lemmas[i])
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
