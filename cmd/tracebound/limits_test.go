package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const nsl = "../../examples/nsl.spthy"

// --timeout with --depth stops a lemma inside its Z3 call: unknown,
// status 3, the files complete. Two seconds: on a loaded machine the
// first look and depth 3 take most of one, and the verdict names the
// depths finished.
func TestTimeoutPerLemma(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	code, out, _ := runCLI(t, "check", nsl, "--no-abstraction", "--lemma", "responder_nonce_secrecy", "--depth", "12", "--timeout", "2s",
		"-f", "json", "-o", filepath.Join(dir, "r.json"), "--junit", filepath.Join(dir, "j.xml"))
	took := time.Since(start)
	assert.Equal(t, exitUnknown, code)
	assert.Less(t, took, 5*time.Second, "stopped soon after the two seconds")
	assert.Regexp(t, `responder_nonce_secrecy \(all-traces\): unknown: timeout \(no trace with ≤ \d+ steps\)`, out)
	noTemps(t, dir, "r.json", "j.xml")
	assert.Equal(t, 1, readJUnit(t, filepath.Join(dir, "j.xml")).Errors)
}

// --total-timeout stops the whole run: the lemmas not finished are
// unknown with the total timeout as the reason.
func TestTotalTimeout(t *testing.T) {
	start := time.Now()
	code, out, _ := runCLI(t, "check", nsl, "--no-abstraction", "--depth", "12", "-j", "1", "--total-timeout", "2s")
	took := time.Since(start)
	assert.Equal(t, exitUnknown, code)
	assert.Less(t, took, 5*time.Second)
	assert.Regexp(t, `executable \(exists-trace\): witness found: \d+ steps`, out)
	assert.Contains(t, out, "initiator_agreement (all-traces): unknown: total timeout (--total-timeout 2s)")
	assert.Contains(t, out, "summary of summaries:")
}

// Without --depth, each lemma deepens until its time budget and the
// verdict names the depth reached; a trace ends it early.
func TestBudgetDeepening(t *testing.T) {
	start := time.Now()
	code, out, _ := runCLI(t, "check", nsl, "--no-abstraction", "--lemma", "responder_nonce_secrecy,executable", "--timeout", "2s", "-j", "1")
	took := time.Since(start)
	assert.Equal(t, exitOK, code, out)
	assert.Less(t, took, 6*time.Second)
	assert.Regexp(t, `executable \(exists-trace\): witness found: \d+ steps`, out)
	m := regexp.MustCompile(`responder_nonce_secrecy \(all-traces\): holds up to bound: no counterexample with ≤ (\d+) protocol steps .* \(depth (\d+) reached in the 2s time budget; --depth for a fixed bound\)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	k, _ := strconv.Atoi(m[1])
	assert.Equal(t, m[1], m[2])
	assert.GreaterOrEqual(t, k, 5, "NSL's depths 1 to 5 take well under 2 s")
	assert.Regexp(t, `responder_nonce_secrecy\s+all-traces\s+holds up to bound\s+-\s+≤`+m[1]+` steps`, out, "the summary's bounds are the depth reached")

	// so little time that not even depth 1 is complete: unknown
	code, out, _ = runCLI(t, "check", nsl, "--no-abstraction", "--lemma", "responder_nonce_secrecy", "--timeout", "1ns")
	assert.Equal(t, exitUnknown, code)
	assert.Contains(t, out, "unknown: timeout (the 1ns time budget ended before depth 1 was complete)")
}

// --memory-limit: checks that would exceed it stop with "unknown:
// memory limit" (status 3), never an out-of-memory kill; the output
// files are complete.
func TestMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "check", nsl, "--no-abstraction", "--depth", "8", "-j", "1", "--memory-limit", "1MiB", "-o", filepath.Join(dir, "r.json"))
	assert.Equal(t, exitUnknown, code, errs)
	assert.Contains(t, out, "executable (exists-trace): unknown: memory limit")
	assert.Contains(t, out, "initiator_agreement (all-traces): unknown: memory limit")
	noTemps(t, dir, "r.json")
	b, err := os.ReadFile(filepath.Join(dir, "r.json"))
	require.NoError(t, err)
	for _, v := range parseReport(t, b).Verdicts {
		assert.Equal(t, "memory limit", v.Reason)
	}
}

// query and reach take --memory-limit as check does: a question that
// would exceed it is unknown (status 3); a bad size is a usage error.
func TestMemoryLimitQuestions(t *testing.T) {
	code, out, errs := runCLI(t, "query", nsl, "--no-abstraction", "--depth", "8", "--memory-limit", "1MiB",
		"All A B n #i. InitSecret(A, B, n) @ #i & not (Ex #r. Corrupted(A) @ #r) & not (Ex #r. Corrupted(B) @ #r) ==> not (Ex #j. K(n) @ #j)")
	assert.Equal(t, exitUnknown, code, errs)
	assert.Contains(t, out, "unknown: memory limit")
	for _, args := range [][]string{
		{"query", nsl, "--exists-trace", "Ex A B n #i. InitSecret(A, B, n) @ #i"},
		{"reach", nsl, "InitWaiting(a, b, n)"},
	} {
		code, _, errs = runCLI(t, append(args, "--memory-limit", "lots")...)
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errs, `bad size "lots"`)
	}
}
