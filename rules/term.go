package rules

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Sort is the sort of a variable, as given by its prefix.
type Sort uint8

const (
	SortMsg      Sort = iota // plain: any message
	SortFresh                // ~x
	SortPub                  // $x
	SortNat                  // %x (natural-numbers)
	SortTemporal             // #i
)

var sortPrefix = [...]string{SortMsg: "", SortFresh: "~", SortPub: "$", SortNat: "%", SortTemporal: "#"}
var sortName = [...]string{SortMsg: "msg", SortFresh: "fresh", SortPub: "pub", SortNat: "nat", SortTemporal: "temporal"}

func (s Sort) String() string { return sortName[s] }

// Prefix returns the sort's variable prefix ("~", "$", "%", "#" or "").
func (s Sort) Prefix() string { return sortPrefix[s] }

// MarshalText implements encoding.TextMarshaler.
func (s Sort) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Var is a variable: a name, an index (x.1 has index 1) and a sort. Two
// variables are the same only if all three agree, as in Tamarin.
type Var struct {
	Name string
	Idx  int
	Sort Sort
}

func (v Var) String() string {
	s := v.Sort.Prefix() + v.Name
	if v.Idx != 0 {
		s += fmt.Sprintf(".%d", v.Idx)
	}
	return s
}

// Less orders variables by name, index and sort.
func (v Var) Less(w Var) bool {
	if v.Name != w.Name {
		return v.Name < w.Name
	}
	if v.Idx != w.Idx {
		return v.Idx < w.Idx
	}
	return v.Sort < w.Sort
}

// TermKind distinguishes the forms of Term.
type TermKind uint8

const (
	TVar   TermKind = iota // a variable
	TPub                   // a public constant 'c'
	TFresh                 // a fresh constant ~'c'
	TApp                   // a function application f(t1,…,tn)
)

// Term is an immutable message term. Terms are shared freely; never modify
// one after it is built.
type Term struct {
	Kind TermKind
	Var  Var     // TVar
	Name string  // TPub, TFresh: the constant; TApp: the function symbol
	Args []*Term // TApp
	Pos  Pos     // where the term was written, or NoPos
}

// Names of the built-in function symbols with special syntax.
const (
	FunPair  = "pair"
	FunFst   = "fst"
	FunSnd   = "snd"
	FunExp   = "exp"
	FunMult  = "mult"
	FunInv   = "inv"
	FunOne   = "one"
	FunDHNeu = "DH_neutral"
	FunXor   = "xor"
	FunZero  = "zero"
	FunUnion = "union"
	FunEmpty = "empty"
	FunNatPl = "tplus"
	FunNatOn = "tone"
	FunTrue  = "true"
	FunDiff  = "diff"
)

// NewVar returns a variable term.
func NewVar(name string, idx int, sort Sort) *Term {
	return &Term{Kind: TVar, Var: Var{Name: name, Idx: idx, Sort: sort}}
}

// VarTerm returns the term for v.
func VarTerm(v Var) *Term { return &Term{Kind: TVar, Var: v} }

// NewPub returns the public constant 'name'.
func NewPub(name string) *Term { return &Term{Kind: TPub, Name: name} }

// NewFreshConst returns the fresh constant ~'name'.
func NewFreshConst(name string) *Term { return &Term{Kind: TFresh, Name: name} }

// NewApp returns f(args…).
func NewApp(f string, args ...*Term) *Term { return &Term{Kind: TApp, Name: f, Args: args} }

// Tuple returns the right-nested pairing <t1, <t2, …>>. One element is
// returned as is.
func Tuple(ts ...*Term) *Term {
	if len(ts) == 1 {
		return ts[0]
	}
	return NewApp(FunPair, ts[0], Tuple(ts[1:]...))
}

// IsVar reports whether t is a variable.
func (t *Term) IsVar() bool { return t.Kind == TVar }

// IsApp reports whether t is an application of f.
func (t *Term) IsApp(f string) bool { return t.Kind == TApp && t.Name == f }

// Equal reports syntactic equality (positions are ignored).
func (t *Term) Equal(u *Term) bool {
	if t == u {
		return true
	}
	if t.Kind != u.Kind {
		return false
	}
	switch t.Kind {
	case TVar:
		return t.Var == u.Var
	case TApp:
		if t.Name != u.Name || len(t.Args) != len(u.Args) {
			return false
		}
		for i := range t.Args {
			if !t.Args[i].Equal(u.Args[i]) {
				return false
			}
		}
		return true
	default:
		return t.Name == u.Name
	}
}

// Hash returns a hash of t's structure: terms that are Equal hash alike.
// It allocates nothing (Term.String does), for the hash tables of a
// search that meets many terms.
func (t *Term) Hash() uint64 {
	h := Mix64(uint64(t.Kind) + 1)
	switch t.Kind {
	case TVar:
		h = Mix64(hashStr(h, t.Var.Name) ^ uint64(t.Var.Idx)<<8 ^ uint64(t.Var.Sort))
	case TApp:
		h = hashStr(h, t.Name)
		h = Mix64(h ^ uint64(len(t.Args)))
		for _, a := range t.Args {
			h = Mix64(h*0x100000001b3 ^ a.Hash())
		}
	default:
		h = Mix64(hashStr(h, t.Name))
	}
	return h
}

// hashStr folds s into h (FNV-1a).
func hashStr(h uint64, s string) uint64 {
	h ^= 0xcbf29ce484222325
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

// Mix64 is SplitMix64's finaliser: it spreads x's bits over the result
// (for hashes that are summed or combined).
func Mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Compare orders terms totally (variables < constants < applications,
// then by name and arguments). Positions are ignored.
func (t *Term) Compare(u *Term) int {
	if t == u {
		return 0
	}
	if t.Kind != u.Kind {
		return int(t.Kind) - int(u.Kind)
	}
	switch t.Kind {
	case TVar:
		if t.Var == u.Var {
			return 0
		}
		if t.Var.Less(u.Var) {
			return -1
		}
		return 1
	case TApp:
		if c := strings.Compare(t.Name, u.Name); c != 0 {
			return c
		}
		if len(t.Args) != len(u.Args) {
			return len(t.Args) - len(u.Args)
		}
		for i := range t.Args {
			if c := t.Args[i].Compare(u.Args[i]); c != 0 {
				return c
			}
		}
		return 0
	default:
		return strings.Compare(t.Name, u.Name)
	}
}

// Vars appends the variables of t to vs, in order of first occurrence,
// without duplicates already in vs.
func (t *Term) Vars(vs []Var) []Var {
	switch t.Kind {
	case TVar:
		for _, v := range vs {
			if v == t.Var {
				return vs
			}
		}
		return append(vs, t.Var)
	case TApp:
		for _, a := range t.Args {
			vs = a.Vars(vs)
		}
	}
	return vs
}

// HasVar reports whether v occurs in t.
func (t *Term) HasVar(v Var) bool {
	switch t.Kind {
	case TVar:
		return t.Var == v
	case TApp:
		for _, a := range t.Args {
			if a.HasVar(v) {
				return true
			}
		}
	}
	return false
}

// IsGround reports whether t has no variables.
func (t *Term) IsGround() bool {
	switch t.Kind {
	case TVar:
		return false
	case TApp:
		for _, a := range t.Args {
			if !a.IsGround() {
				return false
			}
		}
	}
	return true
}

// Size returns the number of nodes in t.
func (t *Term) Size() int {
	n := 1
	for _, a := range t.Args {
		n += a.Size()
	}
	return n
}

// Depth returns the height of t (a leaf has depth 1).
func (t *Term) Depth() int {
	d := 0
	for _, a := range t.Args {
		if ad := a.Depth(); ad > d {
			d = ad
		}
	}
	return d + 1
}

// Subst is a substitution from variables to terms.
type Subst map[Var]*Term

// Apply returns t with the substitution applied (once, not iterated).
func (s Subst) Apply(t *Term) *Term {
	if len(s) == 0 {
		return t
	}
	switch t.Kind {
	case TVar:
		if r, ok := s[t.Var]; ok {
			return r
		}
		return t
	case TApp:
		var args []*Term
		for i, a := range t.Args {
			b := s.Apply(a)
			if b != a && args == nil {
				args = make([]*Term, len(t.Args))
				copy(args, t.Args[:i])
			}
			if args != nil {
				args[i] = b
			}
		}
		if args == nil {
			return t
		}
		return &Term{Kind: TApp, Name: t.Name, Args: args, Pos: t.Pos}
	}
	return t
}

// Map returns t with f applied bottom-up to every application node.
func (t *Term) Map(f func(*Term) *Term) *Term {
	if t.Kind != TApp {
		return f(t)
	}
	var args []*Term
	for i, a := range t.Args {
		b := a.Map(f)
		if b != a && args == nil {
			args = make([]*Term, len(t.Args))
			copy(args, t.Args[:i])
		}
		if args != nil {
			args[i] = b
		}
	}
	if args == nil {
		return f(t)
	}
	return f(&Term{Kind: TApp, Name: t.Name, Args: args, Pos: t.Pos})
}

// Walk calls f on every subterm of t, pre-order; f returns false to skip
// a subterm's children.
func (t *Term) Walk(f func(*Term) bool) {
	if f(t) && t.Kind == TApp {
		for _, a := range t.Args {
			a.Walk(f)
		}
	}
}

// Contains reports whether u is a subterm of t (t itself included).
func (t *Term) Contains(u *Term) bool {
	found := false
	t.Walk(func(s *Term) bool {
		if s.Equal(u) {
			found = true
		}
		return !found
	})
	return found
}

// Admits reports whether a variable of sort s may stand for the ground
// term t: a public variable only for a public name, a fresh one only for a
// fresh name, any other for any term.
func (s Sort) Admits(t *Term) bool {
	switch s {
	case SortPub:
		return t.Kind == TPub
	case SortFresh:
		return t.Kind == TFresh
	}
	return true
}

// String prints t in Tamarin syntax.
func (t *Term) String() string {
	var b strings.Builder
	writeTerm(&b, t, precLow, false)
	return b.String()
}

// TraceString prints a ground term of a trace: fresh names print as
// ~name (as Tamarin shows them), not as fresh constants ~'name'.
func (t *Term) TraceString() string {
	var b strings.Builder
	writeTerm(&b, t, precLow, true)
	return b.String()
}

// Operator precedences for printing, loosest first.
const (
	precLow = iota
	precUnion
	precNatPlus
	precXor
	precMult
	precExp
	precAtom
)

func writeTerm(b *strings.Builder, t *Term, prec int, names bool) {
	switch t.Kind {
	case TVar:
		b.WriteString(t.Var.Sort.Prefix())
		b.WriteString(t.Var.Name)
		if t.Var.Idx != 0 {
			b.WriteByte('.')
			b.WriteString(strconv.Itoa(t.Var.Idx))
		}
		return
	case TPub:
		b.WriteByte('\'')
		b.WriteString(t.Name)
		b.WriteByte('\'')
		return
	case TFresh:
		b.WriteByte('~')
		if names {
			b.WriteString(t.Name)
			return
		}
		b.WriteByte('\'')
		b.WriteString(t.Name)
		b.WriteByte('\'')
		return
	}
	infix := func(op string, p int, leftAssoc bool) {
		if prec > p {
			b.WriteString("(")
		}
		for i, a := range t.Args {
			if i > 0 {
				b.WriteString(op)
			}
			ap := p + 1
			if leftAssoc && i == 0 {
				ap = p
			}
			writeTerm(b, a, ap, names)
		}
		if prec > p {
			b.WriteString(")")
		}
	}
	switch {
	case t.Name == FunPair && len(t.Args) == 2:
		b.WriteString("<")
		writeTerm(b, t.Args[0], precLow, names)
		for u := t.Args[1]; ; u = u.Args[1] {
			b.WriteString(", ")
			if u.Kind == TApp && u.Name == FunPair && len(u.Args) == 2 {
				writeTerm(b, u.Args[0], precLow, names)
				continue
			}
			writeTerm(b, u, precLow, names)
			break
		}
		b.WriteString(">")
		return
	case t.Name == FunExp && len(t.Args) == 2:
		infix("^", precExp, true)
		return
	case t.Name == FunMult && len(t.Args) >= 2:
		infix("*", precMult, true)
		return
	case t.Name == FunXor && len(t.Args) >= 2:
		infix(" XOR ", precXor, true)
		return
	case t.Name == FunUnion && len(t.Args) >= 2:
		infix(" ++ ", precUnion, true)
		return
	case t.Name == FunNatPl && len(t.Args) >= 2:
		infix(" %+ ", precNatPlus, true)
		return
	case t.Name == FunNatOn && len(t.Args) == 0:
		b.WriteString("%1")
		return
	}
	b.WriteString(t.Name)
	if len(t.Args) == 0 {
		return
	}
	b.WriteString("(")
	for i, a := range t.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		writeTerm(b, a, precLow, names)
	}
	b.WriteString(")")
}

// SortVars sorts variables in place.
func SortVars(vs []Var) {
	sort.Slice(vs, func(i, j int) bool { return vs[i].Less(vs[j]) })
}
