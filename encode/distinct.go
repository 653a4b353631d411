package encode

import "github.com/tracebound/tracebound/rules"

// Distinct returns the condition that in every instance of rule r in the
// problem's trace the variables x and y (of r as written) have different
// values. The checker asserts it when it looks for a trace in which two
// roles of a rule are not played by the same agent (issue 14): a
// preference for readable traces, never part of a verdict's question.
// Axioms the condition needs are part of it.
func (p *Problem) Distinct(r *rules.Rule, x, y rules.Var) *Node {
	b := p.B
	var conj []*Node
	for _, g := range p.e.nodes {
		for _, in := range g.insts {
			if in.ri.r != r {
				continue
			}
			nx, ny := in.orig[x], in.orig[y]
			if nx == nil || ny == nil || nx.Sort != ny.Sort {
				continue
			}
			conj = append(conj, b.Implies(in.active, b.Not(b.Eq(nx, ny))))
		}
	}
	return b.And(append(conj, b.TakeAxioms()...)...)
}
