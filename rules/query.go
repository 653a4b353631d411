package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Questions asked on the command line rather than written in the model:
// a trace formula (tracebound query) and a fact pattern (tracebound
// reach). Both are parsed against a loaded theory: its function symbols,
// builtins and predicates. Their text is added to the theory's file set
// under a name of its own ("<query>", "<pattern>"), so that positions in
// the parsed formula and in diagnostics resolve like the model's; this
// modifies th.Files, so it must not run while th is used elsewhere.

// ParseFormula parses text as a formula in Tamarin's lemma syntax (the
// part between the quotes of a lemma; surrounding quotes are allowed),
// resolves its variables and predicates, and checks that it is closed
// and guarded as Tamarin requires. Actions that no rule records are
// warnings, with the closest action names the rules have.
func ParseFormula(th *Theory, name, text string) (Formula, Diagnostics) {
	p, rep := questionParser(th, name, text)
	var f Formula
	p.whole(func() {
		if p.peek().isSym(`"`) {
			f = p.quotedFormula()
		} else {
			f = p.formula()
		}
	}, "end of the formula")
	if rep.diags.HasErrors() || f == nil {
		return nil, rep.diags
	}
	f = p.resolveFormula(f, nil, "the formula")
	if rep.diags.HasErrors() {
		return nil, rep.diags
	}
	checkGuarded(f, rep, "the formula")
	if !rep.diags.HasErrors() {
		formulaActions(th, f, rep)
	}
	return f, rep.diags
}

// Pattern is a fact pattern of tracebound reach: a fact in Tamarin
// syntax whose arguments may use variables, constants, function
// applications and the wildcard _.
type Pattern struct {
	// Fact is the pattern with each _ replaced by a variable of its own
	// (named _, with indexes 1, 2, …: Wildcards).
	Fact      *Fact
	Wildcards []Var
	// Produced is set when some rule has a conclusion of the pattern's
	// symbol (name, persistence, arity), Recorded when some rule has it
	// as an action.
	Produced, Recorded bool
	// Text is the pattern as given.
	Text string
}

// String prints the pattern in Tamarin syntax, each wildcard as _.
func (p *Pattern) String() string {
	f := *p.Fact
	f.Args = make([]*Term, len(p.Fact.Args))
	for i, a := range p.Fact.Args {
		f.Args[i] = mapVars(a, func(v *Term) *Term {
			if IsWildcard(v.Var) {
				return &Term{Kind: TVar, Var: Var{Name: "_"}, Pos: v.Pos}
			}
			return v
		})
	}
	return f.String()
}

// IsWildcard reports whether v stands for a _ of a pattern.
func IsWildcard(v Var) bool { return v.Name == "_" }

// ParsePattern parses a fact pattern and checks it against the rules:
// the fact must be a conclusion or an action of some rule, with the
// same arity and persistence. Otherwise the error lists the facts of
// that name, or the closest names the rules use (did you mean …?).
// Reserved facts other than Out are errors, with the question to ask
// instead.
func ParsePattern(th *Theory, name, text string) (*Pattern, Diagnostics) {
	p, rep := questionParser(th, name, text)
	var f *Fact
	p.whole(func() { f = p.fact(ctxFormula) }, "end of the pattern")
	if rep.diags.HasErrors() || f == nil {
		return nil, rep.diags
	}
	pat := &Pattern{Text: strings.TrimSpace(text)}
	n := 0
	f = &Fact{Name: f.Name, Persistent: f.Persistent, Args: f.Args, Pos: f.Pos}
	for i, a := range f.Args {
		f.Args[i] = mapVars(a, func(v *Term) *Term {
			if v.Var.Name != "_" {
				return v
			}
			if v.Var.Sort != SortMsg || v.Var.Idx != 0 {
				rep.errorf(v.Pos, "a wildcard is written _, without sort or index")
			}
			n++
			w := Var{Name: "_", Idx: n, Sort: SortMsg}
			pat.Wildcards = append(pat.Wildcards, w)
			return &Term{Kind: TVar, Var: w, Pos: v.Pos}
		})
	}
	for _, v := range f.Vars(nil) {
		if v.Sort == SortTemporal {
			rep.errorf(f.Pos, "the pattern uses the time variable %s: facts have no time arguments", v)
		}
	}
	pat.Fact = f
	if rep.diags.HasErrors() {
		return nil, rep.diags
	}
	switch f.Name {
	case FactFr:
		rep.errorf(f.Pos, "Fr facts are made by the built-in fresh rule, not by a rule of the model: reach a fact or action of a rule that uses the fresh name")
	case FactIn:
		rep.errorf(f.Pos, "In facts are consumed, not produced: to ask whether the adversary can send m, use tracebound query 'Ex #i. K(m) @ #i'")
	case FactK, FactKU, FactKD:
		rep.errorf(f.Pos, "%s is the adversary's knowledge, not a fact a rule produces: use tracebound query 'Ex #i. %s(m) @ #i'", f.Name, f.Name)
	}
	if rep.diags.HasErrors() {
		return nil, rep.diags
	}
	key := f.Key()
	var same []ruleFact
	for _, u := range ruleFacts(th) {
		if u.key.Name != key.Name {
			continue
		}
		same = append(same, u)
		if u.key == key {
			switch u.place {
			case "conclusion":
				pat.Produced = true
			case "action":
				pat.Recorded = true
			}
		}
	}
	if pat.Produced || pat.Recorded || key.Name == FactOut && !key.Persistent && key.Arity == 1 {
		return pat, rep.diags
	}
	if len(same) > 0 {
		hint := ""
		for _, u := range same {
			if u.key.Arity == key.Arity && u.key.Persistent != key.Persistent && u.place != "premise" {
				g := *f
				g.Persistent = u.key.Persistent
				hint = fmt.Sprintf("; did you mean %s?", (&Pattern{Fact: &g}).String())
				break
			}
		}
		d := rep.errorf(f.Pos, "no rule produces or records %s: the model uses %s as %s%s", keyText(key), key.Name, usesText(same), hint)
		for _, u := range firstRuleFacts(same) {
			rep.related(d, u.pos, "%s of rule %s", u.place, u.rule)
		}
		return nil, rep.diags
	}
	var names []string
	seen := map[string]bool{}
	for _, u := range ruleFacts(th) {
		if k := keyText(u.key); !seen[k] && u.place != "premise" {
			seen[k] = true
			names = append(names, k)
		}
	}
	rep.errorf(f.Pos, "unknown fact %s: no rule has a fact or action %s%s", keyText(key), key.Name, didYouMean(keyText(key), names))
	return nil, rep.diags
}

// questionParser returns a parser for text against th's signature.
func questionParser(th *Theory, name, text string) (*parser, *reporter) {
	if th.Files == nil {
		th.Files = NewFileSet()
	}
	file := th.Files.AddFile(name, []byte(text), NoPos)
	rep := &reporter{fset: th.Files}
	toks := newLexer(file, rep).lexAll()
	p := &parser{fset: th.Files, rep: rep, toks: toks, th: &Theory{Files: th.Files},
		funcs: map[string]*FuncSym{}, macros: map[string]*macro{}, preds: th.preds, builtins: map[string]bool{}}
	if p.preds == nil {
		p.preds = map[string]*predicate{}
	}
	for _, f := range th.Functions {
		p.funcs[f.Name] = f
	}
	for _, b := range th.Builtins {
		p.builtins[b] = true
	}
	return p, rep
}

// whole runs parse, which must consume every token: a syntax error
// abandons it.
func (p *parser) whole(parse func(), what string) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
		}
	}()
	for _, t := range p.toks {
		switch t.kind {
		case tDirective, tComment:
			p.fail(t.pos, "unexpected %s", t)
		case tIllegal:
			p.fail(t.pos, "unexpected %s", t)
		}
	}
	if p.peek().kind == tEOF {
		p.fail(p.peek().pos, "empty: expected %s", strings.TrimPrefix(what, "end of "))
	}
	parse()
	if p.peek().kind != tEOF {
		p.unexpected(what)
	}
}

// ruleFact is one fact or action written in a rule.
type ruleFact struct {
	key   FactKey
	place string // premise, action, conclusion
	rule  string
	pos   Pos
}

// ruleFacts lists the facts and actions of th's rules in order.
func ruleFacts(th *Theory) []ruleFact {
	var out []ruleFact
	for _, r := range th.Rules {
		for _, x := range []struct {
			place string
			fs    []*Fact
		}{{"premise", r.Premises}, {"action", r.Actions}, {"conclusion", r.Conclusions}} {
			for _, f := range x.fs {
				out = append(out, ruleFact{key: f.Key(), place: x.place, rule: r.Name, pos: f.Pos})
			}
		}
	}
	return out
}

// keyText writes a fact symbol as !Name/arity.
func keyText(k FactKey) string {
	s := fmt.Sprintf("%s/%d", k.Name, k.Arity)
	if k.Persistent {
		s = "!" + s
	}
	return s
}

// usesText lists the distinct symbols and places of uses: "!F/3
// (conclusion), F/2 (premise)".
func usesText(us []ruleFact) string {
	var parts []string
	seen := map[string]bool{}
	for _, u := range us {
		s := fmt.Sprintf("%s (%s)", keyText(u.key), u.place)
		if !seen[s] {
			seen[s] = true
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// firstRuleFacts keeps the first use of each symbol and place.
func firstRuleFacts(us []ruleFact) []ruleFact {
	var out []ruleFact
	seen := map[string]bool{}
	for _, u := range us {
		s := keyText(u.key) + u.place
		if !seen[s] {
			seen[s] = true
			out = append(out, u)
		}
	}
	return out
}

// formulaActions warns about actions of f that no rule records, naming
// the closest actions the rules do record.
func formulaActions(th *Theory, f Formula, rep *reporter) {
	recorded := map[FactKey]bool{}
	var names []string
	for _, u := range ruleFacts(th) {
		if u.place == "action" && !recorded[u.key] {
			recorded[u.key] = true
			names = append(names, keyText(u.key))
		}
	}
	reported := map[FactKey]bool{}
	WalkFormula(f, func(g Formula) {
		a, ok := g.(*Atom)
		if !ok || a.Kind != AtomAction {
			return
		}
		k := a.Fact.Key()
		if k.Name == FactK || k.Name == FactKU || k.Name == FactKD || recorded[k] || reported[k] {
			return
		}
		reported[k] = true
		rep.add(SevWarning, "lemma-actions", a.Pos, "no rule records the action %s, so %s @ … never holds%s", keyText(k), a.Fact, didYouMean(keyText(k), names))
	})
}

// didYouMean returns "; did you mean X?" (or "X or Y") for the candidates
// closest to name by edit distance, ignoring case, within a third of its
// length; "" if none is that close.
func didYouMean(name string, candidates []string) string {
	type cand struct {
		s string
		d int
	}
	var cs []cand
	limit := max(2, len(bareName(name))/3)
	for _, c := range candidates {
		if c == name {
			continue
		}
		if bareName(c) == bareName(name) {
			cs = append(cs, cand{c, 0})
			continue
		}
		d := editDistance(bareName(name), bareName(c))
		if d <= limit {
			cs = append(cs, cand{c, d})
		}
	}
	if len(cs) == 0 {
		return ""
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i, c := range cs {
		if i == 3 || c.d > cs[0].d+1 {
			break
		}
		out = append(out, c.s)
	}
	return "; did you mean " + strings.Join(out, " or ") + "?"
}

// bareName is a symbol's name for comparison: lower case, without ! and
// arity.
func bareName(s string) string {
	s = strings.TrimPrefix(s, "!")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	return strings.ToLower(s)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
