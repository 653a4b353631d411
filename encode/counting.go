package encode

import "github.com/tracebound/tracebound/rules"

// Counting restrictions: models bound how often an action happens with
// restrictions such as
//
//	not (Ex #i1 #i2 #i3 a b c. X(a) @ #i1 & X(b) @ #i2 & X(c) @ #i3 & #i1 < #i2 & #i2 < #i3)
//	All #i #j a b. X(a) @ #i & X(b) @ #j ==> #i = #j
//
// (the TLS 1.3 model's At_most_n_of_X), whose arguments are all distinct
// variables of the quantifier: at most n−1 (or 1) timepoints have an X
// action. Expanded over their guards they grow as the n-th power of the
// trace's X actions; as a sum over the steps they are linear.

// counting is a restriction that bounds the timepoints with an action.
type counting struct {
	action string
	arity  int
	max    int
}

// countingForm recognises a counting restriction.
func countingForm(f rules.Formula) (counting, bool) {
	switch f := f.(type) {
	case *rules.Not:
		q, ok := f.F.(*rules.Quant)
		if !ok || !q.Exists {
			return counting{}, false
		}
		atoms := conjuncts(q.Body)
		var acts []*rules.Atom
		less := 0
		for _, a := range atoms {
			switch a.Kind {
			case rules.AtomAction:
				acts = append(acts, a)
			case rules.AtomLess:
				less++
			default:
				return counting{}, false
			}
		}
		if len(acts) < 2 || less != len(acts)-1 || !distinctGuards(q, acts) || !chain(acts, atoms) {
			return counting{}, false
		}
		return counting{acts[0].Fact.Name, len(acts[0].Fact.Args), len(acts) - 1}, true
	case *rules.Quant:
		imp, ok := f.Body.(*rules.Conn)
		if f.Exists || !ok || imp.Op != rules.Imp {
			return counting{}, false
		}
		eq, ok := imp.R.(*rules.Atom)
		if !ok || eq.Kind != rules.AtomTimeEq {
			return counting{}, false
		}
		acts := conjuncts(imp.L)
		if len(acts) != 2 || !distinctGuards(f, acts) {
			return counting{}, false
		}
		t1, t2 := acts[0].R.Var, acts[1].R.Var
		if !(eq.L.Var == t1 && eq.R.Var == t2 || eq.L.Var == t2 && eq.R.Var == t1) {
			return counting{}, false
		}
		return counting{acts[0].Fact.Name, len(acts[0].Fact.Args), 1}, true
	}
	return counting{}, false
}

// conjuncts returns the atoms of a conjunction of atoms, or nil.
func conjuncts(f rules.Formula) []*rules.Atom {
	switch f := f.(type) {
	case *rules.Atom:
		return []*rules.Atom{f}
	case *rules.Conn:
		if f.Op != rules.And {
			return nil
		}
		l, r := conjuncts(f.L), conjuncts(f.R)
		if l == nil || r == nil {
			return nil
		}
		return append(l, r...)
	}
	return nil
}

// distinctGuards reports whether the action atoms are of one action, at
// distinct time variables, with arguments that are distinct variables of
// the quantifier, each occurring once.
func distinctGuards(q *rules.Quant, acts []*rules.Atom) bool {
	bound := map[rules.Var]bool{}
	for _, v := range q.Vars {
		bound[v] = true
	}
	used := map[rules.Var]bool{}
	for _, a := range acts {
		if a.Kind != rules.AtomAction || a.Fact.Name != acts[0].Fact.Name || len(a.Fact.Args) != len(acts[0].Fact.Args) ||
			rules.IsReserved(a.Fact.Name) || a.R.Kind != rules.TVar || !bound[a.R.Var] || used[a.R.Var] {
			return false
		}
		used[a.R.Var] = true
		for _, t := range a.Fact.Args {
			if t.Kind != rules.TVar || !bound[t.Var] || used[t.Var] {
				return false
			}
			used[t.Var] = true
		}
	}
	return len(used) == len(q.Vars)
}

// chain reports whether the order atoms put the actions' times in a
// strict chain.
func chain(acts, atoms []*rules.Atom) bool {
	next := map[rules.Var]rules.Var{}
	has := map[rules.Var]bool{}
	for _, a := range atoms {
		if a.Kind == rules.AtomLess {
			if _, dup := next[a.L.Var]; dup {
				return false
			}
			next[a.L.Var] = a.R.Var
			has[a.R.Var] = true
		}
	}
	var start rules.Var
	found := 0
	for _, a := range acts {
		if !has[a.R.Var] {
			start = a.R.Var
			found++
		}
	}
	if found != 1 {
		return false
	}
	n := 1
	for v := start; ; n++ {
		w, ok := next[v]
		if !ok {
			break
		}
		v = w
	}
	return n == len(acts)
}

// countAtMost returns the condition that at most c.max steps have the
// action.
func (e *enc) countAtMost(c counting) *Node {
	b := e.b
	sum := b.Int(0)
	for _, g := range e.nodes {
		var has []*Node
		for _, in := range g.insts {
			for _, a := range in.act {
				if a.f.Name == c.action && len(a.args) == c.arity {
					has = append(has, in.active)
					break
				}
			}
		}
		if len(has) > 0 {
			sum = b.Add(sum, b.Ite(b.Or(has...), b.Int(1), b.Int(0)))
		}
	}
	return b.Le(sum, b.Int(int64(c.max)))
}

// CountingRestriction recognises a restriction that bounds how many
// timepoints have an action (see countingForm): at most max timepoints
// have an action name/arity.
func CountingRestriction(f rules.Formula) (name string, arity, max int, ok bool) {
	c, ok := countingForm(f)
	return c.action, c.arity, c.max, ok
}
