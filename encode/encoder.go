package encode

import (
	"fmt"

	"github.com/tracebound/tracebound/rules"
)

// Options set the bounds of the adversary. The zero value gives the
// defaults; a negative value stands for 0.
type Options struct {
	// SynthDepth is how many constructor layers the adversary may build
	// where a rule's pattern has a variable (below the pattern's own
	// structure, which is always available). Default 0.
	SynthDepth int
	// AnalysisDepth is how many layers of pairs (and other deconstructions
	// that need no key) the adversary takes apart below a variable of a
	// message it received or decrypted. Default 2.
	AnalysisDepth int
	// Decryptions is how many deconstructions that need a key (decryption,
	// or any equation with more than one argument) the adversary may
	// perform in a trace. Default 2.
	Decryptions int
	// Linear orders the steps of a trace by their index (step n at time
	// n) instead of giving them free times ordered only where needed.
	Linear bool
	// NoPrune drops the needed-steps constraint (for comparison).
	NoPrune bool
}

// SynthDepthBound, AnalysisDepthBound and DecryptionsBound return the
// bounds in effect (defaults applied).
func (o Options) SynthDepthBound() int { return o.synthDepth() }

func (o Options) AnalysisDepthBound() int { return o.analysisDepth() }

func (o Options) DecryptionsBound() int { return o.decryptions() }

// The defaults were chosen by measurement: each step up of a bound costs
// about 1.5–2× solving time on the examples (see docs/performance.md).
func (o Options) synthDepth() int { return depthOpt(o.SynthDepth, -1) }

func (o Options) analysisDepth() int { return depthOpt(o.AnalysisDepth, 2) }
func (o Options) decryptions() int   { return depthOpt(o.Decryptions, 2) }

// pairBuild is how many pair layers the adversary builds where a pattern
// has a variable: as many as it takes apart, when it builds anything.
func (o Options) pairBuild() int {
	if o.synthDepth() == 0 {
		return 0
	}
	return o.analysisDepth()
}

func depthOpt(v, def int) int {
	if v == 0 {
		v = def
	}
	if v < 0 {
		return 0
	}
	return v
}

// Bounds describes every bound that prunes the search, for verdicts.
func (o Options) Bounds(k int) string {
	return fmt.Sprintf("≤ %d protocol steps and an adversary with ≤ %d keyed deconstructions, ≤ %d constructor layers and ≤ %d pair layers beyond the rules' message patterns",
		k, o.decryptions(), o.synthDepth(), o.analysisDepth())
}

// Encoder holds what the encoding of one theory needs at every depth.
type Encoder struct {
	th       *rules.Theory
	opts     Options
	rules    []*ruleInfo
	decomps  []*decompRule
	earliest []int
}

// ruleInfo is a protocol rule prepared for encoding.
type ruleInfo struct {
	r    *rules.Rule
	idx  int
	name string // unique display name
	vars []rules.Var
	ref  *refinement // the rule refined by shape inference
	// knownState and knownIn are the refined rule's variables the
	// adversary knows: from state premises, and from its own In premises.
	knownState, knownIn map[rules.Var]bool
	knownArgs           [][2]int // state premise arguments holding known values
}

// decompRule is an adversary deconstruction rule derived from an
// equation l = r whose right side is a subterm of the argument main of l:
// knowing that argument and the other arguments gives r.
type decompRule struct {
	eq     *rules.Equation
	main   *rules.Term
	result *rules.Term
	sides  []*rules.Term
}

// New prepares a theory for encoding. It fails with an unsupported error
// (see IsUnsupported) for models outside what the engine handles.
func New(th *rules.Theory, opts Options) (*Encoder, error) {
	for _, b := range th.Builtins {
		if rules.IsACBuiltin(b) {
			return nil, errUnsupported("builtin %s", b)
		}
	}
	for _, e := range th.Equations {
		if e.Builtin == "" && !rules.IsSubtermConvergent(e) {
			return nil, errUnsupported("equation %s: only subterm-convergent equations are supported (the right side must be a ground term or a subterm of the left side)", e)
		}
	}
	E := &Encoder{th: th, opts: opts}
	names := map[string]int{}
	for i, r := range th.Rules {
		ri := &ruleInfo{r: r, idx: i, name: r.Name, vars: r.Vars()}
		names[r.Name]++
		if names[r.Name] > 1 {
			ri.name = fmt.Sprintf("%s#%d", r.Name, names[r.Name])
		}
		if err := checkRule(r); err != nil {
			return nil, err
		}
		E.rules = append(E.rules, ri)
	}
	for _, e := range th.Equations {
		if d := decompFor(e); d != nil {
			E.decomps = append(E.decomps, d)
		}
	}
	heads := th.ReducibleSymbols()
	for i, ref := range inferShapes(E.rules, func(sym string) bool { return heads[sym] }) {
		E.rules[i].ref = ref
	}
	ks, ki, ka := knownVariables(E.rules, th)
	for i, ri := range E.rules {
		ri.knownState, ri.knownIn, ri.knownArgs = ks[i], ki[i], ka[i]
	}
	E.earliest = earliestSlots(E.rules)
	return E, nil
}

// checkRule rejects what the encoding cannot express. A variable that no
// premise binds is fine (Tamarin only warns): it is an unconstrained
// variable of its sort, any value the solver picks.
func checkRule(r *rules.Rule) error {
	for _, v := range r.Vars() {
		switch v.Sort {
		case rules.SortTemporal, rules.SortNat:
			return errUnsupported("rule %s uses %s variable %s", r.Name, v.Sort, v)
		}
	}
	for _, f := range r.Premises {
		if f.Name == rules.FactK || f.Name == rules.FactKU || f.Name == rules.FactKD {
			return errUnsupported("rule %s has adversary knowledge %s as a premise", r.Name, f.Name)
		}
	}
	return nil
}

// decompFor returns the deconstruction rule of an equation, or nil when
// the equation gives the adversary nothing (a ground right side).
func decompFor(e *rules.Equation) *decompRule {
	if e.LHS.Kind != rules.TApp || e.RHS.IsGround() {
		return nil
	}
	for i, a := range e.LHS.Args {
		if !a.Contains(e.RHS) || a.Equal(e.RHS) {
			continue
		}
		d := &decompRule{eq: e, main: a, result: e.RHS}
		for j, s := range e.LHS.Args {
			if j != i {
				d.sides = append(d.sides, s)
			}
		}
		return d
	}
	return nil
}

// earliestSlots computes for each rule a lower bound on the first slot
// at which it can fire: one more than the latest of the earliest
// producers of its (non-Fr, non-In) premises.
func earliestSlots(rs []*ruleInfo) []int {
	const never = 1 << 30
	e := make([]int, len(rs))
	for i := range e {
		e[i] = never
	}
	for changed := true; changed; {
		changed = false
		for i, ri := range rs {
			if ri.ref != nil && ri.ref.dead {
				continue
			}
			best := 1
			for _, p := range ri.r.Premises {
				if p.Name == rules.FactFr || p.Name == rules.FactIn {
					continue
				}
				min := never
				for j, rj := range rs {
					for _, c := range rj.r.Conclusions {
						if c.Key() == p.Key() && e[j]+1 < min {
							min = e[j] + 1
						}
					}
				}
				if min > best {
					best = min
				}
			}
			if best < e[i] {
				e[i] = best
				changed = true
			}
		}
	}
	return e
}

// Goal is what the encoding asks for: a trace on which Formula holds,
// under every restriction.
type Goal struct {
	Formula rules.Formula
	// Name is used in error messages.
	Name string
}

// GoalForLemma returns the goal for a lemma: a counterexample for an
// all-traces lemma (its negation), a witness for an exists-trace lemma.
func GoalForLemma(l *rules.Lemma) Goal {
	if l.Quantifier == rules.ExistsTrace {
		return Goal{Formula: l.Formula, Name: "lemma " + l.Name}
	}
	return Goal{Formula: &rules.Not{F: l.Formula, Pos: l.Pos}, Name: "lemma " + l.Name}
}

// Problem is the encoding of one bounded question: a trace of exactly K
// protocol steps satisfying the goal and the restrictions.
type Problem struct {
	B          *Builder
	Assertions []*Node
	K          int
	e          *enc
	// NoCheck leaves (check-sat) out of WriteSMTLIB's output.
	NoCheck bool
}

// Stats returns size figures of the problem.
func (p *Problem) Stats() string {
	return fmt.Sprintf("%d nodes, %d assertions, %d rule instances, %d knowledge cells", p.B.Nodes(), len(p.Assertions), p.e.instances, len(p.e.cells))
}

// enc is the state of one encoding.
//
// The encoding follows Tamarin's dependency graphs rather than state
// vectors: a trace of k steps is k nodes, each an instance of one rule
// with an integer time; every premise has an edge from a conclusion of a
// node with an earlier time, and a linear conclusion feeds at most one
// premise. Nothing orders steps that do not depend on each other, so the
// solver never enumerates interleavings. Nodes are sorted by rule, and
// nodes of the same rule by time, so that each graph has one encoding.
type enc struct {
	E         *Encoder
	b         *Builder
	a         *algebra
	k         int
	nodes     []*gnode // nodes[0] is node 1
	cells     []*cell
	inEvents  []*kEvent
	kEvents   []*kEvent
	asserts   []*Node
	consumers map[*factInst][]*Node // edges out of each linear conclusion
	instances int
	synthMemo map[[4]int]*Node
	knownMemo map[[2]int]*Node
	usedLast  bool
	atMost    bool
	// assumeKnown holds message nodes synth may take as derivable.
	assumeKnown map[*Node]bool
	// For the needed-steps constraint (see needed): the owner of each
	// knowledge query by its time node, and for each graph node and each
	// decryption node the conditions under which a later, needed part of
	// the trace uses what it sent; witness holds the goal's bindings that
	// use a node.
	owners  map[int]*Node
	uses    map[*gnode][]*Node
	decUses map[int][]*Node
	witness map[*gnode][]*Node
	// goalWitness is set when an outermost existential of the goal is
	// bound by a protocol action; outEdges are the edges out of a node.
	goalWitness bool
	outEdges    map[*gnode][]*Node
	// cands are the keyed deconstructions the adversary may apply to the
	// cells; decs are its decryption nodes.
	cands []*cand
	decs  []*decNode
}

// Encode builds the problem for depth k: traces of exactly k protocol
// steps. Together with the problems for smaller depths it covers all
// traces of at most k steps.
func (E *Encoder) Encode(goal Goal, k int) (*Problem, error) { return E.encode(goal, k, false) }

// EncodeAtMost builds the problem for traces of at most k steps. With
// Exactly it also serves each depth j ≤ k incrementally.
func (E *Encoder) EncodeAtMost(goal Goal, k int) (*Problem, error) { return E.encode(goal, k, true) }

// Exactly returns the condition that the trace has exactly j steps, for a
// problem built by EncodeAtMost with j ≤ its depth (empty nodes come last).
func (p *Problem) Exactly(j int) *Node {
	b := p.B
	conj := []*Node{p.e.nodes[j-1].active}
	if j < len(p.e.nodes) {
		conj = append(conj, b.Not(p.e.nodes[j].active))
	}
	return b.And(conj...)
}

func (E *Encoder) encode(goal Goal, k int, atMost bool) (*Problem, error) {
	b := NewBuilder()
	e := &enc{E: E, b: b, a: newAlgebra(b, E.th), k: k, atMost: atMost, consumers: map[*factInst][]*Node{},
		synthMemo: map[[4]int]*Node{}, owners: map[int]*Node{}, uses: map[*gnode][]*Node{},
		decUses: map[int][]*Node{}, witness: map[*gnode][]*Node{}, outEdges: map[*gnode][]*Node{}, knownMemo: map[[2]int]*Node{}}
	if err := e.build(goal); err != nil {
		return nil, err
	}
	p := &Problem{B: b, K: k, e: e}
	p.Assertions = append(b.TakeAxioms(), e.asserts...)
	return p, nil
}

func (e *enc) assert(n *Node) {
	if n != e.b.True {
		e.asserts = append(e.asserts, n)
	}
}

func (e *enc) build(goal Goal) error {
	b := e.b
	var usable []*ruleInfo
	for _, ri := range e.E.rules {
		if e.E.earliest[ri.idx] <= e.k {
			usable = append(usable, ri)
		}
	}
	linear := e.E.opts.Linear
	for n := 1; n <= e.k; n++ {
		g := &gnode{n: n}
		if linear {
			g.time = b.Real(int64(2 * n))
		} else {
			g.time = b.Const(fmt.Sprintf("t_%d", n), SortReal)
			e.assert(b.Lt(b.Real(0), g.time))
		}
		var choices []*Node
		for _, ri := range usable {
			if linear && e.E.earliest[ri.idx] > n {
				continue
			}
			in, err := e.instantiate(g, ri)
			if err != nil {
				return err
			}
			e.constrainUnbound(in)
			g.insts = append(g.insts, in)
			choices = append(choices, in.active)
		}
		// one rule per node; in at-most mode a node may have none (the
		// symmetry breaking below keeps the empty nodes last)
		g.active = b.Or(choices...)
		if !e.atMost {
			e.assert(g.active)
		}
		for i := range choices {
			for j := i + 1; j < len(choices); j++ {
				e.assert(b.Or(b.Not(choices[i]), b.Not(choices[j])))
			}
		}
		// distinct times: the arithmetic solver orders nodes only where
		// something depends on the order
		for _, o := range e.nodes {
			e.assert(b.Not(b.Eq(o.time, g.time)))
		}
		if n > 1 && !linear {
			// symmetry breaking: rules in nondecreasing order along the
			// nodes, nodes of one rule in time order
			prev := e.nodes[n-2]
			var prefix []*Node
			for i, in := range g.insts {
				prefix = append(prefix, prev.insts[i].active)
				e.assert(b.Implies(in.active, b.Or(prefix...)))
				e.assert(b.Implies(b.And(in.active, prev.insts[i].active), b.Lt(prev.time, g.time)))
			}
		}
		e.nodes = append(e.nodes, g)
	}
	for _, g := range e.nodes {
		for _, in := range g.insts {
			if err := e.premises(in); err != nil {
				return err
			}
		}
	}
	e.consumeOnce()
	for _, g := range e.nodes {
		if err := e.registers(g); err != nil {
			return err
		}
	}
	if err := e.decryptions(); err != nil {
		return err
	}
	for _, ev := range e.inEvents {
		// values the step got from state premises at adversary-known
		// positions need no derivation; the event's time is unique to it,
		// so the memoised answers do not leak to other queries
		e.assumeKnown = ev.in.knownState
		e.own(ev.time, ev.in.active)
		e.assert(b.Implies(ev.in.active, e.synth(ev.msg, ev.time, e.E.opts.synthDepth(), e.E.opts.pairBuild())))
		e.assumeKnown = nil
	}
	f := &formulaEnc{e: e}
	for _, r := range e.E.th.Restrictions {
		n, err := f.encode(r.Formula, "restriction "+r.Name)
		if err != nil {
			return err
		}
		e.assert(n)
	}
	n, err := f.encodeGoal(goal.Formula, goal.Name)
	if err != nil {
		return err
	}
	e.assert(n)
	if !e.E.opts.NoPrune && !e.usedLast && e.goalWitness {
		e.needed(goal)
	}
	if e.usedLast && len(e.kEvents) > 0 {
		// last(#i) says no timepoint follows #i, but the adversary's
		// knowledge events may come after the last protocol step.
		return errUnsupported("%s: last() together with adversary knowledge (K) atoms", goal.Name)
	}
	return nil
}
