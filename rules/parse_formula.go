package rules

import "fmt"

// predCall is a use of a predicate, replaced by its definition when the
// formula is resolved.
type predCall struct {
	name string
	args []*Term
	pos  Pos
}

func (*predCall) formula()        {}
func (c *predCall) Position() Pos { return c.pos }

// quotedFormula parses "φ".
func (p *parser) quotedFormula() Formula {
	open := p.peek()
	if !open.isSym(`"`) {
		p.unexpected("a formula in double quotes")
	}
	p.next()
	f := p.formula()
	if !p.peek().isSym(`"`) {
		if p.peek().kind == tEOF {
			p.fail(open.pos, "formula string not terminated")
		}
		p.unexpected(`the closing '"' of the formula`)
	}
	p.next()
	return f
}

// formula parses at the loosest level: φ <=> ψ.
func (p *parser) formula() Formula {
	l := p.implication()
	if t := p.peek(); t.isSym("<=>") || t.isSym("⇔") {
		p.next()
		r := p.implication()
		return &Conn{Op: Iff, L: l, R: r, Pos: l.Position()}
	}
	return l
}

// implication is right-associative.
func (p *parser) implication() Formula {
	l := p.disjunction()
	if t := p.peek(); t.isSym("==>") || t.isSym("⇒") {
		p.next()
		r := p.implication()
		return &Conn{Op: Imp, L: l, R: r, Pos: l.Position()}
	}
	return l
}

func (p *parser) disjunction() Formula {
	l := p.conjunction()
	for {
		t := p.peek()
		if !(t.isSym("|") || t.isSym("∨")) {
			return l
		}
		p.next()
		r := p.conjunction()
		l = &Conn{Op: Or, L: l, R: r, Pos: l.Position()}
	}
}

func (p *parser) conjunction() Formula {
	l := p.negation()
	for {
		t := p.peek()
		if !(t.isSym("&") || t.isSym("∧")) {
			return l
		}
		p.next()
		r := p.negation()
		l = &Conn{Op: And, L: l, R: r, Pos: l.Position()}
	}
}

func (p *parser) negation() Formula {
	if t := p.peek(); t.isIdent("not") || t.isSym("¬") {
		p.next()
		return &Not{F: p.negation(), Pos: t.pos}
	}
	return p.formulaAtom()
}

func (p *parser) formulaAtom() Formula {
	t := p.peek()
	switch {
	case t.isSym("("):
		var f Formula
		if p.try(func() {
			p.next()
			f = p.formula()
			p.expectSym(")")
		}) {
			return f
		}
		if p.try(func() { f = p.termAtom() }) {
			return f
		}
		// report the error of the formula reading
		p.next()
		f = p.formula()
		p.expectSym(")")
		return f
	case t.isSym("⊥"):
		p.next()
		return &Atom{Kind: AtomFalse, Pos: t.pos}
	case t.isSym("⊤"):
		p.next()
		return &Atom{Kind: AtomTrue, Pos: t.pos}
	case t.isSym("∀"), t.isSym("∃"), t.isIdent("All"), t.isIdent("Ex"):
		return p.quantifier()
	case t.isIdent("last") && p.peekN(1).isSym("("):
		p.next()
		p.next()
		v := p.timeVar()
		p.expectSym(")")
		return &Atom{Kind: AtomLast, L: v, Pos: t.pos}
	case (t.isIdent("F") || t.isIdent("T")) && !p.peekN(1).isSym("("):
		p.next()
		if t.text == "T" {
			return &Atom{Kind: AtomTrue, Pos: t.pos}
		}
		return &Atom{Kind: AtomFalse, Pos: t.pos}
	case t.isSym("!") || (t.kind == tIdent && p.peekN(1).isSym("(")):
		var f *Fact
		if p.try(func() {
			f = p.fact(ctxFormula)
			if !p.peek().isSym("@") {
				panic(bailout{})
			}
		}) {
			// a fact and @: an action, whatever follows
			p.next()
			return &Atom{Kind: AtomAction, Fact: f, R: p.timeVar(), Pos: f.Pos}
		}
		if _, ok := p.preds[t.text]; ok {
			return p.predicateCall()
		}
	}
	return p.termAtom()
}

func (p *parser) predicateCall() Formula {
	name := p.next()
	p.expectSym("(")
	var args []*Term
	if !p.peek().isSym(")") {
		for {
			args = append(args, p.term(ctxFormula))
			if !p.acceptSym(",") {
				break
			}
		}
	}
	p.expectSym(")")
	return &predCall{name: name.text, args: args, pos: name.pos}
}

// termAtom parses t = u, t < u (time order) and t << u (subterm).
func (p *parser) termAtom() Formula {
	l := p.term(ctxFormula)
	t := p.peek()
	switch {
	case t.isSym("="):
		p.next()
		r := p.term(ctxFormula)
		return &Atom{Kind: AtomEq, L: l, R: r, Pos: l.Pos}
	case t.isSym("<"):
		p.next()
		if n := p.peek(); n.isSym("<") && adjacent(t, n) {
			p.next()
			r := p.term(ctxFormula)
			return &Atom{Kind: AtomSubterm, L: l, R: r, Pos: l.Pos}
		}
		r := p.term(ctxFormula)
		return &Atom{Kind: AtomLess, L: l, R: r, Pos: l.Pos}
	case t.isSym("⊏"):
		p.next()
		r := p.term(ctxFormula)
		return &Atom{Kind: AtomSubterm, L: l, R: r, Pos: l.Pos}
	}
	p.unexpected(`"=", "<" or "<<" after a term in a formula`)
	return nil
}

// timeVar parses #i or i.
func (p *parser) timeVar() *Term {
	t := p.peek()
	if t.isSym("#") {
		p.next()
		return p.variable(SortTemporal, t.pos)
	}
	name := p.expectIdent("a time variable")
	idx := p.varIndex(name)
	return &Term{Kind: TVar, Var: Var{Name: name.text, Idx: idx, Sort: SortTemporal}, Pos: name.pos}
}

func (p *parser) quantifier() Formula {
	t := p.next()
	q := &Quant{Exists: t.isIdent("Ex") || t.isSym("∃"), Pos: t.pos}
	for !p.peek().isSym(".") {
		v := p.boundVar()
		for _, w := range q.Vars {
			if w == v {
				p.rep.errorf(p.toks[p.i-1].pos, "variable %s quantified twice", v)
			}
		}
		q.Vars = append(q.Vars, v)
	}
	if len(q.Vars) == 0 {
		p.unexpected("a variable")
	}
	p.expectSym(".")
	q.Body = p.formula()
	return q
}

// boundVar parses one quantified variable with its sort.
func (p *parser) boundVar() Var {
	t := p.peek()
	sort := SortMsg
	switch {
	case t.isSym("#"):
		sort = SortTemporal
	case t.isSym("~"):
		sort = SortFresh
	case t.isSym("$"):
		sort = SortPub
	case t.isSym("%"):
		sort = SortNat
	case t.kind == tIdent:
		p.next()
		idx := p.varIndex(t)
		return Var{Name: t.text, Idx: idx, Sort: p.sortSuffix(SortMsg)}
	default:
		p.unexpected(`a variable or "."`)
	}
	p.next()
	name := p.expectIdent("a variable name")
	return Var{Name: name.text, Idx: p.varIndex(name), Sort: sort}
}

// freeFormulaVars returns the variables written free in an unresolved
// formula, with the sorts they are written with.
func (p *parser) freeFormulaVars(f Formula) []Var {
	// Sorts are not resolved yet: a quantifier binds every occurrence with
	// its name and index, whatever sort the occurrence is written with.
	return freeVarsBy(f, func(bound, v Var) bool { return bound.Name == v.Name && bound.Idx == v.Idx })
}

// resolver binds every variable occurrence of a parsed formula to its
// quantifier: a variable written without a sort prefix takes the sort of
// the innermost bound variable of that name, as Tamarin allows when this
// is unambiguous. It also expands predicates and classifies t = u as a
// time or message equality.
type resolver struct {
	p     *parser
	what  string
	scope []Var
	// expanding holds the predicates being expanded, innermost last;
	// expansions counts the expansions of this formula (maxExpansions).
	expanding  []*predicate
	expansions int
	outermost  Pos // the use being expanded, for errors
}

// maxExpansions bounds the predicate expansions of one formula: each
// predicate may only use earlier ones, but P2 <=> P1 & P1, P3 <=> P2 & P2,
// … doubles the formula at each level.
const maxExpansions = 10000

func (p *parser) resolveFormula(f Formula, outer []Var, what string) Formula {
	r := &resolver{p: p, what: what, scope: append([]Var{}, outer...)}
	return r.formula(f)
}

func (r *resolver) lookup(v Var, temporal bool) (Var, bool) {
	// a variable bound with the sort it is written with, or in a time
	// position as a time point (∃ k #k. A(k) @ k has a message k and a
	// time point k, as in Tamarin)
	exact := v
	if temporal && v.Sort == SortMsg {
		exact.Sort = SortTemporal
	}
	for i := len(r.scope) - 1; i >= 0; i-- {
		if w := r.scope[i]; w == exact {
			return w, true
		}
	}
	for i := len(r.scope) - 1; i >= 0; i-- {
		w := r.scope[i]
		if w.Name == v.Name && w.Idx == v.Idx && (v.Sort == SortMsg || v.Sort == w.Sort) {
			return w, true
		}
	}
	return Var{}, false
}

func (r *resolver) term(t *Term, temporal bool) *Term {
	switch t.Kind {
	case TVar:
		w, ok := r.lookup(t.Var, temporal)
		if !ok {
			for i := len(r.scope) - 1; i >= 0; i-- {
				if s := r.scope[i]; s.Name == t.Var.Name && s.Idx == t.Var.Idx {
					r.p.rep.errorf(t.Pos, "variable %s is used with sort %s in %s, but bound as %s", t.Var, t.Var.Sort, r.what, s)
					return t
				}
			}
			if temporal {
				r.p.rep.errorf(t.Pos, "free time variable %s in %s: it is not bound by a quantifier", t.Var, r.what)
			} else {
				r.p.rep.errorf(t.Pos, "free variable %s in %s: it is not bound by a quantifier", t.Var, r.what)
			}
			return t
		}
		if temporal && w.Sort != SortTemporal {
			r.p.rep.errorf(t.Pos, "%s is used as a time point in %s, but bound as a message variable (write #%s in the quantifier)", t.Var, r.what, t.Var.Name)
		}
		if w == t.Var {
			return t
		}
		return &Term{Kind: TVar, Var: w, Pos: t.Pos}
	case TApp:
		args := make([]*Term, len(t.Args))
		for i, a := range t.Args {
			args[i] = r.term(a, false)
		}
		return &Term{Kind: TApp, Name: t.Name, Args: args, Pos: t.Pos}
	}
	return t
}

func isTimeVar(t *Term) bool { return t.Kind == TVar && t.Var.Sort == SortTemporal }

func (r *resolver) formula(f Formula) Formula {
	switch f := f.(type) {
	case *Atom:
		a := *f
		switch f.Kind {
		case AtomAction:
			fact := *f.Fact
			fact.Args = make([]*Term, len(f.Fact.Args))
			for i, x := range f.Fact.Args {
				fact.Args[i] = r.term(x, false)
			}
			a.Fact = &fact
			a.R = r.term(f.R, true)
		case AtomEq, AtomTimeEq:
			a.L, a.R = r.term(f.L, false), r.term(f.R, false)
			lt, rt := isTimeVar(a.L), isTimeVar(a.R)
			switch {
			case lt && rt:
				a.Kind = AtomTimeEq
			case lt || rt:
				r.p.rep.errorf(f.Pos, "%s compares a time point with a message", r.what)
			default:
				a.Kind = AtomEq
			}
		case AtomLess:
			a.L, a.R = r.term(f.L, true), r.term(f.R, true)
		case AtomLast:
			a.L = r.term(f.L, true)
		case AtomSubterm:
			a.L, a.R = r.term(f.L, false), r.term(f.R, false)
		}
		return &a
	case *Not:
		return &Not{F: r.formula(f.F), Pos: f.Pos}
	case *Conn:
		return &Conn{Op: f.Op, L: r.formula(f.L), R: r.formula(f.R), Pos: f.Pos}
	case *Quant:
		n := len(r.scope)
		r.scope = append(r.scope, f.Vars...)
		body := r.formula(f.Body)
		r.scope = r.scope[:n]
		return &Quant{Exists: f.Exists, Vars: f.Vars, Body: body, Pos: f.Pos}
	case *predCall:
		return r.expandPredicate(f)
	}
	panic(fmt.Sprintf("resolver: unexpected formula %T", f))
}

func (r *resolver) expandPredicate(c *predCall) Formula {
	pr := r.p.preds[c.name]
	if pr == nil {
		r.p.rep.errorf(c.pos, "unknown predicate %s", c.name)
		return &Atom{Kind: AtomFalse, Pos: c.pos}
	}
	if len(c.args) != len(pr.params) {
		d := r.p.rep.errorf(c.pos, "predicate %s takes %d arguments, given %d", pr.name, len(pr.params), len(c.args))
		r.p.rep.related(d, pr.pos, "predicate defined here")
		return &Atom{Kind: AtomFalse, Pos: c.pos}
	}
	for _, e := range r.expanding {
		if e == pr {
			r.p.rep.errorf(c.pos, "predicate %s is used in its own definition", pr.name)
			return &Atom{Kind: AtomFalse, Pos: c.pos}
		}
	}
	if len(r.expanding) == 0 {
		r.outermost = c.pos
	}
	if r.expansions++; r.expansions > maxExpansions {
		if r.expansions == maxExpansions+1 {
			r.p.rep.errorf(r.outermost, "%s expands to more than %d predicate uses", r.what, maxExpansions)
		}
		return &Atom{Kind: AtomFalse, Pos: c.pos}
	}
	// Substitute the arguments as written into the body as written, with
	// the body's bound variables renamed apart, then resolve the result
	// in the caller's scope.
	r.p.renames++
	body := renameBound(pr.body, r.p.renames)
	s := map[[2]any]*Term{}
	for i, v := range pr.params {
		s[[2]any{v.Name, v.Idx}] = c.args[i]
	}
	body = mapFormulaTerms(body, func(t *Term) *Term {
		return mapVars(t, func(v *Term) *Term {
			if a, ok := s[[2]any{v.Var.Name, v.Var.Idx}]; ok {
				return a
			}
			return v
		})
	})
	r.expanding = append(r.expanding, pr)
	defer func() { r.expanding = r.expanding[:len(r.expanding)-1] }()
	return r.formula(body)
}

// mapVars replaces every variable occurrence of t by f(occurrence).
func mapVars(t *Term, f func(*Term) *Term) *Term {
	switch t.Kind {
	case TVar:
		return f(t)
	case TApp:
		args := make([]*Term, len(t.Args))
		for i, a := range t.Args {
			args[i] = mapVars(a, f)
		}
		return &Term{Kind: TApp, Name: t.Name, Args: args, Pos: t.Pos}
	}
	return t
}

// mapFormulaTerms applies f to every term of a formula (fact arguments,
// both sides of atoms, time variables). Quantified variables are kept.
func mapFormulaTerms(g Formula, f func(*Term) *Term) Formula {
	switch g := g.(type) {
	case *Atom:
		a := *g
		if g.Fact != nil {
			fact := *g.Fact
			fact.Args = make([]*Term, len(g.Fact.Args))
			for i, x := range g.Fact.Args {
				fact.Args[i] = f(x)
			}
			a.Fact = &fact
		}
		if g.L != nil {
			a.L = f(g.L)
		}
		if g.R != nil {
			a.R = f(g.R)
		}
		return &a
	case *Not:
		return &Not{F: mapFormulaTerms(g.F, f), Pos: g.Pos}
	case *Conn:
		return &Conn{Op: g.Op, L: mapFormulaTerms(g.L, f), R: mapFormulaTerms(g.R, f), Pos: g.Pos}
	case *Quant:
		return &Quant{Exists: g.Exists, Vars: g.Vars, Body: mapFormulaTerms(g.Body, f), Pos: g.Pos}
	case *predCall:
		args := make([]*Term, len(g.args))
		for i, a := range g.args {
			args[i] = f(a)
		}
		return &predCall{name: g.name, args: args, pos: g.pos}
	}
	return g
}

// renameBound gives every bound variable of f a fresh index, so that
// substituting terms into f cannot capture their variables.
func renameBound(f Formula, stamp int) Formula {
	type key struct {
		name string
		idx  int
	}
	var walk func(Formula, map[key]int) Formula
	walk = func(f Formula, s map[key]int) Formula {
		switch f := f.(type) {
		case *Quant:
			s2 := map[key]int{}
			for k, v := range s {
				s2[k] = v
			}
			vars := make([]Var, len(f.Vars))
			for i, v := range f.Vars {
				w := Var{Name: v.Name, Idx: 1000*stamp + v.Idx + 1, Sort: v.Sort}
				vars[i] = w
				s2[key{v.Name, v.Idx}] = w.Idx
			}
			return &Quant{Exists: f.Exists, Vars: vars, Body: walk(f.Body, s2), Pos: f.Pos}
		case *Not:
			return &Not{F: walk(f.F, s), Pos: f.Pos}
		case *Conn:
			return &Conn{Op: f.Op, L: walk(f.L, s), R: walk(f.R, s), Pos: f.Pos}
		}
		return mapFormulaTerms(f, func(t *Term) *Term {
			return mapVars(t, func(v *Term) *Term {
				if idx, ok := s[key{v.Var.Name, v.Var.Idx}]; ok {
					w := *v
					w.Var.Idx = idx
					return &w
				}
				return v
			})
		})
	}
	return walk(f, map[key]int{})
}

// substFormula applies s to the free variables of f. Bound variables are
// left alone; callers make sure s does not capture them.
func substFormula(f Formula, s Subst) Formula {
	switch f := f.(type) {
	case *Atom:
		return substAtom(f, s)
	case *Not:
		return &Not{F: substFormula(f.F, s), Pos: f.Pos}
	case *Conn:
		return &Conn{Op: f.Op, L: substFormula(f.L, s), R: substFormula(f.R, s), Pos: f.Pos}
	case *Quant:
		inner := s
		for _, v := range f.Vars {
			if _, ok := s[v]; ok {
				inner = copyWithout(s, f.Vars)
				break
			}
		}
		return &Quant{Exists: f.Exists, Vars: f.Vars, Body: substFormula(f.Body, inner), Pos: f.Pos}
	case *predCall:
		args := make([]*Term, len(f.args))
		for i, a := range f.args {
			args[i] = s.Apply(a)
		}
		return &predCall{name: f.name, args: args, pos: f.pos}
	}
	return f
}

func copyWithout(s Subst, vs []Var) Subst {
	out := Subst{}
	for k, v := range s {
		out[k] = v
	}
	for _, v := range vs {
		delete(out, v)
	}
	return out
}

func substAtom(a *Atom, s Subst) *Atom {
	b := *a
	if a.Fact != nil {
		b.Fact = a.Fact.Subst(s)
	}
	if a.L != nil {
		b.L = s.Apply(a.L)
	}
	if a.R != nil {
		b.R = s.Apply(a.R)
	}
	return &b
}
