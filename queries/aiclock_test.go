package queries

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestAIClock: a CPU clock does not run while its thread sleeps, runs
// out when the thread works, and a wall end ends it whatever its CPU.
func TestAIClock(t *testing.T) {
	if _, ok := threadCPU(); !ok {
		t.Skip("no thread CPU clock on this system")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c := cpuClock(50*time.Millisecond, time.Time{})
	time.Sleep(100 * time.Millisecond)
	assert.False(t, c.over(), "a sleeping thread spent its CPU budget: %v left", c.left())
	for start := time.Now(); time.Since(start) < time.Second && !c.over(); {
		// work
	}
	assert.True(t, c.over(), "a second of work did not spend 50 ms of CPU")
	w := cpuClock(time.Hour, time.Now().Add(-time.Millisecond))
	assert.True(t, w.over(), "the wall end is past")
	assert.False(t, wallClock(time.Hour).over())
}
