package rules

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestFileSetPosition(t *testing.T) {
	fset := NewFileSet()
	a := fset.AddFile("a.spthy", []byte("ab\ncd\n\nef"), NoPos)
	// b is included from a, at "cd" (offset 3).
	b := fset.AddFile("dir/b.splib", []byte("x\r\nyz\n"), a.Pos(3))
	if a.Base() != 1 || b.Base() != a.Base()+a.Size()+1 {
		t.Fatalf("bases %d, %d", a.Base(), b.Base())
	}
	tests := []struct {
		p    Pos
		want string
	}{
		{a.Pos(0), "a.spthy:1:1"},
		{a.Pos(1), "a.spthy:1:2"},
		{a.Pos(2), "a.spthy:1:3"}, // the newline
		{a.Pos(3), "a.spthy:2:1"},
		{a.Pos(6), "a.spthy:3:1"}, // an empty line
		{a.Pos(8), "a.spthy:4:2"},
		{a.Pos(9), "a.spthy:4:3"}, // end of file, no final newline
		{b.Pos(0), "dir/b.splib:1:1"},
		{b.Pos(3), "dir/b.splib:2:1"},
		{b.Pos(4), "dir/b.splib:2:2"},
		{b.Pos(6), "dir/b.splib:3:1"}, // end of file after a newline
		{NoPos, "-"},
		{Pos(b.Base() + b.Size() + 5), "-"}, // beyond every file
	}
	for _, tc := range tests {
		if got := fset.Position(tc.p).String(); got != tc.want {
			t.Errorf("Position(%d) = %s, want %s", tc.p, got, tc.want)
		}
	}
	if f := fset.File(b.Pos(1)); f != b {
		t.Errorf("File(b.Pos(1)) = %v", f)
	}
	if f := fset.File(a.Pos(9)); f != a {
		t.Errorf("the end-of-file position of a is not in a")
	}
	if p := fset.Position(b.Pos(4)); p.Offset != 4 || p.Line != 2 || p.Column != 2 {
		t.Errorf("Position fields %+v", p)
	}

	// Line texts, without \n or \r\n.
	for p, want := range map[Pos]string{a.Pos(4): "cd", a.Pos(6): "", a.Pos(9): "ef", b.Pos(1): "x", b.Pos(5): "yz", b.Pos(6): ""} {
		if got := fset.LineText(p); got != want {
			t.Errorf("LineText(%s) = %q, want %q", fset.Position(p), got, want)
		}
	}

	// The include chain of a position in b is the #include in a.
	if got := fset.IncludeChain(b.Pos(4)); !reflect.DeepEqual(got, []Position{{Filename: "a.spthy", Line: 2, Column: 1, Offset: 3}}) {
		t.Errorf("IncludeChain = %v", got)
	}
	if got := fset.IncludeChain(a.Pos(4)); len(got) != 0 {
		t.Errorf("IncludeChain of the main file = %v", got)
	}
}

// TestPositionsThroughIncludes checks positions in a model whose tokens
// come from two files.
func TestPositionsThroughIncludes(t *testing.T) {
	mfs := &memFS{files: map[string]string{
		"inc.splib": "\n\n  rule Inc: [ ] --> [ ]\n",
	}}
	th, diags := Parse("main.spthy", []byte("theory T begin\n#include \"inc.splib\"\nrule Main: [ ] --> [ ]\nend\n"), Options{ReadFile: mfs.ReadFile})
	if diags.HasErrors() {
		t.Fatal(diagString(diags))
	}
	if got := th.Position(th.Rule("Inc").Pos).String(); got != "inc.splib:3:3" {
		t.Errorf("rule Inc at %s", got)
	}
	if got := th.Position(th.Rule("Main").Pos).String(); got != "main.spthy:3:1" {
		t.Errorf("rule Main at %s", got)
	}
}

func TestDiagnosticsPrint(t *testing.T) {
	src := "theory T begin\nfunctions: f/2\nrule R:\n\t[ In(hh(x)) ] --> [ Out(f(x)) ]\nend\n"
	_, diags := Parse("m.spthy", []byte(src), Options{ReadFile: noFiles})
	if len(diags) != 2 {
		t.Fatalf("got %d diagnostics, want 2:\n%s", len(diags), diagString(diags))
	}
	got := diagString(diags)
	// The tab is shown as one space, so the caret stays under the column.
	want := `m.spthy:4:7: error: unknown function symbol hh/1
 4 |  [ In(hh(x)) ] --> [ Out(f(x)) ]
   |       ^
m.spthy:4:26: error: function f has arity 2, but is applied to 1 arguments
 4 |  [ In(hh(x)) ] --> [ Out(f(x)) ]
   |                          ^
    m.spthy:2:12: f/2 declared here
`
	if got != want {
		t.Errorf("Print gave\n%s\nwant\n%s\n%s", got, want, firstDiff(got, want))
	}
	if !diags.HasErrors() || diags.Count(SevError) != 2 || len(diags.Errors()) != 2 {
		t.Errorf("HasErrors/Count/Errors disagree")
	}
	if err := diags.Err(); err == nil || !strings.Contains(err.Error(), "m.spthy:4:7: error: unknown function symbol hh/1 (and 1 more)") {
		t.Errorf("Err() = %v", err)
	}
}

func TestDiagnosticPrintIncluded(t *testing.T) {
	d := &Diagnostic{
		Pos:      Position{Filename: "b.splib", Line: 12, Column: 3},
		Severity: SevWarning,
		Check:    "unbound-variables",
		Msg:      "something",
		Line:     "ab",
		Included: []Position{{Filename: "a.spthy", Line: 2, Column: 1}},
	}
	var buf bytes.Buffer
	d.Print(&buf)
	// The caret stops at the end of a line shorter than the column.
	want := "b.splib:12:3: warning: something [unbound-variables]\n    included from a.spthy:2:1\n 12 | ab\n    |   ^\n"
	if buf.String() != want {
		t.Errorf("got\n%q\nwant\n%q", buf.String(), want)
	}
	if d.Error() != "b.splib:12:3: warning: something [unbound-variables]" {
		t.Errorf("Error() = %q", d.Error())
	}
	var none Diagnostics
	if none.HasErrors() || none.Err() != nil || (Diagnostics{d}).HasErrors() {
		t.Errorf("warnings only must not count as errors")
	}
}

func TestDiagnosticsSorted(t *testing.T) {
	src := "theory T begin\nrule B: [ In(gg(x)) ] --> [ ]\nrule A: [ In(ff(x)) ] --> [ Out(hh(x)) ]\nend"
	_, diags := Parse("m.spthy", []byte(src), Options{ReadFile: noFiles})
	var got []string
	for _, d := range diags {
		got = append(got, d.Pos.String())
	}
	if want := []string{"m.spthy:2:14", "m.spthy:3:14", "m.spthy:3:33"}; !reflect.DeepEqual(got, want) {
		t.Errorf("diagnostics at %v, want %v", got, want)
	}
}
