package rules

import (
	"fmt"
	"strconv"
)

// termCtx says where a term is being parsed, which decides whether macros
// expand and which variables are allowed.
type termCtx uint8

const (
	ctxRule termCtx = iota
	ctxFormula
	ctxEquation
	ctxMacroParam
	ctxMacroBody
)

// infixLevels are Tamarin's infix operators, loosest first; each level is
// left-associative (exponentiation too, as in Tamarin) and needs a builtin.
var infixLevels = []struct {
	ops     []string // symbols or identifiers
	fun     string
	builtin string
}{
	{[]string{"++", "+"}, FunUnion, "multiset"},
	{[]string{"%+"}, FunNatPl, "natural-numbers"},
	{[]string{"XOR", "⊕"}, FunXor, "xor"},
	{[]string{"*"}, FunMult, "diffie-hellman"},
	{[]string{"^"}, FunExp, "diffie-hellman"},
}

// term parses a term at the loosest precedence (multiset union).
func (p *parser) term(ctx termCtx) *Term { return p.infix(ctx, 0) }

// infix parses the operators of infixLevels[level:] and then an atom.
func (p *parser) infix(ctx termCtx, level int) *Term {
	if level == len(infixLevels) {
		return p.atomTerm(ctx)
	}
	lv := infixLevels[level]
	l := p.infix(ctx, level+1)
	for {
		t := p.peek()
		match := false
		for _, op := range lv.ops {
			match = match || t.isSym(op) || t.isIdent(op)
		}
		if !match {
			return l
		}
		p.next()
		p.needBuiltin(t, lv.builtin)
		r := p.infix(ctx, level+1)
		l = &Term{Kind: TApp, Name: lv.fun, Args: []*Term{l, r}, Pos: l.Pos}
	}
}

func (p *parser) needBuiltin(t token, b string) {
	if !p.builtins[b] {
		p.rep.errorf(t.pos, "operator %s needs builtins: %s", t.text, b)
	}
}

// atomTerm parses a term without infix operators at the top.
func (p *parser) atomTerm(ctx termCtx) *Term {
	t := p.peek()
	switch {
	case t.isSym("<"):
		p.next()
		var elems []*Term
		for {
			elems = append(elems, p.term(ctx))
			if !p.acceptSym(",") {
				break
			}
		}
		p.expectSym(">")
		tup := Tuple(elems...)
		if len(elems) > 1 {
			tup = withPos(tup, t.pos)
		}
		return tup
	case t.isSym("("):
		p.next()
		inner := p.term(ctx)
		p.expectSym(")")
		return inner
	case t.kind == tPubName:
		p.next()
		if ctx == ctxEquation {
			p.rep.errorf(t.pos, "public constants are not allowed in equations")
		}
		return &Term{Kind: TPub, Name: t.text, Pos: t.pos}
	case t.isSym("~"):
		p.next()
		n := p.peek()
		if n.kind == tPubName {
			p.next()
			return &Term{Kind: TFresh, Name: n.text, Pos: t.pos}
		}
		return p.variable(SortFresh, t.pos)
	case t.isSym("$"):
		p.next()
		return p.variable(SortPub, t.pos)
	case t.isSym("#"):
		p.next()
		return p.variable(SortTemporal, t.pos)
	case t.isSym("%"):
		p.next()
		n := p.peek()
		if n.isIdent("1") && adjacent(t, n) {
			p.next()
			p.needBuiltin(t, "natural-numbers")
			return &Term{Kind: TApp, Name: FunNatOn, Pos: t.pos}
		}
		return p.variable(SortNat, t.pos)
	case t.kind == tIdent:
		return p.identTerm(ctx)
	}
	p.unexpected("a term")
	return nil
}

func withPos(t *Term, pos Pos) *Term {
	u := *t
	u.Pos = pos
	return &u
}

// variable parses the name and optional index of a variable after its
// sort prefix.
func (p *parser) variable(sort Sort, pos Pos) *Term {
	name := p.peek()
	if name.kind != tIdent {
		p.unexpected("a variable name")
	}
	p.next()
	idx := p.varIndex(name)
	return &Term{Kind: TVar, Var: Var{Name: name.text, Idx: idx, Sort: sort}, Pos: pos}
}

// varIndex reads ".N" written right after a variable name.
func (p *parser) varIndex(name token) int {
	dot, num := p.peek(), p.peekN(1)
	if dot.isSym(".") && adjacent(name, dot) && num.kind == tIdent && adjacent(dot, num) {
		if n, err := strconv.Atoi(num.text); err == nil {
			p.i += 2
			return n
		}
	}
	return 0
}

// sortSuffix reads ":sort" after a variable (x:pub, x:fresh, …).
func (p *parser) sortSuffix(sort Sort) Sort {
	c, n := p.peek(), p.peekN(1)
	if !c.isSym(":") || n.kind != tIdent {
		return sort
	}
	var s Sort
	switch n.text {
	case "pub":
		s = SortPub
	case "fresh":
		s = SortFresh
	case "msg":
		s = SortMsg
	case "nat":
		s = SortNat
	case "node", "temporal":
		s = SortTemporal
	default:
		return sort
	}
	p.i += 2
	return s
}

// identTerm parses an application, a macro use, a nullary function or a
// plain variable.
func (p *parser) identTerm(ctx termCtx) *Term {
	name := p.next()
	n := p.peek()
	switch {
	case n.isSym("(") && adjacentOrSpaced(name, n):
		p.next()
		var args []*Term
		if !p.peek().isSym(")") {
			for {
				args = append(args, p.term(ctx))
				if !p.acceptSym(",") {
					break
				}
			}
		}
		p.expectSym(")")
		return p.apply(ctx, name, args)
	case n.isSym("{"):
		// f{a,…}k is f(<a,…>, k)
		p.next()
		var elems []*Term
		for {
			elems = append(elems, p.term(ctx))
			if !p.acceptSym(",") {
				break
			}
		}
		p.expectSym("}")
		key := p.atomTerm(ctx)
		return p.apply(ctx, name, []*Term{Tuple(elems...), key})
	}
	// 1 is the unit of the Diffie–Hellman exponents
	if name.text == "1" && p.builtins["diffie-hellman"] && !n.isSym(":") {
		return &Term{Kind: TApp, Name: FunOne, Pos: name.pos}
	}
	// nullary function or macro, or variable
	if ctx != ctxMacroParam {
		if f, ok := p.funcs[name.text]; ok && f.Arity == 0 {
			return &Term{Kind: TApp, Name: f.Name, Pos: name.pos}
		}
		if m, ok := p.macros[name.text]; ok && len(m.params) == 0 && p.macrosApply(ctx) {
			return p.apply(ctx, name, nil)
		}
	}
	if name.text == "diff" {
		p.fail(name.pos, "not supported yet: diff terms (observational equivalence)")
	}
	idx := p.varIndex(name)
	sort := p.sortSuffix(SortMsg)
	if sort == SortNat && name.text == "1" && idx == 0 {
		p.needBuiltin(name, "natural-numbers")
		return &Term{Kind: TApp, Name: FunNatOn, Pos: name.pos}
	}
	return &Term{Kind: TVar, Var: Var{Name: name.text, Idx: idx, Sort: sort}, Pos: name.pos}
}

// adjacentOrSpaced: Tamarin allows "f (x)"; any '(' after a name applies it.
func adjacentOrSpaced(a, b token) bool { return true }

func (p *parser) macrosApply(ctx termCtx) bool {
	return ctx == ctxRule || ctx == ctxMacroBody
}

// apply builds f(args), expanding macros and checking the symbol.
func (p *parser) apply(ctx termCtx, name token, args []*Term) *Term {
	if name.text == "diff" {
		p.fail(name.pos, "not supported yet: diff terms (observational equivalence)")
	}
	if m, ok := p.macros[name.text]; ok {
		if !p.macrosApply(ctx) {
			p.rep.errorf(name.pos, "macro %s used outside a rule (Tamarin applies macros to rules only)", name.text)
			return &Term{Kind: TApp, Name: name.text, Args: args, Pos: name.pos}
		}
		if len(args) != len(m.params) {
			d := p.rep.errorf(name.pos, "macro %s takes %d arguments, given %d", m.name, len(m.params), len(args))
			p.rep.related(d, m.pos, "macro defined here")
			return &Term{Kind: TApp, Name: name.text, Args: args, Pos: name.pos}
		}
		s := Subst{}
		for i, v := range m.params {
			s[v] = args[i]
		}
		return withPos(s.Apply(m.body), name.pos)
	}
	f, ok := p.funcs[name.text]
	if !ok {
		if name.text == "pair" && len(args) == 2 {
			return &Term{Kind: TApp, Name: FunPair, Args: args, Pos: name.pos}
		}
		p.rep.errorf(name.pos, "unknown function symbol %s/%d%s", name.text, len(args), p.suggestBuiltin(name.text))
		return &Term{Kind: TApp, Name: name.text, Args: args, Pos: name.pos}
	}
	if f.Arity == 1 && len(args) > 1 {
		// f(a, b, …) for a unary f means f(<a, b, …>), as in Tamarin
		args = []*Term{Tuple(args...)}
	}
	if f.Arity != len(args) {
		d := p.rep.errorf(name.pos, "function %s has arity %d, but is applied to %d arguments", f.Name, f.Arity, len(args))
		if f.Pos.IsValid() {
			p.rep.related(d, f.Pos, "%s/%d declared here", f.Name, f.Arity)
		}
	}
	return &Term{Kind: TApp, Name: f.Name, Args: args, Pos: name.pos}
}

// suggestBuiltin names the builtin that would declare an unknown symbol.
func (p *parser) suggestBuiltin(name string) string {
	for _, b := range []string{"hashing", "symmetric-encryption", "asymmetric-encryption", "signing", "revealing-signing", "diffie-hellman", "xor", "bilinear-pairing", "locations-report"} {
		for _, f := range builtinDefs[b].funcs {
			if f.Name == name {
				return fmt.Sprintf(" (declared by builtins: %s)", b)
			}
		}
	}
	return ""
}

// parseTermString parses a term from text against a signature; it is
// used for the builtin equations.
func parseTermString(s string, funcs map[string]*FuncSym) (*Term, error) {
	fset := NewFileSet()
	f := fset.AddFile("<builtin>", []byte(s), NoPos)
	rep := &reporter{fset: fset}
	toks := newLexer(f, rep).lexAll()
	p := &parser{fset: fset, rep: rep, toks: toks, funcs: funcs, macros: map[string]*macro{}, builtins: map[string]bool{}}
	var t *Term
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(bailout); !ok {
					panic(r)
				}
			}
		}()
		t = p.term(ctxEquation)
		if p.peek().kind != tEOF {
			p.unexpected("end of term")
		}
	}()
	if len(rep.diags) > 0 {
		return nil, rep.diags
	}
	return t, nil
}
