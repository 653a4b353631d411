package solver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tracebound/tracebound/encode"
)

// pigeonhole returns a solver holding the pigeonhole formula for n+1
// pigeons and n holes: unsatisfiable, and hard for a CDCL solver
// (resolution proofs are exponential in n).
func pigeonhole(t *testing.T, n int) *Solver {
	t.Helper()
	b := encode.NewBuilder()
	p := make([][]*encode.Node, n+1)
	var as []*encode.Node
	for i := range p {
		p[i] = make([]*encode.Node, n)
		for j := range p[i] {
			p[i][j] = b.Const(fmt.Sprintf("p_%d_%d", i, j), encode.SortBool)
		}
		as = append(as, b.Or(p[i]...))
	}
	for j := 0; j < n; j++ {
		for i := 0; i <= n; i++ {
			for k := i + 1; k <= n; k++ {
				as = append(as, b.Or(b.Not(p[i][j]), b.Not(p[k][j])))
			}
		}
	}
	sv := New()
	require.NoError(t, sv.Assert(as...))
	return sv
}

// A check is stopped in the middle by cancelling its context: it returns
// at once, Unknown, with the cancellation's cause as the reason.
func TestInterruptMidSolve(t *testing.T) {
	sv := pigeonhole(t, 12)
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(300*time.Millisecond, func() { cancel(errors.New("interrupted")) })
	start := time.Now()
	res, why, err := sv.CheckSat(ctx)
	took := time.Since(start)
	require.NoError(t, err)
	assert.Equal(t, Unknown, res)
	assert.Equal(t, "interrupted", why)
	assert.GreaterOrEqual(t, took, 300*time.Millisecond, "the check was running")
	assert.Less(t, took, 2*time.Second, "and stopped soon after the cancellation")

	// a deadline is a timeout
	ctx2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	res, why, err = sv.CheckSat(ctx2)
	require.NoError(t, err)
	assert.Equal(t, Unknown, res)
	assert.Equal(t, "timeout", why)
}

// Z3 does not take SIGINT during a check (ctrl_c is off): the signal
// reaches Go's handler, and the check goes on until it is cancelled.
// With Z3's default, its own handler would swallow the signal and
// abandon the check with "canceled".
func TestSIGINTReachesGo(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT)
	defer signal.Stop(sigs)
	sv := pigeonhole(t, 12)
	ctx, cancel := context.WithCancelCause(context.Background())
	got := make(chan bool, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
		select {
		case <-sigs:
			got <- true
		case <-time.After(2 * time.Second):
			got <- false
		}
		cancel(errors.New("stopped by the test"))
	}()
	res, why, err := sv.CheckSat(ctx)
	require.NoError(t, err)
	assert.True(t, <-got, "Go received the SIGINT sent during the check")
	assert.Equal(t, Unknown, res)
	assert.Equal(t, "stopped by the test", why, "the check ran until cancelled, not abandoned by Z3")
}

// The C handles read from go-z3 are the right ones: the solver's scope
// count through them follows Push and Pop.
func TestHandles(t *testing.T) {
	sv := New()
	assert.Equal(t, 0, numScopes(sv.ctx, sv.s))
	sv.Push(context.Background())
	sv.Push(context.Background())
	assert.Equal(t, 2, numScopes(sv.ctx, sv.s))
	sv.Pop()
	assert.Equal(t, 1, numScopes(sv.ctx, sv.s))
	assert.Regexp(t, `^\d+\.\d+\.\d+`, Z3Version())
}

// Z3Memory follows Z3's allocations: dropping a large problem (and
// letting Go finalize its context) gives back more than a megabyte.
func TestZ3Memory(t *testing.T) {
	sv := pigeonhole(t, 30)
	with := Z3Memory()
	runtime.KeepAlive(sv)
	sv = nil
	finalizeAll()
	without := Z3Memory()
	assert.Greater(t, with, without+1<<20, "30×31 variables and 13 950 clauses take more than 1 MB")
}

// finalizeAll runs the garbage collector and waits until the finalizers
// it queued have run (they run one at a time, in one goroutine: a
// sentinel's finalizer queued last runs after them). Objects that refer
// to a context are finalized a cycle before it, so it does so a few
// times.
func finalizeAll() {
	for i := 0; i < 5; i++ {
		done := make(chan struct{})
		sentinel := new([16]byte)
		runtime.SetFinalizer(sentinel, func(*[16]byte) { close(done) })
		sentinel = nil
		runtime.GC()
		<-done
	}
}

// A push whose context is done does not panic (Z3 reports "canceled"),
// and Pop stays balanced with it.
func TestPushInterrupted(t *testing.T) {
	sv := pigeonhole(t, 6)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sv.Push(ctx)
	// inside a scope Z3 did not open, nothing is asserted or checked
	sv.Push(context.Background())
	require.NoError(t, sv.Assert(encode.NewBuilder().False))
	res, _, err := sv.CheckSat(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Unknown, res)
	sv.Pop()
	sv.Pop()
	assert.Equal(t, 0, numScopes(sv.ctx, sv.s))
	res, _, err = sv.CheckSat(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Unsat, res)
}

// A Z3 call that ignores the interrupt is abandoned after the grace
// period: the caller gets Unknown in time, and the solver stays unusable.
func TestAbandonUnresponsive(t *testing.T) {
	defer func(g time.Duration) { abandonGrace = g }(abandonGrace)
	abandonGrace = 100 * time.Millisecond
	sv := pigeonhole(t, 6)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	release := make(chan struct{})
	start := time.Now()
	// a call that never looks at the interrupt, holding go-z3's context
	// lock as its own calls do
	ok := sv.interruptible(ctx, func() {
		mu := contextLock(sv.ctx)
		mu.Lock()
		defer mu.Unlock()
		<-release
	})
	assert.False(t, ok)
	assert.Less(t, time.Since(start), time.Second)
	// the solver answers at once while the abandoned call still runs
	res, why, err := sv.CheckSat(context.Background())
	require.NoError(t, err)
	assert.Equal(t, Unknown, res)
	assert.NotEmpty(t, why)
	res, _, err = sv.CheckSatWithin(context.Background(), 1000)
	require.NoError(t, err)
	assert.Equal(t, Unknown, res)
	assert.Less(t, time.Since(start), time.Second)
	close(release)
	require.NoError(t, sv.Assert())
	sv.Push(context.Background())
	sv.Pop()
}
