package rules

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Error tests in the style of go/parser's: every model under
// testdata/errors carries comments
//
//	/* ERROR "regexp" */   or   /* WARNING "regexp" */
//
// on the line where a diagnostic of that severity is expected. Every
// error and warning reported on a line must match a marker of its
// severity on that line, and every marker must match a diagnostic.
// Markers may also sit in #included files. Notes are not checked.

var markerRE = regexp.MustCompile(`/\*\s*(ERROR|WARNING)\s+("(?:[^"\\]|\\.)*")\s*\*/`)

type marker struct {
	file    string
	line    int
	sev     Severity
	re      *regexp.Regexp
	src     string
	matched bool
}

// markers collects the markers of every file the model consists of.
func markers(t *testing.T, fset *FileSet) []*marker {
	t.Helper()
	var out []*marker
	for _, f := range fset.files {
		for i, line := range strings.Split(string(f.src), "\n") {
			for _, m := range markerRE.FindAllStringSubmatch(line, -1) {
				// The regexp is written as is between the quotes; only \"
				// stands for a quote.
				pat := strings.ReplaceAll(m[2][1:len(m[2])-1], `\"`, `"`)
				re, err := regexp.Compile(pat)
				if err != nil {
					t.Fatalf("%s:%d: bad marker regexp %q: %v", f.name, i+1, pat, err)
				}
				sev := SevError
				if m[1] == "WARNING" {
					sev = SevWarning
				}
				out = append(out, &marker{file: f.name, line: i + 1, sev: sev, re: re, src: pat})
			}
		}
	}
	return out
}

func TestErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.spthy")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 6 {
		t.Fatalf("found %d models under testdata/errors, want at least 6", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".spthy"), func(t *testing.T) {
			th, diags := Load(file, Options{})
			if th == nil {
				t.Fatalf("Load returned no theory:\n%s", diagString(diags))
			}
			ms := markers(t, th.Files)
			if len(ms) == 0 {
				t.Fatalf("%s has no ERROR or WARNING markers", file)
			}
			for _, d := range diags {
				if d.Severity == SevNote {
					continue
				}
				found := false
				for _, m := range ms {
					if m.file == d.Pos.Filename && m.line == d.Pos.Line && m.sev == d.Severity && m.re.MatchString(d.text()) {
						m.matched = true
						found = true
					}
				}
				if !found {
					t.Errorf("unexpected %s at %s: %s", d.Severity, d.Pos, d.text())
				}
			}
			for _, m := range ms {
				if !m.matched {
					t.Errorf("%s:%d: no %s matching %q was reported", m.file, m.line, strings.ToLower(m.sev.String()), m.src)
				}
			}
			if t.Failed() {
				t.Logf("all diagnostics:\n%s", diagString(diags))
			}
		})
	}
}

// TestErrorPositions pins exact line:column positions for a few
// diagnostics, which the marker test checks only by line.
func TestErrorPositions(t *testing.T) {
	tests := []struct {
		src  string
		want string // "line:col: message regexp"
	}{
		{"theory T begin\nrule R:\n  [ In(x) ] --> [ Out(hh(x)) ]\nend", `3:23: unknown function symbol hh/1`},
		{"theory T begin\nrule R: [ ] -> [ ]\nend", `2:13: unexpected "->", expected "-->" or "--\["`},
		{"theory T\nbegin\n  process:\n  0\nend", `3:3: not supported yet: SAPIC process models`},
		{"theory T begin\nbuiltins: hashing\nrule R: [ Fr(~a) ] --> [ Out(diff(~a, h(~a))) ]\nend", `3:30: not supported yet: diff terms`},
		{"theory T begin\n\ndiffLemma Obs:\n  rule-equivalence\n  case Rule_A\n  by sorry\nend", `3:1: not supported yet: observational equivalence \(diffLemma\)`},
		{"theory T begin\nrule R: [ ] --> [ ]\n  /* open", `3:3: comment not terminated`},
		{"theory T begin\ntext{* open", `2:1: formal comment text\{\* … not terminated by \*\}`},
		{"theory T begin\nlemma l: \"All x. x = y\"\nend", `2:22: free variable y in lemma l`},
		{"theory", `1:7: unexpected end of file, expected theory name`},
		{"rule R: [] --> []", `1:1: unexpected "rule", expected "theory"`},
	}
	for _, tc := range tests {
		_, diags := Parse("t.spthy", []byte(tc.src), Options{ReadFile: noFiles})
		errs := diags.Errors()
		if len(errs) == 0 {
			t.Errorf("%q: no error reported, want %s", tc.src, tc.want)
			continue
		}
		got := strconv.Itoa(errs[0].Pos.Line) + ":" + strconv.Itoa(errs[0].Pos.Column) + ": " + errs[0].Msg
		if !regexp.MustCompile(`^` + tc.want).MatchString(got) {
			t.Errorf("%q:\n first error %q\n want        %q\nall:\n%s", tc.src, got, tc.want, diagString(diags))
		}
		if errs[0].Pos.Filename != "t.spthy" {
			t.Errorf("%q: error in file %q, want t.spthy", tc.src, errs[0].Pos.Filename)
		}
	}
}

// TestUnsupportedOnly checks that an unsupported construct is reported
// once, without follow-up errors from the text it skips.
func TestUnsupportedOnly(t *testing.T) {
	srcs := map[string]string{
		"diffLemma with proof": "theory T begin\nrule A: [ Fr(~a) ] --> [ Out(~a) ]\ndiffLemma Obs:\nrule-equivalence\n  case Rule_A\n  backward-search\n    case LHS\n    step( simplify )\n    by ATTACK\n  qed\nlemma l: \"All #i. T\"\nend",
		"process":              "theory T begin\nprocess:\n  new k; out(k) | !(in(x); event A(x))\nlemma l: \"T\"\nend",
		"let process":          "theory T begin\nlet P = new k; out(k)\nprocess: P\nend",
	}
	for name, src := range srcs {
		th, diags := Parse("t.spthy", []byte(src), Options{ReadFile: noFiles})
		for _, d := range diags.Errors() {
			if !strings.HasPrefix(d.Msg, "not supported yet: ") {
				t.Errorf("%s: follow-up error %s", name, d.Error())
			}
		}
		if !diags.HasErrors() {
			t.Errorf("%s: no error reported", name)
		}
		if name != "let process" && len(th.Lemmas) != 1 {
			t.Errorf("%s: the lemma after the unsupported item was not parsed (%d lemmas)", name, len(th.Lemmas))
		}
	}
}

// TestIncludedFrom checks that an error in an included file names that
// file and line and the chain of #include directives that reached it.
func TestIncludedFrom(t *testing.T) {
	th, diags := Load("testdata/errors/include.spthy", Options{})
	if th == nil {
		t.Fatal("no theory")
	}
	errs := diags.Errors()
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1:\n%s", len(errs), diagString(diags))
	}
	d := errs[0]
	want := Position{Filename: filepath.Join("testdata", "errors", "include", "deeper", "inner.splib"), Line: 2, Column: 25}
	if d.Pos.Filename != want.Filename || d.Pos.Line != want.Line || d.Pos.Column != want.Column {
		t.Errorf("error at %s, want %s", d.Pos, want)
	}
	chain := []string{
		filepath.Join("testdata", "errors", "include", "outer.splib") + ":6:1",
		filepath.Join("testdata", "errors", "include.spthy") + ":6:1",
	}
	if len(d.Included) != len(chain) {
		t.Fatalf("include chain %v, want %v", d.Included, chain)
	}
	for i, p := range d.Included {
		if p.String() != chain[i] {
			t.Errorf("included from #%d: %s, want %s", i, p, chain[i])
		}
	}
	out := diagString(diags)
	for _, s := range []string{
		"inner.splib:2:25: error: unknown function symbol nope/1",
		"    included from " + chain[0] + "\n    included from " + chain[1] + "\n",
		"Out(nope /* ERROR",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("printed diagnostic lacks %q:\n%s", s, out)
		}
	}
	// The rules of all three files are there, in include order.
	var names []string
	for _, r := range th.Rules {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, " "); got != "Outer Inner Main" {
		t.Errorf("rules %q, want %q", got, "Outer Inner Main")
	}
}

// TestSeveralErrors checks that independent errors in one file are all
// reported, in source order.
func TestSeveralErrors(t *testing.T) {
	_, diags := Load("testdata/errors/syntax.spthy", Options{})
	errs := diags.Errors()
	if len(errs) != 4 {
		t.Fatalf("got %d errors, want 4:\n%s", len(errs), diagString(diags))
	}
	for i := 1; i < len(errs); i++ {
		if errs[i].Pos.Line <= errs[i-1].Pos.Line {
			t.Errorf("errors not sorted by line: %s before %s", errs[i-1].Pos, errs[i].Pos)
		}
	}
}
