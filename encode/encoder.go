package encode

import (
	"fmt"
	"sort"
	"strings"

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
func (o Options) SynthDepthBound() int    { return o.synthDepth() }
func (o Options) AnalysisDepthBound() int { return o.analysisDepth() }
func (o Options) DecryptionsBound() int   { return o.decryptions() }

// The defaults were chosen by measurement: each step up of a bound costs
// about 1.5–2× solving time on the examples (see docs/performance.md).
func (o Options) synthDepth() int    { return depthOpt(o.SynthDepth, -1) }
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
	for i, ref := range inferShapes(E.rules) {
		E.rules[i].ref = ref
	}
	ks, ki, ka := knownVariables(E.rules, th)
	for i, ri := range E.rules {
		ri.knownState, ri.knownIn, ri.knownArgs = ks[i], ki[i], ka[i]
	}
	E.earliest = earliestSlots(E.rules)
	return E, nil
}

func checkRule(r *rules.Rule) error {
	bound := map[rules.Var]bool{}
	for _, f := range r.Premises {
		for _, v := range f.Vars(nil) {
			bound[v] = true
		}
	}
	for _, v := range r.Vars() {
		switch v.Sort {
		case rules.SortTemporal, rules.SortNat:
			return errUnsupported("rule %s uses %s variable %s", r.Name, v.Sort, v)
		}
		if !bound[v] && v.Sort != rules.SortPub {
			return errUnsupported("rule %s has the unbound variable %s", r.Name, v)
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
		if !containsTerm(a, e.RHS) || a.Equal(e.RHS) {
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

func containsTerm(t, u *rules.Term) bool {
	found := false
	t.Walk(func(s *rules.Term) bool {
		if s.Equal(u) {
			found = true
		}
		return !found
	})
	return found
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

// cand is a possible keyed deconstruction of a cell: under cond, the
// adversary gets child if it can derive the side arguments.
type cand struct {
	parent *cell
	cond   *Node
	child  *Node
	sides  []*Node
}

// decNode is one keyed deconstruction the adversary performs: it picks a
// candidate at a time of its choice.
type decNode struct {
	use  *Node // the node is used
	sel  *Node // Int: which candidate
	time *Node
	out  *Node   // the result
	keys []*Node // its side arguments
}

// gnode is one node of the dependency graph.
type gnode struct {
	n      int
	time   *Node
	insts  []*inst
	active *Node // the node has a rule
}

// inst is a symbolic instance of a rule at a node.
type inst struct {
	node   *gnode
	ri     *ruleInfo
	active *Node
	sigma  map[rules.Var]*Node // variables of the refined rule
	orig   map[rules.Var]*Node // variables of the rule as written
	// knownState: nodes of variables the adversary knows before the step
	// (from state premises); known adds those of its own In premises.
	knownState, known map[*Node]bool
	prem              []*factInst
	act               []*factInst
	conc              []*factInst
	edges             [][]*edge // per premise
}

type factInst struct {
	f    *rules.Fact
	args []*Node
}

type edge struct {
	lit  *Node
	from *inst
	conc int
}

// cell is a message the adversary may know: something a rule sent, or a
// part of it obtained by deconstruction. learned says the adversary has
// it, time when (strictly increasing along deconstruction, so that no
// knowledge justifies itself).
type cell struct {
	node    *Node
	learned *Node
	time    *Node
	in      *inst  // nil for the results of decryption nodes
	dec     int    // 1-based decryption node that produced it, or 0
	g       *gnode // the node whose register this is, or nil
}

// kEvent is a K(m) event: the adversary sends m (one before every In
// premise) or a knowledge fact the goal asks for.
type kEvent struct {
	time *Node
	msg  *Node
	used *Node
	// for the events of In premises:
	in   *inst
	prem int
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

// instantiate creates the symbolic instance of rule ri at node g.
func (e *enc) instantiate(g *gnode, ri *ruleInfo) (*inst, error) {
	b, a := e.b, e.a
	e.instances++
	in := &inst{node: g, ri: ri, active: b.Const(fmt.Sprintf("act_%d_%d", g.n, ri.idx), SortBool), sigma: map[rules.Var]*Node{}}
	ref := ri.ref
	nfr := 0
	for _, p := range ref.premises {
		if p.Name != rules.FactFr || len(p.Args) != 1 || p.Args[0].Kind != rules.TVar {
			continue
		}
		v := p.Args[0].Var
		if _, ok := in.sigma[v]; ok {
			continue
		}
		nfr++
		in.sigma[v] = a.fresh(fmt.Sprintf("fr_%d_%d", g.n, nfr), int64(g.n*64+nfr))
	}
	for i, v := range ref.vars {
		if _, ok := in.sigma[v]; !ok {
			in.sigma[v] = a.variable(fmt.Sprintf("v%d_%d_%d", g.n, ri.idx, i), v.Sort)
		}
	}
	in.knownState, in.known = map[*Node]bool{}, map[*Node]bool{}
	for v := range ri.knownState {
		in.knownState[in.sigma[v]] = true
		in.known[in.sigma[v]] = true
	}
	for v := range ri.knownIn {
		in.known[in.sigma[v]] = true
	}
	// the rule's own variables, for decoding
	in.orig = map[rules.Var]*Node{}
	for _, v := range ri.vars {
		n, err := a.instantiate(ref.sigma[v], in.sigma)
		if err != nil {
			return nil, err
		}
		in.orig[v] = n
	}
	var err error
	inst := func(fs []*rules.Fact) []*factInst {
		out := make([]*factInst, len(fs))
		for i, f := range fs {
			fi := &factInst{f: f, args: make([]*Node, len(f.Args))}
			for j, t := range f.Args {
				var n *Node
				n, err2 := a.instantiate(t, in.sigma)
				if err2 != nil && err == nil {
					err = err2
				}
				fi.args[j] = n
			}
			out[i] = fi
		}
		return out
	}
	in.prem, in.act, in.conc = inst(ref.premises), inst(ref.actions), inst(ref.conclusions)
	if err == nil {
		for _, pa := range ri.knownArgs {
			n := in.prem[pa[0]].args[pa[1]]
			in.knownState[n] = true
			in.known[n] = true
		}
	}
	return in, err
}

// premises encodes where each premise of in comes from.
func (e *enc) premises(in *inst) error {
	b := e.b
	in.edges = make([][]*edge, len(in.prem))
	for pi, p := range in.prem {
		switch p.f.Name {
		case rules.FactFr:
			if a := p.f.Args[0]; a.Kind != rules.TVar {
				// Fr of a fresh constant: never fresh
				e.assert(b.Not(in.active))
			}
			continue
		case rules.FactIn:
			// the adversary sends the message at some time before the step
			ev := &kEvent{msg: p.args[0], used: in.active, in: in, prem: pi}
			if e.E.opts.Linear {
				ev.time = b.Add(in.node.time, b.Real(-1))
			} else {
				// just before the step: after every step before it, so
				// that it knows what those steps sent
				ev.time = b.FreshConst("intime", SortReal)
				e.assert(b.Implies(in.active, b.Lt(ev.time, in.node.time)))
				for _, o := range e.nodes {
					if o != in.node {
						e.assert(b.Implies(b.And(in.active, b.Lt(o.time, in.node.time)), b.Lt(o.time, ev.time)))
					}
				}
			}
			e.inEvents = append(e.inEvents, ev)
			continue
		}
		key := p.f.Key()
		var lits []*Node
		for _, g := range e.nodes {
			if g == in.node || e.E.opts.Linear && g.n > in.node.n {
				continue
			}
			for _, src := range g.insts {
				for ci, c := range src.conc {
					if c.f.Key() != key {
						continue
					}
					eqs := make([]*Node, len(c.args))
					for j := range c.args {
						eqs[j] = b.Eq(p.args[j], c.args[j])
					}
					eq := b.And(eqs...)
					if eq == b.False {
						continue
					}
					lit := b.FreshConst("edge", SortBool)
					e.assert(b.Implies(lit, b.And(in.active, src.active, eq, b.Lt(g.time, in.node.time))))
					if !key.Persistent {
						e.consumers[c] = append(e.consumers[c], lit)
					}
					lits = append(lits, lit)
					in.edges[pi] = append(in.edges[pi], &edge{lit: lit, from: src, conc: ci})
					e.outEdges[g] = append(e.outEdges[g], lit)
				}
			}
		}
		e.assert(b.Implies(in.active, b.Or(lits...)))
	}
	return nil
}

// consumeOnce says that each linear conclusion feeds at most one premise:
// pairwise for few consumers, through an Int naming the consumer for many.
func (e *enc) consumeOnce() {
	b := e.b
	for _, g := range e.nodes {
		for _, in := range g.insts {
			for _, c := range in.conc {
				lits := e.consumers[c]
				if len(lits) <= pairwiseAMO {
					for i := range lits {
						for j := i + 1; j < len(lits); j++ {
							e.assert(b.Or(b.Not(lits[i]), b.Not(lits[j])))
						}
					}
					continue
				}
				who := b.FreshConst("consumer", SortInt)
				for i, l := range lits {
					e.assert(b.Implies(l, b.Eq(who, b.Int(int64(i)))))
				}
			}
		}
	}
}

// outputs returns the messages of in's Out conclusions together with
// the parts the adversary gets from them without a key (pairs; and for a
// value of unknown structure, pairs it may turn out to be, down to the
// analysis budget). Each comes with the condition under which it is a
// part.
func (e *enc) outputs(in *inst) ([]*cell, error) {
	var out []*cell
	seen := map[*Node]bool{}
	for _, c := range in.conc {
		if c.f.Name != rules.FactOut || seen[c.args[0]] {
			continue
		}
		root := &cell{node: c.args[0], learned: in.active, time: in.node.time, in: in}
		if e.knownTerm(root.node, in.known) {
			continue
		}
		cs, err := e.keyFree(root, e.E.opts.analysisDepth(), seen)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// deconstruct applies deconstruction rule d to the message of c. It
// returns the condition, the result and the side arguments (nil when the
// rule does not apply), and whether the match was generic (tag tests on a
// message of unknown structure).
func (e *enc) deconstruct(c *cell, d *decompRule) (cond, child *Node, sides []*Node, generic bool, err error) {
	b, a := e.b, e.a
	n := c.node
	switch n.Kind {
	case MsgCtor:
		if n.Sym != d.main.Name {
			return nil, nil, nil, false, nil
		}
	case MsgClass:
		if n.Sym != d.main.Name {
			return nil, nil, nil, false, nil
		}
		generic = true
	case MsgVar, MsgOpaque:
		generic = true
	default:
		return nil, nil, nil, false, nil
	}
	sigma := map[rules.Var]*Node{}
	cond, err = a.match(d.main, n, sigma)
	if err != nil || cond == b.False {
		return nil, nil, nil, false, err
	}
	child, err = a.instantiate(d.result, sigma)
	if err != nil {
		return nil, nil, nil, false, err
	}
	for _, s := range d.sides {
		for _, v := range s.Vars(nil) {
			if _, bound := sigma[v]; !bound {
				return nil, nil, nil, false, nil
			}
		}
		sn, err := a.instantiate(s, sigma)
		if err != nil {
			return nil, nil, nil, false, err
		}
		sides = append(sides, sn)
	}
	return cond, child, sides, generic, nil
}

// keyFree returns c and the cells obtained from it by deconstructions
// that need no key. Generic deconstructions of a message of unknown
// structure cost one unit of budget.
func (e *enc) keyFree(c *cell, budget int, seen map[*Node]bool) ([]*cell, error) {
	seen[c.node] = true
	out := []*cell{c}
	for _, d := range e.E.decomps {
		if len(d.sides) > 0 {
			continue
		}
		if c.node.Kind == MsgVar || c.node.Kind == MsgOpaque {
			if budget == 0 {
				continue
			}
		}
		cond, child, _, generic, err := e.deconstruct(c, d)
		if err != nil {
			return nil, err
		}
		if cond == nil || seen[child] {
			continue
		}
		nb := budget
		if generic {
			nb--
		}
		if c.in != nil && e.knownTerm(child, c.in.known) {
			continue // the adversary knew it already
		}
		ch := &cell{node: child, learned: e.b.And(c.learned, cond), time: c.time, in: c.in, dec: c.dec}
		cs, err := e.keyFree(ch, nb, seen)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// knownTerm reports whether n is a public name or a value the adversary
// sent itself at a variable of a pattern (see knownVariables): sending it
// teaches the adversary nothing it could not send again.
func (e *enc) knownTerm(n *Node, known map[*Node]bool) bool {
	return known[n] || n.Kind == MsgPub || n.Kind == MsgPubVar
}

// cellClass groups cells for the registers: by head symbol, "~" for fresh
// values, "*" for values of unknown structure, "" for cells that need no
// register because the adversary can always build them (public names,
// public constants).
func (e *enc) cellClass(n *Node) string {
	switch n.Kind {
	case MsgPub, MsgPubVar:
		return ""
	case MsgFresh, MsgFreshVar:
		return "~"
	case MsgCtor:
		if len(n.Args) == 0 && !e.a.private[n.Sym] {
			return ""
		}
		return n.Sym
	case MsgClass:
		return n.Sym
	}
	return "*"
}

// registers creates node g's knowledge registers: one rule fires at a
// node, so the messages its rules could send share registers, grouped by
// class (head symbol). Register (g, class, j) holds the j-th message of
// that class that g's rule sends; Known queries then compare with the
// registers instead of with every rule's messages.
func (e *enc) registers(g *gnode) error {
	b := e.b
	type slotKey struct {
		class string
		j     int
	}
	var order []slotKey
	members := map[slotKey][]*cell{}
	for _, in := range g.insts {
		cs, err := e.outputs(in)
		if err != nil {
			return err
		}
		count := map[string]int{}
		for _, c := range cs {
			cl := e.cellClass(c.node)
			if cl == "" {
				continue
			}
			k := slotKey{cl, count[cl]}
			count[cl]++
			if _, ok := members[k]; !ok {
				order = append(order, k)
			}
			members[k] = append(members[k], c)
		}
	}
	for _, k := range order {
		var reg *Node
		name := fmt.Sprintf("reg_%d_%s_%d", g.n, k.class, k.j)
		switch k.class {
		case "~":
			reg = e.a.variable(name, rules.SortFresh)
		case "*":
			reg = e.a.variable(name, rules.SortMsg)
		default:
			reg = e.a.register(name, k.class)
		}
		var valid []*Node
		for _, c := range members[k] {
			e.assert(b.Implies(c.learned, b.Eq(reg, c.node)))
			valid = append(valid, c.learned)
		}
		e.cells = append(e.cells, &cell{node: reg, learned: b.Or(valid...), time: g.time, g: g})
	}
	return nil
}

// candidates adds the keyed deconstructions of c as candidates for the
// decryption nodes.
func (e *enc) candidates(c *cell) error {
	for _, d := range e.E.decomps {
		if len(d.sides) == 0 {
			continue
		}
		if (c.node.Kind == MsgVar || c.node.Kind == MsgOpaque) && e.E.opts.analysisDepth() == 0 {
			continue
		}
		cond, child, sides, _, err := e.deconstruct(c, d)
		if err != nil {
			return err
		}
		if cond == nil {
			continue
		}
		e.cands = append(e.cands, &cand{parent: c, cond: cond, child: child, sides: sides})
	}
	return nil
}

// decryptions creates the adversary's decryption nodes. Node d picks one
// candidate (a keyed deconstruction of a cell learned before its time,
// or of an earlier node's result), derives the key, and makes the result
// and its key-free parts known from its time on.
func (e *enc) decryptions() error {
	b := e.b
	for _, c := range e.cells {
		if err := e.candidates(c); err != nil {
			return err
		}
	}
	maxSides := 0
	for _, d := range e.E.decomps {
		if len(d.sides) > maxSides {
			maxSides = len(d.sides)
		}
	}
	n := e.E.opts.decryptions()
	if len(e.cands) == 0 {
		n = 0
	}
	var prev *decNode
	for i := 1; i <= n; i++ {
		d := &decNode{
			use:  b.Const(fmt.Sprintf("dec_use_%d", i), SortBool),
			sel:  b.Const(fmt.Sprintf("dec_sel_%d", i), SortInt),
			time: b.Const(fmt.Sprintf("dec_time_%d", i), SortReal),
			out:  e.a.variable(fmt.Sprintf("dec_out_%d", i), rules.SortMsg),
		}
		for j := 0; j < maxSides; j++ {
			d.keys = append(d.keys, e.a.variable(fmt.Sprintf("dec_key_%d_%d", i, j), rules.SortMsg))
		}
		if prev != nil {
			e.assert(b.Implies(d.use, b.And(prev.use, b.Lt(prev.time, d.time))))
		}
		e.decs = append(e.decs, d)
		var opts []*Node
		for ci, c := range e.cands {
			ch := b.And(d.use, b.Eq(d.sel, b.Int(int64(ci))))
			e.used(c.parent, ch)
			conj := []*Node{c.parent.learned, b.Lt(c.parent.time, d.time), c.cond, b.Eq(d.out, c.child)}
			for j, s := range c.sides {
				conj = append(conj, b.Eq(d.keys[j], s))
			}
			e.assert(b.Implies(ch, b.And(conj...)))
			opts = append(opts, ch)
		}
		e.assert(b.Implies(d.use, b.Or(opts...)))
		// The result's key-free parts are cells; their keyed parts become
		// candidates for the later nodes.
		cs, err := e.keyFree(&cell{node: d.out, learned: d.use, time: d.time, dec: i}, e.E.opts.analysisDepth(), map[*Node]bool{})
		if err != nil {
			return err
		}
		for _, c := range cs {
			e.cells = append(e.cells, c)
			if err := e.candidates(c); err != nil {
				return err
			}
		}
		prev = d
	}
	for _, d := range e.decs {
		e.own(d.time, d.use)
		var conj []*Node
		for _, k := range d.keys {
			conj = append(conj, e.synth(k, d.time, e.E.opts.synthDepth(), e.E.opts.pairBuild()))
		}
		e.assert(b.Implies(d.use, b.And(conj...)))
	}
	return nil
}

// known says that the adversary has x as a cell learned before time t.
func (e *enc) known(x, t *Node) *Node {
	key := [2]int{x.id, t.id}
	if n, ok := e.knownMemo[key]; ok {
		return n
	}
	b := e.b
	owner := e.owners[t.id]
	if owner == nil {
		owner = b.True
	}
	var opts []*Node
	for _, c := range e.cells {
		eq := b.Eq(x, c.node)
		if eq == b.False {
			continue
		}
		d := b.And(c.learned, b.Lt(c.time, t), eq)
		opts = append(opts, d)
		e.used(c, b.And(owner, d))
	}
	n := b.Or(opts...)
	e.knownMemo[key] = n
	return n
}

// own records the owner of the knowledge queries made at time t: the
// step, knowledge event or decryption node that needs them.
func (e *enc) own(t, owner *Node) {
	if old, ok := e.owners[t.id]; ok {
		owner = e.b.Or(old, owner)
	}
	e.owners[t.id] = owner
}

// used records that under cond something needed uses cell c.
func (e *enc) used(c *cell, cond *Node) {
	switch {
	case c.g != nil:
		e.uses[c.g] = append(e.uses[c.g], cond)
	case c.dec > 0:
		e.decUses[c.dec] = append(e.decUses[c.dec], cond)
	case c.in != nil:
		e.uses[c.in.node] = append(e.uses[c.in.node], cond)
	}
}

// advFresh says x is a fresh name of the adversary's own.
func (e *enc) advFresh(x *Node) *Node {
	b, a := e.b, e.a
	switch x.Kind {
	case MsgFresh, MsgPub, MsgPubVar, MsgCtor:
		return b.False
	}
	return b.And(a.hasTag(x, TagFresh), b.Le(b.App(a.freshd, x), b.Int(0)))
}

// synth says that the adversary can derive x before time t, building at
// most d constructor layers and p pair layers below the known structure
// of x.
func (e *enc) synth(x, t *Node, d, p int) *Node {
	key := [4]int{x.id, t.id, d, p}
	if n, ok := e.synthMemo[key]; ok {
		return n
	}
	b, a := e.b, e.a
	var n *Node
	if e.assumeKnown[x] {
		e.synthMemo[key] = b.True
		return b.True
	}
	switch x.Kind {
	case MsgPub, MsgPubVar:
		n = b.True
	case MsgFresh:
		n = e.known(x, t)
	case MsgFreshVar:
		n = b.Or(e.known(x, t), e.advFresh(x))
	case MsgCtor:
		if a.private[x.Sym] {
			n = e.known(x, t)
			break
		}
		args := make([]*Node, len(x.Args))
		for i, y := range x.Args {
			args[i] = e.synth(y, t, d, p)
		}
		if x.Sym == rules.FunPair {
			// a known pair gives its components: building it from them
			// covers receiving it whole
			n = b.And(args...)
			break
		}
		n = b.Or(e.known(x, t), b.And(args...))
	default:
		opts := []*Node{e.known(x, t), a.hasTag(x, TagPub), e.advFresh(x)}
		if x.Op == OpApp && x.Sym != "" && !a.private[x.Sym] {
			// an application of a reducible symbol written in a pattern:
			// when it does not reduce, the adversary builds it from its
			// arguments like any other public function
			conj := []*Node{a.hasTag(x, a.tags[x.Sym])}
			for _, y := range x.Args {
				conj = append(conj, e.synth(y, t, d, p))
			}
			opts = append(opts, b.And(conj...))
		}
		for _, f := range a.publicSymbols {
			ar := a.arity[f]
			pair := f == rules.FunPair
			if pair && p == 0 || !pair && ar > 0 && d == 0 {
				continue
			}
			sels := make([]*Node, ar)
			for j := range sels {
				sels[j] = a.selector(x, j)
			}
			var conj []*Node
			if a.reducible(f) {
				// a stuck application: x has f's own tag, so no equation
				// reduced it
				app, err := a.apply(f, sels)
				if err != nil {
					continue
				}
				conj = []*Node{a.hasTag(x, a.tags[f]), b.Eq(x, app)}
			} else {
				conj = []*Node{b.Eq(x, b.MsgApp(a.funs[f], MsgCtor, f, 0, sels...))}
			}
			for _, s := range sels {
				if pair {
					conj = append(conj, e.synth(s, t, d, p-1))
				} else {
					conj = append(conj, e.synth(s, t, d-1, p))
				}
			}
			opts = append(opts, b.And(conj...))
		}
		n = b.Or(opts...)
	}
	e.synthMemo[key] = n
	return n
}

// describeRules lists rule names for messages.
func describeRules(rs []*ruleInfo) string {
	var names []string
	for _, r := range rs {
		names = append(names, r.name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// pairwiseAMO is the largest number of consumers of a linear conclusion
// encoded with pairwise exclusion clauses (measured: the Int naming the
// consumer is faster on the examples even for small fan-in).
const pairwiseAMO = 6

// needed adds the needed-steps constraint: every step of the trace feeds a
// premise of another step, or sends a message that a needed derivation
// uses (an In of a step, a knowledge event of the goal, a decryption), or
// witnesses an outermost existential of the goal, or has an action that
// the goal or a restriction requires elsewhere. Steps that do none of
// these can be removed from any trace with the goal's property: what
// remains is a shorter trace that still has it (universal conditions only
// get easier with fewer actions), which the iterative deepening has
// checked already. So the constraint loses no shortest trace, and it
// spares the solver from refuting traces padded with idle steps.
func (e *enc) needed(goal Goal) {
	b := e.b
	static := map[string]bool{}
	positiveActions(toNNF(goal.Formula, true), static, true)
	for _, r := range e.E.th.Restrictions {
		positiveActions(toNNF(r.Formula, true), static, false)
	}
	for _, g := range e.nodes {
		just := append([]*Node{}, e.witness[g]...)
		just = append(just, e.outEdges[g]...)
		just = append(just, e.uses[g]...)
		for _, in := range g.insts {
			for _, a := range in.act {
				if static[a.f.Name] {
					just = append(just, in.active)
					break
				}
			}
		}
		e.assert(b.Implies(g.active, b.Or(just...)))
	}
	for i, d := range e.decs {
		e.assert(b.Implies(d.use, b.Or(e.decUses[i+1]...)))
	}
}

// positiveActions collects the names of actions that occur positively in
// n, except, for the goal, as guards of its outermost existentials (those
// are the recorded witnesses): a step with such an action may be what the
// formula needs.
func positiveActions(n *nnf, out map[string]bool, goal bool) {
	var walk func(n *nnf, top bool)
	walk = func(n *nnf, top bool) {
		switch n.kind {
		case nnfAtom:
			if !n.neg && n.atom.Kind == rules.AtomAction && !isKFact(n.atom.Fact.Name) && !top {
				out[n.atom.Fact.Name] = true
			}
		case nnfEx:
			for _, k := range n.kids[0].flatten(nnfAnd) {
				walk(k, top && k.kind == nnfAtom)
			}
		default:
			for _, k := range n.kids {
				walk(k, false)
			}
		}
	}
	for _, c := range n.flatten(nnfAnd) {
		walk(c, goal && c.kind == nnfEx)
	}
}
