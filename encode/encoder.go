package encode

import (
	"fmt"

	"github.com/tracebound/tracebound/rules"
)

// Bounds are the adversary's bounds. Each is defined on traces, with
// respect to the rules as written (docs/bounds.md); the replay checker
// measures every trace against these definitions, and the encoding finds
// every trace within them (it may find more).
//
// The structure a rule writes in an Out conclusion is taken apart for
// free, and the structure it writes in an In premise (or a formula writes
// in a K atom) is built for free. The bounds count what goes beyond:
type Bounds struct {
	// KeyedDeconstructions is how many deconstructions with side
	// arguments (a decryption with its key, a verification, any equation
	// whose left side has more than one argument) the adversary performs
	// in a trace.
	KeyedDeconstructions int
	// AnalysisLayers is how many one-argument deconstructions (taking a
	// pair apart, getMessage, …) the adversary applies in a row to values
	// below a variable of the pattern that sent them, since the value was
	// received or last decrypted.
	AnalysisLayers int
	// ConstructionLayers is how many layers of function applications the
	// adversary builds where a pattern it must match (In, K atom, side
	// argument of a deconstruction) has a variable.
	ConstructionLayers int
	// SubtermLevels is how many levels below the known structure of a
	// value the subterm relation << of formulas looks (named in verdicts
	// only when a formula uses <<).
	SubtermLevels int
}

// DefaultBounds are the bounds used when none are given. Each step up
// costs about 1.5–2× solving time on the examples (docs/performance.md).
func DefaultBounds() Bounds {
	return Bounds{KeyedDeconstructions: 2, AnalysisLayers: 2, ConstructionLayers: 0, SubtermLevels: 3}
}

// String describes the adversary bounds for verdicts.
func (b Bounds) String() string {
	return fmt.Sprintf("an adversary with ≤ %d keyed deconstructions, ≤ %d analysis layers and ≤ %d construction layers beyond the rules' patterns",
		b.KeyedDeconstructions, b.AnalysisLayers, b.ConstructionLayers)
}

// Validate reports a bound that is negative.
func (b Bounds) Validate() error {
	if b.KeyedDeconstructions < 0 || b.AnalysisLayers < 0 || b.ConstructionLayers < 0 || b.SubtermLevels < 0 {
		return fmt.Errorf("adversary bounds must be ≥ 0")
	}
	return nil
}

// Options configure the encoding. The zero value has zero adversary
// bounds; DefaultOptions gives the defaults.
type Options struct {
	Bounds Bounds
	// NoPrune drops the needed-steps constraint (for comparison).
	NoPrune bool
	// RestrictionSwitches guards each restriction with a literal of its
	// own (Problem.Switches), so that a search can drop restrictions:
	// which ones block a goal (switches.go).
	RestrictionSwitches bool
	// EagerEdges encodes every premise's sources with one equality per
	// source and argument, never through numbered sources (for
	// comparison: graph.go, premises).
	EagerEdges bool
}

// DefaultOptions returns the default options.
func DefaultOptions() Options { return Options{Bounds: DefaultBounds()} }

// Describe names every bound that prunes a search for goal to depth k,
// for verdicts.
func (E *Encoder) Describe(goal Goal, k int) string {
	s := fmt.Sprintf("≤ %d protocol steps and %s", k, E.opts.Bounds)
	uses := usesSubterm(goal.Formula)
	for _, r := range E.th.Restrictions {
		uses = uses || usesSubterm(r.Formula)
	}
	if uses {
		s += fmt.Sprintf(", with << looking ≤ %d levels into values", E.opts.Bounds.SubtermLevels)
	}
	if E.th.HasBuiltin("diffie-hellman") {
		s += fmt.Sprintf(", using ≤ %d exponents of its own", dhAdvAtoms)
	}
	return s
}

// usesSubterm reports whether f has a << atom.
func usesSubterm(f rules.Formula) bool {
	found := false
	rules.WalkFormula(f, func(g rules.Formula) {
		if a, ok := g.(*rules.Atom); ok && a.Kind == rules.AtomSubterm {
			found = true
		}
	})
	return found
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
	// expFresh are the fresh variables whose names are exponent atoms
	// (dh.go)
	expFresh map[rules.Var]bool
}

// decompRule is an adversary deconstruction rule derived from an
// equation l = r whose right side is a subterm of the argument main of l:
// knowing that argument and the other arguments gives r.
type decompRule struct {
	eq     *rules.Equation
	main   *rules.Term
	result *rules.Term
	sides  []*rules.Term
	// built: the result is no subterm of the main argument (an equation
	// that is not subterm-convergent); applied to anything, it costs an
	// analysis layer, which also keeps the analysis finite
	built bool
}

// New prepares a theory for encoding. It fails with an unsupported error
// (see IsUnsupported) for models outside what the engine handles.
func New(th *rules.Theory, opts Options) (*Encoder, error) {
	for _, b := range th.Builtins {
		if rules.IsACBuiltin(b) && b != "diffie-hellman" {
			return nil, errUnsupported("builtin %s", b)
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
	if th.HasBuiltin("diffie-hellman") {
		// a DH value's structure depends on its arguments' values
		for _, f := range []string{rules.FunExp, rules.FunMult, rules.FunInv} {
			heads[f] = true
		}
	}
	for i, ref := range inferShapes(E.rules, func(sym string) bool { return heads[sym] }) {
		E.rules[i].ref = ref
	}
	if th.HasBuiltin("diffie-hellman") {
		all := false
		for _, r := range th.Restrictions {
			all = all || usesDH(r.Formula)
		}
		for _, l := range th.Lemmas {
			all = all || usesDH(l.Formula)
		}
		for i, src := range exponentSources(E.rules, all) {
			E.rules[i].expFresh = src
		}
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
// the equation gives the adversary nothing (a ground right side). The main
// argument is the one the right side is a subterm of, or for an equation
// that is not subterm-convergent (unblind(sign(blind(m, r), k), r) =
// sign(m, k)) the first one holding all of the right side's variables.
func decompFor(e *rules.Equation) *decompRule {
	if e.LHS.Kind != rules.TApp || e.RHS.IsGround() {
		return nil
	}
	main := -1
	for i, a := range e.LHS.Args {
		if a.Contains(e.RHS) && !a.Equal(e.RHS) {
			main = i
			break
		}
	}
	if main < 0 {
		for i, a := range e.LHS.Args {
			if containsVars(a, e.RHS) && a.Kind == rules.TApp {
				main = i
				break
			}
		}
	}
	for i, a := range e.LHS.Args {
		if i != main {
			continue
		}
		d := &decompRule{eq: e, main: a, result: e.RHS, built: !a.Contains(e.RHS)}
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
// with a real-valued time; every premise has an edge from a conclusion of
// a node with an earlier time, and a linear conclusion feeds at most one
// premise. Nothing orders steps that do not depend on each other, so the
// solver never enumerates interleavings. Nodes are sorted by rule, and
// nodes of the same rule by time, so that each graph has one encoding.
type enc struct {
	E       *Encoder
	b       *Builder
	a       *algebra
	k       int
	nodes   []*gnode // nodes[0] is node 1
	cells   []*cell
	asserts []*Node
	concIDs map[*factInst]int // numbered conclusions (graph.go)
	// the nodes by phase of the encoding, and the knowledge queries'
	// count (phase)
	parts                            []Part
	kDepth, kStart, kNodes, kCounted int
	consumers                        map[*factInst][]*Node // edges out of each linear conclusion
	instances                        int
	synthMemo                        map[[4]int]*Node
	// noDH > 0 leaves the DH abilities out of synth (for bases, which
	// are no exponentiations)
	noDH      int
	knownMemo map[[3]int]*Node
	usedLast  bool
	atMost    bool
	// assumeKnown holds message nodes synth may take as derivable.
	assumeKnown map[*Node]bool
	// kEvents are the adversary's knowledge events: one send before every
	// In premise, and those the formulas ask for (kevents.go). unpinned
	// is set when a formula can observe when the sends happen.
	kEvents  []*kEvent
	unpinned bool
	// deferred are the formula parts that range over all knowledge
	// events; they are encoded once every event exists (kevents.go).
	deferred []*deferred
	// For the needed-steps constraint (see needed): the owner of each
	// knowledge query by its time node, and for each graph node and each
	// deconstruction node the conditions under which a later, needed part
	// of the trace uses what it sent; witness holds the goal's bindings
	// that use a node.
	owners  map[int]*Node
	uses    map[*gnode][]*Node
	decUses map[int][]*Node
	witness map[*gnode][]*Node
	// goalWitness is set when an outermost existential of the goal is
	// bound by a protocol action; outEdges are the edges out of a node.
	goalWitness bool
	outEdges    map[*gnode][]*Node
	// cands are the keyed deconstructions the adversary may apply to the
	// cells; decs are its keyed deconstruction nodes (decon.go).
	cands []*cand
	decs  []*decNode
	// slots, when set, gives per rule (by index) how many nodes may be
	// instances of it (slots.go) instead of k nodes of any rule
	slots     []int
	slotLimit int
	// switches guard the restrictions, in the theory's order, with
	// Options.RestrictionSwitches (switches.go)
	switches []*Node
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
	var conj []*Node
	if j > 0 {
		conj = append(conj, p.e.nodes[j-1].active)
	}
	if j < len(p.e.nodes) {
		conj = append(conj, b.Not(p.e.nodes[j].active))
	}
	return b.And(conj...)
}

func (E *Encoder) encode(goal Goal, k int, atMost bool) (*Problem, error) {
	return E.newEnc(k, atMost).problem(goal)
}

// newEnc starts an encoding of at most (or exactly) k steps.
func (E *Encoder) newEnc(k int, atMost bool) *enc {
	b := NewBuilder()
	return &enc{E: E, b: b, a: newAlgebra(b, E.th), k: k, atMost: atMost, consumers: map[*factInst][]*Node{},
		synthMemo: map[[4]int]*Node{}, owners: map[int]*Node{}, uses: map[*gnode][]*Node{},
		decUses: map[int][]*Node{}, witness: map[*gnode][]*Node{}, outEdges: map[*gnode][]*Node{}, knownMemo: map[[3]int]*Node{}, concIDs: map[*factInst]int{}}
}

// problem builds the encoding's problem for goal.
func (e *enc) problem(goal Goal) (*Problem, error) {
	if err := e.build(goal); err != nil {
		return nil, err
	}
	p := &Problem{B: e.b, K: e.k, e: e}
	p.Assertions = append(e.b.TakeAxioms(), e.asserts...)
	return p, nil
}

func (e *enc) assert(n *Node) {
	if n != e.b.True {
		e.asserts = append(e.asserts, n)
	}
}

func (e *enc) build(goal Goal) error {
	e.unpinned = observesSends(goal.Formula)
	for _, r := range e.E.th.Restrictions {
		e.unpinned = e.unpinned || observesSends(r.Formula)
	}
	var err error
	if e.slots != nil {
		err = e.slotNodes()
	} else {
		err = e.depthNodes()
	}
	if err != nil {
		return err
	}
	e.phase("instances")
	for _, g := range e.nodes {
		for _, in := range g.insts {
			if err := e.premises(in); err != nil {
				return err
			}
		}
	}
	e.phase("premises")
	if e.a.dh != nil {
		e.a.dh.freeze()
	}
	e.phase("dh definitions")
	e.consumeOnce()
	for _, g := range e.nodes {
		if err := e.registers(g); err != nil {
			return err
		}
	}
	e.phase("registers")
	if err := e.deconstructions(); err != nil {
		return err
	}
	e.phase("deconstructions")
	if err := e.sends(); err != nil {
		return err
	}
	e.phase("sends")
	f := &formulaEnc{e: e}
	n, err := f.encodeGoal(goal.Formula, goal.Name)
	if err != nil {
		return err
	}
	e.assert(n)
	for _, r := range e.E.th.Restrictions {
		if c, ok := countingForm(r.Formula); ok {
			e.assert(e.switched(e.countAtMost(c)))
			continue
		}
		n, err := f.encode(r.Formula, "restriction "+r.Name)
		if err != nil {
			return err
		}
		e.assert(e.switched(n))
	}
	e.phase("formulas")
	if err := e.finishDeferred(f); err != nil {
		return err
	}
	e.phase("deferred")
	if !e.E.opts.NoPrune && !e.usedLast && e.goalWitness {
		e.needed(goal)
	}
	e.phase("needed steps")
	return nil
}

// containsVars reports whether every variable of u occurs in t.
func containsVars(t, u *rules.Term) bool {
	for _, v := range u.Vars(nil) {
		if !t.HasVar(v) {
			return false
		}
	}
	return true
}

// depthNodes creates the k nodes of a trace of (at most) k steps: each
// node may be an instance of any rule that can fire that early.
func (e *enc) depthNodes() error {
	b := e.b
	var usable []*ruleInfo
	for _, ri := range e.E.rules {
		if e.E.earliest[ri.idx] <= e.k {
			usable = append(usable, ri)
		}
	}
	for n := 1; n <= e.k; n++ {
		g := &gnode{n: n}
		g.time = b.Const(fmt.Sprintf("t_%d", n), SortReal)
		e.assert(b.Lt(b.Real(0), g.time))
		var choices []*Node
		for _, ri := range usable {
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
	return nil
}

// Part is what one phase of an encoding added to its problem.
type Part struct {
	Name  string
	Nodes int
}

// phase records the nodes built since the previous phase as the part
// name. A knowledge query is built where it is first asked, so the parts
// are what each phase built, not what each phase alone would need.
// The nodes the adversary's knowledge queries (synth, knownIn) build are
// the part "knowledge queries", whatever phase asks them.
func (e *enc) phase(name string) {
	prev := 0
	for _, p := range e.parts {
		prev += p.Nodes
	}
	k := e.kNodes - e.kCounted
	e.kCounted = e.kNodes
	if n := e.b.Nodes() - prev - k; n > 0 {
		e.parts = append(e.parts, Part{Name: name, Nodes: n})
	}
	if k == 0 {
		return
	}
	for i := range e.parts {
		if e.parts[i].Name == knowledgePart {
			e.parts[i].Nodes += k
			return
		}
	}
	e.parts = append(e.parts, Part{Name: knowledgePart, Nodes: k})
}

const knowledgePart = "knowledge queries"

// knowledgeQuery counts the nodes built until the returned function is
// called as the knowledge queries' (the outermost query only).
func (e *enc) knowledgeQuery() func() {
	if e.kDepth == 0 {
		e.kStart = e.b.Nodes()
	}
	e.kDepth++
	return func() {
		if e.kDepth--; e.kDepth == 0 {
			e.kNodes += e.b.Nodes() - e.kStart
		}
	}
}

// Parts returns the problem's nodes by the phase of the encoding that
// built them, in the order of the phases (--stats shows them).
func (p *Problem) Parts() []Part { return p.e.parts }
