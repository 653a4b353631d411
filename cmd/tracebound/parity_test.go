package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tamarin parity: a model Tamarin checks after well-formedness warnings
// (a fact with two arities, as in its regression model issue527; an
// unbound variable) is checked, with the warnings on standard error, in
// the JSON report and in JUnit.
func TestWarningModelsAreChecked(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "check", "testdata/arity.spthy", "--depth", "4", "--junit", filepath.Join(dir, "j.xml"))
	assert.Equal(t, exitFailed, code, "guess_secret is falsified: the guess is sent")
	assert.Contains(t, errs, "testdata/arity.spthy:12:36: warning: fact St is used inconsistently (arity): St/2 here, St/1 in rule Start (conclusion); they are different facts [fact-usage]")
	assert.Contains(t, errs, "testdata/arity.spthy:23:32: warning: rule Guess has unbound variables: g; they take any value of their sort")
	assert.Contains(t, errs, " 23 |     [ Fr(~k) ] --[ Guessed(~k, g) ]-> [ Out(<~k, g>) ]\n    |                                ^", "the caret on the variable")
	assert.Contains(t, out, "finished (exists-trace): witness found: 3 steps")
	assert.Contains(t, out, "never_bad (all-traces): holds up to bound: no counterexample at any depth (abstraction: unreachable actions")
	assert.Contains(t, out, "guess_pair (exists-trace): witness found: 1 steps")
	assert.Contains(t, out, "guess_secret (all-traces): falsified: counterexample with 1 steps")
	assert.Contains(t, out, "warnings about the model: 2 (fact-usage, unbound-variables)", "in the text report too")
	ju := readJUnit(t, filepath.Join(dir, "j.xml"))
	assert.Contains(t, ju.Suites[0].SystemErr, "[fact-usage]")
	assert.Contains(t, ju.Suites[0].SystemErr, "[unbound-variables]")

	code, out, _ = runCLI(t, "check", "testdata/arity.spthy", "--depth", "4", "-f", "json", "--lemma", "finished")
	assert.Equal(t, exitOK, code)
	rep := parseReport(t, []byte(out))
	var checks []string
	for _, d := range rep.Diagnostics {
		assert.Equal(t, "warning", d.Severity)
		checks = append(checks, d.Check)
	}
	assert.Equal(t, []string{"fact-usage", "unbound-variables"}, checks)
}

// What tracebound cannot check is a clear error at the right place:
// an Out premise, a Fr of a name that can never be fresh.
func TestUncheckableIsAnError(t *testing.T) {
	m := writeModel(t, "theory T begin\nrule R: [ Out(x) ] --> [ ]\nrule S: [ Fr($x) ] --> [ ]\nend\n")
	code, _, errs := runCLI(t, "check", m)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "m.spthy:2:11: error: rule R: Out may appear only in conclusions, not as premise [reserved-facts]")
	assert.Contains(t, errs, "m.spthy:3:11: error: rule S: Fr($x) can never be satisfied")
}

// Bad input through the command line: a clear error and status 1 (parse)
// or 2 (check), never a crash.
func TestBadInputCommandLine(t *testing.T) {
	crasher := writeModel(t, "theory T begin\npredicates: P() <=> T, P() <=> P()\nlemma l: \"P()\"\nend\n")
	code, _, errs := runCLI(t, "parse", crasher)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, errs, "m.spthy:2:24: error: predicate P defined twice")
	assert.NotContains(t, errs, "goroutine", "no Go stack")
	code, _, errs = runCLI(t, "check", crasher)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "predicate P defined twice")

	dir := t.TempDir()
	code, _, errs = runCLI(t, "parse", dir)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, errs, dir+": error: cannot read the model: is a directory, not a model file")
	latin1 := writeModel(t, "theory T begin\n// caf\xe9\nend\n")
	code, _, errs = runCLI(t, "parse", latin1)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, errs, "m.spthy:2:7: error: the file is not UTF-8 text: invalid byte 0xE9")
	require.False(t, strings.Contains(errs, "panic"))
}
