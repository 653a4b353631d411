package rules

import (
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// memFS serves files from a map and records which ones were read.
type memFS struct {
	files map[string]string
	reads []string
}

func (m *memFS) ReadFile(path string) ([]byte, error) {
	m.reads = append(m.reads, path)
	src, ok := m.files[path]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	return []byte(src), nil
}

// rule returns a trivial rule called name, on its own lines.
func rule(name string) string { return "rule " + name + ": [ ] --> [ ]\n" }

// model wraps body into a theory.
func model(body string) string { return "theory T\nbegin\n" + body + "end\n" }

// ppCase is one preprocessor test: files in memory (the main file is
// "dir/main.spthy"), -D defines, and the expected outcome.
type ppCase struct {
	name    string
	files   map[string]string
	defines []string
	rules   string   // expected rule names in order, space-separated
	errs    []string // expected errors, "line:col: regexp" or "file:line:col: regexp" when not in main
	flags   string   // expected Theory.Flags, space-separated
	defined string   // expected Theory.Defines, space-separated; "-" to skip the check
}

const mainFile = "dir/main.spthy"

func runPPCase(t *testing.T, tc ppCase) {
	t.Helper()
	mfs := &memFS{files: tc.files}
	src, err := mfs.ReadFile(mainFile)
	if err != nil {
		t.Fatalf("test case has no %s", mainFile)
	}
	mfs.reads = nil
	th, diags := Parse(mainFile, src, Options{Defines: tc.defines, ReadFile: mfs.ReadFile})
	var names []string
	for _, r := range th.Rules {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, " "); got != tc.rules {
		t.Errorf("rules %q, want %q", got, tc.rules)
	}
	errs := diags.Errors()
	if len(errs) != len(tc.errs) {
		t.Errorf("got %d errors, want %d:\n%s", len(errs), len(tc.errs), diagString(diags))
	}
	for i := 0; i < len(errs) && i < len(tc.errs); i++ {
		want := tc.errs[i]
		if !strings.HasPrefix(want, "dir/") {
			want = mainFile + ":" + want
		}
		got := fmt.Sprintf("%s: %s", errs[i].Pos, errs[i].Msg)
		if !regexp.MustCompile("^" + want).MatchString(got) {
			t.Errorf("error %d is %q, want %q", i, got, want)
		}
	}
	if got := strings.Join(th.Flags, " "); got != tc.flags {
		t.Errorf("Flags %q, want %q", got, tc.flags)
	}
	if tc.defined != "-" {
		if got := strings.Join(th.Defines, " "); got != tc.defined {
			t.Errorf("Defines %q, want %q", got, tc.defined)
		}
	}
}

func TestPreprocessConditions(t *testing.T) {
	ifAB := model("#ifdef A\n" + rule("RA") + "#else\n" + rule("RnotA") + "#endif\n" +
		"#ifdef B\n" + rule("RB") + "#endif\n")
	nested := model(rule("R0") + "#ifdef A\n" + rule("R1") + "#ifdef B\n" + rule("R2") + "#else\n" + rule("R3") +
		"#endif\n" + rule("R4") + "#endif\n" + rule("R5"))
	cond := func(c string) map[string]string {
		return map[string]string{mainFile: model("#ifdef " + c + "\n" + rule("Yes") + "#else\n" + rule("No") + "#endif\n")}
	}
	tests := []ppCase{
		{name: "no flags", files: map[string]string{mainFile: ifAB}, rules: "RnotA", flags: "A B"},
		{name: "-D A", files: map[string]string{mainFile: ifAB}, defines: []string{"A"}, rules: "RA", flags: "A B", defined: "A"},
		{name: "-D A B", files: map[string]string{mainFile: ifAB}, defines: []string{"B", "A"}, rules: "RA RB", flags: "A B", defined: "A B"},
		{name: "unused -D", files: map[string]string{mainFile: ifAB}, defines: []string{"C"}, rules: "RnotA", flags: "A B", defined: "C"},
		{name: "ifndef", files: map[string]string{mainFile: model("#ifndef A\n" + rule("R") + "#else\n" + rule("S") + "#endif\n")}, rules: "R", flags: "A"},
		{name: "ifndef set", files: map[string]string{mainFile: model("#ifndef A\n" + rule("R") + "#else\n" + rule("S") + "#endif\n")}, defines: []string{"A"}, rules: "S", flags: "A", defined: "A"},

		{name: "and false", files: cond("A & B"), defines: []string{"A"}, rules: "No", flags: "A B", defined: "-"},
		{name: "and true", files: cond("A & B"), defines: []string{"A", "B"}, rules: "Yes", flags: "A B", defined: "-"},
		{name: "or", files: cond("A | B"), defines: []string{"B"}, rules: "Yes", flags: "A B", defined: "-"},
		{name: "or none", files: cond("A | B"), rules: "No", flags: "A B"},
		{name: "not", files: cond("not A"), rules: "Yes", flags: "A"},
		{name: "not set", files: cond("not A"), defines: []string{"A"}, rules: "No", flags: "A", defined: "-"},
		{name: "not binds tighter than and", files: cond("not A & B"), defines: []string{"B"}, rules: "Yes", flags: "A B", defined: "-"},
		{name: "not binds tighter than and, A set", files: cond("not A & B"), defines: []string{"A", "B"}, rules: "No", flags: "A B", defined: "-"},
		{name: "and binds tighter than or", files: cond("A | B & C"), defines: []string{"A"}, rules: "Yes", flags: "A B C", defined: "-"},
		{name: "parentheses", files: cond("(A | B) & C"), defines: []string{"A"}, rules: "No", flags: "A B C", defined: "-"},
		{name: "parentheses true", files: cond("(A | B) & C"), defines: []string{"B", "C"}, rules: "Yes", flags: "A B C", defined: "-"},
		{name: "manual example", files: cond("(KEYWORD1 & KEYWORD2) | KEYWORD3"), defines: []string{"KEYWORD3"}, rules: "Yes", flags: "KEYWORD1 KEYWORD2 KEYWORD3", defined: "-"},
		{name: "not of parentheses", files: cond("not (A | B)"), defines: []string{"B"}, rules: "No", flags: "A B", defined: "-"},
		{name: "double not", files: cond("not not A"), defines: []string{"A"}, rules: "Yes", flags: "A", defined: "-"},
		{name: "condition over lines", files: cond("(A |\n B)"), defines: []string{"B"}, rules: "Yes", flags: "A B", defined: "-"},

		{name: "nested none", files: map[string]string{mainFile: nested}, rules: "R0 R5", flags: "A B"},
		{name: "nested A", files: map[string]string{mainFile: nested}, defines: []string{"A"}, rules: "R0 R1 R3 R4 R5", flags: "A B", defined: "-"},
		{name: "nested A B", files: map[string]string{mainFile: nested}, defines: []string{"A", "B"}, rules: "R0 R1 R2 R4 R5", flags: "A B", defined: "-"},
		{name: "nested B only", files: map[string]string{mainFile: nested}, defines: []string{"B"}, rules: "R0 R5", flags: "A B", defined: "-"},

		{name: "define before ifdef", files: map[string]string{mainFile: model("#define A\n#ifdef A\n" + rule("R") + "#endif\n")}, rules: "R", flags: "A", defined: "A"},
		{name: "define after ifdef", files: map[string]string{mainFile: model("#ifdef A\n" + rule("R") + "#endif\n#define A\n")}, rules: "", flags: "A", defined: "A"},
		{name: "define in inactive branch", files: map[string]string{mainFile: model("#ifdef A\n#define B\n#endif\n#ifdef B\n" + rule("R") + "#endif\n")}, rules: "", flags: "A B"},
		{name: "define in active branch", files: map[string]string{mainFile: model("#ifndef A\n#define B\n#endif\n#ifdef B\n" + rule("R") + "#endif\n")}, rules: "R", flags: "A B", defined: "B"},
		{name: "define in included file", files: map[string]string{
			mainFile:          model("#include \"flags.splib\"\n#ifdef B\n" + rule("R") + "#endif\n"),
			"dir/flags.splib": "#define B\n",
		}, rules: "R", flags: "B", defined: "B"},
		{name: "undef", files: map[string]string{mainFile: model("#undef A\n#ifdef A\n" + rule("R") + "#endif\n")}, defines: []string{"A"}, rules: "", flags: "A"},
		{name: "ifdef at end of rule lines", files: map[string]string{mainFile: model("rule R:\n  [ Fr(~n) ]\n#ifdef A\n  --[ A(~n) ]->\n#else\n  -->\n#endif\n  [ Out(~n) ]\n")}, rules: "R", flags: "A"},

		{name: "endif without ifdef", files: map[string]string{mainFile: model(rule("R") + "#endif\n")}, rules: "R",
			errs: []string{`4:1: #endif without #ifdef`}},
		{name: "else without ifdef", files: map[string]string{mainFile: model("#else\n" + rule("R"))}, rules: "R",
			errs: []string{`3:1: #else without #ifdef`}},
		{name: "second else", files: map[string]string{mainFile: model("#ifdef A\n#else\n#else\n#endif\n")}, flags: "A",
			errs: []string{`5:1: second #else for the same #ifdef`}},
		{name: "missing endif", files: map[string]string{mainFile: model(rule("R0") + "#ifdef A\n" + rule("R"))}, rules: "R0", flags: "A",
			errs: []string{`4:1: #ifdef without #endif`, `7:1: missing "end" of theory T`}},
		{name: "missing endif, flag set", files: map[string]string{mainFile: model("#ifdef A\n" + rule("R"))}, defines: []string{"A"}, rules: "R", flags: "A", defined: "A",
			errs: []string{`3:1: #ifdef without #endif`}},
		{name: "missing endif in included file", files: map[string]string{
			mainFile:      model("#include \"a.splib\"\n" + rule("R")),
			"dir/a.splib": "#ifndef X\n" + rule("RA"),
		}, rules: "RA R", flags: "X",
			errs: []string{`dir/a.splib:1:1: #ifdef without #endif`}},
		{name: "empty condition", files: map[string]string{mainFile: model("#ifdef\n#endif\n" + rule("R"))}, rules: "R",
			errs: []string{`3:7: #ifdef needs a condition`}},
		{name: "incomplete condition", files: cond("A &"), rules: "No", flags: "A",
			errs: []string{`3:11: incomplete #ifdef condition`}},
		{name: "bad token in condition", files: cond("A B"), rules: "No", flags: "A",
			errs: []string{`3:10: unexpected "B" in #ifdef condition`}},
		{name: "define without name", files: map[string]string{mainFile: model("#define\n" + rule("R"))}, rules: "R",
			errs: []string{`3:1: #define needs a flag name`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runPPCase(t, tc) })
	}
}

// TestPreprocessUnclosedParen checks that a condition missing its ")"
// at the end of the file is reported with a position.
func TestPreprocessUnclosedParen(t *testing.T) {
	_, diags := Parse(mainFile, []byte("theory T begin\n#ifdef (A & B"), Options{ReadFile: noFiles})
	errs := diags.Errors()
	if len(errs) == 0 {
		t.Fatal("no error for an unclosed parenthesis")
	}
	for _, d := range errs {
		if !d.Pos.IsValid() {
			t.Errorf("error without position: %s", d.Error())
		}
	}
	if !strings.Contains(diagString(diags), "missing ) in #ifdef condition") {
		t.Errorf("no missing-parenthesis error:\n%s", diagString(diags))
	}
}

// TestPreprocessFlagsInInactiveRegion: a flag tested only inside an
// inactive #ifdef is still one the model tests.
func TestPreprocessFlagsInInactiveRegion(t *testing.T) {
	runPPCase(t, ppCase{
		files: map[string]string{mainFile: model("#ifdef A\n#ifdef B & not (C | D)\n" + rule("R") + "#endif\n#endif\n")},
		flags: "A B C D",
	})
}

func TestPreprocessInclude(t *testing.T) {
	tests := []ppCase{
		{name: "relative to the including file", files: map[string]string{
			mainFile:                 model("#include \"sub/a.splib\"\n" + rule("Main")),
			"dir/sub/a.splib":        rule("A") + "#include \"deeper/b.splib\"\n#include \"../top.splib\"\n",
			"dir/sub/deeper/b.splib": rule("B"),
			"dir/top.splib":          rule("Top"),
			"dir/deeper/b.splib":     rule("Wrong"),
		}, rules: "A B Top Main"},
		{name: "included twice is not a cycle", files: map[string]string{
			mainFile:      model("#include \"a.splib\"\n#include \"a.splib\"\n"),
			"dir/a.splib": "#ifdef ONE\n" + rule("One") + "#else\n#define ONE\n" + rule("Two") + "#endif\n",
		}, rules: "Two One", flags: "ONE", defined: "ONE"},
		{name: "include under ifdef", files: map[string]string{
			mainFile:      model("#ifdef A\n#include \"a.splib\"\n#else\n#include \"b.splib\"\n#endif\n"),
			"dir/a.splib": rule("A"),
			"dir/b.splib": rule("B"),
		}, defines: []string{"A"}, rules: "A", flags: "A", defined: "A"},
		{name: "missing include", files: map[string]string{
			mainFile: model(rule("R") + "  #include \"nope.splib\"\n" + rule("S")),
		}, rules: "R S", errs: []string{`4:12: cannot include "nope.splib": file does not exist`}},
		{name: "missing nested include", files: map[string]string{
			mainFile:          model("#include \"sub/a.splib\"\n"),
			"dir/sub/a.splib": rule("A") + "#include \"b.splib\"\n",
		}, rules: "A", errs: []string{`dir/sub/a.splib:2:10: cannot include "b.splib": file does not exist`}},
		{name: "self include", files: map[string]string{
			mainFile: model("#include \"main.spthy\"\n" + rule("R")),
		}, rules: "R", errs: []string{`3:10: include cycle: dir/main.spthy -> dir/main.spthy`}},
		{name: "cycle through two files", files: map[string]string{
			mainFile:          model("#include \"a.splib\"\n" + rule("R")),
			"dir/a.splib":     rule("A") + "#include \"sub/b.splib\"\n",
			"dir/sub/b.splib": rule("B") + "#include \"../a.splib\"\n",
		}, rules: "A B R", errs: []string{`dir/sub/b.splib:2:10: include cycle: dir/a.splib -> dir/sub/b.splib -> dir/a.splib`}},
		{name: "include without quotes", files: map[string]string{
			mainFile: model("#include a.splib\n" + rule("R")),
		}, rules: "R", errs: []string{`3:1: #include needs a file name in double quotes`}},
	}
	for _, tc := range tests {
		if tc.defined == "" && len(tc.defines) == 0 {
			tc.defined = "-"
		}
		t.Run(tc.name, func(t *testing.T) { runPPCase(t, tc) })
	}
}

// TestPreprocessIncludeReads checks that only active includes are read.
func TestPreprocessIncludeReads(t *testing.T) {
	mfs := &memFS{files: map[string]string{
		"m/main.spthy": model("#ifdef A\n#include \"a.splib\"\n#endif\n#include \"b.splib\"\n"),
		"m/b.splib":    rule("B"),
	}}
	src, _ := mfs.ReadFile("m/main.spthy")
	mfs.reads = nil
	_, diags := Parse("m/main.spthy", src, Options{ReadFile: mfs.ReadFile})
	if diags.HasErrors() {
		t.Fatalf("unexpected errors:\n%s", diagString(diags))
	}
	if want := []string{"m/b.splib"}; !reflect.DeepEqual(mfs.reads, want) {
		t.Errorf("read %v, want %v", mfs.reads, want)
	}
}

// TestLoadUsesReadFile checks that Load reads the main file through
// Options.ReadFile and reports a missing main file.
func TestLoadUsesReadFile(t *testing.T) {
	mfs := &memFS{files: map[string]string{"x/m.spthy": model("#include \"i.splib\"\n"), "x/i.splib": rule("I")}}
	th, diags := Load("x/m.spthy", Options{ReadFile: mfs.ReadFile})
	if diags.HasErrors() || th == nil || th.Rule("I") == nil {
		t.Fatalf("Load through ReadFile failed:\n%s", diagString(diags))
	}
	sort.Strings(mfs.reads)
	if want := []string{"x/i.splib", "x/m.spthy"}; !reflect.DeepEqual(mfs.reads, want) {
		t.Errorf("read %v, want %v", mfs.reads, want)
	}
	th, diags = Load("x/missing.spthy", Options{ReadFile: mfs.ReadFile})
	if th != nil || len(diags) != 1 || diags[0].Pos.Filename != "x/missing.spthy" || !strings.Contains(diags[0].Msg, "does not exist") {
		t.Errorf("missing main file: theory %v, diagnostics:\n%s", th, diagString(diags))
	}
}
