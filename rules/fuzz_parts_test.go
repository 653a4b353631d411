package rules

import (
	"fmt"
	"testing"
)

// Fuzz targets for the parts of the front end, each with its own
// invariants (FuzzParse in fuzz_test.go covers whole models and
// parse → print → parse). `make fuzz` runs each for a bounded number of
// inputs; a crasher goes under testdata/fuzz/TARGET/crash-WHAT and is
// then run by every `go test` as a regression test.

// preprocessFiles are the files an #include may reach in FuzzPreprocess:
// a plain one, one that includes itself (a cycle) and one that includes
// the fuzzed input (so that the input is also read as an included file).
var preprocessFiles = map[string]string{
	"a.splib":     "#ifdef A\nrule X: [ ] --> [ ]\n#else\nrule Y: [ ] --> [ ]\n#endif\n",
	"self.splib":  "#include \"self.splib\"\n",
	"outer.splib": "#include \"input.spthy\"\n",
}

func runPreprocessor(src []byte) (*preprocessor, *reporter) {
	fset := NewFileSet()
	rep := &reporter{fset: fset}
	read := func(path string) ([]byte, error) {
		if path == "input.spthy" {
			return src, nil
		}
		if s, ok := preprocessFiles[path]; ok {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("open %s: no such file", path)
	}
	pp := &preprocessor{fset: fset, rep: rep, read: read, defines: map[string]bool{"A": true}, flags: map[string]bool{}}
	pp.file("input.spthy", src, NoPos)
	return pp, rep
}

// FuzzPreprocess: the preprocessor never panics, consumes every
// directive, gives every diagnostic and every token a position in a file
// it read, and is deterministic.
func FuzzPreprocess(f *testing.F) {
	for _, s := range []string{
		"theory T begin\n#ifdef A & (B | not C)\nrule R: [ ] --> [ ]\n#else\n#endif\nend",
		"#include \"a.splib\"\n#include \"self.splib\"\n#include \"outer.splib\"\n",
		"#define B\n#ifdef B\n#undef B\n#endif\n#ifndef B\nx\n#endif\n",
		"#ifdef (A &\n B)\n#endif\n#else\n#endif\n#ifdef\n",
		"#include\n#include \"\n#include \"missing.splib\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		pp, rep := runPreprocessor(src)
		for _, d := range rep.diags {
			if !d.Pos.IsValid() {
				t.Fatalf("diagnostic without a position: %s", d.Error())
			}
		}
		for _, tok := range pp.out {
			if tok.kind == tDirective {
				t.Fatalf("directive #%s left in the output", tok.text)
			}
			if tok.kind == tEOF {
				t.Fatal("end of file inside the output")
			}
			if pp.fset.File(tok.pos) == nil {
				t.Fatalf("token %s has no file", tok)
			}
		}
		again, rep2 := runPreprocessor(src)
		if len(again.out) != len(pp.out) || len(rep2.diags) != len(rep.diags) {
			t.Fatalf("not deterministic: %d then %d tokens, %d then %d diagnostics", len(pp.out), len(again.out), len(rep.diags), len(rep2.diags))
		}
	})
}

// signature is the theory whose symbols the term and formula fuzz
// targets may use.
const signature = `theory Sig begin
builtins: hashing, symmetric-encryption, asymmetric-encryption, signing, revealing-signing
functions: f/2, g/1, c/0, p/1 [private]
macros: m(x) = <x, 'm'>
predicates: Known(x) <=> Ex #i. K(x) @ #i
rule R: [ Fr(~k) ] --[ A(~k), B(~k, 'c') ]-> [ Out(~k) ]
end`

// fragmentParser returns a parser over src with signature's symbols,
// macros and predicates declared.
func fragmentParser(t *testing.T, src []byte) *parser {
	fset := NewFileSet()
	rep := &reporter{fset: fset}
	pp := &preprocessor{fset: fset, rep: rep, read: noFiles, defines: map[string]bool{}, flags: map[string]bool{}}
	pp.file("sig.spthy", []byte(signature), NoPos)
	pp.out = append(pp.out, token{kind: tEOF, pos: endPos(fset)})
	p := &parser{fset: fset, rep: rep, toks: pp.out, th: &Theory{Files: fset},
		funcs: map[string]*FuncSym{}, macros: map[string]*macro{}, preds: map[string]*predicate{}, builtins: map[string]bool{}}
	for _, f := range pairingFuncs {
		f := f
		f.Builtin = "pairing"
		p.declare(&f)
	}
	p.parseTheory()
	if len(rep.diags) > 0 {
		t.Fatalf("the signature has diagnostics: %v", rep.diags)
	}
	file := fset.AddFile("fragment", src, NoPos)
	p.toks = newLexer(file, rep).lexAll()
	p.i = 0
	return p
}

// parseFragment runs parse on src; it returns the result and the
// diagnostics, or ok=false when parse did not consume the whole input.
func parseFragment[T any](t *testing.T, src []byte, parse func(p *parser) T) (res T, diags Diagnostics) {
	p := fragmentParser(t, src)
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(bailout); !ok {
					panic(r)
				}
			}
		}()
		res = parse(p)
		if p.peek().kind != tEOF {
			p.unexpected("end of input")
		}
	}()
	return res, p.rep.diags
}

func checkPositions(t *testing.T, diags Diagnostics) {
	t.Helper()
	for _, d := range diags {
		if !d.Pos.IsValid() {
			t.Fatalf("diagnostic without a position: %s", d.Error())
		}
	}
}

// FuzzTerm: the term parser (in a rule, where macros expand) never
// panics, and a term it accepts prints as text that parses to an equal
// term and prints the same again.
func FuzzTerm(f *testing.F) {
	for _, s := range []string{
		"<x, ~k, $A, 'c', h(x)>", "senc(<m(x), g(y)>, ~k)", "sign(f(x, c), sk)", "c()", "<<a, b>, <c, d>>",
		"h(h(h(h(x))))", "aenc(x, pk(~k))", "'a b'", "$A.1", "x.12", "f(x)", "p(x)",
	} {
		f.Add([]byte(s))
	}
	term := func(p *parser) *Term { p.inRule = true; return p.term(ctxRule) }
	f.Fuzz(func(t *testing.T, src []byte) {
		tm, diags := parseFragment(t, src, term)
		checkPositions(t, diags)
		if diags.HasErrors() || tm == nil {
			return
		}
		printed := tm.String()
		tm2, diags2 := parseFragment(t, []byte(printed), term)
		if diags2.HasErrors() {
			t.Fatalf("%q printed as %q, which does not parse: %v", src, printed, diags2)
		}
		if !tm2.Equal(tm) {
			t.Fatalf("%q printed as %q, which parses to %s", src, printed, tm2)
		}
		if again := tm2.String(); again != printed {
			t.Fatalf("print/parse/print is not stable: %q then %q", printed, again)
		}
	})
}

// FuzzFormula: the formula parser and resolver (predicates expanded,
// variables bound, sorts inferred) never panic, and a formula they
// accept prints as text that parses and resolves to a formula that
// prints the same.
func FuzzFormula(f *testing.F) {
	for _, s := range []string{
		"All x #i. A(x) @ #i ==> Ex #j. B(x, 'c') @ j & #j < #i",
		"not(Ex x #i #j. A(x) @ i & A(x) @ j & not(#i = #j))",
		"All x. Known(x) ==> F", "Ex #i. last(#i) | T", "All x y #i. B(x, y) @ i ==> x = y | (x << y)",
		"∀ x #i. A(x) @ #i ⇒ ⊤", "(T) <=> (F)",
	} {
		f.Add([]byte(s))
	}
	formula := func(p *parser) Formula {
		g := p.formula()
		return p.resolveFormula(g, nil, "the formula")
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		g, diags := parseFragment(t, src, formula)
		checkPositions(t, diags)
		if diags.HasErrors() || g == nil {
			return
		}
		printed := FormulaString(g)
		g2, diags2 := parseFragment(t, []byte(printed), formula)
		if diags2.HasErrors() {
			t.Fatalf("%q printed as %q, which does not parse: %v", src, printed, diags2)
		}
		if again := FormulaString(g2); again != printed {
			t.Fatalf("print/parse/print is not stable: %q then %q", printed, again)
		}
	})
}
