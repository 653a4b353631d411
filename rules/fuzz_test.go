package rules

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that every diagnostic it
// reports has a position, and that a model that parses without errors
// prints to text that parses without errors and prints the same again.
//
// Seeds: the examples, the test models, and the files under
// testdata/fuzz/FuzzParse (regressions). Run it with
//
//	go test ./rules -run '^$' -fuzz FuzzParse -fuzztime 3m
func FuzzParse(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"../examples/*.spthy", "testdata/*/*.spthy", "testdata/errors/include/*.splib"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, m...)
	}
	if len(seeds) < 10 {
		f.Fatalf("found only %d seed files", len(seeds))
	}
	for _, s := range seeds {
		src, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	// Small inputs around constructs that are easy to get wrong.
	for _, s := range []string{
		"theory T begin\n#ifdef (A &\n B) | not C\nrule R: [ ] --> [ ]\n#endif\nend",
		"theory T begin\n#include \"x.splib\"\nend",
		"theory T begin\nbuiltins: diffie-hellman, xor, multiset, natural-numbers\nrule R: [ In(a) ] --> [ Out(a^b*c XOR d ++ e %+ %1) ]\nend",
		"theory T begin\nmacros: m() = 'c', n(x) = <x, m>\nrule R: let a = n(b) in [ In(b) ] --> [ Out(a) ]\nend",
		"theory T begin\npredicates: P(x, #i) <=> Ex #j. A(x) @ #j & #j < #i\nlemma l: \"All x #i. A(x) @ #i ==> P(x, i)\"\nend",
		"theory T begin\nrule R: [ In(x) ] --[ _restrict(All #k. A(x) @ #k ==> #k = #NOW) ]-> [ ]\nend",
		"theory T begin\nlemma l: \"T\"\nsimplify\nsolve( A( x ) @ #i )\n  case R\n  by contradiction\nqed\nend",
		"theory T begin\ntext{* a *} section{* b *}\nrule R [color=#fff, no_derivcheck]: [ ] --> [ ]\nend",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		th, diags := Parse("fuzz.spthy", src, Options{ReadFile: noFiles})
		if th == nil {
			t.Fatal("Parse returned a nil theory")
		}
		for _, d := range diags {
			if !d.Pos.IsValid() {
				t.Fatalf("diagnostic without a position: %s", d.Error())
			}
		}
		if diags.HasErrors() {
			return
		}
		var buf bytes.Buffer
		if err := th.Print(&buf); err != nil {
			t.Fatal(err)
		}
		printed := buf.String()
		th2, diags2 := Parse("printed.spthy", []byte(printed), Options{ReadFile: noFiles})
		if diags2.HasErrors() {
			t.Fatalf("the printed model does not parse:\n%s\nprinted:\n%s", diagString(diags2), printed)
		}
		buf.Reset()
		if err := th2.Print(&buf); err != nil {
			t.Fatal(err)
		}
		if again := buf.String(); again != printed {
			t.Fatalf("print/parse/print is not stable, first difference at %s\nfirst print:\n%s\nsecond print:\n%s", firstDiff(again, printed), printed, again)
		}
	})
}
