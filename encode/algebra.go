package encode

import (
	"fmt"
	"sort"

	"github.com/tracebound/tracebound/rules"
)

// Tags of message elements: every message has a tag in the Int sort.
const (
	TagPub   = 1 // public names
	TagFresh = 2 // fresh names
	tagFirst = 3 // function symbols get tags from here
)

// algebra encodes the free term algebra modulo a subterm-convergent
// rewriting system in quantifier-free uninterpreted functions over one
// sort Msg:
//
//   - every function symbol f is a function Msg^n → Msg;
//   - tag: Msg → Int says which symbol (or public/fresh name) a message is;
//   - sel_j: Msg → Msg returns the j-th argument;
//   - pubid, freshid: Msg → Int identify public constants and fresh names.
//
// For every constructor application node t = f(a1,…,an) the axioms
// tag(t) = tag_f and sel_j(t) = a_j are asserted; congruence closure then
// gives injectivity and constructor clashes. Applications of symbols that
// head an equation (sdec, adec, fst, verify, …) are defined by cases: the
// result of the first matching equation, otherwise a stuck term with the
// symbol's own tag.
type algebra struct {
	b      *Builder
	th     *rules.Theory
	tag    *Fun
	sel    []*Fun
	pubid  *Fun
	freshd *Fun

	tags     map[string]int64
	symOf    map[int64]string
	arity    map[string]int
	funs     map[string]*Fun
	private  map[string]bool
	eqs      map[string][]*rules.Equation // by head symbol
	pubIDs   map[string]int64
	pubNames []string
	// publicSymbols are the symbols the adversary may apply (public, not
	// associative-commutative), sorted by name.
	publicSymbols []string
	defined       map[*Node]bool
	// dh is the Diffie–Hellman part, or nil without that builtin.
	dh *dhAlg
}

// Symbols with a special role that the encoding does not support yet.
var acSymbols = map[string]bool{
	rules.FunExp: true, rules.FunMult: true, rules.FunInv: true, rules.FunXor: true,
	rules.FunUnion: true, rules.FunNatPl: true,
}

func newAlgebra(b *Builder, th *rules.Theory) *algebra {
	a := &algebra{
		b: b, th: th,
		tags: map[string]int64{}, symOf: map[int64]string{}, arity: map[string]int{},
		funs: map[string]*Fun{}, private: map[string]bool{}, eqs: map[string][]*rules.Equation{},
		pubIDs: map[string]int64{},
	}
	a.tag = b.Func("tag", []Sort{SortMsg}, SortInt)
	a.pubid = b.Func("pubid", []Sort{SortMsg}, SortInt)
	a.freshd = b.Func("freshid", []Sort{SortMsg}, SortInt)
	maxArity := 0
	for i, f := range th.Functions {
		t := int64(tagFirst + i)
		a.tags[f.Name] = t
		a.symOf[t] = f.Name
		a.arity[f.Name] = f.Arity
		a.private[f.Name] = f.Private
		dom := make([]Sort, f.Arity)
		for j := range dom {
			dom[j] = SortMsg
		}
		a.funs[f.Name] = b.Func("f_"+f.Name, dom, SortMsg)
		if f.Arity > maxArity {
			maxArity = f.Arity
		}
	}
	for j := 0; j < maxArity; j++ {
		a.sel = append(a.sel, b.Func(fmt.Sprintf("sel%d", j+1), []Sort{SortMsg}, SortMsg))
	}
	for _, e := range th.Equations {
		if e.LHS.Kind == rules.TApp {
			a.eqs[e.LHS.Name] = append(a.eqs[e.LHS.Name], e)
		}
	}
	for _, f := range th.Functions {
		if !f.Private && !acSymbols[f.Name] {
			a.publicSymbols = append(a.publicSymbols, f.Name)
		}
	}
	sort.Strings(a.publicSymbols)
	b.msgAxioms = a.axioms
	a.dh = newDH(a)
	return a
}

// reducible reports whether sym heads an equation.
func (a *algebra) reducible(sym string) bool { return len(a.eqs[sym]) > 0 }

// axioms states what a new constructor, public or fresh node is.
func (a *algebra) axioms(n *Node) {
	b := a.b
	switch n.Kind {
	case MsgCtor:
		b.Axiom(b.Eq(b.App(a.tag, n), b.Int(a.tags[n.Sym])))
		for j, arg := range n.Args {
			b.Axiom(b.Eq(b.App(a.sel[j], n), arg))
		}
	case MsgPub:
		b.Axiom(b.Eq(b.App(a.tag, n), b.Int(TagPub)))
		b.Axiom(b.Eq(b.App(a.pubid, n), b.Int(n.Lit)))
	case MsgFresh:
		b.Axiom(b.Eq(b.App(a.tag, n), b.Int(TagFresh)))
		b.Axiom(b.Eq(b.App(a.freshd, n), b.Int(n.Lit)))
	}
}

// tagOf returns tag(n), folded when n's structure is known.
func (a *algebra) tagOf(n *Node) *Node {
	switch n.Kind {
	case MsgCtor, MsgClass:
		return a.b.Int(a.tags[n.Sym])
	case MsgPub, MsgPubVar:
		return a.b.Int(TagPub)
	case MsgFresh, MsgFreshVar:
		return a.b.Int(TagFresh)
	}
	return a.b.App(a.tag, n)
}

// hasTag returns tag(n) = t.
func (a *algebra) hasTag(n *Node, t int64) *Node { return a.b.Eq(a.tagOf(n), a.b.Int(t)) }

// selector returns the j-th argument of n (0-based).
func (a *algebra) selector(n *Node, j int) *Node {
	if n.Kind == MsgCtor {
		return n.Args[j]
	}
	return a.b.MsgApp(a.sel[j], MsgOpaque, "", 0, n)
}

// pub returns the node of public constant 'name'.
func (a *algebra) pub(name string) *Node {
	id, ok := a.pubIDs[name]
	if !ok {
		id = int64(len(a.pubIDs) + 1)
		a.pubIDs[name] = id
		a.pubNames = append(a.pubNames, name)
	}
	return a.b.intern(&Node{Op: OpConst, Sort: SortMsg, Name: "pub!" + name, Kind: MsgPub, Lit: id})
}

// fresh returns the fresh name with identity id (id > 0: a protocol
// fresh name; fresh constants ~'c' get ids from freshConstBase).
func (a *algebra) fresh(name string, id int64) *Node {
	return a.b.intern(&Node{Op: OpConst, Sort: SortMsg, Name: name, Kind: MsgFresh, Lit: id})
}

const freshConstBase = 1 << 40

// variable returns a message variable node of the sort of v, with its
// sort axiom.
func (a *algebra) variable(name string, s rules.Sort) *Node {
	switch s {
	case rules.SortPub:
		n := a.b.MsgConst(name, MsgPubVar)
		a.b.Axiom(a.b.Eq(a.b.App(a.tag, n), a.b.Int(TagPub)))
		return n
	case rules.SortFresh:
		n := a.b.MsgConst(name, MsgFreshVar)
		a.b.Axiom(a.b.Eq(a.b.App(a.tag, n), a.b.Int(TagFresh)))
		return n
	}
	return a.b.MsgConst(name, MsgVar)
}

// register returns a message constant whose head symbol is known to be
// sym (a knowledge register of that class), with its tag axiom.
func (a *algebra) register(name, sym string) *Node {
	n := a.b.intern(&Node{Op: OpConst, Sort: SortMsg, Name: name, Kind: MsgClass, Sym: sym})
	a.b.Axiom(a.b.Eq(a.b.App(a.tag, n), a.b.Int(a.tags[sym])))
	return n
}

// apply builds f(args): a constructor node, or for a reducible symbol a
// node defined by its equations.
func (a *algebra) apply(sym string, args []*Node) (*Node, error) {
	f, ok := a.funs[sym]
	if !ok {
		return nil, fmt.Errorf("unknown function symbol %s", sym)
	}
	if a.dh != nil && a.dh.isOp(sym) {
		return a.dh.apply(sym, args), nil
	}
	if acSymbols[sym] {
		return nil, errUnsupported("the operator %s (builtin theory with associative-commutative equations)", sym)
	}
	if !a.reducible(sym) {
		return a.b.MsgApp(f, MsgCtor, sym, 0, args...), nil
	}
	// Fold statically when an equation matches syntactically.
	for _, e := range a.eqs[sym] {
		sigma := map[rules.Var]*Node{}
		cond, err := a.matchArgs(e.LHS.Args, args, sigma)
		if err != nil {
			return nil, err
		}
		if cond == a.b.True {
			return a.instantiate(e.RHS, sigma)
		}
	}
	d := a.b.MsgApp(f, MsgOpaque, sym, 0, args...)
	if _, done := a.defined[d]; !done {
		if err := a.define(d, sym, args); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// define asserts the case definition of a reducible application d.
func (a *algebra) define(d *Node, sym string, args []*Node) error {
	if a.defined == nil {
		a.defined = map[*Node]bool{}
	}
	a.defined[d] = true
	b := a.b
	none := b.True // no earlier equation matched
	for _, e := range a.eqs[sym] {
		sigma := map[rules.Var]*Node{}
		cond, err := a.matchArgs(e.LHS.Args, args, sigma)
		if err != nil {
			return err
		}
		if cond == b.False {
			continue
		}
		rhs, err := a.instantiate(e.RHS, sigma)
		if err != nil {
			return err
		}
		b.Axiom(b.Implies(b.And(none, cond), b.Eq(d, rhs)))
		none = b.And(none, b.Not(cond))
	}
	stuck := []*Node{b.Eq(b.App(a.tag, d), b.Int(a.tags[sym]))}
	for j, arg := range args {
		stuck = append(stuck, b.Eq(b.App(a.sel[j], d), arg))
	}
	b.Axiom(b.Implies(none, b.And(stuck...)))
	return nil
}

func (a *algebra) matchArgs(pats []*rules.Term, args []*Node, sigma map[rules.Var]*Node) (*Node, error) {
	conds := make([]*Node, 0, len(pats))
	for i, p := range pats {
		c, err := a.match(p, args[i], sigma)
		if err != nil {
			return nil, err
		}
		if c == a.b.False {
			return c, nil
		}
		conds = append(conds, c)
	}
	return a.b.And(conds...), nil
}

// match matches pattern p against node n, extending sigma with bindings
// for p's unbound variables. It returns the condition under which the
// match holds: tag tests where n's structure is unknown, equalities for
// variables bound twice. The result is false when the match is
// impossible.
func (a *algebra) match(p *rules.Term, n *Node, sigma map[rules.Var]*Node) (*Node, error) {
	b := a.b
	switch p.Kind {
	case rules.TVar:
		if old, ok := sigma[p.Var]; ok {
			return b.Eq(old, n), nil
		}
		sigma[p.Var] = n
		switch p.Var.Sort {
		case rules.SortPub:
			return a.hasTag(n, TagPub), nil
		case rules.SortFresh:
			return a.hasTag(n, TagFresh), nil
		case rules.SortMsg:
			return b.True, nil
		}
		return nil, errUnsupported("variables of sort %s", p.Var.Sort)
	case rules.TPub:
		return b.Eq(a.pub(p.Name), n), nil
	case rules.TFresh:
		return b.Eq(a.freshConst(p.Name), n), nil
	}
	if a.dh != nil && a.dh.isOp(p.Name) {
		return a.dh.match(p, n, sigma)
	}
	if a.reducible(p.Name) {
		// a destructor inside a pattern: compare values
		t, err := a.instantiate(p, sigma)
		if err != nil {
			return nil, err
		}
		return b.Eq(t, n), nil
	}
	switch n.Kind {
	case MsgCtor:
		if n.Sym != p.Name || len(n.Args) != len(p.Args) {
			return b.False, nil
		}
		return a.matchArgs(p.Args, n.Args, sigma)
	case MsgClass:
		if n.Sym != p.Name {
			return b.False, nil
		}
	case MsgPub, MsgFresh, MsgPubVar, MsgFreshVar:
		return b.False, nil
	}
	if _, ok := a.tags[p.Name]; !ok {
		return nil, fmt.Errorf("unknown function symbol %s", p.Name)
	}
	conds := []*Node{a.hasTag(n, a.tags[p.Name])}
	for j, q := range p.Args {
		c, err := a.match(q, a.selector(n, j), sigma)
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	// n is then equal to the constructor application of its selectors
	if len(p.Args) > 0 {
		sels := make([]*Node, len(p.Args))
		for j := range sels {
			sels[j] = a.selector(n, j)
		}
		ctor := b.MsgApp(a.funs[p.Name], MsgCtor, p.Name, 0, sels...)
		conds = append(conds, b.Eq(n, ctor))
	}
	return b.And(conds...), nil
}

func (a *algebra) freshConst(name string) *Node {
	id, ok := a.pubIDs["~"+name]
	if !ok {
		id = freshConstBase + int64(len(a.pubIDs))
		a.pubIDs["~"+name] = id
	}
	return a.fresh("fresh!"+name, id)
}

// instantiate builds the node for pattern p under sigma; every variable
// of p must be bound.
func (a *algebra) instantiate(p *rules.Term, sigma map[rules.Var]*Node) (*Node, error) {
	switch p.Kind {
	case rules.TVar:
		n, ok := sigma[p.Var]
		if !ok {
			return nil, fmt.Errorf("internal: unbound variable %s", p.Var)
		}
		return n, nil
	case rules.TPub:
		return a.pub(p.Name), nil
	case rules.TFresh:
		return a.freshConst(p.Name), nil
	}
	args := make([]*Node, len(p.Args))
	for i, q := range p.Args {
		n, err := a.instantiate(q, sigma)
		if err != nil {
			return nil, err
		}
		args[i] = n
	}
	return a.apply(p.Name, args)
}

// unsupportedError marks a model feature the engine does not handle; the
// verdict is then "unknown" with this reason.
type unsupportedError struct{ what string }

func (e *unsupportedError) Error() string { return "not supported yet: " + e.what }

func errUnsupported(format string, args ...any) error {
	return &unsupportedError{fmt.Sprintf(format, args...)}
}

// IsUnsupported reports whether err says that a construct is not
// supported by the engine.
func IsUnsupported(err error) bool {
	_, ok := err.(*unsupportedError)
	return ok
}
