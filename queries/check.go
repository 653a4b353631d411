// Package queries answers bounded questions about a theory: it drives the
// encoder and the solver by iterative deepening, replays every trace it
// gets with the independent checker in queries/replay, and turns the
// outcome into verdicts that name their bounds.
package queries

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
	"github.com/tracebound/tracebound/solver"
)

// Options configure a check. DefaultOptions gives the defaults; in the
// zero value, a Depth of 0 means DefaultDepth and the adversary bounds are
// zero.
type Options struct {
	// Depth is the largest number of protocol steps searched
	// (0: DefaultDepth; negative: the empty trace only).
	Depth int
	// Timeout bounds the time per lemma; 0 means no limit.
	Timeout time.Duration
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
}

// incrementalChunk is how many depths share one incremental problem: a
// larger problem than needed slows each depth, a new problem loses what
// the solver learned. 4 was the best compromise measured on the examples
// (chunks of 3, 4, 5, 7 and 10; NSPK attack and NSL proofs to depth 8 and 10).
const incrementalChunk = 4

// DefaultDepth is the default search depth: enough for the examples'
// attacks (7 steps) and witnesses (5), while a bounded proof of an NSPK or
// NSL lemma to depth 8 takes seconds (depth 10 takes tens of seconds, see
// docs/performance.md).
const DefaultDepth = 8

// DefaultOptions returns the default options: depth DefaultDepth and the
// adversary's default bounds.
func DefaultOptions() Options {
	return Options{Depth: DefaultDepth, Encode: encode.DefaultOptions()}
}

// MaxDepth is the depth searched: Depth, or DefaultDepth if it is 0.
func (o Options) MaxDepth() int { return o.depth() }

func (o Options) depth() int {
	switch {
	case o.Depth == 0:
		return DefaultDepth
	case o.Depth < 0:
		return 0
	}
	return o.Depth
}

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
}

// Verdict is the answer for one lemma.
type Verdict struct {
	Lemma *rules.Lemma
	Kind  Kind
	// Depth is the largest depth searched completely; for a trace, the
	// length of a shortest trace (the trace shown may be longer, see
	// Shortest).
	Depth int
	// Bounds names every bound that pruned the search.
	Bounds string
	// Reason explains an Unknown verdict.
	Reason string
	Trace  *rules.Trace
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
}

// Summary is the one-line verdict.
func (v *Verdict) Summary() string {
	shortest := ""
	if v.Shortest > 0 {
		shortest = fmt.Sprintf(" (shortest: %d steps, with an agent in two roles)", v.Shortest)
	}
	switch v.Kind {
	case Falsified:
		return fmt.Sprintf("falsified: counterexample with %d steps%s", len(v.Trace.Steps), shortest)
	case WitnessFound:
		return fmt.Sprintf("witness found: %d steps%s", len(v.Trace.Steps), shortest)
	case HoldsUpToBound:
		return "holds up to bound: no counterexample with " + v.Bounds
	case NoWitnessUpToBound:
		return "no witness up to bound: none with " + v.Bounds
	}
	if v.Depth > 0 {
		return fmt.Sprintf("unknown: %s (no trace with ≤ %d steps)", v.Reason, v.Depth)
	}
	return "unknown: " + v.Reason
}

// Checker checks the lemmas of one theory.
type Checker struct {
	th   *rules.Theory
	opts Options
	enc  *encode.Encoder
	err  error
}

// NewChecker prepares th for checking.
func NewChecker(th *rules.Theory, opts Options) *Checker {
	enc, err := encode.New(th, opts.Encode)
	return &Checker{th: th, opts: opts, enc: enc, err: err}
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

// Check checks one lemma by iterative deepening: depth 1, 2, … up to the
// bound, so that the first trace found is a shortest one. It returns an
// *InternalError if a trace fails replay; such a trace is never a verdict.
func (c *Checker) Check(ctx context.Context, l *rules.Lemma) (*Verdict, error) {
	start := time.Now()
	v := &Verdict{Lemma: l}
	defer func() { v.Time = time.Since(start) }()
	if c.err != nil {
		v.Kind, v.Reason = Unknown, c.err.Error()
		return v, nil
	}
	goal := encode.GoalForLemma(l)
	v.Bounds = c.enc.Describe(goal, c.opts.depth())
	if l.Accountability != nil {
		v.Kind, v.Reason = Unknown, "not supported yet: accountability lemmas"
		return v, nil
	}
	if c.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
	}
	var (
		p    *encode.Problem
		sv   *solver.Solver
		upTo = -1 // depth of the current incremental problem
	)
	// from the empty trace on: a lemma may be decided by it
	for k := 0; k <= c.opts.depth(); k++ {
		if ctx.Err() != nil {
			v.Kind, v.Reason = Unknown, "timeout"
			return v, nil
		}
		t0 := time.Now()
		var err error
		if c.opts.NotIncremental {
			p, err = c.enc.Encode(goal, k)
			sv = solver.New()
			if err == nil {
				err = sv.Assert(p.Assertions...)
			}
		} else if k > upTo {
			// one problem for the next chunk of depths: at most upTo
			// steps, each depth checked under "exactly k" in a scope
			upTo = min(k+incrementalChunk-1, c.opts.depth())
			p, err = c.enc.EncodeAtMost(goal, upTo)
			sv = solver.New()
			if err == nil {
				err = sv.Assert(p.Assertions...)
			}
		}
		encT := time.Since(t0)
		v.Encode += encT
		if err != nil {
			if encode.IsUnsupported(err) {
				v.Kind, v.Reason = Unknown, err.Error()
				return v, nil
			}
			return nil, fmt.Errorf("lemma %s: %w", l.Name, err)
		}
		t1 := time.Now()
		if !c.opts.NotIncremental {
			sv.Push()
			if err := sv.Assert(p.Exactly(k)); err != nil {
				return nil, fmt.Errorf("lemma %s, depth %d: %w", l.Name, k, err)
			}
		}
		res, reason, err := sv.CheckSat(ctx)
		solveT := time.Since(t1)
		v.Solve += solveT
		v.Stats = append(v.Stats, DepthStat{Depth: k, Encode: encT, Solve: solveT, Nodes: p.B.Nodes(), Assertions: len(p.Assertions), Result: res.String()})
		if c.opts.Progress != nil {
			c.opts.Progress(l.Name, k, time.Since(start))
		}
		if err != nil {
			return nil, fmt.Errorf("lemma %s, depth %d: %w", l.Name, k, err)
		}
		switch res {
		case solver.Unknown:
			v.Kind, v.Reason = Unknown, "solver: "+reason
			return v, nil
		case solver.Sat:
			t2 := time.Now()
			tr, err := p.Decode(sv.Model())
			if err != nil {
				return nil, &InternalError{Lemma: l.Name, Err: err}
			}
			if len(tr.Steps) != k {
				return nil, &InternalError{Lemma: l.Name, Err: fmt.Errorf("a trace of %d steps at depth %d", len(tr.Steps), k), Trace: tr}
			}
			rep, err := replay.Check(c.th, tr, goal.Formula)
			if err != nil {
				return nil, &InternalError{Lemma: l.Name, Err: err, Trace: tr}
			}
			tr, rep = c.simpler(ctx, sv, p, k, goal.Formula, tr, rep, solveT)
			tr, rep = minimize(c.th, tr, rep, goal.Formula)
			if m, exact, err := replay.Measure(c.th, tr); err == nil {
				v.Measure, v.MeasureExact = &m, exact
			} else {
				return nil, &InternalError{Lemma: l.Name, Err: err, Trace: tr}
			}
			v.Replay = time.Since(t2)
			v.Trace, v.Replayed, v.Depth = tr, rep, k
			if l.Quantifier == rules.ExistsTrace {
				v.Kind = WitnessFound
			} else {
				v.Kind = Falsified
			}
			if err := c.present(ctx, v, goal); err != nil {
				return nil, err
			}
			return v, nil
		}
		if !c.opts.NotIncremental {
			sv.Pop()
		}
		v.Depth = k
	}
	if l.Quantifier == rules.ExistsTrace {
		v.Kind = NoWitnessUpToBound
	} else {
		v.Kind = HoldsUpToBound
	}
	return v, nil
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
// at depth k; the look costs no more than twice the search did (at least
// two seconds, at most ten). It returns tr itself when there is none.
func (c *Checker) simpler(ctx context.Context, sv *solver.Solver, p *encode.Problem, k int, goal rules.Formula,
	tr *rules.Trace, rep *replay.Result, solveT time.Duration) (*rules.Trace, *replay.Result) {
	budget := min(max(2*solveT, 2*time.Second), 10*time.Second)
	sctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	for _, small := range p.Small() {
		if sctx.Err() != nil {
			break
		}
		sv.Push()
		better := false
		if err := sv.Assert(small); err == nil {
			if res, _, err := sv.CheckSat(sctx); err == nil && res == solver.Sat {
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
