package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/rules"
)

// The assignment is a function of the model and the selection: every
// lemma in exactly one shard, the costs balanced (no shard more than the
// costliest lemma above the lightest), the same on every call.
func TestAssignShards(t *testing.T) {
	th, diags := rules.Load(nspk, rules.Options{})
	require.False(t, diags.HasErrors())
	for n := 1; n <= 6; n++ {
		a := assignShards(th.Lemmas, n)
		assert.Equal(t, a, assignShards(th.Lemmas, n), "stable")
		require.Len(t, a, len(th.Lemmas))
		load := make([]int, n)
		most := 0
		for _, l := range th.Lemmas {
			s := a[l.Name]
			require.True(t, s >= 1 && s <= n)
			load[s-1] += lemmaCost(l)
			most = max(most, lemmaCost(l))
		}
		lo, hi := load[0], load[0]
		for _, x := range load {
			lo, hi = min(lo, x), max(hi, x)
		}
		assert.LessOrEqual(t, hi-lo, most, "n=%d loads %v", n, load)
	}
	assert.Greater(t, lemmaCost(th.Lemma("initiator_agreement")), lemmaCost(th.Lemma("executable")), "all-traces costs more than exists-trace")
}

func verdictsJSON(t *testing.T, path string) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var r struct {
		Verdicts []json.RawMessage `json:"verdicts"`
	}
	require.NoError(t, json.Unmarshal(b, &r))
	return r.Verdicts
}

// Three shards of NSPK's lemmas, merged, give the verdicts, the exit
// status and the JUnit of one unsharded run; a missing shard is named
// and its lemmas are unknown.
func TestShardAndMerge(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	common := []string{"--depth", "7", "-j", "1", "--no-timings"}
	code, _, errs := runCLI(t, append([]string{"check", nspk, "-o", p("all.json"), "--junit", p("all.xml")}, common...)...)
	require.Equal(t, exitFailed, code, errs)
	total := 0
	for i := 1; i <= 3; i++ {
		name := p("shard-" + string(rune('0'+i)) + ".json")
		c, out, errs := runCLI(t, append([]string{"check", nspk, "--shard", string(rune('0'+i)) + "/3", "-o", name}, common...)...)
		assert.Contains(t, []int{exitOK, exitFailed}, c, errs)
		total += strings.Count(out, " (all-traces): ") + strings.Count(out, " (exists-trace): ")
	}
	assert.Equal(t, 5, total, "each lemma checked in exactly one shard")

	code, out, errs := runCLI(t, "merge", p("shard-3.json"), p("shard-1.json"), p("shard-2.json"), "-o", p("merged.json"), "--junit", p("merged.xml"))
	assert.Equal(t, exitFailed, code, errs)
	assert.Contains(t, out, "merged from 3 reports")
	order := []string{"executable", "responder_nonce_secrecy", "initiator_nonce_secrecy", "responder_agreement", "initiator_agreement"}
	last := -1
	for _, l := range order {
		i := strings.Index(out, "  "+l+" ")
		require.GreaterOrEqual(t, i, 0, l)
		assert.Greater(t, i, last, "the model's order")
		last = i
	}
	all, merged := verdictsJSON(t, p("all.json")), verdictsJSON(t, p("merged.json"))
	require.Len(t, merged, 5)
	for i := range all {
		assert.JSONEq(t, string(all[i]), string(merged[i]))
	}
	a, m := readJUnit(t, p("all.xml")), readJUnit(t, p("merged.xml"))
	assert.Equal(t, [3]int{a.Tests, a.Failures, a.Errors}, [3]int{m.Tests, m.Failures, m.Errors})
	assert.Equal(t, [3]int{5, 2, 0}, [3]int{m.Tests, m.Failures, m.Errors})

	// a missing shard
	code, out, errs = runCLI(t, "merge", p("shard-1.json"), p("shard-3.json"), "--junit", p("partial.xml"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "merge: the report of shard 2/3 is missing")
	assert.Contains(t, out, "unknown (the report of shard 2/3 is missing)")
	assert.Greater(t, readJUnit(t, p("partial.xml")).Errors, 0)

	// reports that do not belong together
	other := writeModel(t, "theory Other begin\nrule R: [ ] --[ A() ]-> [ ]\nlemma l: exists-trace \"Ex #i. A() @ i\"\nend\n")
	c, _, _ := runCLI(t, "check", other, "--depth", "1", "-o", p("other.json"))
	require.Equal(t, exitOK, c)
	code, _, errs = runCLI(t, "merge", p("all.json"), p("other.json"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "the reports are of different models")
	code, _, errs = runCLI(t, "merge", p("shard-1.json"), p("shard-1.json"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "two reports of shard 1/3")

	// more shards than lemmas: an empty shard is fine
	code, out, errs = runCLI(t, "check", other, "--depth", "1", "--shard", "2/2")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, errs, "shard 2/2 has no lemma (1 lemmas over 2 shards)")
	assert.NotContains(t, out, "l (exists-trace)")
}
