package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The speed table counts a missed trace as ratio 0, sorts the slowest
// first and takes the median over every lemma with a trace.
func TestBenchTable(t *testing.T) {
	mk := func(lemma, verdict string, wall, tamarin float64) *result {
		return &result{row: row{model: "m.spthy", lemma: lemma, kind: "all-traces", tamarin: "falsified", tamarinWall: tamarin},
			verdict: verdict, wall: time.Duration(wall * float64(time.Second))}
	}
	out := benchTable([]*result{
		mk("fast", "falsified", 0.1, 1.0),    // 10×
		mk("slow", "falsified", 2.0, 1.0),    // 0.5×
		mk("missed", "unknown", 60.0, 1.0),   // 0
		mk("quick", "falsified", 0.5, 1.0),   // 2×
		mk("quicker", "falsified", 0.2, 1.0), // 5×
	}, "-bench x")
	assert.Contains(t, out, "Median ratio 2.00× over 5 lemmas; 2 slower than Tamarin or missed.")
	missed, slow, fast := strings.Index(out, "| missed |"), strings.Index(out, "| slow |"), strings.Index(out, "| fast |")
	assert.True(t, missed > 0 && missed < slow && slow < fast, "slowest first:\n%s", out)
	assert.Contains(t, out, "| m.spthy | missed | 60.00 s | unknown | 1.00 s | 0.00× |")
}

// A short lemma runs -repeat times and its median run is kept; a long one
// runs once.
func TestRunMedian(t *testing.T) {
	walls := []float64{0.3, 0.1, 0.2, 5}
	calls := 0
	run := func() *result {
		r := &result{wall: time.Duration(walls[calls] * float64(time.Second))}
		calls++
		return r
	}
	got := runMedian(3, 2*time.Second, run)
	assert.Equal(t, 3, calls)
	assert.Equal(t, 200*time.Millisecond, got.wall, "the median of 0.3, 0.1 and 0.2 s")

	walls, calls = []float64{5, 0.1, 0.1}, 0
	got = runMedian(3, 2*time.Second, run)
	assert.Equal(t, 1, calls, "a first run over the limit is not repeated")
	assert.Equal(t, 5*time.Second, got.wall)
}
