package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/queries"
	"github.com/tracebound/tracebound/rules"
)

// junitDoc is the part of JUnit XML the tests read.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Name      string `xml:"name,attr"`
		SystemErr string `xml:"system-err"`
		Cases     []struct {
			Name  string `xml:"name,attr"`
			Time  string `xml:"time,attr"`
			Out   string `xml:"system-out"`
			Error *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var j junitDoc
	require.NoError(t, xml.Unmarshal(b, &j), string(b))
	return j
}

// reportDoc is the part of the JSON report the tests read.
type reportDoc struct {
	Diagnostics []struct {
		File, Severity, Check, Message string
		Line, Column                   int
	} `json:"diagnostics"`
	Interrupted string `json:"interrupted"`
	Verdicts    []struct {
		Lemma, Verdict, Summary, Reason string
		Vacuous                         bool                     `json:"vacuous"`
		Missing                         []string                 `json:"missing_actions"`
		Timing                          *struct{ Total float64 } `json:"timing"`
		Bounds                          struct{ Steps int }      `json:"bounds"`
		Budget                          float64                  `json:"budget_s"`
	} `json:"verdicts"`
}

func parseReport(t *testing.T, b []byte) reportDoc {
	t.Helper()
	var r reportDoc
	require.NoError(t, json.Unmarshal(b, &r), string(b))
	return r
}

// noTemps asserts that dir holds exactly the named files: complete
// outputs, no temporary file.
func noTemps(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	assert.ElementsMatch(t, want, got)
}

// A model with errors: status 2, and the CI outputs say so: the JSON
// report lists the diagnostics (on standard output or in a file), JUnit
// has an error test case naming the model.
func TestModelErrorOutputs(t *testing.T) {
	bad := writeModel(t, "theory T begin\nrule R: [ In(hh(x)) ] --> [ ]\nlemma l: \"All #i. Strat() @ i ==> F\"\nend\n")
	code, out, errs := runCLI(t, "check", bad, "-f", "json")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "m.spthy:2:14: error: unknown function symbol hh/1")
	rep := parseReport(t, []byte(out))
	require.NotEmpty(t, rep.Diagnostics)
	d := rep.Diagnostics[0]
	assert.Equal(t, bad, d.File)
	assert.Equal(t, [2]int{2, 14}, [2]int{d.Line, d.Column})
	assert.Equal(t, "error", d.Severity)
	assert.Equal(t, "unknown function symbol hh/1", d.Message)
	assert.Empty(t, rep.Verdicts)

	dir := t.TempDir()
	j, r := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "report.json")
	code, out, _ = runCLI(t, "check", bad, "-o", r, "--junit", j)
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, out)
	noTemps(t, dir, "junit.xml", "report.json")
	b, err := os.ReadFile(r)
	require.NoError(t, err)
	assert.Equal(t, "error", parseReport(t, b).Diagnostics[0].Severity)
	ju := readJUnit(t, j)
	assert.Equal(t, 1, ju.Tests)
	assert.Equal(t, 1, ju.Errors)
	c := ju.Suites[0].Cases[0]
	assert.Equal(t, bad, c.Name, "the error test case names the model")
	require.NotNil(t, c.Error)
	assert.Equal(t, "model error", c.Error.Type)
	assert.Contains(t, c.Error.Text, "m.spthy:2:14: error: unknown function symbol hh/1")

	// a file that cannot be read
	code, out, _ = runCLI(t, "check", filepath.Join(dir, "missing.spthy"), "-f", "json")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, parseReport(t, []byte(out)).Diagnostics[0].Message, "cannot read the model")
}

// Warnings are in every CI output, and a lemma that refers to an action
// no rule records is marked vacuous in every format.
func TestWarningsAndVacuity(t *testing.T) {
	m := writeModel(t, "theory T begin\nrule R: [ Fr(~n) ] --[ A(~n) ]-> [ Out(~n) ]\n"+
		"lemma strat: \"All #i. Strat() @ i ==> F\"\nlemma fine: exists-trace \"Ex x #i. A(x) @ i\"\nend\n")
	const mark = "[vacuous: no rule records the action Strat/0]"
	dir := t.TempDir()
	j := filepath.Join(dir, "junit.xml")
	code, out, errs := runCLI(t, "check", m, "--depth", "2", "-f", "json", "--junit", j)
	assert.Equal(t, exitOK, code, errs)
	assert.Contains(t, errs, "m.spthy:3:23: warning: lemma strat refers to action Strat/0, but no rule has such an action [lemma-actions]")
	rep := parseReport(t, []byte(out))
	require.Len(t, rep.Diagnostics, 1)
	assert.Equal(t, "warning", rep.Diagnostics[0].Severity)
	assert.Equal(t, "lemma-actions", rep.Diagnostics[0].Check)
	require.Len(t, rep.Verdicts, 2)
	assert.True(t, rep.Verdicts[0].Vacuous)
	assert.Equal(t, []string{"Strat/0"}, rep.Verdicts[0].Missing)
	assert.Contains(t, rep.Verdicts[0].Summary, mark)
	assert.False(t, rep.Verdicts[1].Vacuous)
	ju := readJUnit(t, j)
	assert.Contains(t, ju.Suites[0].SystemErr, "warning: lemma strat refers to action Strat/0")
	assert.Contains(t, ju.Suites[0].Cases[0].Out, mark)

	code, out, _ = runCLI(t, "check", m, "--depth", "2")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "strat (all-traces): holds up to bound: no counterexample at any depth (abstraction: unreachable actions")
	assert.Contains(t, out, mark)
	assert.Regexp(t, `strat\s+all-traces\s+holds up to bound \(vacuous\)`, out, "the summary table")
	for _, f := range []string{"html", "dot", "msc", "svg"} {
		code, out, _ = runCLI(t, "check", m, "--depth", "2", "--lemma", "strat", "-f", f)
		assert.Equal(t, exitOK, code, f)
		assert.Contains(t, out, "vacuous", f)
		assert.Contains(t, out, "warning: lemma strat refers to action Strat/0, but no rule has such an action", f)
	}
}

// failingChecker is a checker whose check of one lemma fails replay.
type failingChecker struct {
	real lemmaChecker
	fail string
}

func (f failingChecker) Answer(ctx context.Context, l *rules.Lemma) (*queries.Verdict, error) {
	if l.Name == f.fail {
		return nil, &queries.InternalError{Lemma: l.Name, Err: errors.New("step 2 (R): premise St(~n.1) has no source"),
			Trace: &rules.Trace{Steps: []*rules.Step{{Name: "R"}}}}
	}
	return f.real.Answer(ctx, l)
}

// An internal error (a trace that failed replay) is status 4 with the
// trace on standard error; the other lemmas are still checked, and the
// CI outputs are written with the error in them.
func TestInternalErrorOutputs(t *testing.T) {
	real := newChecker
	newChecker = func(th *rules.Theory, o queries.Options) lemmaChecker {
		return failingChecker{real: real(th, o), fail: "responder_nonce_secrecy"}
	}
	defer func() { newChecker = real }()
	dir := t.TempDir()
	code, out, errs := runCLI(t, "check", nspk, "--depth", "7", "-o", filepath.Join(dir, "r.json"), "--junit", filepath.Join(dir, "j.xml"))
	assert.Equal(t, exitInternal, code)
	assert.Contains(t, errs, "internal error on lemma responder_nonce_secrecy: step 2 (R): premise St(~n.1) has no source")
	assert.Contains(t, errs, "trace that failed replay: 1 steps")
	assert.Contains(t, out, "responder_agreement (all-traces): falsified", "the other lemmas are checked")
	noTemps(t, dir, "r.json", "j.xml")
	b, err := os.ReadFile(filepath.Join(dir, "r.json"))
	require.NoError(t, err)
	var rep struct {
		Verdicts []struct {
			Lemma    string `json:"lemma"`
			Internal bool   `json:"internal_error"`
		} `json:"verdicts"`
	}
	require.NoError(t, json.Unmarshal(b, &rep))
	require.Len(t, rep.Verdicts, 5)
	assert.True(t, rep.Verdicts[1].Internal)
	assert.False(t, rep.Verdicts[0].Internal)
	ju := readJUnit(t, filepath.Join(dir, "j.xml"))
	assert.Equal(t, "internal error", ju.Suites[0].Cases[1].Error.Type)
}
