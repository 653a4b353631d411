package rules

import (
	"reflect"
	"strings"
	"testing"
)

// Tests of the parsed model itself, beyond its printed form.

func TestSignature(t *testing.T) {
	th := loadFile(t, "testdata/print/signature.spthy", Options{})
	for _, tc := range []struct {
		name                string
		arity               int
		private, destructor bool
		builtin             string
	}{
		{"secret", 0, true, false, ""},
		{"get", 1, false, true, ""},
		{"wrap", 2, true, true, ""},
		{"mac", 2, false, false, ""},
		{"h", 1, false, false, "hashing"},
		{"sdec", 2, false, false, "symmetric-encryption"},
		{"verify", 3, false, false, "signing"},
		{"exp", 2, false, false, "diffie-hellman"},
		{"pair", 2, false, false, "pairing"},
	} {
		f := th.Func(tc.name)
		if f == nil {
			t.Errorf("function %s missing", tc.name)
			continue
		}
		if f.Arity != tc.arity || f.Private != tc.private || f.Destructor != tc.destructor || f.Builtin != tc.builtin {
			t.Errorf("function %s = %+v", tc.name, *f)
		}
	}
	if th.Func("nope") != nil {
		t.Error("Func invents symbols")
	}
	if want := []string{"hashing", "symmetric-encryption", "signing", "diffie-hellman"}; !reflect.DeepEqual(th.Builtins, want) {
		t.Errorf("builtins %v, want %v", th.Builtins, want)
	}
	var user []string
	for _, e := range th.Equations {
		if e.Builtin == "" {
			user = append(user, e.String()+map[bool]string{true: " [convergent]"}[e.Convergent])
		}
	}
	if want := []string{"unbox(box(m, k), k) = m", "get(<x, y>) = y", "open(wrap(m, k)) = m [convergent]"}; !reflect.DeepEqual(user, want) {
		t.Errorf("user equations %q, want %q", user, want)
	}
	red := th.ReducibleSymbols()
	for _, f := range []string{"fst", "snd", "sdec", "verify", "unbox", "get", "open"} {
		if !red[f] {
			t.Errorf("%s is not reducible", f)
		}
	}
	if red["senc"] || red["h"] {
		t.Errorf("constructors counted as reducible: %v", red)
	}
}

func TestFactsAndEmbeddedRestrictions(t *testing.T) {
	th := loadFile(t, "testdata/print/facts.spthy", Options{})
	step := th.Rule("Step")
	if step == nil {
		t.Fatal("rule Step missing")
	}
	if a := step.Premises[0].Annotations; !reflect.DeepEqual(a, []string{"+"}) {
		t.Errorf("State premise annotations %v", a)
	}
	if a := step.Premises[2].Annotations; !reflect.DeepEqual(a, []string{"no_precomp"}) {
		t.Errorf("In premise annotations %v", a)
	}
	if a := step.Conclusions[0].Annotations; !reflect.DeepEqual(a, []string{"-"}) {
		t.Errorf("State conclusion annotations %v", a)
	}
	if !step.Premises[1].Persistent || step.Premises[0].Persistent {
		t.Errorf("persistence of premises wrong")
	}
	if want := []string{"color=#ffcc00"}; !reflect.DeepEqual(th.Rule("Setup").Attrs, want) {
		t.Errorf("Setup attributes %v, want %v", th.Rule("Setup").Attrs, want)
	}

	got := map[string]string{}
	for _, r := range th.Restrictions {
		got[r.Name] = r.FromRule + " | " + r.Action + " | " + FormulaString(r.Formula)
	}
	want := map[string]string{
		"restr_Step":      "Step | Restr_Step | All n #NOW. Restr_Step(n) @ #NOW ==> not(n = '3')",
		"restr_Guarded":   "Guarded | Restr_Guarded | All x #NOW. Restr_Guarded(x) @ #NOW ==> (All #j. Guard(x) @ #j ==> #j = #NOW)",
		"restr_Guarded_2": "Guarded | Restr_Guarded_2 | All k #NOW. Restr_Guarded_2(k) @ #NOW ==> (Ex #j. Setup(k) @ #j & #j < #NOW)",
		"once":            " |  | All x #i #j. OnlyOnce(x) @ #i & OnlyOnce(x) @ #j ==> #i = #j",
		"no_loops":        " |  | not(Ex k #i #j. Setup(k) @ #i & Setup(k) @ #j & not(#i = #j))",
	}
	if !reflect.DeepEqual(got, want) {
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("restriction %s:\n got %q\nwant %q", k, got[k], want[k])
			}
		}
		t.Errorf("restrictions %v", got)
	}
	var acts []string
	for _, f := range th.Rule("Guarded").Actions {
		acts = append(acts, f.String())
	}
	if want := "Guard(x) Restr_Guarded(x) Restr_Guarded_2(k)"; strings.Join(acts, " ") != want {
		t.Errorf("Guarded actions %q, want %q", strings.Join(acts, " "), want)
	}
}

func TestLemmasAndPredicates(t *testing.T) {
	th := loadFile(t, "testdata/print/lemmas.spthy", Options{})
	if n := len(th.Lemmas); n != 4 {
		t.Fatalf("%d lemmas, want 4", n)
	}
	sec := th.Lemma("secrecy")
	if !sec.Proof || !reflect.DeepEqual(sec.Attrs, []string{"reuse"}) || sec.Quantifier != AllTraces {
		t.Errorf("secrecy: proof %v attrs %v quantifier %v", sec.Proof, sec.Attrs, sec.Quantifier)
	}
	if th.Lemma("nested").Proof {
		t.Errorf("nested has no proof script")
	}
	imp := th.Lemma("implies_right")
	if !imp.HasAttr("hide_lemma") || !imp.HasAttr("heuristic") || imp.HasAttr("reuse") {
		t.Errorf("implies_right attributes %v", imp.Attrs)
	}
	// ==> is right-associative.
	if got := FormulaString(imp.Formula); got != "All #i #j. Start('a') @ #i ==> Start('b') @ #j ==> F" {
		t.Errorf("implies_right = %s", got)
	}
	c := imp.Formula.(*Quant).Body.(*Conn)
	if c.Op != Imp || c.R.(*Conn).Op != Imp {
		t.Errorf("==> does not associate to the right")
	}
	// Predicates are inlined; Earlier(i, j) becomes #i < #j.
	ex := th.Lemma("executable")
	if ex.Quantifier != ExistsTrace || !strings.Contains(FormulaString(ex.Formula), "& #i < #j &") {
		t.Errorf("executable = %s", FormulaString(ex.Formula))
	}
	var less *Atom
	WalkFormula(ex.Formula, func(f Formula) {
		if a, ok := f.(*Atom); ok && a.Kind == AtomLess {
			less = a
		}
	})
	if less == nil || less.L.Var.Sort != SortTemporal || less.R.Var.Sort != SortTemporal {
		t.Errorf("inlined predicate does not compare time points: %v", less)
	}
	for _, l := range th.Lemmas {
		if fv := FreeVars(l.Formula); len(fv) != 0 {
			t.Errorf("lemma %s has free variables %v", l.Name, fv)
		}
	}
	var kinds []string
	for _, it := range th.Items {
		if c, ok := it.(*FormalComment); ok {
			kinds = append(kinds, c.Kind)
			if !strings.Contains(c.Body, "nested quantifiers") {
				t.Errorf("formal comment body %q", c.Body)
			}
		}
	}
	if !reflect.DeepEqual(kinds, []string{"text"}) {
		t.Errorf("formal comments %v", kinds)
	}
}

func TestBangOutIsOut(t *testing.T) {
	th, diags := Parse("t.spthy", []byte("theory T begin\nrule R: [ !In(x) ] --> [ !Out(x) ]\nend"), Options{ReadFile: noFiles})
	if diags.HasErrors() || diags.Count(SevWarning) != 2 {
		t.Fatalf("want two warnings and no error:\n%s", diagString(diags))
	}
	r := th.Rule("R")
	if r.Premises[0].Persistent || r.Conclusions[0].Persistent {
		t.Errorf("!In/!Out kept persistent: %v --> %v", r.Premises[0], r.Conclusions[0])
	}
}

func TestFormulaPrecedence(t *testing.T) {
	th := loadString(t, `theory T begin
rule R: [ In(x) ] --[ A(x), B(x) ]-> [ ]
lemma a: "All x #i. A(x) @ #i & B(x) @ #i | not A(x) @ #i ==> T <=> F"
lemma b: "All x #i. (A(x) @ #i ==> B(x) @ #i) ==> T"
lemma c: "All x #i. A(x) @ #i & (B(x) @ #i | T)"
lemma d: "not (All x #i. A(x) @ #i) | (Ex y. y = 'c' & (All #j. B(y) @ #j))"
lemma e: "All x #i. A(x) @ #i ==> (x << <x, 'c'> | x = 'c')"
end`)
	for name, want := range map[string]string{
		"a": "All x #i. A(x) @ #i & B(x) @ #i | not(A(x) @ #i) ==> T <=> F",
		"b": "All x #i. (A(x) @ #i ==> B(x) @ #i) ==> T",
		"c": "All x #i. A(x) @ #i & (B(x) @ #i | T)",
		"d": "not(All x #i. A(x) @ #i) | (Ex y. y = 'c' & (All #j. B(y) @ #j))",
		"e": "All x #i. A(x) @ #i ==> x << <x, 'c'> | x = 'c'",
	} {
		if got := FormulaString(th.Lemma(name).Formula); got != want {
			t.Errorf("lemma %s = %s, want %s", name, got, want)
		}
	}
	// <=> is loosest: lemma a is ((A & B) | not A) ==> T, then <=> F.
	q := th.Lemma("a").Formula.(*Quant)
	if iff, ok := q.Body.(*Conn); !ok || iff.Op != Iff || iff.L.(*Conn).Op != Imp || iff.L.(*Conn).L.(*Conn).Op != Or {
		t.Errorf("lemma a parsed with the wrong precedence")
	}
}

// TestEmbeddedRestrictionNames: the names made for _restrict stay unique
// when rule names collide with the generated suffixes or repeat, and the
// printer gives every rule back its own _restrict formulas.
func TestEmbeddedRestrictionNames(t *testing.T) {
	src := `theory T begin
rule Step: [ In(x), In(y) ] --[ _restrict(x = 'a'), _restrict(y = 'b') ]-> [ ]
rule Step_2: [ In(z) ] --[ _restrict(not(z = 'b')) ]-> [ ]
rule Dup: [ In(u) ] --[ _restrict(u = 'c') ]-> [ ]
rule Dup: [ In(v) ] --[ _restrict(not(v = 'c')) ]-> [ ]
rule Other: [ In(w) ] --[ Restr_Step(w) ]-> [ ]
end`
	th, diags := Parse("t.spthy", []byte(src), Options{ReadFile: noFiles})
	if diags.HasErrors() {
		t.Fatal(diagString(diags))
	}
	var got []string
	for _, r := range th.Restrictions {
		got = append(got, r.Name+" "+r.Action+" "+r.FromRule+": "+FormulaString(restrictBody(r)))
	}
	want := []string{
		"restr_Step Restr_Step Step: x = 'a'",
		"restr_Step_2 Restr_Step_2 Step: y = 'b'",
		"restr_Step_2_2 Restr_Step_2_2 Step_2: not(z = 'b')",
		"restr_Dup Restr_Dup Dup: u = 'c'",
		"restr_Dup_2 Restr_Dup_2 Dup: not(v = 'c')",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("restrictions\n got %q\nwant %q", got, want)
	}
	out := printTheory(t, th)
	for _, s := range []string{
		"--[ _restrict(x = 'a'), _restrict(y = 'b') ]->",
		"--[ _restrict(not(z = 'b')) ]->",
		"--[ _restrict(u = 'c') ]->",
		"--[ _restrict(not(v = 'c')) ]->",
		"--[ Restr_Step(w) ]->", // a user's action is not an embedded restriction
	} {
		if !strings.Contains(out, s) {
			t.Errorf("printed model lacks %s:\n%s", s, out)
		}
	}
	roundTrip(t, "printed", out)
}

// A rule keeps its let bindings, each with the ones before it applied,
// so that traces can call a message by the model's name for it.
func TestRuleLets(t *testing.T) {
	th := loadFile(t, "testdata/print/macros.spthy", Options{})
	got := func(rule string) []string {
		var out []string
		for _, l := range th.Rule(rule).Lets {
			out = append(out, l.Var.String()+" = "+l.Term.String())
		}
		return out
	}
	if want := []string{"k = h(~n)", "m1 = aenc(<'m1', h(~n)>, pkB)", "tag = <h(~n), aenc(<'m1', h(~n)>, pkB), $S>"}; !reflect.DeepEqual(got("Let_chain"), want) {
		t.Errorf("Let_chain lets %q, want %q", got("Let_chain"), want)
	}
	if want := []string{"x = y", "y = <z, y>"}; !reflect.DeepEqual(got("Manual_let"), want) {
		t.Errorf("Manual_let lets %q, want %q", got("Manual_let"), want)
	}
	// the let-bound term is what the facts hold
	r := th.Rule("Let_chain")
	if !r.Conclusions[0].Args[0].Equal(r.Lets[1].Term) {
		t.Errorf("Out(%s) is not m1 = %s", r.Conclusions[0].Args[0], r.Lets[1].Term)
	}
	if th.Rule("Register").Lets != nil {
		t.Error("a rule without let has lets")
	}
}
