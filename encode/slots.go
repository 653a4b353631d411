package encode

import (
	"fmt"

	"github.com/tracebound/tracebound/rules"
)

// Slot problems: instead of k nodes each of which may be an instance of
// any rule, a fixed number of nodes per rule (its slots), each of which may
// be that rule's instance or empty. A plan over the rules (queries/plan.go)
// says how many instances of each rule a trace is likely to need; a slot
// problem with those numbers is a fraction of the size of a depth problem
// for long traces (the TLS 1.3 handshakes need 20–30 steps of 54 rules).
// A trace found is a trace like any other (decoded and replayed); no
// trace means only "none with these numbers of instances".

// EncodeSlots builds the problem for traces with at most slots[i]
// instances of rule i (indexed like the theory's rules), at most k steps
// in all (k ≤ 0: no limit beyond the slots).
func (E *Encoder) EncodeSlots(goal Goal, slots []int, k int) (*Problem, error) {
	if len(slots) != len(E.rules) {
		return nil, fmt.Errorf("encode: %d slot counts for %d rules", len(slots), len(E.rules))
	}
	total := 0
	for _, n := range slots {
		total += n
	}
	e := E.newEnc(total, true)
	e.slots, e.slotLimit = slots, k
	return e.problem(goal)
}

// slotNodes creates the nodes of a slot problem: slots[i] nodes for rule
// i, the used ones first and in time order.
func (e *enc) slotNodes() error {
	b := e.b
	var actives []*Node
	n := 0
	for _, ri := range e.E.rules {
		if ri.ref == nil || ri.ref.dead {
			continue
		}
		var prev *gnode
		for j := 0; j < e.slots[ri.idx]; j++ {
			n++
			g := &gnode{n: n}
			g.time = b.Const(fmt.Sprintf("t_%d", n), SortReal)
			e.assert(b.Lt(b.Real(0), g.time))
			in, err := e.instantiate(g, ri)
			if err != nil {
				return err
			}
			g.insts = []*inst{in}
			g.active = in.active
			for _, o := range e.nodes {
				e.assert(b.Not(b.Eq(o.time, g.time)))
			}
			if prev != nil {
				// symmetry breaking: a rule's used slots first, in time order
				e.assert(b.Implies(g.active, b.And(prev.active, b.Lt(prev.time, g.time))))
			}
			e.nodes = append(e.nodes, g)
			actives = append(actives, g.active)
			prev = g
		}
	}
	if e.slotLimit > 0 && e.slotLimit < len(actives) {
		// at most slotLimit steps: a sum of 0/1 terms
		sum := b.Int(0)
		for _, a := range actives {
			sum = b.Add(sum, b.Ite(a, b.Int(1), b.Int(0)))
		}
		e.assert(b.Le(sum, b.Int(int64(e.slotLimit))))
	}
	return nil
}

// SlotRules returns the names of the rules by index, for plans.
func (E *Encoder) SlotRules() []*rules.Rule {
	out := make([]*rules.Rule, len(E.rules))
	for i, ri := range E.rules {
		out[i] = ri.r
	}
	return out
}

// Dead reports whether shape inference found that rule i can never fire.
func (E *Encoder) Dead(i int) bool { return E.rules[i].ref == nil || E.rules[i].ref.dead }
