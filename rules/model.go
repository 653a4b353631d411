package rules

import "strings"

// Fact is F(t1,…,tn), linear or persistent (!F).
type Fact struct {
	Name        string
	Persistent  bool
	Args        []*Term
	Annotations []string // "+", "-", "no_precomp"
	Pos         Pos
}

// Reserved fact names with built-in meaning.
const (
	FactFr  = "Fr"
	FactIn  = "In"
	FactOut = "Out"
	FactK   = "K"
	FactKU  = "KU"
	FactKD  = "KD"
)

// IsReserved reports whether name is one of Tamarin's built-in facts.
func IsReserved(name string) bool {
	switch name {
	case FactFr, FactIn, FactOut, FactK, FactKU, FactKD:
		return true
	}
	return false
}

// Key identifies a fact symbol: name, persistence and arity.
type FactKey struct {
	Name       string
	Persistent bool
	Arity      int
}

// Key returns f's symbol.
func (f *Fact) Key() FactKey { return FactKey{f.Name, f.Persistent, len(f.Args)} }

func (f *Fact) String() string { return f.format(false) }

// Ident returns a string that is equal for two facts exactly when they have
// the same symbol and syntactically equal arguments (annotations ignored):
// the key of a fact in a multiset of ground facts.
func (f *Fact) Ident() string { return f.Render(",", (*Term).String) }

// Hash returns a hash of f's name, persistence and arguments (not its
// annotations): facts with the same Ident hash alike.
func (f *Fact) Hash() uint64 {
	h := hashStr(0x51ed270b27ba2d1f, f.Name)
	if f.Persistent {
		h = Mix64(h ^ 1)
	}
	h = Mix64(h ^ uint64(len(f.Args)))
	for _, a := range f.Args {
		h = Mix64(h*0x100000001b3 ^ a.Hash())
	}
	return h
}

// TraceString prints a ground fact of a trace (see Term.TraceString).
func (f *Fact) TraceString() string { return f.format(true) }

func (f *Fact) format(names bool) string {
	arg := (*Term).String
	if names {
		arg = (*Term).TraceString
	}
	s := f.Render(", ", arg)
	if len(f.Annotations) > 0 {
		s += "[" + strings.Join(f.Annotations, ",") + "]"
	}
	return s
}

// Render prints f without its annotations: "!" if persistent, the name,
// and the arguments as arg prints them, separated by sep, in parentheses.
func (f *Fact) Render(sep string, arg func(*Term) string) string {
	var b strings.Builder
	if f.Persistent {
		b.WriteByte('!')
	}
	b.WriteString(f.Name)
	b.WriteByte('(')
	for i, a := range f.Args {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(arg(a))
	}
	b.WriteByte(')')
	return b.String()
}

// Vars appends the variables of f's arguments to vs.
func (f *Fact) Vars(vs []Var) []Var {
	for _, a := range f.Args {
		vs = a.Vars(vs)
	}
	return vs
}

// Subst returns f with s applied to its arguments.
func (f *Fact) Subst(s Subst) *Fact {
	g := *f
	g.Args = make([]*Term, len(f.Args))
	for i, a := range f.Args {
		g.Args[i] = s.Apply(a)
	}
	return &g
}

// Rule is a multiset rewriting rule.
type Rule struct {
	Name        string
	Attrs       []string // as written: "color=#ffffff", "no_derivcheck", …
	Premises    []*Fact
	Actions     []*Fact
	Conclusions []*Fact
	// Lets are the rule's let bindings in the order written, each term
	// with the bindings before it applied. The parser has already
	// substituted them into the facts; they are kept so that a trace can
	// call a message by the model's own name for it.
	Lets []Let
	// Variants are rule variants given in the file after the rule; they are
	// kept for printing and not otherwise used.
	Variants []*Rule
	Modulo   string // "E" or "AC" from "rule (modulo X)", or ""
	Pos      Pos
	End      Pos

	embedded []embeddedRestr // during parsing only
}

// Let is a let binding of a rule: Var stands for Term.
type Let struct {
	Var  Var
	Term *Term
}

// Vars returns the variables of the rule, in order of first occurrence in
// premises, actions, conclusions.
func (r *Rule) Vars() []Var {
	var vs []Var
	for _, fs := range [][]*Fact{r.Premises, r.Actions, r.Conclusions} {
		for _, f := range fs {
			vs = f.Vars(vs)
		}
	}
	return vs
}

// TraceQuantifier says whether a lemma speaks about all traces or one.
type TraceQuantifier uint8

const (
	AllTraces TraceQuantifier = iota
	ExistsTrace
)

func (q TraceQuantifier) String() string {
	if q == ExistsTrace {
		return "exists-trace"
	}
	return "all-traces"
}

// MarshalText implements encoding.TextMarshaler.
func (q TraceQuantifier) MarshalText() ([]byte, error) { return []byte(q.String()), nil }

// Lemma is a property to check.
type Lemma struct {
	Name       string
	Attrs      []string // as written
	Quantifier TraceQuantifier
	Formula    Formula
	Modulo     string
	// Proof reports that a proof script followed the lemma (skipped).
	Proof bool
	// Accountability is set for "lemma L: t1, t2 account(s) for φ".
	Accountability *Accountability
	// Generated names the accountability lemma this lemma was generated
	// from, or "".
	Generated string
	Pos       Pos
	End       Pos
}

// Accountability holds the parts of an accountability lemma.
type Accountability struct {
	Tests []string
}

// Attr returns the value of attribute key ("hide_lemma=x" gives "x"), and
// whether it is present. Flags like "sources" have the empty value.
func attrValues(attrs []string, key string) (vals []string, ok bool) {
	for _, a := range attrs {
		k, v, _ := strings.Cut(a, "=")
		if strings.TrimSpace(k) == key {
			vals = append(vals, strings.TrimSpace(v))
			ok = true
		}
	}
	return vals, ok
}

// HasAttr reports whether the lemma carries the attribute key.
func (l *Lemma) HasAttr(key string) bool { _, ok := attrValues(l.Attrs, key); return ok }

// Restriction is a trace property assumed of every trace.
type Restriction struct {
	Name    string
	Attrs   []string
	Formula Formula
	// FromRule names the rule an embedded _restrict came from, or "";
	// Action is then the action fact that carries it.
	FromRule string
	Action   string
	Pos      Pos
	End      Pos
}

// CaseTest is an accountability case test ("test t: φ").
type CaseTest struct {
	Name    string
	Formula Formula
	Pos     Pos
}

// FormalComment is a text{* … *} block, kept for printing.
type FormalComment struct {
	Kind string
	Body string
	Pos  Pos
}

// FuncSym is a function symbol of the signature.
type FuncSym struct {
	Name       string
	Arity      int
	Private    bool
	Destructor bool
	// Builtin names the builtin theory that declared the symbol, or "".
	Builtin string
	Pos     Pos
}

// Equation is a user or builtin equation lhs = rhs.
type Equation struct {
	LHS, RHS *Term
	Builtin  string // the builtin theory it came from, or ""
	// Convergent is set when the equations block was annotated [convergent].
	Convergent bool
	Pos        Pos
}

func (e *Equation) String() string { return e.LHS.String() + " = " + e.RHS.String() }

// Item is one top-level element of a theory, in source order.
type Item interface{ itemPos() Pos }

func (r *Rule) itemPos() Pos          { return r.Pos }
func (r *Restriction) itemPos() Pos   { return r.Pos }
func (l *Lemma) itemPos() Pos         { return l.Pos }
func (c *FormalComment) itemPos() Pos { return c.Pos }
func (c *CaseTest) itemPos() Pos      { return c.Pos }

// Theory is a loaded and checked model: preprocessed, macros and let
// blocks expanded, predicates inlined, builtins expanded into function
// symbols and equations.
type Theory struct {
	Name      string
	Builtins  []string
	Functions []*FuncSym // all symbols, builtin ones first, in declaration order
	Equations []*Equation
	Options   []string
	Config    string // the configuration: "…" string, if any

	Items        []Item
	Rules        []*Rule
	Restrictions []*Restriction
	Lemmas       []*Lemma
	CaseTests    []*CaseTest

	// Flags lists the preprocessor flags the model's #ifdefs test.
	Flags []string
	// Defines lists the flags that were set (-D or #define).
	Defines []string

	Files *FileSet
	funcs map[string]*FuncSym
	// preds are the model's predicates, for formulas parsed later
	// (ParseFormula).
	preds map[string]*predicate
}

// Func returns the function symbol name, or nil.
func (th *Theory) Func(name string) *FuncSym {
	if th.funcs == nil {
		th.funcs = make(map[string]*FuncSym)
		for _, f := range th.Functions {
			th.funcs[f.Name] = f
		}
	}
	return th.funcs[name]
}

// HasBuiltin reports whether the theory uses builtin b.
func (th *Theory) HasBuiltin(b string) bool {
	for _, x := range th.Builtins {
		if x == b {
			return true
		}
	}
	return false
}

// Rule returns the rule called name, or nil.
func (th *Theory) Rule(name string) *Rule {
	for _, r := range th.Rules {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Lemma returns the lemma called name, or nil.
func (th *Theory) Lemma(name string) *Lemma {
	for _, l := range th.Lemmas {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// Position resolves p through the theory's file set.
func (th *Theory) Position(p Pos) Position {
	if th.Files == nil {
		return Position{}
	}
	return th.Files.Position(p)
}
