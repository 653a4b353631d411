package queries

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The memory guard interrupts a check whose memory grows past the limit
// in the middle of its work (here while NSL's deeper problems are built
// and solved), as Unknown "memory limit".
func TestMemoryLimitMidCheck(t *testing.T) {
	th := load(t, "../examples/nsl.spthy")
	settleMemory()
	limit := Memory() + 30<<20
	start := time.Now()
	o := DefaultOptions()
	o.Depth, o.MemoryLimit = 12, limit
	// the deepening's guard is under test: no forward search's first look
	// (whose heap, under the race detector, may reach the limit first)
	o.Forward = ForwardOff
	o.NoAbstraction = true // it would prove the lemma at once
	v, err := NewChecker(th, o).Check(context.Background(), th.Lemma("responder_nonce_secrecy"))
	require.NoError(t, err)
	assert.Equal(t, Unknown, v.Kind, v.Summary())
	assert.Equal(t, "memory limit", v.Reason)
	assert.Greater(t, v.Depth, 0, "some depths were complete: the limit struck during the check")
	assert.Less(t, time.Since(start), 40*time.Second)
}

// settleMemory frees what earlier tests left: Z3 contexts (freed by
// finalizers, which run a cycle after the objects that refer to them) and
// the Go heap's free pages, so that Memory is this test's baseline.
func settleMemory() {
	for i := 0; i < 5; i++ {
		done := make(chan struct{})
		sentinel := new([16]byte)
		runtime.SetFinalizer(sentinel, func(*[16]byte) { close(done) })
		sentinel = nil
		runtime.GC()
		<-done
	}
	debug.FreeOSMemory()
}

// The causes a check stops with become its reason: the caller's (a
// signal, a total timeout) as they are, a timeout as "timeout".
func TestStopCauses(t *testing.T) {
	th := load(t, "../examples/nsl.spthy")
	l := th.Lemma("responder_nonce_secrecy")
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(500*time.Millisecond, func() { cancel(errors.New("interrupted (SIGINT)")) })
	o := DefaultOptions()
	o.Depth = 12
	o.NoAbstraction = true // it would prove the lemma at once
	v, err := NewChecker(th, o).Check(ctx, l)
	require.NoError(t, err)
	assert.Equal(t, "interrupted (SIGINT)", v.Reason)

	o.Timeout = 300 * time.Millisecond
	v, err = NewChecker(th, o).Check(context.Background(), l)
	require.NoError(t, err)
	assert.Equal(t, "timeout", v.Reason)
	assert.Equal(t, 12, v.StepBound)

	o.Depth, o.Timeout = 0, time.Second
	v, err = NewChecker(th, o).Check(context.Background(), l)
	require.NoError(t, err)
	assert.Equal(t, HoldsUpToBound, v.Kind)
	assert.Equal(t, time.Second, v.Budget)
	assert.Equal(t, v.Depth, v.StepBound)
	assert.Contains(t, v.Summary(), "reached in the 1s time budget")
}
