package queries

import (
	"context"
	"fmt"
	"time"

	"github.com/tracebound/tracebound/encode"
	"github.com/tracebound/tracebound/rules"
	"github.com/tracebound/tracebound/solver"
)

// Plans: an abstraction of a model in which a state fact is its name and
// the constants written at its arguments (ClientState(~tid, 'C2a', …) is
// ClientState/_,'C2a',…), a rule consumes and produces such facts, Fr and In
// premises are always available, and restrictions do not apply. Every
// trace of the model is a multiset of rule instances of the abstraction in
// which every linear premise is fed by its own conclusion of another
// instance and every persistent premise by some instance (a flow), so
//
//   - the fewest instances any abstract flow with the goal's actions needs
//     is a lower bound on the length of a trace with the goal: depths below
//     it need no search;
//   - the counts of a cheapest flow are a guess at how many instances of
//     each rule a witness needs, which a slot problem (encode.EncodeSlots)
//     can check at a fraction of the size of a depth problem.
//
// The flows are found by Z3 over integer counts (the solver package).

// absFact is a fact of the abstraction: its symbol and the constants
// written at its arguments ("" for anything else).
type absFact struct {
	key    rules.FactKey
	consts []string
}

func abstractFact(f *rules.Fact) absFact {
	a := absFact{key: f.Key(), consts: make([]string, len(f.Args))}
	for i, t := range f.Args {
		switch {
		case t.Kind == rules.TPub || t.Kind == rules.TFresh:
			a.consts[i] = t.String()
		case t.Kind == rules.TApp && len(t.Args) == 0:
			a.consts[i] = t.String()
		}
	}
	return a
}

// feeds reports whether a conclusion can supply a premise in the
// abstraction.
func (c absFact) feeds(p absFact) bool {
	if c.key != p.key {
		return false
	}
	for i := range c.consts {
		if c.consts[i] != "" && p.consts[i] != "" && c.consts[i] != p.consts[i] {
			return false
		}
	}
	return true
}

// planner holds the flow problem of a theory for one goal.
type planner struct {
	th    *rules.Theory
	rs    []*rules.Rule
	live  []bool
	b     *encode.Builder
	count []*encode.Node // instances of each rule
	sv    *solver.Solver
	total *encode.Node
}

// newPlanner builds the flow problem: counts per rule, flows per
// (conclusion, premise) pair, and the goal's required actions.
func newPlanner(th *rules.Theory, E *encode.Encoder, goal rules.Formula) (*planner, error) {
	pl := &planner{th: th, rs: E.SlotRules(), b: encode.NewBuilder()}
	b := pl.b
	pl.live = make([]bool, len(pl.rs))
	for i := range pl.rs {
		pl.live[i] = !E.Dead(i)
	}
	var asserts []*encode.Node
	pl.count = make([]*encode.Node, len(pl.rs))
	pl.total = b.Int(0)
	for i := range pl.rs {
		pl.count[i] = b.Const(fmt.Sprintf("count_%d", i), encode.SortInt)
		if !pl.live[i] {
			asserts = append(asserts, b.Eq(pl.count[i], b.Int(0)))
			continue
		}
		asserts = append(asserts, b.Le(b.Int(0), pl.count[i]))
		pl.total = b.Add(pl.total, pl.count[i])
	}
	type end struct {
		rule, fact int
		f          absFact
	}
	var prems, concs []end
	for i, r := range pl.rs {
		for j, p := range r.Premises {
			if !rules.IsReserved(p.Name) {
				prems = append(prems, end{i, j, abstractFact(p)})
			}
		}
		for j, c := range r.Conclusions {
			if !rules.IsReserved(c.Name) {
				concs = append(concs, end{i, j, abstractFact(c)})
			}
		}
	}
	out := map[[2]int][]*encode.Node{} // flows out of a linear conclusion
	for _, p := range prems {
		if !pl.live[p.rule] {
			continue
		}
		var in []*encode.Node
		var producers []*encode.Node
		for _, c := range concs {
			if !pl.live[c.rule] || !c.f.feeds(p.f) {
				continue
			}
			if p.f.key.Persistent {
				producers = append(producers, b.Le(b.Int(1), pl.count[c.rule]))
				continue
			}
			y := b.Const(fmt.Sprintf("flow_%d_%d_%d_%d", c.rule, c.fact, p.rule, p.fact), encode.SortInt)
			asserts = append(asserts, b.Le(b.Int(0), y))
			in = append(in, y)
			out[[2]int{c.rule, c.fact}] = append(out[[2]int{c.rule, c.fact}], y)
		}
		if p.f.key.Persistent {
			asserts = append(asserts, b.Implies(b.Le(b.Int(1), pl.count[p.rule]), b.Or(producers...)))
			continue
		}
		sum := b.Int(0)
		for _, y := range in {
			sum = b.Add(sum, y)
		}
		asserts = append(asserts, b.Eq(sum, pl.count[p.rule]))
	}
	for k, ys := range out {
		sum := b.Int(0)
		for _, y := range ys {
			sum = b.Add(sum, y)
		}
		asserts = append(asserts, b.Le(sum, pl.count[k[0]]))
	}
	// the goal's actions
	for _, name := range requiredActionNames(goal) {
		var opts []*encode.Node
		for i, r := range pl.rs {
			for _, a := range r.Actions {
				if a.Name == name {
					opts = append(opts, b.Le(b.Int(1), pl.count[i]))
					break
				}
			}
		}
		asserts = append(asserts, b.Or(opts...))
	}
	pl.sv = solver.New()
	if err := pl.sv.Assert(asserts...); err != nil {
		return nil, err
	}
	return pl, nil
}

// cheapest returns the counts of a flow with the fewest instances, at most
// max in all, or nil when there is none.
func (pl *planner) cheapest(ctx context.Context, max int) ([]int, error) {
	b := pl.b
	// is there a flow at all within max? (one call, however large max)
	pl.sv.Push()
	if err := pl.sv.Assert(b.Le(pl.total, b.Int(int64(max)))); err != nil {
		return nil, err
	}
	res, _, err := pl.sv.CheckSat(ctx)
	if err != nil || res != solver.Sat {
		pl.sv.Pop()
		return nil, err
	}
	hi := int(pl.sv.Model().Int(pl.total))
	pl.sv.Pop()
	for n := 0; n <= hi; n++ {
		pl.sv.Push()
		if err := pl.sv.Assert(b.Le(pl.total, b.Int(int64(n)))); err != nil {
			return nil, err
		}
		res, _, err := pl.sv.CheckSat(ctx)
		if err != nil {
			pl.sv.Pop()
			return nil, err
		}
		if res == solver.Sat {
			m := pl.sv.Model()
			counts := make([]int, len(pl.rs))
			for i := range counts {
				counts[i] = int(m.Int(pl.count[i]))
			}
			pl.sv.Pop()
			return counts, nil
		}
		pl.sv.Pop()
		if res == solver.Unknown {
			return nil, nil
		}
	}
	return nil, nil
}

// exclude keeps later plans from being within an earlier one: some rule
// gets more instances than counts gives it.
func (pl *planner) exclude(counts []int) error {
	b := pl.b
	var more []*encode.Node
	for i, n := range counts {
		if pl.live[i] {
			more = append(more, b.Lt(b.Int(int64(n)), pl.count[i]))
		}
	}
	return pl.sv.Assert(b.Or(more...))
}

// requiredActionNames returns the names of the protocol actions every trace
// satisfying f has: those at positive polarity under existentials and
// conjunctions only.
func requiredActionNames(f rules.Formula) []string {
	seen := map[string]bool{}
	var out []string
	var walk func(f rules.Formula, pos bool)
	walk = func(f rules.Formula, pos bool) {
		switch f := f.(type) {
		case *rules.Atom:
			if pos && f.Kind == rules.AtomAction && !rules.IsReserved(f.Fact.Name) && !seen[f.Fact.Name] {
				seen[f.Fact.Name] = true
				out = append(out, f.Fact.Name)
			}
		case *rules.Not:
			walk(f.F, !pos)
		case *rules.Quant:
			if f.Exists == pos {
				walk(f.Body, pos)
			}
		case *rules.Conn:
			switch {
			case f.Op == rules.And && pos, f.Op == rules.Or && !pos:
				walk(f.L, pos)
				walk(f.R, pos)
			case f.Op == rules.Imp && !pos:
				walk(f.L, true)
				walk(f.R, false)
			}
		}
	}
	walk(f, true)
	return out
}

// planThreshold is the lower bound on a trace's length from which a check
// first looks for a witness from plans: shorter traces are found fast by
// deepening.
const planThreshold = 8

// planTries is how many plans a check tries before it deepens.
const planTries = 6

// planned computes the abstraction's lower bound on the length of a trace
// with the goal (depths below it hold none), and when that bound is
// planThreshold or more, looks for a trace from the cheapest plans with
// slot problems. It reports done when the verdict is decided: a trace was
// found, or no flow of the abstraction reaches the goal within the depth
// (then no trace does).
func (c *Checker) planned(ctx context.Context, v *Verdict, goal encode.Goal) (lo int, done bool, err error) {
	t0 := time.Now()
	pl, err := newPlanner(c.th, c.enc, goal.Formula)
	if err != nil {
		return 0, false, nil // no plan: deepen from 0
	}
	counts, err := pl.cheapest(ctx, c.opts.maxDepth())
	v.Encode += time.Since(t0)
	if err != nil || ctx.Err() != nil {
		return 0, false, nil
	}
	if counts == nil {
		// no abstract flow reaches the goal within the depth
		v.Depth = c.opts.maxDepth()
		v.StepBound, v.Bounds = v.Depth, c.enc.Describe(goal, v.Depth)
		v.Stats = append(v.Stats, DepthStat{Depth: c.opts.maxDepth(), Encode: time.Since(t0), Result: "none (abstraction)"})
		if v.Lemma.Quantifier == rules.ExistsTrace {
			v.Kind = NoWitnessUpToBound
		} else {
			v.Kind = HoldsUpToBound
		}
		return 0, true, nil
	}
	for _, n := range counts {
		lo += n
	}
	if lo < planThreshold || c.opts.NotIncremental {
		return lo, false, nil
	}
	for try := 0; try < planTries && counts != nil && ctx.Err() == nil; try++ {
		sum := 0
		for _, n := range counts {
			sum += n
		}
		t1 := time.Now()
		p, err := c.enc.EncodeSlots(goal, counts, c.opts.maxDepth())
		if err != nil {
			return lo, false, nil
		}
		sv := solver.New()
		if err := sv.Assert(p.Assertions...); err != nil {
			return lo, false, err
		}
		encT := time.Since(t1)
		v.Encode += encT
		t2 := time.Now()
		res, _, err := sv.CheckSat(ctx)
		solveT := time.Since(t2)
		v.Solve += solveT
		v.Stats = append(v.Stats, DepthStat{Depth: sum, Encode: encT, Solve: solveT, Nodes: p.B.Nodes(), Assertions: len(p.Assertions),
			Result: res.String() + " (plan)"})
		if err != nil {
			return lo, false, err
		}
		if res == solver.Sat {
			if _, err := c.found(ctx, v, goal, sv, p, -1, solveT); err != nil {
				return lo, false, err
			}
			if len(v.Trace.Steps) > lo {
				v.AtLeast = lo
			}
			return lo, true, nil
		}
		if err := pl.exclude(counts); err != nil {
			return lo, false, nil
		}
		if counts, err = pl.cheapest(ctx, c.opts.maxDepth()); err != nil {
			return lo, false, nil
		}
	}
	return lo, false, nil
}
