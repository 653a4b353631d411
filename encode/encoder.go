package encode

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tracebound/tracebound/rules"
)

// Options set the bounds of the adversary. The zero value gives the
// defaults.
type Options struct {
	// SynthDepth is how many constructor layers the adversary may build
	// where a rule's pattern has a variable (below the pattern's own
	// structure, which is always available). Default 1; use -1 for 0.
	SynthDepth int
	// AnalysisDepth is how many layers the adversary may take apart below
	// a variable of a message it received through Out (the patterns' own
	// structure is always analysed). Default 2; use -1 for 0.
	AnalysisDepth int
}

func (o Options) synthDepth() int    { return depthOpt(o.SynthDepth, 1) }
func (o Options) analysisDepth() int { return depthOpt(o.AnalysisDepth, 2) }

func depthOpt(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// Bounds describes every bound that prunes the search, for verdicts.
func (o Options) Bounds(k int) string {
	return fmt.Sprintf("≤ %d protocol rule instances; adversary builds ≤ %d constructor layers and takes apart ≤ %d layers beyond the rules' message patterns",
		k, o.synthDepth(), o.analysisDepth())
}

// timeGap is the least distance between the times of two protocol
// steps, leaving room for the adversary's deductions in between.
const timeGap = 1000

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
	consumers map[*factInst]*Node
	edgeID    int64
	instances int
	synthMemo map[[3]int]*Node
	knownMemo map[[2]int]*Node
	usedLast  bool
}

// gnode is one node of the dependency graph.
type gnode struct {
	n     int
	time  *Node
	insts []*inst
}

// inst is a symbolic instance of a rule at a node.
type inst struct {
	node   *gnode
	ri     *ruleInfo
	active *Node
	sigma  map[rules.Var]*Node
	prem   []*factInst
	act    []*factInst
	conc   []*factInst
	edges  [][]*edge // per premise
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
	in      *inst
	parent  *cell
	cond    *Node
	sides   []*Node
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
func (E *Encoder) Encode(goal Goal, k int) (*Problem, error) {
	b := NewBuilder()
	e := &enc{E: E, b: b, a: newAlgebra(b, E.th), k: k, consumers: map[*factInst]*Node{},
		synthMemo: map[[3]int]*Node{}, knownMemo: map[[2]int]*Node{}}
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

// apart says that two times are at least timeGap apart, in either order.
func (e *enc) apart(x, y *Node) *Node {
	b := e.b
	return b.Or(b.Le(b.Add(x, b.Int(timeGap)), y), b.Le(b.Add(y, b.Int(timeGap)), x))
}

func (e *enc) build(goal Goal) error {
	b := e.b
	var usable []*ruleInfo
	for _, ri := range e.E.rules {
		if e.E.earliest[ri.idx] <= e.k {
			usable = append(usable, ri)
		}
	}
	for n := 1; n <= e.k; n++ {
		g := &gnode{n: n, time: b.Const(fmt.Sprintf("t_%d", n), SortInt)}
		e.assert(b.Le(b.Int(timeGap), g.time))
		var choices []*Node
		for _, ri := range usable {
			in, err := e.instantiate(g, ri)
			if err != nil {
				return err
			}
			g.insts = append(g.insts, in)
			choices = append(choices, in.active)
		}
		// exactly one rule per node
		e.assert(b.Or(choices...))
		for i := range choices {
			for j := i + 1; j < len(choices); j++ {
				e.assert(b.Or(b.Not(choices[i]), b.Not(choices[j])))
			}
		}
		for _, o := range e.nodes {
			e.assert(e.apart(o.time, g.time))
		}
		if n > 1 {
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
	for _, g := range e.nodes {
		for _, in := range g.insts {
			if err := e.outputs(in); err != nil {
				return err
			}
		}
	}
	// Now that all cells exist: deconstruction side conditions and the
	// adversary's derivations for In premises.
	for _, c := range e.cells {
		if c.parent == nil || len(c.sides) == 0 {
			continue
		}
		conj := []*Node{c.parent.learned, c.cond, b.Lt(c.parent.time, c.time)}
		for _, s := range c.sides {
			conj = append(conj, e.synth(s, c.time, e.E.opts.synthDepth()))
		}
		e.assert(b.Implies(c.learned, b.And(conj...)))
	}
	for _, ev := range e.inEvents {
		e.assert(b.Implies(ev.in.active, e.synth(ev.msg, ev.time, e.E.opts.synthDepth())))
	}
	f := &formulaEnc{e: e}
	for _, r := range e.E.th.Restrictions {
		n, err := f.encode(r.Formula, "restriction "+r.Name)
		if err != nil {
			return err
		}
		e.assert(n)
	}
	n, err := f.encode(goal.Formula, goal.Name)
	if err != nil {
		return err
	}
	e.assert(n)
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
	nfr := 0
	for _, p := range ri.r.Premises {
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
	for i, v := range ri.vars {
		if _, ok := in.sigma[v]; !ok {
			in.sigma[v] = a.variable(fmt.Sprintf("v%d_%d_%d", g.n, ri.idx, i), v.Sort)
		}
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
	in.prem, in.act, in.conc = inst(ri.r.Premises), inst(ri.r.Actions), inst(ri.r.Conclusions)
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
			ev := &kEvent{time: b.Add(in.node.time, b.Int(-1)), msg: p.args[0], used: in.active, in: in, prem: pi}
			e.inEvents = append(e.inEvents, ev)
			continue
		}
		key := p.f.Key()
		var lits []*Node
		for _, g := range e.nodes {
			if g == in.node {
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
						e.edgeID++
						e.assert(b.Implies(lit, b.Eq(e.consumer(c), b.Int(e.edgeID))))
					}
					lits = append(lits, lit)
					in.edges[pi] = append(in.edges[pi], &edge{lit: lit, from: src, conc: ci})
				}
			}
		}
		e.assert(b.Implies(in.active, b.Or(lits...)))
	}
	return nil
}

// consumer returns the Int variable naming the one edge that consumes a
// linear conclusion.
func (e *enc) consumer(c *factInst) *Node {
	n, ok := e.consumers[c]
	if !ok {
		n = e.b.FreshConst("consumer", SortInt)
		e.consumers[c] = n
	}
	return n
}

// outputs creates the knowledge cells of in's Out conclusions.
func (e *enc) outputs(in *inst) error {
	seen := map[*Node]bool{}
	for _, c := range in.conc {
		if c.f.Name != rules.FactOut {
			continue
		}
		root := &cell{node: c.args[0], learned: in.active, time: in.node.time, in: in, cond: e.b.True}
		if seen[root.node] {
			continue
		}
		seen[root.node] = true
		e.cells = append(e.cells, root)
		if err := e.decompose(root, e.E.opts.analysisDepth(), seen); err != nil {
			return err
		}
	}
	return nil
}

// decompose adds the cells the adversary can obtain from c by its
// deconstruction rules.
func (e *enc) decompose(c *cell, budget int, seen map[*Node]bool) error {
	b, a := e.b, e.a
	n := c.node
	for _, d := range e.E.decomps {
		generic := false
		switch n.Kind {
		case MsgCtor:
			if n.Sym != d.main.Name {
				continue
			}
		case MsgVar, MsgOpaque:
			if budget == 0 {
				continue
			}
			generic = true
		default:
			continue
		}
		sigma := map[rules.Var]*Node{}
		cond, err := a.match(d.main, n, sigma)
		if err != nil {
			return err
		}
		if cond == b.False {
			continue
		}
		child, err := a.instantiate(d.result, sigma)
		if err != nil {
			return err
		}
		if seen[child] {
			continue
		}
		var sides []*Node
		ok := true
		for _, s := range d.sides {
			for _, v := range s.Vars(nil) {
				if _, bound := sigma[v]; !bound {
					ok = false
				}
			}
			if !ok {
				break
			}
			sn, err := a.instantiate(s, sigma)
			if err != nil {
				return err
			}
			sides = append(sides, sn)
		}
		if !ok {
			continue
		}
		seen[child] = true
		ch := &cell{node: child, in: c.in, parent: c, cond: cond, sides: sides}
		if len(sides) == 0 {
			ch.learned, ch.time = b.And(c.learned, cond), c.time
		} else {
			ch.learned = b.FreshConst("learned", SortBool)
			ch.time = b.FreshConst("learntime", SortInt)
		}
		e.cells = append(e.cells, ch)
		nb := budget
		if generic {
			nb--
		}
		if err := e.decompose(ch, nb, seen); err != nil {
			return err
		}
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
	var opts []*Node
	for _, c := range e.cells {
		eq := b.Eq(x, c.node)
		if eq == b.False {
			continue
		}
		opts = append(opts, b.And(c.learned, b.Lt(c.time, t), eq))
	}
	n := b.Or(opts...)
	e.knownMemo[key] = n
	return n
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
// most d constructor layers below the known structure of x.
func (e *enc) synth(x, t *Node, d int) *Node {
	key := [3]int{x.id, t.id, d}
	if n, ok := e.synthMemo[key]; ok {
		return n
	}
	b, a := e.b, e.a
	var n *Node
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
			args[i] = e.synth(y, t, d)
		}
		n = b.Or(e.known(x, t), b.And(args...))
	default:
		opts := []*Node{e.known(x, t), a.hasTag(x, TagPub), e.advFresh(x)}
		for _, f := range a.publicCtors {
			ar := a.arity[f]
			if ar > 0 && d == 0 {
				continue
			}
			sels := make([]*Node, ar)
			for j := range sels {
				sels[j] = a.selector(x, j)
			}
			ctor := b.MsgApp(a.funs[f], MsgCtor, f, 0, sels...)
			conj := []*Node{b.Eq(x, ctor)}
			for _, s := range sels {
				conj = append(conj, e.synth(s, t, d-1))
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
