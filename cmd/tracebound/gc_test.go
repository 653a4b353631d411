package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestGCPercentFor(t *testing.T) {
	assert.Equal(t, 100, gcPercentFor(1<<20, gcTunedFrom, gcTunedUpTo), "a small live heap keeps the default")
	assert.Equal(t, gcTunedPercent, gcPercentFor(gcTunedFrom, gcTunedFrom, gcTunedUpTo))
	assert.Equal(t, gcTunedPercent, gcPercentFor(64<<20, gcTunedFrom, gcTunedUpTo))
	assert.Equal(t, 100, gcPercentFor(gcTunedUpTo+1, gcTunedFrom, gcTunedUpTo), "a large live heap gets the default back")
}

// The percentage follows the live heap: the default while it is under the
// lower bound, the tuned one between the bounds, the default again past
// the upper one.
func TestGCTuner(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()
	base := liveHeap()
	armGCTuner(base+8<<20, base+40<<20)
	waitPercent := func(want int) int {
		deadline := time.Now().Add(5 * time.Second)
		for gcPercent() != want && time.Now().Before(deadline) {
			runtime.GC()
			time.Sleep(10 * time.Millisecond) // the finalizer runs in its own goroutine
		}
		return gcPercent()
	}
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	assert.Equal(t, 100, gcPercent(), "live heap under the lower bound")

	live := make([][]byte, 16)
	for i := range live {
		live[i] = make([]byte, 1<<20)
	}
	assert.Equal(t, gcTunedPercent, waitPercent(gcTunedPercent), "16 MiB more live heap, between the bounds")

	more := make([][]byte, 48)
	for i := range more {
		more[i] = make([]byte, 1<<20)
	}
	assert.Equal(t, 100, waitPercent(100), "64 MiB more live heap, past the upper bound")
	runtime.KeepAlive(live)
	runtime.KeepAlive(more)
}
