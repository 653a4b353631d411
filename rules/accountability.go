package rules

// Accountability lemmas ("lemma acc: t1, t2 account for φ") stand for the
// verification conditions of Morio and Künnemann's accountability
// framework, as Tamarin generates them. For each case test τ (with free
// variables x̄, the blamed parties) and the other case tests τ':
//
//	acc_τ_suff            exists-trace  ∃x̄. single(τ) ∧ corrupted ⊆ x̄ ∧ ¬∃τ'
//	acc_verif_empty       all-traces    ¬(∃τ ∨ ∃τ' …) ⇒ φ
//	acc_τ_verif_nonempty  all-traces    ∀x̄. τ ⇒ ¬φ
//	acc_τ_min             all-traces    ∀x̄. τ ⇒ no case test holds for a strict subset of x̄
//	acc_τ_uniq            all-traces    ∀x̄. τ ⇒ every x ∈ x̄ is corrupted
//	acc_τ_inj             all-traces    ∀x̄. τ ⇒ the x̄ are pairwise distinct
//	acc_τ_single          exists-trace  ∃x̄. single(τ) ∧ ¬∃τ'
//
// where single(τ) is τ with x̄ the only instantiation that makes it true,
// and "corrupted" refers to the action Corrupted(x).

// accRenamer gives variables fresh indices.
type accRenamer struct{ n int }

func (r *accRenamer) rename(f Formula) Formula {
	s := Subst{}
	for _, v := range FreeVars(f) {
		r.n++
		s[v] = &Term{Kind: TVar, Var: Var{Name: v.Name, Idx: 3000 + r.n, Sort: v.Sort}}
	}
	return substFormula(f, s)
}

func (r *accRenamer) freshVar(name string, sort Sort) Var {
	r.n++
	return Var{Name: name, Idx: 3000 + r.n, Sort: sort}
}

func and(fs ...Formula) Formula {
	var out Formula
	for _, f := range fs {
		if a, ok := f.(*Atom); ok && a.Kind == AtomTrue {
			continue
		}
		if out == nil {
			out = f
		} else {
			out = &Conn{Op: And, L: out, R: f}
		}
	}
	if out == nil {
		return &Atom{Kind: AtomTrue}
	}
	return out
}

func or(fs ...Formula) Formula {
	var out Formula
	for _, f := range fs {
		if out == nil {
			out = f
		} else {
			out = &Conn{Op: Or, L: out, R: f}
		}
	}
	if out == nil {
		return &Atom{Kind: AtomFalse}
	}
	return out
}

func implies(a, b Formula) Formula { return &Conn{Op: Imp, L: a, R: b} }

func quantify(exists bool, vars []Var, f Formula) Formula {
	if len(vars) == 0 {
		return f
	}
	return &Quant{Exists: exists, Vars: vars, Body: f}
}

func quantifyFree(exists bool, f Formula) Formula { return quantify(exists, FreeVars(f), f) }

func eqVars(x, y Var) Formula {
	return &Atom{Kind: AtomEq, L: VarTerm(x), R: VarTerm(y)}
}

func tupleVars(vs []Var) *Term {
	ts := make([]*Term, len(vs))
	for i, v := range vs {
		ts[i] = VarTerm(v)
	}
	return Tuple(ts...)
}

// singleMatch is τ together with: any instantiation making τ true is this one.
func (r *accRenamer) singleMatch(tau Formula) Formula {
	t1, t2 := r.rename(tau), r.rename(tau)
	f1, f2 := FreeVars(t1), FreeVars(t2)
	if len(f1) == 0 {
		return t1
	}
	return and(t1, quantify(false, f2, implies(t2, &Atom{Kind: AtomEq, L: tupleVars(f2), R: tupleVars(f1)})))
}

func (r *accRenamer) corrupted(v Var) Formula {
	i := r.freshVar("i", SortTemporal)
	return quantify(true, []Var{i}, &Atom{Kind: AtomAction, Fact: &Fact{Name: "Corrupted", Args: []*Term{VarTerm(v)}}, R: VarTerm(i)})
}

// corruptSubset: every corrupted party is among vs.
func (r *accRenamer) corruptSubset(vs []Var) Formula {
	a, i := r.freshVar("a", SortMsg), r.freshVar("i", SortTemporal)
	var eqs []Formula
	for _, v := range vs {
		eqs = append(eqs, eqVars(a, v))
	}
	act := &Atom{Kind: AtomAction, Fact: &Fact{Name: "Corrupted", Args: []*Term{VarTerm(a)}}, R: VarTerm(i)}
	return quantify(false, []Var{a, i}, implies(act, or(eqs...)))
}

func noOther(taus []Formula) Formula {
	var fs []Formula
	for _, t := range taus {
		fs = append(fs, &Not{F: quantifyFree(true, t)})
	}
	return and(fs...)
}

func strictSubset(xs, ys []Var) Formula {
	var sub, strict []Formula
	for _, x := range xs {
		var alts []Formula
		for _, y := range ys {
			alts = append(alts, eqVars(x, y))
		}
		sub = append(sub, or(alts...))
	}
	for _, y := range ys {
		var all []Formula
		for _, x := range xs {
			all = append(all, &Not{F: eqVars(y, x)})
		}
		strict = append(strict, and(all...))
	}
	return and(and(sub...), or(strict...))
}

// accountabilityLemmas generates the lemmas of an accountability lemma.
func accountabilityLemmas(acc *Lemma, tests []*CaseTest) []*Lemma {
	r := &accRenamer{}
	phi := acc.Formula
	mk := func(suffix string, q TraceQuantifier, f Formula) *Lemma {
		return &Lemma{Name: acc.Name + suffix, Attrs: acc.Attrs, Quantifier: q, Formula: f, Generated: acc.Name, Pos: acc.Pos, End: acc.End}
	}
	others := func(ct *CaseTest) []Formula {
		var fs []Formula
		for _, o := range tests {
			if o.Name != ct.Name {
				fs = append(fs, o.Formula)
			}
		}
		return fs
	}
	var suff, vne, min, uniq, inj, single []*Lemma
	for _, ct := range tests {
		tau := ct.Formula
		// sufficiency
		t1 := r.singleMatch(tau)
		body := and(t1, r.corruptSubset(FreeVars(t1)))
		if o := others(ct); len(o) > 0 {
			body = and(t1, and(r.corruptSubset(FreeVars(t1)), noOther(o)))
		}
		suff = append(suff, mk("_"+ct.Name+"_suff", ExistsTrace, quantifyFree(true, body)))
		// verifiability (non-empty)
		vne = append(vne, mk("_"+ct.Name+"_verif_nonempty", AllTraces, quantifyFree(false, implies(tau, &Not{F: phi}))))
		// minimality
		m1 := r.rename(tau)
		fm1 := FreeVars(m1)
		var rhs []Formula
		for _, o := range tests {
			t := r.rename(o.Formula)
			ft := FreeVars(t)
			rhs = append(rhs, &Not{F: quantify(true, ft, and(t, strictSubset(ft, fm1)))})
		}
		min = append(min, mk("_"+ct.Name+"_min", AllTraces, quantify(false, fm1, implies(m1, and(rhs...)))))
		// uniqueness
		fv := FreeVars(tau)
		var corr []Formula
		for _, v := range fv {
			corr = append(corr, r.corrupted(v))
		}
		uniq = append(uniq, mk("_"+ct.Name+"_uniq", AllTraces, quantify(false, fv, implies(tau, and(corr...)))))
		// injectivity
		var dist []Formula
		for _, x := range fv {
			for _, y := range fv {
				if x != y {
					dist = append(dist, &Not{F: eqVars(x, y)})
				}
			}
		}
		inj = append(inj, mk("_"+ct.Name+"_inj", AllTraces, quantify(false, fv, implies(tau, and(dist...)))))
		// single matched
		s1 := r.singleMatch(tau)
		sbody := s1
		if o := others(ct); len(o) > 0 {
			sbody = and(s1, noOther(o))
		}
		single = append(single, mk("_"+ct.Name+"_single", ExistsTrace, quantifyFree(true, sbody)))
	}
	var taus []Formula
	for _, ct := range tests {
		taus = append(taus, quantifyFree(true, ct.Formula))
	}
	ve := mk("_verif_empty", AllTraces, quantifyFree(false, implies(&Not{F: or(taus...)}, phi)))
	out := append(suff, ve)
	for _, group := range [][]*Lemma{vne, min, uniq, inj, single} {
		out = append(out, group...)
	}
	return out
}

// expandAccountability replaces each accountability lemma in th.Lemmas by
// its generated lemmas; the lemma itself stays in th.Items for printing.
func expandAccountability(th *Theory, rep *reporter) {
	tests := map[string]*CaseTest{}
	for _, ct := range th.CaseTests {
		tests[ct.Name] = ct
	}
	var out []*Lemma
	for _, l := range th.Lemmas {
		if l.Accountability == nil {
			out = append(out, l)
			continue
		}
		var cts []*CaseTest
		ok := true
		for _, name := range l.Accountability.Tests {
			ct, found := tests[name]
			if !found {
				rep.errorf(l.Pos, "lemma %s: unknown case test %s", l.Name, name)
				ok = false
				continue
			}
			cts = append(cts, ct)
		}
		if ok {
			out = append(out, accountabilityLemmas(l, cts)...)
		}
	}
	th.Lemmas = out
}
