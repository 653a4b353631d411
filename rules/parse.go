package rules

import (
	"fmt"
	"strconv"
	"strings"
)

// parser is a recursive-descent parser over the preprocessed token list.
// Like Tamarin's parser it is stateful: function symbols, macros and
// predicates must be declared before they are used, which lets it tell a
// nullary function from a variable and expand macros as it goes.
//
// Syntax errors abort the current top-level item through a private panic
// (bailout) that is recovered in parseTheory, which then skips to the next
// item; so several independent errors are reported in one run. Semantic
// errors (unknown symbol, wrong arity) are reported without aborting.
type parser struct {
	fset *FileSet
	rep  *reporter
	toks []token
	i    int

	th       *Theory
	funcs    map[string]*FuncSym
	macros   map[string]*macro
	preds    map[string]*predicate
	builtins map[string]bool
	// renames counts bound-variable renamings during predicate expansion.
	renames int
	// inRule is set while parsing a rule: macros apply there only.
	inRule bool
	// tentative counts nested try() calls; errors are then not final.
	tentative int
}

type macro struct {
	name   string
	params []Var
	body   *Term
	pos    Pos
}

type predicate struct {
	name   string
	params []Var
	body   Formula // resolved, params free
	pos    Pos
}

// bailout is the panic value used to abandon a top-level item.
type bailout struct{}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekN(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// fail reports a syntax error and abandons the current item.
func (p *parser) fail(pos Pos, format string, args ...any) {
	p.rep.errorf(pos, format, args...)
	panic(bailout{})
}

// unexpected reports the current token as unexpected.
func (p *parser) unexpected(what string) {
	t := p.peek()
	p.fail(t.pos, "unexpected %s, expected %s", t, what)
}

func (p *parser) expectSym(s string) token {
	t := p.peek()
	if !t.isSym(s) {
		p.unexpected(fmt.Sprintf("%q", s))
	}
	return p.next()
}

func (p *parser) acceptSym(s string) bool {
	if p.peek().isSym(s) {
		p.i++
		return true
	}
	return false
}

func (p *parser) acceptIdent(s string) bool {
	if p.peek().isIdent(s) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectIdent(what string) token {
	t := p.peek()
	if t.kind != tIdent {
		p.unexpected(what)
	}
	return p.next()
}

// adjacent reports whether token b starts right where a ends.
func adjacent(a, b token) bool { return a.end == b.pos }

// hyphenWord reads an identifier that may contain hyphens, such as
// diffie-hellman or exists-trace, written without spaces.
func (p *parser) hyphenWord(what string) (string, Pos) {
	t := p.expectIdent(what)
	word := t.text
	last := t
	for {
		h, n := p.peek(), p.peekN(1)
		if h.isSym("-") && adjacent(last, h) && n.kind == tIdent && adjacent(h, n) {
			p.i += 2
			word += "-" + n.text
			last = n
			continue
		}
		return word, t.pos
	}
}

// try runs f; if f bails out, the position and any diagnostics it
// reported are rolled back and try returns false.
func (p *parser) try(f func()) (ok bool) {
	save, ndiag := p.i, len(p.rep.diags)
	p.tentative++
	defer func() {
		p.tentative--
		if r := recover(); r != nil {
			if _, is := r.(bailout); !is {
				panic(r)
			}
			p.i = save
			p.rep.diags = p.rep.diags[:ndiag]
			ok = false
		}
	}()
	f()
	return true
}

// itemKeywords start top-level items; error recovery skips to one of them
// at the start of a line.
var itemKeywords = map[string]bool{
	"rule": true, "lemma": true, "restriction": true, "axiom": true, "builtins": true,
	"functions": true, "function": true, "equations": true, "macros": true, "predicate": true,
	"predicates": true, "options": true, "heuristic": true, "tactic": true, "test": true,
	"end": true, "process": true, "export": true, "diffLemma": true, "equivLemma": true,
	"diffEquivLemma": true, "let": true,
}

func (p *parser) atItemStart() bool {
	t := p.peek()
	switch t.kind {
	case tEOF:
		return true
	case tComment:
		return t.bol
	case tIdent:
		if n := p.peekN(1); t.text == "rule" && n.isSym("-") && adjacent(t, n) {
			return false // the proof method rule-equivalence
		}
		return t.bol && itemKeywords[t.text]
	}
	return false
}

// parseTheory parses the whole token list.
func (p *parser) parseTheory() {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
		}
	}()
	for p.peek().kind == tComment { // comments before the theory header
		p.next()
	}
	if !p.peek().isIdent("theory") {
		p.unexpected(`"theory"`)
	}
	p.next()
	p.th.Name = p.expectIdent("theory name").text
	if p.acceptIdent("configuration") {
		p.expectSym(":")
		p.th.Config = p.rawString()
	}
	if !p.acceptIdent("begin") {
		p.unexpected(`"begin"`)
	}
	for {
		t := p.peek()
		if t.kind == tEOF {
			p.rep.errorf(t.pos, `missing "end" of theory %s`, p.th.Name)
			return
		}
		if t.isIdent("end") && p.isTheoryEnd() {
			return // anything after "end" is ignored, as in Tamarin
		}
		p.item()
	}
}

// isTheoryEnd tells the final "end" from a stray one: after the theory's
// end only comments may follow, but Tamarin ignores any text there, so any
// "end" at the start of a line counts.
func (p *parser) isTheoryEnd() bool { return true }

// item parses one top-level item, recovering from syntax errors.
func (p *parser) item() {
	start := p.i
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			if p.i == start {
				p.next()
			}
			for !p.atItemStart() {
				p.next()
			}
		}
	}()
	t := p.peek()
	if t.kind == tComment {
		p.next()
		name, body := t.comment()
		p.th.Items = append(p.th.Items, &FormalComment{Kind: name, Body: body, Pos: t.pos})
		return
	}
	if t.kind != tIdent {
		p.unexpected("a rule, lemma, restriction or declaration")
	}
	switch t.text {
	case "builtins":
		p.builtinsDecl()
	case "functions", "function":
		p.functionsDecl()
	case "equations":
		p.equationsDecl()
	case "macros":
		p.macrosDecl()
	case "predicates", "predicate":
		p.predicatesDecl()
	case "options":
		p.optionsDecl()
	case "heuristic", "tactic":
		p.next()
		p.rep.notef(t.pos, "%s: ignored (tracebound does not search for proofs)", t.text)
		p.skipToItem()
	case "rule":
		if r := p.rule(); r != nil {
			p.addRule(r)
		}
	case "restriction", "axiom":
		p.restriction()
	case "lemma":
		p.lemma()
	case "test":
		p.caseTest()
	case "export":
		p.next()
		p.rep.notef(t.pos, "export: ignored")
		p.skipToItem()
	case "process":
		p.unsupported(t, "SAPIC process models (process:)")
	case "let":
		p.unsupported(t, "SAPIC process definitions (let … = process)")
	case "diffLemma", "equivLemma", "diffEquivLemma":
		p.unsupported(t, "observational equivalence ("+t.text+")")
	default:
		p.fail(t.pos, "unexpected %s, expected a rule, lemma, restriction or declaration", t)
	}
}

func (p *parser) unsupported(t token, what string) {
	p.rep.errorf(t.pos, "not supported yet: %s", what)
	p.next()
	p.skipToItem()
}

func (p *parser) skipToItem() {
	for !p.atItemStart() {
		p.next()
	}
}

func (p *parser) builtinsDecl() {
	p.next()
	p.expectSym(":")
	for {
		name, pos := p.hyphenWord("a builtin name")
		def, ok := builtinDefs[name]
		if !ok {
			p.fail(pos, "unknown builtin %q", name)
		}
		p.addBuiltin(name, def, pos)
		if !p.acceptSym(",") {
			return
		}
		if p.atItemStart() { // trailing comma
			return
		}
	}
}

func (p *parser) addBuiltin(name string, def builtinDef, pos Pos) {
	if p.builtins[name] {
		return
	}
	for _, dep := range def.also {
		p.addBuiltin(dep, builtinDefs[dep], pos)
	}
	p.builtins[name] = true
	p.th.Builtins = append(p.th.Builtins, name)
	for _, f := range def.funcs {
		f := f
		f.Builtin = name
		f.Pos = pos
		if old, ok := p.funcs[f.Name]; ok {
			if old.Arity != f.Arity {
				d := p.rep.warnf(pos, "builtin %s declares %s/%d, but %s/%d was declared before and is kept", name, f.Name, f.Arity, old.Name, old.Arity)
				p.rep.related(d, old.Pos, "%s/%d declared here", old.Name, old.Arity)
			} else if f.Destructor && !old.Destructor {
				old.Destructor = true
			}
			continue
		}
		if m, ok := p.macros[f.Name]; ok {
			d := p.rep.errorf(pos, "builtin %s declares function %s, which is already a macro", name, f.Name)
			p.rep.related(d, m.pos, "macro %s defined here", m.name)
		}
		p.declare(&f)
	}
	for _, e := range def.eqs {
		p.addBuiltinEquation(name, e[0], e[1])
	}
}

func (p *parser) declare(f *FuncSym) {
	p.funcs[f.Name] = f
	p.th.Functions = append(p.th.Functions, f)
	p.th.funcs = nil
}

// addBuiltinEquation parses a builtin equation from its text.
func (p *parser) addBuiltinEquation(builtin, lhs, rhs string) {
	parse := func(s string) *Term {
		t, err := parseTermString(s, p.funcs)
		if err != nil {
			panic("bad builtin equation " + s + ": " + err.Error())
		}
		return t
	}
	p.th.Equations = append(p.th.Equations, &Equation{LHS: parse(lhs), RHS: parse(rhs), Builtin: builtin})
}

func (p *parser) functionsDecl() {
	p.next()
	p.expectSym(":")
	for {
		nameTok := p.expectIdent("a function name")
		f := &FuncSym{Name: nameTok.text, Pos: nameTok.pos}
		switch {
		case p.acceptSym("/"):
			t := p.expectIdent("an arity")
			n, err := strconv.Atoi(t.text)
			if err != nil || n < 0 || n > 1000 {
				p.fail(t.pos, "bad arity %q", t.text)
			}
			f.Arity = n
		case p.peek().isSym("("):
			// typed SAPIC declaration f(t1,…,tn):t
			p.next()
			n := 0
			if !p.peek().isSym(")") {
				for {
					p.expectIdent("a type")
					n++
					if !p.acceptSym(",") {
						break
					}
				}
			}
			p.expectSym(")")
			p.expectSym(":")
			p.expectIdent("a type")
			f.Arity = n
		default:
			p.unexpected(`"/" and an arity`)
		}
		if p.peek().isSym("[") && adjacentOrSpace(p) {
			p.next()
			for {
				a := p.expectIdent("private or destructor")
				switch a.text {
				case "private":
					f.Private = true
				case "destructor":
					f.Destructor = true
				case "constructor":
				default:
					p.rep.errorf(a.pos, "unknown function attribute %q", a.text)
				}
				if !p.acceptSym(",") {
					break
				}
			}
			p.expectSym("]")
		}
		if b, ok := reservedFuncs[f.Name]; ok {
			p.rep.errorf(nameTok.pos, "function name %s is reserved for builtins: %s", f.Name, b)
		} else if old, ok := p.funcs[f.Name]; ok {
			if old.Arity != f.Arity || old.Private != f.Private {
				d := p.rep.errorf(nameTok.pos, "function %s/%d conflicts with %s/%d declared before", f.Name, f.Arity, old.Name, old.Arity)
				if old.Builtin != "" {
					p.rep.related(d, old.Pos, "declared by builtin %s", old.Builtin)
				} else {
					p.rep.related(d, old.Pos, "declared here")
				}
			} else {
				old.Destructor = old.Destructor || f.Destructor
			}
		} else if m, ok := p.macros[f.Name]; ok {
			d := p.rep.errorf(nameTok.pos, "function %s has the name of a macro", f.Name)
			p.rep.related(d, m.pos, "macro defined here")
		} else {
			p.declare(f)
		}
		if !p.acceptSym(",") || p.atItemStart() {
			return
		}
	}
}

// reservedFuncs are the names of builtin function symbols that users may
// not declare, as in Tamarin; the printer writes some of them as operators
// (x^y, x*y, x XOR y, x ++ y, x %+ y, %1).
var reservedFuncs = map[string]string{
	"exp": "diffie-hellman", "mult": "diffie-hellman", "inv": "diffie-hellman", "one": "diffie-hellman",
	"pmult": "bilinear-pairing", "em": "bilinear-pairing", "xor": "xor", "zero": "xor",
	"mun": "multiset", "union": "multiset", "tplus": "natural-numbers", "tone": "natural-numbers",
}

// adjacentOrSpace: a '[' after a function declaration belongs to it.
func adjacentOrSpace(p *parser) bool { return true }

func (p *parser) equationsDecl() {
	p.next()
	convergent := false
	if p.acceptSym("[") {
		t := p.expectIdent("convergent")
		if t.text != "convergent" {
			p.fail(t.pos, "unknown equations attribute %q", t.text)
		}
		convergent = true
		p.expectSym("]")
	}
	p.expectSym(":")
	for {
		start := p.peek().pos
		lhs := p.term(ctxEquation)
		p.expectSym("=")
		rhs := p.term(ctxEquation)
		p.th.Equations = append(p.th.Equations, &Equation{LHS: lhs, RHS: rhs, Convergent: convergent, Pos: start})
		if !p.acceptSym(",") || p.atItemStart() {
			return
		}
	}
}

func (p *parser) macrosDecl() {
	p.next()
	p.expectSym(":")
	for {
		nameTok := p.expectIdent("a macro name")
		m := &macro{name: nameTok.text, pos: nameTok.pos}
		m.params = p.paramList(ctxMacroParam, "macro")
		p.expectSym("=")
		m.body = p.term(ctxMacroBody)
		if f, ok := p.funcs[m.name]; ok {
			d := p.rep.errorf(nameTok.pos, "macro %s has the name of a function symbol", m.name)
			if f.Builtin != "" {
				p.rep.related(d, f.Pos, "declared by builtin %s", f.Builtin)
			}
		} else if old, ok := p.macros[m.name]; ok {
			d := p.rep.errorf(nameTok.pos, "macro %s defined twice", m.name)
			p.rep.related(d, old.pos, "first defined here")
		} else {
			for _, v := range m.body.Vars(nil) {
				found := false
				for _, q := range m.params {
					found = found || q == v
				}
				if !found && v.Sort != SortPub {
					p.rep.warnf(nameTok.pos, "macro %s uses variable %s that is not a parameter", m.name, v)
				}
			}
			p.macros[m.name] = m
		}
		if !p.acceptSym(",") || p.atItemStart() {
			return
		}
	}
}

// paramList parses the parenthesised parameter list of a macro or
// predicate definition: variables separated by commas.
func (p *parser) paramList(ctx termCtx, what string) []Var {
	var params []Var
	p.expectSym("(")
	if !p.peek().isSym(")") {
		for {
			v := p.term(ctx)
			if !v.IsVar() {
				p.fail(v.Pos, "%s parameters must be variables", what)
			}
			params = append(params, v.Var)
			if !p.acceptSym(",") {
				break
			}
		}
	}
	p.expectSym(")")
	return params
}

func (p *parser) predicatesDecl() {
	p.next()
	p.expectSym(":")
	for {
		nameTok := p.expectIdent("a predicate name")
		pr := &predicate{name: nameTok.text, pos: nameTok.pos}
		pr.params = p.paramList(ctxFormula, "predicate")
		if !p.acceptSym("<=>") && !p.acceptSym("⇔") {
			p.unexpected(`"<=>"`)
		}
		var f Formula
		if p.peek().isSym(`"`) {
			f = p.quotedFormula()
		} else {
			f = p.formula()
		}
		// Check the body now; it is expanded at each use, where it may
		// also refer to #NOW of an embedded restriction.
		p.resolveFormula(f, append(append([]Var{}, pr.params...), Var{Name: "NOW", Sort: SortTemporal}), fmt.Sprintf("predicate %s", pr.name))
		pr.body = f
		if old, ok := p.preds[pr.name]; ok {
			// the first definition stays: its uses, and this body, were
			// resolved against it
			d := p.rep.errorf(nameTok.pos, "predicate %s defined twice", pr.name)
			p.rep.related(d, old.pos, "first definition")
		} else {
			p.preds[pr.name] = pr
		}
		if !p.acceptSym(",") || p.atItemStart() {
			return
		}
	}
}

func (p *parser) optionsDecl() {
	p.next()
	p.expectSym(":")
	for {
		name, _ := p.hyphenWord("an option")
		p.th.Options = append(p.th.Options, name)
		if !p.acceptSym(",") || p.atItemStart() {
			return
		}
	}
}

// attrList parses "[ a, b=c, … ]" into the attribute texts as written.
func (p *parser) attrList() []string {
	p.expectSym("[")
	var attrs []string
	var cur strings.Builder
	depth := 0
	var last token
	for {
		t := p.peek()
		if t.kind == tEOF {
			p.unexpected(`"]"`)
		}
		if depth == 0 && (t.isSym("]") || t.isSym(",")) {
			if s := strings.TrimSpace(cur.String()); s != "" {
				attrs = append(attrs, s)
			}
			cur.Reset()
			p.next()
			if t.isSym("]") {
				return attrs
			}
			continue
		}
		if t.isSym("[") || t.isSym("{") || t.isSym("(") {
			depth++
		} else if t.isSym("]") || t.isSym("}") || t.isSym(")") {
			depth--
		}
		if cur.Len() > 0 && !adjacent(last, t) {
			cur.WriteByte(' ')
		}
		switch t.kind {
		case tPubName:
			cur.WriteString("'" + t.text + "'")
		default:
			cur.WriteString(t.text)
		}
		last = t
		p.next()
	}
}

func (p *parser) rule() *Rule {
	start := p.next() // "rule"
	r := &Rule{Pos: start.pos}
	if p.peek().isSym("(") {
		p.next()
		if !p.acceptIdent("modulo") {
			p.unexpected(`"modulo"`)
		}
		r.Modulo = p.expectIdent("E or AC").text
		p.expectSym(")")
	}
	r.Name = p.expectIdent("a rule name").text
	if p.peek().isSym("[") {
		r.Attrs = p.attrList()
	}
	p.expectSym(":")
	p.inRule = true
	defer func() { p.inRule = false }()

	type binding struct {
		v   Var
		t   *Term
		pos Pos
	}
	var lets []binding
	if p.acceptIdent("let") {
		for !p.peek().isIdent("in") {
			lhs := p.term(ctxRule)
			if !lhs.IsVar() {
				p.fail(lhs.Pos, "the left side of a let binding must be a variable")
			}
			p.expectSym("=")
			rhs := p.term(ctxRule)
			lets = append(lets, binding{lhs.Var, rhs, lhs.Pos})
		}
		p.next()
	}
	r.Premises = p.factList(false)
	switch {
	case p.acceptSym("-->"):
	case p.peek().isSym("--["):
		p.next()
		if !p.peek().isSym("]->") {
			r.Actions = p.actionList(r)
		}
		p.expectSym("]->")
	default:
		p.unexpected(`"-->" or "--["`)
	}
	r.Conclusions = p.factList(true)
	r.End = p.toks[p.i-1].end
	// Let bindings are applied bottom-up: the last binding first, so that
	// a binding may use the ones before it.
	for k := len(lets) - 1; k >= 0; k-- {
		s := Subst{lets[k].v: lets[k].t}
		for _, fs := range [][]*Fact{r.Premises, r.Actions, r.Conclusions} {
			for j, f := range fs {
				fs[j] = f.Subst(s)
			}
		}
		for j, rs := range r.embedded {
			r.embedded[j].f = substFormula(rs.f, s)
		}
	}
	// each let with the earlier ones applied, for naming messages in traces
	for _, l := range lets {
		s := Subst{}
		for _, e := range r.Lets {
			s[e.Var] = e.Term
		}
		r.Lets = append(r.Lets, Let{Var: l.v, Term: s.Apply(l.t)})
	}
	if p.peek().isIdent("left") {
		p.rep.errorf(p.peek().pos, "not supported yet: diff rules (left/right rule instances)")
		panic(bailout{})
	}
	if p.acceptIdent("variants") {
		for {
			v := p.rule()
			r.Variants = append(r.Variants, v)
			if !p.acceptSym(",") {
				break
			}
		}
	}
	return r
}

// embeddedRestr is an _restrict(φ) found among a rule's actions, before
// it is turned into an action fact and a restriction.
type embeddedRestr struct {
	f   Formula
	pos Pos
}

func (p *parser) factList(conclusion bool) []*Fact {
	p.expectSym("[")
	var fs []*Fact
	if p.acceptSym("]") {
		return fs
	}
	for {
		fs = append(fs, p.fact(ctxRule))
		if !p.acceptSym(",") || p.peek().isSym("]") { // a trailing comma is allowed
			break
		}
	}
	p.expectSym("]")
	return fs
}

func (p *parser) actionList(r *Rule) []*Fact {
	var fs []*Fact
	for {
		if t := p.peek(); t.isIdent("_restrict") {
			p.next()
			p.expectSym("(")
			f := p.formula()
			p.expectSym(")")
			r.embedded = append(r.embedded, embeddedRestr{f: f, pos: t.pos})
		} else {
			fs = append(fs, p.fact(ctxRule))
		}
		if !p.acceptSym(",") || p.peek().isSym("]->") {
			return fs
		}
	}
}

// fact parses [!]Name(args)[annotations].
func (p *parser) fact(ctx termCtx) *Fact {
	f := &Fact{Pos: p.peek().pos}
	if p.acceptSym("!") {
		f.Persistent = true
	}
	name := p.expectIdent("a fact")
	f.Name = name.text
	if c := f.Name[0]; !(c >= 'A' && c <= 'Z') {
		p.rep.errorf(name.pos, "fact name %s must start with an upper-case letter", f.Name)
	}
	if f.Persistent && (f.Name == FactIn || f.Name == FactOut) {
		// Tamarin ignores the '!' here (only !Fr is an error).
		p.rep.add(SevWarning, "reserved-facts", f.Pos, "!%s is read as %s: %s facts cannot be persistent", f.Name, f.Name, f.Name)
		f.Persistent = false
	}
	p.expectSym("(")
	if !p.peek().isSym(")") {
		for {
			f.Args = append(f.Args, p.term(ctx))
			if !p.acceptSym(",") {
				break
			}
		}
	}
	p.expectSym(")")
	if p.peek().isSym("[") && isFactAnnotation(p.peekN(1)) {
		p.next()
		for {
			t := p.next()
			switch {
			case t.isSym("+"), t.isSym("-"), t.isIdent("no_precomp"):
				f.Annotations = append(f.Annotations, t.text)
			default:
				p.fail(t.pos, "unknown fact annotation %s", t)
			}
			if !p.acceptSym(",") {
				break
			}
		}
		p.expectSym("]")
	}
	return f
}

func isFactAnnotation(t token) bool {
	return t.isSym("+") || t.isSym("-") || t.isIdent("no_precomp")
}

func (p *parser) restriction() {
	start := p.next()
	r := &Restriction{Pos: start.pos}
	r.Name = p.expectIdent("a restriction name").text
	if p.peek().isSym("[") {
		r.Attrs = p.attrList()
	}
	p.expectSym(":")
	r.Formula = p.resolveFormula(p.quotedFormula(), nil, "restriction "+r.Name)
	r.End = p.toks[p.i-1].end
	p.th.Restrictions = append(p.th.Restrictions, r)
	p.th.Items = append(p.th.Items, r)
}

func (p *parser) caseTest() {
	start := p.next()
	c := &CaseTest{Pos: start.pos}
	c.Name = p.expectIdent("a test name").text
	p.expectSym(":")
	f := p.quotedFormula()
	// Case tests may have free variables (the blamed parties).
	free := p.freeFormulaVars(f)
	c.Formula = p.resolveFormula(f, free, "test "+c.Name)
	p.th.CaseTests = append(p.th.CaseTests, c)
	p.th.Items = append(p.th.Items, c)
}

func (p *parser) lemma() {
	start := p.next()
	l := &Lemma{Pos: start.pos}
	if p.peek().isSym("(") {
		p.next()
		if !p.acceptIdent("modulo") {
			p.unexpected(`"modulo"`)
		}
		l.Modulo = p.expectIdent("E or AC").text
		p.expectSym(")")
	}
	l.Name = p.expectIdent("a lemma name").text
	if p.peek().isSym("[") {
		l.Attrs = p.attrList()
	}
	p.expectSym(":")
	if t := p.peek(); t.kind == tIdent && (t.text == "all" || t.text == "exists") {
		q, pos := p.hyphenWord("all-traces or exists-trace")
		switch q {
		case "all-traces":
			l.Quantifier = AllTraces
		case "exists-trace":
			l.Quantifier = ExistsTrace
		default:
			p.fail(pos, "unknown trace quantifier %q", q)
		}
	} else if t.kind == tIdent {
		// accountability lemma: tests "account(s) for" φ
		acc := &Accountability{}
		for {
			acc.Tests = append(acc.Tests, p.expectIdent("a case test name").text)
			if !p.acceptSym(",") {
				break
			}
		}
		if !p.acceptIdent("accounts") && !p.acceptIdent("account") {
			p.unexpected(`"accounts for"`)
		}
		if !p.acceptIdent("for") {
			p.unexpected(`"for"`)
		}
		l.Accountability = acc
	}
	l.Formula = p.resolveFormula(p.quotedFormula(), nil, "lemma "+l.Name)
	l.End = p.toks[p.i-1].end
	if p.proofStart() {
		l.Proof = true
		p.proof()
	}
	p.th.Lemmas = append(p.th.Lemmas, l)
	p.th.Items = append(p.th.Items, l)
}

// proof methods as Tamarin writes them into proof scripts.
var proofMethods = map[string]bool{
	"simplify": true, "solve": true, "induction": true, "contradiction": true, "sorry": true,
	"rule-equivalence": true, "backward-search": true, "step": true, "ATTACK": true,
	"invalidated": true, "UNFINISHABLEdiff": true, "UNFINISHABLE": true,
}

func (p *parser) proofStart() bool {
	t := p.peek()
	if t.kind != tIdent {
		return false
	}
	switch t.text {
	case "by", "SOLVED", "MIRRORED", "case":
		return true
	}
	if t.text == "rule" || t.text == "backward" {
		// rule-equivalence / backward-search, but "rule" also starts items
		n := p.peekN(1)
		return n.isSym("-") && adjacent(t, n)
	}
	return proofMethods[t.text]
}

// proof skips a proof skeleton: methods, "by m", cases, qed.
func (p *parser) proof() {
	for {
		t := p.peek()
		switch {
		case t.isIdent("by"):
			p.next()
			p.proofMethod()
			return
		case t.isIdent("SOLVED"), t.isIdent("MIRRORED"), t.isIdent("UNFINISHABLE"), t.isIdent("UNFINISHABLEdiff"):
			p.next()
			return
		case t.isIdent("case"):
			for {
				if !p.acceptIdent("case") {
					p.unexpected(`"case"`)
				}
				p.caseName()
				p.proof()
				if p.acceptIdent("next") {
					continue
				}
				if !p.acceptIdent("qed") {
					p.unexpected(`"next" or "qed" in proof`)
				}
				return
			}
		case p.proofStart():
			p.proofMethod()
		default:
			return
		}
	}
}

func (p *parser) caseName() {
	t := p.expectIdent("a case name")
	last := t
	// case names may contain characters that lex as symbols
	for {
		n := p.peek()
		if n.kind == tEOF || !adjacent(last, n) || n.bol {
			return
		}
		last = p.next()
	}
}

func (p *parser) proofMethod() {
	name, pos := p.hyphenWord("a proof method")
	if !proofMethods[name] {
		p.fail(pos, "unknown proof method %q", name)
	}
	if p.peek().isSym("(") {
		depth := 0
		for {
			t := p.next()
			if t.kind == tEOF {
				p.fail(t.pos, "unbalanced parentheses in proof")
			}
			if t.isSym("(") {
				depth++
			} else if t.isSym(")") {
				depth--
				if depth == 0 {
					return
				}
			}
		}
	}
}

// addRule records a rule and turns its embedded restrictions into
// actions and restrictions, as Tamarin does.
func (p *parser) addRule(r *Rule) {
	for k, e := range r.embedded {
		name := fmt.Sprintf("%s_%d", r.Name, k+1)
		if k == 0 {
			name = r.Name
		}
		// Keep the names unique: rule R's second _restrict and rule R_2's
		// first would both be R_2, and a rule name may occur twice.
		for n, base := 2, name; p.restrictionNamed("restr_" + name); n++ {
			name = fmt.Sprintf("%s_%d", base, n)
		}
		restr, act := p.embedRestriction(r, e, name)
		r.Actions = append(r.Actions, act)
		p.th.Restrictions = append(p.th.Restrictions, restr)
	}
	r.embedded = nil
	p.th.Rules = append(p.th.Rules, r)
	p.th.Items = append(p.th.Items, r)
}

func (p *parser) restrictionNamed(name string) bool {
	for _, r := range p.th.Restrictions {
		if r.Name == name {
			return true
		}
	}
	return false
}

// embedRestriction turns _restrict(φ) in rule r into an action fact over
// φ's free variables and the restriction
//
//	All vars #NOW. Restr_name(vars) @ #NOW ==> φ
//
// which is Tamarin's reading of embedded restrictions.
func (p *parser) embedRestriction(r *Rule, e embeddedRestr, name string) (*Restriction, *Fact) {
	now := Var{Name: "NOW", Sort: SortTemporal}
	var args []*Term
	scope := []Var{}
	for _, v := range p.freeFormulaVars(e.f) {
		if v.Name == now.Name && (v.Sort == SortTemporal || v.Sort == SortMsg) && v.Idx == 0 {
			continue
		}
		if v.Sort == SortTemporal {
			p.rep.errorf(e.pos, "_restrict in rule %s uses time variable %s; only #NOW is bound there", r.Name, v)
			continue
		}
		scope = append(scope, v)
		args = append(args, &Term{Kind: TVar, Var: v, Pos: e.pos})
	}
	body := p.resolveFormula(e.f, append(append([]Var{}, scope...), now), "_restrict in rule "+r.Name)
	act := &Fact{Name: "Restr_" + name, Args: args, Pos: e.pos}
	guard := &Atom{Kind: AtomAction, Fact: act, R: &Term{Kind: TVar, Var: now, Pos: e.pos}, Pos: e.pos}
	f := &Quant{Vars: append(scope, now), Body: &Conn{Op: Imp, L: guard, R: body, Pos: e.pos}, Pos: e.pos}
	restr := &Restriction{Name: "restr_" + name, Formula: f, FromRule: r.Name, Action: act.Name, Pos: e.pos, End: e.pos}
	return restr, act
}

// rawString reads "…" and returns the source text between the quotes.
func (p *parser) rawString() string {
	open := p.expectSym(`"`)
	for !p.peek().isSym(`"`) {
		if p.peek().kind == tEOF {
			p.fail(open.pos, "string not terminated")
		}
		p.next()
	}
	return rawText(p.fset, open, p.next())
}
