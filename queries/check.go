// Package queries answers bounded questions about a theory: it drives the
// encoder and the solver by iterative deepening, replays every trace it
// gets with the independent checker in queries/replay, and turns the
// outcome into verdicts that name their bounds.
package queries

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
	"github.com/tracebound/tracebound/solver"
)

// Options configure a check. DefaultOptions gives a program's or a
// test's defaults; in the zero value, Depth 0 deepens for DefaultBudget
// and the adversary bounds are zero.
type Options struct {
	// Depth is the largest number of protocol steps searched: an exact
	// bound, the same on every machine (negative: the empty trace only).
	// 0 deepens instead until the lemma's time budget (Timeout) is
	// spent, and the verdict names the depth completed.
	Depth int
	// Timeout bounds the time per lemma, enforced inside a running Z3
	// call. With a Depth, 0 means no limit and a lemma that runs out is
	// Unknown ("timeout"); without one, it is the budget of the
	// deepening (0: DefaultBudget).
	Timeout time.Duration
	// MemoryLimit bounds tracebound's memory (Go's heap and Z3's
	// allocations), in bytes; 0 means none. Checks running when it is
	// exceeded are interrupted and Unknown ("memory limit").
	MemoryLimit uint64
	// Encode sets the adversary bounds.
	Encode encode.Options
	// Progress, if set, is called after each depth.
	Progress func(lemma string, depth int, elapsed time.Duration)
	// NotIncremental encodes every depth as a new problem for a new
	// solver, instead of one problem per chunk of depths checked under
	// assumptions (for comparison: incremental is faster).
	NotIncremental bool
	// Shortest shows a shortest trace even when it lets one agent play
	// two roles, instead of looking for a slightly longer trace in which
	// the agents differ (readable.go).
	Shortest bool
	// Witnesses is how many witnesses Answer looks for when an
	// exists-trace lemma has one: traces that differ in the multiset of
	// rules they use, shortest first (0 and 1: one; witnesses.go).
	Witnesses int
	// Explain is what Answer says about an exists-trace lemma without a
	// witness when the model has restrictions (explain.go).
	Explain Explain
	// EmitSMTLIB, if set, is a directory where the check of each depth is
	// written as a self-contained SMT-LIB 2 file (LEMMA-dK.smt2: the
	// problem, the depth's assertions, check-sat), for other solvers.
	EmitSMTLIB string
	// ChunkNodes: a problem shared by several depths (incremental
	// solving) larger than this many nodes is replaced by one per depth;
	// 0 means DefaultChunkNodes.
	ChunkNodes int
	// Forward says when the forward search (forward.go) looks for a
	// trace: by default once the deepening meets a problem larger than
	// ChunkNodes.
	Forward ForwardMode
	// NoAbstraction skips the abstraction that proves all-traces lemmas
	// at every depth (absproof.go) beside or before the deepening.
	NoAbstraction bool
}

// ForwardMode says when a check runs the forward search.
type ForwardMode uint8

const (
	// ForwardAuto: once, before solving the first problem larger than
	// ChunkNodes (short traces are found faster, and shortest, by
	// deepening).
	ForwardAuto ForwardMode = iota
	// ForwardFirst: before the deepening.
	ForwardFirst
	// ForwardOff: never.
	ForwardOff
)

// incrementalChunk is how many depths share one incremental problem: a
// larger problem than needed slows each depth, a new problem loses what
// the solver learned. 4 was the best compromise measured on the examples
// (chunks of 3, 4, 5, 7 and 10; NSPK attack and NSL proofs to depth 8 and 10).
const incrementalChunk = 4

// DefaultChunkNodes is Options.ChunkNodes's default. Z3's work on a
// problem grows faster than its size (its first push after the
// assertions, docs/performance.md), and the deepest depths of a chunk
// grow the problem most: JKL_TS2_2004's responder key, depths 6–9, is
// 77 400 nodes and took 81 s to a trace at depth 6, where depth 6 alone
// is 33 423 nodes and took 7.5 s.
const DefaultChunkNodes = 40000

func (o Options) chunkNodes() int {
	if o.ChunkNodes == 0 {
		return DefaultChunkNodes
	}
	return o.ChunkNodes
}

// presentMin is the least time the presentation of a trace (simpler
// exponents, distinct agents) may take under a time limit; otherwise it
// may take as long as the search that found the trace.
const presentMin = 2 * time.Second

// encodeChunk encodes the problem of the chunk of depths from k on: at
// most incrementalChunk depths, none beyond max, each to be checked
// under Problem.Exactly. A problem for several depths that is larger than
// o.ChunkNodes, or that cannot be built (a restriction expands beyond the
// limit), is replaced by the one of depth k alone. The problem's K is the
// chunk's last depth. prev is the problem of the depths before k, or nil:
// when it is larger than o.ChunkNodes already, so is the chunk's (an
// encoding for more depths is larger), and only depth k is encoded.
func (o Options) encodeChunk(enc *encode.Encoder, goal encode.Goal, k, max int, prev *encode.Problem) (*encode.Problem, error) {
	upTo := min(k+incrementalChunk-1, max)
	if prev != nil && prev.B.Nodes() > o.chunkNodes() {
		upTo = k
	}
	p, err := enc.EncodeAtMost(goal, upTo)
	if upTo > k && (encode.IsUnsupported(err) || err == nil && p.B.Nodes() > o.chunkNodes()) {
		return enc.EncodeAtMost(goal, k)
	}
	return p, err
}

// DefaultBudget is the time per lemma that deepening without a Depth
// spends (see the README's "Limits" for what it finds on the corpus).
const DefaultBudget = 30 * time.Second

// maxBudgetDepth stops a deepening that the budget would not: a model
// whose depths all solve at once (no rule can fire, say).
const maxBudgetDepth = 1000

// DefaultDepth is the depth of DefaultOptions: enough for the examples'
// attacks (7 steps) and witnesses (5), while a bounded proof of an NSPK or
// NSL lemma to depth 8 takes seconds (docs/performance.md). The command
// line's default is a time budget instead (Depth 0).
const DefaultDepth = 8

// DefaultOptions returns the default options of a program or a test:
// the fixed depth DefaultDepth and the adversary's default bounds.
func DefaultOptions() Options {
	return Options{Depth: DefaultDepth, Encode: encode.DefaultOptions()}
}

// maxDepthFor is the forward search's bound on a trace's length for a
// report whose depth bound is depth (0: a time budget).
func (o Options) maxDepthFor(depth int) int {
	if depth > 0 {
		return depth
	}
	return o.maxDepth()
}

// MaxDepth is the largest depth searched: Depth, 0 for a negative one,
// and without one (a time budget) as deep as the budget allows.
func (o Options) MaxDepth() int { return o.maxDepth() }

// Budget returns the time budget of a deepening without Depth, or 0.
func (o Options) Budget() time.Duration {
	switch {
	case o.Depth != 0:
		return 0
	case o.Timeout > 0:
		return o.Timeout
	}
	return DefaultBudget
}

// answerDepth is the depth the answers beyond a verdict search (further
// witnesses, blocking restrictions): the fixed depth, or without one the
// verdict's step bound, at least 1 and at most DefaultDepth (deepening
// for a time budget may reach depths whose encodings take gigabytes).
// An answer that searched less deep than the verdict's bound says so.
func (o Options) answerDepth(v *Verdict) int {
	if o.Depth != 0 {
		return o.maxDepth()
	}
	return min(max(v.StepBound, 1), DefaultDepth)
}

func (o Options) maxDepth() int {
	switch {
	case o.Depth > 0:
		return o.Depth
	case o.Depth < 0:
		return 0
	}
	return maxBudgetDepth
}

// The causes a lemma's check stops with, as its Unknown reason: its own
// timeout; the end of its time budget (which gives a verdict with the
// depth completed, when at least depth 1 was). The caller's context may
// carry others (a total timeout, a signal), reported as they are.
var (
	errLemmaTimeout = errors.New("timeout")
	errTimeBudget   = errors.New("time budget spent")
)

// Kind is the kind of a verdict.
type Kind int

const (
	// HoldsUpToBound: an all-traces lemma has no counterexample within the bounds.
	HoldsUpToBound Kind = iota
	// Falsified: an all-traces lemma has a counterexample (a real trace).
	Falsified
	// WitnessFound: an exists-trace lemma has a witness trace.
	WitnessFound
	// NoWitnessUpToBound: an exists-trace lemma has no witness within the bounds.
	NoWitnessUpToBound
	// Unknown: the search stopped (timeout, solver gave up, unsupported construct).
	Unknown
)

var kindText = [...]string{"holds up to bound", "falsified", "witness found", "no witness up to bound", "unknown"}

func (k Kind) String() string { return kindText[k] }

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Success reports whether the verdict is what the lemma claims (within the
// bounds): a holding all-traces lemma or a witnessed exists-trace lemma.
func (k Kind) Success() bool { return k == HoldsUpToBound || k == WitnessFound }

// DepthStat records the work at one depth.
type DepthStat struct {
	Depth      int           `json:"depth"`
	Encode     time.Duration `json:"encode_ns"`
	Solve      time.Duration `json:"solve_ns"`
	Nodes      int           `json:"nodes"`
	Assertions int           `json:"assertions"`
	Result     string        `json:"result"`
	// Readable marks the search for a trace with distinct agents.
	Readable bool `json:"readable,omitempty"`
	// Parts: the nodes of a problem built for this depth, by the phase of
	// the encoding that built them (none when the depth shares the
	// problem of an earlier one).
	Parts []encode.Part `json:"-"`
}

// Verdict is the answer for one lemma.
type Verdict struct {
	Lemma *rules.Lemma
	Kind  Kind
	// Depth is the largest depth searched completely; for a trace, the
	// length of a shortest trace (the trace shown may be longer, see
	// Shortest).
	Depth int
	// StepBound is the bound on protocol steps the verdict holds within:
	// Options.Depth, or without one the depth completed in the budget
	// (for a trace: its length).
	StepBound int
	// Budget is set when the deepening ran until the time budget ended
	// it (no Options.Depth): the verdict holds up to the depth reached.
	Budget time.Duration
	// Bounds names every bound that pruned the search.
	Bounds string
	// Reason explains an Unknown verdict.
	Reason string
	// Internal marks an Unknown verdict that stands for an internal error
	// (a trace that failed replay: a bug in tracebound).
	Internal bool
	// Missing are the actions (name/arity) the lemma refers to that no
	// rule records: as far as they go, the lemma holds vacuously.
	Missing []string
	Trace   *rules.Trace
	// Replayed is the replay checker's account of Trace (ground facts,
	// the adversary's derivations).
	Replayed *replay.Result
	// Bindings are the values of the lemma's variables on Trace (see
	// Bindings).
	Bindings []replay.Binding
	// Shortest is set when Trace is longer than a shortest trace, which
	// lets one agent play two roles: the length of that shortest trace
	// (readable.go). It equals Depth then.
	Shortest int
	// AtLeast is set for a trace found from a plan (plan.go) or by the
	// forward search (forward.go) that is longer than what the deepening
	// or the abstraction showed: a shortest trace has at least AtLeast
	// steps, and Trace may not be one.
	AtLeast int
	// Forward marks a trace found by the forward search.
	Forward bool
	// Measure is what the adversary of Trace needs, by the bounds'
	// definitions (docs/bounds.md); MeasureExact is false when its keyed
	// deconstructions are only an upper bound.
	Measure      *replay.Bounds
	MeasureExact bool
	Stats        []DepthStat
	// Time is the wall time for the lemma; Encode, Solve and Replay split
	// it by phase.
	Time, Encode, Solve, Replay time.Duration

	// Notes, Witnesses and Blocking are what Answer adds (answer.go):
	// remarks of the static analysis, the further witnesses (each a
	// verdict of its own), and the restrictions that block a witness.
	Notes     []string
	Witnesses []*Verdict
	Blocking  *Blocking

	// EveryDepth is the argument by which the lemma holds at every
	// depth, for the unbounded adversary (absproof.go), or "".
	EveryDepth string

	// countedOut is the counting restriction that decided the verdict
	// (countingDecides): every trace with the goal violates it, so a
	// search for a witness that keeps it is not made.
	countedOut string
}

// lengthNote says how the trace's length compares with a shortest
// trace's: shorter ones with an agent in two roles, or not known to be
// shortest (from a plan or the forward search).
func (v *Verdict) lengthNote() string {
	note := ""
	if v.Shortest > 0 {
		note = fmt.Sprintf(" (shortest: %d steps, with an agent in two roles)", v.Shortest)
	}
	if v.AtLeast > 0 {
		note = fmt.Sprintf(" (from a plan; a shortest trace has at least %d steps)", v.AtLeast)
		if v.Forward {
			note = fmt.Sprintf(" (forward search; a shortest trace has at least %d steps)", v.AtLeast)
			if v.AtLeast <= 1 {
				note = " (forward search; not known to be shortest)"
			}
		}
	}
	return note
}

// Summary is the one-line verdict.
func (v *Verdict) Summary() string {
	shortest := v.lengthNote()
	var s string
	switch v.Kind {
	case Falsified:
		s = fmt.Sprintf("falsified: counterexample with %d steps%s", len(v.Trace.Steps), shortest)
	case WitnessFound:
		s = fmt.Sprintf("witness found: %d steps%s", len(v.Trace.Steps), shortest)
	case HoldsUpToBound:
		s = "holds up to bound: no counterexample with " + v.Bounds
		if v.EveryDepth != "" {
			s = "holds up to bound: no counterexample at any depth (" + v.EveryDepth + ")"
		}
	case NoWitnessUpToBound:
		s = "no witness up to bound: none with " + v.Bounds
	default:
		s = "unknown: " + v.Reason
		if v.Depth > 0 {
			s = fmt.Sprintf("unknown: %s (no trace with ≤ %d steps)", v.Reason, v.Depth)
		}
	}
	if v.Budget > 0 && v.Trace == nil && v.Kind != Unknown {
		s += fmt.Sprintf(" (depth %d reached in the %s time budget; --depth for a fixed bound)", v.Depth, v.Budget)
	}
	if len(v.Missing) > 0 {
		what := "vacuous"
		if v.Trace != nil || v.Kind == Unknown {
			what = "warning"
		}
		s += fmt.Sprintf(" [%s: no rule records the action %s]", what, strings.Join(v.Missing, ", "))
	}
	return s
}

// Vacuous reports whether the lemma holds (or has no witness) while it
// refers to an action no rule records.
func (v *Verdict) Vacuous() bool {
	return len(v.Missing) > 0 && (v.Kind == HoldsUpToBound || v.Kind == NoWitnessUpToBound)
}

// Checker checks the lemmas of one theory.
type Checker struct {
	th   *rules.Theory
	opts Options
	enc  *encode.Encoder
	err  error
	// ai is the abstraction's view of the theory, made on first use.
	ai     *aiModel
	aiOnce sync.Once
	// aiHead is how long the deepening waits for the abstraction before
	// it starts beside it (aiHeadStart; tests set 0: no wait)
	aiHead time.Duration
}

// NewChecker prepares th for checking.
func NewChecker(th *rules.Theory, opts Options) *Checker {
	enc, err := encode.New(th, opts.Encode)
	return &Checker{th: th, opts: opts, enc: enc, err: err, aiHead: aiHeadStart}
}

// InternalError is a failure of tracebound itself: a trace the replay
// checker rejects. It carries the trace for debugging.
type InternalError struct {
	Lemma string
	Err   error
	Trace *rules.Trace
}

func (e *InternalError) Error() string {
	return fmt.Sprintf("internal error on lemma %s: %v", e.Lemma, e.Err)
}

func (e *InternalError) Unwrap() error { return e.Err }

// checking counts the lemmas being checked in this process, for the
// abstraction beside the deepening, which takes a core none of them uses.
var checking atomic.Int32

// Check checks one lemma by iterative deepening: depth 1, 2, … up to the
// bound (or until the time budget is spent), so that the first trace
// found is a shortest one. It returns an *InternalError if a trace fails
// replay; such a trace is never a verdict.
func (c *Checker) Check(ctx context.Context, l *rules.Lemma) (res *Verdict, err error) {
	checking.Add(1)
	defer checking.Add(-1)
	start := time.Now()
	v := &Verdict{Lemma: l, StepBound: max(c.opts.Depth, 0), Missing: c.th.MissingActions(l.Formula)}
	defer func() { v.Time = time.Since(start) }()
	if c.err != nil {
		v.Kind, v.Reason = Unknown, c.err.Error()
		return v, nil
	}
	goal := encode.GoalForLemma(l)
	v.Bounds = c.enc.Describe(goal, v.StepBound)
	if l.Accountability != nil {
		v.Kind, v.Reason = Unknown, "not supported yet: accountability lemmas"
		return v, nil
	}
	budget := c.opts.Budget()
	switch {
	case budget > 0:
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, budget, errTimeBudget)
		defer cancel()
	case c.opts.Timeout > 0:
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, c.opts.Timeout, errLemmaTimeout)
		defer cancel()
	}
	if c.opts.MemoryLimit > 0 {
		var stop func()
		ctx, stop = guardMemory(ctx, c.opts.MemoryLimit)
		defer stop()
	}
	// stopped ends the deepening when ctx is done: the end of the time
	// budget after depth 1 is a verdict up to the depth completed.
	stopped := func() *Verdict {
		cause := context.Cause(ctx)
		if errors.Is(cause, errTimeBudget) && v.Depth > 0 {
			v.Budget, v.StepBound = budget, v.Depth
			v.Bounds = c.enc.Describe(goal, v.Depth)
			v.Kind = HoldsUpToBound
			if l.Quantifier == rules.ExistsTrace {
				v.Kind = NoWitnessUpToBound
			}
			return v
		}
		v.Kind, v.Reason = Unknown, causeText(cause, budget)
		return v
	}
	// the abstraction's lower bound on a trace's length, and for long
	// traces a witness from a plan (plan.go)
	searched := false
	var aside fwdAside // the first look's trace with an agent in two roles
	forward := func() (bool, error) {
		searched = true
		return c.forward(ctx, v, goal, fwdExpansions, &aside)
	}
	// the forward search runs before the plans' slot problems (long
	// traces) unless it is off
	var beforePlans func() (bool, error)
	if c.opts.Forward != ForwardOff {
		beforePlans = forward
	}
	// a counting restriction that every trace with the goal violates
	// decides it before any search
	if !c.opts.NotIncremental && c.countingDecides(v, goal, &aside) {
		return v, nil
	}
	// a first look: a few states of the forward search, which answers
	// many lemmas at once with a trace of a few steps, before any solver
	// is started (the whole search comes later, beside the first large
	// problem); not when a shortest trace is asked for
	if c.opts.Forward == ForwardAuto && !c.opts.Shortest {
		if done, err := c.forward(ctx, v, goal, fwdFirstLook, &aside); err != nil || done {
			return v, err
		}
	}
	// an all-traces lemma the abstraction proves holds at every depth:
	// when no core is free (one core, as many lemmas being checked as
	// cores, or other processes keeping the cores busy during its head
	// start) it runs first; else the deepening starts beside it unless it
	// answers within its head start
	if c.aiApplies(l) {
		if int(checking.Load()) >= runtime.GOMAXPROCS(0) {
			if c.everyDepth(ctx, v) {
				return v, nil
			}
		} else {
			deep, interrupt := context.WithCancelCause(ctx)
			defer interrupt(nil)
			idle := idleSince()
			ai := c.abstractionBeside(ctx, v, interrupt)
			if ai.finished(c.aiHead) || !freeCore(idle) {
				// answered within its head start, or other processes
				// keep the cores busy: the abstraction first, as on one
				// core
				ai.wait()
				v.Solve += ai.run.took
				if c.aiApply(v, ai.run, len(v.Stats)) {
					return v, nil
				}
			} else {
				ctx = deep
				defer func() { res, err = ai.settle(c, res, err) }()
			}
		}
	}
	lo, done, err := c.planned(ctx, v, goal, beforePlans)
	if err != nil || done {
		return v, err
	}
	if lo > 0 {
		v.Depth = lo - 1
		v.Stats = append(v.Stats, DepthStat{Depth: lo - 1, Result: "none below " + fmt.Sprint(lo) + " (abstraction)"})
	}
	if c.opts.Forward == ForwardFirst && !searched {
		if done, err := forward(); err != nil || done {
			return v, err
		}
	}
	// the whole forward search may run beside the deepening (forwardBeside);
	// its answer comes first, as if it had run before the problem it ran
	// beside, so every answer from here on waits for it
	outer := ctx
	ctx, interrupt := context.WithCancelCause(ctx)
	defer interrupt(nil)
	var beside *fwdBeside
	defer func() {
		if beside != nil {
			res, err = beside.settle(res, err)
		}
	}()
	var (
		p    *encode.Problem
		sv   *solver.Solver
		upTo = -1 // depth of the current incremental problem
	)
	// from the empty trace on (a lemma may be decided by it), or from the
	// abstraction's bound
	for k := lo; k <= c.opts.maxDepth(); k++ {
		if ctx.Err() != nil {
			return stopped(), nil
		}
		t0 := time.Now()
		var err error
		built := c.opts.NotIncremental || k > upTo
		// a problem over the chunk limit is held back from Z3 until the
		// whole forward search has started beside it (or has answered
		// at once with the first look's set-aside trace)
		large := func(p *encode.Problem) bool {
			return !searched && c.opts.Forward == ForwardAuto && p.B.Nodes() > c.opts.chunkNodes()
		}
		newSolver := solver.New
		if c.opts.NotIncremental {
			newSolver = solver.NewOneShot
			p, sv, err = prepare(ctx, newSolver, large, func() (*encode.Problem, error) { return c.enc.Encode(goal, k) })
		} else if k > upTo {
			// one problem for the next chunk of depths: at most upTo
			// steps, each depth checked under "exactly k" in a scope
			from, prev := k, p
			p, sv, err = prepare(ctx, newSolver, large, func() (*encode.Problem, error) {
				return c.opts.encodeChunk(c.enc, goal, from, c.opts.maxDepth(), prev)
			})
			if err == nil {
				upTo = p.K
			}
		}
		if err == nil && built && sv == nil {
			v.Encode += time.Since(t0)
			if aside.tr != nil || runtime.GOMAXPROCS(0) < 2 {
				// the set-aside trace is the answer at once; one core:
				// the search before the problem
				if done, err := forward(); err != nil || done {
					return v, err
				}
			} else {
				searched = true
				beside = c.forwardBeside(outer, v, goal, &aside, interrupt)
			}
			t0 = time.Now()
			q := p
			_, sv, err = prepare(ctx, newSolver, nil, func() (*encode.Problem, error) { return q, nil })
		}
		if errors.Is(err, errAbandoned) {
			return stopped(), nil
		}
		encT := time.Since(t0)
		v.Encode += encT
		if err != nil {
			if encode.IsUnsupported(err) {
				v.Kind, v.Reason = Unknown, err.Error()
				return v, nil
			}
			if errors.Is(err, solver.ErrMemoryLimit) {
				v.Kind, v.Reason = Unknown, solver.MemoryLimit
				return v, nil
			}
			return nil, fmt.Errorf("lemma %s: %w", l.Name, err)
		}
		if c.opts.EmitSMTLIB != "" {
			var extra []*encode.Node
			if !c.opts.NotIncremental {
				extra = append(extra, p.Exactly(k))
			}
			if err := emitSMTLIB(c.opts.EmitSMTLIB, l.Name, k, p, extra); err != nil {
				return nil, err
			}
		}
		t1 := time.Now()
		if !c.opts.NotIncremental {
			sv.Push(ctx)
			if err := sv.Assert(p.Exactly(k)); err != nil {
				return nil, fmt.Errorf("lemma %s, depth %d: %w", l.Name, k, err)
			}
		}
		res, reason, err := sv.CheckSat(ctx)
		solveT := time.Since(t1)
		v.Solve += solveT
		st := DepthStat{Depth: k, Encode: encT, Solve: solveT, Nodes: p.B.Nodes(), Assertions: len(p.Assertions), Result: res.String()}
		if built {
			st.Parts = p.Parts()
		}
		v.Stats = append(v.Stats, st)
		if c.opts.Progress != nil {
			c.opts.Progress(l.Name, k, time.Since(start))
		}
		if err != nil {
			return nil, fmt.Errorf("lemma %s, depth %d: %w", l.Name, k, err)
		}
		switch res {
		case solver.Unknown:
			if ctx.Err() != nil {
				return stopped(), nil
			}
			v.Kind, v.Reason = Unknown, "solver: "+reason
			if reason == solver.MemoryLimit {
				v.Reason = reason
			}
			return v, nil
		case solver.Sat:
			if beside.answered() {
				return v, nil // its trace is the answer (settle)
			}
			return c.found(ctx, v, goal, sv, p, k, solveT)
		}
		if !c.opts.NotIncremental {
			sv.Pop()
		}
		v.Depth = k
	}
	if budget > 0 {
		v.StepBound, v.Bounds = v.Depth, c.enc.Describe(goal, v.Depth)
	}
	if l.Quantifier == rules.ExistsTrace {
		v.Kind = NoWitnessUpToBound
	} else {
		v.Kind = HoldsUpToBound
	}
	return v, nil
}

// found turns the satisfiable problem p into the verdict's trace: it
// decodes the model, replays the trace, looks for simpler exponents,
// minimises, measures, and presents it. want is the trace's length at a
// depth, or -1 for a slot problem (any length).
func (c *Checker) found(ctx context.Context, v *Verdict, goal encode.Goal, sv *solver.Solver, p *encode.Problem, want int, solveT time.Duration) (*Verdict, error) {
	l := v.Lemma
	t2 := time.Now()
	tr, err := p.Decode(sv.Model())
	if err != nil {
		return nil, &InternalError{Lemma: l.Name, Err: err}
	}
	if want >= 0 && len(tr.Steps) != want {
		return nil, &InternalError{Lemma: l.Name, Err: fmt.Errorf("a trace of %d steps at depth %d", len(tr.Steps), want), Trace: tr}
	}
	rep, err := replay.Check(c.th, tr, goal.Formula)
	if err != nil {
		return nil, &InternalError{Lemma: l.Name, Err: err, Trace: tr}
	}
	// under a time limit, making the trace readable may at most double
	// the time the search took (and may take presentMin); with --depth
	// alone the trace shown does not depend on the machine's speed
	pctx := ctx
	if c.opts.Depth == 0 || c.opts.Timeout > 0 {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, max(v.Encode+v.Solve, presentMin))
		defer cancel()
	}
	if want >= 0 {
		tr, rep = c.simpler(pctx, sv, p, want, goal.Formula, tr, rep, solveT)
	}
	tr, rep = minimize(c.th, tr, rep, goal.Formula)
	if m, exact, err := replay.Measure(c.th, tr); err == nil {
		v.Measure, v.MeasureExact = &m, exact
	} else {
		return nil, &InternalError{Lemma: l.Name, Err: err, Trace: tr}
	}
	v.Replay = time.Since(t2)
	v.Trace, v.Replayed = tr, rep
	if want >= 0 {
		v.Depth = want
	} else {
		v.Depth = len(tr.Steps)
	}
	if l.Quantifier == rules.ExistsTrace {
		v.Kind = WitnessFound
	} else {
		v.Kind = Falsified
	}
	if want >= 0 {
		if err := c.present(pctx, v, goal); err != nil {
			return nil, err
		}
	}
	if c.opts.Budget() > 0 {
		// without --depth, the bound is the trace shown
		v.StepBound = len(v.Trace.Steps)
		v.Bounds = c.enc.Describe(goal, v.StepBound)
	}
	return v, nil
}

// errAbandoned: the context was done before an encoding finished.
var errAbandoned = errors.New("encoding abandoned")

// errForwardFound interrupts the deepening when the forward search
// running beside it has found a trace.
var errForwardFound = errors.New("the forward search beside the deepening found a trace")

// fwdBeside is the whole forward search running beside the deepening's
// problems, on a core the solver leaves free (before, it ran before the
// first problem over the chunk limit, and a proof paid its 2 000 states
// in full: NSL's responder nonce secrecy 5.9 s of 57 s to depth 12). Its
// answer is the one the search would have given at that point, on a copy
// of the verdict as it was then: a trace it finds is the verdict whatever
// the solver found meanwhile (it interrupts the solver), so that the
// answer does not depend on which of the two is faster; and when it finds
// none, its row goes where it would have stood.
type fwdBeside struct {
	v      Verdict // the verdict as the search leaves it
	at     int     // where the search's rows go among the verdict's
	found  bool
	err    error
	cancel context.CancelFunc
	done   chan struct{}
}

func (c *Checker) forwardBeside(ctx context.Context, v *Verdict, goal encode.Goal, aside *fwdAside, interrupt context.CancelCauseFunc) *fwdBeside {
	ctx, cancel := context.WithCancel(ctx)
	b := &fwdBeside{v: *v, at: len(v.Stats), cancel: cancel, done: make(chan struct{})}
	b.v.Stats = append([]DepthStat(nil), v.Stats...)
	go func() {
		defer close(b.done)
		b.found, b.err = c.forward(ctx, &b.v, goal, fwdExpansions, aside)
		if b.found || b.err != nil {
			interrupt(errForwardFound)
		}
	}()
	return b
}

// answered waits for the search and reports whether its answer is the
// lemma's (a trace, or an error). A nil b has none.
func (b *fwdBeside) answered() bool {
	if b == nil {
		return false
	}
	<-b.done
	return b.found || b.err != nil
}

// settle ends the search when the deepening has its answer (v, err) and
// returns the lemma's: the search's own when it has one, else v with the
// search's rows where it ran. An error of the deepening stops the search
// first.
func (b *fwdBeside) settle(v *Verdict, err error) (*Verdict, error) {
	if err != nil {
		b.cancel()
		<-b.done
		return v, err
	}
	if b.answered() {
		b.cancel()
		if b.err != nil {
			return nil, b.err
		}
		*v = b.v
		return v, nil
	}
	b.cancel()
	if v != nil {
		rows := b.v.Stats[b.at:]
		v.Stats = append(v.Stats[:b.at:b.at], append(append([]DepthStat(nil), rows...), v.Stats[b.at:]...)...)
	}
	return v, nil
}

// prepare encodes a problem and gives it to a new solver from newSolver
// (solver.New for one checked under Push, solver.NewOneShot for one
// checked once), unless hold (when not nil) holds it back: then the
// solver is nil. The encoder
// and the translation into Z3 do not watch ctx; when ctx is done first,
// prepare returns errAbandoned at once and leaves them to finish in the
// background (their result is dropped), so that a lemma never runs past
// its limits however long a depth takes to encode.
func prepare(ctx context.Context, newSolver func() *solver.Solver, hold func(*encode.Problem) bool, build func() (*encode.Problem, error)) (*encode.Problem, *solver.Solver, error) {
	type prepared struct {
		p   *encode.Problem
		sv  *solver.Solver
		err error
	}
	done := make(chan prepared, 1)
	go func() {
		p, err := build()
		if err != nil {
			done <- prepared{err: err}
			return
		}
		if hold != nil && hold(p) {
			done <- prepared{p: p}
			return
		}
		sv := newSolver()
		done <- prepared{p, sv, sv.Assert(p.Assertions...)}
	}()
	select {
	case r := <-done:
		return r.p, r.sv, r.err
	case <-ctx.Done():
		return nil, nil, errAbandoned
	}
}

// causeText is the Unknown reason for a check stopped with cause.
func causeText(cause error, budget time.Duration) string {
	switch {
	case errors.Is(cause, errTimeBudget):
		return fmt.Sprintf("timeout (the %s time budget ended before depth 1 was complete)", budget)
	case cause == nil, errors.Is(cause, context.DeadlineExceeded):
		return "timeout"
	}
	return cause.Error()
}

// IsInternal reports whether err is an *InternalError.
func IsInternal(err error) bool {
	var ie *InternalError
	return errors.As(err, &ie)
}

// minimize drops from a replayed trace the adversary's knowledge events
// and then the steps that play no part: each removal is kept only if the
// smaller trace still replays and has the property. The result is checked
// again like any trace.
func minimize(th *rules.Theory, tr *rules.Trace, rep *replay.Result, goal rules.Formula) (*rules.Trace, *replay.Result) {
	try := func(cand *rules.Trace) bool {
		r, err := replay.Check(th, cand, goal)
		if err != nil {
			return false
		}
		tr, rep = cand, r
		return true
	}
	// knowledge events other than the adversary's sends
	for i := len(tr.KEvents) - 1; i >= 0; i-- {
		if tr.KEvents[i].InStep >= 0 {
			continue
		}
		evs := append(append([]*rules.KEvent{}, tr.KEvents[:i]...), tr.KEvents[i+1:]...)
		try(&rules.Trace{Steps: tr.Steps, KEvents: evs})
	}
	// steps, last first
	for i := len(tr.Steps) - 1; i >= 0; i-- {
		if cand, ok := dropStep(tr, i); ok {
			try(cand)
		}
	}
	return tr, rep
}

// dropStep returns tr without step i, renumbering the sources and the
// knowledge events; it fails when a later step consumes one of i's
// conclusions.
func dropStep(tr *rules.Trace, i int) (*rules.Trace, bool) {
	out := &rules.Trace{}
	for j, st := range tr.Steps {
		if j == i {
			continue
		}
		s := *st
		s.Sources = make([]rules.Source, len(st.Sources))
		for p, src := range st.Sources {
			switch {
			case src.Step == i:
				return nil, false
			case src.Step > i:
				src.Step--
			}
			s.Sources[p] = src
		}
		out.Steps = append(out.Steps, &s)
	}
	for _, ev := range tr.KEvents {
		e := *ev
		switch {
		case e.InStep == i:
			continue
		case e.InStep > i:
			e.InStep--
		}
		// the event keeps its place relative to the remaining steps
		gap := int(e.Time / rules.TraceTimeScale)
		if gap > i {
			e.Time -= rules.TraceTimeScale
		}
		out.KEvents = append(out.KEvents, &e)
	}
	return out, true
}

// simpler looks for a trace of the same length with simpler exponents
// (encode.Problem.Small), easier to read, in the solver that just found tr
// at depth k. With --depth alone its budget is in Z3's resource units
// (solver.LastUnits), so that the trace shown is the same on every
// machine: twice the units of the check that found tr, at least
// simplerMinUnits and at most simplerMaxUnits (on JKL_TS2_2004's
// initiator key, 40 million units took 10 s; the wall-clock budget it
// replaces was 2–10 s). Under a
// time limit it is half the solving time (at least one second, at most
// three): on the corpus's Diffie–Hellman attacks it found a simpler trace
// in 0.16 s or not at all in the 2–10 s it had, half of those lemmas'
// time. It returns tr itself when there is none.
func (c *Checker) simpler(ctx context.Context, sv *solver.Solver, p *encode.Problem, k int, goal rules.Formula,
	tr *rules.Trace, rep *replay.Result, solveT time.Duration) (*rules.Trace, *replay.Result) {
	timed := c.opts.Depth == 0 || c.opts.Timeout > 0
	units := min(max(2*sv.LastUnits(), simplerMinUnits), simplerMaxUnits)
	sctx := ctx
	if timed {
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(ctx, min(max(solveT/2, time.Second), 3*time.Second))
		defer cancel()
	}
	for _, small := range p.Small() {
		if sctx.Err() != nil || !timed && units == 0 {
			break
		}
		sv.Push(ctx)
		better := false
		if err := sv.Assert(small); err == nil {
			var res solver.Result
			if timed {
				res, _, err = sv.CheckSat(sctx)
			} else {
				res, _, err = sv.CheckSatWithin(ctx, units)
				units -= min(units, sv.LastUnits())
			}
			if err == nil && res == solver.Sat {
				if tr2, err := p.Decode(sv.Model()); err == nil && len(tr2.Steps) == k {
					if rep2, err := replay.Check(c.th, tr2, goal); err == nil {
						tr, rep, better = tr2, rep2, true
					}
				}
			}
		}
		sv.Pop()
		if better {
			break
		}
	}
	return tr, rep
}

// simplerMinUnits and simplerMaxUnits bound simpler's budget with
// --depth alone, in Z3's resource units.
const (
	simplerMinUnits = 10_000_000
	simplerMaxUnits = 40_000_000
)

// emitSMTLIB writes the check of lemma at depth k (problem p with the
// extra assertions) to dir/LEMMA-dK.smt2.
func emitSMTLIB(dir, lemma string, k int, p *encode.Problem, extra []*encode.Node) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--emit-smtlib: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-d%d.smt2", lemma, k)))
	if err != nil {
		return fmt.Errorf("--emit-smtlib: %w", err)
	}
	werr := p.WriteSMTLIB(f, extra...)
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		return fmt.Errorf("--emit-smtlib: %w", werr)
	}
	return nil
}
