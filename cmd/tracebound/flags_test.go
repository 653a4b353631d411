package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const nspk = "../../examples/nspk.spthy"

// Invalid flag values are usage errors (status 2) with a message, and
// leave no output file behind; nothing is silently replaced.
func TestFlagValues(t *testing.T) {
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"--depth", "0"}, "--depth must be at least 1, not 0"},
		{[]string{"--depth", "-2"}, "--depth must be at least 1, not -2"},
		{[]string{"--timeout", "-5s"}, "--timeout must not be negative, not -5s"},
		{[]string{"--timeout", "0"}, "--timeout 0 without --depth would deepen for ever"},
		{[]string{"--total-timeout", "0"}, "--total-timeout must be positive"},
		{[]string{"--total-timeout", "-1m"}, "--total-timeout must be positive"},
		{[]string{"-j", "0"}, "--jobs must be at least 1, not 0"},
		{[]string{"--adv-decrypt", "-1"}, "--adv-decrypt must be at least 0, not -1"},
		{[]string{"--memory-limit", "lots"}, `--memory-limit: bad size "lots"`},
		{[]string{"--memory-limit", "4XB"}, `unknown unit "XB"`},
		{[]string{"--shard", "3/2"}, `bad --shard "3/2": want I/N with 1 ≤ I ≤ N`},
		{[]string{"--shard", "0/2"}, `bad --shard "0/2"`},
		{[]string{"--shard", "x"}, `bad --shard "x"`},
		{[]string{"-o", "OUT/out.xyz"}, "out.xyz: unknown extension .xyz"},
		{[]string{"-o", "OUT/report"}, "report: no extension to tell the format by: add one or give --format"},
		{[]string{"-f", "dot", "-o", "OUT/x.svg"}, "the extension says svg, --format says dot"},
		{[]string{"-f", "pdf"}, `unknown --format "pdf"`},
		{[]string{"--junit", "OUT/j.json"}, "j.json: JUnit XML goes to a .xml file"},
		{[]string{"-f", "dot"}, "-f dot draws one diagram per file, which Graphviz and Mermaid read one at a time: with 5 lemmas, write one file per lemma (-o DIR/) or pick one (--lemma)"},
		{[]string{"-f", "msc", "-o", "OUT/c.mmd"}, "-f msc draws one diagram per file"},
		{[]string{"--heuristic=S"}, "unknown flag: --heuristic (a Tamarin flag: tracebound has no proof heuristics"},
		{[]string{"--bound", "5"}, "unknown flag: --bound (a Tamarin flag: use --depth K"},
		{[]string{"--bogus"}, "unknown flag: --bogus (see tracebound check --help)"},
		{[]string{"--lemma", "nope*"}, "no lemma matches nope*"},
	}
	for _, c := range cases {
		t.Run(c.msg, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"check", nspk}
			for _, a := range c.args {
				args = append(args, replaceOut(a, dir))
			}
			code, out, errs := runCLI(t, args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, errs, c.msg)
			assert.Empty(t, out)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, entries, "no file left behind")
		})
	}
}

// replaceOut puts output files of the flag cases under dir.
func replaceOut(a, dir string) string {
	if len(a) > 4 && a[:4] == "OUT/" {
		return filepath.Join(dir, a[4:])
	}
	return a
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]uint64{"0": 0, "512MiB": 512 << 20, "4GiB": 4 << 30, "4G": 4 << 30, "2GB": 2e9, "1.5GiB": 3 << 29, "1048576": 1 << 20} {
		got, err := parseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	if _, err := os.Stat("/proc/meminfo"); err == nil {
		assert.Greater(t, defaultMemoryLimit(), uint64(0), "3/4 of the machine's memory")
	}
}

// Tamarin's --prove=LEMMA and --defines=FLAG are aliases of --lemma and
// -D; --quit-on-warning makes warnings errors, as Tamarin's flag does.
func TestTamarinFlags(t *testing.T) {
	m := writeModel(t, "theory T begin\n#ifdef extra\nrule X: [ Fr(~n) ] --[ A(~n) ]-> [ ]\n#endif\nlemma a: exists-trace \"Ex x #i. A(x) @ i\"\nlemma b: \"All x #i. A(x) @ i ==> T\"\nend\n")
	code, out, errs := runCLI(t, "check", m, "--prove=a", "--defines=extra", "--depth", "2")
	assert.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "a (exists-trace): witness found: 1 steps")
	assert.NotContains(t, out, "b (all-traces)", "--prove=a checks a only")
	code, out, _ = runCLI(t, "check", m, "--prove", "--depth", "2", "-D", "extra")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "b (all-traces): holds up to bound", "--prove alone checks every lemma")
	code, out, _ = runCLI(t, "check", m, "--prove=a", "--depth", "2")
	assert.Equal(t, exitFailed, code, "without the define, A is never recorded")
	assert.Contains(t, out, "[vacuous: no rule records the action A/1]")
	code, _, errs = runCLI(t, "check", m, "--prove=a", "--depth", "2", "--quit-on-warning")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "warning: lemma a refers to action A/1, but no rule has such an action")
	assert.Contains(t, errs, "warnings with --quit-on-warning")
	code, _, _ = runCLI(t, "parse", m, "--quit-on-warning")
	assert.Equal(t, exitFailed, code)
	code, _, _ = runCLI(t, "parse", m, "--quit-on-warning", "--defines=extra")
	assert.Equal(t, exitOK, code)
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := runCLI(t, args...)
		assert.Equal(t, exitOK, code)
		assert.Regexp(t, `^tracebound \S+ \(commit \S+, go\d+\.\d+(\.\d+)?, Z3 \d+\.\d+\.\d+`, out)
	}
}
