package rules

import "strings"

// Guardedness, as Tamarin checks it when it turns a lemma's formula into
// a guarded formula (Theory.Constraint.System.Guarded, formulaToGuarded):
//
//   - Ex xs. φ: the conjuncts of φ that are actions (f @ #i) and
//     equalities are its guards; every variable of xs must occur in an
//     action guard, or in an equality guard whose other side has no
//     unguarded variable (actions are taken first, then the equalities
//     in order, once).
//   - All xs. φ: φ must be an implication A ==> ψ (else "universal
//     quantifier without toplevel implication"); the conjuncts of A that
//     are actions and equalities are the guards, with the same rule. The
//     other conjuncts of A are checked as formulas of their own.
//
// Nested quantifiers of the same kind count as one (All x. All y. φ is
// All x y. φ). The check is syntactic: it does not depend on polarity.

// CheckGuarded reports every subformula of f that is not guarded, as an
// error at the quantifier's position; what names the formula ("lemma
// secrecy", "the query").
func CheckGuarded(th *Theory, f Formula, what string) Diagnostics {
	rep := &reporter{fset: th.Files}
	if rep.fset == nil {
		rep.fset = NewFileSet()
	}
	checkGuarded(f, rep, what)
	return rep.diags
}

func checkGuarded(f Formula, rep *reporter, what string) {
	switch f := f.(type) {
	case *Not:
		checkGuarded(f.F, rep, what)
	case *Conn:
		checkGuarded(f.L, rep, what)
		checkGuarded(f.R, rep, what)
	case *Quant:
		xs, body := openPrefix(f)
		if f.Exists {
			guards, rest := splitGuards(body)
			reportUnguarded(rep, what, f, remainingUnguarded(xs, guards))
			for _, g := range rest {
				checkGuarded(g, rep, what)
			}
			return
		}
		imp, ok := body.(*Conn)
		if !ok || imp.Op != Imp {
			rep.errorf(f.Pos, "%s is not guarded: universal quantifier without toplevel implication in %q (write All x #i. Action(x) @ #i ==> …)", what, FormulaString(f))
			return
		}
		guards, rest := splitGuards(imp.L)
		reportUnguarded(rep, what, f, remainingUnguarded(xs, guards))
		for _, g := range rest {
			checkGuarded(g, rep, what)
		}
		checkGuarded(imp.R, rep, what)
	}
}

// openPrefix returns the variables of q and of the quantifiers of the
// same kind directly inside it, and the body below them.
func openPrefix(q *Quant) ([]Var, Formula) {
	xs := append([]Var{}, q.Vars...)
	body := q.Body
	for {
		inner, ok := body.(*Quant)
		if !ok || inner.Exists != q.Exists {
			return xs, body
		}
		xs = append(xs, inner.Vars...)
		body = inner.Body
	}
}

// splitGuards splits the conjuncts of f into guards (actions and
// equalities, actions first) and the other conjuncts.
func splitGuards(f Formula) (guards []*Atom, rest []Formula) {
	var actions, eqs []*Atom
	var walk func(Formula)
	walk = func(f Formula) {
		if c, ok := f.(*Conn); ok && c.Op == And {
			walk(c.L)
			walk(c.R)
			return
		}
		if a, ok := f.(*Atom); ok {
			switch a.Kind {
			case AtomAction:
				actions = append(actions, a)
				return
			case AtomEq, AtomTimeEq:
				eqs = append(eqs, a)
				return
			}
		}
		rest = append(rest, f)
	}
	walk(f)
	return append(actions, eqs...), rest
}

// remainingUnguarded returns the variables of xs that the guards do not
// guard.
func remainingUnguarded(xs []Var, guards []*Atom) []Var {
	ug := map[Var]bool{}
	for _, x := range xs {
		ug[x] = true
	}
	covered := func(t *Term) bool {
		for _, v := range t.Vars(nil) {
			if ug[v] {
				return false
			}
		}
		return true
	}
	for _, g := range guards {
		switch g.Kind {
		case AtomAction:
			for _, v := range g.Fact.Vars(nil) {
				delete(ug, v)
			}
			for _, v := range g.R.Vars(nil) {
				delete(ug, v)
			}
		default:
			switch {
			case covered(g.L):
				for _, v := range g.R.Vars(nil) {
					delete(ug, v)
				}
			case covered(g.R):
				for _, v := range g.L.Vars(nil) {
					delete(ug, v)
				}
			}
		}
	}
	var out []Var
	for _, x := range xs {
		if ug[x] {
			out = append(out, x)
		}
	}
	return out
}

func reportUnguarded(rep *reporter, what string, q *Quant, ug []Var) {
	if len(ug) == 0 {
		return
	}
	names := make([]string, len(ug))
	for i, v := range ug {
		names[i] = "'" + v.String() + "'"
	}
	kind := "Ex"
	if !q.Exists {
		kind = "All"
	}
	s := ""
	if len(ug) > 1 {
		s = "s"
	}
	rep.errorf(q.Pos, "%s is not guarded: unguarded variable%s %s in the subformula %q: every variable of %s must occur in an action (f @ #i) %s",
		what, s, strings.Join(names, ", "), FormulaString(q), kind, guardPlace(q.Exists))
}

func guardPlace(exists bool) string {
	if exists {
		return "that is a conjunct right after the quantifier"
	}
	return "in the premise of the implication right after the quantifier"
}
