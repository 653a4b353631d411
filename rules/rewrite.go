package rules

// Match matches pattern p against the ground term t syntactically,
// extending s with bindings for p's variables. It reports whether the
// match succeeds; s may be partly extended on failure, so callers pass a
// copy when they need to backtrack. A variable of sort pub or fresh
// matches only a public or fresh name.
func Match(p, t *Term, s Subst) bool {
	switch p.Kind {
	case TVar:
		if old, ok := s[p.Var]; ok {
			return old.Equal(t)
		}
		if !p.Var.Sort.Admits(t) {
			return false
		}
		s[p.Var] = t
		return true
	case TApp:
		if t.Kind != TApp || t.Name != p.Name || len(t.Args) != len(p.Args) {
			return false
		}
		for i := range p.Args {
			if !Match(p.Args[i], t.Args[i], s) {
				return false
			}
		}
		return true
	}
	return p.Kind == t.Kind && p.Name == t.Name
}

// Copy returns a copy of s.
func (s Subst) Copy() Subst {
	c := make(Subst, len(s))
	for k, v := range s {
		c[k] = v
	}
	return c
}

// Normalize rewrites a ground term to its normal form under the theory's
// equations (innermost rewriting) and, with builtins: diffie-hellman, the
// Diffie–Hellman theory (dh.go). The other associative-commutative
// theories are not normalised yet.
func (th *Theory) Normalize(t *Term) *Term {
	if t.Kind != TApp {
		return t
	}
	changed := false
	args := make([]*Term, len(t.Args))
	for i, a := range t.Args {
		args[i] = th.Normalize(a)
		changed = changed || args[i] != a
	}
	if changed {
		t = &Term{Kind: TApp, Name: t.Name, Args: args}
	}
	if IsDHSymbol(t.Name) && th.HasBuiltin("diffie-hellman") {
		return normalizeDH(t)
	}
	for _, e := range th.Equations {
		if e.LHS.Kind != TApp || e.LHS.Name != t.Name {
			continue
		}
		s := Subst{}
		if Match(e.LHS, t, s) {
			return th.Normalize(s.Apply(e.RHS))
		}
	}
	return t
}
