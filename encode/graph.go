package encode

import (
	"fmt"

	"github.com/tracebound/tracebound/rules"
)

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
	// sent: nodes of the variables of its In premises under pairs only
	// (values the adversary sent itself; receiving them back teaches it
	// nothing, docs/bounds.md)
	sent  map[*Node]bool
	prem  []*factInst
	act   []*factInst
	conc  []*factInst
	edges [][]*edge // per premise
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

// instantiate creates the symbolic instance of rule ri at node g.
func (e *enc) instantiate(g *gnode, ri *ruleInfo) (*inst, error) {
	b, a := e.b, e.a
	e.instances++
	in := &inst{node: g, ri: ri, active: b.Const(fmt.Sprintf("act_%d_%d", g.n, ri.idx), SortBool), sigma: map[rules.Var]*Node{}}
	if a.dh != nil {
		a.dh.owner = in.active
		defer func() { a.dh.owner = nil }()
	}
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
		if a.dh != nil && ri.expFresh[v] {
			a.dh.addAtom(in.sigma[v], true)
		}
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
	in.sent = map[*Node]bool{}
	for v := range ri.knownIn {
		in.known[in.sigma[v]] = true
		in.sent[in.sigma[v]] = true
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
			e.kEvents = append(e.kEvents, e.sendEvent(in, pi))
			continue
		}
		key := p.f.Key()
		type source struct {
			g   *gnode
			src *inst
			ci  int
		}
		var cands []source
		for _, g := range e.nodes {
			if g == in.node {
				continue
			}
			for _, src := range g.insts {
				for ci, c := range src.conc {
					if c.f.Key() == key && mayEqualAll(p.args, c.args) {
						cands = append(cands, source{g, src, ci})
					}
				}
			}
		}
		// with many sources, the premise names its source by a number
		// and reads the arguments through functions of it (arity
		// functions instead of one equality per source and argument)
		var srcID *Node
		if len(cands) >= edgeFunctionSources && len(p.args) >= 2 && !e.E.opts.EagerEdges {
			srcID = b.FreshConst("source", SortInt)
			for j, x := range p.args {
				e.assert(b.Implies(in.active, b.Eq(x, b.App(e.concArg(key, j, x.Sort), srcID))))
			}
		}
		var lits []*Node
		for _, cand := range cands {
			g, src, ci := cand.g, cand.src, cand.ci
			c := src.conc[ci]
			var lit, eq *Node
			if srcID != nil {
				lit, eq = b.Eq(srcID, b.Int(int64(e.concID(c)))), b.True
			} else {
				eqs := make([]*Node, len(c.args))
				for j := range c.args {
					eqs[j] = b.Eq(p.args[j], c.args[j])
				}
				eq = b.And(eqs...)
				if eq == b.False {
					continue
				}
				lit = b.FreshConst("edge", SortBool)
			}
			e.assert(b.Implies(lit, b.And(in.active, src.active, eq, b.Lt(g.time, in.node.time))))
			if !key.Persistent {
				e.consumers[c] = append(e.consumers[c], lit)
			}
			lits = append(lits, lit)
			in.edges[pi] = append(in.edges[pi], &edge{lit: lit, from: src, conc: ci})
			e.outEdges[g] = append(e.outEdges[g], lit)
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

// edgeFunctionSources is the number of sources from which a premise names
// its source by a number (premises, above).
const edgeFunctionSources = 4

// concID numbers a conclusion for the premises that name their source.
// Its arguments are the values of the functions concArg at its number.
func (e *enc) concID(c *factInst) int {
	if id, ok := e.concIDs[c]; ok {
		return id
	}
	id := len(e.concIDs)
	e.concIDs[c] = id
	key := c.f.Key()
	for j, x := range c.args {
		e.assert(e.b.Eq(e.b.App(e.concArg(key, j, x.Sort), e.b.Int(int64(id))), x))
	}
	return id
}

// concArg is the function from a conclusion's number to its argument j,
// for facts of key.
func (e *enc) concArg(key rules.FactKey, j int, s Sort) *Fun {
	return e.b.Func(fmt.Sprintf("arg_%s_%d_%d_%t", key.Name, key.Arity, j, key.Persistent), []Sort{SortInt}, s)
}

// mayEqualAll reports whether the argument lists may be equal: false when
// an argument pair differs statically (b.Eq would fold it to false).
func mayEqualAll(xs, ys []*Node) bool {
	for i := range xs {
		if !mayEqual(xs[i], ys[i]) {
			return false
		}
	}
	return true
}

// mayEqual is false when x and y differ statically: integer literals,
// messages with different known heads, constants of different values,
// constructor applications with an argument pair that differs.
func mayEqual(x, y *Node) bool {
	if x == y {
		return true
	}
	switch x.Sort {
	case SortInt, SortReal:
		return x.Op != OpIntLit || y.Op != OpIntLit || x.Lit == y.Lit
	case SortMsg:
		hx, hy := msgHead(x), msgHead(y)
		if hx == "" || hy == "" {
			return true
		}
		if hx != hy {
			return false
		}
		switch {
		case x.Kind == MsgCtor && y.Kind == MsgCtor:
			return len(x.Args) == len(y.Args) && mayEqualAll(x.Args, y.Args)
		case x.Kind == MsgPub && y.Kind == MsgPub, x.Kind == MsgFresh && y.Kind == MsgFresh:
			return x.Lit == y.Lit
		}
	}
	return true
}
