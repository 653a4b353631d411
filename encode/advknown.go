package encode

import "github.com/tracebound/tracebound/rules"

// Adversary-known values: a static analysis of which rule variables hold,
// in every trace, a value the adversary can already derive when the rule
// fires. Such a value needs no derivation when it appears in an In
// premise, and the adversary learns nothing from it when a rule sends it.
//
// A variable is known in a rule when it occurs in an In premise under
// pairs only (the adversary built that message, so it can take it apart),
// or as an argument of a state premise at a position that always holds
// known values. A position holds known values when every rule that
// produces the fact puts there a public name or a known variable. Only
// such values count, not terms built from them: the adversary sent the
// value itself at a variable of a pattern, so it can send it again at
// one within the same bounds, while rebuilding h(x) at a variable could
// need a constructor layer the bounds forbid (found by the differential
// tests). The positions are computed as a
// greatest fixpoint: the assumption that all positions hold known values
// is refined until every producing rule preserves it, which makes it an
// invariant of all traces by induction. Knowledge only grows, so a value
// known when its fact was produced is known at every later step.

// transparentVars returns the variables that occur in t under pairs only.
func transparentVars(t *rules.Term, out map[rules.Var]bool) {
	switch {
	case t.Kind == rules.TVar:
		out[t.Var] = true
	case t.IsApp(rules.FunPair):
		for _, a := range t.Args {
			transparentVars(a, out)
		}
	}
}

// knownVariables computes for each rule (indexed like rs) the variables
// known from its state premises and those known from its In premises, and
// the state premise arguments (premise index, argument index) that hold
// known values.
func knownVariables(rs []*ruleInfo, th *rules.Theory) (fromState, fromIn []map[rules.Var]bool, args [][][2]int) {
	pos := map[rules.FactKey][]bool{}
	for _, ri := range rs {
		if ri.ref.dead {
			continue
		}
		for _, fs := range [][]*rules.Fact{ri.ref.premises, ri.ref.conclusions} {
			for _, f := range fs {
				if rules.IsReserved(f.Name) {
					continue
				}
				if _, ok := pos[f.Key()]; !ok {
					p := make([]bool, len(f.Args))
					for i := range p {
						p[i] = true
					}
					pos[f.Key()] = p
				}
			}
		}
	}
	knownVars := func(ri *ruleInfo, withIn, withState bool) map[rules.Var]bool {
		kv := map[rules.Var]bool{}
		for _, p := range ri.ref.premises {
			switch {
			case p.Name == rules.FactIn:
				if withIn {
					transparentVars(p.Args[0], kv)
				}
			case rules.IsReserved(p.Name):
			default:
				for i, a := range p.Args {
					if withState && pos[p.Key()][i] {
						transparentVars(a, kv)
					}
				}
			}
		}
		return kv
	}
	isKnown := func(t *rules.Term, kv map[rules.Var]bool) bool {
		switch t.Kind {
		case rules.TPub:
			return true
		case rules.TVar:
			return t.Var.Sort == rules.SortPub || kv[t.Var]
		}
		return false
	}
	for changed := true; changed; {
		changed = false
		for _, ri := range rs {
			if ri.ref.dead {
				continue
			}
			kv := knownVars(ri, true, true)
			for _, c := range ri.ref.conclusions {
				if rules.IsReserved(c.Name) {
					continue
				}
				p := pos[c.Key()]
				for i, a := range c.Args {
					if p[i] && !isKnown(a, kv) {
						p[i] = false
						changed = true
					}
				}
			}
		}
	}
	fromState = make([]map[rules.Var]bool, len(rs))
	fromIn = make([]map[rules.Var]bool, len(rs))
	args = make([][][2]int, len(rs))
	for i, ri := range rs {
		if ri.ref.dead {
			continue
		}
		fromState[i] = knownVars(ri, false, true)
		fromIn[i] = knownVars(ri, true, false)
		for pi, p := range ri.ref.premises {
			if rules.IsReserved(p.Name) {
				continue
			}
			for ai := range p.Args {
				if pos[p.Key()][ai] {
					args[i] = append(args[i], [2]int{pi, ai})
				}
			}
		}
	}
	return fromState, fromIn, args
}
