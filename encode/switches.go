package encode

import (
	"fmt"

	"github.com/tracebound/tracebound/rules"
)

// Conditions on a built problem for questions beyond one goal (issue 10):
// which rules fire (the executability report asks it for every rule of
// one problem), how often each rule fires (several witnesses that differ
// in the rules they use), and restriction switches (which restrictions
// block a goal). Like Distinct, each returns a condition for the caller
// to assert, in a solver scope or for good; the axioms a condition needs
// are part of it.

// switched returns the encoded restriction n, guarded by a switch of its
// own when the options ask for switches.
func (e *enc) switched(n *Node) *Node {
	if !e.E.opts.RestrictionSwitches {
		return n
	}
	sw := e.b.Const(fmt.Sprintf("restriction_%d", len(e.switches)), SortBool)
	e.switches = append(e.switches, sw)
	return e.b.Implies(sw, n)
}

// Switches returns the literals that guard the restrictions, in the
// theory's order, for a problem encoded with Options.RestrictionSwitches
// (nil otherwise): a restriction holds on the trace when its literal is
// true. Asserting them all asks the problem's question; leaving some
// free lets the solver drop those restrictions.
func (p *Problem) Switches() []*Node { return p.e.switches }

// AtMostOff returns the condition that at most n of the switches are
// false.
func (p *Problem) AtMostOff(n int) *Node {
	b := p.B
	sum := b.Int(0)
	for _, sw := range p.e.switches {
		sum = b.Add(sum, b.Ite(sw, b.Int(0), b.Int(1)))
	}
	return b.Le(sum, b.Int(int64(n)))
}

// Fires returns the condition that some step of the trace is an
// instance of r (a rule of the encoded theory): false when r cannot fire
// within the problem's depth.
func (p *Problem) Fires(r *rules.Rule) *Node {
	var lits []*Node
	for _, g := range p.e.nodes {
		for _, in := range g.insts {
			if in.ri.r == r {
				lits = append(lits, in.active)
			}
		}
	}
	return p.B.Or(lits...)
}

// UsesRules returns the condition that the trace has exactly count[r]
// instances of each rule r and none of any other rule: its multiset of
// rules is count.
func (p *Problem) UsesRules(count map[*rules.Rule]int) *Node {
	b := p.B
	per := map[*rules.Rule][]*Node{}
	for _, g := range p.e.nodes {
		for _, in := range g.insts {
			per[in.ri.r] = append(per[in.ri.r], in.active)
		}
	}
	for r, n := range count {
		if n > len(per[r]) {
			return b.False // more instances than the problem has nodes for
		}
	}
	var conj []*Node
	for _, ri := range p.e.E.rules {
		lits := per[ri.r]
		if len(lits) == 0 {
			continue
		}
		sum := b.Int(0)
		for _, l := range lits {
			sum = b.Add(sum, b.Ite(l, b.Int(1), b.Int(0)))
		}
		conj = append(conj, b.Eq(sum, b.Int(int64(count[ri.r]))))
	}
	return b.And(append(conj, b.TakeAxioms()...)...)
}

// RuleSupport reports why the encoder cannot take rule r (a rule of a
// theory whose builtins it supports), or nil: so that a report can leave
// out the rules it cannot take, one by one.
func RuleSupport(r *rules.Rule) error { return checkRule(r) }

// TheorySupport reports a construct of th outside what the encoder
// handles as a whole (an AC builtin other than Diffie–Hellman), or nil.
func TheorySupport(th *rules.Theory) error {
	for _, b := range th.Builtins {
		if rules.IsACBuiltin(b) && b != "diffie-hellman" {
			return errUnsupported("builtin %s", b)
		}
	}
	return nil
}
