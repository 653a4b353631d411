package rules

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// questionModel has persistent and linear facts, actions, a predicate
// and a destructor, for the formula and pattern tests.
const questionModel = `theory Q
begin
builtins: symmetric-encryption
predicates: Same(x, y) <=> x = y
rule Setup:
    [ Fr(~k) ] --[ Setup($A, ~k) ]-> [ !ServerPSK($A, ~k, 'res'), St($A, ~k), Out(senc(~k, ~k)) ]
rule Use:
    [ St(A, k), In(m) ] --[ Used(A, m) ]-> [ Done(A) ]
rule Dead:
    [ Never(x) ] --[ Dead(x) ]-> [ ]
end
`

func loadQuestionModel(t testing.TB) *Theory {
	t.Helper()
	th, diags := Parse("q.spthy", []byte(questionModel), Options{})
	if diags.HasErrors() {
		t.Fatalf("model: %s", diagString(diags))
	}
	return th
}

// questionCases are formulas (f) and patterns (p) with what the
// parser says about them; the diagnostics, printed, are in
// testdata/questions.golden. ok says whether the question parses.
var questionCases = []struct {
	kind, text string
	ok         bool
}{
	{"f", `Ex A k #i. Setup(A, k) @ #i`, true},
	{"f", `"All A m #i. Used(A, m) @ i ==> Ex k #j. Setup(A, k) @ j & j < i"`, true},
	{"f", `All A #i. Same(A, A) & Used(A, 'x') @ i ==> F`, true},
	{"f", `Ex A #i. Usd(A, 'x') @ #i`, true},
	{"f", `Ex A k #i. Setup(A, 'c') @ #i`, false},
	{"f", `All A #i. Setup(A, 'c') @ #i & A = 'b'`, false},
	{"f", `All A B #i. Setup(A, 'c') @ #i ==> Ex x #j. Used(B, 'm') @ #j`, false},
	{"f", `Ex x. x = 'a'`, true},
	{"f", `All x #i. Used(x, y) @ #i ==> T`, false},
	{"f", `Ex #i. Setup('a', ~k) @ #i &`, false},
	{"f", `Ex #i. Setup(sdec(x), 'k') @ #i`, false},
	{"f", ``, false},
	{"p", `!ServerPSK(S, k, 'res')`, true},
	{"p", `!ServerPSK(_, _, 'res')`, true},
	{"p", `Out(senc(k, _))`, true},
	{"p", `Used(A, <m, _>)`, true},
	{"p", `St(A, k)`, true},
	{"p", `ServerPSK(S, k, 'res')`, false},
	{"p", `!ServerPSK(S, k)`, false},
	{"p", `!ServerPks(S, k, 'res')`, false},
	{"p", `Dne(A)`, false},
	{"p", `Never(x)`, false},
	{"p", `In(m)`, false},
	{"p", `K(m)`, false},
	{"p", `Fr(~k)`, false},
	{"p", `St(A, #i)`, false},
	{"p", `St(A, k) extra`, false},
	{"p", `St(A, k`, false},
}

func TestQuestions(t *testing.T) {
	var out bytes.Buffer
	for i, c := range questionCases {
		th := loadQuestionModel(t)
		name := fmt.Sprintf("<%d>", i)
		var diags Diagnostics
		var parsed string
		switch c.kind {
		case "f":
			f, d := ParseFormula(th, name, c.text)
			diags = d
			if f != nil {
				parsed = FormulaString(f)
			}
		case "p":
			p, d := ParsePattern(th, name, c.text)
			diags = d
			if p != nil {
				parsed = fmt.Sprintf("%s (produced %v, recorded %v, wildcards %v)", p, p.Produced, p.Recorded, p.Wildcards)
			}
		}
		if ok := !diags.HasErrors() && parsed != ""; ok != c.ok {
			t.Errorf("%s %q: parses %v, want %v:\n%s", c.kind, c.text, ok, c.ok, diagString(diags))
		}
		fmt.Fprintf(&out, "== %s %s\n", c.kind, c.text)
		if parsed != "" {
			fmt.Fprintf(&out, "parsed: %s\n", parsed)
		}
		diags.Print(&out)
	}
	checkGolden(t, filepath.Join("testdata", "questions.golden"), out.Bytes())
}

// Every lemma and restriction of the corpus that Tamarin accepts is
// guarded by CheckGuarded's reading of Tamarin's rule.
func TestGuardedCorpus(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "corpus")
	if _, err := os.Stat(root); err != nil {
		t.Skip("../shared/corpus not present")
	}
	var files []string
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".spthy") {
			files = append(files, p)
		}
		return nil
	})
	checked := 0
	for _, path := range files {
		th, diags := Load(path, Options{})
		if th == nil || diags.HasErrors() {
			continue
		}
		for _, l := range th.Lemmas {
			if l.Accountability != nil || l.Generated != "" {
				continue
			}
			checked++
			if d := CheckGuarded(th, l.Formula, "lemma "+l.Name); d.HasErrors() {
				t.Errorf("%s: %s", path, diagString(d))
			}
		}
		for _, r := range th.Restrictions {
			checked++
			if d := CheckGuarded(th, r.Formula, "restriction "+r.Name); d.HasErrors() {
				t.Errorf("%s: %s", path, diagString(d))
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d formulas checked", checked)
	}
	t.Logf("%d lemmas and restrictions of %d files are guarded", checked, len(files))
}

// A formula that parses prints as text that parses to the same formula.
func FuzzParseFormula(f *testing.F) {
	for _, c := range questionCases {
		if c.kind == "f" {
			f.Add(c.text)
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		th := loadQuestionModel(t)
		g, diags := ParseFormula(th, "<fuzz>", text)
		if g == nil || diags.HasErrors() {
			return
		}
		s := FormulaString(g)
		h, diags := ParseFormula(th, "<again>", s)
		if h == nil || diags.HasErrors() {
			t.Fatalf("%q parses as %q, which does not parse: %s", text, s, diagString(diags))
		}
		if s2 := FormulaString(h); s2 != s {
			t.Fatalf("%q: printed %q, then %q", text, s, s2)
		}
	})
}

// A pattern that parses prints as text that parses to the same pattern.
func FuzzParsePattern(f *testing.F) {
	for _, c := range questionCases {
		if c.kind == "p" {
			f.Add(c.text)
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		th := loadQuestionModel(t)
		p, diags := ParsePattern(th, "<fuzz>", text)
		if p == nil || diags.HasErrors() {
			return
		}
		if !p.Produced && !p.Recorded && p.Fact.Name != FactOut {
			t.Fatalf("%q: accepted, but no rule produces or records it", text)
		}
		s := p.String()
		q, diags := ParsePattern(th, "<again>", s)
		if q == nil || diags.HasErrors() {
			t.Fatalf("%q prints as %q, which does not parse: %s", text, s, diagString(diags))
		}
		if q.Fact.Key() != p.Fact.Key() {
			t.Fatalf("%q: %v, then %v", text, p.Fact.Key(), q.Fact.Key())
		}
	})
}
