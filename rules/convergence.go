package rules

import "fmt"

// Convergence of the equations read as left-to-right rewrite rules: an
// equation that is not subterm-convergent is accepted when the whole set
// is locally confluent (every critical pair rewrites to one normal form)
// and terminates (checked by a weight ordering: every rule's right side is
// lighter than its left side, and no variable occurs more often on the
// right). Tamarin requires convergence and the finite variant property of
// such equations as well; like Tamarin, tracebound does not check the
// latter.

// CriticalPair is a term that rewrites in two ways (Left and Right) by
// two equations overlapping at a position, with the normal forms of both
// sides.
type CriticalPair struct {
	E1, E2                 *Equation
	Left, Right            *Term
	LeftNormal, RightNorml *Term
}

func (c *CriticalPair) String() string {
	return fmt.Sprintf("%s and %s overlap: %s and %s have the normal forms %s and %s",
		c.E1, c.E2, c.Left, c.Right, c.LeftNormal, c.RightNorml)
}

// NonJoinable returns a critical pair of the theory's equations whose
// sides have different normal forms, or nil when all are joinable. The
// associative-commutative builtins are not considered.
func (th *Theory) NonJoinable() *CriticalPair {
	var eqs []*Equation
	for _, e := range th.Equations {
		if e.LHS.Kind == TApp {
			eqs = append(eqs, e)
		}
	}
	for i, e1 := range eqs {
		for j, e2 := range eqs {
			l2, r2 := renameApart(e2.LHS, e2.RHS, "cp2")
			var found *CriticalPair
			positions(e1.LHS, nil, func(p []int, sub *Term) {
				if found != nil || sub.Kind != TApp || len(p) == 0 && i == j {
					return
				}
				s := Subst{}
				if !unifyTerms(sub, l2, s) {
					return
				}
				left := resolveTerm(e1.RHS, s)
				right := resolveTerm(replaceAt(e1.LHS, p, r2), s)
				ln, rn := th.Normalize(left), th.Normalize(right)
				if !ln.Equal(rn) {
					found = &CriticalPair{E1: e1, E2: e2, Left: left, Right: right, LeftNormal: ln, RightNorml: rn}
				}
			})
			if found != nil {
				return found
			}
		}
	}
	return nil
}

// Decreasing reports whether an equation's right side is lighter than its
// left side, no variable occurring more often on the right (a weight
// ordering: rewriting with such equations terminates).
func Decreasing(e *Equation) bool {
	if e.RHS.Size() >= e.LHS.Size() {
		return false
	}
	count := func(t *Term) map[Var]int {
		m := map[Var]int{}
		t.Walk(func(u *Term) bool {
			if u.Kind == TVar {
				m[u.Var]++
			}
			return true
		})
		return m
	}
	l := count(e.LHS)
	for v, n := range count(e.RHS) {
		if n > l[v] {
			return false
		}
	}
	return true
}

// positions calls f with every position of t and the subterm there.
func positions(t *Term, p []int, f func([]int, *Term)) {
	f(p, t)
	for i, a := range t.Args {
		positions(a, append(append([]int{}, p...), i), f)
	}
}

// replaceAt returns t with the subterm at p replaced by u.
func replaceAt(t *Term, p []int, u *Term) *Term {
	if len(p) == 0 {
		return u
	}
	args := append([]*Term{}, t.Args...)
	args[p[0]] = replaceAt(t.Args[p[0]], p[1:], u)
	return &Term{Kind: TApp, Name: t.Name, Args: args}
}

// renameApart renames the variables of l and r with a prefix.
func renameApart(l, r *Term, prefix string) (*Term, *Term) {
	s := Subst{}
	for _, v := range r.Vars(l.Vars(nil)) {
		s[v] = NewVar(prefix+"_"+v.Name, v.Idx, v.Sort)
	}
	return s.Apply(l), s.Apply(r)
}

// unifyTerms extends s to a most general unifier of a and b (syntactic).
func unifyTerms(a, b *Term, s Subst) bool {
	a, b = walkTerm(a, s), walkTerm(b, s)
	if a.Kind == TVar && b.Kind == TVar && a.Var == b.Var {
		return true
	}
	if a.Kind != TVar && b.Kind == TVar {
		a, b = b, a
	}
	if a.Kind == TVar {
		if occursIn(a.Var, b, s) {
			return false
		}
		s[a.Var] = b
		return true
	}
	if a.Kind != b.Kind || a.Name != b.Name || len(a.Args) != len(b.Args) {
		return false
	}
	for i := range a.Args {
		if !unifyTerms(a.Args[i], b.Args[i], s) {
			return false
		}
	}
	return true
}

func walkTerm(t *Term, s Subst) *Term {
	for t.Kind == TVar {
		r, ok := s[t.Var]
		if !ok {
			return t
		}
		t = r
	}
	return t
}

func occursIn(v Var, t *Term, s Subst) bool {
	t = walkTerm(t, s)
	if t.Kind == TVar {
		return t.Var == v
	}
	for _, a := range t.Args {
		if occursIn(v, a, s) {
			return true
		}
	}
	return false
}

// resolveTerm applies the unifier s to t fully.
func resolveTerm(t *Term, s Subst) *Term {
	return t.Map(func(u *Term) *Term {
		if u.Kind == TVar {
			if r, ok := s[u.Var]; ok {
				return resolveTerm(r, s)
			}
		}
		return u
	})
}
