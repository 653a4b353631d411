package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The tuned percentage holds while the live heap is small and the default
// comes back once it passes the bound.
func TestGCTuner(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(gcTunedPercent))
	runtime.GC()
	armGCTuner(liveHeap() + 8<<20)
	runtime.GC()
	time.Sleep(10 * time.Millisecond) // the finalizer runs in its own goroutine
	assert.Equal(t, gcTunedPercent, gcPercent(), "live heap under the bound")

	live := make([][]byte, 16)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	deadline := time.Now().Add(5 * time.Second)
	for gcPercent() != 100 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	assert.Equal(t, 100, gcPercent(), "16 MiB more live heap, over a bound 8 MiB above the start")
	runtime.KeepAlive(live)
}

// gcPercent reads the current percentage (SetGCPercent returns it).
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}
