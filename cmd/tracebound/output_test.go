package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every format through the command line on the witness: the chosen
// format, byte-identical on a second run, nothing on a non-terminal
// stderr (no progress).
func TestCheckFormats(t *testing.T) {
	cases := []struct {
		format string
		want   string
	}{
		{"text", "summary of summaries:"},
		{"json", `"schema": "tracebound.report/v3"`},
		{"dot", "digraph \"executable\" {"},
		{"msc", "sequenceDiagram"},
		{"svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"msc\""},
		{"html", "<!DOCTYPE html>"},
	}
	for _, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			args := []string{"check", "../../examples/nspk.spthy", "--lemma", "executable", "--depth", "5", "-f", c.format}
			code, out, errs := runCLI(t, args...)
			require.Equal(t, exitOK, code, errs)
			assert.Contains(t, out, c.want)
			assert.Empty(t, errs, "no progress when stderr is not a terminal")
			if c.format == "json" {
				// timings differ between runs, unless left out
				args = append(args, "--no-timings")
				_, out, _ = runCLI(t, args...)
				assert.NotContains(t, out, `"timing"`)
			}
			_, again, _ := runCLI(t, args...)
			assert.Equal(t, out, again, "the same model and flags give the same bytes")
			assert.NotRegexp(t, `\d+(\.\d+)?(ms|µs|s)\b`, out, "no timings without --stats")
		})
	}
}

func TestCheckOutputFiles(t *testing.T) {
	dir := t.TempDir()
	svg, junit, html := filepath.Join(dir, "chart.svg"), filepath.Join(dir, "report.xml"), filepath.Join(dir, "r.html")
	// msc to a .svg file is the drawn chart; --junit in addition
	code, out, errs := runCLI(t, "check", "../../examples/nspk.spthy", "--lemma", "executable,initiator_agreement", "--depth", "5",
		"-f", "msc", "-o", svg, "--junit", junit)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "executable (exists-trace): witness found: 6 steps", "the verdicts still go to standard output")
	assert.Contains(t, out, "summary of summaries:")
	b, err := os.ReadFile(svg)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "<?xml"), "an SVG file")
	var j struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	b, err = os.ReadFile(junit)
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(b, &j))
	assert.Equal(t, 2, j.Tests)
	assert.Equal(t, 0, j.Failures)
	require.Len(t, j.Suites, 1)
	assert.Equal(t, "executable", j.Suites[0].Cases[0].Name)

	// without -f the extension decides
	code, _, errs = runCLI(t, "check", "../../examples/nspk.spthy", "--lemma", "executable", "--depth", "5", "-o", html)
	require.Equal(t, exitOK, code, errs)
	b, err = os.ReadFile(html)
	require.NoError(t, err)
	assert.Contains(t, string(b), "<!DOCTYPE html>")

	// a falsified lemma is a JUnit failure
	code, _, _ = runCLI(t, "check", "../../examples/nspk.spthy", "--lemma", "responder_nonce_secrecy", "--depth", "7", "-f", "dot", "-o", filepath.Join(dir, "g.dot"), "--junit", junit)
	assert.Equal(t, exitFailed, code)
	b, err = os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(b), `<failure message="falsified: counterexample with 8 steps (shortest: 7 steps, with an agent in two roles)" type="falsified">`)
}

// --no-timings makes JUnit the same bytes on every run; -o DIR/ writes
// one complete file per lemma and nothing else.
func TestNoTimingsAndDirectory(t *testing.T) {
	dir := t.TempDir()
	args := []string{"check", "../../examples/nspk.spthy", "--lemma", "executable,initiator_agreement", "--depth", "5", "--no-timings"}
	code, _, _ := runCLI(t, append(args, "--junit", filepath.Join(dir, "a.xml"))...)
	require.Equal(t, exitOK, code)
	code, _, _ = runCLI(t, append(args, "--junit", filepath.Join(dir, "b.xml"), "-f", "dot", "-o", filepath.Join(dir, "graphs")+"/")...)
	require.Equal(t, exitOK, code)
	a, err := os.ReadFile(filepath.Join(dir, "a.xml"))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "b.xml"))
	require.NoError(t, err)
	assert.Equal(t, string(a), string(b), "byte-identical JUnit")
	assert.NotContains(t, string(a), "time=")
	noTemps(t, filepath.Join(dir, "graphs"), "executable.dot", "initiator_agreement.dot")
	g, err := os.ReadFile(filepath.Join(dir, "graphs", "initiator_agreement.dot"))
	require.NoError(t, err)
	assert.Contains(t, string(g), "digraph \"tracebound\"", "a lemma without a trace is an empty graph")
	assert.Contains(t, string(g), "initiator_agreement (all-traces): holds up to bound")
}

func TestCheckOutputUsage(t *testing.T) {
	code, _, errs := runCLI(t, "check", "../../examples/nspk.spthy", "-f", "pdf")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "unknown --format")
	code, _, errs = runCLI(t, "check", "../../examples/nspk.spthy", "-f", "msc", "--lifeline", "St_I")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "FACT:ARGPOS")
}

func TestCheckLifelineOverride(t *testing.T) {
	code, out, errs := runCLI(t, "check", "../../examples/nspk.spthy", "--lemma", "executable", "--depth", "5", "-f", "msc",
		"--lifeline", "InitWaiting:1", "--lifeline", "RespWaiting:1")
	require.Equal(t, exitOK, code, errs)
	assert.NotContains(t, out, "(~n", "thread identifiers give way to the overriding argument")
	assert.Contains(t, out, "participant Adv as Adversary")
}
