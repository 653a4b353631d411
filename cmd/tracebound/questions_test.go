package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The question commands of issue 10 through the command line, against
// golden files: testdata/questions/NAME.golden holds the command, its
// exit status, standard output and standard error (go test -run
// TestQuestionsCLI -update rewrites them). The model blocked.spthy has a
// dead rule (Dead), a rule blocked only by a restriction (Second) and two
// ways to finish (after Left, after Right).

const blocked = "../../queries/testdata/questions/blocked.spthy"

var questionCLI = []struct {
	name string
	args []string
	code int
}{
	{"reach-reachable", []string{"reach", blocked, "!Done(_, side)"}, exitOK},
	{"reach-witnesses", []string{"reach", blocked, "!Done(_, side)", "--witnesses", "3"}, exitOK},
	{"reach-blocked", []string{"reach", blocked, "Pair(a, b)"}, exitFailed},
	{"reach-explain", []string{"reach", blocked, "Pair(a, b)", "--explain"}, exitFailed},
	{"reach-out", []string{"reach", "../../examples/nspk.spthy", "Out(aenc(<'m3', nb>, pk(sk)))", "--depth", "5"}, exitOK},
	{"reach-unknown-fact", []string{"reach", blocked, "Dne(a)"}, exitUsage},
	{"reach-persistence", []string{"reach", blocked, "Done(a, b)"}, exitUsage},
	{"reach-arity", []string{"reach", blocked, "!Done(a)"}, exitUsage},
	{"reach-in", []string{"reach", blocked, "In(x)"}, exitUsage},
	{"query-falsified", []string{"query", blocked, "All id side #i. Finished(id, side) @ #i ==> side = 'left'"}, exitFailed},
	{"query-witnesses", []string{"query", blocked, "--exists-trace", "Ex id side #i. Finished(id, side) @ #i", "--witnesses", "3"}, exitOK},
	{"query-blocked", []string{"query", blocked, "--exists-trace", "Ex a b #i. Second(a, b) @ #i"}, exitFailed},
	{"query-unguarded", []string{"query", blocked, "--exists-trace", "Ex id side #i. Finished(id, 'left') @ #i"}, exitUsage},
	{"query-no-implication", []string{"query", blocked, "All id #i. Start(id) @ #i & Went(id, 'left') @ #i"}, exitUsage},
	{"query-syntax", []string{"query", blocked, "Ex #i. Start(id) @"}, exitUsage},
	{"query-unknown-action", []string{"query", blocked, "--exists-trace", "Ex x #i. Strat(x) @ #i", "--no-blocking"}, exitFailed},
	{"check-witnesses", []string{"check", blocked, "--depth", "8", "--lemma", "finished", "--witnesses", "2"}, exitOK},
	{"check-explain", []string{"check", blocked, "--depth", "8", "--lemma", "paired,dead_never,ghost", "--explain"}, exitFailed},
	{"rules-blocked", []string{"rules", blocked}, exitFailed},
	{"rules-trace", []string{"rules", blocked, "--trace", "Second", "--trace", "Fin*"}, exitFailed},
	{"rules-nspk", []string{"rules", "../../examples/nspk.spthy"}, exitOK},
	{"rules-nsl", []string{"rules", "../../examples/nsl.spthy"}, exitOK},
	{"rules-signed-dh", []string{"rules", "../../examples/signed-dh.spthy"}, exitOK},
}

func TestQuestionsCLI(t *testing.T) {
	for _, c := range questionCLI {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCLI(t, c.args...)
			assert.Equal(t, c.code, code, "exit status\n%s%s", out, errs)
			got := fmt.Sprintf("$ tracebound %s\nexit %d\n-- stdout --\n%s-- stderr --\n%s", shellWords(c.args), code, out, errs)
			checkGolden(t, filepath.Join("testdata", "questions", c.name+".golden"), got)
		})
	}
}

// shellWords writes arguments as a shell would read them back.
func shellWords(args []string) string {
	var out []string
	for _, a := range args {
		if regexp.MustCompile(`^[-A-Za-z0-9_./=,*]+$`).MatchString(a) {
			out = append(out, a)
		} else {
			out = append(out, "'"+strings.ReplaceAll(a, "'", `'"'"'`)+"'")
		}
	}
	return strings.Join(out, " ")
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file (go test -run %s -update writes it)", t.Name())
	assert.Equal(t, string(want), got, "differs from %s", path)
}

// Every format of check works for reach; the text and JSON answers
// speak of reachability.
func TestReachFormats(t *testing.T) {
	for _, c := range []struct{ format, want string }{
		{"json", `"summary": "reachable: a trace of 3 steps (forward search; not known to be shortest)"`},
		{"dot", "digraph"},
		{"msc", "sequenceDiagram"},
		{"svg", "<svg"},
		{"html", "<!DOCTYPE html>"},
	} {
		code, out, errs := runCLI(t, "reach", blocked, "!Done(_, 'right')", "-f", c.format)
		require.Equal(t, exitOK, code, errs)
		assert.Contains(t, out, c.want, c.format)
		assert.NotContains(t, out, "Reached_", "%s: no marker action", c.format)
	}
	dir := t.TempDir()
	code, out, _ := runCLI(t, "reach", blocked, "!Done(_, 'right')", "-o", filepath.Join(dir, "r.html"))
	require.Equal(t, exitOK, code)
	assert.Equal(t, "reach !Done(_, 'right'): reachable: a trace of 3 steps (forward search; not known to be shortest)\n", out, "the answer's line on standard output")
}

// The executability report as JSON validates against
// docs/schema/rules.schema.json, and says what the text says.
func TestRulesJSON(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	// rules.schema.json refers to the report schema's traces by its $id
	f, err := os.Open(filepath.Join("..", "..", "docs", "schema", "report.schema.json"))
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(f)
	f.Close()
	require.NoError(t, err)
	require.NoError(t, c.AddResource("https://github.com/tracebound/tracebound/docs/schema/report.schema.json", doc))
	path, err := filepath.Abs(filepath.Join("..", "..", "docs", "schema", "rules.schema.json"))
	require.NoError(t, err)
	sch, err := c.Compile(path)
	require.NoError(t, err)
	code, out, errs := runCLI(t, "rules", blocked, "-f", "json", "--trace", "*")
	require.Equal(t, exitFailed, code, errs)
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	require.NoError(t, err)
	require.NoError(t, sch.Validate(inst))
	var j struct {
		Schema string         `json:"schema"`
		Counts map[string]int `json:"counts"`
		Rules  []struct {
			Rule     string   `json:"rule"`
			Verdict  string   `json:"verdict"`
			Steps    int      `json:"steps"`
			Blocking []string `json:"blocking"`
			Trace    *struct {
				Steps []json.RawMessage `json:"steps"`
			} `json:"trace"`
		} `json:"rules"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	assert.Equal(t, "tracebound.rules/v1", j.Schema)
	assert.Equal(t, 4, j.Counts["reachable"])
	assert.Equal(t, 1, j.Counts["dead"])
	assert.Equal(t, 1, j.Counts["blocked by restrictions"])
	require.Len(t, j.Rules, 6)
	assert.Equal(t, "Second", j.Rules[4].Rule)
	assert.Equal(t, []string{"only_one_start"}, j.Rules[4].Blocking)
	require.NotNil(t, j.Rules[3].Trace)
	assert.Len(t, j.Rules[3].Trace.Steps, 3)

	// the schema rejects what it should
	bad := bytes.Replace([]byte(out), []byte(`"verdict": "dead"`), []byte(`"verdict": "gone"`), 1)
	inst, err = jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	require.NoError(t, err)
	require.Error(t, sch.Validate(inst))

	// and the check report with the answers validates against its schema
	rsch, err := c.Compile("https://github.com/tracebound/tracebound/docs/schema/report.schema.json")
	require.NoError(t, err)
	code, out, errs = runCLI(t, "check", blocked, "--depth", "8", "--witnesses", "2", "--explain", "-f", "json")
	require.Equal(t, exitFailed, code, errs)
	inst, err = jsonschema.UnmarshalJSON(strings.NewReader(out))
	require.NoError(t, err)
	require.NoError(t, rsch.Validate(inst))
	assert.Contains(t, out, `"witnesses": [`)
	assert.Contains(t, out, `"restrictions": [
          "only_one_start"
        ]`)
}

func TestQuestionsUsage(t *testing.T) {
	code, _, errs := runCLI(t, "query", blocked, "--exists-trace", "--all-traces", "Ex #i. Start(x) @ #i")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "exclude each other")
	code, _, errs = runCLI(t, "reach", blocked, "!Done(a, b)", "--witnesses", "0")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "--witnesses must be at least 1")
	code, _, errs = runCLI(t, "rules", blocked, "-f", "dot")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "unknown --format")
	code, _, _ = runCLI(t, "reach", blocked)
	assert.Equal(t, exitUsage, code, "missing pattern")
}
