package encode

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// Sort is the sort of an IR expression.
type Sort uint8

const (
	SortBool Sort = iota
	SortInt
	SortMsg  // messages: one uninterpreted sort
	SortReal // times
)

func (s Sort) String() string {
	return [...]string{"Bool", "Int", "Msg", "Real"}[s]
}

// Op is the operator of an IR node.
type Op uint8

const (
	OpTrue Op = iota
	OpFalse
	OpConst  // a named constant of any sort
	OpIntLit // Lit holds the value (Int or Real sort)
	OpApp    // application of Fun
	OpNot
	OpAnd
	OpOr
	OpEq // two arguments of the same sort (Bool: iff)
	OpIte
	OpLt // Int
	OpLe // Int
	OpAdd
	OpSub
)

// MsgKind tells what is statically known about a message node; it lets
// equalities between messages be decided or decomposed before Z3 sees them.
type MsgKind uint8

const (
	MsgOpaque   MsgKind = iota // unknown structure: a selector or a destructor application
	MsgVar                     // a message variable of sort msg
	MsgPubVar                  // a public variable: some public name
	MsgFreshVar                // a fresh variable: some fresh name
	MsgCtor                    // a constructor application f(args)
	MsgPub                     // a public constant 'c'
	MsgFresh                   // a fresh name with a fixed identity
	MsgClass                   // unknown arguments, but known head symbol Sym
	MsgDH                      // a Diffie–Hellman value (dh.go): an exponentiation, a product, or what they reduce to
)

// Fun is an uninterpreted function symbol of the IR.
type Fun struct {
	Name   string
	Domain []Sort
	Range  Sort
	id     int
}

// Node is a hash-consed IR expression. Nodes are immutable; equal nodes
// are the same pointer.
type Node struct {
	Op   Op
	Sort Sort
	Name string // OpConst
	Lit  int64  // OpIntLit; Msg: the public or fresh identity
	Fun  *Fun   // OpApp
	Args []*Node
	// Kind and Sym describe message nodes (Sym: constructor symbol).
	Kind MsgKind
	Sym  string
	id   int
}

// ID returns the node's unique number in its builder.
func (n *Node) ID() int { return n.id }

func (n *Node) String() string {
	switch n.Op {
	case OpTrue:
		return "true"
	case OpFalse:
		return "false"
	case OpConst:
		return n.Name
	case OpIntLit:
		return fmt.Sprint(n.Lit)
	}
	s := "(" + n.opName()
	for _, a := range n.Args {
		s += " " + a.String()
	}
	return s + ")"
}

func (n *Node) opName() string {
	switch n.Op {
	case OpApp:
		return n.Fun.Name
	case OpNot:
		return "not"
	case OpAnd:
		return "and"
	case OpOr:
		return "or"
	case OpEq:
		return "="
	case OpIte:
		return "ite"
	case OpLt:
		return "<"
	case OpLe:
		return "<="
	case OpAdd:
		return "+"
	case OpSub:
		return "-"
	}
	return "?"
}

// Builder creates hash-consed nodes and simplifies as it goes: constant
// folding, flattening of and/or, and static decision or decomposition of
// message equalities. It also collects axioms: facts about constructor
// applications that hold in every model and must be asserted once.
type Builder struct {
	nodes  map[nodeKey]*Node
	all    []*Node
	funs   map[string]*Fun
	True   *Node
	False  *Node
	fresh  int
	axioms []*Node
	// msgAxioms is called for every new constructor, public or fresh
	// message node, to add its axioms.
	msgAxioms func(*Node)
}

type nodeKey struct {
	op   Op
	sort Sort
	name string
	lit  int64
	fun  int
	kind MsgKind
	args string
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder {
	b := &Builder{nodes: map[nodeKey]*Node{}, funs: map[string]*Fun{}}
	b.True = b.intern(&Node{Op: OpTrue, Sort: SortBool})
	b.False = b.intern(&Node{Op: OpFalse, Sort: SortBool})
	return b
}

// Nodes returns the number of distinct nodes built.
func (b *Builder) Nodes() int { return len(b.all) }

func (b *Builder) intern(n *Node) *Node {
	k := nodeKey{op: n.Op, sort: n.Sort, name: n.Name, lit: n.Lit, kind: n.Kind}
	if n.Fun != nil {
		k.fun = n.Fun.id
	}
	if len(n.Args) > 0 {
		buf := make([]byte, 0, 4*len(n.Args))
		for _, a := range n.Args {
			buf = binary.AppendUvarint(buf, uint64(a.id))
		}
		k.args = string(buf)
	}
	if old, ok := b.nodes[k]; ok {
		return old
	}
	n.id = len(b.all)
	b.nodes[k] = n
	b.all = append(b.all, n)
	if n.Sort == SortMsg && (n.Kind == MsgCtor || n.Kind == MsgPub || n.Kind == MsgFresh) && b.msgAxioms != nil {
		b.msgAxioms(n)
	}
	return n
}

// Func returns the function symbol name, declaring it on first use.
func (b *Builder) Func(name string, dom []Sort, rng Sort) *Fun {
	if f, ok := b.funs[name]; ok {
		if len(f.Domain) != len(dom) || f.Range != rng {
			panic(fmt.Sprintf("encode: function %s redeclared with another type", name))
		}
		return f
	}
	f := &Fun{Name: name, Domain: dom, Range: rng, id: len(b.funs) + 1}
	b.funs[name] = f
	return f
}

// Funcs returns the declared functions in declaration order.
func (b *Builder) Funcs() []*Fun {
	out := make([]*Fun, 0, len(b.funs))
	for _, f := range b.funs {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// Axiom records a universally valid fact to assert.
func (b *Builder) Axiom(n *Node) {
	if n != b.True {
		b.axioms = append(b.axioms, n)
	}
}

// TakeAxioms returns the axioms recorded since the last call.
func (b *Builder) TakeAxioms() []*Node {
	a := b.axioms
	b.axioms = nil
	return a
}

// Const returns a named constant.
func (b *Builder) Const(name string, s Sort) *Node {
	return b.intern(&Node{Op: OpConst, Sort: s, Name: name})
}

// FreshConst returns a new constant whose name starts with prefix.
func (b *Builder) FreshConst(prefix string, s Sort) *Node {
	b.fresh++
	return b.Const(fmt.Sprintf("%s!%d", prefix, b.fresh), s)
}

// MsgConst returns a message variable of the given kind (MsgVar,
// MsgPubVar or MsgFreshVar).
func (b *Builder) MsgConst(name string, kind MsgKind) *Node {
	return b.intern(&Node{Op: OpConst, Sort: SortMsg, Name: name, Kind: kind})
}

// Int returns an integer literal.
func (b *Builder) Int(v int64) *Node { return b.intern(&Node{Op: OpIntLit, Sort: SortInt, Lit: v}) }

// Real returns a real literal with an integer value.
func (b *Builder) Real(v int64) *Node { return b.intern(&Node{Op: OpIntLit, Sort: SortReal, Lit: v}) }

// Bool returns true or false.
func (b *Builder) Bool(v bool) *Node {
	if v {
		return b.True
	}
	return b.False
}

// App applies an uninterpreted function.
func (b *Builder) App(f *Fun, args ...*Node) *Node {
	if len(args) != len(f.Domain) {
		panic(fmt.Sprintf("encode: %s applied to %d arguments", f.Name, len(args)))
	}
	return b.intern(&Node{Op: OpApp, Sort: f.Range, Fun: f, Args: args})
}

// MsgApp applies a message-valued function and records what is known
// about the result (kind, constructor symbol, identity).
func (b *Builder) MsgApp(f *Fun, kind MsgKind, sym string, lit int64, args ...*Node) *Node {
	return b.intern(&Node{Op: OpApp, Sort: SortMsg, Fun: f, Args: args, Kind: kind, Sym: sym, Lit: lit})
}

// Not negates.
func (b *Builder) Not(x *Node) *Node {
	switch x.Op {
	case OpTrue:
		return b.False
	case OpFalse:
		return b.True
	case OpNot:
		return x.Args[0]
	}
	return b.intern(&Node{Op: OpNot, Sort: SortBool, Args: []*Node{x}})
}

// And conjoins, dropping true, collapsing on false, flattening nested
// conjunctions and removing duplicates.
func (b *Builder) And(xs ...*Node) *Node { return b.nary(OpAnd, xs) }

// Or disjoins, symmetric to And.
func (b *Builder) Or(xs ...*Node) *Node { return b.nary(OpOr, xs) }

func (b *Builder) nary(op Op, xs []*Node) *Node {
	unit, zero := b.True, b.False
	if op == OpOr {
		unit, zero = b.False, b.True
	}
	var out []*Node
	seen := map[*Node]bool{}
	var add func(x *Node) bool
	add = func(x *Node) bool {
		switch {
		case x == zero:
			return false
		case x == unit:
			return true
		case x.Op == op:
			for _, y := range x.Args {
				if !add(y) {
					return false
				}
			}
			return true
		}
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
		return true
	}
	for _, x := range xs {
		if !add(x) {
			return zero
		}
	}
	for _, x := range out {
		if x.Op == OpNot && seen[x.Args[0]] {
			return zero // x and not x
		}
	}
	switch len(out) {
	case 0:
		return unit
	case 1:
		return out[0]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return b.intern(&Node{Op: op, Sort: SortBool, Args: out})
}

// Implies returns x ⇒ y.
func (b *Builder) Implies(x, y *Node) *Node { return b.Or(b.Not(x), y) }

// Ite returns if c then x else y.
func (b *Builder) Ite(c, x, y *Node) *Node {
	switch {
	case c == b.True || x == y:
		return x
	case c == b.False:
		return y
	}
	if x.Sort == SortBool {
		return b.Or(b.And(c, x), b.And(b.Not(c), y))
	}
	return b.intern(&Node{Op: OpIte, Sort: x.Sort, Args: []*Node{c, x, y}})
}

// Lt returns x < y over integers.
func (b *Builder) Lt(x, y *Node) *Node {
	if x.Op == OpIntLit && y.Op == OpIntLit {
		return b.Bool(x.Lit < y.Lit)
	}
	if x == y {
		return b.False
	}
	return b.intern(&Node{Op: OpLt, Sort: SortBool, Args: []*Node{x, y}})
}

// Le returns x ≤ y over integers.
func (b *Builder) Le(x, y *Node) *Node {
	if x.Op == OpIntLit && y.Op == OpIntLit {
		return b.Bool(x.Lit <= y.Lit)
	}
	if x == y {
		return b.True
	}
	return b.intern(&Node{Op: OpLe, Sort: SortBool, Args: []*Node{x, y}})
}

// Add returns x + y over integers.
func (b *Builder) Add(x, y *Node) *Node {
	switch {
	case x.Op == OpIntLit && y.Op == OpIntLit:
		return b.intern(&Node{Op: OpIntLit, Sort: x.Sort, Lit: x.Lit + y.Lit})
	case x.Op == OpIntLit && x.Lit == 0:
		return y
	case y.Op == OpIntLit && y.Lit == 0:
		return x
	}
	return b.intern(&Node{Op: OpAdd, Sort: x.Sort, Args: []*Node{x, y}})
}

// Sub returns x - y over integers.
func (b *Builder) Sub(x, y *Node) *Node {
	switch {
	case x.Op == OpIntLit && y.Op == OpIntLit:
		return b.intern(&Node{Op: OpIntLit, Sort: x.Sort, Lit: x.Lit - y.Lit})
	case y.Op == OpIntLit && y.Lit == 0:
		return x
	}
	return b.intern(&Node{Op: OpSub, Sort: x.Sort, Args: []*Node{x, y}})
}

// Eq returns x = y. Message equalities are decided or decomposed when the
// structure of both sides is known: a constructor clash is false, equal
// constructors compare their arguments, distinct public or fresh names
// differ, and sorts that cannot meet (a public variable and a pair) are
// false.
func (b *Builder) Eq(x, y *Node) *Node {
	if x == y {
		return b.True
	}
	if x.Sort != y.Sort {
		panic(fmt.Sprintf("encode: Eq of %s and %s", x.Sort, y.Sort))
	}
	switch x.Sort {
	case SortBool:
		switch {
		case x == b.True:
			return y
		case y == b.True:
			return x
		case x == b.False:
			return b.Not(y)
		case y == b.False:
			return b.Not(x)
		}
	case SortInt, SortReal:
		if x.Op == OpIntLit && y.Op == OpIntLit {
			return b.Bool(x.Lit == y.Lit)
		}
	case SortMsg:
		if r, decided := b.msgEq(x, y); decided {
			return r
		}
	}
	if x.id > y.id {
		x, y = y, x
	}
	return b.intern(&Node{Op: OpEq, Sort: SortBool, Args: []*Node{x, y}})
}

// msgHead says what is known of the head of a message: a function
// symbol, "'" for public names, "~" for fresh names, or "" for unknown.
func msgHead(x *Node) string {
	switch x.Kind {
	case MsgCtor, MsgClass:
		return x.Sym
	case MsgPub, MsgPubVar:
		return "'"
	case MsgFresh, MsgFreshVar:
		return "~"
	}
	return ""
}

// msgEq decides or decomposes an equality of messages.
func (b *Builder) msgEq(x, y *Node) (*Node, bool) {
	hx, hy := msgHead(x), msgHead(y)
	if hx == "" || hy == "" {
		return nil, false
	}
	if hx != hy {
		return b.False, true
	}
	switch {
	case x.Kind == MsgCtor && y.Kind == MsgCtor:
		if len(x.Args) != len(y.Args) {
			return b.False, true
		}
		eqs := make([]*Node, len(x.Args))
		for i := range x.Args {
			eqs[i] = b.Eq(x.Args[i], y.Args[i])
		}
		return b.And(eqs...), true
	case x.Kind == MsgPub && y.Kind == MsgPub, x.Kind == MsgFresh && y.Kind == MsgFresh:
		return b.Bool(x.Lit == y.Lit), true
	}
	return nil, false
}

// Size returns the number of distinct nodes reachable from n.
func Size(n *Node) int {
	seen := map[*Node]bool{}
	var walk func(*Node)
	walk = func(n *Node) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, a := range n.Args {
			walk(a)
		}
	}
	walk(n)
	return len(seen)
}
