package rules

import "strings"

// Formula is a formula of Tamarin's guarded trace logic. The concrete
// types are *Atom (action, equalities, order, last, subterm, ⊤/⊥), *Not,
// *Conn (∧ ∨ ⇒ ⇔) and *Quant (∀ ∃).
type Formula interface {
	formula()
	Position() Pos
}

// AtomKind distinguishes atoms.
type AtomKind uint8

const (
	AtomTrue    AtomKind = iota // ⊤
	AtomFalse                   // ⊥
	AtomAction                  // Fact @ #i
	AtomEq                      // t = u (messages)
	AtomTimeEq                  // #i = #j
	AtomLess                    // #i < #j
	AtomLast                    // last(#i)
	AtomSubterm                 // t << u
)

// Atom is an atomic formula. Time variables are *Term values of kind TVar
// with sort SortTemporal.
type Atom struct {
	Kind AtomKind
	Fact *Fact // AtomAction
	L, R *Term // AtomEq, AtomTimeEq, AtomLess, AtomSubterm; L for AtomLast; R is the time of an action
	Pos  Pos
}

// Not is negation.
type Not struct {
	F   Formula
	Pos Pos
}

// ConnOp is a binary connective.
type ConnOp uint8

const (
	And ConnOp = iota
	Or
	Imp
	Iff
)

var connText = [...]string{And: "&", Or: "|", Imp: "==>", Iff: "<=>"}

func (o ConnOp) String() string { return connText[o] }

// Conn is a binary connective.
type Conn struct {
	Op   ConnOp
	L, R Formula
	Pos  Pos
}

// Quant is ∀ or ∃ over variables.
type Quant struct {
	Exists bool
	Vars   []Var
	Body   Formula
	Pos    Pos
}

func (*Atom) formula()  {}
func (*Not) formula()   {}
func (*Conn) formula()  {}
func (*Quant) formula() {}

func (a *Atom) Position() Pos  { return a.Pos }
func (n *Not) Position() Pos   { return n.Pos }
func (c *Conn) Position() Pos  { return c.Pos }
func (q *Quant) Position() Pos { return q.Pos }

// FormulaString prints f in Tamarin syntax, fully parenthesised where the
// precedence could be misread.
func FormulaString(f Formula) string {
	var b strings.Builder
	writeFormula(&b, f, 0)
	return b.String()
}

// precedences: iff 1, imp 2, or 3, and 4, not 5, atom 6
func connPrec(o ConnOp) int {
	switch o {
	case Iff:
		return 1
	case Imp:
		return 2
	case Or:
		return 3
	}
	return 4
}

func writeFormula(b *strings.Builder, f Formula, prec int) {
	switch f := f.(type) {
	case *Atom:
		b.WriteString(atomString(f))
	case *Not:
		b.WriteString("not(")
		writeFormula(b, f.F, 0)
		b.WriteString(")")
	case *Conn:
		p := connPrec(f.Op)
		paren := prec >= p
		if paren {
			b.WriteString("(")
		}
		// & and | associate to the left, ==> to the right: the operand on
		// that side needs no parentheses for the same connective.
		lp, rp := p, p
		if l, ok := f.L.(*Conn); ok && l.Op == f.Op && (f.Op == And || f.Op == Or) {
			lp = p - 1
		}
		if r, ok := f.R.(*Conn); ok && r.Op == f.Op && f.Op == Imp {
			rp = p - 1
		}
		writeFormula(b, f.L, lp)
		b.WriteString(" " + f.Op.String() + " ")
		writeFormula(b, f.R, rp)
		if paren {
			b.WriteString(")")
		}
	case *Quant:
		if prec > 0 {
			b.WriteString("(")
		}
		if f.Exists {
			b.WriteString("Ex")
		} else {
			b.WriteString("All")
		}
		for _, v := range f.Vars {
			b.WriteString(" " + v.String())
		}
		b.WriteString(". ")
		writeFormula(b, f.Body, 0)
		if prec > 0 {
			b.WriteString(")")
		}
	}
}

func atomString(a *Atom) string {
	switch a.Kind {
	case AtomTrue:
		return "T"
	case AtomFalse:
		return "F"
	case AtomAction:
		return a.Fact.String() + " @ " + a.R.String()
	case AtomEq, AtomTimeEq:
		return a.L.String() + " = " + a.R.String()
	case AtomLess:
		return a.L.String() + " < " + a.R.String()
	case AtomLast:
		return "last(" + a.L.String() + ")"
	case AtomSubterm:
		return a.L.String() + " << " + a.R.String()
	}
	return "?"
}

// WalkFormula calls f on every subformula, pre-order.
func WalkFormula(f Formula, visit func(Formula)) {
	visit(f)
	switch f := f.(type) {
	case *Not:
		WalkFormula(f.F, visit)
	case *Conn:
		WalkFormula(f.L, visit)
		WalkFormula(f.R, visit)
	case *Quant:
		WalkFormula(f.Body, visit)
	}
}

// FreeVars returns the free variables of f in order of first occurrence.
func FreeVars(f Formula) []Var {
	return freeVarsBy(f, func(bound, v Var) bool { return bound == v })
}

// freeVarsBy returns the variables of f, in order of first occurrence, that
// no enclosing quantifier binds; binds tells whether a quantified variable
// binds an occurrence.
func freeVarsBy(f Formula, binds func(bound, v Var) bool) []Var {
	var out []Var
	seen := map[Var]bool{}
	addTerm := func(t *Term, bound []Var) {
		for _, v := range t.Vars(nil) {
			isBound := false
			for _, b := range bound {
				if binds(b, v) {
					isBound = true
				}
			}
			if !isBound && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	var walk func(Formula, []Var)
	walk = func(f Formula, bound []Var) {
		switch f := f.(type) {
		case *Atom:
			if f.Fact != nil {
				for _, a := range f.Fact.Args {
					addTerm(a, bound)
				}
			}
			for _, t := range []*Term{f.L, f.R} {
				if t != nil {
					addTerm(t, bound)
				}
			}
		case *Not:
			walk(f.F, bound)
		case *Conn:
			walk(f.L, bound)
			walk(f.R, bound)
		case *Quant:
			walk(f.Body, append(append([]Var{}, bound...), f.Vars...))
		case *predCall:
			for _, a := range f.args {
				addTerm(a, bound)
			}
		}
	}
	walk(f, nil)
	return out
}
