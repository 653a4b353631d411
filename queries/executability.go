package queries

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/queries/replay"
	"github.com/tracebound/tracebound/rules"
	"github.com/tracebound/tracebound/solver"
)

// The executability report (issue 10, tracebound rules): for every rule,
// can it fire at all? A model whose rule can never fire proves every
// property about it vacuously, the most common modelling bug; Tamarin
// users write one exists-trace lemma per rule to find out.
//
// The static analysis (static.go) comes first: a rule whose premise no
// rule produces, or only rules that can never fire, is dead without any
// solving. The other rules share one problem per chunk of depths, with
// no goal and a switch per restriction (all on: restrictions apply, as in
// Tamarin): at each depth k the solver is asked whether some rule not yet
// seen fires in a trace of exactly k steps; every rule that fires in the
// trace it returns has a shortest trace of k steps (none fired at a
// smaller depth), and the question is asked again without them until no
// further rule fires at k. So the report costs about one solver call per
// rule and depth, on one encoding (when the problem for a chunk is too
// large to encode, a problem for the one depth is tried before giving
// up). After the last depth, the rules that
// never fired are asked once more with the switches free: a rule that
// fires then is blocked only by restrictions, and a smallest set of them
// is named (explain.go). Every trace the report rests on is replayed.

// RuleStatus is a rule's verdict in the report.
type RuleStatus int

const (
	// Reachable: some trace within the bounds has an instance of the
	// rule (Steps: the length of a shortest one).
	Reachable RuleStatus = iota
	// Dead: the static analysis shows the rule can never fire.
	Dead
	// Blocked: no trace within the bounds has an instance of the rule,
	// but one does without the restrictions named.
	Blocked
	// NotReachable: no trace within the bounds has an instance of the
	// rule, even without restrictions.
	NotReachable
	// UnknownStatus: the search stopped before the bound, or the encoder
	// does not take the rule.
	UnknownStatus
)

var ruleStatusText = [...]string{"reachable", "dead", "blocked by restrictions", "not reachable up to bound", "unknown"}

func (s RuleStatus) String() string { return ruleStatusText[s] }

// MarshalText implements encoding.TextMarshaler.
func (s RuleStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// RuleVerdict is one rule's line of the report.
type RuleVerdict struct {
	Rule *rules.Rule
	// Name is the rule's unique name (a second rule of a name is
	// name#2).
	Name   string
	Status RuleStatus
	// Steps is, for a reachable rule, the length of its shortest trace;
	// for a blocked one, the length of the trace found without the
	// restrictions.
	Steps int
	// Blocking names the restrictions without which a blocked rule
	// fires (a smallest set).
	Blocking []string
	// Reason says why a rule is dead or unknown.
	Reason string
	// Trace is a shortest trace in which the rule fires (minimized), when
	// asked for; for a blocked rule, a trace without the restrictions.
	Trace    *rules.Trace
	Replayed *replay.Result
}

// Executability is the executability report of a theory.
type Executability struct {
	Rules  []*RuleVerdict
	Static *Static
	// Depth is the bound on protocol steps, Bounds every bound by name
	// (as in check's verdicts), Complete the largest depth searched
	// completely (-1: none).
	Depth    int
	Bounds   string
	Complete int
	// Note says what the bounds hold for when some rules are left out
	// (the encoder does not take them).
	Note                        string
	Stats                       []DepthStat
	Time, Encode, Solve, Replay time.Duration
}

// Count returns how many rules have status s.
func (x *Executability) Count(s RuleStatus) int {
	n := 0
	for _, r := range x.Rules {
		if r.Status == s {
			n++
		}
	}
	return n
}

// Executable computes the executability report of th within opts'
// bounds; traces says for which rules to keep a shortest trace.
// opts.Timeout bounds the whole report: the rules not decided when it
// runs out are unknown.
func Executable(ctx context.Context, th *rules.Theory, opts Options, traces func(*rules.Rule) bool) (*Executability, error) {
	t0 := time.Now()
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	if traces == nil {
		traces = func(*rules.Rule) bool { return false }
	}
	x := &Executability{Static: Analyse(th), Depth: opts.answerDepth(&Verdict{}), Complete: -1}
	defer func() { x.Time = time.Since(t0) }()
	names := map[string]int{}
	byRule := map[*rules.Rule]*RuleVerdict{}
	for _, r := range th.Rules {
		rv := &RuleVerdict{Rule: r, Name: r.Name}
		names[r.Name]++
		if n := names[r.Name]; n > 1 {
			rv.Name = fmt.Sprintf("%s#%d", r.Name, n)
		}
		x.Rules = append(x.Rules, rv)
		byRule[r] = rv
	}
	// what the encoder does not take, rule by rule
	if err := encode.TheorySupport(th); err != nil {
		for _, rv := range x.Rules {
			rv.Status, rv.Reason = UnknownStatus, err.Error()
		}
		return x, nil
	}
	sub := *th
	sub.Rules = nil
	var left []string
	for _, r := range th.Rules {
		if err := encode.RuleSupport(r); err != nil {
			byRule[r].Status, byRule[r].Reason = UnknownStatus, err.Error()
			left = append(left, byRule[r].Name)
			continue
		}
		sub.Rules = append(sub.Rules, r)
	}
	if len(left) > 0 {
		x.Note = "the bounds hold for the model without the rules the encoder does not take: " + strings.Join(left, ", ")
	}
	var open []*rules.Rule
	for _, r := range sub.Rules {
		if why, dead := x.Static.Dead[r]; dead {
			byRule[r].Status, byRule[r].Reason = Dead, why
			continue
		}
		open = append(open, r)
	}
	eopts := opts.Encode
	eopts.RestrictionSwitches = true
	enc, err := encode.New(&sub, eopts)
	goal := encode.Goal{Formula: &rules.Atom{Kind: rules.AtomTrue}, Name: "the executability report"}
	if err != nil {
		unknown(open, byRule, err.Error(), -1)
		return x, nil
	}
	x.Bounds = enc.Describe(goal, x.Depth)
	e := &execSearch{x: x, th: &sub, byRule: byRule, traces: traces}
	var (
		p        *encode.Problem
		sv       *solver.Solver
		upTo     = -1
		searched = opts.Forward == ForwardOff
	)
	if opts.Forward == ForwardFirst {
		searched = true
		if open, err = e.forward(ctx, enc, open, opts.maxDepthFor(x.Depth)); err != nil {
			return nil, err
		}
	}
	for k := 0; k <= x.Depth && len(open) > 0; k++ {
		if ctx.Err() != nil {
			unknown(open, byRule, "timeout", k-1)
			return x, nil
		}
		if k > upTo {
			t1 := time.Now()
			p, err = opts.encodeChunk(enc, goal, k, x.Depth, p)
			if err == nil {
				upTo = p.K
				sv = solver.New()
				err = sv.Assert(p.Assertions...)
			}
			x.Encode += time.Since(t1)
			if err != nil {
				if encode.IsUnsupported(err) {
					unknown(open, byRule, err.Error(), k-1)
					return x, nil
				}
				return nil, fmt.Errorf("executability report, depth %d: %w", k, err)
			}
			if !searched && opts.Forward != ForwardOff && p.B.Nodes() > opts.chunkNodes() {
				// long traces ahead: the forward search first
				searched = true
				if open, err = e.forward(ctx, enc, open, opts.maxDepthFor(x.Depth)); err != nil {
					return nil, err
				}
				if len(open) == 0 {
					break
				}
			}
		}
		var reason string
		open, reason, err = e.depth(ctx, sv, p, k, open)
		if err != nil {
			return nil, err
		}
		if reason != "" {
			unknown(open, byRule, reason, k-1)
			return x, nil
		}
		x.Complete = k
	}
	for _, r := range open {
		if byRule[r].Status != UnknownStatus {
			byRule[r].Status = NotReachable
		}
	}
	if len(open) > 0 && len(th.Restrictions) > 0 && p != nil {
		if err := e.blocked(ctx, sv, p, open); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// unknown marks the rules as unknown for reason, after a complete search
// up to depth upTo.
func unknown(rs []*rules.Rule, byRule map[*rules.Rule]*RuleVerdict, reason string, upTo int) {
	if upTo >= 0 {
		reason += fmt.Sprintf(" (not reachable with ≤ %d steps)", upTo)
	}
	for _, r := range rs {
		byRule[r].Status, byRule[r].Reason = UnknownStatus, reason
	}
}

// execSearch is the state of the dynamic part of a report.
type execSearch struct {
	x      *Executability
	th     *rules.Theory // the rules the encoder takes
	byRule map[*rules.Rule]*RuleVerdict
	traces func(*rules.Rule) bool
}

// depth finds every rule of open that fires in some trace of exactly k
// steps, and returns the others; reason is set when the solver stops.
func (e *execSearch) depth(ctx context.Context, sv *solver.Solver, p *encode.Problem, k int, open []*rules.Rule) ([]*rules.Rule, string, error) {
	on := p.B.And(p.Switches()...)
	for len(open) > 0 {
		var fires []*encode.Node
		for _, r := range open {
			fires = append(fires, p.Fires(r))
		}
		t1 := time.Now()
		sv.Push(ctx)
		err := sv.Assert(on, p.Exactly(k), p.B.Or(fires...))
		var res solver.Result
		var reason string
		if err == nil {
			res, reason, err = sv.CheckSat(ctx)
		}
		var tr *rules.Trace
		var derr error
		if err == nil && res == solver.Sat {
			tr, derr = p.Decode(sv.Model())
		}
		sv.Pop()
		solveT := time.Since(t1)
		e.x.Solve += solveT
		e.x.Stats = append(e.x.Stats, DepthStat{Depth: k, Solve: solveT, Nodes: p.B.Nodes(), Assertions: len(p.Assertions), Result: res.String()})
		if err != nil {
			return open, "", fmt.Errorf("executability report, depth %d: %w", k, err)
		}
		switch res {
		case solver.Unknown:
			if ctx.Err() != nil {
				reason = "timeout"
			} else {
				reason = "solver: " + reason
			}
			return open, reason, nil
		case solver.Unsat:
			return open, "", nil
		}
		t2 := time.Now()
		if derr != nil {
			return open, "", &InternalError{Lemma: "(executability)", Err: derr}
		}
		if len(tr.Steps) != k {
			return open, "", &InternalError{Lemma: "(executability)", Err: fmt.Errorf("a trace of %d steps at depth %d", len(tr.Steps), k), Trace: tr}
		}
		rep, err := replay.Check(e.th, tr, nil)
		if err != nil {
			return open, "", &InternalError{Lemma: "(executability)", Err: err, Trace: tr}
		}
		var rest []*rules.Rule
		for _, r := range open {
			if ruleCount(tr)[r] == 0 {
				rest = append(rest, r)
				continue
			}
			rv := e.byRule[r]
			rv.Status, rv.Steps = Reachable, k
			if e.traces(r) {
				rv.Trace, rv.Replayed = e.shortTrace(e.th, tr, rep, r)
			}
		}
		e.x.Replay += time.Since(t2)
		if len(rest) == len(open) {
			return open, "", &InternalError{Lemma: "(executability)", Err: fmt.Errorf("a trace at depth %d in which no rule asked for fires", k), Trace: tr}
		}
		open = rest
	}
	return open, "", nil
}

// forward runs the forward search (forward.go) for each rule of open in
// turn, to at most maxDepth steps; every rule of a trace it finds is
// reachable (the trace need not be a shortest one: the reason says so).
// It returns the rules still open.
func (e *execSearch) forward(ctx context.Context, enc *encode.Encoder, open []*rules.Rule, maxDepth int) ([]*rules.Rule, error) {
	t0 := time.Now()
	defer func() { e.x.Solve += time.Since(t0) }()
	rs := enc.SlotRules()
	live := make([]bool, len(rs))
	for i := range rs {
		live[i] = !enc.Dead(i)
	}
	for _, r := range append([]*rules.Rule(nil), open...) {
		if ctx.Err() != nil {
			break
		}
		if !slices.Contains(open, r) {
			continue // in an earlier trace
		}
		ri := slices.Index(rs, r)
		if ri < 0 {
			continue
		}
		fs, err := newForwardRule(e.th, rs, live, ri)
		if err != nil {
			continue
		}
		if !fs.hasIn {
			if cr, _, _ := fs.countingBlock(); cr != nil {
				// no trace has the rule, at any depth: the search would
				// only spend its states
				done, err := e.countedOut(ctx, rs, live, r, ri, cr, maxDepth)
				if err != nil {
					return open, err
				}
				if done {
					open = slices.DeleteFunc(open, func(o *rules.Rule) bool { return o == r })
				}
				continue
			}
		}
		t1 := time.Now()
		tr, err := fs.run(ctx, maxDepth, fwdExpansions)
		st := DepthStat{Depth: e.x.Complete, Solve: time.Since(t1), Result: fmt.Sprintf("%s: none (forward search, %d states)", e.byRule[r].Name, fs.Expanded)}
		if err != nil {
			return open, err
		}
		if tr == nil {
			e.x.Stats = append(e.x.Stats, st)
			continue
		}
		st.Result = fmt.Sprintf("%s: a trace of %d steps (forward search, %d states)", e.byRule[r].Name, len(tr.Steps), fs.Expanded)
		e.x.Stats = append(e.x.Stats, st)
		rep, err := replay.Check(e.th, tr, nil)
		if err != nil {
			return open, &InternalError{Lemma: "(executability, forward search)", Err: err, Trace: tr}
		}
		var rest []*rules.Rule
		for _, o := range open {
			if ruleCount(tr)[o] == 0 {
				rest = append(rest, o)
				continue
			}
			rv := e.byRule[o]
			t, rp := e.shortTrace(e.th, tr, rep, o)
			rv.Status, rv.Steps = Reachable, len(t.Steps)
			rv.Reason = "forward search: a shortest trace may be shorter"
			if e.traces(o) {
				rv.Trace, rv.Replayed = t, rp
			}
		}
		open = rest
	}
	return open, nil
}

// countedOut reports rule r (ri among rs) blocked by the counting
// restriction cr, which every trace with r violates (countingBlock), when
// the forward search finds a trace with r on the model without cr.
func (e *execSearch) countedOut(ctx context.Context, rs []*rules.Rule, live []bool, r *rules.Rule, ri int, cr *rules.Restriction, maxDepth int) (bool, error) {
	without := withoutRestrictions(e.th, []string{cr.Name})
	fs, err := newForwardRule(without, rs, live, ri)
	if err != nil {
		return false, nil
	}
	t1 := time.Now()
	tr, err := fs.run(ctx, maxDepth, fwdExpansions)
	name := e.byRule[r].Name
	st := DepthStat{Depth: e.x.Complete, Solve: time.Since(t1), Result: fmt.Sprintf("%s: none at any depth (abstraction: restriction %s); without it none found (forward search, %d states)", name, cr.Name, fs.Expanded)}
	if err != nil || tr == nil {
		e.x.Stats = append(e.x.Stats, st)
		return false, err
	}
	st.Result = fmt.Sprintf("%s: none at any depth (abstraction: restriction %s); without it a trace of %d steps (forward search, %d states)", name, cr.Name, len(tr.Steps), fs.Expanded)
	e.x.Stats = append(e.x.Stats, st)
	rep, err := replay.Check(without, tr, nil)
	if err != nil {
		return false, &InternalError{Lemma: "(executability, without " + cr.Name + ")", Err: err, Trace: tr}
	}
	if ruleCount(tr)[r] == 0 {
		return false, &InternalError{Lemma: "(executability)", Err: fmt.Errorf("rule %s does not fire in the trace without %s", r.Name, cr.Name), Trace: tr}
	}
	rv := e.byRule[r]
	rv.Status, rv.Blocking, rv.Steps = Blocked, []string{cr.Name}, len(tr.Steps)
	rv.Reason = "at any depth: every trace with it has more steps than restriction " + cr.Name + " allows (counting argument); the trace without it is from the forward search"
	if e.traces(r) {
		rv.Trace, rv.Replayed = e.shortTrace(without, tr, rep, r)
		rv.Steps = len(rv.Trace.Steps)
	}
	return true, nil
}

// blocked asks, for the rules that fire in no trace within the bounds,
// whether they fire without some restrictions, in p (a problem for
// every depth up to the bound); a rule that does gets a smallest set of
// restrictions.
func (e *execSearch) blocked(ctx context.Context, sv *solver.Solver, p *encode.Problem, open []*rules.Rule) error {
	t0 := time.Now()
	defer func() { e.x.Solve += time.Since(t0) }()
	for _, r := range open {
		if ctx.Err() != nil {
			return nil
		}
		b := &Blocking{}
		drop, tr, err := smallestBlocking(ctx, sv, p, p.Fires(r), b)
		if err != nil {
			return err
		}
		if tr == nil {
			if b.Reason != "" {
				rv := e.byRule[r]
				rv.Reason = "which restrictions block it: unknown (" + b.Reason + ")"
			}
			continue
		}
		var names []string
		for _, i := range drop {
			names = append(names, e.th.Restrictions[i].Name)
		}
		without := withoutRestrictions(e.th, names)
		rep, err := replay.Check(without, tr, nil)
		if err != nil {
			return &InternalError{Lemma: "(executability, without " + strings.Join(names, ", ") + ")", Err: err, Trace: tr}
		}
		if ruleCount(tr)[r] == 0 {
			return &InternalError{Lemma: "(executability)", Err: fmt.Errorf("rule %s does not fire in the trace without %s", r.Name, strings.Join(names, ", ")), Trace: tr}
		}
		rv := e.byRule[r]
		rv.Status, rv.Blocking, rv.Steps = Blocked, names, len(tr.Steps)
		if e.traces(r) {
			rv.Trace, rv.Replayed = e.shortTrace(without, tr, rep, r)
			rv.Steps = len(rv.Trace.Steps)
		}
	}
	return nil
}

// shortTrace returns a minimized copy of tr in which r still fires, its
// values named after the rules' variables.
func (e *execSearch) shortTrace(th *rules.Theory, tr *rules.Trace, rep *replay.Result, r *rules.Rule) (*rules.Trace, *replay.Result) {
	tr, rep = minimizeKeeping(th, tr, rep, func(c *rules.Trace) bool { return ruleCount(c)[r] > 0 })
	named := nameValues(th, tr, nil)
	if rep2, err := replay.Check(th, named, nil); err == nil {
		return named, rep2
	}
	return tr, rep
}
