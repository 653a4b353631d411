package rules

import (
	"fmt"
	"sort"
	"strings"
)

// The well-formedness checks, run on every parsed theory. Each has a name
// (shown in diagnostics as [name]) and a fixed severity:
//
//	check                 severity  what it reports
//	names                 error     two lemmas with one name (two rules: warning)
//	reserved-facts        error     In/Fr in conclusions, Out in premises, K/KU/KD as
//	                                premises or conclusions (warning as actions),
//	                                persistent or wrong-arity reserved facts (the
//	                                parser reads !In and !Out as In and Out, with
//	                                a warning, as Tamarin does)
//	fresh-facts           error     Fr of a term that can never be fresh (Fr($x), Fr(h(x)))
//	fact-usage            warning   a fact used with two arities or as both linear and
//	                                persistent (checked as different facts, as Tamarin does)
//	unbound-variables     warning   a non-public variable in an action or conclusion that
//	                                no premise binds (checked as any value of its sort)
//	variable-sorts        warning   one name used with two sorts in a rule (x and ~x)
//	equations             error     an equation whose right side has variables its left lacks
//	subterm-convergence   warning   an equation that is not subterm-convergent and not
//	                                in an equations [convergent] block
//	convergence           error     equations with a critical pair whose sides have
//	                                different normal forms (not confluent)
//	termination           warning   an equation that is not subterm-convergent and whose
//	                                right side is not lighter than its left (termination
//	                                not shown)
//	lemma-actions         warning   a formula mentions an action no rule has
//	formula-terms         warning   a formula applies a reducible function symbol
//
// Syntax errors, unknown function symbols, wrong arities, unknown macros
// and free variables in formulas are reported by the parser.
func check(th *Theory, rep *reporter) {
	checkNames(th, rep)
	checkReservedFacts(th, rep)
	checkFreshFacts(th, rep)
	checkFactUsage(th, rep)
	checkUnboundVariables(th, rep)
	checkVariableSorts(th, rep)
	checkEquations(th, rep)
	checkLemmaActions(th, rep)
	checkFormulaTerms(th, rep)
}

func checkNames(th *Theory, rep *reporter) {
	rules := map[string]*Rule{}
	for _, r := range th.Rules {
		if old, ok := rules[r.Name]; ok {
			d := rep.add(SevWarning, "names", r.Pos, "rule %s is defined twice; traces name the second one %s#2", r.Name, r.Name)
			rep.related(d, old.Pos, "first definition")
			continue
		}
		rules[r.Name] = r
	}
	lemmas := map[string]*Lemma{}
	for _, l := range th.Lemmas {
		if old, ok := lemmas[l.Name]; ok {
			d := rep.add(SevError, "names", l.Pos, "lemma %s is defined twice", l.Name)
			rep.related(d, old.Pos, "first definition")
			continue
		}
		lemmas[l.Name] = l
	}
}

type factPlace uint8

const (
	inPremise factPlace = iota
	inAction
	inConclusion
)

var placeName = [...]string{"premise", "action", "conclusion"}

func (r *Rule) facts(place factPlace) []*Fact {
	switch place {
	case inPremise:
		return r.Premises
	case inAction:
		return r.Actions
	}
	return r.Conclusions
}

func checkReservedFacts(th *Theory, rep *reporter) {
	const name = "reserved-facts"
	for _, r := range th.Rules {
		for place := inPremise; place <= inConclusion; place++ {
			for _, f := range r.facts(place) {
				if !IsReserved(f.Name) {
					continue
				}
				adv := f.Name == FactK || f.Name == FactKU || f.Name == FactKD
				switch {
				case place == inAction:
					// In, Out and Fr may label actions; K, KU and KD there
					// would be read as adversary knowledge by formulas.
					if adv {
						rep.add(SevWarning, name, f.Pos, "rule %s: action %s has the name of the adversary's knowledge facts; formulas read %s as adversary knowledge", r.Name, f.Name, f.Name)
					}
					continue
				case adv:
					rep.add(SevError, name, f.Pos, "rule %s: %s is the adversary's knowledge and cannot be a %s", r.Name, f.Name, placeName[place])
					continue
				case f.Name == FactIn && place != inPremise,
					f.Name == FactFr && place != inPremise,
					f.Name == FactOut && place != inConclusion:
					want := "premises"
					if f.Name == FactOut {
						want = "conclusions"
					}
					rep.add(SevError, name, f.Pos, "rule %s: %s may appear only in %s, not as %s", r.Name, f.Name, want, placeName[place])
					continue
				}
				if f.Persistent {
					rep.add(SevError, name, f.Pos, "rule %s: %s cannot be persistent", r.Name, f.Name)
				}
				if len(f.Args) != 1 {
					rep.add(SevError, name, f.Pos, "rule %s: %s takes one argument, given %d", r.Name, f.Name, len(f.Args))
				}
			}
		}
	}
}

func checkFreshFacts(th *Theory, rep *reporter) {
	for _, r := range th.Rules {
		for _, f := range r.Premises {
			if f.Name != FactFr || len(f.Args) != 1 {
				continue
			}
			a := f.Args[0]
			if !(a.Kind == TVar && (a.Var.Sort == SortFresh || a.Var.Sort == SortMsg)) && a.Kind != TFresh {
				rep.add(SevError, "fresh-facts", f.Pos, "rule %s: Fr(%s) can never be satisfied: Fr binds a fresh variable ~x", r.Name, a)
			}
		}
	}
}

// factUse is one use of a fact symbol, for the fact-usage check.
type factUse struct {
	key   FactKey
	where string
	pos   Pos
}

func checkFactUsage(th *Theory, rep *reporter) {
	uses := map[string][]factUse{}
	var names []string
	add := func(f *Fact, where string) {
		if IsReserved(f.Name) {
			return
		}
		if _, ok := uses[f.Name]; !ok {
			names = append(names, f.Name)
		}
		uses[f.Name] = append(uses[f.Name], factUse{f.Key(), where, f.Pos})
	}
	for _, r := range th.Rules {
		for place := inPremise; place <= inConclusion; place++ {
			for _, f := range r.facts(place) {
				add(f, fmt.Sprintf("rule %s (%s)", r.Name, placeName[place]))
			}
		}
	}
	for _, name := range names {
		us := uses[name]
		first := us[0]
		for _, u := range us[1:] {
			if u.key == first.key {
				continue
			}
			what := "arity"
			if u.key.Persistent != first.key.Persistent {
				what = "persistence"
			}
			// Tamarin warns and checks the model: facts of one name with
			// different arities or persistence are different facts (the
			// engine and the replay checker key facts by all three).
			d := rep.add(SevWarning, "fact-usage", u.pos, "fact %s is used inconsistently (%s): %s here, %s in %s; they are different facts",
				name, what, factSig(u.key), factSig(first.key), first.where)
			rep.related(d, first.pos, "%s used here", factSig(first.key))
			break
		}
	}
}

func factSig(k FactKey) string {
	s := fmt.Sprintf("%s/%d", k.Name, k.Arity)
	if k.Persistent {
		s = "!" + s
	}
	return s
}

func checkUnboundVariables(th *Theory, rep *reporter) {
	for _, r := range th.Rules {
		bound := map[Var]bool{}
		for _, f := range r.Premises {
			for _, v := range f.Vars(nil) {
				bound[v] = true
			}
		}
		var unbound []string
		var first Pos
		seen := map[Var]bool{}
		for _, fs := range [][]*Fact{r.Actions, r.Conclusions} {
			for _, f := range fs {
				for _, a := range f.Args {
					a.Walk(func(t *Term) bool {
						if t.Kind != TVar {
							return true
						}
						v := t.Var
						if bound[v] || seen[v] || v.Sort == SortPub {
							return true
						}
						seen[v] = true
						if len(unbound) == 0 {
							first = t.Pos
							if !first.IsValid() {
								first = f.Pos
							}
						}
						unbound = append(unbound, v.String())
						return true
					})
				}
			}
		}
		if len(unbound) > 0 {
			rep.add(SevWarning, "unbound-variables", first, "rule %s has unbound variables: %s; they take any value of their sort, as in Tamarin (check: any name, or a term of at most %d constructors deep); a fresh value needs Fr(~x) among the premises", r.Name, strings.Join(unbound, ", "), th.UnboundDepth())
		}
	}
}

func checkVariableSorts(th *Theory, rep *reporter) {
	type key struct {
		name string
		idx  int
	}
	for _, r := range th.Rules {
		sorts := map[key][]Var{}
		var order []key
		for _, v := range r.Vars() {
			k := key{v.Name, v.Idx}
			if _, ok := sorts[k]; !ok {
				order = append(order, k)
			}
			sorts[k] = append(sorts[k], v)
		}
		for _, k := range order {
			if vs := sorts[k]; len(vs) > 1 {
				var names []string
				for _, v := range vs {
					names = append(names, v.String())
				}
				rep.add(SevWarning, "variable-sorts", r.Pos, "rule %s uses %s: these are different variables (mismatching sorts)", r.Name, strings.Join(names, " and "))
			}
		}
	}
}

func checkEquations(th *Theory, rep *reporter) {
	for _, e := range th.Equations {
		if e.Builtin != "" {
			continue
		}
		lv := e.LHS.Vars(nil)
		for _, v := range e.RHS.Vars(nil) {
			found := false
			for _, w := range lv {
				found = found || v == w
			}
			if !found {
				rep.add(SevError, "equations", e.Pos, "equation %s: variable %s of the right side does not occur on the left", e, v)
			}
		}
		if e.LHS.Kind != TApp {
			rep.add(SevError, "equations", e.Pos, "equation %s: the left side must be a function application", e)
			continue
		}
		if !e.Convergent && !IsSubtermConvergent(e) {
			rep.add(SevWarning, "subterm-convergence", e.Pos, "equation %s is not subterm-convergent: its right side is neither a ground term nor a subterm of its left side", e)
		}
		if !IsSubtermConvergent(e) && !Decreasing(e) {
			rep.add(SevWarning, "termination", e.Pos, "equation %s: its right side is not lighter than its left side, so termination of rewriting is not shown", e)
		}
	}
	terminating := true
	for _, e := range th.Equations {
		if e.LHS.Kind == TApp && !IsSubtermConvergent(e) && !Decreasing(e) {
			terminating = false
		}
	}
	if !terminating {
		return // normal forms of critical pairs might not exist
	}
	if cp := th.NonJoinable(); cp != nil {
		e := cp.E1
		if e.Builtin != "" {
			e = cp.E2
		}
		rep.add(SevError, "convergence", e.Pos, "the equations are not convergent: %s", cp)
	}
}

// IsSubtermConvergent reports whether the right side of e is a ground
// term or a proper subterm of its left side.
func IsSubtermConvergent(e *Equation) bool {
	if e.RHS.IsGround() {
		return true
	}
	found := false
	for _, a := range e.LHS.Args {
		a.Walk(func(t *Term) bool {
			if t.Equal(e.RHS) {
				found = true
			}
			return !found
		})
	}
	return found
}

// recordedActions returns, per action name, the arities with which rules
// record it.
func (th *Theory) recordedActions() map[string]map[int]bool {
	actions := map[string]map[int]bool{}
	for _, r := range th.Rules {
		for _, f := range r.Actions {
			if actions[f.Name] == nil {
				actions[f.Name] = map[int]bool{}
			}
			actions[f.Name][len(f.Args)] = true
		}
	}
	return actions
}

// MissingActions returns the actions (as name/arity) that f refers to
// but no rule records, in the order of first use: a lemma with one holds
// or goes without witness vacuously as far as that part goes (the
// lemma-actions warning).
func (th *Theory) MissingActions(f Formula) []string {
	if f == nil {
		return nil
	}
	actions := th.recordedActions()
	var out []string
	seen := map[string]bool{}
	WalkFormula(f, func(g Formula) {
		a, ok := g.(*Atom)
		if !ok || a.Kind != AtomAction {
			return
		}
		name := a.Fact.Name
		if name == FactK || name == FactKU || name == FactKD || actions[name][len(a.Fact.Args)] {
			return
		}
		sig := fmt.Sprintf("%s/%d", name, len(a.Fact.Args))
		if !seen[sig] {
			seen[sig] = true
			out = append(out, sig)
		}
	})
	return out
}

func checkLemmaActions(th *Theory, rep *reporter) {
	actions := th.recordedActions()
	check := func(what string, f Formula) {
		reported := map[string]bool{}
		WalkFormula(f, func(g Formula) {
			a, ok := g.(*Atom)
			if !ok || a.Kind != AtomAction {
				return
			}
			name := a.Fact.Name
			if name == FactK || name == FactKU || name == FactKD || reported[name] {
				return
			}
			arities := actions[name]
			switch {
			case arities == nil:
				reported[name] = true
				rep.add(SevWarning, "lemma-actions", a.Pos, "%s refers to action %s/%d, but no rule has such an action", what, name, len(a.Fact.Args))
			case !arities[len(a.Fact.Args)]:
				reported[name] = true
				var as []int
				for n := range arities {
					as = append(as, n)
				}
				sort.Ints(as)
				rep.add(SevWarning, "lemma-actions", a.Pos, "%s uses action %s with %d arguments, but rules use it with %v", what, name, len(a.Fact.Args), as)
			}
		})
	}
	for _, l := range th.Lemmas {
		check("lemma "+l.Name, l.Formula)
	}
	for _, r := range th.Restrictions {
		if r.FromRule == "" {
			check("restriction "+r.Name, r.Formula)
		}
	}
}

// ReducibleSymbols returns the function symbols at the head of an
// equation's left side (destructors such as sdec, fst, verify).
func (th *Theory) ReducibleSymbols() map[string]bool {
	out := map[string]bool{}
	for _, e := range th.Equations {
		if e.LHS.Kind == TApp {
			out[e.LHS.Name] = true
		}
	}
	return out
}

func checkFormulaTerms(th *Theory, rep *reporter) {
	red := th.ReducibleSymbols()
	check := func(what string, f Formula) {
		WalkFormula(f, func(g Formula) {
			a, ok := g.(*Atom)
			if !ok {
				return
			}
			var terms []*Term
			if a.Fact != nil {
				terms = append(terms, a.Fact.Args...)
			}
			if a.Kind == AtomEq || a.Kind == AtomSubterm {
				terms = append(terms, a.L, a.R)
			}
			for _, t := range terms {
				var bad *Term
				t.Walk(func(u *Term) bool {
					if bad == nil && u.Kind == TApp && red[u.Name] {
						bad = u
					}
					return bad == nil
				})
				if bad != nil {
					rep.add(SevWarning, "formula-terms", a.Pos, "%s uses the reducible function symbol %s in %s", what, bad.Name, bad)
					return
				}
			}
		})
	}
	for _, l := range th.Lemmas {
		check("lemma "+l.Name, l.Formula)
	}
	for _, r := range th.Restrictions {
		check("restriction "+r.Name, r.Formula)
	}
}

// FreshConstants returns the names of the fresh constants (~'c') written
// in the theory's rules, restrictions and lemmas. The adversary cannot
// derive them (it knows only fresh names it generates itself), unless
// the protocol sends them.
func (th *Theory) FreshConstants() map[string]bool {
	out := map[string]bool{}
	th.WalkTerms(func(u *Term) {
		if u.Kind == TFresh {
			out[u.Name] = true
		}
	})
	return out
}

// PublicConstants returns the names of the public constants ('c') written
// in the theory's rules, restrictions and lemmas, sorted.
func (th *Theory) PublicConstants() []string {
	seen := map[string]bool{}
	th.WalkTerms(func(u *Term) {
		if u.Kind == TPub {
			seen[u.Name] = true
		}
	})
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// WalkTerms calls visit on every term and subterm written in the theory's
// rules (premises, actions, conclusions), restrictions and lemmas.
func (th *Theory) WalkTerms(visit func(*Term)) {
	walk := func(t *Term) {
		t.Walk(func(u *Term) bool {
			visit(u)
			return true
		})
	}
	for _, r := range th.Rules {
		for _, fs := range [][]*Fact{r.Premises, r.Actions, r.Conclusions} {
			for _, f := range fs {
				for _, a := range f.Args {
					walk(a)
				}
			}
		}
	}
	formula := func(f Formula) {
		WalkFormula(f, func(g Formula) {
			a, ok := g.(*Atom)
			if !ok {
				return
			}
			for _, t := range []*Term{a.L, a.R} {
				if t != nil {
					walk(t)
				}
			}
			if a.Fact != nil {
				for _, t := range a.Fact.Args {
					walk(t)
				}
			}
		})
	}
	for _, r := range th.Restrictions {
		formula(r.Formula)
	}
	for _, l := range th.Lemmas {
		formula(l.Formula)
	}
}
