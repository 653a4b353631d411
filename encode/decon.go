package encode

import (
	"fmt"

	"github.com/tracebound/tracebound/rules"
)

// cand is a possible keyed deconstruction of a register with one
// equation: for the member cell that holds, under its match condition,
// the adversary gets that member's result if it can derive the side
// arguments. Deconstructing the members, not the register, keeps the
// structure a member's pattern writes (its result's parts come for free).
type cand struct {
	parent *cell
	alts   []*candAlt
}

// candAlt is a cand for one member of the register.
type candAlt struct {
	member *cell
	cond   *Node // the member holds and the equation matches it
	child  *Node
	sides  []*Node
}

// decNode is one keyed deconstruction the adversary performs: it picks a
// candidate at a time of its choice.
type decNode struct {
	use  *Node // the node is used
	sel  *Node // Int: which candidate
	time *Node
	// keys hold the side arguments of the candidate picked that have no
	// structure of their own (one derivation for every candidate)
	keys []*Node
}

// candidates adds the keyed deconstructions of register c as candidates
// for the deconstruction nodes. Any cell qualifies, whatever its
// structure: a keyed deconstruction costs no analysis layer.
func (e *enc) candidates(c *cell) error {
	members := c.members
	if len(members) == 0 {
		members = []*cell{c}
	}
	for _, d := range e.E.decomps {
		if len(d.sides) == 0 {
			continue
		}
		cd := &cand{parent: c}
		for _, m := range members {
			cond, child, sides, _, err := e.deconstruct(m, d)
			if err != nil {
				return err
			}
			if cond == nil {
				continue
			}
			cd.alts = append(cd.alts, &candAlt{member: m, cond: e.b.And(m.learned, cond), child: child, sides: sides})
		}
		if len(cd.alts) > 0 {
			e.cands = append(e.cands, cd)
		}
	}
	return nil
}

// deconstructions creates the adversary's keyed deconstruction nodes,
// at most Bounds.KeyedDeconstructions. Node d picks one candidate (a keyed
// deconstruction of a cell learned before its time, or of an earlier
// node's result), derives the side arguments, and learns the result and
// its key-free parts from its time on: the structure the result has in
// the member's pattern for free, values below it down to the analysis
// bound (a keyed deconstruction starts a new run of analysis layers).
func (e *enc) deconstructions() error {
	b := e.b
	for _, c := range e.cells {
		if err := e.candidates(c); err != nil {
			return err
		}
	}
	maxSides := 0
	for _, d := range e.E.decomps {
		maxSides = max(maxSides, len(d.sides))
	}
	n := e.E.opts.Bounds.KeyedDeconstructions
	if len(e.cands) == 0 {
		n = 0
	}
	// the structured side arguments each choice must derive, asserted
	// once every cell exists
	type sideNeed struct {
		choice *Node
		time   *Node
		sides  []*Node
	}
	var needs []sideNeed
	var prev *decNode
	for i := 1; i <= n; i++ {
		d := &decNode{
			use:  b.Const(fmt.Sprintf("dec_use_%d", i), SortBool),
			sel:  b.Const(fmt.Sprintf("dec_sel_%d", i), SortInt),
			time: b.Const(fmt.Sprintf("dec_time_%d", i), SortReal),
		}
		for j := 0; j < maxSides; j++ {
			d.keys = append(d.keys, e.a.variable(fmt.Sprintf("dec_key_%d_%d", i, j), rules.SortMsg))
		}
		if prev != nil {
			// symmetry breaking: nodes are used in order of their times
			e.assert(b.Implies(d.use, b.And(prev.use, b.Lt(prev.time, d.time))))
		}
		e.assert(b.Implies(d.use, b.Lt(b.Real(0), d.time)))
		e.decs = append(e.decs, d)
		var opts []*Node
		var results [][]*cell
		// results of unknown structure share one variable, taken apart
		// once (their analysis is the same generic one)
		out := e.a.variable(fmt.Sprintf("dec_out_%d", i), rules.SortMsg)
		var generic []*Node
		cands := e.cands // the candidates so far: not this node's own results
		for ci, c := range cands {
			ch := b.And(d.use, b.Eq(d.sel, b.Int(int64(ci))))
			e.used(c.parent, ch)
			var holds []*Node
			for _, alt := range c.alts {
				h := b.And(ch, alt.cond)
				holds = append(holds, alt.cond)
				var conj []*Node
				var structured []*Node
				for j, s := range alt.sides {
					if s.Kind == MsgCtor {
						// its written structure is built for free
						structured = append(structured, s)
					} else {
						conj = append(conj, b.Eq(d.keys[j], s))
					}
				}
				e.assert(b.Implies(h, b.And(conj...)))
				if len(structured) > 0 {
					needs = append(needs, sideNeed{h, d.time, structured})
				}
				if alt.child.Kind != MsgCtor {
					e.assert(b.Implies(h, b.Eq(out, alt.child)))
					generic = append(generic, h)
					continue
				}
				cs, err := e.keyFree(&cell{node: alt.child, learned: h, time: d.time, dec: i},
					e.E.opts.Bounds.AnalysisLayers, map[[2]int]bool{})
				if err != nil {
					return err
				}
				results = append(results, cs)
			}
			e.assert(b.Implies(ch, b.And(c.parent.learned, b.Lt(c.parent.time, d.time), b.Or(holds...))))
			opts = append(opts, ch)
		}
		if len(generic) > 0 {
			cs, err := e.keyFree(&cell{node: out, learned: b.Or(generic...), time: d.time, dec: i},
				e.E.opts.Bounds.AnalysisLayers, map[[2]int]bool{})
			if err != nil {
				return err
			}
			results = append(results, cs)
		}
		e.assert(b.Implies(d.use, b.Or(opts...)))
		before := len(e.cells)
		e.group(fmt.Sprintf("dec_%d", i), results, d.time, nil, i)
		for _, c := range e.cells[before:] {
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
			conj = append(conj, e.derivable(k, d.time))
		}
		e.assert(b.Implies(d.use, b.And(conj...)))
	}
	for _, nd := range needs {
		var conj []*Node
		for _, s := range nd.sides {
			conj = append(conj, e.derivable(s, nd.time))
		}
		e.assert(b.Implies(nd.choice, b.And(conj...)))
	}
	return nil
}
