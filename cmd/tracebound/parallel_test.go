package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestParallelLemmas: lemmas checked in parallel (one Z3 context each,
// the memory guard and the signal watcher running beside them) give the
// same report as one at a time. `make test` also runs it under the race
// detector.
func TestParallelLemmas(t *testing.T) {
	args := []string{"check", "../../examples/nspk.spthy", "--depth", "5", "-f", "json", "--no-timings", "--memory-limit", "8GiB"}
	code1, one, _ := runCLI(t, append(args, "-j", "1")...)
	code4, four, _ := runCLI(t, append(args, "-j", "4")...)
	assert.Equal(t, code1, code4)
	assert.Equal(t, one, four, "-j 4 gives the bytes of -j 1")
	assert.Contains(t, four, `"verdict": "witness found"`)
}
