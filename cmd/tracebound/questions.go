package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/queries/format"
	"github.com/tracebound/tracebound/rules"
)

// Flags of the commands that ask the model questions (issue 10): reach,
// query and rules search like check, with the same bounds; reach, query
// and check add several witnesses and the restrictions that block one.

// registerSearch registers the search flags of check on a question
// command: the depth, the time limit and the adversary's bounds.
func registerSearch(cmd *cobra.Command, opts *queries.Options, timeout string) {
	f := cmd.Flags()
	f.IntVar(&opts.Depth, "depth", queries.DefaultDepth, "largest number of protocol steps to search")
	f.DurationVar(&opts.Timeout, "timeout", 0, timeout+", e.g. 30s (0: none)")
	def := encode.DefaultBounds()
	f.IntVar(&opts.Encode.Bounds.KeyedDeconstructions, "adv-decrypt", def.KeyedDeconstructions, "keyed deconstructions (decryptions and other equations with side arguments) the adversary performs in a trace")
	f.IntVar(&opts.Encode.Bounds.AnalysisLayers, "adv-analyse", def.AnalysisLayers, "one-argument deconstructions (pairs, getMessage, …) in a row on values below a pattern's variables")
	f.IntVar(&opts.Encode.Bounds.ConstructionLayers, "adv-construct", def.ConstructionLayers, "layers of function applications the adversary builds where a pattern has a variable")
	f.IntVar(&opts.Encode.Bounds.SubtermLevels, "subterm-levels", def.SubtermLevels, "levels below the known structure of a value that the subterm relation << looks")
	registerForward(cmd, opts)
}

// registerMemory adds --memory-limit, as check has it (runQuestion reads
// it): the question stops with an unknown verdict when tracebound and Z3
// together use more.
func registerMemory(cmd *cobra.Command) {
	cmd.Flags().String("memory-limit", "", "memory for tracebound and Z3 together, e.g. 4GiB; 0 for none (default: 3/4 of the machine's memory)")
}

// memoryLimit is the value of --memory-limit (registerMemory).
func memoryLimit(cmd *cobra.Command) (uint64, error) {
	s, _ := cmd.Flags().GetString("memory-limit")
	return parseMemoryLimit(s)
}

// forwardFlag is --forward: when the forward search looks for a trace.
type forwardFlag struct{ m *queries.ForwardMode }

var forwardNames = []string{queries.ForwardAuto: "auto", queries.ForwardFirst: "first", queries.ForwardOff: "off"}

func (f forwardFlag) String() string { return forwardNames[*f.m] }
func (f forwardFlag) Type() string   { return "auto|first|off" }
func (f forwardFlag) Set(s string) error {
	for i, n := range forwardNames {
		if n == s {
			*f.m = queries.ForwardMode(i)
			return nil
		}
	}
	return fmt.Errorf("want auto, first or off")
}

func registerForward(cmd *cobra.Command, opts *queries.Options) {
	cmd.Flags().BoolVar(&opts.NoAbstraction, "no-abstraction", false,
		"do not try to prove all-traces lemmas at every depth by the abstraction (docs/design.md, \"Proofs at every depth\"), which runs beside the bounded search on a free core, else before it")
	cmd.Flags().Var(forwardFlag{&opts.Forward}, "forward",
		"when the forward search (concrete states, an adversary that forwards, takes apart and rebuilds what was sent) runs: auto (a first look of 200 states before the deepening, in full beside the first problem over the chunk limit, its answer first), first (in full before the deepening), off")
}

// answerFlags are --witnesses, --explain and --no-blocking.
type answerFlags struct {
	witnesses  int
	explain    bool
	noBlocking bool
}

func (a *answerFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.IntVar(&a.witnesses, "witnesses", 1, "for a witness found: up to N witnesses that differ in the multiset of rules they use, shortest first")
	f.BoolVar(&a.explain, "explain", false, "for no witness up to the bound: also show the witness that exists without the restrictions that block it")
	f.BoolVar(&a.noBlocking, "no-blocking", false, "for no witness up to the bound: do not look for the restrictions that block one (saves solver time)")
}

// apply sets the options of Checker.Answer; it fails on a bad value.
func (a *answerFlags) apply(opts *queries.Options) error {
	if a.witnesses < 1 {
		return &exitError{code: exitUsage, err: fmt.Errorf("--witnesses must be at least 1")}
	}
	if a.explain && a.noBlocking {
		return &exitError{code: exitUsage, err: fmt.Errorf("--explain and --no-blocking exclude each other")}
	}
	opts.Witnesses = a.witnesses
	switch {
	case a.explain:
		opts.Explain = queries.ExplainWitness
	case a.noBlocking:
		opts.Explain = queries.ExplainNone
	default:
		opts.Explain = queries.ExplainRestrictions
	}
	return nil
}

// internalExit reports an error of a question command: a trace that
// failed replay is status 4 with the trace on standard error, anything
// else status 2.
func internalExit(cmd *cobra.Command, err error) error {
	var ie *queries.InternalError
	if errors.As(err, &ie) {
		if ie.Trace != nil {
			errw := cmd.ErrOrStderr()
			fmt.Fprintf(errw, "trace that failed replay: %d steps\n", len(ie.Trace.Steps))
			for i, st := range ie.Trace.Steps {
				fmt.Fprintf(errw, "  %d. %s %v\n", i+1, st.Name, st.Subst)
			}
		}
		return &exitError{code: exitInternal, err: err}
	}
	return &exitError{code: exitInternal, err: err}
}

// loadModel loads the model of a question; a model error is a usage error
// (status 2), its diagnostics on standard error.
func (f *modelFlags) loadModel(cmd *cobra.Command, path string) (*rules.Theory, error) {
	th, _ := f.load(cmd, path)
	if th == nil {
		return nil, &exitError{code: exitUsage}
	}
	return th, nil
}

// runQuestion checks the lemmas of th (a question made a lemma of the
// model) as check does: the same limits, outputs and exit statuses.
func runQuestion(cmd *cobra.Command, path string, th *rules.Theory, load time.Duration, opts queries.Options, out outputFlags) error {
	cf := checkFlags{opts: opts, jobs: 1}
	cf.memory, _ = cmd.Flags().GetString("memory-limit") // "" where not registered: the default
	plan, err := cf.validate(cmd, &out)
	if err != nil {
		return err
	}
	run := &format.Run{Model: path, Theory: th, Load: load, Options: cf.opts, Stats: out.stats, NoTimings: out.noTimings, Lifelines: plan.lifelines}
	return runCheck(cmd, run, th.Lemmas, cf, plan)
}
