package rules

// UnboundVars returns the variables of r that no premise binds (public
// variables excepted: they may take any public name), in the order of
// their first use in the actions and conclusions.
func (r *Rule) UnboundVars() []Var {
	bound := map[Var]bool{}
	for _, f := range r.Premises {
		for _, v := range f.Vars(nil) {
			bound[v] = true
		}
	}
	var out []Var
	for _, fs := range [][]*Fact{r.Actions, r.Conclusions} {
		for _, f := range fs {
			for _, v := range f.Vars(nil) {
				if !bound[v] && v.Sort != SortPub {
					bound[v] = true
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// UnboundDepth is how many layers of function applications the value of
// an unbound message variable may have when a model is checked: one more
// than the deepest term written in the model's rules, restrictions and
// lemmas, so that it can take the shape of any pattern it is compared
// with, but no more than keeps the encoding small (at most 64 argument
// positions: 5 layers of pairs, 3 of ternary symbols). Tamarin lets it be
// any message; the bound is stated in the unbound-variables warning.
func (th *Theory) UnboundDepth() int {
	return min(th.patternDepth()+1, unboundCap(th.maxArity()))
}

// unboundCap is the largest depth d at which a term with symbols of
// arity ≤ a has at most 64 positions (1 + a + … + a^d).
func unboundCap(a int) int {
	if a <= 1 {
		return 64
	}
	d, positions, layer := 0, 1, 1
	for {
		layer *= a
		if positions+layer > 64 {
			return d
		}
		positions += layer
		d++
	}
}

func (th *Theory) maxArity() int {
	a := 0
	for _, f := range th.Functions {
		a = max(a, f.Arity)
	}
	return a
}

// patternDepth is the largest number of function applications on a path
// of a term written in the model.
func (th *Theory) patternDepth() int {
	d := 0
	term := func(t *Term) {
		if t != nil {
			d = max(d, t.Depth()-1) // function applications on the longest path
		}
	}
	for _, r := range th.Rules {
		for _, fs := range [][]*Fact{r.Premises, r.Actions, r.Conclusions} {
			for _, f := range fs {
				for _, a := range f.Args {
					term(a)
				}
			}
		}
	}
	formula := func(f Formula) {
		if f == nil {
			return
		}
		WalkFormula(f, func(g Formula) {
			if a, ok := g.(*Atom); ok {
				if a.Fact != nil {
					for _, t := range a.Fact.Args {
						term(t)
					}
				}
				term(a.L)
				term(a.R)
			}
		})
	}
	for _, r := range th.Restrictions {
		formula(r.Formula)
	}
	for _, l := range th.Lemmas {
		formula(l.Formula)
	}
	return d
}
