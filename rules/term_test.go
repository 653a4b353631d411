package rules

import (
	"reflect"
	"sort"
	"testing"
)

var (
	tx  = NewVar("x", 0, SortMsg)
	ty  = NewVar("y", 0, SortMsg)
	tz  = NewVar("z", 0, SortMsg)
	tnx = NewVar("x", 0, SortFresh) // ~x: another variable than x
	tx1 = NewVar("x", 1, SortMsg)   // x.1: another variable than x
	tpA = NewVar("A", 0, SortPub)
	tg  = NewPub("g")
)

func TestTermEqual(t *testing.T) {
	withPos := func(t *Term, p Pos) *Term { u := *t; u.Pos = p; return &u }
	tests := []struct {
		a, b *Term
		want bool
	}{
		{tx, NewVar("x", 0, SortMsg), true},
		{tx, withPos(tx, 42), true}, // positions are ignored
		{tx, tnx, false},            // sorts differ
		{tx, tx1, false},            // indices differ
		{tx, ty, false},
		{NewPub("c"), NewPub("c"), true},
		{NewPub("c"), NewFreshConst("c"), false},
		{NewPub("c"), NewPub("d"), false},
		{NewApp("h", tx), NewApp("h", withPos(tx, 7)), true},
		{NewApp("h", tx), NewApp("g", tx), false},
		{NewApp("f", tx, ty), NewApp("f", tx), false},
		{NewApp("f", tx, ty), NewApp("f", ty, tx), false},
		{Tuple(tx, ty, tz), NewApp(FunPair, tx, NewApp(FunPair, ty, tz)), true},
		{Tuple(tx, ty, tz), NewApp(FunPair, NewApp(FunPair, tx, ty), tz), false},
		{NewApp(FunOne), NewApp(FunOne), true},
		{tx, NewApp("x"), false}, // a variable is not a nullary function
	}
	for _, tc := range tests {
		if got := tc.a.Equal(tc.b); got != tc.want {
			t.Errorf("%v.Equal(%v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := tc.b.Equal(tc.a); got != tc.want {
			t.Errorf("%v.Equal(%v) = %v, want %v (not symmetric)", tc.b, tc.a, got, tc.want)
		}
		if got := tc.a.Compare(tc.b) == 0; got != tc.want {
			t.Errorf("%v.Compare(%v) == 0 is %v, but Equal is %v", tc.a, tc.b, got, tc.want)
		}
		// equal terms hash alike; these unequal ones happen not to
		if got := tc.a.Hash() == tc.b.Hash(); got != tc.want {
			t.Errorf("%v.Hash() == %v.Hash() is %v, but Equal is %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// Facts with the same Ident hash alike; annotations do not count.
func TestFactHash(t *testing.T) {
	f := &Fact{Name: "F", Args: []*Term{tx, NewPub("c")}}
	same := &Fact{Name: "F", Args: []*Term{NewVar("x", 0, SortMsg), NewPub("c")}, Annotations: []string{"no_precomp"}}
	if f.Hash() != same.Hash() {
		t.Errorf("%v and %v hash apart", f, same)
	}
	for _, g := range []*Fact{
		{Name: "F", Persistent: true, Args: f.Args},
		{Name: "G", Args: f.Args},
		{Name: "F", Args: []*Term{NewPub("c"), tx}},
		{Name: "F", Args: []*Term{tx}},
		{Name: "F", Args: []*Term{Tuple(tx, NewPub("c"))}},
	} {
		if f.Ident() == g.Ident() {
			t.Fatalf("test facts %v and %v are the same", f, g)
		}
		if f.Hash() == g.Hash() {
			t.Errorf("%v and %v hash alike", f, g)
		}
	}
}

func TestTermCompare(t *testing.T) {
	// Sorted order: variables (by name, index, sort), then public and
	// fresh constants, then applications (by name, arity, arguments).
	sorted := []*Term{
		tpA,
		tx,
		tnx,
		tx1,
		ty,
		NewPub("a"),
		NewPub("b"),
		NewFreshConst("a"),
		NewApp("f", tx),
		NewApp("f", tx, tx),
		NewApp("f", tx, ty),
		NewApp("f", NewPub("a"), tx),
		NewApp("h", tx),
	}
	for i, a := range sorted {
		for j, b := range sorted {
			c := a.Compare(b)
			switch {
			case i < j && c >= 0, i > j && c <= 0, i == j && c != 0:
				t.Errorf("%v.Compare(%v) = %d, but %v comes %s", a, b, c, a, map[bool]string{true: "first", false: "later"}[i < j])
			}
		}
	}
	shuffled := []*Term{sorted[7], sorted[12], sorted[0], sorted[9], sorted[3], sorted[5], sorted[1], sorted[11], sorted[2], sorted[10], sorted[8], sorted[4], sorted[6]}
	sort.Slice(shuffled, func(i, j int) bool { return shuffled[i].Compare(shuffled[j]) < 0 })
	for i := range sorted {
		if shuffled[i] != sorted[i] {
			t.Fatalf("sorting gives %v at %d, want %v", shuffled[i], i, sorted[i])
		}
	}
}

func TestSubstApply(t *testing.T) {
	term := NewApp("f", tx, NewApp("h", ty), NewPub("c"), tz)
	term.Pos = 99
	s := Subst{tx.Var: ty, ty.Var: NewApp("g", tz)}
	got := s.Apply(term)
	// One parallel step: x becomes y, y becomes g(z); the new y is not
	// substituted again.
	if want := "f(y, h(g(z)), 'c', z)"; got.String() != want {
		t.Errorf("Apply = %v, want %s", got, want)
	}
	if got.Pos != 99 {
		t.Errorf("Apply lost the position: %v", got.Pos)
	}
	if got.Args[3] != term.Args[3] || got.Args[2] != term.Args[2] {
		t.Errorf("Apply copied unchanged arguments")
	}
	if term.String() != "f(x, h(y), 'c', z)" {
		t.Errorf("Apply modified its argument: %v", term)
	}
	// Sorts and indices matter: ~x and x.1 are not x.
	other := NewApp("f", tnx, tx1)
	if s.Apply(other) != other {
		t.Errorf("Apply rebuilt a term without substituted variables")
	}
	if (Subst{}).Apply(term) != term {
		t.Errorf("the empty substitution rebuilt the term")
	}
	if got := (Subst{tnx.Var: NewPub("n")}).Apply(NewApp("f", tx, tnx)).String(); got != "f(x, 'n')" {
		t.Errorf("substituting ~x gives %s", got)
	}
}

func TestTermVars(t *testing.T) {
	term := NewApp("f", ty, NewApp("h", tx, ty), tnx, tx1, NewPub("x"), tx)
	want := []Var{ty.Var, tx.Var, tnx.Var, tx1.Var}
	if got := term.Vars(nil); !reflect.DeepEqual(got, want) {
		t.Errorf("Vars = %v, want %v", got, want)
	}
	// Appending skips variables already in the list.
	if got := term.Vars([]Var{tx.Var, tz.Var}); !reflect.DeepEqual(got, []Var{tx.Var, tz.Var, ty.Var, tnx.Var, tx1.Var}) {
		t.Errorf("Vars with a prefix = %v", got)
	}
	if vs := NewApp("f", NewPub("a")).Vars(nil); len(vs) != 0 {
		t.Errorf("ground term has variables %v", vs)
	}
	if !term.HasVar(tx1.Var) || term.HasVar(tz.Var) {
		t.Errorf("HasVar wrong")
	}
	if term.IsGround() || !NewApp("f", NewPub("a"), NewFreshConst("b")).IsGround() {
		t.Errorf("IsGround wrong")
	}
	if term.Size() != 9 || term.Depth() != 3 {
		t.Errorf("Size %d Depth %d, want 9 and 3", term.Size(), term.Depth())
	}
}

func TestTermString(t *testing.T) {
	exp := func(a, b *Term) *Term { return NewApp(FunExp, a, b) }
	mult := func(a, b *Term) *Term { return NewApp(FunMult, a, b) }
	tests := []struct {
		t    *Term
		want string
	}{
		{NewVar("k", 2, SortFresh), "~k.2"},
		{NewVar("i", 0, SortTemporal), "#i"},
		{NewVar("n", 0, SortNat), "%n"},
		{tpA, "$A"},
		{NewPub("hello world"), "'hello world'"},
		{NewFreshConst("c"), "~'c'"},
		{NewApp(FunOne), "one"},
		{NewApp(FunNatOn), "%1"},
		{NewApp("f", tx, NewApp("c")), "f(x, c)"},
		// Tuples are right-nested pairs, printed flat.
		{Tuple(tx, ty), "<x, y>"},
		{Tuple(tx, ty, tz), "<x, y, z>"},
		{Tuple(Tuple(tx, ty), tz), "<<x, y>, z>"},
		{Tuple(tx, Tuple(ty, tz), tz), "<x, <y, z>, z>"},
		{NewApp(FunPair, tx, NewApp(FunPair, Tuple(tx, ty), tz)), "<x, <x, y>, z>"},
		{NewApp("h", Tuple(tx, ty)), "h(<x, y>)"},
		// ^ is left-associative and binds tighter than *.
		{exp(tg, tx), "'g'^x"},
		{exp(exp(tg, tx), ty), "'g'^x^y"},
		{exp(tg, exp(tx, ty)), "'g'^(x^y)"},
		{exp(tg, mult(tx, ty)), "'g'^(x*y)"},
		{exp(mult(tx, ty), tz), "(x*y)^z"},
		{mult(exp(tg, tx), ty), "'g'^x*y"},
		{mult(mult(tx, ty), tz), "x*y*z"},
		{mult(tx, mult(ty, tz)), "x*(y*z)"},
		{mult(NewApp(FunInv, tx), ty), "inv(x)*y"},
		{NewApp(FunXor, NewApp(FunXor, tx, ty), mult(tx, tz)), "x XOR y XOR x*z"},
		{mult(NewApp(FunXor, tx, ty), tz), "(x XOR y)*z"},
		{NewApp(FunUnion, NewApp(FunXor, tx, ty), tz), "x XOR y ++ z"},
		{NewApp(FunXor, NewApp(FunUnion, tx, ty), tz), "(x ++ y) XOR z"},
		{NewApp(FunNatPl, tx, NewApp(FunNatOn)), "x %+ %1"},
		{Tuple(exp(tg, tx), mult(tx, ty)), "<'g'^x, x*y>"},
		{NewApp("f", mult(tx, ty)), "f(x*y)"},
	}
	for _, tc := range tests {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

// TestTermStringParses checks that printed terms parse back to the same
// term, through a rule conclusion.
func TestTermStringParses(t *testing.T) {
	for _, src := range []string{
		"'g'^x^y", "'g'^(x^y)", "(x*y)^z", "'g'^x*y", "x*(y*z)", "x XOR y XOR x*z", "(x XOR y)*z",
		"x XOR y ++ z", "(x ++ y) XOR z", "<<x, y>, z>", "<x, <x, y>, z>", "x %+ %1 %+ y",
	} {
		th := loadString(t, "theory T begin\nbuiltins: diffie-hellman, xor, multiset, natural-numbers\nrule R: [ In(<x, y, z>) ] --> [ A("+src+") ]\nend")
		term := th.Rules[0].Conclusions[0].Args[0]
		if got := term.String(); got != src {
			t.Errorf("%s parses and prints as %s", src, got)
		}
	}
}

func TestVarString(t *testing.T) {
	for v, want := range map[Var]string{
		{Name: "x"}:                             "x",
		{Name: "x", Idx: 3, Sort: SortFresh}:    "~x.3",
		{Name: "A", Sort: SortPub}:              "$A",
		{Name: "i", Idx: 1, Sort: SortTemporal}: "#i.1",
	} {
		if got := v.String(); got != want {
			t.Errorf("%#v prints as %q, want %q", v, got, want)
		}
	}
}
