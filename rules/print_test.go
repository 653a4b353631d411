package rules

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// printTheory prints th and fails the test on a write error.
func printTheory(t testing.TB, th *Theory) string {
	t.Helper()
	var buf bytes.Buffer
	if err := th.Print(&buf); err != nil {
		t.Fatalf("Print: %v", err)
	}
	return buf.String()
}

// diagString prints diagnostics for test logs.
func diagString(diags Diagnostics) string {
	var buf bytes.Buffer
	diags.Print(&buf)
	return buf.String()
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			return fmt.Sprintf("line %d:\n  got:  %q\n  want: %q", i+1, gl, wl)
		}
	}
	return "texts are equal"
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./rules -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update to accept), first difference at %s\nfull output:\n%s",
			golden, firstDiff(string(got), string(want)), got)
	}
}

// roundTrip parses printed text again and checks that printing the result
// gives the same text.
func roundTrip(t testing.TB, name, printed string) {
	t.Helper()
	if err := roundTripErr(name, printed); err != nil {
		t.Fatal(err)
	}
}

// roundTripErr is roundTrip without a testing.TB, for use in goroutines.
func roundTripErr(name, printed string) error {
	th, diags := Parse(name, []byte(printed), Options{ReadFile: noFiles})
	if diags.HasErrors() {
		return fmt.Errorf("reparsing the printed %s failed:\n%s\nprinted text:\n%s", name, diagString(diags.Errors()), printed)
	}
	var buf bytes.Buffer
	if err := th.Print(&buf); err != nil {
		return err
	}
	if again := buf.String(); again != printed {
		return fmt.Errorf("print/parse/print of %s is not stable, first difference at %s", name, firstDiff(again, printed))
	}
	return nil
}

// noFiles is a ReadFile that never touches the disk.
func noFiles(path string) ([]byte, error) {
	return nil, fmt.Errorf("open %s: no file system in this test", path)
}

func TestPrintGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/print/*.spthy")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("found %d models under testdata/print, want at least 4", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".spthy")
		t.Run(name, func(t *testing.T) {
			th, diags := Load(file, Options{})
			if diags.HasErrors() {
				t.Fatalf("%s does not load:\n%s", file, diagString(diags))
			}
			got := printTheory(t, th)
			checkGolden(t, strings.TrimSuffix(file, ".spthy")+".golden", []byte(got))
			roundTrip(t, file, got)
		})
	}
}

// loadString parses src, failing the test on errors.
func loadString(t testing.TB, src string) *Theory {
	t.Helper()
	th, diags := Parse("test.spthy", []byte(src), Options{ReadFile: noFiles})
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diagString(diags))
	}
	return th
}

// TestPrintDetails checks individual expansions through the printed
// form of single rules, so that a wrong golden file cannot hide them.
func TestPrintDetails(t *testing.T) {
	const header = "theory T begin\nbuiltins: hashing, symmetric-encryption, diffie-hellman\nfunctions: f/3, c/0, g/1\nmacros: m0() = 'zero', m1(x) = h(x), m2(x, y) = m1(<x, y>)\n"
	tests := []struct {
		name string
		rule string // one rule, without the header
		want string // expected conclusions line, as printed
	}{
		{"manual let", "rule R: let x = y\n y = <z,x> in [] --> [ A(y) ]", "[ A(<z, y>) ]"},
		{"let uses earlier binding", "rule R: let a = h(~n)\n b = <a, a> in [ Fr(~n) ] --> [ A(b) ]", "[ A(<h(~n), h(~n)>) ]"},
		{"n-ary tuple", "rule R: [ In(<a, b, c, d>) ] --> [ A(<a, b, c, d>) ]", "[ A(<a, b, c, d>) ]"},
		{"left-nested tuple", "rule R: [ In(<<a, b>, c>) ] --> [ A(<<a, b>, c>) ]", "[ A(<<a, b>, c>) ]"},
		{"explicit right nesting", "rule R: [ In(<a, <b, c>>) ] --> [ A(<a, <b, c>>) ]", "[ A(<a, b, c>) ]"},
		{"unary on several args", "rule R: [ In(a), In(b) ] --> [ A(h(a, b)) ]", "[ A(h(<a, b>)) ]"},
		{"user unary on several args", "rule R: [ In(a), In(b) ] --> [ A(g(a, b, 'c')) ]", "[ A(g(<a, b, 'c'>)) ]"},
		{"brace sugar", "rule R: [ In(k) ] --> [ A(senc{'a', 'b'}k) ]", "[ A(senc(<'a', 'b'>, k)) ]"},
		{"brace sugar one element", "rule R: [ In(k) ] --> [ A(senc{'a'}h(k)) ]", "[ A(senc('a', h(k))) ]"},
		{"nested macro", "rule R: [ In(a), In(b) ] --> [ A(m2(a, b)) ]", "[ A(h(<a, b>)) ]"},
		{"zero-arg macro with parens", "rule R: [ ] --> [ A(m0()) ]", "[ A('zero') ]"},
		{"zero-arg macro without parens", "rule R: [ ] --> [ A(m0) ]", "[ A('zero') ]"},
		{"nullary function", "rule R: [ ] --> [ A(c, c()) ]", "[ A(c, c) ]"},
		{"exp left assoc", "rule R: [ In(x) ] --> [ A('g'^x^'y') ]", "[ A('g'^x^'y') ]"},
		{"exp right operand", "rule R: [ In(x) ] --> [ A('g'^(x^'y')) ]", "[ A('g'^(x^'y')) ]"},
		{"mult in exp", "rule R: [ In(x) ] --> [ A('g'^(x*'y'*inv(x))) ]", "[ A('g'^(x*'y'*inv(x))) ]"},
		{"persistent and annotations", "rule R: [ !P(x)[+], Q(x)[-, no_precomp] ] --> [ !P(x) ]", "[ !P(x) ]"},
		{"variable indices and sorts", "rule R: [ In(x.1), Fr(~n.2) ] --> [ A(x.1, ~n.2, $p.3, ~'c') ]", "[ A(x.1, ~n.2, $p.3, ~'c') ]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th := loadString(t, header+tc.rule+"\nend\n")
			if len(th.Rules) != 1 {
				t.Fatalf("got %d rules, want 1", len(th.Rules))
			}
			out := printTheory(t, th)
			lines := strings.Split(out, "\n")
			found := false
			for i, l := range lines {
				if strings.HasPrefix(l, "rule R:") && i+3 < len(lines) {
					found = true
					if got := strings.TrimSpace(lines[i+3]); got != tc.want {
						t.Errorf("conclusions printed as %q, want %q\nfull output:\n%s", got, tc.want, out)
					}
				}
			}
			if !found {
				t.Fatalf("rule R not found in output:\n%s", out)
			}
			roundTrip(t, "printed", out)
		})
	}
}

// TestProofScriptSkipped checks that a proof script after a lemma is
// skipped and recorded, and that the next lemma is parsed normally.
func TestProofScriptSkipped(t *testing.T) {
	th := loadString(t, `theory P begin
rule R: [ Fr(~n) ] --[ A(~n) ]-> [ ]
lemma one:
  "All n #i. A(n) @ #i ==> T"
simplify
solve( A( n ) @ #i )
  case R
  by contradiction /* cyclic */
next
  case other
  solve( !KU( ~n ) @ #vk.1 )
    case fresh
    SOLVED // trace found
  qed
qed
lemma two: exists-trace "Ex n #i. A(n) @ #i"
by sorry
lemma three: "All n #i. A(n) @ #i ==> T"
end`)
	if len(th.Lemmas) != 3 {
		t.Fatalf("got %d lemmas, want 3", len(th.Lemmas))
	}
	wantProof := []bool{true, true, false}
	for i, l := range th.Lemmas {
		if l.Proof != wantProof[i] {
			t.Errorf("lemma %s: Proof = %v, want %v", l.Name, l.Proof, wantProof[i])
		}
	}
	if q := th.Lemma("two").Quantifier; q != ExistsTrace {
		t.Errorf("lemma two has quantifier %v, want exists-trace", q)
	}
}
